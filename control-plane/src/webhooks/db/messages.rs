//! Messages (one per event and endpoint) and their attempts: made by the fan-out, claimed
//! and settled by the sender, listed and redelivered through the API.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::kernel::Tenant;
use crate::webhooks::db::endpoints::owner;

/// A message to make.
#[derive(Debug, Clone)]
pub(crate) struct NewMessage {
    pub endpoint_id: i64,
    /// The domain event it comes from (`None`: a test send).
    pub source_event: Option<i64>,
    pub event_type: &'static str,
    /// A webhook's JSON body, or a postback's URL.
    pub body: String,
}

/// Makes messages; one already made from the same event for the same endpoint is left as
/// it is (the fan-out may see an event twice). Returns the ids of those made.
pub(crate) async fn insert_many(
    conn: &mut PgConnection,
    messages: &[NewMessage],
) -> Result<Vec<Uuid>, sqlx::Error> {
    if messages.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = messages.iter().map(|_| Uuid::now_v7()).collect();
    let endpoints: Vec<i64> = messages.iter().map(|m| m.endpoint_id).collect();
    let sources: Vec<Option<i64>> = messages.iter().map(|m| m.source_event).collect();
    let types: Vec<&str> = messages.iter().map(|m| m.event_type).collect();
    let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    sqlx::query_scalar!(
        "INSERT INTO webhook_messages (id, endpoint_id, source_event, event_type, body)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
         ON CONFLICT (endpoint_id, source_event) DO NOTHING
         RETURNING id",
        &ids,
        &endpoints,
        &sources as &[Option<i64>],
        &types as &[&str],
        &bodies as &[&str],
    )
    .fetch_all(conn)
    .await
}

/// A message as listed.
#[derive(Debug, Clone)]
pub(crate) struct MessageRow {
    pub id: Uuid,
    pub endpoint_id: i64,
    pub event_type: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: OffsetDateTime,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub last_status: Option<i32>,
    pub created_at: OffsetDateTime,
}

/// An attempt as logged.
#[derive(Debug, Clone)]
pub(crate) struct AttemptRow {
    pub message_id: Uuid,
    pub attempt: i32,
    pub started_at: OffsetDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub response: String,
    pub error: Option<String>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub status: Option<String>,
    pub event_type: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

/// A page of an endpoint's messages, newest first, with their attempts.
pub(crate) async fn list(
    db: &PgPool,
    endpoint_id: i64,
    filter: &Filter,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<(Vec<MessageRow>, Vec<AttemptRow>), sqlx::Error> {
    let (after_ts, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        MessageRow,
        r#"SELECT id, endpoint_id, event_type, body, status, attempts, next_attempt_at,
                  last_attempt_at, last_status, created_at
           FROM webhook_messages
           WHERE endpoint_id = $1
             AND ($2::text IS NULL OR status = $2)
             AND ($3::text IS NULL OR event_type = $3)
             AND ($4::timestamptz IS NULL OR created_at >= $4)
             AND ($5::timestamptz IS NULL OR created_at < $5)
             AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid))
           ORDER BY created_at DESC, id DESC LIMIT $8"#,
        endpoint_id,
        filter.status,
        filter.event_type,
        filter.from,
        filter.to,
        after_ts,
        after_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let attempts = attempts_of(db, &ids).await?;
    Ok((rows, attempts))
}

async fn attempts_of(db: &PgPool, ids: &[Uuid]) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as!(
        AttemptRow,
        "SELECT message_id, attempt, started_at, status_code, latency_ms, response, error
         FROM webhook_attempts WHERE message_id = ANY($1) ORDER BY message_id, attempt, id",
        ids,
    )
    .fetch_all(db)
    .await
}

/// One message of an endpoint (of either kind) that `tenant` owns, with its attempts.
pub(crate) async fn get(
    db: &PgPool,
    tenant: Tenant,
    id: Uuid,
) -> Result<Option<(MessageRow, Vec<AttemptRow>)>, sqlx::Error> {
    let (admin, advertiser, promoter) = owner(tenant);
    let row = sqlx::query_as!(
        MessageRow,
        r#"SELECT m.id, m.endpoint_id, m.event_type, m.body, m.status, m.attempts,
                  m.next_attempt_at, m.last_attempt_at, m.last_status, m.created_at
           FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
           WHERE m.id = $1 AND ($2 OR e.advertiser_id = $3 OR e.promoter_id = $4)"#,
        id,
        admin,
        advertiser,
        promoter,
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let attempts = attempts_of(db, &[row.id]).await?;
    Ok(Some((row, attempts)))
}

/// Why a message cannot be redelivered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Redeliver {
    /// Queued for one more attempt.
    Queued,
    /// It is waiting for an attempt already.
    Pending,
    /// No such message for this tenant.
    Missing,
}

/// Queues one more attempt of a delivered or failed message (one try, no retries).
pub(crate) async fn redeliver(
    db: &PgPool,
    tenant: Tenant,
    id: Uuid,
) -> Result<Redeliver, sqlx::Error> {
    let (admin, advertiser, promoter) = owner(tenant);
    let status = sqlx::query_scalar!(
        "SELECT m.status FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
         WHERE m.id = $1 AND ($2 OR e.advertiser_id = $3 OR e.promoter_id = $4)",
        id,
        admin,
        advertiser,
        promoter,
    )
    .fetch_optional(db)
    .await?;
    match status.as_deref() {
        None => return Ok(Redeliver::Missing),
        Some("pending") => return Ok(Redeliver::Pending),
        Some(_) => {}
    }
    let queued = sqlx::query!(
        "UPDATE webhook_messages SET status = 'pending', retry = false, next_attempt_at = now()
         WHERE id = $1 AND status <> 'pending'",
        id,
    )
    .execute(db)
    .await?;
    Ok(if queued.rows_affected() == 1 {
        Redeliver::Queued
    } else {
        Redeliver::Pending
    })
}

/// Queues one more attempt of every failed message of an endpoint made in `[from, to)`;
/// returns how many.
pub(crate) async fn redeliver_failed(
    db: &PgPool,
    endpoint_id: i64,
    from: Option<OffsetDateTime>,
    to: Option<OffsetDateTime>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE webhook_messages SET status = 'pending', retry = false, next_attempt_at = now()
         WHERE endpoint_id = $1 AND status = 'failed'
           AND ($2::timestamptz IS NULL OR created_at >= $2)
           AND ($3::timestamptz IS NULL OR created_at < $3)",
        endpoint_id,
        from,
        to,
    )
    .execute(db)
    .await?
    .rows_affected())
}
