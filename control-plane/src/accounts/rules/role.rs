use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Shares links and earns payouts.
    Promoter,
    /// Owns offers and reports conversions.
    Advertiser,
    /// Runs the platform.
    Admin,
}

impl Role {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Promoter => "promoter",
            Role::Advertiser => "advertiser",
            Role::Admin => "admin",
        }
    }
}

crate::stored_as_text!(Role);

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "promoter" => Ok(Role::Promoter),
            "advertiser" => Ok(Role::Advertiser),
            "admin" => Ok(Role::Admin),
            _ => Err(()),
        }
    }
}

/// What an API key may do (an access token may do everything its role may).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Scope {
    /// Report conversions.
    #[serde(rename = "conversions:write")]
    ConversionsWrite,
    /// Read stats.
    #[serde(rename = "stats:read")]
    StatsRead,
    /// Read offers (own offers, the marketplace, the review queue).
    #[serde(rename = "offers:read")]
    OffersRead,
    /// Create, edit and move offers through the workflow.
    #[serde(rename = "offers:write")]
    OffersWrite,
    /// Read one's tracking links.
    #[serde(rename = "links:read")]
    LinksRead,
    /// Join offers (creating links).
    #[serde(rename = "links:write")]
    LinksWrite,
    /// Read webhook endpoints, promoter postbacks and their delivery logs.
    #[serde(rename = "webhooks:read")]
    WebhooksRead,
    /// Manage webhook endpoints and promoter postbacks: create, change, rotate secrets,
    /// test, redeliver.
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 8] = [
        Scope::ConversionsWrite,
        Scope::StatsRead,
        Scope::OffersRead,
        Scope::OffersWrite,
        Scope::LinksRead,
        Scope::LinksWrite,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
    ];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ConversionsWrite => "conversions:write",
            Scope::StatsRead => "stats:read",
            Scope::OffersRead => "offers:read",
            Scope::OffersWrite => "offers:write",
            Scope::LinksRead => "links:read",
            Scope::LinksWrite => "links:write",
            Scope::WebhooksRead => "webhooks:read",
            Scope::WebhooksWrite => "webhooks:write",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == s)
    }

    /// Whether a user with `role` may hold this scope at all.
    pub fn allowed_for(self, role: Role) -> bool {
        match self {
            Scope::ConversionsWrite => matches!(role, Role::Advertiser | Role::Admin),
            Scope::OffersWrite => matches!(role, Role::Advertiser | Role::Admin),
            Scope::LinksRead => matches!(role, Role::Promoter | Role::Admin),
            Scope::LinksWrite => role == Role::Promoter,
            Scope::StatsRead | Scope::OffersRead | Scope::WebhooksRead | Scope::WebhooksWrite => {
                true
            }
        }
    }
}

impl FromStr for Scope {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::parse(s).ok_or(())
    }
}

// A key's scopes are stored as a `text[]` of their names (see the api_keys migration): rows
// read them straight into `Vec<Scope>`.
crate::stored_as_text!(Scope);

impl sqlx::postgres::PgHasArrayType for Scope {
    fn array_type_info() -> sqlx::postgres::PgTypeInfo {
        <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
    }

    fn array_compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <&str as sqlx::postgres::PgHasArrayType>::array_compatible(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            let json = serde_json::to_string(&scope).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
        }
        for role in [Role::Promoter, Role::Advertiser, Role::Admin] {
            assert_eq!(role.as_str().parse(), Ok(role));
        }
        assert_eq!(Scope::parse("offers:delete"), None);
    }

    #[test]
    fn scopes_follow_roles() {
        assert!(Scope::LinksWrite.allowed_for(Role::Promoter));
        assert!(!Scope::LinksWrite.allowed_for(Role::Advertiser));
        assert!(!Scope::OffersWrite.allowed_for(Role::Promoter));
        assert!(Scope::ConversionsWrite.allowed_for(Role::Advertiser));
    }
}
