//! Rotating refresh tokens with reuse detection (see the accounts migration).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::kernel::UserId;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Issues a token for `user_id`, in `family` (or a new family); returns the token.
pub(crate) async fn issue(
    pool: &PgPool,
    user_id: UserId,
    family: Option<Uuid>,
    ttl: std::time::Duration,
) -> sqlx::Result<String> {
    let token = format!(
        "afr_{}",
        URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>())
    );
    sqlx::query!(
        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        family.unwrap_or_else(Uuid::now_v7),
        user_id.0,
        hash(&token),
        OffsetDateTime::now_utc() + ttl,
    )
    .execute(pool)
    .await?;
    Ok(token)
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub(crate) enum Refreshed {
    /// The token was good: here is its successor, for this user.
    Rotated {
        /// The user.
        user_id: UserId,
        /// The next token.
        token: String,
    },
    /// The token had been used or revoked already: its family is now revoked.
    Reused,
    /// No such token, or expired.
    Invalid,
}

struct TokenRow {
    id: Uuid,
    family_id: Uuid,
    user_id: UserId,
    expires_at: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

/// Uses a refresh token once.
///
/// Every use takes a lock on the token's family first, so a reuse and a rotation in the same
/// family never interleave: a reuse revokes every token the family has, including one a
/// concurrent rotation just issued, and a rotation refuses a family that has been revoked.
pub(crate) async fn rotate(
    pool: &PgPool,
    token: &str,
    ttl: std::time::Duration,
) -> sqlx::Result<Refreshed> {
    let token_hash = hash(token);
    let Some(family) = sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1",
        token_hash.as_slice()
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(Refreshed::Invalid);
    };
    let mut tx = pool.begin().await?;
    lock_family(&mut tx, family).await?;
    let row = sqlx::query_as!(
        TokenRow,
        r#"SELECT id, family_id, user_id AS "user_id: UserId", expires_at, used_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE"#,
        token_hash.as_slice()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(TokenRow {
        id,
        family_id: family,
        user_id,
        expires_at,
        used_at,
        revoked_at,
    }) = row
    else {
        return Ok(Refreshed::Invalid);
    };
    let family_revoked = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL)
            AS "revoked!""#,
        family
    )
    .fetch_one(&mut *tx)
    .await?;
    if used_at.is_some() || revoked_at.is_some() || family_revoked {
        revoke(&mut tx, family).await?;
        tx.commit().await?;
        return Ok(Refreshed::Reused);
    }
    if expires_at <= OffsetDateTime::now_utc() {
        return Ok(Refreshed::Invalid);
    }
    sqlx::query!(
        "UPDATE refresh_tokens SET used_at = now() WHERE id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    let next = format!(
        "afr_{}",
        URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>())
    );
    sqlx::query!(
        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        family,
        user_id.0,
        hash(&next),
        OffsetDateTime::now_utc() + ttl,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Refreshed::Rotated {
        user_id,
        token: next,
    })
}

/// Revokes the family of `token` (logout); false if the token is unknown. Takes the family
/// lock like [`rotate`], so a successor issued concurrently is revoked too.
pub(crate) async fn revoke_family(pool: &PgPool, token: &str) -> sqlx::Result<bool> {
    let Some(family) = sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1",
        hash(token)
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(false);
    };
    let mut tx = pool.begin().await?;
    lock_family(&mut tx, family).await?;
    revoke(&mut tx, family).await?;
    tx.commit().await?;
    Ok(true)
}

/// Revokes every session of `user_id` ("log out everywhere"); returns how many live
/// families were ended (see [`revoke_all_for_user`]).
pub(crate) async fn revoke_all(pool: &PgPool, user_id: UserId) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let ended = revoke_all_for_user(&mut tx, user_id, None).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Takes the family's lock until the transaction ends.
async fn lock_family(tx: &mut sqlx::PgConnection, family: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))",
        family.to_string()
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Revokes every token of the family not revoked yet.
async fn revoke(tx: &mut sqlx::PgConnection, family: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
        family
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The family of `token` when it is one of `user_id`'s tokens (used, revoked or expired
/// alike): the session a request names.
pub(crate) async fn family_of(
    pool: &PgPool,
    token: &str,
    user_id: UserId,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2",
        hash(token),
        user_id.0
    )
    .fetch_optional(pool)
    .await
}

/// Revokes every family of `user_id` but `keep` (every one when `None`), in the caller's
/// transaction; returns how many families were live (families whose tokens have all
/// expired are left as they are: they can no longer be used). Each family's lock is taken first, in
/// id order (so two of these never deadlock), as [`rotate`] does: a rotation running now
/// either finished before (and its new token is revoked here) or waits and then finds its
/// family revoked.
pub(crate) async fn revoke_all_for_user(
    tx: &mut sqlx::PgConnection,
    user_id: UserId,
    keep: Option<Uuid>,
) -> sqlx::Result<u64> {
    let families = sqlx::query_scalar!(
        r#"SELECT DISTINCT family_id AS "family_id!" FROM refresh_tokens
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
           AND family_id IS DISTINCT FROM $2
         ORDER BY 1"#,
        user_id.0,
        keep
    )
    .fetch_all(&mut *tx)
    .await?;
    for family in &families {
        lock_family(&mut *tx, *family).await?;
        revoke(&mut *tx, *family).await?;
    }
    Ok(families.len() as u64)
}
