//! What click scoring holds on this instance: the imported ranges and the suspended
//! promoters, loaded from Postgres at first use and again whenever their version
//! (`fraud_state`) moved, and a connection aside for the epoch of the flood counts. Ingest
//! reads the version with every batch, in the call that takes its window locks, so every
//! control plane sees an import or a suspension from its next batch on.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::fraud::db::state;
pub use crate::fraud::db::state::Held;

/// The held state (none before the first load), swapped whole when a new version is seen.
#[derive(Debug, Default)]
pub struct ScoringCache {
    current: RwLock<Option<Arc<Held>>>,
    /// Serialises reloads, so a new version is loaded once however many batches see it.
    reload: tokio::sync::Mutex<()>,
    /// A few connections of their own for moving the epoch of the flood counts when a batch
    /// cannot count, made at first use with the main pool's settings: the batch's transaction
    /// holds a connection of the main pool, and with one pool, batches holding every
    /// connection would wait for a second one forever.
    aside: OnceLock<PgPool>,
}

/// The connections aside.
const ASIDE_CONNECTIONS: u32 = 2;

impl ScoringCache {
    /// The state as of the version committed now (one small query, and a load when it moved).
    pub async fn fresh(&self, pool: &PgPool) -> sqlx::Result<Arc<Held>> {
        let version = state::version(pool).await?;
        self.at(pool, version).await
    }

    /// The state as of `version` or later, `version` having been read from Postgres.
    pub async fn at(&self, pool: &PgPool, version: i64) -> sqlx::Result<Arc<Held>> {
        let current = |cache: &Self| cache.held().filter(|h| h.version >= version);
        if let Some(held) = current(self) {
            return Ok(held);
        }
        let _one = self.reload.lock().await;
        if let Some(held) = current(self) {
            return Ok(held);
        }
        let loaded = state::load(pool).await?;
        tracing::info!(
            version = loaded.version,
            ranges = loaded.ranges.generation,
            datacenter = ?loaded.ranges.datacenter.intervals(),
            vpn = ?loaded.ranges.vpn.intervals(),
            suspended = loaded.suspended.len(),
            "fraud scoring state loaded"
        );
        let loaded = Arc::new(loaded);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }

    /// The connections aside (made from `pool`'s settings at first use).
    pub(crate) fn aside(&self, pool: &PgPool) -> &PgPool {
        self.aside.get_or_init(|| {
            PgPoolOptions::new()
                .max_connections(ASIDE_CONNECTIONS)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(5))
                .idle_timeout(Duration::from_secs(60))
                .connect_lazy_with(pool.connect_options().as_ref().clone())
        })
    }

    /// The state held now (none before the first load), without asking Postgres.
    pub fn held(&self) -> Option<Arc<Held>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
