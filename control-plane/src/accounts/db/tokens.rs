//! Single-use tokens mailed in links (see the account email migration): issued with the mail
//! that carries them, spent once in the transaction that does what they allow.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::rules::mail::{TokenPurpose, new_token, token_hash};
use crate::kernel::UserId;

/// Issues a token for `user_id`; returns the token (only its hash is stored).
pub(crate) async fn issue(
    tx: &mut PgConnection,
    user_id: UserId,
    purpose: TokenPurpose,
    ttl: std::time::Duration,
) -> sqlx::Result<String> {
    let token = new_token();
    let hash = token_hash(&token).ok_or_else(|| sqlx::Error::Protocol("token hash".into()))?;
    sqlx::query!(
        "INSERT INTO account_tokens (id, user_id, purpose, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        user_id.0,
        purpose.as_str(),
        hash.as_slice(),
        OffsetDateTime::now_utc() + ttl,
    )
    .execute(tx)
    .await?;
    Ok(token)
}

/// The user a token would act for, if it is unused, unexpired and for `purpose`; spends
/// nothing (to refuse a dead link before doing costly work).
pub(crate) async fn peek(
    pool: &PgPool,
    token: &str,
    purpose: TokenPurpose,
) -> sqlx::Result<Option<UserId>> {
    let Some(hash) = token_hash(token) else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        r#"SELECT user_id AS "user_id: UserId" FROM account_tokens
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()"#,
        hash.as_slice(),
        purpose.as_str(),
    )
    .fetch_optional(pool)
    .await
}

/// Spends a token: the user it acts for, or `None` if it is unknown, expired, already used or
/// for another purpose. Of two concurrent spends of one token, one gets the user (the row is
/// updated once), so a link works once.
pub(crate) async fn spend(
    tx: &mut PgConnection,
    token: &str,
    purpose: TokenPurpose,
) -> sqlx::Result<Option<UserId>> {
    let Some(hash) = token_hash(token) else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        r#"UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id AS "user_id: UserId""#,
        hash.as_slice(),
        purpose.as_str(),
    )
    .fetch_optional(tx)
    .await
}

/// Spends every other live token of the user for `purpose` (a verified email needs no more
/// verification links; a new password makes older reset links void).
pub(crate) async fn spend_all(
    tx: &mut PgConnection,
    user_id: UserId,
    purpose: TokenPurpose,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE account_tokens SET used_at = now()
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        user_id.0,
        purpose.as_str(),
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Deletes the tokens that expired more than `keep` ago (used or not: none can act any more);
/// returns how many.
pub(crate) async fn forget_expired(pool: &PgPool, keep: std::time::Duration) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "DELETE FROM account_tokens WHERE expires_at < now() - make_interval(secs => $1)",
        keep.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
