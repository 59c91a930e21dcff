//! The tracking API: signed event batches from the edges, the click log.

mod clicks;
mod ingest;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// The click log and the ingest route (with its own body limit).
pub fn router() -> OpenApiRouter<AppState> {
    clicks::router().merge(ingest::router().layer(DefaultBodyLimit::max(ingest::MAX_BATCH_BYTES)))
}
