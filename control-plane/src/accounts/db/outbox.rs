//! The mail outbox (see the account email migration): mails are written in the transaction
//! of the token they carry and sent later by the mail job (`accounts::mail`).
//!
//! A job claims due mails by moving their next attempt a lease ahead, in a short transaction
//! (`FOR UPDATE SKIP LOCKED`, so two control planes never claim the same mail), then sends
//! them with no transaction open: a transaction held across a slow SMTP server would hold
//! back the domain events of every other transaction meanwhile. A job that dies while
//! sending leaves the mail to be claimed again when the lease ends.

use std::time::Duration;

use sqlx::{PgConnection, PgPool};

/// A mail to send.
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// Its row.
    pub(crate) id: i64,
    /// The address it goes to.
    pub(crate) recipient: String,
    /// Subject.
    pub(crate) subject: String,
    /// Plain text body (holds a link with a token).
    pub(crate) body: String,
    /// Attempts so far, this one included.
    pub(crate) attempts: i32,
}

/// Writes a mail to the outbox, due now.
pub(crate) async fn enqueue(
    tx: &mut PgConnection,
    recipient: &str,
    subject: &str,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)",
        recipient,
        subject,
        body
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Claims up to `limit` due mails for `lease` (counting an attempt for each), oldest due
/// first.
pub(crate) async fn claim(
    pool: &PgPool,
    limit: i64,
    lease: Duration,
) -> sqlx::Result<Vec<Outgoing>> {
    sqlx::query_as!(
        Outgoing,
        r#"UPDATE mail_outbox m
         SET attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         FROM (SELECT id FROM mail_outbox
               WHERE sent_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= now()
               ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) due
         WHERE m.id = due.id
         RETURNING m.id, m.recipient, m.subject, m.body AS "body!", m.attempts"#,
        limit,
        lease.as_secs_f64(),
    )
    .fetch_all(pool)
    .await
}

/// The mail went out: its body (and the token in it) is erased.
pub(crate) async fn sent(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE mail_outbox SET sent_at = now(), body = NULL, last_error = NULL
         WHERE id = $1 AND sent_at IS NULL",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The attempt failed: tried again after `pause`, unless the mail is older than `give_up_after`
/// (or `permanent`), in which case it is given up and its body erased. Returns whether it
/// was given up.
pub(crate) async fn failed(
    pool: &PgPool,
    id: i64,
    error: &str,
    pause: Duration,
    give_up_after: Duration,
    permanent: bool,
) -> sqlx::Result<bool> {
    let given_up = sqlx::query_scalar!(
        r#"UPDATE mail_outbox SET
           last_error = $2,
           given_up_at = CASE WHEN $5 OR created_at <= now() - make_interval(secs => $4)
                         THEN now() END,
           body = CASE WHEN $5 OR created_at <= now() - make_interval(secs => $4)
                  THEN NULL ELSE body END,
           next_attempt_at = now() + make_interval(secs => $3)
         WHERE id = $1 AND sent_at IS NULL AND given_up_at IS NULL
         RETURNING given_up_at IS NOT NULL AS "given_up!""#,
        id,
        error,
        pause.as_secs_f64(),
        give_up_after.as_secs_f64(),
        permanent,
    )
    .fetch_optional(pool)
    .await?;
    Ok(given_up.unwrap_or(false))
}

/// Gives up every unsent mail older than `give_up_after` (those no attempt reached in time,
/// with mail disabled: their links must not wait in the database); returns how many.
pub(crate) async fn give_up_stale(pool: &PgPool, give_up_after: Duration) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE mail_outbox SET given_up_at = now(), body = NULL,
           last_error = coalesce(last_error, 'not sent in time (is mail configured?)')
         WHERE sent_at IS NULL AND given_up_at IS NULL
           AND created_at <= now() - make_interval(secs => $1)",
        give_up_after.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes the rows of mails sent or given up more than `keep` ago; returns how many.
pub(crate) async fn forget_old(pool: &PgPool, keep: Duration) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "DELETE FROM mail_outbox
         WHERE coalesce(sent_at, given_up_at) < now() - make_interval(secs => $1)",
        keep.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
