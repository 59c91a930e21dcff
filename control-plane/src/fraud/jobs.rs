//! Fraud's background job: forgetting the flood counts of minutes past their horizon.

use std::time::Duration;

use crate::app::jobs::Stop;
use crate::app::startup::AppState;

/// How often old flood counts are forgotten.
const EVERY: Duration = Duration::from_secs(300);

/// Forgets old flood counts every few minutes until stopped (any control plane may: the
/// delete is the same whoever runs it).
pub async fn forget_old_counts(state: AppState, mut stop: Stop) {
    loop {
        match crate::fraud::scoring::forget_counts(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(rows = n, "old flood counts forgotten"),
            Err(e) => tracing::warn!(error = %e, "forgetting old flood counts failed"),
        }
        if stop.after(EVERY).await {
            return;
        }
    }
}
