use crate::accounts::{Role, Scope};
use crate::kernel::{AdvertiserId, ApiError, ApiKeyId, Mode, PromoterId, Tenant, UserId};

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token: everything the role allows.
    AccessToken,
    /// An API key: only its scopes.
    ApiKey {
        /// The key's id.
        id: ApiKeyId,
        /// What it may do.
        scopes: Vec<Scope>,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The user's role.
    pub role: Role,
    /// The advertiser of an advertiser user.
    pub advertiser_id: Option<AdvertiserId>,
    /// How they authenticated.
    pub credential: Credential,
    /// Live, or the sandbox: a test API key's mode, or an access token's request with the
    /// `Afftok-Mode: test` header (the web app's test-mode switch). What a test caller
    /// creates (links, conversions) is test traffic, and its listings default to test traffic.
    pub mode: Mode,
}

impl Principal {
    /// The caller's tenant.
    pub fn tenant(&self) -> Tenant {
        match (self.role, self.advertiser_id) {
            (Role::Admin, _) => Tenant::Admin,
            (Role::Advertiser, Some(advertiser)) => Tenant::Advertiser(advertiser),
            // An advertiser without a company cannot exist (a table constraint); treat it
            // as seeing nothing rather than everything.
            (Role::Advertiser, None) => Tenant::Advertiser(AdvertiserId(-1)),
            (Role::Promoter, _) => Tenant::Promoter(PromoterId(self.user_id.0)),
        }
    }

    /// Refuses unless the caller may use `scope`: its role allows it, and an API key holds it.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if !scope.allowed_for(self.role) {
            return Err(ApiError::forbidden(format!(
                "{} accounts cannot use this endpoint",
                self.role
            )));
        }
        match &self.credential {
            Credential::AccessToken => Ok(()),
            Credential::ApiKey { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Credential::ApiKey { .. } => Err(ApiError::forbidden(format!(
                "this API key lacks the {} scope",
                scope.as_str()
            ))),
        }
    }

    /// Refuses unless the caller is an advertiser (returning its advertiser id).
    pub fn advertiser(&self) -> Result<AdvertiserId, ApiError> {
        match self.tenant() {
            Tenant::Advertiser(id) => Ok(id),
            _ => Err(ApiError::forbidden("only advertiser accounts can do this")),
        }
    }

    /// Refuses unless the caller is a promoter (returning its user id).
    pub fn promoter(&self) -> Result<PromoterId, ApiError> {
        match self.tenant() {
            Tenant::Promoter(id) => Ok(id),
            _ => Err(ApiError::forbidden("only promoter accounts can do this")),
        }
    }

    /// Refuses unless the caller is an admin.
    pub fn admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("only admins can do this")),
        }
    }

    /// Refuses API keys (for managing keys and sessions, which need a person).
    pub fn access_token(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::AccessToken => Ok(()),
            Credential::ApiKey { .. } => Err(ApiError::forbidden(
                "this endpoint needs an access token, not an API key",
            )),
        }
    }
}
