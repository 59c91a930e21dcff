//! The sender's side of the messages: claiming due ones (a few per endpoint, so one slow
//! receiver cannot take every sender) and settling finished attempts in batches.
//!
//! A claim counts the attempt and moves the message's due time past the attempt's timeout
//! (its lease): a sender that dies mid-attempt leaves the message to come due again, and
//! the attempt is redone with the same `webhook-id` (at least once).

use std::collections::HashMap;
use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::{self, EventKind, catalogue::EndpointDisabled};
use crate::kernel::{AdvertiserId, PromoterId};
use crate::webhooks::db::endpoints::Kind;

/// A claimed message with what sending it needs.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub id: Uuid,
    pub endpoint_id: i64,
    pub kind: Kind,
    /// The webhook's URL (a postback's URL is its body).
    pub url: String,
    pub body: String,
    /// This attempt's number (from 1).
    pub attempt: i32,
    /// Whether a failure is retried on the schedule.
    pub retry: bool,
    pub secret_nonce: Option<Vec<u8>>,
    pub secret_sealed: Option<Vec<u8>>,
    /// The previous secret, while a rotation's grace lasts.
    pub previous_secret_nonce: Option<Vec<u8>>,
    pub previous_secret_sealed: Option<Vec<u8>>,
}

/// Claims up to `limit` due messages of enabled endpoints, at most `room` of each endpoint
/// (`busy` lists the endpoints with less room than `per_endpoint`), oldest due first.
pub(crate) async fn claim(
    db: &PgPool,
    limit: usize,
    per_endpoint: usize,
    busy: &[(i64, i32)],
    lease: Duration,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let (busy_ids, busy_room): (Vec<i64>, Vec<i32>) = busy.iter().copied().unzip();
    sqlx::query_as!(
        Claimed,
        r#"WITH busy AS (SELECT * FROM UNNEST($1::bigint[], $2::int[]) AS b(endpoint_id, room)),
           picked AS (
             SELECT d.id FROM webhook_endpoints e
             LEFT JOIN busy b ON b.endpoint_id = e.id
             CROSS JOIN LATERAL (
               SELECT m.id, m.next_attempt_at FROM webhook_messages m
               WHERE m.endpoint_id = e.id AND m.status = 'pending' AND m.next_attempt_at <= now()
               ORDER BY m.next_attempt_at LIMIT COALESCE(b.room, $3)
               FOR UPDATE OF m SKIP LOCKED
             ) d
             WHERE e.enabled AND COALESCE(b.room, $3) > 0
             ORDER BY d.next_attempt_at LIMIT $4
           )
           UPDATE webhook_messages m
           SET attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => $5)
           FROM picked p, webhook_endpoints e
           WHERE m.id = p.id AND e.id = m.endpoint_id
           RETURNING m.id, m.endpoint_id, e.kind AS "kind: Kind", e.url, m.body,
                     m.attempts AS attempt, m.retry, e.secret_nonce, e.secret_sealed,
                     CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_nonce END
                       AS previous_secret_nonce,
                     CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_sealed END
                       AS previous_secret_sealed"#,
        &busy_ids,
        &busy_room,
        per_endpoint as i32,
        limit as i64,
        lease.as_secs_f64(),
    )
    .fetch_all(db)
    .await
}

/// What became of an attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    /// A 2xx.
    Delivered,
    /// Failed; tried again after the pause.
    Retry(Duration),
    /// Failed for good (the schedule is spent, or it was a single redelivery).
    Failed,
    /// 410: failed, and the endpoint is disabled.
    Gone,
}

/// A finished attempt.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    pub id: Uuid,
    pub endpoint_id: i64,
    pub attempt: i32,
    pub started_at: OffsetDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    /// The first 1 KiB of the answer.
    pub response: String,
    /// Why there was no usable answer.
    pub error: Option<String>,
    pub outcome: Outcome,
}

/// How one endpoint fared in a batch: whether its latest attempt was delivered, the first
/// failure since its latest delivery, and whether it answered 410.
#[derive(Debug, Default)]
struct Fared {
    delivered_last: bool,
    failing_from: Option<OffsetDateTime>,
    gone: bool,
}

/// Logs the attempts, settles their messages and the endpoints' failure records, and
/// disables endpoints that answered 410 or have failed for `disable_after` (recording
/// `webhook_endpoint.disabled`), in one transaction. Returns the endpoints disabled.
pub(crate) async fn settle(
    db: &PgPool,
    batch: &[Settled],
    disable_after: Duration,
) -> Result<Vec<i64>, sqlx::Error> {
    if batch.is_empty() {
        return Ok(vec![]);
    }
    let mut tx = db.begin().await?;
    // Messages deleted meanwhile (with their endpoint) are left out; those still there are
    // kept from being deleted until this commits (their attempts need them).
    let ids: Vec<Uuid> = batch.iter().map(|s| s.id).collect();
    let present: std::collections::HashSet<Uuid> = sqlx::query_scalar!(
        "SELECT id FROM webhook_messages WHERE id = ANY($1) FOR KEY SHARE",
        &ids,
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let batch: Vec<&Settled> = batch.iter().filter(|s| present.contains(&s.id)).collect();
    sqlx::query!(
        "INSERT INTO webhook_attempts (message_id, attempt, started_at, status_code, latency_ms, response, error)
         SELECT * FROM UNNEST($1::uuid[], $2::int[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], $7::text[])",
        &batch.iter().map(|s| s.id).collect::<Vec<_>>(),
        &batch.iter().map(|s| s.attempt).collect::<Vec<_>>(),
        &batch.iter().map(|s| s.started_at).collect::<Vec<_>>(),
        &batch.iter().map(|s| s.status_code).collect::<Vec<_>>() as &[Option<i32>],
        &batch.iter().map(|s| s.latency_ms).collect::<Vec<_>>(),
        &batch.iter().map(|s| s.response.as_str()).collect::<Vec<_>>() as &[&str],
        &batch.iter().map(|s| s.error.as_deref()).collect::<Vec<_>>() as &[Option<&str>],
    )
    .execute(&mut *tx)
    .await?;
    let status: Vec<&str> = batch
        .iter()
        .map(|s| match s.outcome {
            Outcome::Delivered => "delivered",
            Outcome::Retry(_) => "pending",
            Outcome::Failed | Outcome::Gone => "failed",
        })
        .collect();
    let delay: Vec<Option<f64>> = batch
        .iter()
        .map(|s| match s.outcome {
            Outcome::Retry(d) => Some(d.as_secs_f64()),
            _ => None,
        })
        .collect();
    // Only the claim that made this attempt settles it: if its lease lapsed and another
    // sender claimed the message again, that sender's attempt settles it.
    sqlx::query!(
        "UPDATE webhook_messages m SET status = r.status,
            next_attempt_at = CASE WHEN r.delay IS NULL THEN m.next_attempt_at
                                   ELSE now() + make_interval(secs => r.delay) END,
            last_attempt_at = r.started, last_status = r.code
         FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::float8[], $5::timestamptz[], $6::int[])
              AS r(id, attempt, status, delay, started, code)
         WHERE m.id = r.id AND m.attempts = r.attempt AND m.status = 'pending'",
        &batch.iter().map(|s| s.id).collect::<Vec<_>>(),
        &batch.iter().map(|s| s.attempt).collect::<Vec<_>>(),
        &status as &[&str],
        &delay as &[Option<f64>],
        &batch.iter().map(|s| s.started_at).collect::<Vec<_>>(),
        &batch.iter().map(|s| s.status_code).collect::<Vec<_>>() as &[Option<i32>],
    )
    .execute(&mut *tx)
    .await?;

    let mut fared: HashMap<i64, Fared> = HashMap::new();
    for s in batch {
        let f = fared.entry(s.endpoint_id).or_default();
        if s.outcome == Outcome::Delivered {
            f.delivered_last = true;
            f.failing_from = None;
        } else {
            f.delivered_last = false;
            f.failing_from.get_or_insert(s.started_at);
            f.gone |= s.outcome == Outcome::Gone;
        }
    }
    let ids: Vec<i64> = fared.keys().copied().collect();
    let ok: Vec<bool> = ids.iter().map(|i| fared[i].delivered_last).collect();
    let from: Vec<Option<OffsetDateTime>> = ids.iter().map(|i| fared[i].failing_from).collect();
    // Only rows whose record changes are written: a delivery to a healthy endpoint writes
    // nothing here.
    sqlx::query!(
        "UPDATE webhook_endpoints e
         SET failing_since = CASE WHEN r.ok THEN NULL ELSE COALESCE(e.failing_since, r.since) END
         FROM UNNEST($1::bigint[], $2::bool[], $3::timestamptz[]) AS r(id, ok, since)
         WHERE e.id = r.id AND (r.ok = (e.failing_since IS NOT NULL))",
        &ids,
        &ok,
        &from as &[Option<OffsetDateTime>],
    )
    .execute(&mut *tx)
    .await?;
    let gone: Vec<i64> = ids.iter().copied().filter(|i| fared[i].gone).collect();
    let failing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|i| !fared[i].delivered_last)
        .collect();
    let disabled = sqlx::query!(
        r#"UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), updated_at = now(),
              disabled_reason = CASE WHEN id = ANY($1) THEN 'gone' ELSE 'failing' END
           WHERE enabled AND (id = ANY($1)
                 OR (id = ANY($2) AND failing_since <= now() - make_interval(secs => $3)))
           RETURNING id, kind AS "kind: Kind", advertiser_id AS "advertiser_id: AdvertiserId",
                     promoter_id AS "promoter_id: PromoterId", disabled_reason AS "reason!""#,
        &gone,
        &failing,
        disable_after.as_secs_f64(),
    )
    .fetch_all(&mut *tx)
    .await?;
    let events: Vec<EndpointDisabled> = disabled
        .iter()
        .map(|d| EndpointDisabled {
            endpoint_id: d.id,
            kind: d.kind.as_str().to_owned(),
            advertiser_id: d.advertiser_id,
            promoter_id: d.promoter_id,
            reason: d.reason.clone(),
        })
        .collect();
    events::record_all(&mut tx, EventKind::WebhookEndpointDisabled, &events).await?;
    tx.commit().await?;
    Ok(disabled.into_iter().map(|d| d.id).collect())
}

/// Deletes up to `limit` settled messages (with their attempts) made before `retention` ago;
/// returns how many.
pub(crate) async fn prune(
    db: &PgPool,
    retention: Duration,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM webhook_messages WHERE id IN (
             SELECT id FROM webhook_messages
             WHERE status <> 'pending' AND created_at < now() - make_interval(secs => $1)
             LIMIT $2)",
        retention.as_secs_f64(),
        limit,
    )
    .execute(db)
    .await?
    .rows_affected())
}
