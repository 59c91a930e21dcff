//! The offers API: advertisers' offers, the admins' review queue, the marketplace.

mod admin;
mod marketplace;
mod offers;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// Every offer route.
pub fn router() -> OpenApiRouter<AppState> {
    offers::router()
        .merge(admin::router())
        .merge(marketplace::router())
}
