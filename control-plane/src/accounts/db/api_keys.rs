//! API keys (see the api_keys migration). Every query is scoped to the owning user.

use sqlx::PgPool;
use subtle::ConstantTimeEq as _;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::Scope;
use crate::accounts::api_key;
use crate::accounts::db::users::{self, UserRow};
use crate::events::catalogue::ApiKeyChanged;
use crate::events::{self, EventKind};
use crate::kernel::{ApiKeyId, Mode, UserId};

/// A stored key (never its secret).
#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    /// Id.
    pub id: ApiKeyId,
    /// Owner.
    pub user_id: UserId,
    /// Label.
    pub name: String,
    /// `afk_live_<public>` or `afk_test_<public>`.
    pub prefix: String,
    /// SHA-256 of the whole key.
    pub key_hash: Vec<u8>,
    /// What it may do (stored as the scopes' names).
    pub scopes: Vec<Scope>,
    /// `live` or `test`.
    pub mode: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last authenticated a request (updated at most once a minute).
    pub last_used_at: Option<OffsetDateTime>,
    /// When it stops working (set by rotation).
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// Its successor after a rotation.
    pub replaced_by: Option<ApiKeyId>,
    /// The networks it may be used from (CIDR text); empty: anywhere.
    pub ip_allow: Vec<String>,
}

impl ApiKeyRow {
    /// Whether the key authenticates at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// Why a key could not be rotated.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// The key has a successor already: only the newest key of a line rotates.
    #[error("this key was rotated already: rotate its successor instead")]
    AlreadyRotated,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A key row: the one column list every statement returns, between `$head` (up to `SELECT` or
/// `RETURNING`) and `$rest`.
macro_rules! key_row {
    ($head:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            ApiKeyRow,
            $head + r#" id AS "id: ApiKeyId", user_id AS "user_id: UserId", name, prefix,
                key_hash, scopes AS "scopes: Vec<Scope>", mode, created_at, last_used_at, expires_at,
                revoked_at, replaced_by AS "replaced_by: ApiKeyId", ip_allow "# + $rest
            $(, $arg)*
        )
    };
}

/// What a new key is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewKey<'a> {
    /// Label.
    pub name: &'a str,
    /// What it may do.
    pub scopes: &'a [Scope],
    /// Live or test.
    pub mode: Mode,
    /// The networks it may be used from (CIDR text); empty: anywhere.
    pub ip_allow: &'a [String],
}

async fn insert(
    executor: impl sqlx::PgExecutor<'_>,
    user_id: UserId,
    key: NewKey<'_>,
) -> sqlx::Result<(ApiKeyRow, String)> {
    let NewKey {
        name,
        scopes,
        mode,
        ip_allow,
    } = key;
    let new = api_key::generate(mode);
    let scope_names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let row = key_row!(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, mode, ip_allow)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING",
        "",
        Uuid::now_v7(),
        user_id.0,
        name,
        new.prefix,
        new.hash.as_slice(),
        scope_names.as_slice(),
        mode.as_str(),
        ip_allow,
    )
    .fetch_one(executor)
    .await?;
    Ok((row, new.key))
}

/// Creates a key; returns it with its secret (shown once).
pub(crate) async fn create(
    pool: &PgPool,
    user_id: UserId,
    new: NewKey<'_>,
) -> sqlx::Result<(ApiKeyRow, String)> {
    let mut tx = pool.begin().await?;
    let (row, key) = insert(&mut *tx, user_id, new).await?;
    record(&mut tx, EventKind::ApiKeyCreated, &row, None).await?;
    tx.commit().await?;
    Ok((row, key))
}

async fn record(
    tx: &mut sqlx::PgConnection,
    kind: EventKind,
    key: &ApiKeyRow,
    replaces: Option<(ApiKeyId, OffsetDateTime)>,
) -> sqlx::Result<()> {
    let change = ApiKeyChanged {
        key_id: key.id,
        user_id: key.user_id,
        replaces: replaces.map(|(id, _)| id),
        grace_until: replaces.map(|(_, until)| until),
    };
    events::record(tx, kind, &change).await
}

/// The user's keys, newest first.
pub(crate) async fn list(pool: &PgPool, user_id: UserId) -> sqlx::Result<Vec<ApiKeyRow>> {
    key_row!(
        "SELECT",
        "FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        user_id.0
    )
    .fetch_all(pool)
    .await
}

/// Rotates one of the user's live keys: a successor with the same name and scopes is
/// created, and the old key expires after `grace`. `None` if there is no such live key.
pub(crate) async fn rotate(
    pool: &PgPool,
    user_id: UserId,
    id: ApiKeyId,
    grace: Duration,
) -> Result<Option<(ApiKeyRow, String)>, RotateError> {
    let mut tx = pool.begin().await?;
    let old = locked(&mut tx, user_id, id).await?;
    let now = OffsetDateTime::now_utc();
    let Some(old) = old.filter(|k| k.is_live(now)) else {
        return Ok(None);
    };
    if old.replaced_by.is_some() {
        return Err(RotateError::AlreadyRotated);
    }
    let mode = Mode::from_stored(&old.mode);
    let successor = NewKey {
        name: &old.name,
        scopes: &old.scopes,
        mode,
        ip_allow: &old.ip_allow,
    };
    let (new, key) = insert(&mut *tx, user_id, successor).await?;
    let expires = match old.expires_at {
        Some(at) if at < now + grace => at,
        _ => now + grace,
    };
    sqlx::query!(
        "UPDATE api_keys SET expires_at = $2, replaced_by = $3 WHERE id = $1",
        id.0,
        expires,
        new.id.0
    )
    .execute(&mut *tx)
    .await?;
    record(&mut tx, EventKind::ApiKeyRotated, &new, Some((id, expires))).await?;
    tx.commit().await?;
    Ok(Some((new, key)))
}

/// What changing a key's networks found.
#[derive(Debug)]
pub(crate) enum IpAllowChange {
    /// Changed: the key now.
    Changed(Box<ApiKeyRow>),
    /// The key is revoked: nothing changed.
    Revoked,
    /// The user has no such key.
    Missing,
}

/// One of the user's keys, locked until the transaction ends (none: the user has no such key).
async fn locked(
    tx: &mut sqlx::PgConnection,
    user_id: UserId,
    id: ApiKeyId,
) -> sqlx::Result<Option<ApiKeyRow>> {
    key_row!(
        "SELECT",
        "FROM api_keys WHERE id = $1 AND user_id = $2 FOR UPDATE",
        id.0,
        user_id.0
    )
    .fetch_optional(tx)
    .await
}

/// Sets the networks one of the user's keys may be used from (not a revoked one's).
pub(crate) async fn set_ip_allow(
    pool: &PgPool,
    user_id: UserId,
    id: ApiKeyId,
    ip_allow: &[String],
) -> sqlx::Result<IpAllowChange> {
    let mut tx = pool.begin().await?;
    let Some(current) = locked(&mut tx, user_id, id).await? else {
        return Ok(IpAllowChange::Missing);
    };
    if current.revoked_at.is_some() {
        return Ok(IpAllowChange::Revoked);
    }
    let row = key_row!(
        "UPDATE api_keys SET ip_allow = $2 WHERE id = $1 RETURNING",
        "",
        id.0,
        ip_allow
    )
    .fetch_one(&mut *tx)
    .await?;
    record(&mut tx, EventKind::ApiKeyUpdated, &row, None).await?;
    tx.commit().await?;
    Ok(IpAllowChange::Changed(Box::new(row)))
}

/// Revokes one of the user's keys at once; false if there is no such key.
pub(crate) async fn revoke(pool: &PgPool, user_id: UserId, id: ApiKeyId) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let Some(row) = locked(&mut tx, user_id, id).await? else {
        return Ok(false);
    };
    if row.revoked_at.is_none() {
        sqlx::query!("UPDATE api_keys SET revoked_at = now() WHERE id = $1", id.0)
            .execute(&mut *tx)
            .await?;
        record(&mut tx, EventKind::ApiKeyRevoked, &row, None).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The live key `key` and its user, if the key is valid.
pub async fn authenticate(pool: &PgPool, key: &str) -> sqlx::Result<Option<(ApiKeyRow, UserRow)>> {
    let Some(prefix) = api_key::prefix_of(key) else {
        return Ok(None);
    };
    let row = key_row!("SELECT", "FROM api_keys WHERE prefix = $1", prefix)
        .fetch_optional(pool)
        .await?;
    let now = OffsetDateTime::now_utc();
    let Some(row) = row else {
        return Ok(None);
    };
    let matches: bool = row
        .key_hash
        .as_slice()
        .ct_eq(api_key::hash(key).as_slice())
        .into();
    if !matches || !row.is_live(now) {
        return Ok(None);
    }
    if row
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        sqlx::query!(
            "UPDATE api_keys SET last_used_at = now() WHERE id = $1",
            row.id.0
        )
        .execute(pool)
        .await?;
    }
    let Some(user) = users::by_id(pool, row.user_id).await? else {
        return Ok(None);
    };
    Ok(Some((row, user)))
}
