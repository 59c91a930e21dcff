//! The dispatcher: one task per consumer, reading the events after the consumer's position
//! every `events_poll_interval` (at once again while there are more). Polling, not Postgres
//! notifications: NOTIFY serialises the commits of every transaction that sends one, which
//! cost ingest about 8% of its throughput, and a poll every 100 ms finds a busy stream's
//! events in batches rather than one commit at a time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Consumer, ConsumerError, EventKind, Position, StoredEvent};
use crate::app::AppState;
use crate::app::jobs::Stop;

/// Events handed to a consumer at once.
const BATCH: i64 = 500;

/// Feeds `consumers` until stopped; prunes the events they have all handled once older than
/// the retention.
pub async fn dispatch(state: AppState, consumers: Vec<Arc<dyn Consumer>>, stop: Stop) {
    let names: Vec<&'static str> = consumers.iter().map(|c| c.name()).collect();
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(prune_every_hour(state.clone(), names, stop.clone()));
    for consumer in consumers {
        tasks.spawn(feed(state.clone(), consumer, stop.clone()));
    }
    while tasks.join_next().await.is_some() {}
}

/// Runs one consumer: batches while there are events, then waits for the poll interval;
/// after a failure, waits longer each time (up to 30 s) and retries the same events.
async fn feed(state: AppState, consumer: Arc<dyn Consumer>, mut stop: Stop) {
    let poll = state.settings.events_poll_interval;
    let mut failures: u32 = 0;
    // Its position exists before the first batch (a new consumer starts at the beginning).
    loop {
        let created = sqlx::query!(
            "INSERT INTO event_cursors (consumer) VALUES ($1) ON CONFLICT DO NOTHING",
            consumer.name(),
        )
        .execute(&state.db)
        .await;
        match created {
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(consumer = consumer.name(), error = %e, "cannot create a consumer's position; retrying");
                if stop.after(Duration::from_secs(2)).await {
                    return;
                }
            }
        }
    }
    let gather = consumer.gather(&state).filter(|g| !g.is_zero());
    let mut gathering = Gathering::new(Instant::now());
    let mut behind = false;
    loop {
        if stop.is_stopped() {
            return;
        }
        if let (Some(limit), false) = (gather, behind) {
            // A failed look is no reason to wait: the round runs.
            let ready = match newest_event(&state.db).await {
                Ok(head) => gathering.ready(head, limit, Instant::now()),
                Err(_) => true,
            };
            if !ready {
                if stop.after(poll).await {
                    return;
                }
                continue;
            }
        }
        let result = feed_once(&state, consumer.as_ref()).await;
        gathering.handled(Instant::now());
        behind = false;
        let wait = match result {
            Ok(n) if n as i64 >= BATCH => {
                failures = 0;
                behind = true;
                continue;
            }
            Ok(_) => {
                failures = 0;
                poll
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(consumer = consumer.name(), failures, error = %e, "a domain event consumer failed; its events are retried");
                (poll * 2u32.saturating_pow(failures.min(8))).min(Duration::from_secs(30))
            }
        };
        if stop.after(wait).await {
            return;
        }
    }
}

/// When a gathering consumer's next round is due: once the stream has been quiet for a poll
/// (its newest event is the one seen at the poll before), or once its limit has passed since
/// the last round while events keep arriving.
#[derive(Debug)]
struct Gathering {
    last_round: Instant,
    head: Option<i64>,
}

impl Gathering {
    fn new(now: Instant) -> Self {
        Self {
            last_round: now,
            head: None,
        }
    }

    /// Whether a round is due, given the newest event id now.
    fn ready(&mut self, head: i64, limit: Duration, now: Instant) -> bool {
        let quiet = self.head == Some(head);
        self.head = Some(head);
        quiet || now.saturating_duration_since(self.last_round) >= limit
    }

    fn handled(&mut self, now: Instant) {
        self.last_round = now;
    }
}

/// The newest domain event's id (0 when there is none): a change means events keep coming.
/// Read backwards along the primary key (`tx_id`, `id`), one row.
async fn newest_event(db: &PgPool) -> sqlx::Result<i64> {
    Ok(
        sqlx::query_scalar!("SELECT id FROM domain_events ORDER BY tx_id DESC, id DESC LIMIT 1")
            .fetch_optional(db)
            .await?
            .unwrap_or(0),
    )
}

/// Hands the consumer the events after its position and moves the position past them, in
/// one transaction; returns how many events were read (0 when another control plane holds
/// the consumer, or its position does not exist yet).
pub(super) async fn feed_once(
    state: &AppState,
    consumer: &dyn Consumer,
) -> Result<usize, ConsumerError> {
    let mut tx = state.db.begin().await?;
    let Some(at) = sqlx::query_as!(
        Position,
        r#"SELECT tx_id::text::bigint AS "tx_id!", event_id AS id FROM event_cursors
         WHERE consumer = $1 FOR UPDATE SKIP LOCKED"#,
        consumer.name(),
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        tx.rollback().await?;
        return Ok(0);
    };
    // Only events of transactions older than every running one: a transaction still running
    // may yet commit events that come before those of later, already committed ones.
    // The kind is read as text, not straight into `EventKind`: a kind this control plane does
    // not know is skipped below, not an error.
    let rows = sqlx::query!(
        r#"SELECT id, tx_id::text::bigint AS "tx_id!", kind, payload::text AS "payload!", recorded_at FROM domain_events
         WHERE (tx_id, id) > ($1::text::xid8, $2)
           AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY tx_id, id LIMIT $3"#,
        at.tx_id.to_string(),
        at.id,
        BATCH,
    )
    .fetch_all(&mut *tx)
    .await?;
    let Some(last) = rows.last() else {
        tx.rollback().await?;
        return Ok(0);
    };
    let last = Position {
        tx_id: last.tx_id,
        id: last.id,
    };
    let read = rows.len();
    let mut events = Vec::with_capacity(read);
    for row in rows {
        // A kind recorded by a newer control plane is not this one's business.
        let Some(kind) = EventKind::parse(&row.kind) else {
            continue;
        };
        events.push(StoredEvent {
            id: row.id,
            tx_id: row.tx_id,
            kind,
            payload: row.payload,
            recorded_at: row.recorded_at,
        });
    }
    consumer.handle(state, &mut tx, &events).await?;
    sqlx::query!(
        "UPDATE event_cursors SET tx_id = $2::text::xid8, event_id = $3, updated_at = now()
         WHERE consumer = $1",
        consumer.name(),
        last.tx_id.to_string(),
        last.id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    consumer.committed(state);
    Ok(read)
}

async fn prune_every_hour(state: AppState, consumers: Vec<&'static str>, mut stop: Stop) {
    loop {
        match prune(&state.db, &consumers, state.settings.events_retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "handled domain events pruned"),
            Err(e) => tracing::warn!(error = %e, "pruning domain events failed"),
        }
        if stop.after(Duration::from_secs(3600)).await {
            return;
        }
    }
}

/// Deletes events older than `retention` that every one of `consumers` has handled; returns
/// how many.
pub async fn prune(
    db: &PgPool,
    consumers: &[&str],
    retention: Duration,
) -> Result<u64, sqlx::Error> {
    let names: Vec<String> = consumers.iter().map(|&c| c.to_owned()).collect();
    let cursors = sqlx::query_as!(
        Position,
        r#"SELECT tx_id::text::bigint AS "tx_id!", event_id AS id FROM event_cursors
         WHERE consumer = ANY($1)"#,
        &names,
    )
    .fetch_all(db)
    .await?;
    // A consumer that never ran has no position yet: nothing is handled by every consumer.
    if cursors.len() < consumers.len() {
        return Ok(0);
    }
    let Some(oldest) = cursors.into_iter().min() else {
        return Ok(0);
    };
    Ok(sqlx::query!(
        "DELETE FROM domain_events WHERE (tx_id, id) <= ($1::text::xid8, $2)
           AND recorded_at < now() - make_interval(secs => $3)",
        oldest.tx_id.to_string(),
        oldest.id,
        retention.as_secs_f64(),
    )
    .execute(db)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(1);
    const POLL: Duration = Duration::from_millis(100);

    #[test]
    fn a_busy_stream_gathers_until_the_limit() {
        let start = Instant::now();
        let mut g = Gathering::new(start);
        // A new event at every poll: no round until the limit has passed.
        for i in 1..10 {
            assert!(!g.ready(i, LIMIT, start + POLL * i as u32), "poll {i}");
        }
        assert!(g.ready(10, LIMIT, start + LIMIT));
        g.handled(start + LIMIT);
        assert!(!g.ready(11, LIMIT, start + LIMIT + POLL));
    }

    #[test]
    fn a_quiet_stream_is_handled_at_the_next_poll() {
        let start = Instant::now();
        let mut g = Gathering::new(start);
        assert!(!g.ready(5, LIMIT, start + POLL), "the first look sees news");
        assert!(
            g.ready(5, LIMIT, start + POLL * 2),
            "nothing new since: quiet"
        );
        g.handled(start + POLL * 2);
        // Still quiet: every poll runs a round (it finds nothing, as without gathering).
        assert!(g.ready(5, LIMIT, start + POLL * 3));
        // Traffic again, then it stops: one poll of news, then a round.
        assert!(!g.ready(9, LIMIT, start + POLL * 4));
        assert!(g.ready(9, LIMIT, start + POLL * 5));
    }
}
