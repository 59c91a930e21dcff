//! Postback keys (see the postback_keys migration). Scoped to the owning advertiser.

use afftok_shared::kv::{IpAllowList, postback_key_hash};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::catalogue::PostbackKeyChanged;
use crate::events::{self, EventKind};
use crate::kernel::error::ApiError;
use crate::kernel::{AdvertiserId, PostbackKeyId};

/// A stored key (never the key itself).
#[derive(Debug, Clone, FromRow)]
pub(crate) struct PostbackKeyRow {
    /// Id.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// First characters, to recognise it.
    pub prefix: String,
    /// Allowed networks.
    pub ip_allow: Vec<String>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, advertiser_id, name, prefix, ip_allow, created_at, revoked_at";

/// Creates a key; returns it with the key itself (shown once).
pub(crate) async fn create(
    pool: &PgPool,
    advertiser_id: i64,
    name: &str,
    ip_allow: &IpAllowList,
) -> Result<(PostbackKeyRow, String), ApiError> {
    let key = format!(
        "pbk_{}",
        URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 24]>())
    );
    let allow = ip_allow.entries();
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as::<_, PostbackKeyRow>(&format!(
        "INSERT INTO postback_keys (id, advertiser_id, name, prefix, key_hash, ip_allow)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(advertiser_id)
    .bind(name)
    .bind(&key[..10])
    .bind(postback_key_hash(&key).as_slice())
    .bind(allow)
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        EventKind::PostbackKeyCreated,
        row.id,
        advertiser_id,
    )
    .await?;
    tx.commit().await?;
    Ok((row, key))
}

/// The advertiser's keys, newest first.
pub(crate) async fn list(
    pool: &PgPool,
    advertiser_id: i64,
) -> Result<Vec<PostbackKeyRow>, ApiError> {
    Ok(sqlx::query_as::<_, PostbackKeyRow>(&format!(
        "SELECT {COLUMNS} FROM postback_keys WHERE advertiser_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(advertiser_id)
    .fetch_all(pool)
    .await?)
}

/// Revokes one of the advertiser's keys; false if there is no such key.
pub(crate) async fn revoke(pool: &PgPool, advertiser_id: i64, id: Uuid) -> Result<bool, ApiError> {
    let mut tx = pool.begin().await?;
    let Some(revoked) = sqlx::query_scalar::<_, bool>(
        "SELECT revoked_at IS NOT NULL FROM postback_keys WHERE id = $1 AND advertiser_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(advertiser_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    if !revoked {
        sqlx::query("UPDATE postback_keys SET revoked_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record(&mut tx, EventKind::PostbackKeyRevoked, id, advertiser_id).await?;
    }
    tx.commit().await?;
    Ok(true)
}

async fn record(
    tx: &mut sqlx::PgConnection,
    kind: EventKind,
    key_id: Uuid,
    advertiser_id: i64,
) -> Result<(), ApiError> {
    let change = PostbackKeyChanged {
        key_id: PostbackKeyId(key_id),
        advertiser_id: AdvertiserId(advertiser_id),
    };
    events::record(tx, kind, &change).await?;
    Ok(())
}
