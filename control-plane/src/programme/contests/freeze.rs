//! The contests tick: starts scheduled contests whose start has come, and finishes running
//! ones whose end (plus the settle time) has passed. Finishing is one transaction that moves
//! the contest from `running` to `finished`, freezes its standings into `contest_results`
//! and records `contest.finished`: a second control plane finishing the same contest waits
//! on the row's lock, then finds it finished and does nothing, so it happens exactly once.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::PgPool;

use crate::app::AppState;
use crate::app::jobs::Stop;
use crate::events::catalogue::{Amount, ContestFinished, ContestResult};
use crate::events::{self, EventKind};
use crate::kernel::PromoterId;
use crate::programme::contests::db;

/// The event's results: every rank with a prize, and at least this many.
const ANNOUNCED: i32 = 10;

/// Runs the tick until the jobs stop.
pub async fn tick(state: AppState, mut stop: Stop) {
    let settings = &state.settings.programme;
    loop {
        match tick_once(&state.db, settings.contest_settle).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(contests = n, "contests finished"),
            Err(e) => tracing::warn!(error = %e, "the contests tick failed"),
        }
        if stop.after(settings.contest_tick).await {
            return;
        }
    }
}

/// Starts the contests due to start and finishes those due to finish; returns how many this
/// call finished (one that fails is logged and left for the next tick).
pub async fn tick_once(db: &PgPool, settle: Duration) -> Result<usize, sqlx::Error> {
    sqlx::query!(
        "UPDATE contests SET status = 'running', started_at = now(), updated_at = now()
         WHERE status = 'scheduled' AND starts_at <= now()"
    )
    .execute(db)
    .await?;
    let due = sqlx::query_scalar!(
        "SELECT id FROM contests
         WHERE status = 'running' AND ends_at + $1 * interval '1 millisecond' <= now()
         ORDER BY ends_at",
        millis(settle),
    )
    .fetch_all(db)
    .await?;
    let mut finished = 0;
    for id in due {
        // One contest that cannot be finished (it is retried next tick) holds no other back.
        match finish(db, id, settle).await {
            Ok(true) => finished += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(contest = id, error = %e, "finishing a contest failed"),
        }
    }
    Ok(finished)
}

fn millis(d: Duration) -> f64 {
    // Whole milliseconds of at most a day: exact in a float.
    d.as_millis() as f64
}

/// Finishes contest `id` if it is running and its end plus `settle` has passed: freezes its
/// standings and records `contest.finished`, in one transaction. Returns whether this call
/// finished it (false: not due, not running, or finished by another caller).
pub async fn finish(db: &PgPool, id: i64, settle: Duration) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    // A racer blocks here on the row lock, then finds the status changed: 0 rows.
    let won = sqlx::query_scalar!(
        "UPDATE contests SET status = 'finished', finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'running' AND ends_at + $2 * interval '1 millisecond' <= now()
         RETURNING id",
        id,
        millis(settle),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if won.is_none() {
        return Ok(false);
    }
    let c = db::get(&mut *tx, id, None)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let standings = db::live(&mut tx, &c).await?;
    let mut ranks = Vec::with_capacity(standings.len());
    let mut entries = Vec::with_capacity(standings.len());
    let mut promoters = Vec::with_capacity(standings.len());
    let mut teams = Vec::with_capacity(standings.len());
    let mut scores = Vec::with_capacity(standings.len());
    let mut reached = Vec::with_capacity(standings.len());
    let mut entered = Vec::with_capacity(standings.len());
    let mut prizes = Vec::with_capacity(standings.len());
    let mut amounts = Vec::with_capacity(standings.len());
    let mut currencies = Vec::with_capacity(standings.len());
    for s in &standings {
        ranks.push(s.rank);
        entries.push(s.entry_id);
        promoters.push(s.promoter_id.map(|p| p.0));
        teams.push(s.team_id);
        scores.push(s.score);
        reached.push(s.reached_at);
        entered.push(s.entered_at);
        prizes.push(s.prize.as_ref().map(|p| p.prize.clone()));
        amounts.push(s.prize.as_ref().and_then(|p| p.amount));
        currencies.push(s.prize.as_ref().and_then(|p| p.currency.clone()));
    }
    sqlx::query!(
        "INSERT INTO contest_results (contest_id, rank, entry_id, promoter_id, team_id, score,
                                      reached_at, entered_at, prize, prize_amount, prize_currency)
         SELECT $1, * FROM UNNEST($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::numeric[],
                                  $7::timestamptz[], $8::timestamptz[], $9::text[], $10::numeric[], $11::text[])",
        id,
        &ranks,
        &entries,
        &promoters as &[Option<i64>],
        &teams as &[Option<i64>],
        &scores,
        &reached as &[Option<time::OffsetDateTime>],
        &entered,
        &prizes as &[Option<String>],
        &amounts as &[Option<rust_decimal::Decimal>],
        &currencies as &[Option<String>],
    )
    .execute(&mut *tx)
    .await?;

    let last_prize = standings
        .iter()
        .filter(|s| s.prize.is_some())
        .map(|s| s.rank)
        .max()
        .unwrap_or(0);
    let announced: Vec<_> = standings
        .iter()
        .filter(|s| s.rank <= ANNOUNCED.max(last_prize))
        .collect();
    let team_ids: Vec<i64> = announced.iter().filter_map(|s| s.team_id).collect();
    // A team's members during the window (who shares its prize).
    let members: HashMap<i64, Vec<PromoterId>> = if team_ids.is_empty() {
        HashMap::new()
    } else {
        sqlx::query!(
            r#"SELECT team_id, array_agg(DISTINCT promoter_id ORDER BY promoter_id) AS "members!"
               FROM team_memberships
               WHERE team_id = ANY($1) AND joined_at < $3 AND (left_at IS NULL OR left_at > $2)
               GROUP BY team_id"#,
            &team_ids,
            c.starts_at,
            c.ends_at,
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.team_id, r.members.into_iter().map(PromoterId).collect()))
        .collect()
    };
    let payload = ContestFinished {
        contest_id: c.id,
        name: c.name.clone(),
        advertiser_id: c.advertiser_id,
        kind: c.kind.as_str().to_owned(),
        metric: c.metric.as_str().to_owned(),
        currency: c.currency.clone(),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        entrants: c.entrants,
        results: announced
            .iter()
            .map(|s| ContestResult {
                rank: s.rank,
                promoter_id: s.promoter_id,
                team_id: s.team_id,
                members: s
                    .team_id
                    .and_then(|t| members.get(&t).cloned())
                    .unwrap_or_default(),
                score: s.score.normalize(),
                reached_at: s.reached_at,
                prize: s.prize.as_ref().map(|p| p.prize.clone()),
                prize_amount: s.prize.as_ref().and_then(|p| {
                    Some(Amount {
                        amount: p.amount?.normalize(),
                        currency: p.currency.clone()?,
                    })
                }),
            })
            .collect(),
    };
    events::record(&mut tx, EventKind::ContestFinished, &payload).await?;
    tx.commit().await?;
    Ok(true)
}
