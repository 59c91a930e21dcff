//! Stats from the rollups (`stats_clicks`, `stats_conversions`), grouped by period in the
//! caller's time zone and by a dimension. Raw clicks are never scanned.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;

use crate::auth::Tenant;
use crate::error::ApiError;

/// Period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// ISO weeks (Monday).
    Week,
    /// Months.
    Month,
}

impl Granularity {
    fn sql(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

/// What rows are split by, besides the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Nothing: one row per period.
    None,
    /// Offer id.
    Offer,
    /// Promoter id.
    Promoter,
    /// Advertiser id.
    Advertiser,
    /// Country ('' when unknown).
    Country,
    /// sub1 ('' when unset).
    Sub1,
}

impl GroupBy {
    fn sql(self) -> &'static str {
        match self {
            GroupBy::None => "''",
            GroupBy::Offer => "offer_id::text",
            GroupBy::Promoter => "promoter_id::text",
            GroupBy::Advertiser => "advertiser_id::text",
            GroupBy::Country => "country",
            GroupBy::Sub1 => "sub1",
        }
    }
}

/// A stats request, checked.
#[derive(Debug, Clone)]
pub struct Query {
    /// From (inclusive, an instant).
    pub from: OffsetDateTime,
    /// To (exclusive).
    pub to: OffsetDateTime,
    /// IANA time zone for periods.
    pub tz: String,
    /// Period length.
    pub granularity: Granularity,
    /// Split.
    pub group_by: GroupBy,
    /// Only this offer.
    pub offer_id: Option<i64>,
    /// Only this promoter.
    pub promoter_id: Option<i64>,
    /// Only this country.
    pub country: Option<String>,
}

/// One period and group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Clicks with verdict ok.
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Filtered clicks (bots, paused, geo-blocked).
    pub filtered_clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
    /// Payout by currency.
    pub payout: BTreeMap<String, Decimal>,
    /// Revenue by currency.
    pub revenue: BTreeMap<String, Decimal>,
}

#[derive(FromRow)]
struct ClickAgg {
    period: time::PrimitiveDateTime,
    grp: String,
    clicks: i64,
    unique_clicks: i64,
    filtered_clicks: i64,
}

#[derive(FromRow)]
struct ConvAgg {
    period: time::PrimitiveDateTime,
    grp: String,
    payout_currency: String,
    revenue_currency: String,
    conversions: i64,
    payout: Decimal,
    revenue: Decimal,
}

/// Whether Postgres knows the time zone.
pub async fn valid_tz(pool: &PgPool, tz: &str) -> Result<bool, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(tz)
            .fetch_one(pool)
            .await?,
    )
}

/// Rows keyed by (period start in the time zone, group).
pub async fn query(
    pool: &PgPool,
    tenant: Tenant,
    q: &Query,
) -> Result<BTreeMap<(time::PrimitiveDateTime, String), Row>, ApiError> {
    let (advertiser, promoter) = match tenant {
        Tenant::Admin => (None, None),
        Tenant::Advertiser(a) => (Some(a), None),
        Tenant::Promoter(p) => (None, Some(p)),
    };
    let filter =
        "($4::bigint IS NULL OR advertiser_id = $4) AND ($5::bigint IS NULL OR promoter_id = $5)
        AND ($6::bigint IS NULL OR offer_id = $6) AND ($7::bigint IS NULL OR promoter_id = $7)
        AND ($8::text IS NULL OR country = $8) AND bucket >= $1 AND bucket < $2";
    let period = format!(
        "date_trunc('{}', bucket AT TIME ZONE $3)",
        q.granularity.sql()
    );
    let group = q.group_by.sql();
    let clicks = sqlx::query_as::<_, ClickAgg>(&format!(
        "SELECT {period} AS period, {group} AS grp, sum(clicks)::bigint AS clicks,
                sum(unique_clicks)::bigint AS unique_clicks, sum(filtered_clicks)::bigint AS filtered_clicks
         FROM stats_clicks WHERE {filter} GROUP BY 1, 2"
    ))
    .bind(q.from)
    .bind(q.to)
    .bind(&q.tz)
    .bind(advertiser)
    .bind(promoter)
    .bind(q.offer_id)
    .bind(q.promoter_id)
    .bind(&q.country)
    .fetch_all(pool)
    .await?;
    let conversions = sqlx::query_as::<_, ConvAgg>(&format!(
        "SELECT {period} AS period, {group} AS grp, payout_currency, revenue_currency,
                sum(conversions)::bigint AS conversions, sum(payout) AS payout, sum(revenue) AS revenue
         FROM stats_conversions WHERE {filter} GROUP BY 1, 2, 3, 4"
    ))
    .bind(q.from)
    .bind(q.to)
    .bind(&q.tz)
    .bind(advertiser)
    .bind(promoter)
    .bind(q.offer_id)
    .bind(q.promoter_id)
    .bind(&q.country)
    .fetch_all(pool)
    .await?;
    let mut rows: BTreeMap<(time::PrimitiveDateTime, String), Row> = BTreeMap::new();
    for c in clicks {
        let row = rows.entry((c.period, c.grp)).or_default();
        row.clicks += c.clicks;
        row.unique_clicks += c.unique_clicks;
        row.filtered_clicks += c.filtered_clicks;
    }
    for v in conversions {
        let row = rows.entry((v.period, v.grp)).or_default();
        row.conversions += v.conversions;
        if !v.payout_currency.is_empty() {
            *row.payout.entry(v.payout_currency).or_default() += v.payout;
        }
        if !v.revenue_currency.is_empty() {
            *row.revenue.entry(v.revenue_currency).or_default() += v.revenue;
        }
    }
    // Zero-conversion currencies left by reversals are noise.
    for row in rows.values_mut() {
        row.payout.retain(|_, v| !v.is_zero());
        row.revenue.retain(|_, v| !v.is_zero());
    }
    Ok(rows)
}
