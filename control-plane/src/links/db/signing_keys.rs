//! Link signing keys, encrypted at rest (see the signing_keys migration and `crypto`).

use afftok_shared::Keyset;
use afftok_shared::link::SECRET_LEN;
use rand::Rng as _;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;

use crate::kernel::crypto;
use crate::kernel::error::ApiError;

/// Largest kid: kids fit one varint byte, so every link fits in 64 characters.
pub const MAX_KID: i64 = 127;

/// A key's metadata (never its secret).
#[derive(Debug, Clone, FromRow)]
pub struct SigningKeyRow {
    /// Key id.
    pub kid: i64,
    /// Signs new links.
    pub active: bool,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last made active.
    pub activated_at: Option<OffsetDateTime>,
    /// Revoked: its links are refused.
    pub revoked_at: Option<OffsetDateTime>,
}

/// Every key, by kid.
pub async fn list(pool: &PgPool) -> Result<Vec<SigningKeyRow>, ApiError> {
    Ok(sqlx::query_as::<_, SigningKeyRow>(
        "SELECT kid, active, created_at, activated_at, revoked_at FROM signing_keys ORDER BY kid",
    )
    .fetch_all(pool)
    .await?)
}

/// Creates a key with the next kid; it becomes active if `activate` or if no key is active.
pub async fn create(
    pool: &PgPool,
    kek: &[u8; 32],
    activate: bool,
) -> Result<SigningKeyRow, ApiError> {
    let mut tx = pool.begin().await?;
    // Serialize creators so two never pick the same kid.
    sqlx::query("LOCK TABLE signing_keys IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let kid: i64 = sqlx::query_scalar("SELECT coalesce(max(kid), 0) + 1 FROM signing_keys")
        .fetch_one(&mut *tx)
        .await?;
    if kid > MAX_KID {
        return Err(ApiError::conflict(
            "no_kid_left",
            format!("kids 1 to {MAX_KID} are all used"),
        ));
    }
    let secret: [u8; SECRET_LEN] = rand::rng().random();
    let (nonce, ciphertext) = crypto::seal(kek, kid, &secret).map_err(ApiError::internal)?;
    let none_active: bool =
        sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM signing_keys WHERE active)")
            .fetch_one(&mut *tx)
            .await?;
    let active = activate || none_active;
    if active {
        sqlx::query("UPDATE signing_keys SET active = false WHERE active")
            .execute(&mut *tx)
            .await?;
    }
    let row = sqlx::query_as::<_, SigningKeyRow>(
        "INSERT INTO signing_keys (kid, nonce, ciphertext, active, activated_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $4 THEN now() END)
         RETURNING kid, active, created_at, activated_at, revoked_at",
    )
    .bind(kid)
    .bind(nonce)
    .bind(ciphertext)
    .bind(active)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Revokes a key. The active key cannot be revoked (rotate first): links must always have a
/// key to be signed with.
pub async fn revoke(pool: &PgPool, kid: i64) -> Result<SigningKeyRow, ApiError> {
    let row = sqlx::query_as::<_, SigningKeyRow>(
        "SELECT kid, active, created_at, activated_at, revoked_at FROM signing_keys WHERE kid = $1",
    )
    .bind(kid)
    .fetch_optional(pool)
    .await?
    .ok_or(ApiError::NotFound("signing key"))?;
    if row.active {
        return Err(ApiError::conflict(
            "key_active",
            format!("kid {kid} signs new links: rotate to a new key before revoking it"),
        ));
    }
    Ok(sqlx::query_as::<_, SigningKeyRow>(
        "UPDATE signing_keys SET revoked_at = coalesce(revoked_at, now()) WHERE kid = $1
         RETURNING kid, active, created_at, activated_at, revoked_at",
    )
    .bind(kid)
    .fetch_one(pool)
    .await?)
}

#[derive(FromRow)]
struct SealedKey {
    kid: i64,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
    active: bool,
    revoked_at: Option<OffsetDateTime>,
}

/// Every key decrypted into a keyset (revoked kids marked), and the active kid.
pub async fn keyset(pool: &PgPool, kek: &[u8; 32]) -> Result<(Keyset, Option<i64>), ApiError> {
    let rows = sqlx::query_as::<_, SealedKey>(
        "SELECT kid, nonce, ciphertext, active, revoked_at FROM signing_keys ORDER BY kid",
    )
    .fetch_all(pool)
    .await?;
    let mut keyset = Keyset::new();
    let mut active = None;
    for SealedKey {
        kid,
        nonce,
        ciphertext,
        active: is_active,
        revoked_at,
    } in rows
    {
        let secret = crypto::open(kek, kid, &nonce, &ciphertext).map_err(ApiError::internal)?;
        let uid = u64::try_from(kid).map_err(ApiError::internal)?;
        keyset.insert(uid, &secret).map_err(ApiError::internal)?;
        if revoked_at.is_some() {
            keyset.revoke(uid);
        }
        if is_active {
            active = Some(kid);
        }
    }
    Ok((keyset, active))
}

/// The edge's `keys` entry (DESIGN §5): the secrets of every key not revoked, the revoked
/// kids (their secrets never leave the database again) and the active kid. `None` while no
/// key is active: the edge then refuses every link.
pub async fn edge_document(
    executor: impl sqlx::PgExecutor<'_>,
    kek: &[u8; 32],
) -> Result<Option<afftok_shared::kv::KeysDoc>, ApiError> {
    let rows = sqlx::query_as::<_, SealedKey>(
        "SELECT kid, nonce, ciphertext, active, revoked_at FROM signing_keys ORDER BY kid",
    )
    .fetch_all(executor)
    .await?;
    let Some(active) = rows.iter().find(|r| r.active).map(|r| r.kid) else {
        return Ok(None);
    };
    let mut doc =
        afftok_shared::kv::KeysDoc::new(u64::try_from(active).map_err(ApiError::internal)?);
    for row in rows {
        let kid = u64::try_from(row.kid).map_err(ApiError::internal)?;
        if row.revoked_at.is_some() {
            doc.revoked.push(kid);
        } else {
            let secret = crypto::open(kek, row.kid, &row.nonce, &row.ciphertext)
                .map_err(ApiError::internal)?;
            doc.add_key(kid, &secret);
        }
    }
    Ok(Some(doc))
}

/// Makes `kid` the key new links are signed with.
pub async fn activate(pool: &PgPool, kid: i64) -> Result<SigningKeyRow, ApiError> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE signing_keys IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query_as::<_, SigningKeyRow>(
        "SELECT kid, active, created_at, activated_at, revoked_at FROM signing_keys WHERE kid = $1",
    )
    .bind(kid)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("signing key"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::conflict(
            "key_revoked",
            format!("kid {kid} is revoked and cannot sign links again"),
        ));
    }
    if row.active {
        return Ok(row);
    }
    sqlx::query("UPDATE signing_keys SET active = false WHERE active")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query_as::<_, SigningKeyRow>(
        "UPDATE signing_keys SET active = true, activated_at = now() WHERE kid = $1
         RETURNING kid, active, created_at, activated_at, revoked_at",
    )
    .bind(kid)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}
