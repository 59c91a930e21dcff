//! Postback keys (see the postback_keys migration). Scoped to the owning advertiser.

use afftok_shared::kv::{IpAllowList, postback_key_hash};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::catalogue::PostbackKeyChanged;
use crate::events::{self, EventKind};
use crate::kernel::{AdvertiserId, PostbackKeyId};

/// A stored key (never the key itself).
#[derive(Debug, Clone)]
pub(crate) struct PostbackKeyRow {
    /// Id.
    pub id: PostbackKeyId,
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

/// Creates a key; returns it with the key itself (shown once).
pub(crate) async fn create(
    pool: &PgPool,
    advertiser_id: AdvertiserId,
    name: &str,
    ip_allow: &IpAllowList,
) -> sqlx::Result<(PostbackKeyRow, String)> {
    let key = format!(
        "pbk_{}",
        URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 24]>())
    );
    let allow = ip_allow.entries();
    let hash = postback_key_hash(&key);
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        PostbackKeyRow,
        r#"INSERT INTO postback_keys (id, advertiser_id, name, prefix, key_hash, ip_allow)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id AS "id: PostbackKeyId", name, prefix, ip_allow, created_at, revoked_at"#,
        Uuid::now_v7(),
        advertiser_id.0,
        name,
        &key[..10],
        hash.as_slice(),
        &allow,
    )
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
    advertiser_id: AdvertiserId,
) -> sqlx::Result<Vec<PostbackKeyRow>> {
    sqlx::query_as!(
        PostbackKeyRow,
        r#"SELECT id AS "id: PostbackKeyId", name, prefix, ip_allow, created_at, revoked_at
         FROM postback_keys WHERE advertiser_id = $1 ORDER BY created_at DESC, id DESC"#,
        advertiser_id.0,
    )
    .fetch_all(pool)
    .await
}

/// Revokes one of the advertiser's keys; false if there is no such key.
pub(crate) async fn revoke(
    pool: &PgPool,
    advertiser_id: AdvertiserId,
    id: PostbackKeyId,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let Some(revoked) = sqlx::query_scalar!(
        r#"SELECT revoked_at IS NOT NULL AS "revoked!" FROM postback_keys WHERE id = $1 AND advertiser_id = $2 FOR UPDATE"#,
        id.0,
        advertiser_id.0,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    if !revoked {
        sqlx::query!(
            "UPDATE postback_keys SET revoked_at = now() WHERE id = $1",
            id.0
        )
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
    key_id: PostbackKeyId,
    advertiser_id: AdvertiserId,
) -> sqlx::Result<()> {
    let change = PostbackKeyChanged {
        key_id,
        advertiser_id,
    };
    events::record(tx, kind, &change).await
}
