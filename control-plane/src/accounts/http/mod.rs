//! The accounts API: registration and sessions, API keys, the caller's own account, the
//! admins' list of users.

mod admin;
mod api_keys;
mod cookies;
mod profile;
mod sessions;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// Routes that need no credentials (register, login, refresh, logout).
pub fn public_router() -> OpenApiRouter<AppState> {
    sessions::public_router()
}

/// Routes for authenticated callers.
pub fn router() -> OpenApiRouter<AppState> {
    sessions::router()
        .merge(api_keys::router())
        .merge(profile::router())
        .merge(admin::router())
}
