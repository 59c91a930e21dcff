//! Accounts and sessions: register, login, refresh, logout, logout everywhere, me.
//!
//! A session is an access token and a refresh token. API clients get the refresh token in
//! the JSON answer and present it in the body (`"session": "token"`, the default); the web
//! app asks for `"session": "cookie"` and gets it as an HttpOnly cookie with a CSRF token
//! beside it (`cookies.rs`).

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cookies::{self, Presented};
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
    #[schema(value_type = SignUpRole)]
    pub role: Role,
    /// Email, unique: one `@`, a dotted domain, no spaces, at most 254 bytes (the pattern
    /// describes ASCII addresses; internationalised ones are taken too).
    #[schema(format = Email, max_length = 254, pattern = r"^[!-?A-~]{1,64}@[!-\-/-?A-~]+(\.[!-\-/-?A-~]+)+$")]
    pub email: String,
    /// At least 10 characters, at most 256 bytes.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// The name others see, 1–100 characters once trimmed, no control characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub display_name: String,
    /// The company, 1–200 characters once trimmed, no control characters: required for an
    /// advertiser, refused for a promoter.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub company_name: Option<String>,
    /// How the refresh token is handed over (default `token`).
    #[serde(default)]
    pub session: SessionMode,
}

/// The roles one can sign up for (admins are created with `afftok admin create`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum SignUpRole {
    /// Promotes offers.
    Promoter,
    /// Publishes offers.
    Advertiser,
}

/// How a session's refresh token travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum SessionMode {
    /// In the JSON answer (`refresh_token`), presented in the body of refresh and logout:
    /// for API clients.
    #[default]
    Token,
    /// In the HttpOnly cookie `afftok_refresh` (Path=/v1/auth), with the CSRF token in the
    /// cookie `afftok_csrf`, which refresh and logout must repeat in `X-CSRF-Token`; the
    /// JSON answer has no `refresh_token`: for the web app.
    Cookie,
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
    /// How the refresh token is handed over (default `token`).
    #[serde(default)]
    pub session: SessionMode,
}

/// A refresh token being used or given up: in the body (token sessions), or absent (`{}`)
/// to use the `afftok_refresh` cookie, which needs the `X-CSRF-Token` header.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RefreshRequest {
    /// The refresh token from the last login or refresh; absent: the cookie's.
    pub refresh_token: Option<String>,
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
    /// Whether the email was verified (the link mailed at sign-up; admins always are).
    pub email_verified: bool,
    /// The advertiser of an advertiser user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertiser: Option<AdvertiserView>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Since when a promoter is suspended by an admin (its new clicks and conversions earn
    /// nothing; its links still redirect); absent when it is not.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub suspended_at: Option<OffsetDateTime>,
    /// Why it is suspended; absent when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_reason: Option<String>,
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
            email_verified: u.email_verified_at.is_some(),
            advertiser: u.advertiser_id.map(|id| AdvertiserView {
                id,
                name: u.advertiser_name.unwrap_or_default(),
            }),
            created_at: u.created_at,
            suspended_at: u.suspended_at,
            suspended_reason: u.suspended_reason,
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
    /// Use once at `/v1/auth/refresh` for a new pair; reuse revokes the session. Absent in
    /// cookie sessions (it is in the `afftok_refresh` cookie).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
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
        refresh_token: Some(refresh_token),
        user: user.into(),
    })
}

/// A session as answered: the refresh token in the JSON (`Token`) or moved into the cookies
/// (`Cookie`). Never stored by caches: it holds credentials.
fn answer(
    state: &AppState,
    status: StatusCode,
    mode: SessionMode,
    mut session: Session,
) -> Result<Response, ApiError> {
    let no_store = [(CACHE_CONTROL, "no-store")];
    match mode {
        SessionMode::Token => Ok((status, no_store, axum::Json(session)).into_response()),
        SessionMode::Cookie => {
            let token = session
                .refresh_token
                .take()
                .ok_or_else(|| ApiError::internal("a session without its refresh token"))?;
            let cookies = cookies::issue(
                token,
                state.settings.jwt.refresh_token_ttl,
                state.settings.web.secure_cookies,
            )?;
            Ok((status, no_store, cookies, axum::Json(session)).into_response())
        }
    }
}

/// An error answer that also drops the session cookies (a cookie session that is over).
fn ending(state: &AppState, error: ApiError) -> Response {
    match cookies::clear(state.settings.web.secure_cookies) {
        Ok(clear) => (clear, error).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Which `SessionMode` a presented refresh token belongs to.
fn mode_of(presented: Presented) -> SessionMode {
    match presented {
        Presented::Body => SessionMode::Token,
        Presented::Cookie => SessionMode::Cookie,
    }
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

/// Creates a promoter or advertiser account and signs it in. With `"session": "cookie"` the
/// refresh token is set as cookies instead of answered (see `SessionMode`).
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = Session, headers(("Set-Cookie" = String, description = "cookie sessions: afftok_refresh and afftok_csrf"))),
              (status = 409, description = "email_taken"),
              (status = 422, description = "validation_failed"), (status = 429, description = "rate_limited")))]
pub(super) async fn register(
    State(state): State<AppState>,
    Json(req): Json<RegisterRequest>,
) -> Result<Response, ApiError> {
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
    super::email::after_register(&state, &user).await;
    let session = session(&state, user, None).await?;
    answer(&state, StatusCode::CREATED, req.session, session)
}

/// Signs in with email and password. With `"session": "cookie"` the refresh token is set as
/// cookies instead of answered (see `SessionMode`).
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session, headers(("Set-Cookie" = String, description = "cookie sessions: afftok_refresh and afftok_csrf"))),
              (status = 401, description = "wrong email or password"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
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
        Some(user) if ok => {
            let session = session(&state, user, None).await?;
            answer(&state, StatusCode::OK, req.session, session)
        }
        _ => Err(ApiError::Unauthorized("the email or the password is wrong")),
    }
}

/// Trades a refresh token for a new access token and refresh token. The token comes from
/// the body's `refresh_token`, else from the `afftok_refresh` cookie, which needs the header
/// `X-CSRF-Token` equal to the `afftok_csrf` cookie; a cookie refresh answers without
/// `refresh_token` and sets both cookies anew.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    params(("X-CSRF-Token" = Option<String>, Header, description = "cookie sessions: the value of the afftok_csrf cookie")),
    responses((status = 200, body = Session, headers(("Set-Cookie" = String, description = "cookie sessions: afftok_refresh and afftok_csrf, rotated"))),
              (status = 401, description = "no refresh token, or an invalid, expired or reused one (cookie sessions: the cookies are cleared)"),
              (status = 403, description = "csrf_failed: the X-CSRF-Token header is missing or does not match the afftok_csrf cookie"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<RefreshRequest>,
) -> Result<Response, ApiError> {
    let (token, presented) = cookies::presented(req.refresh_token, &headers)?;
    let refused = |error: ApiError| match presented {
        Presented::Body => Ok(error.into_response()),
        Presented::Cookie => Ok(ending(&state, error)),
    };
    match refresh_tokens::rotate(&state.db, &token, state.settings.jwt.refresh_token_ttl).await? {
        Refreshed::Rotated { user_id, token } => {
            let Some(user) = users::by_id(&state.db, user_id).await? else {
                return refused(ApiError::Unauthorized("the account no longer exists"));
            };
            let access_token = state
                .jwt
                .issue(user.id, user.role, user.advertiser_id)
                .map_err(ApiError::internal)?;
            let session = Session {
                access_token,
                token_type: "Bearer",
                expires_in: state.jwt.ttl_secs(),
                refresh_token: Some(token),
                user: user.into(),
            };
            answer(&state, StatusCode::OK, mode_of(presented), session)
        }
        Refreshed::Reused => refused(ApiError::Unauthorized(
            "this refresh token was already used or its session has ended: sign in again",
        )),
        Refreshed::Invalid => refused(ApiError::Unauthorized(
            "the refresh token is not valid or has expired",
        )),
    }
}

/// Ends the session of a refresh token (its whole family): the body's `refresh_token`, else
/// the `afftok_refresh` cookie (with `X-CSRF-Token`, as for refresh), whose cookies are then
/// cleared. 204 also for a token already ended or unknown.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    params(("X-CSRF-Token" = Option<String>, Header, description = "cookie sessions: the value of the afftok_csrf cookie")),
    responses((status = 204, description = "signed out", headers(("Set-Cookie" = String, description = "cookie sessions: both cookies cleared (Max-Age=0)"))),
              (status = 401, description = "no refresh token in the body or the cookie"),
              (status = 403, description = "csrf_failed")))]
pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<RefreshRequest>,
) -> Result<Response, ApiError> {
    let (token, presented) = cookies::presented(req.refresh_token, &headers)?;
    refresh_tokens::revoke_family(&state.db, &token).await?;
    match presented {
        Presented::Body => Ok(StatusCode::NO_CONTENT.into_response()),
        Presented::Cookie => {
            let clear = cookies::clear(state.settings.web.secure_cookies)?;
            Ok((StatusCode::NO_CONTENT, clear, ()).into_response())
        }
    }
}

/// Logs the caller out everywhere: every refresh token of theirs (every device, cookie or
/// token session) is revoked, and this browser's session cookies are cleared. Access tokens
/// already issued stay valid until they expire (15 minutes by default): they are not
/// looked up on each request.
#[utoipa::path(post, path = "/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "every session ended", headers(("Set-Cookie" = String, description = "both session cookies cleared (Max-Age=0)"))),
              (status = 401, description = "unauthorized"),
              (status = 403, description = "forbidden: an API key cannot end sessions")))]
pub(super) async fn logout_all(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Response, ApiError> {
    if principal.credential != Credential::AccessToken {
        return Err(ApiError::forbidden(
            "an API key cannot end sessions: sign in and use an access token",
        ));
    }
    refresh_tokens::revoke_all(&state.db, principal.user_id).await?;
    let clear = cookies::clear(state.settings.web.secure_cookies)?;
    Ok((StatusCode::NO_CONTENT, clear, ()).into_response())
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
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(logout_all))
}
