//! Domain events: every state change other features may react to is recorded as a row of
//! `domain_events` in the transaction that makes it ([`record`]), and handed after commit to
//! each [`Consumer`] by the dispatcher ([`dispatch`]).
//!
//! Delivery is at least once, in commit order per consumer: a consumer keeps its position in
//! Postgres (moved in the same transaction as its own Postgres writes), and one that fails is
//! retried with the same events, losing nothing. Reactions (live counters; later webhooks,
//! points, contest standings, leaderboards) are consumers: the code that decides never calls
//! them. Adding one is one file implementing [`Consumer`] in the feature it belongs to, and one
//! line in `app::jobs::consumers` (so this module knows no feature).
//!
//! The catalogue (kinds and payloads) is in [`catalogue`] and in `docs/architecture.md`.

pub mod catalogue;
mod dispatch;

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::app::AppState;

pub use catalogue::EventKind;
pub use dispatch::{dispatch, prune};

/// Records an event in the caller's transaction: it becomes visible to consumers when (and
/// only if) that transaction commits.
pub async fn record<P: Serialize>(
    conn: &mut PgConnection,
    kind: EventKind,
    payload: &P,
) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // The payload is sent as text and cast, as it is stored (JSON, not JSONB).
    sqlx::query!(
        "INSERT INTO domain_events (kind, payload) VALUES ($1, $2::text::json)",
        kind.as_str(),
        payload,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records several events of one kind in one statement.
pub async fn record_all<P: Serialize>(
    conn: &mut PgConnection,
    kind: EventKind,
    payloads: &[P],
) -> Result<(), sqlx::Error> {
    if payloads.is_empty() {
        return Ok(());
    }
    let values = payloads
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query!(
        "INSERT INTO domain_events (kind, payload) SELECT $1, p::json FROM UNNEST($2::text[]) AS p",
        kind.as_str(),
        &values,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An event as a consumer gets it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Its id (unique; positions are `(tx_id, id)`).
    pub id: i64,
    /// The id of the transaction that wrote it.
    pub tx_id: i64,
    /// What happened.
    pub kind: EventKind,
    /// The payload of its kind (see [`catalogue`]), as JSON text: read straight into the
    /// kind's type by [`StoredEvent::payload`].
    pub payload: String,
    /// When it was recorded.
    pub recorded_at: OffsetDateTime,
}

impl StoredEvent {
    /// Its position in the order consumers read events.
    pub fn position(&self) -> Position {
        Position {
            tx_id: self.tx_id,
            id: self.id,
        }
    }

    /// The payload as its kind's type.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConsumerError> {
        serde_json::from_str(&self.payload).map_err(|e| {
            ConsumerError(format!(
                "event {} ({}) has an unreadable payload: {e}",
                self.id,
                self.kind.as_str()
            ))
        })
    }
}

/// A position in the event order: events are read by `(tx_id, id)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The writing transaction's id.
    pub tx_id: i64,
    /// The event's id.
    pub id: i64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.tx_id, self.id)
    }
}

impl std::str::FromStr for Position {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (tx, id) = s.split_once(':').ok_or(())?;
        Ok(Self {
            tx_id: tx.parse().map_err(|_| ())?,
            id: id.parse().map_err(|_| ())?,
        })
    }
}

/// Why a consumer could not handle a batch (it is retried).
#[derive(Debug)]
pub struct ConsumerError(pub String);

impl std::fmt::Display for ConsumerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<sqlx::Error> for ConsumerError {
    fn from(e: sqlx::Error) -> Self {
        Self(format!("database: {e}"))
    }
}

impl From<redis::RedisError> for ConsumerError {
    fn from(e: redis::RedisError) -> Self {
        Self(format!("redis: {e}"))
    }
}

/// What a consumer's `handle` returns.
pub type Handled<'a> = Pin<Box<dyn Future<Output = Result<(), ConsumerError>> + Send + 'a>>;

/// A reaction to domain events.
///
/// `handle` gets each batch in order, with the transaction that will move its position: what
/// it writes to Postgres there commits with the position (exactly once). What it does
/// elsewhere (Redis, HTTP) must be idempotent or guarded by a position of its own, since a
/// batch is handled again if the transaction does not commit. An error leaves the position
/// where it was; the batch is retried after a pause.
pub trait Consumer: Send + Sync + 'static {
    /// Its name: the key of its position (never reuse one for another consumer).
    fn name(&self) -> &'static str;

    /// Handles a batch (the consumer skips kinds it does not care about).
    fn handle<'a>(
        &'a self,
        state: &'a AppState,
        conn: &'a mut PgConnection,
        events: &'a [StoredEvent],
    ) -> Handled<'a>;

    /// Called after a batch it handled has committed (to wake whoever acts on what it
    /// wrote); nothing by default.
    fn committed(&self, _state: &AppState) {}

    /// How long it lets events gather while more keep arriving: a consumer whose writes
    /// per event fall with its batch's size (sums per promoter and day) is handed a busy
    /// stream's events in fewer, larger batches, and those of a stream gone quiet at the next
    /// poll. `None` (the default): at every poll.
    fn gather(&self, _state: &AppState) -> Option<std::time::Duration> {
        None
    }
}
