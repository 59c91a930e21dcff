//! The dispatcher: one task per consumer, reading the events after the consumer's position
//! every `events_poll_interval` (at once again while there are more). Polling, not Postgres
//! notifications: NOTIFY serialises the commits of every transaction that sends one, which
//! cost ingest about 8% of its throughput, and a poll every 100 ms finds a busy stream's
//! events in batches rather than one commit at a time.
//!
//! A consumer that gathers ([`super::Consumer::gather`]) runs a round once the stream has been
//! quiet for half a poll or its limit has passed, looking at the newest event four times a
//! poll while events wait and once a poll while its position is the newest; it takes up to
//! [`GATHERED_BATCH`] events a round.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Consumer, ConsumerError, EventKind, Position, StoredEvent};
use crate::app::AppState;
use crate::app::jobs::Stop;

/// Events handed to a consumer at once.
const BATCH: i64 = 500;

/// Events handed at once to a consumer that gathers: its writes go by what the events name
/// (promoters, days), not by event, so a gathered round split in two transactions costs
/// nearly twice one (the points consumer: a second transaction of a hundred events took about
/// as long as a first of five hundred).
const GATHERED_BATCH: i64 = 2_000;

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
    let batch = if gather.is_some() {
        GATHERED_BATCH
    } else {
        BATCH
    };
    let mut gathering = gather.map(|limit| Gathering::new(Instant::now(), poll, limit));
    let mut behind = false;
    loop {
        if stop.is_stopped() {
            return;
        }
        if let (Some(gathering), false) = (gathering.as_mut(), behind) {
            // A failed look is no reason to wait: the round runs.
            let wait = match look(&state.db, consumer.name()).await {
                Ok((head, at)) => gathering.next(head, at, Instant::now()),
                Err(_) => None,
            };
            if let Some(wait) = wait {
                if stop.after(wait).await {
                    return;
                }
                continue;
            }
        }
        let result = feed_once(&state, consumer.as_ref(), batch, gathering.is_some()).await;
        if let Some(gathering) = gathering.as_mut() {
            let own = result.as_ref().ok().and_then(|r| r.own_newest);
            gathering.handled(Instant::now(), own);
        }
        behind = false;
        let wait = match result.map(|r| r.read) {
            Ok(n) if n as i64 >= batch => {
                failures = 0;
                behind = true;
                continue;
            }
            // Events left behind by a transaction still running when the round read are
            // read once it ends: a gathering consumer's next look tells.
            Ok(n) if n > 0 && gathering.is_some() => {
                failures = 0;
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

/// How often a gathering consumer looks at the newest event while events wait, in a poll
/// interval: with a quiet of half a poll, a stream that stops is handled between a half and
/// three quarters of a poll after its last event (a busy stream's events are milliseconds
/// apart, so half a poll without one means it stopped).
const LOOKS_PER_POLL: u32 = 4;

/// When a gathering consumer's next round is due: once the stream has been quiet for half a
/// poll (its newest event has not changed since), or once its limit has passed since the last
/// round while events keep arriving; never while its position is the newest event.
#[derive(Debug)]
struct Gathering {
    /// How long a caught-up consumer waits before it looks again; the stream counts as
    /// quiet once its newest event has stayed the newest for half of it.
    poll: Duration,
    limit: Duration,
    last_round: Instant,
    head: Option<i64>,
    /// When `head` was first seen.
    moved_at: Instant,
}

impl Gathering {
    fn new(now: Instant, poll: Duration, limit: Duration) -> Self {
        Self {
            poll,
            limit,
            last_round: now,
            head: None,
            moved_at: now,
        }
    }

    /// Given the newest event's id now (0: none) and the consumer's position (the id of the
    /// last event it handled, by any control plane), none if a round is due now, else how
    /// long to wait before looking again.
    ///
    /// A consumer whose position is the newest event is caught up: a transaction that was
    /// running when that event was read would have held it back, so events still to come
    /// order after it and move the head. (A position moved back, to replay, is not the head.)
    fn next(&mut self, head: i64, at: i64, now: Instant) -> Option<Duration> {
        if self.head != Some(head) {
            self.head = Some(head);
            self.moved_at = now;
        }
        if head == 0 || at == head {
            return Some(self.poll);
        }
        let quiet = now.saturating_duration_since(self.moved_at) >= self.poll / 2;
        let due = now.saturating_duration_since(self.last_round) >= self.limit;
        if quiet || due {
            None
        } else {
            Some(self.poll / LOOKS_PER_POLL)
        }
    }

    /// A round ended at `now`, having recorded events itself up to the id `own` (the points
    /// consumer records `points.level_reached`). They are the head unless the stream moved
    /// meanwhile, and do not make a quiet stream wait to be quiet again: the round that hands
    /// them over runs at the next look.
    fn handled(&mut self, now: Instant, own: Option<i64>) {
        self.last_round = now;
        if own.is_some() {
            self.head = own;
        }
    }
}

/// The newest domain event's id (0 when there is none: a change means events keep coming;
/// read backwards along the primary key (`tx_id`, `id`), one row) and the id at the
/// consumer's position (0 before its first event).
async fn look(db: &PgPool, consumer: &str) -> sqlx::Result<(i64, i64)> {
    let row = sqlx::query!(
        r#"SELECT (SELECT id FROM domain_events ORDER BY tx_id DESC, id DESC LIMIT 1) AS head,
                  (SELECT event_id FROM event_cursors WHERE consumer = $1) AS at"#,
        consumer,
    )
    .fetch_one(db)
    .await?;
    Ok((row.head.unwrap_or(0), row.at.unwrap_or(0)))
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Round {
    /// How many events it read (0 when another control plane holds the consumer, or its
    /// position does not exist yet).
    pub read: usize,
    /// When asked for: the newest event the consumer recorded itself in the round.
    pub own_newest: Option<i64>,
}

/// Hands the consumer up to `batch` events after its position and moves the position past
/// them, in one transaction; with `own`, finds the newest event the consumer recorded in it.
pub(super) async fn feed_once(
    state: &AppState,
    consumer: &dyn Consumer,
    batch: i64,
    own: bool,
) -> Result<Round, ConsumerError> {
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
        return Ok(Round::default());
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
        batch,
    )
    .fetch_all(&mut *tx)
    .await?;
    let Some(last) = rows.last() else {
        tx.rollback().await?;
        return Ok(Round::default());
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
    let own_newest = if own {
        sqlx::query_scalar!("SELECT max(id) FROM domain_events WHERE tx_id = pg_current_xact_id()")
            .fetch_one(&mut *tx)
            .await?
    } else {
        None
    };
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
    Ok(Round { read, own_newest })
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
    const LOOK: Duration = Duration::from_millis(25);

    #[test]
    fn a_busy_stream_gathers_until_the_limit() {
        let start = Instant::now();
        let mut g = Gathering::new(start, POLL, LIMIT);
        // A new event at every look: no round until the limit has passed.
        for i in 1..40 {
            assert_eq!(
                g.next(i, 0, start + LOOK * i as u32),
                Some(LOOK),
                "look {i}"
            );
        }
        assert_eq!(g.next(40, 0, start + LIMIT), None);
        g.handled(start + LIMIT, None);
        assert_eq!(g.next(41, 37, start + LIMIT + LOOK), Some(LOOK));
    }

    #[test]
    fn a_stream_that_stops_is_handled_half_a_poll_after_its_newest_event_was_seen() {
        let start = Instant::now();
        let mut g = Gathering::new(start, POLL, LIMIT);
        assert_eq!(g.next(1, 0, start), Some(LOOK));
        assert_eq!(g.next(2, 0, start + LOOK), Some(LOOK));
        // Event 2 stays the newest: not quiet until half a poll after it was seen.
        assert_eq!(g.next(2, 0, start + LOOK * 2), Some(LOOK));
        let quiet = start + LOOK + POLL / 2;
        assert_eq!(g.next(2, 0, quiet - Duration::from_millis(1)), Some(LOOK));
        assert_eq!(g.next(2, 0, quiet), None);
        // The round read up to event 2: caught up, it looks again a poll later, and runs no
        // round until the head moves.
        let later = quiet;
        g.handled(later, None);
        assert_eq!(g.next(2, 2, later), Some(POLL));
        assert_eq!(g.next(2, 2, later + POLL * 3), Some(POLL));
        assert_eq!(g.next(3, 2, later + POLL * 4), Some(LOOK));
        assert_eq!(g.next(3, 2, later + POLL * 5), None);
        // After a quiet longer than the limit, a new event is handled at the first look.
        g.handled(later + POLL * 5, None);
        assert_eq!(g.next(3, 3, later + POLL * 30), Some(POLL));
        assert_eq!(g.next(4, 3, later + POLL * 31), None);
    }

    #[test]
    fn events_held_back_by_a_running_transaction_get_a_round_at_the_next_look() {
        let start = Instant::now();
        let mut g = Gathering::new(start, POLL, LIMIT);
        assert_eq!(g.next(8, 0, start), Some(LOOK));
        assert_eq!(g.next(8, 0, start + POLL), None);
        // The round read up to event 6 (7 and 8 were behind a running transaction): the
        // stream is still quiet, so the next look runs a round.
        g.handled(start + POLL, None);
        assert_eq!(g.next(8, 6, start + POLL), None);
    }

    #[test]
    fn events_a_round_recorded_itself_get_a_round_at_the_next_look() {
        let start = Instant::now();
        let mut g = Gathering::new(start, POLL, LIMIT);
        assert_eq!(g.next(8, 0, start), Some(LOOK));
        let quiet = start + POLL / 2;
        assert_eq!(g.next(8, 0, quiet), None);
        // The round read up to event 8 and recorded 9 and 10 (levels reached): the stream
        // was quiet and still is, so they are handed over at once.
        g.handled(quiet, Some(10));
        assert_eq!(g.next(10, 8, quiet), None);
        g.handled(quiet, None);
        assert_eq!(g.next(10, 10, quiet), Some(POLL));
        // Had the stream moved during the round, it gathers as ever.
        let later = quiet + POLL * 3;
        assert_eq!(g.next(11, 10, later), Some(LOOK));
        assert_eq!(g.next(11, 10, later + POLL / 2), None);
        g.handled(later + POLL / 2, Some(12));
        assert_eq!(
            g.next(14, 12, later + POLL / 2),
            Some(LOOK),
            "13 and 14 are new"
        );
    }

    #[test]
    fn a_position_moved_back_is_handled_again() {
        let start = Instant::now();
        let mut g = Gathering::new(start, POLL, LIMIT);
        assert_eq!(g.next(9, 9, start), Some(POLL));
        assert_eq!(g.next(9, 0, start + POLL), None, "a replay from the start");
    }

    #[test]
    fn no_events_at_all_is_caught_up() {
        let start = Instant::now();
        let mut g = Gathering::new(start, POLL, LIMIT);
        assert_eq!(g.next(0, 0, start + LIMIT * 5), Some(POLL));
    }
}
