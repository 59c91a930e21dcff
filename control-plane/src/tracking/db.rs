//! Clicks as stored: lists for the API and CSV export. Stats never read this table.

use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::kernel::Tenant;
use crate::kernel::error::ApiError;

/// A stored click.
#[derive(Debug, Clone, FromRow)]
pub(super) struct ClickRow {
    /// Click id.
    pub id: Uuid,
    /// When.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: i64,
    /// Promoter.
    pub promoter_id: i64,
    /// The edge's verdict.
    pub verdict: String,
    /// First of its visitor that UTC day.
    pub is_unique: bool,
    /// Visitor country.
    pub country: Option<String>,
    /// sub1…sub5.
    pub sub1: Option<String>,
    /// sub2.
    pub sub2: Option<String>,
    /// sub3.
    pub sub3: Option<String>,
    /// sub4.
    pub sub4: Option<String>,
    /// sub5.
    pub sub5: Option<String>,
    /// Referer.
    pub referer: Option<String>,
    /// Which edge.
    pub edge: String,
}

const COLUMNS: &str = "id, ts, offer_id, promoter_id, advertiser_id, verdict, is_unique, country,
    sub1, sub2, sub3, sub4, sub5, referer, edge";

/// The one place a tenant becomes SQL for clicks: `$1` advertiser, `$2` promoter.
fn visible(tenant: Tenant) -> (Option<i64>, Option<i64>) {
    match tenant {
        Tenant::Admin => (None, None),
        Tenant::Advertiser(a) => (Some(a.0), None),
        Tenant::Promoter(p) => (None, Some(p.0)),
    }
}

/// Filters for the click list.
#[derive(Debug, Clone)]
pub(super) struct ListFilter {
    /// Only this offer.
    pub offer_id: Option<i64>,
    /// Only this verdict.
    pub verdict: Option<String>,
    /// From (inclusive).
    pub from: OffsetDateTime,
    /// To (exclusive).
    pub to: OffsetDateTime,
    /// After this position (newest first).
    pub before: Option<(OffsetDateTime, Uuid)>,
    /// Page size.
    pub limit: i64,
}

/// The tenant's clicks in a time range, newest first (the range prunes partitions).
pub(super) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    f: &ListFilter,
) -> Result<Vec<ClickRow>, ApiError> {
    let (a, p) = visible(tenant);
    let (before_ts, before_id) = f.before.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    Ok(sqlx::query_as::<_, ClickRow>(&format!(
        "SELECT {COLUMNS} FROM clicks
         WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)
           AND ($3::bigint IS NULL OR offer_id = $3) AND ($4::text IS NULL OR verdict = $4)
           AND ts >= $5 AND ts < $6
           AND ($7::timestamptz IS NULL OR (ts, id) < ($7, $8))
         ORDER BY ts DESC, id DESC LIMIT $9"
    ))
    .bind(a)
    .bind(p)
    .bind(f.offer_id)
    .bind(&f.verdict)
    .bind(f.from)
    .bind(f.to)
    .bind(before_ts)
    .bind(before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?)
}
