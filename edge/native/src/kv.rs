//! The edge KV in Redis: one string per DESIGN §5 key, under a prefix, read through a
//! circuit breaker ([`crate::breaker`]) so that a Redis outage costs visitors nothing while
//! the core's cache holds the entries.

use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;

use afftok_edge_core::PlatformError;

use crate::breaker::Breaker;

/// How often Redis is probed while reads fail.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Reads KV entries from Redis.
#[derive(Clone)]
pub struct RedisKv {
    conn: ConnectionManager,
    prefix: String,
    breaker: Breaker,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("prefix", &self.prefix)
            .field("breaker_open", &self.breaker.is_open())
            .finish()
    }
}

impl RedisKv {
    /// KV entries under `prefix` through `conn`; a read slower than `read_timeout` counts
    /// as failed (the cache then serves its last good value).
    pub fn new(conn: ConnectionManager, prefix: String, read_timeout: Duration) -> Self {
        Self {
            conn,
            prefix,
            breaker: Breaker::new(read_timeout, PROBE_EVERY),
        }
    }

    /// Whether reads fail at once (Redis failed lately; being probed).
    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }

    /// The value of `key` (without prefix), `None` when absent; an error at once while
    /// Redis is failing (see [`crate::breaker`]).
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        let mut conn = self.conn.clone();
        let full = format!("{}{key}", self.prefix);
        let read = {
            let full = full.clone();
            async move {
                conn.get::<_, Option<Vec<u8>>>(&full)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        self.breaker
            .call(read)
            .await
            .map_err(|e| PlatformError(format!("redis GET {full}: {e}")))
    }
}
