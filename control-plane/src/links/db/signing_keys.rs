//! Link signing keys, encrypted at rest (see the signing_keys migration and `crypto`).

use afftok_shared::Keyset;
use afftok_shared::link::SECRET_LEN;
use rand::Rng as _;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::kernel::crypto;
use crate::kernel::{Kid, Mode};

/// Largest kid: kids fit one varint byte, so every link fits in 64 characters.
pub const MAX_KID: Kid = Kid(127);

/// A key's metadata (never its secret).
#[derive(Debug, Clone)]
pub struct SigningKeyRow {
    /// Key id.
    pub kid: Kid,
    /// Signs new links.
    pub active: bool,
    /// `live`, or `test`: its links are test links, their clicks sandbox traffic.
    pub mode: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last made active.
    pub activated_at: Option<OffsetDateTime>,
    /// Revoked: its links are refused.
    pub revoked_at: Option<OffsetDateTime>,
}

/// Why a key could not be created, activated or revoked.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Every kid a link can carry is taken.
    #[error("kids 1 to {MAX_KID} are all used")]
    NoKidLeft,
    /// No key has this kid.
    #[error("no such signing key")]
    NotFound,
    /// A test key signs test links only; it is never the active key.
    #[error("kid {0} is a test key: it signs test links only and cannot become active")]
    TestKey(Kid),
    /// The active key cannot be revoked: links must always have a key to be signed with.
    #[error("kid {0} signs new links: rotate to a new key before revoking it")]
    Active(Kid),
    /// A revoked key cannot sign again.
    #[error("kid {0} is revoked and cannot sign links again")]
    Revoked(Kid),
    /// The new secret could not be encrypted.
    #[error("{0}")]
    Seal(String),
    /// The database failed.
    #[error("database")]
    Db(#[from] sqlx::Error),
}

/// Why the stored keys could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A stored key does not decrypt with the key-encryption key, or is not a usable key.
    #[error("{0}")]
    Unusable(String),
    /// The database failed.
    #[error("database")]
    Db(#[from] sqlx::Error),
}

/// A key row: the one column list every statement returns, between `$head` (up to `SELECT` or
/// `RETURNING`) and `$rest`.
macro_rules! key_row {
    ($head:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            SigningKeyRow,
            $head + r#" kid AS "kid: Kid", active, mode, created_at, activated_at, revoked_at "# + $rest
            $(, $arg)*
        )
    };
}

/// Every key, by kid.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<SigningKeyRow>> {
    key_row!("SELECT", "FROM signing_keys ORDER BY kid")
        .fetch_all(pool)
        .await
}

/// Creates a key with the next kid; a live key becomes active if `activate` or if no key is
/// active. A test key is never active: test links are signed with the newest test key.
pub async fn create(
    pool: &PgPool,
    kek: &[u8; 32],
    activate: bool,
    mode: Mode,
) -> Result<SigningKeyRow, ChangeError> {
    let mut tx = pool.begin().await?;
    // Serialize creators so two never pick the same kid.
    lock(&mut tx).await?;
    let row = insert(&mut tx, kek, activate, mode).await?;
    tx.commit().await?;
    Ok(row)
}

/// Inserts a key under the table's lock.
async fn insert(
    tx: &mut sqlx::PgConnection,
    kek: &[u8; 32],
    activate: bool,
    mode: Mode,
) -> Result<SigningKeyRow, ChangeError> {
    let kid =
        sqlx::query_scalar!(r#"SELECT coalesce(max(kid), 0) + 1 AS "kid!: Kid" FROM signing_keys"#)
            .fetch_one(&mut *tx)
            .await?;
    if kid > MAX_KID {
        return Err(ChangeError::NoKidLeft);
    }
    let secret: [u8; SECRET_LEN] = rand::rng().random();
    let (nonce, ciphertext) = crypto::seal(kek, kid.0, &secret).map_err(ChangeError::Seal)?;
    let none_active = sqlx::query_scalar!(
        r#"SELECT NOT EXISTS (SELECT 1 FROM signing_keys WHERE active) AS "none_active!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let active = mode == Mode::Live && (activate || none_active);
    if active {
        deactivate(&mut *tx).await?;
    }
    let row = key_row!(
        "INSERT INTO signing_keys (kid, nonce, ciphertext, active, activated_at, mode)
         VALUES ($1, $2, $3, $4, CASE WHEN $4 THEN now() END, $5)
         RETURNING",
        "",
        kid.0,
        nonce,
        ciphertext,
        active,
        mode.as_str()
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(row)
}

/// The kid test links are signed with: the newest test key not revoked, created now (and
/// pushed to the edges by the outbox, like every key change) when there is none.
pub async fn test_kid(pool: &PgPool, kek: &[u8; 32]) -> Result<Kid, ChangeError> {
    if let Some(kid) = newest_test_kid(pool).await? {
        return Ok(kid);
    }
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    // Another request may have created it while this one waited for the lock.
    if let Some(kid) = newest_test_kid(&mut *tx).await? {
        return Ok(kid);
    }
    let row = insert(&mut tx, kek, false, Mode::Test).await?;
    tx.commit().await?;
    Ok(row.kid)
}

async fn newest_test_kid(executor: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Option<Kid>> {
    sqlx::query_scalar!(
        r#"SELECT kid AS "kid: Kid" FROM signing_keys
         WHERE mode = 'test' AND revoked_at IS NULL ORDER BY kid DESC LIMIT 1"#
    )
    .fetch_optional(executor)
    .await
}

/// Which of `kids` are test kids (their links' clicks are sandbox traffic).
pub async fn test_kids_among(
    executor: impl sqlx::PgExecutor<'_>,
    kids: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT kid FROM signing_keys WHERE mode = 'test' AND kid = ANY($1)",
        kids
    )
    .fetch_all(executor)
    .await
}

/// Revokes a key. The active key cannot be revoked (rotate first): links must always have a
/// key to be signed with.
pub async fn revoke(pool: &PgPool, kid: Kid) -> Result<SigningKeyRow, ChangeError> {
    let row = key_row!("SELECT", "FROM signing_keys WHERE kid = $1", kid.0)
        .fetch_optional(pool)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if row.active {
        return Err(ChangeError::Active(kid));
    }
    Ok(key_row!(
        "UPDATE signing_keys SET revoked_at = coalesce(revoked_at, now()) WHERE kid = $1
         RETURNING",
        "",
        kid.0
    )
    .fetch_one(pool)
    .await?)
}

/// A stored key with its encrypted secret.
struct SealedKey {
    kid: Kid,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
    active: bool,
    revoked_at: Option<OffsetDateTime>,
}

/// Every key with its encrypted secret, by kid.
async fn sealed(executor: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<SealedKey>> {
    sqlx::query_as!(
        SealedKey,
        r#"SELECT kid AS "kid: Kid", nonce, ciphertext, active, revoked_at
        FROM signing_keys ORDER BY kid"#
    )
    .fetch_all(executor)
    .await
}

/// A kid as links carry it.
fn link_kid(kid: Kid) -> Result<u64, OpenError> {
    u64::try_from(kid.0).map_err(|e| OpenError::Unusable(e.to_string()))
}

/// Every key decrypted into a keyset (revoked kids marked), and the active kid.
pub async fn keyset(pool: &PgPool, kek: &[u8; 32]) -> Result<(Keyset, Option<Kid>), OpenError> {
    let mut keyset = Keyset::new();
    let mut active = None;
    for SealedKey {
        kid,
        nonce,
        ciphertext,
        active: is_active,
        revoked_at,
    } in sealed(pool).await?
    {
        let secret = crypto::open(kek, kid.0, &nonce, &ciphertext).map_err(OpenError::Unusable)?;
        let uid = link_kid(kid)?;
        keyset
            .insert(uid, &secret)
            .map_err(|e| OpenError::Unusable(e.to_string()))?;
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
) -> Result<Option<afftok_shared::kv::KeysDoc>, OpenError> {
    let rows = sealed(executor).await?;
    let Some(active) = rows.iter().find(|r| r.active).map(|r| r.kid) else {
        return Ok(None);
    };
    let mut doc = afftok_shared::kv::KeysDoc::new(link_kid(active)?);
    for row in rows {
        let kid = link_kid(row.kid)?;
        if row.revoked_at.is_some() {
            doc.revoked.push(kid);
        } else {
            let secret = crypto::open(kek, row.kid.0, &row.nonce, &row.ciphertext)
                .map_err(OpenError::Unusable)?;
            doc.add_key(kid, &secret);
        }
    }
    Ok(Some(doc))
}

/// Makes `kid` the key new links are signed with.
pub async fn activate(pool: &PgPool, kid: Kid) -> Result<SigningKeyRow, ChangeError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let row = key_row!("SELECT", "FROM signing_keys WHERE kid = $1", kid.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(ChangeError::Revoked(kid));
    }
    if row.mode == Mode::Test.as_str() {
        return Err(ChangeError::TestKey(kid));
    }
    if row.active {
        return Ok(row);
    }
    deactivate(&mut tx).await?;
    let row = key_row!(
        "UPDATE signing_keys SET active = true, activated_at = now() WHERE kid = $1
         RETURNING",
        "",
        kid.0
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Takes the table's lock (against other creators and activators) until the transaction ends.
async fn lock(tx: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    sqlx::query!("LOCK TABLE signing_keys IN EXCLUSIVE MODE")
        .execute(tx)
        .await?;
    Ok(())
}

/// No key is active any more (within the transaction that makes another active).
async fn deactivate(tx: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    sqlx::query!("UPDATE signing_keys SET active = false WHERE active")
        .execute(tx)
        .await?;
    Ok(())
}
