//! The syncer: copies what changed in `leaderboard_totals` to Redis, and rebuilds the Redis
//! boards from Postgres when it finds them incomplete (a Redis that lost its data, or a
//! rebuild that was interrupted). One syncer works at a time across control planes (a
//! Postgres advisory lock held for the copy). It takes the changes noted with the totals and
//! copies the totals as they are then; a copy that fails leaves the changes to take again.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::app::AppState;
use crate::app::jobs::Stop;
use crate::programme::leaderboards::rules::Board;
use crate::programme::leaderboards::store::{self, Keys, Move};
use crate::programme::leaderboards::totals;

/// The advisory lock of the syncer (and of a rebuild).
const LOCK: i64 = 0x6166_746f_6b4c_4231; // "aftokLB1"

/// Rows copied per round.
const ROUND: i64 = 5_000;

/// Keeps Redis's boards equal to Postgres's: woken after points are written, and every
/// second; Redis being away only delays it.
pub async fn sync(state: AppState, mut stop: Stop) {
    let keys = Keys::new(&state.settings.redis_key_prefix);
    let mut failing = false;
    // The periods whose past ones were last forgotten, and when (again every hour: a past
    // row still to be looked at when its period ended is forgotten then).
    let mut forgotten_before: Option<(Vec<String>, std::time::Instant)> = None;
    while !stop.is_stopped() {
        let current: Vec<String> = store::current_periods(OffsetDateTime::now_utc())
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        if forgotten_before.as_ref().is_none_or(|(periods, at)| {
            *periods != current || at.elapsed() > Duration::from_secs(3600)
        }) {
            match totals::forget_past(&state.db, &current).await {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(rows = n, "leaderboards: past months and weeks forgotten");
                    }
                    forgotten_before = Some((current, std::time::Instant::now()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "leaderboards: forgetting past periods failed")
                }
            }
        }
        match round(&state.db, &mut state.redis.clone(), &keys).await {
            Ok(copied) => {
                if failing {
                    tracing::info!("leaderboards: syncing again");
                    failing = false;
                }
                if copied as i64 == ROUND {
                    continue;
                }
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "leaderboards: sync failed; retrying"
                    );
                    failing = true;
                }
            }
        }
        tokio::select! {
            () = state.leaderboard_wake.notified() => {}
            stopped = stop.after(Duration::from_secs(1)) => if stopped { break },
        }
    }
}

/// One round: a rebuild if the boards are incomplete, else a copy of what changed. Returns
/// how many noted changes it took.
async fn round(
    db: &PgPool,
    redis: &mut redis::aio::ConnectionManager,
    keys: &Keys,
) -> anyhow::Result<usize> {
    if !store::is_ready(redis, keys).await? {
        let mut tx = db.begin().await?;
        if !try_lock(&mut tx).await? {
            return Ok(0);
        }
        tracing::info!("leaderboards: Redis has no complete boards; rebuilding them");
        let copied = copy_all(&mut tx, redis, keys).await?;
        tx.commit().await?;
        tracing::info!(rows = copied, "leaderboards: rebuilt in Redis");
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    if !try_lock(&mut tx).await? {
        return Ok(0);
    }
    // Only the current periods live in Redis; older ones are read from Postgres.
    let current = store::current_periods(OffsetDateTime::now_utc());
    let periods: Vec<String> = current.iter().map(|(p, _)| p.clone()).collect();
    let (rows, taken) = totals::take_changes(&mut tx, ROUND, &periods).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut moves: BTreeMap<(&str, &str), Vec<Move>> = BTreeMap::new();
    for r in &rows {
        moves
            .entry((r.board.as_str(), r.period.as_str()))
            .or_default()
            .push(Move {
                subject_id: r.subject_id,
                row: r.now,
            });
    }
    for ((board, period), moves) in moves {
        let Some(board) = Board::from_column(board) else {
            continue;
        };
        let expires = current
            .iter()
            .find(|(p, _)| p == period)
            .and_then(|(_, e)| *e);
        store::apply(redis, keys, board, period, expires, &moves).await?;
    }
    totals::forget_gone(&mut tx, &rows).await?;
    tx.commit().await?;
    Ok(taken as usize)
}

async fn try_lock(conn: &mut sqlx::PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock($1) AS "got!""#, LOCK)
        .fetch_one(conn)
        .await
}

/// Copies every current board to Redis from Postgres (the advisory lock held by the caller's
/// transaction). Changes noted meanwhile stay noted and are copied again by the next round.
async fn copy_all(
    conn: &mut sqlx::PgConnection,
    redis: &mut redis::aio::ConnectionManager,
    keys: &Keys,
) -> anyhow::Result<usize> {
    store::unready(redis, keys).await?;
    let mut copied = 0;
    for (period, expires) in store::current_periods(OffsetDateTime::now_utc()) {
        for board in Board::ALL {
            let rows = totals::all_rows(conn, board, &period).await?;
            store::replace(redis, keys, board, &period, expires, &rows).await?;
            copied += rows.len();
        }
    }
    store::set_ready(redis, keys).await?;
    Ok(copied)
}

/// `afftok programme rebuild`: recomputes the boards (all time, this month, this week) in
/// Postgres from the ledger and the memberships, then copies them to Redis. Returns (rows in Postgres, rows copied).
pub async fn rebuild(
    db: &PgPool,
    redis: &mut redis::aio::ConnectionManager,
    redis_key_prefix: &str,
) -> anyhow::Result<(u64, usize)> {
    let keys = Keys::new(redis_key_prefix);
    let made = totals::recompute(db)
        .await
        .context("recomputing the boards in Postgres")?;
    let mut tx = db.begin().await?;
    // Waits for a serving syncer's round to end.
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", LOCK)
        .execute(&mut *tx)
        .await?;
    let copied = copy_all(&mut tx, redis, &keys)
        .await
        .context("copying the boards to Redis")?;
    tx.commit().await?;
    Ok((made, copied))
}
