//! The accounts API: registration and sessions, email verification and password resets,
//! API keys, the caller's own account, the admins' list of users.

mod admin;
mod api_keys;
mod cookies;
mod email;
mod profile;
mod sessions;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub use email::require_verified_email;

/// Routes that need no credentials (register, login, refresh, logout; verify, forgot, reset).
pub fn public_router() -> OpenApiRouter<AppState> {
    sessions::public_router().merge(email::public_router())
}

/// Routes for authenticated callers.
pub fn router() -> OpenApiRouter<AppState> {
    sessions::router()
        .merge(email::router())
        .merge(api_keys::router())
        .merge(profile::router())
        .merge(admin::router())
}
