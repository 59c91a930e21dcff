//! The edge KV in Redis: one string per DESIGN §5 key, under a prefix.

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;

use afftok_edge_core::PlatformError;

/// Reads KV entries from Redis.
#[derive(Clone)]
pub struct RedisKv {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisKv")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl RedisKv {
    /// KV entries under `prefix` through `conn`.
    pub fn new(conn: ConnectionManager, prefix: String) -> Self {
        Self { conn, prefix }
    }

    /// The value of `key` (without prefix), `None` when absent.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        let mut conn = self.conn.clone();
        let full = format!("{}{key}", self.prefix);
        conn.get::<_, Option<Vec<u8>>>(&full)
            .await
            .map_err(|e| PlatformError(format!("redis GET {full}: {e}")))
    }
}
