//! Accounts and sessions: register, login, refresh, logout, me.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Credential;
use crate::accounts::db::refresh_tokens::{self, Refreshed};
use crate::accounts::db::users::{self, CreateError, NewUser, UserRow};
use crate::accounts::password;
use crate::accounts::{Role, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::{AdvertiserId, UserId, email, text};

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterRequest {
    /// `promoter` or `advertiser` (admins are created with `afftok admin create`).
    pub role: Role,
    /// Email, unique.
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    /// The name others see, 1–100 characters.
    pub display_name: String,
    /// For advertisers: the company, 1–200 characters.
    pub company_name: Option<String>,
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A refresh token being used or given up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct UserView {
    /// Id (a promoter's id is the `promoter_id` of its links).
    pub id: UserId,
    /// Email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Display name.
    pub display_name: String,
    /// The advertiser of an advertiser user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertiser: Option<AdvertiserView>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// An advertiser (company).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AdvertiserView {
    /// Id (the `advertiser_id` of its offers and postback keys).
    pub id: AdvertiserId,
    /// Name.
    pub name: String,
}

impl From<CreateError> for ApiError {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::EmailTaken => {
                ApiError::conflict("email_taken", "an account with this email exists")
            }
            CreateError::CompanyMissing => {
                ApiError::field("company_name", "is required for advertisers")
            }
            CreateError::Db(e) => e.into(),
        }
    }
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        let role = u.role;
        Self {
            id: u.id,
            email: u.email,
            role,
            display_name: u.display_name,
            advertiser: u.advertiser_id.map(|id| AdvertiserView {
                id,
                name: u.advertiser_name.unwrap_or_default(),
            }),
            created_at: u.created_at,
        }
    }
}

/// A session: an access token and the refresh token for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Session {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// Use once at `/v1/auth/refresh` for a new pair; reuse revokes the session.
    pub refresh_token: String,
    /// Who signed in.
    pub user: UserView,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Me {
    /// The user.
    pub user: UserView,
    /// `access_token` or `api_key`.
    pub authenticated_with: &'static str,
    /// The API key's scopes, when authenticated with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
}

async fn session(
    state: &AppState,
    user: UserRow,
    family: Option<uuid::Uuid>,
) -> Result<Session, ApiError> {
    let access_token = state
        .jwt
        .issue(user.id, user.role, user.advertiser_id)
        .map_err(ApiError::internal)?;
    let refresh_token = refresh_tokens::issue(
        &state.db,
        user.id,
        family,
        state.settings.jwt.refresh_token_ttl,
    )
    .await?;
    Ok(Session {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.ttl_secs(),
        refresh_token,
        user: user.into(),
    })
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

async fn verify_password(password: String, stored: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || password::verify(&password, &stored))
        .await
        .map_err(ApiError::internal)
}

/// Creates a promoter or advertiser account and signs it in.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = Session), (status = 409, description = "email_taken"),
              (status = 422, description = "validation_failed"), (status = 429, description = "rate_limited")))]
pub(super) async fn register(
    State(state): State<AppState>,
    Json(req): Json<RegisterRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let mut errors = Vec::new();
    if req.role == Role::Admin {
        errors.push(FieldError::new("role", "must be promoter or advertiser"));
    }
    let email = req.email.trim().to_owned();
    if let Err(why) = email::check(&email) {
        errors.push(FieldError::new("email", why));
    }
    if let Err(why) = password::check_strength(&req.password) {
        errors.push(FieldError::new("password", why));
    }
    let display_name = req.display_name.trim().to_owned();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        errors.push(FieldError::new(
            "display_name",
            "must be 1 to 100 characters",
        ));
    } else if let Err(why) = text::check(&display_name, false) {
        errors.push(FieldError::new("display_name", why));
    }
    let company = req.company_name.as_deref().map(str::trim);
    match (req.role, company) {
        (Role::Advertiser, None) => errors.push(FieldError::new(
            "company_name",
            "is required for advertisers",
        )),
        (Role::Advertiser, Some(c)) if c.is_empty() || c.chars().count() > 200 => errors.push(
            FieldError::new("company_name", "must be 1 to 200 characters"),
        ),
        (Role::Advertiser, Some(c)) if text::check(c, false).is_err() => errors.push(
            FieldError::new("company_name", "must not contain control characters"),
        ),
        (Role::Promoter, Some(_)) => {
            errors.push(FieldError::new("company_name", "is only for advertisers"))
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = hash_password(req.password).await?;
    let user = users::create(
        &state.db,
        NewUser {
            email: &email,
            password_hash: &hash,
            role: req.role,
            display_name: &display_name,
            company,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(session(&state, user, None).await?),
    ))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, description = "wrong email or password"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<axum::Json<Session>, ApiError> {
    // A malformed email cannot belong to an account: no lookup, same answer and timing.
    let email = req.email.trim();
    let user = match email::check(email) {
        Ok(()) => users::by_email(&state.db, email).await?,
        Err(_) => None,
    };
    // Unknown emails cost the same hashing as known ones: timing does not tell them apart.
    let stored = user.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let ok = verify_password(req.password, stored).await?;
    match user {
        Some(user) if ok => Ok(axum::Json(session(&state, user, None).await?)),
        _ => Err(ApiError::Unauthorized("the email or the password is wrong")),
    }
}

/// Trades a refresh token for a new access token and refresh token.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Session), (status = 401, description = "invalid, expired or reused refresh token")))]
pub(super) async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<axum::Json<Session>, ApiError> {
    match refresh_tokens::rotate(
        &state.db,
        &req.refresh_token,
        state.settings.jwt.refresh_token_ttl,
    )
    .await?
    {
        Refreshed::Rotated { user_id, token } => {
            let user = users::by_id(&state.db, user_id)
                .await?
                .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
            let access_token = state
                .jwt
                .issue(user.id, user.role, user.advertiser_id)
                .map_err(ApiError::internal)?;
            Ok(axum::Json(Session {
                access_token,
                token_type: "Bearer",
                expires_in: state.jwt.ttl_secs(),
                refresh_token: token,
                user: user.into(),
            }))
        }
        Refreshed::Reused => Err(ApiError::Unauthorized(
            "this refresh token was already used or its session has ended: sign in again",
        )),
        Refreshed::Invalid => Err(ApiError::Unauthorized(
            "the refresh token is not valid or has expired",
        )),
    }
}

/// Ends the session of a refresh token (its whole family). Always 204.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "signed out")))]
pub(super) async fn logout(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    refresh_tokens::revoke_family(&state.db, &req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller.
#[utoipa::path(get, path = "/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "unauthorized")))]
pub(super) async fn me(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<Me>, ApiError> {
    let user = users::by_id(&state.db, principal.user_id)
        .await?
        .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let (authenticated_with, scopes) = match principal.credential {
        Credential::AccessToken => ("access_token", None),
        Credential::ApiKey { scopes, .. } => ("api_key", Some(scopes)),
    };
    Ok(axum::Json(Me {
        user: user.into(),
        authenticated_with,
        scopes,
    }))
}

/// Routes that take credentials (rate-limited per IP).
pub(super) fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

/// Routes for signed-in callers.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}
