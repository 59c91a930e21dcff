//! Tracking links. Promoters see their own; admins all. The tenant becomes SQL in [`visible`].

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::events::catalogue::PromoterJoined;
use crate::events::{self, EventKind};
use crate::kernel::Tenant;
use crate::kernel::status::OfferStatus;
use crate::kernel::{AdvertiserId, Kid, LinkId, OfferId, PromoterId};

/// A link with its offer's name and status.
#[derive(Debug, Clone)]
pub struct LinkRow {
    /// Id.
    pub id: LinkId,
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The offer.
    pub offer_id: OfferId,
    /// The offer's name.
    pub offer_name: String,
    /// The offer's status, by its stored name (the offers feature's enum is out of reach here:
    /// offers use links, so links cannot use offers).
    pub offer_status: OfferStatus,
    /// The key that signed the token.
    pub kid: Kid,
    /// The DESIGN §3 token.
    pub token: String,
    /// Created (joined).
    pub created_at: OffsetDateTime,
}

/// Why links could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The caller is an advertiser: links belong to promoters.
    #[error("links belong to promoters")]
    NotForAdvertisers,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A link row: the one column list every read uses (`$rest` follows the join).
macro_rules! select_link {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            LinkRow,
            r#"SELECT l.id AS "id: LinkId", l.promoter_id AS "promoter_id: PromoterId",
                l.offer_id AS "offer_id: OfferId", o.name AS offer_name, o.status AS "offer_status: OfferStatus",
                l.kid AS "kid: Kid", l.token, l.created_at
            FROM links l JOIN offers o ON o.id = l.offer_id "# + $rest
            $(, $arg)*
        )
    };
}

/// `$1` is the promoter to restrict to, or NULL for every promoter.
fn visible(tenant: Tenant) -> Result<Option<PromoterId>, ReadError> {
    match tenant {
        Tenant::Admin => Ok(None),
        Tenant::Promoter(id) => Ok(Some(id)),
        Tenant::Advertiser(_) => Err(ReadError::NotForAdvertisers),
    }
}

/// Stores the promoter's link for an offer, unless one exists; returns the link and whether
/// it was created now. An existing link whose key has been revoked is re-signed with the
/// given (active) key: after a key leak, joining again gives a working link.
pub async fn join(
    pool: &PgPool,
    promoter_id: PromoterId,
    offer_id: OfferId,
    kid: Kid,
    token: &str,
) -> sqlx::Result<(LinkRow, bool)> {
    let mut tx = pool.begin().await?;
    let created = sqlx::query_scalar!(
        r#"INSERT INTO links (promoter_id, offer_id, kid, token) VALUES ($1, $2, $3, $4)
         ON CONFLICT (promoter_id, offer_id) DO UPDATE SET kid = EXCLUDED.kid, token = EXCLUDED.token
           WHERE links.kid IN (SELECT kid FROM signing_keys WHERE revoked_at IS NOT NULL)
         RETURNING xmax = 0 AS "created!""#,
        promoter_id.0,
        offer_id.0,
        kid.0,
        token
    )
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(false);
    let row = select_link!(
        "WHERE l.promoter_id = $1 AND l.offer_id = $2",
        promoter_id.0,
        offer_id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if created {
        let advertiser_id = sqlx::query_scalar!(
            r#"SELECT advertiser_id AS "advertiser_id: AdvertiserId" FROM offers WHERE id = $1"#,
            offer_id.0
        )
        .fetch_one(&mut *tx)
        .await?;
        events::record(
            &mut tx,
            EventKind::PromoterJoined,
            &PromoterJoined {
                promoter_id,
                offer_id,
                advertiser_id,
                link_id: row.id,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((row, created))
}

/// The tenant's links by id, after `after`.
pub async fn list(
    pool: &PgPool,
    tenant: Tenant,
    after: Option<LinkId>,
    limit: u32,
) -> Result<Vec<LinkRow>, ReadError> {
    let promoter = visible(tenant)?;
    Ok(select_link!(
        "WHERE ($1::bigint IS NULL OR l.promoter_id = $1) AND ($2::bigint IS NULL OR l.id > $2)
         ORDER BY l.id LIMIT $3",
        promoter.map(|p| p.0),
        after.map(|a| a.0),
        i64::from(limit)
    )
    .fetch_all(pool)
    .await?)
}

/// One of the tenant's links.
pub(crate) async fn get(
    pool: &PgPool,
    tenant: Tenant,
    id: LinkId,
) -> Result<Option<LinkRow>, ReadError> {
    let promoter = visible(tenant)?;
    Ok(select_link!(
        "WHERE ($1::bigint IS NULL OR l.promoter_id = $1) AND l.id = $2",
        promoter.map(|p| p.0),
        id.0
    )
    .fetch_optional(pool)
    .await?)
}
