//! The signed-in user's own account: renaming themselves (and an advertiser its company),
//! changing the password. Both need an access token: they are a person's acts, which no API
//! key may do.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cookies::refresh_token_cookie;
use super::sessions::Me;
use crate::accounts::Role;
use crate::accounts::db::refresh_tokens;
use crate::accounts::db::users::{self, ProfileChange};
use crate::accounts::password;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::text;

/// Changes to the caller's account; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateMe {
    /// The name others see, 1–100 characters.
    pub display_name: Option<String>,
    /// Advertisers only: their company's new name, 1–200 characters (every user of the
    /// company sees it).
    pub company_name: Option<String>,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// The new password: at least 10 characters, at most 256 bytes.
    pub new_password: String,
    /// The refresh token of the session making the change (its latest, or any earlier one
    /// of the same session): that session stays signed in. Without it, the session of the
    /// `afftok_refresh` cookie stays (the web app's); with neither, every session of the
    /// account ends, this one included.
    pub refresh_token: Option<String>,
}

/// `value` trimmed, when given and 1 to `max` characters without control characters (the
/// rules of registration); otherwise `None`, with the field's error added to `errors`.
fn name<'a>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&'a str>,
    max: usize,
) -> Option<&'a str> {
    let value = value?.trim();
    let fault = if value.is_empty() || value.chars().count() > max {
        Some(format!("must be 1 to {max} characters"))
    } else {
        text::check(value, false).err().map(str::to_owned)
    };
    match fault {
        None => Some(value),
        Some(why) => {
            errors.push(FieldError::new(field, why));
            None
        }
    }
}

// Argon2 is CPU-heavy on purpose: off the async runtime, as login does.
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

/// Changes the caller's display name and, for an advertiser, its company's name.
#[utoipa::path(patch, path = "/v1/me", tag = "auth", request_body = UpdateMe, security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "unauthorized"),
              (status = 403, description = "not with an API key"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn update_me(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<UpdateMe>,
) -> Result<axum::Json<Me>, ApiError> {
    principal.access_token()?;
    let mut errors = Vec::new();
    let display_name = name(
        &mut errors,
        "display_name",
        req.display_name.as_deref(),
        100,
    );
    let company_name = match (principal.role, req.company_name.as_deref()) {
        (Role::Advertiser, company) => name(&mut errors, "company_name", company, 200),
        (_, None) => None,
        (_, Some(_)) => {
            errors.push(FieldError::new("company_name", "is only for advertisers"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let user = users::update_profile(
        &state.db,
        principal.user_id,
        &ProfileChange {
            display_name,
            company_name,
        },
    )
    .await?
    .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    Ok(axum::Json(Me {
        user: user.into(),
        authenticated_with: "access_token",
        scopes: None,
    }))
}

/// Changes the caller's password, and ends every other session of the account: the one
/// named by `refresh_token`, else by the `afftok_refresh` cookie, stays. Access tokens
/// already issued keep working until they expire (minutes).
#[utoipa::path(post, path = "/v1/auth/password/change", tag = "auth", request_body = ChangePassword,
    security(("bearer" = [])),
    responses((status = 204, description = "changed; other sessions ended"),
              (status = 401, description = "unauthorized"), (status = 403, description = "not with an API key"),
              (status = 422, description = "validation_failed: a wrong current_password, a weak new_password, a refresh_token of no session of the account"),
              (status = 429, description = "rate_limited")))]
pub(super) async fn change_password(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Json(req): Json<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    principal.access_token()?;
    let user = users::by_id(&state.db, principal.user_id)
        .await?
        .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let mut errors = Vec::new();
    if let Err(why) = password::check_strength(&req.new_password) {
        errors.push(FieldError::new("new_password", why));
    }
    let keep = match req.refresh_token.as_deref() {
        // The cookie only picks the session to keep (the access token authenticates the
        // request, so no CSRF check is needed); one that names no session of the account
        // keeps none.
        None => match refresh_token_cookie(&headers) {
            Some(token) => refresh_tokens::family_of(&state.db, &token, user.id).await?,
            None => None,
        },
        Some(token) => {
            let family = refresh_tokens::family_of(&state.db, token.trim(), user.id).await?;
            if family.is_none() {
                errors.push(FieldError::new(
                    "refresh_token",
                    "is not a refresh token of this account",
                ));
            }
            family
        }
    };
    // Checked whatever else is wrong, so a guess costs the same every time (and every
    // attempt counts against the per-IP limit of the auth routes).
    if !verify_password(req.current_password, user.password_hash).await? {
        errors.push(FieldError::new(
            "current_password",
            "is not the account's password",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = hash_password(req.new_password).await?;
    // The new password and the end of the other sessions commit together: no session
    // outlives a change that succeeded.
    let mut tx = state.db.begin().await?;
    if !users::set_password_hash(&mut tx, user.id, &hash).await? {
        return Err(ApiError::Unauthorized("the account no longer exists"));
    }
    refresh_tokens::revoke_all_for_user(&mut tx, user.id, keep).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own account.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_me))
        .routes(routes!(change_password))
}
