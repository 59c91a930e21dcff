//! Redis on the request path (rate limits, live counters) under a short timeout and a
//! memory of the last failure: while Redis is away, API calls do not each wait seconds on
//! the connection manager's reconnects. A call that fails or takes longer than the timeout
//! marks Redis as away for a pause; calls during the pause are refused at once without
//! touching Redis (the rate limiter then lets requests through, the live counters answer 503
//! with `Retry-After`); the first call after the pause tries Redis again.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Why a guarded call did not reach Redis or did not come back.
#[derive(Debug)]
pub enum Unavailable {
    /// Redis failed within the pause: not tried.
    Recently,
    /// No answer within the timeout.
    TimedOut,
    /// Redis answered with an error, or the connection failed.
    Failed(redis::RedisError),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Recently => f.write_str("Redis failed moments ago; not tried"),
            Self::TimedOut => f.write_str("no answer from Redis in time"),
            Self::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// The guard; one per process, shared by every request.
#[derive(Debug)]
pub struct RedisGuard {
    started: Instant,
    /// Milliseconds since `started` until which calls are refused at once; 0: none.
    away_until: AtomicU64,
    timeout: Duration,
    pause: Duration,
}

impl RedisGuard {
    /// Calls time out after `timeout`; a failure refuses calls for `pause`.
    pub fn new(timeout: Duration, pause: Duration) -> Self {
        Self {
            started: Instant::now(),
            away_until: AtomicU64::new(0),
            timeout,
            pause,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs `call` unless Redis failed within the pause.
    pub async fn call<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Unavailable> {
        if self.now_ms() < self.away_until.load(Ordering::Acquire) {
            return Err(Unavailable::Recently);
        }
        let outcome = match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => Unavailable::Failed(e),
            Err(_) => Unavailable::TimedOut,
        };
        let pause_ms = u64::try_from(self.pause.as_millis()).unwrap_or(u64::MAX);
        self.away_until
            .store(self.now_ms().saturating_add(pause_ms), Ordering::Release);
        Err(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> redis::RedisError {
        redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
    }

    #[tokio::test]
    async fn a_failure_refuses_calls_for_the_pause_then_redis_is_tried_again() {
        let guard = RedisGuard::new(Duration::from_millis(50), Duration::from_millis(200));
        assert_eq!(guard.call(async { Ok(1) }).await.ok(), Some(1));
        assert!(matches!(
            guard.call(async { Err::<i32, _>(refused()) }).await,
            Err(Unavailable::Failed(_))
        ));
        // Within the pause: not even tried.
        let tried = std::sync::atomic::AtomicBool::new(false);
        let answer = guard
            .call(async {
                tried.store(true, Ordering::SeqCst);
                Ok(2)
            })
            .await;
        assert!(matches!(answer, Err(Unavailable::Recently)));
        assert!(!tried.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(guard.call(async { Ok(3) }).await.ok(), Some(3));
    }

    #[tokio::test]
    async fn a_slow_answer_counts_as_a_failure() {
        let guard = RedisGuard::new(Duration::from_millis(20), Duration::from_secs(60));
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(1)
        };
        assert!(matches!(guard.call(slow).await, Err(Unavailable::TimedOut)));
        assert!(matches!(
            guard.call(async { Ok(1) }).await,
            Err(Unavailable::Recently)
        ));
    }
}
