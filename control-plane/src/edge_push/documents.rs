//! The entries Postgres says the edges should have (DESIGN §5):
//!
//! - `keys`: every signing key not revoked, the revoked kids and the active kid (absent while
//!   no key is active);
//! - `offer:{id}` for every offer past its draft: `approved` is `active`; `paused` is `paused`
//!   with its fallback URL; `pending_review`, `rejected` and `archived` are `paused` without
//!   a fallback (their links answer 404 but their clicks are still recorded, and an edit
//!   waiting for review never reaches visitors); drafts have no entry (no link exists);
//! - `pbk:{sha256}` for every postback key not revoked.

use std::collections::{BTreeMap, BTreeSet};

use afftok_shared::Country;
use afftok_shared::kv::{self, IpAllowList, OfferDoc, OfferStatus as EdgeStatus, PostbackKeyDoc};
use sqlx::PgPool;

use super::PushError;
use crate::kernel::{AdvertiserId, OfferId};
use crate::links::signing_keys;
use crate::offers::OfferStatus;

struct OfferRow {
    id: OfferId,
    advertiser_id: AdvertiserId,
    status: OfferStatus,
    url_template: String,
    fallback_url: Option<String>,
    geo_allow: Vec<String>,
    geo_deny: Vec<String>,
}

struct PostbackKeyRow {
    key_hash: Vec<u8>,
    advertiser_id: AdvertiserId,
    ip_allow: Vec<String>,
    kind: String,
    origins: Vec<String>,
    mode: String,
}

/// Every entry the edges should have, by key.
pub async fn all(db: &PgPool, kek: &[u8; 32]) -> Result<BTreeMap<String, String>, PushError> {
    load(db, kek, None).await
}

/// The entries for `keys` as they should be now: `None` where the entry should not exist.
pub async fn these(
    db: &PgPool,
    kek: &[u8; 32],
    keys: &BTreeSet<String>,
) -> Result<BTreeMap<String, Option<String>>, PushError> {
    let found = load(db, kek, Some(keys)).await?;
    Ok(keys
        .iter()
        .map(|key| (key.clone(), found.get(key).cloned()))
        .collect())
}

async fn load(
    db: &PgPool,
    kek: &[u8; 32],
    only: Option<&BTreeSet<String>>,
) -> Result<BTreeMap<String, String>, PushError> {
    let mut out = BTreeMap::new();
    if only.is_none_or(|keys| keys.contains(kv::KEYS_KEY))
        && let Some(doc) = signing_keys::edge_document(db, kek).await?
    {
        out.insert(kv::KEYS_KEY.to_owned(), to_json(&doc)?);
    }

    let offer_ids: Option<Vec<OfferId>> = only.map(|keys| {
        keys.iter()
            .filter_map(|k| k.strip_prefix("offer:")?.parse().ok())
            .collect()
    });
    if offer_ids.as_ref().is_none_or(|ids| !ids.is_empty()) {
        let offer_ids: Option<Vec<i64>> =
            offer_ids.map(|ids| ids.into_iter().map(|id| id.0).collect());
        let rows = sqlx::query_as!(
            OfferRow,
            r#"SELECT id AS "id: OfferId", advertiser_id AS "advertiser_id: AdvertiserId",
                status AS "status: OfferStatus",
                url_template, fallback_url, geo_allow, geo_deny
             FROM offers
             WHERE status <> 'draft' AND ($1::bigint[] IS NULL OR id = ANY($1))
             ORDER BY id"#,
            offer_ids.as_deref(),
        )
        .fetch_all(db)
        .await?;
        for row in rows {
            let id = row.id;
            match offer_document(row) {
                Ok(doc) => {
                    out.insert(kv::offer_key(id.0.unsigned_abs()), to_json(&doc)?);
                }
                // Pushing it would make every edge keep its previous entry; leaving it out
                // makes its links 404, which is what an unusable route deserves.
                Err(why) => {
                    tracing::error!(offer_id = id.0, %why, "offer left out of the edge config")
                }
            }
        }
    }

    let hashes: Option<Vec<Vec<u8>>> = only.map(|keys| {
        keys.iter()
            .filter_map(|k| hex::decode(k.strip_prefix("pbk:")?).ok())
            .filter(|h| h.len() == 32)
            .collect()
    });
    if hashes.as_ref().is_none_or(|h| !h.is_empty()) {
        let rows = sqlx::query_as!(
            PostbackKeyRow,
            r#"SELECT key_hash, advertiser_id AS "advertiser_id: AdvertiserId", ip_allow, kind,
                 origins, mode
             FROM postback_keys
             WHERE revoked_at IS NULL AND ($1::bytea[] IS NULL OR key_hash = ANY($1))"#,
            hashes.as_deref(),
        )
        .fetch_all(db)
        .await?;
        for row in rows {
            let Ok(hash) = <[u8; 32]>::try_from(row.key_hash.as_slice()) else {
                continue;
            };
            let ip_allow = IpAllowList::parse(&row.ip_allow)
                .map_err(|e| PushError(format!("a stored postback key allowlist: {e}")))?;
            let doc = PostbackKeyDoc {
                advertiser_id: row.advertiser_id.0.unsigned_abs(),
                ip_allow,
                kind: if row.kind == "publishable" {
                    kv::PostbackKeyKind::Publishable
                } else {
                    kv::PostbackKeyKind::Secret
                },
                origins: row.origins,
                mode: crate::kernel::Mode::from_stored(&row.mode).into(),
            };
            out.insert(kv::postback_key_key(&hash), to_json(&doc)?);
        }
    }
    Ok(out)
}

fn offer_document(row: OfferRow) -> Result<OfferDoc, String> {
    let (status, fallback_url) = match row.status {
        OfferStatus::Approved => (EdgeStatus::Active, row.fallback_url),
        OfferStatus::Paused => (EdgeStatus::Paused, row.fallback_url),
        OfferStatus::Draft
        | OfferStatus::PendingReview
        | OfferStatus::Rejected
        | OfferStatus::Archived => (EdgeStatus::Paused, None),
    };
    let countries = |codes: &[String]| -> Result<Vec<Country>, String> {
        codes
            .iter()
            .map(|c| Country::parse(c).map_err(|_| format!("{c:?} is not a country code")))
            .collect()
    };
    let doc = OfferDoc {
        status,
        url: row.url_template,
        fallback_url,
        geo_allow: countries(&row.geo_allow)?,
        geo_deny: countries(&row.geo_deny)?,
        advertiser_id: row.advertiser_id.0.unsigned_abs(),
    };
    doc.validate().map_err(|e| e.to_string())?;
    Ok(doc)
}

fn to_json(doc: &impl serde::Serialize) -> Result<String, PushError> {
    serde_json::to_string(doc).map_err(|e| PushError(format!("encoding an entry: {e}")))
}
