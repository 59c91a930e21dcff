//! Background work, started with the server and stopped with it, each job in the feature
//! it serves:
//! - the Redis Stream consumer (`tracking`: events from Spin and native edges),
//! - the sweeper (`conversions`: interrupted attributions, `unknown_click`),
//! - click partitions for the coming months, and the retention of visitor IPs and raw clicks
//!   (`tracking`),
//! - the edge config push (`edge_push`),
//! - folding the per-scope stats sums into the scope rollups (`stats`),
//! - the domain event dispatcher, one task per consumer (`events`),
//! - forgetting old `Idempotency-Key`s (`http::idempotency`),
//! - sending the mail outbox (`accounts`: verification and password reset mails),
//! - sending webhooks and promoter postbacks (`webhooks`),
//! - copying the leaderboards to Redis, and rebuilding them there (`programme`).
//! - starting and finishing contests (`programme::contests`).

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;

/// The running jobs.
pub struct Jobs {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("running", &self.handles.len())
            .finish()
    }
}

impl Jobs {
    /// Starts every job.
    pub fn start(state: AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let stopped = Stop(stopped);
        let handles = vec![
            tokio::spawn(crate::tracking::consume_stream(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::conversions::sweep(state.clone(), stopped.clone())),
            tokio::spawn(crate::events::dispatch(
                state.clone(),
                consumers(&state.settings),
                stopped.clone(),
            )),
            tokio::spawn(crate::tracking::partitions::maintain(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::tracking::retention::maintain(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::stats::compact_rollups(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::http::idempotency::expire_keys(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::accounts::send_mail(state.clone(), stopped.clone())),
            tokio::spawn(crate::webhooks::deliver(state.clone(), stopped.clone())),
            tokio::spawn(crate::programme::leaderboards::sync(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::programme::contests::tick(
                state.clone(),
                stopped.clone(),
            )),
            tokio::spawn(crate::edge_push::push_edge_config(state, stopped)),
        ];
        Self { stop, handles }
    }

    /// Asks every job to stop and waits for them (a batch being stored is finished).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        }
    }
}

/// Every consumer of domain events. A new reaction is one file implementing
/// [`crate::events::Consumer`] in the feature it belongs to, and one line here.
pub fn consumers(
    settings: &crate::app::config::Settings,
) -> Vec<std::sync::Arc<dyn crate::events::Consumer>> {
    let mut all: Vec<std::sync::Arc<dyn crate::events::Consumer>> = vec![
        std::sync::Arc::new(crate::stats::LiveCounters),
        std::sync::Arc::new(crate::webhooks::Fanout),
        std::sync::Arc::new(crate::webhooks::DisabledNotices),
    ];
    if settings.programme.points_consumer {
        all.push(std::sync::Arc::new(crate::programme::Points));
    }
    all
}

/// The stop signal every job watches.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Whether the jobs are being stopped.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits `wait`, or less when the jobs are stopped; returns whether they are.
    pub async fn after(&mut self, wait: Duration) -> bool {
        if self.is_stopped() {
            return true;
        }
        tokio::select! {
            _ = self.0.changed() => true,
            () = tokio::time::sleep(wait) => self.is_stopped(),
        }
    }

    /// Resolves when the jobs are stopped.
    pub async fn stopped(&mut self) {
        while !self.is_stopped() {
            if self.0.changed().await.is_err() {
                return;
            }
        }
    }
}
