//! The conversions API: report, list, review and reverse; postback keys.

mod conversions;
mod postback_keys;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// Every conversion route.
pub fn router() -> OpenApiRouter<AppState> {
    conversions::router().merge(postback_keys::router())
}
