//! A circuit breaker for KV reads, so that a Redis outage never reaches a visitor.
//!
//! The core's cache serves the last good value of an entry whenever a KV read fails, and
//! tries the KV again about once a second per entry. Without a breaker, each of those tries
//! waits on a Redis that is not answering (seconds, while the connection manager
//! reconnects), and the visitor whose click made the try waits with it. With it:
//!
//! - a read that takes longer than the read timeout counts as failed;
//! - after a failure the breaker opens: reads fail at once (the cache answers from its last
//!   good value, or 503 without one) while one read at a time probes Redis in the
//!   background, every `open_for`;
//! - the first probe that succeeds closes it, and reads go to Redis again.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Why a read did not reach Redis or did not come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tripped {
    /// The breaker is open: Redis failed lately and is being probed.
    Open,
    /// No answer within the read timeout.
    TimedOut,
    /// Redis answered with an error, or the connection failed.
    Failed(String),
}

impl std::fmt::Display for Tripped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tripped::Open => f.write_str("Redis failed lately (circuit open; probing)"),
            Tripped::TimedOut => f.write_str("no answer from Redis in time"),
            Tripped::Failed(e) => f.write_str(e),
        }
    }
}

#[derive(Debug)]
struct State {
    started: Instant,
    /// Milliseconds since `started` until which reads fail at once; 0: closed.
    open_until: AtomicU64,
    /// Whether a probe is running.
    probing: AtomicBool,
}

/// The breaker; clones share their state.
#[derive(Debug, Clone)]
pub struct Breaker {
    state: Arc<State>,
    read_timeout: Duration,
    open_for: Duration,
}

impl Breaker {
    /// Reads time out after `read_timeout`; a failure opens the breaker for `open_for`
    /// between probes.
    pub fn new(read_timeout: Duration, open_for: Duration) -> Self {
        Self {
            state: Arc::new(State {
                started: Instant::now(),
                open_until: AtomicU64::new(0),
                probing: AtomicBool::new(false),
            }),
            read_timeout,
            open_for,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.state.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether reads fail at once now.
    pub fn is_open(&self) -> bool {
        self.state.open_until.load(Ordering::Acquire) != 0
    }

    fn trip(&self) {
        let until = self.now_ms().saturating_add(
            u64::try_from(self.open_for.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        if self.state.open_until.swap(until, Ordering::AcqRel) == 0 {
            tracing::warn!(
                "edge KV reads failing: serving cached entries while Redis is probed in the background"
            );
        }
    }

    fn close(&self) {
        if self.state.open_until.swap(0, Ordering::AcqRel) != 0 {
            tracing::info!("edge KV reads work again");
        }
    }

    async fn timed<T, F>(read: F, limit: Duration) -> Result<T, Tripped>
    where
        F: Future<Output = Result<T, String>>,
    {
        match tokio::time::timeout(limit, read).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Tripped::Failed(e)),
            Err(_) => Err(Tripped::TimedOut),
        }
    }

    /// Runs `read` through the breaker. Closed, the caller waits for it (at most the read
    /// timeout). Open, the caller gets [`Tripped::Open`] at once; when a probe is due,
    /// `read` runs in the background as that probe, its result only opening or closing the
    /// breaker.
    pub async fn call<T, F>(&self, read: F) -> Result<T, Tripped>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, String>> + Send + 'static,
    {
        let open_until = self.state.open_until.load(Ordering::Acquire);
        if open_until == 0 {
            let result = Self::timed(read, self.read_timeout).await;
            if result.is_err() {
                self.trip();
            }
            return result;
        }
        if self.now_ms() >= open_until && !self.state.probing.swap(true, Ordering::AcqRel) {
            let breaker = self.clone();
            tokio::spawn(async move {
                match Self::timed(read, breaker.read_timeout).await {
                    Ok(_) => breaker.close(),
                    Err(_) => breaker.trip(),
                }
                breaker.state.probing.store(false, Ordering::Release);
            });
        }
        Err(Tripped::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> Result<u8, String> {
        Ok(1)
    }

    async fn failing() -> Result<u8, String> {
        Err("connection refused".to_owned())
    }

    async fn hanging() -> Result<u8, String> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(1)
    }

    fn breaker() -> Breaker {
        Breaker::new(Duration::from_millis(50), Duration::from_millis(200))
    }

    #[tokio::test]
    async fn closed_it_reads_and_a_failure_opens_it() {
        let b = breaker();
        assert_eq!(b.call(ok()).await, Ok(1));
        assert!(!b.is_open());
        assert!(matches!(b.call(failing()).await, Err(Tripped::Failed(_))));
        assert!(b.is_open());
    }

    #[tokio::test]
    async fn a_hanging_read_times_out_and_then_nobody_waits() {
        use std::sync::atomic::AtomicUsize;
        let b = breaker();
        let ran = Arc::new(AtomicUsize::new(0));
        let counted = |ran: &Arc<AtomicUsize>| {
            let ran = ran.clone();
            async move {
                ran.fetch_add(1, Ordering::SeqCst);
                hanging().await
            }
        };
        // Without the timeout this would wait 30 s and answer Ok.
        assert_eq!(b.call(counted(&ran)).await, Err(Tripped::TimedOut));
        // Open: a thousand reads fail at once, none of them run (no probe is due yet).
        for _ in 0..1000 {
            assert_eq!(b.call(counted(&ran)).await, Err(Tripped::Open));
        }
        assert_eq!(ran.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_probe_in_the_background_closes_it_once_redis_answers() {
        let b = breaker();
        let _ = b.call(failing()).await;
        // Too early for a probe: an answering Redis is not even tried.
        assert_eq!(b.call(ok()).await, Err(Tripped::Open));
        assert!(b.is_open());
        tokio::time::sleep(Duration::from_millis(250)).await;
        // Due: the caller still gets Open at once; the probe runs behind it.
        assert_eq!(b.call(ok()).await, Err(Tripped::Open));
        for _ in 0..100 {
            if !b.is_open() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!b.is_open());
        assert_eq!(b.call(ok()).await, Ok(1));
    }

    #[tokio::test]
    async fn a_failed_probe_keeps_it_open_for_another_round() {
        let b = breaker();
        let _ = b.call(failing()).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(b.call(failing()).await, Err(Tripped::Open));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(b.is_open());
        // The next probe is an open_for away again: an answering read now is not run.
        assert_eq!(b.call(ok()).await, Err(Tripped::Open));
        assert!(b.is_open());
    }
}
