//! Stats background work.

use crate::app::AppState;
use crate::app::jobs::Stop;

/// Folds the per-scope sums appended by ingestion and attribution into the scope rollups,
/// every `stats_fold_interval`.
pub async fn compact_rollups(state: AppState, mut stop: Stop) {
    loop {
        if let Err(e) = crate::stats::db::rollups::compact(&state.db).await {
            tracing::warn!(error = %e, "folding the stats sums failed; they are folded next time");
        }
        if stop.after(state.settings.stats_fold_interval).await {
            return;
        }
    }
}
