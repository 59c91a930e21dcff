//! The webhooks API: endpoints (`/v1/webhooks/…`), promoter postbacks
//! (`/v1/promoter-postbacks/…`), and the delivery log and redelivery both share.

mod endpoints;
mod messages;
mod postbacks;

use utoipa_axum::router::OpenApiRouter;

use crate::app::startup::AppState;
use crate::kernel::error::ApiError;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(endpoints::router())
        .merge(postbacks::router())
        .merge(messages::router())
}

/// Checks a target URL as the sender will (`Guard::check_target_now`).
async fn check_target(state: &AppState, field: &str, url: &str) -> Result<(), ApiError> {
    state
        .settings
        .webhooks
        .guard
        .check_target_now(url)
        .await
        .map(drop)
        .map_err(|e| ApiError::field(field, e.to_string()))
}

/// The key-encryption key, or 503 when none is configured (secrets could not be read back).
fn kek(state: &AppState) -> Result<&[u8; 32], ApiError> {
    use secrecy::ExposeSecret as _;
    if !state.settings.key_encryption_key_set {
        return Err(ApiError::Unavailable(
            "webhook secrets need AFFTOK_KEY_ENCRYPTION_KEY; ask the operator to set it",
        ));
    }
    Ok(state.settings.key_encryption_key.expose_secret())
}
