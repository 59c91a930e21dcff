//! The edge push job: queued config changes (offers, keys, postback keys) reach every edge
//! target within a second or so, retried with backoff while a target fails.

use std::time::Duration;

use crate::app::AppState;
use crate::app::jobs::Stop;

/// Pushes queued edge config changes to the configured targets. A failed round is retried
/// after a growing pause (up to a minute); the changes stay queued in Postgres meanwhile.
pub async fn push_edge_config(state: AppState, mut stop: Stop) {
    use secrecy::ExposeSecret as _;

    use crate::edge_push::{push, target::Target};

    let settings = &state.settings.edge_push;
    let mut targets = Vec::new();
    for &kind in &settings.targets {
        match Target::build(kind, settings, Some(&state.redis)) {
            Ok(target) => targets.push(target),
            Err(e) => {
                tracing::error!(target_name = kind.name(), error = %e, "edge target unusable")
            }
        }
    }
    let kek = *state.settings.key_encryption_key.expose_secret();
    let mut failures: u32 = 0;
    loop {
        // A KV that lost its data (Redis restarted empty) gets everything again: changes
        // queued since are in it too.
        for target in &targets {
            match target.holds_a_push().await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        target_name = target.name(),
                        "the edge KV holds no complete push (lost its data, or never had one): pushing everything"
                    );
                    match push::full(&state.db, &kek, target, false, |_, _| {}).await {
                        Ok(plan) => {
                            let keys = plan.put.len() + plan.delete.len();
                            state.metrics.count_edge_push(target.name(), "pushed", keys);
                            tracing::info!(
                                target_name = target.name(),
                                entries = keys,
                                "edge config pushed in full"
                            );
                        }
                        Err(e) => {
                            state.metrics.count_edge_push(target.name(), "failed", 1);
                            tracing::warn!(target_name = target.name(), error = %e, "full edge push failed; retrying");
                        }
                    }
                }
                // Redis is away: the queued push below fails and says so, with backoff.
                Err(e) => {
                    tracing::debug!(target_name = target.name(), error = %e, "cannot check the edge KV");
                }
            }
        }
        let wait = match push::queued(&state.db, &kek, &targets).await {
            Ok(round) => {
                failures = 0;
                for target in &targets {
                    state
                        .metrics
                        .count_edge_push(target.name(), "pushed", round.keys);
                }
                if round.keys > 0 {
                    tracing::info!(entries = round.keys, "edge config pushed");
                }
                if round.more {
                    Duration::ZERO
                } else {
                    settings.interval
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                for target in &targets {
                    state.metrics.count_edge_push(target.name(), "failed", 1);
                }
                tracing::warn!(error = %e, failures, "edge config push failed; it stays queued");
                (settings.interval * 2u32.saturating_pow(failures.min(8)))
                    .min(Duration::from_secs(60))
            }
        };
        if stop.after(wait).await {
            return;
        }
    }
}
