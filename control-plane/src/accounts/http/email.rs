//! Email verification and password resets by mail: verify, resend, forgot, reset.
//!
//! The mails link to the web app's pages, `{AFFTOK_PUBLIC_URL}/verify-email?token=…` and
//! `{AFFTOK_PUBLIC_URL}/reset-password?token=…`, which post the token here. A token works
//! once, until it expires (48 hours for verification, 1 hour for a reset, by default); a dead
//! one answers 400 `invalid_token` whatever made it so, so the answer tells nothing about
//! other accounts' tokens.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sessions::UserView;
use crate::accounts::db::refresh_tokens;
use crate::accounts::db::tokens;
use crate::accounts::db::users::{self, UserRow};
use crate::accounts::mail;
use crate::accounts::password;
use crate::accounts::rules::mail::TokenPurpose;
use crate::accounts::{Credential, Principal, Role};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json};
use crate::kernel::email;
use crate::kernel::error::ApiError;

/// A token from a mailed link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct VerifyRequest {
    /// The `token` query parameter of the link.
    #[schema(min_length = 1)]
    pub token: String,
}

/// Who forgot their password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ForgotRequest {
    /// The account's email (the shape `POST /v1/auth/register` takes).
    #[schema(format = Email, max_length = 254, pattern = r"^[!-?A-~]{1,64}@[!-\-/-?A-~]+(\.[!-\-/-?A-~]+)+$")]
    pub email: String,
}

/// A new password, with the token of a reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ResetRequest {
    /// The `token` query parameter of the link.
    #[schema(min_length = 1)]
    pub token: String,
    /// The new password: at least 10 characters, at most 256 bytes.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

fn invalid_token() -> ApiError {
    ApiError::BadRequest {
        code: "invalid_token",
        detail: "the link has expired or was already used: ask for a new one".into(),
    }
}

/// Records the verification mail of a new account (called by register). A failure does not
/// undo the registration: it is logged, and the user can ask for another mail.
pub(super) async fn after_register(state: &AppState, user: &UserRow) {
    if let Err(e) = mail::record(state, user, TokenPurpose::VerifyEmail).await {
        tracing::warn!(user_id = %user.id, error = %e,
            "recording the verification mail failed; the user can ask for another");
    }
}

/// Refuses with 403 `email_unverified` when `AFFTOK_REQUIRE_VERIFIED_EMAIL` is set and the
/// caller's email is not verified (admins always pass). For the features' gates: joining an
/// offer, submitting an offer for review.
pub async fn require_verified_email(
    state: &AppState,
    principal: &Principal,
) -> Result<(), ApiError> {
    if !state.settings.require_verified_email || principal.role == Role::Admin {
        return Ok(());
    }
    match users::email_verified(&state.db, principal.user_id).await? {
        Some(true) => Ok(()),
        Some(false) => Err(ApiError::Refused {
            code: "email_unverified",
            detail: "verify your email first: open the link mailed to you, or ask for a new \
                     one with POST /v1/auth/email/resend"
                .into(),
        }),
        None => Err(ApiError::Unauthorized("the account no longer exists")),
    }
}

/// Marks the email verified with the token of a verification link; answers the user.
#[utoipa::path(post, path = "/v1/auth/email/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, body = UserView, description = "verified (email_verified is true)"),
              (status = 400, description = "invalid_token: expired, already used or unknown"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn verify_email(
    State(state): State<AppState>,
    Json(req): Json<VerifyRequest>,
) -> Result<axum::Json<UserView>, ApiError> {
    let mut tx = state.db.begin().await?;
    let user_id = tokens::spend(&mut tx, &req.token, TokenPurpose::VerifyEmail)
        .await?
        .ok_or_else(invalid_token)?;
    users::mark_verified(&mut tx, user_id).await?;
    // Older verification links of the account are of no use now.
    tokens::spend_all(&mut tx, user_id, TokenPurpose::VerifyEmail).await?;
    tx.commit().await?;
    let user = users::by_id(&state.db, user_id)
        .await?
        .ok_or_else(invalid_token)?;
    Ok(axum::Json(user.into()))
}

/// Mails the signed-in user a new verification link (at most one a minute).
#[utoipa::path(post, path = "/v1/auth/email/resend", tag = "auth", security(("bearer" = [])),
    responses((status = 202, description = "a verification mail is on its way"),
              (status = 401, description = "unauthorized"),
              (status = 403, description = "forbidden: API keys cannot ask for mails"),
              (status = 409, description = "already_verified"),
              (status = 429, description = "rate_limited: one mail a minute (Retry-After)")))]
pub(super) async fn resend_verification(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<StatusCode, ApiError> {
    if principal.credential != Credential::AccessToken {
        return Err(ApiError::forbidden(
            "sign in to ask for a verification mail (API keys cannot)",
        ));
    }
    let user = users::by_id(&state.db, principal.user_id)
        .await?
        .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    if user.email_verified_at.is_some() {
        return Err(ApiError::conflict(
            "already_verified",
            "this account's email is already verified",
        ));
    }
    once_a_minute(&state, "verify", &user)
        .await
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    mail::record(&state, &user, TokenPurpose::VerifyEmail).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Mails a password reset link to the account with this email, if there is one. The answer
/// is 202 either way, and as quick: it does not tell whether an account exists.
#[utoipa::path(post, path = "/v1/auth/password/forgot", tag = "auth", request_body = ForgotRequest,
    responses((status = 202, description = "if an account has this email, a reset link is on its way"),
              (status = 422, description = "validation_failed: not an email address"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn forgot_password(
    State(state): State<AppState>,
    Json(req): Json<ForgotRequest>,
) -> Result<StatusCode, ApiError> {
    let address = req.email.trim().to_owned();
    email::check(&address).map_err(|why| ApiError::field("email", why))?;
    // Looked up and recorded after the answer: known and unknown emails answer alike and in
    // the same time.
    tokio::spawn(async move {
        if let Err(e) = mail_reset_link(&state, &address).await {
            tracing::warn!(error = %e, "recording a password reset mail failed");
        }
    });
    Ok(StatusCode::ACCEPTED)
}

async fn mail_reset_link(state: &AppState, address: &str) -> sqlx::Result<()> {
    let Some(user) = users::by_email(&state.db, address).await? else {
        return Ok(());
    };
    // One reset mail a minute per account: asking again and again fills nobody's mailbox.
    if once_a_minute(state, "reset", &user).await.is_ok() {
        mail::record(state, &user, TokenPurpose::ResetPassword).await?;
    }
    Ok(())
}

/// Sets a new password with the token of a reset link; ends every session of the account.
#[utoipa::path(post, path = "/v1/auth/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 204, description = "password changed; every session of the account has ended"),
              (status = 400, description = "invalid_token: expired, already used or unknown"),
              (status = 422, description = "validation_failed: the password is too weak"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn reset_password(
    State(state): State<AppState>,
    Json(req): Json<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    password::check_strength(&req.password).map_err(|why| ApiError::field("password", why))?;
    // A dead link is refused before the costly hashing.
    tokens::peek(&state.db, &req.token, TokenPurpose::ResetPassword)
        .await?
        .ok_or_else(invalid_token)?;
    let new_password = req.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let mut tx = state.db.begin().await?;
    // Spent here, in the transaction of the change: of two uses, one changes the password.
    let user_id = tokens::spend(&mut tx, &req.token, TokenPurpose::ResetPassword)
        .await?
        .ok_or_else(invalid_token)?;
    if !users::set_password_hash(&mut tx, user_id, &hash).await? {
        return Err(invalid_token());
    }
    refresh_tokens::revoke_all_for_user(&mut tx, user_id, None).await?;
    tokens::spend_all(&mut tx, user_id, TokenPurpose::ResetPassword).await?;
    // The link came to the account's mailbox: that verifies the email as well.
    users::mark_verified(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Counts one mail of `kind` (`verify`, `reset`) for `user`; `Err(seconds to wait)` when one
/// went out less than a minute ago. With Redis away the mail is allowed (as the API's rate
/// limits let requests through then).
async fn once_a_minute(state: &AppState, kind: &str, user: &UserRow) -> Result<(), u64> {
    match state
        .limiter
        .check(&format!("mail:{kind}:{}", user.id), 1)
        .await
    {
        Ok(decision) if decision.allowed => Ok(()),
        Ok(decision) => Err(decision.retry_after_ms.div_ceil(1000).max(1)),
        Err(e) => {
            tracing::warn!(error = %e, "rate limiter unavailable; letting the mail through");
            Ok(())
        }
    }
}

/// Routes without credentials (rate-limited per IP with the other credential routes).
pub(super) fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify_email))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
}

/// Routes for signed-in callers.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(resend_verification))
}
