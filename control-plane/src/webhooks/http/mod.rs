//! The webhooks API: endpoints (`/v1/webhooks/…`), promoter postbacks
//! (`/v1/promoter-postbacks/…`), and the delivery log and redelivery both share.

mod endpoints;
mod messages;
mod postbacks;

use utoipa_axum::router::OpenApiRouter;

use crate::app::startup::AppState;
use crate::kernel::error::ApiError;
use crate::webhooks::guard::{GuardedResolver, SystemLookup};

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(endpoints::router())
        .merge(postbacks::router())
        .merge(messages::router())
}

/// How long a target's name may take to resolve when it is saved (a resolver that is slow to
/// say a made-up name does not exist must not hold the request).
const LOOKUP_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks a target URL as the sender will: the scheme, an address in the URL, and for a
/// name, its current addresses (a name that does not resolve now, or not within
/// [`LOOKUP_LIMIT`], is accepted: it may later; the sender checks again at every connection).
async fn check_target(state: &AppState, field: &str, url: &str) -> Result<(), ApiError> {
    let guard = &state.settings.webhooks.guard;
    let parsed = guard
        .check_url(url)
        .map_err(|e| ApiError::field(field, format!("{e}")))?;
    if let Some(url::Host::Domain(host)) = parsed.host() {
        let resolver = GuardedResolver::new(
            std::sync::Arc::new(guard.clone()),
            std::sync::Arc::new(SystemLookup),
        );
        if let Some(refused) = resolver.refusal_now(host, LOOKUP_LIMIT).await {
            return Err(ApiError::field(field, refused.to_string()));
        }
    }
    Ok(())
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
