//! The sweeper: finishes interrupted attributions, marks conversions whose click never came
//! as `unknown_click` and keeps click partitions ahead.

use std::time::Duration;

use crate::app::AppState;
use crate::app::jobs::Stop;
use crate::conversions::db::conversions;

/// Attributes pending conversions whose click is already stored (a process stopped between
/// storing and attributing).
async fn retry_attribution(state: &AppState) -> sqlx::Result<usize> {
    let ids = conversions::pending_with_click(&state.db, 1000).await?;
    conversions::attribute_all(&state.db, state.settings.fraud.min_ctit, &ids).await;
    Ok(ids.len())
}

/// Every 30 s (sooner with a short wait): interrupted attributions are finished; pending
/// conversions older than the wait become unknown_click.
pub async fn sweep(state: AppState, mut stop: Stop) {
    // Often enough that a conversion is marked within a quarter of the wait after it expires.
    let every = (state.settings.attribution_wait / 4)
        .clamp(Duration::from_millis(250), Duration::from_secs(30));
    loop {
        match retry_attribution(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(conversions = n, "interrupted attributions finished"),
            Err(e) => tracing::warn!(error = %e, "retrying attribution failed"),
        }
        match conversions::recheck_leftovers(&state.db, state.settings.fraud.min_ctit).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(clicks = n, "conversions of flagged clicks rechecked"),
            Err(e) => tracing::warn!(error = %e, "rechecking conversions of flagged clicks failed"),
        }
        match conversions::expire_pending(&state.db, state.settings.attribution_wait).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                conversions = n,
                "conversions without a click marked unknown_click"
            ),
            Err(e) => tracing::warn!(error = %e, "expiring pending conversions failed"),
        }
        if stop.after(every).await {
            return;
        }
    }
}
