//! Full pushes (`afftok edge push`) and queued pushes (the push job, the key commands).
//!
//! Pushes never interleave: each holds a Postgres advisory lock for its duration, so an
//! older value read by one push can never land after a newer value written by another.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{PgPool, Postgres, Transaction};

use super::documents;
use super::plan::Plan;
use super::target::Target;
use super::{Entry, PushError};

/// The advisory lock every push holds ("afftok-edge").
const PUSH_LOCK: i64 = 0x6166_6674_6f6b_6564;

/// Most queued rows taken per round.
const ROUND: i64 = 1000;

/// Ends the transaction holding the push lock whatever `result` is: a transaction that is
/// only dropped keeps its lock on the pooled connection until that connection is next
/// used, and every other push waits for it until then.
async fn end<T>(
    tx: Transaction<'_, Postgres>,
    result: Result<T, PushError>,
) -> Result<T, PushError> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Begins a transaction holding the push lock, waiting for it.
async fn lock(db: &PgPool) -> Result<Transaction<'static, Postgres>, PushError> {
    let mut tx = db.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", PUSH_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Begins a transaction holding the push lock; `None` while another push holds it.
async fn try_lock(db: &PgPool) -> Result<Option<Transaction<'static, Postgres>>, PushError> {
    let mut tx = db.begin().await?;
    let locked = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock($1) AS "locked!""#,
        PUSH_LOCK
    )
    .fetch_one(&mut *tx)
    .await?;
    if locked {
        Ok(Some(tx))
    } else {
        end(tx, Ok(())).await?;
        Ok(None)
    }
}

/// Makes `target` hold exactly the entries Postgres says it should, writing only what
/// differs and deleting what should no longer exist. With `dry_run` nothing is written (and
/// no lock is taken). `progress(done, total)` is called after each write.
pub async fn full(
    db: &PgPool,
    kek: &[u8; 32],
    target: &Target,
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Plan, PushError> {
    let plan = async {
        let desired = documents::all(db, kek).await?;
        let current = target.snapshot().await?;
        Ok(Plan::between(&desired, &current))
    };
    if dry_run {
        return plan.await;
    }
    let tx = lock(db).await?;
    let pushed = async {
        let plan = plan.await?;
        let total = plan.put.len() + plan.delete.len();
        let mut done = 0;
        let entries: Vec<Entry> = plan.put.iter().map(|(e, _)| e.clone()).collect();
        for chunk in entries.chunks(target.batch()) {
            target.put(chunk).await?;
            done += chunk.len();
            progress(done, total);
        }
        for chunk in plan.delete.chunks(target.batch()) {
            target.delete(chunk).await?;
            done += chunk.len();
            progress(done, total);
        }
        target.mark_pushed().await?;
        Ok(plan)
    }
    .await;
    end(tx, pushed).await
}

/// Pushes the current value (or the absence) of `keys` to every target, waiting for any
/// other push to finish first.
pub async fn these(
    db: &PgPool,
    kek: &[u8; 32],
    targets: &[Target],
    keys: &BTreeSet<String>,
) -> Result<(), PushError> {
    let tx = lock(db).await?;
    let pushed = async {
        let values = documents::these(db, kek, keys).await?;
        for target in targets {
            apply(target, &values).await?;
        }
        Ok(())
    }
    .await;
    end(tx, pushed).await
}

/// What one round of the push job did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// Keys pushed to every target.
    pub keys: usize,
    /// Whether more rows are queued (the job goes again at once).
    pub more: bool,
}

/// One round of the push job: takes the oldest queued changes, pushes each key's current
/// value (or its deletion) to every target, and only then removes them from the queue. A
/// failure leaves them queued for the next round. If another push holds the lock, nothing
/// is done this round.
pub async fn queued(db: &PgPool, kek: &[u8; 32], targets: &[Target]) -> Result<Round, PushError> {
    let Some(mut tx) = try_lock(db).await? else {
        return Ok(Round::default());
    };
    let round = async {
        let rows = sqlx::query!(
            "SELECT id, key FROM edge_outbox ORDER BY id LIMIT $1",
            ROUND
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(Round::default());
        }
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let keys: BTreeSet<String> = rows.into_iter().map(|row| row.key).collect();
        let values = documents::these(db, kek, &keys).await?;
        for target in targets {
            apply(target, &values).await?;
        }
        sqlx::query!("DELETE FROM edge_outbox WHERE id = ANY($1)", &ids)
            .execute(&mut *tx)
            .await?;
        Ok(Round {
            keys: keys.len(),
            more: ids.len() as i64 == ROUND,
        })
    }
    .await;
    end(tx, round).await
}

async fn apply(
    target: &Target,
    values: &BTreeMap<String, Option<String>>,
) -> Result<(), PushError> {
    let mut put = Vec::new();
    let mut delete = Vec::new();
    for (key, value) in values {
        match value {
            Some(value) => put.push(Entry {
                key: key.clone(),
                value: value.clone(),
            }),
            None => delete.push(key.clone()),
        }
    }
    target.put(&put).await?;
    target.delete(&delete).await
}
