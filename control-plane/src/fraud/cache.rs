//! The imported ranges as this instance holds them: loaded from Postgres at first use and
//! again whenever a newer import has committed (every batch asks, with one small query), so
//! every control plane sees an import from its next batch on.

use std::sync::{Arc, RwLock};

use sqlx::PgPool;

use crate::fraud::db::ranges as stored;
use crate::fraud::ranges::RangeSet;

/// The ranges in memory, swapped whole when a new import is seen.
#[derive(Debug, Default)]
pub struct RangeCache {
    current: RwLock<Arc<RangeSet>>,
    /// Serialises reloads, so a new import is loaded once however many batches see it.
    reload: tokio::sync::Mutex<()>,
}

impl RangeCache {
    /// The ranges as of the latest committed import.
    pub async fn fresh(&self, pool: &PgPool) -> sqlx::Result<Arc<RangeSet>> {
        let latest = stored::generation(pool).await?;
        let held = self.held();
        if held.generation == latest {
            return Ok(held);
        }
        let _one = self.reload.lock().await;
        let held = self.held();
        if held.generation == latest {
            return Ok(held);
        }
        let loaded = Arc::new(stored::load(pool).await?);
        tracing::info!(
            generation = loaded.generation,
            datacenter = ?loaded.datacenter.intervals(),
            vpn = ?loaded.vpn.intervals(),
            "fraud ranges loaded"
        );
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = loaded.clone();
        Ok(loaded)
    }

    /// The ranges held now, without asking Postgres.
    pub fn held(&self) -> Arc<RangeSet> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
