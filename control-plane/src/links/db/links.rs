//! Tracking links. Promoters see their own; admins all. The tenant becomes SQL in [`visible`].

use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;

use crate::events::catalogue::PromoterJoined;
use crate::events::{self, EventKind};
use crate::kernel::Tenant;
use crate::kernel::error::ApiError;
use crate::kernel::{AdvertiserId, LinkId, OfferId, PromoterId};

/// A link with its offer's name and status.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    /// Id.
    pub id: i64,
    /// The promoter.
    pub promoter_id: i64,
    /// The offer.
    pub offer_id: i64,
    /// The offer's name.
    pub offer_name: String,
    /// The offer's status.
    pub offer_status: String,
    /// The key that signed the token.
    pub kid: i64,
    /// The DESIGN §3 token.
    pub token: String,
    /// Created (joined).
    pub created_at: OffsetDateTime,
}

const SELECT: &str =
    "SELECT l.id, l.promoter_id, l.offer_id, o.name AS offer_name, o.status AS offer_status,
        l.kid, l.token, l.created_at
    FROM links l JOIN offers o ON o.id = l.offer_id";

/// `$1` is the promoter to restrict to, or NULL for every promoter.
fn visible(tenant: Tenant) -> Result<Option<i64>, ApiError> {
    match tenant {
        Tenant::Admin => Ok(None),
        Tenant::Promoter(id) => Ok(Some(id.0)),
        Tenant::Advertiser(_) => Err(ApiError::forbidden("links belong to promoters")),
    }
}

/// Stores the promoter's link for an offer, unless one exists; returns the link and whether
/// it was created now. An existing link whose key has been revoked is re-signed with the
/// given (active) key: after a key leak, joining again gives a working link.
pub async fn join(
    pool: &PgPool,
    promoter_id: i64,
    offer_id: i64,
    kid: i64,
    token: &str,
) -> Result<(LinkRow, bool), ApiError> {
    let mut tx = pool.begin().await?;
    let created: bool = sqlx::query_scalar(
        "INSERT INTO links (promoter_id, offer_id, kid, token) VALUES ($1, $2, $3, $4)
         ON CONFLICT (promoter_id, offer_id) DO UPDATE SET kid = EXCLUDED.kid, token = EXCLUDED.token
           WHERE links.kid IN (SELECT kid FROM signing_keys WHERE revoked_at IS NOT NULL)
         RETURNING xmax = 0",
    )
    .bind(promoter_id)
    .bind(offer_id)
    .bind(kid)
    .bind(token)
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(false);
    let row = sqlx::query_as::<_, LinkRow>(&format!(
        "{SELECT} WHERE l.promoter_id = $1 AND l.offer_id = $2"
    ))
    .bind(promoter_id)
    .bind(offer_id)
    .fetch_one(&mut *tx)
    .await?;
    if created {
        let advertiser_id: i64 =
            sqlx::query_scalar("SELECT advertiser_id FROM offers WHERE id = $1")
                .bind(offer_id)
                .fetch_one(&mut *tx)
                .await?;
        events::record(
            &mut tx,
            EventKind::PromoterJoined,
            &PromoterJoined {
                promoter_id: PromoterId(promoter_id),
                offer_id: OfferId(offer_id),
                advertiser_id: AdvertiserId(advertiser_id),
                link_id: LinkId(row.id),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((row, created))
}

/// The tenant's links by id, after `after_id`.
pub(crate) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    after_id: Option<i64>,
    limit: u32,
) -> Result<Vec<LinkRow>, ApiError> {
    Ok(sqlx::query_as::<_, LinkRow>(&format!(
        "{SELECT} WHERE ($1::bigint IS NULL OR l.promoter_id = $1) AND ($2::bigint IS NULL OR l.id > $2)
         ORDER BY l.id LIMIT $3"
    ))
    .bind(visible(tenant)?)
    .bind(after_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?)
}

/// One of the tenant's links.
pub(crate) async fn get(
    pool: &PgPool,
    tenant: Tenant,
    id: i64,
) -> Result<Option<LinkRow>, ApiError> {
    Ok(sqlx::query_as::<_, LinkRow>(&format!(
        "{SELECT} WHERE ($1::bigint IS NULL OR l.promoter_id = $1) AND l.id = $2"
    ))
    .bind(visible(tenant)?)
    .bind(id)
    .fetch_optional(pool)
    .await?)
}
