//! Postback keys (see the postback_keys migration). Scoped to the owning advertiser.

use afftok_shared::kv::{IpAllowList, PostbackKeyKind, postback_key_hash};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::catalogue::PostbackKeyChanged;
use crate::events::{self, EventKind};
use crate::kernel::{AdvertiserId, Mode, PostbackKeyId};

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
    /// `secret` or `publishable`.
    pub kind: String,
    /// A publishable key's allowed web origins.
    pub origins: Vec<String>,
    /// `live` or `test`.
    pub mode: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A key to create.
#[derive(Debug)]
pub(crate) struct NewPostbackKey<'a> {
    /// Label.
    pub name: &'a str,
    /// Allowed networks.
    pub ip_allow: &'a IpAllowList,
    /// Secret or publishable.
    pub kind: PostbackKeyKind,
    /// A publishable key's origins, normalised (`kv::parse_origin`).
    pub origins: &'a [String],
    /// Live or test.
    pub mode: Mode,
}

/// The text a key starts with: `pbk_` (secret) or `pk_` (publishable), then `test_` for the
/// sandbox, and `live_` for a live publishable key (as Stripe's `pk_live_`; secret live keys
/// kept their first form, `pbk_…`).
pub(crate) fn key_head(kind: PostbackKeyKind, mode: Mode) -> &'static str {
    match (kind, mode) {
        (PostbackKeyKind::Secret, Mode::Live) => "pbk_",
        (PostbackKeyKind::Secret, Mode::Test) => "pbk_test_",
        (PostbackKeyKind::Publishable, Mode::Live) => "pk_live_",
        (PostbackKeyKind::Publishable, Mode::Test) => "pk_test_",
    }
}

/// Creates a key; returns it with the key itself (shown once).
pub(crate) async fn create(
    pool: &PgPool,
    advertiser_id: AdvertiserId,
    new: &NewPostbackKey<'_>,
) -> sqlx::Result<(PostbackKeyRow, String)> {
    let head = key_head(new.kind, new.mode);
    let key = format!(
        "{head}{}",
        URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 24]>())
    );
    let allow = new.ip_allow.entries();
    let hash = postback_key_hash(&key);
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        PostbackKeyRow,
        r#"INSERT INTO postback_keys (id, advertiser_id, name, prefix, key_hash, ip_allow, kind, origins, mode)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id AS "id: PostbackKeyId", name, prefix, ip_allow, kind, origins, mode,
             created_at, revoked_at"#,
        Uuid::now_v7(),
        advertiser_id.0,
        new.name,
        // The head and six characters of the random part: enough to tell keys apart.
        &key[..head.len() + 6],
        hash.as_slice(),
        &allow,
        new.kind.as_str(),
        new.origins,
        new.mode.as_str(),
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
        r#"SELECT id AS "id: PostbackKeyId", name, prefix, ip_allow, kind, origins, mode,
             created_at, revoked_at
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
