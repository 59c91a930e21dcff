//! Stats from the rollups (see `rollups`), grouped by period in the caller's time zone and by
//! a dimension. Raw clicks are never scanned: a request for one tenant's numbers per period
//! reads that tenant's per-scope rollup (one row per 15 minutes); a split or a filter reads
//! the rollups by dimension.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::rollups::RollupScope;
use crate::kernel::{OfferId, PromoterId, Tenant};
use crate::stats::rules::ClicksByCurrency;

/// Period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Granularity {
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// ISO weeks (Monday).
    Week,
    /// Months.
    Month,
}

impl Row {
    /// Adds another row's numbers (totals of several rows).
    pub(crate) fn add(&mut self, other: &Row) {
        for (k, n) in &other.clicks {
            *self.clicks.entry(k.clone()).or_default() += n;
        }
        self.unique_clicks += other.unique_clicks;
        self.filtered_clicks += other.filtered_clicks;
        self.conversions += other.conversions;
        for (k, v) in &other.payout {
            *self.payout.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.revenue {
            *self.revenue.entry(k.clone()).or_default() += v;
        }
    }
}

impl Granularity {
    /// Every granularity.
    pub(crate) const ALL: [Granularity; 4] = [
        Granularity::Hour,
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
    ];

    /// The wire name, also the unit Postgres truncates to (`date_trunc`, `interval '1 day'`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

impl FromStr for Granularity {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|g| g.as_str() == s).ok_or(())
    }
}

/// What rows are split by, besides the period (none: one row per period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum GroupBy {
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
    /// Every split.
    pub(crate) const ALL: [GroupBy; 5] = [
        GroupBy::Offer,
        GroupBy::Promoter,
        GroupBy::Advertiser,
        GroupBy::Country,
        GroupBy::Sub1,
    ];

    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GroupBy::Offer => "offer",
            GroupBy::Promoter => "promoter",
            GroupBy::Advertiser => "advertiser",
            GroupBy::Country => "country",
            GroupBy::Sub1 => "sub1",
        }
    }

    /// The group of a row, as SQL over the rollups by dimension (none: `''`).
    fn column(group_by: Option<GroupBy>) -> &'static str {
        match group_by {
            None => "''",
            Some(GroupBy::Offer) => "offer_id::text",
            Some(GroupBy::Promoter) => "promoter_id::text",
            Some(GroupBy::Advertiser) => "advertiser_id::text",
            Some(GroupBy::Country) => "country",
            Some(GroupBy::Sub1) => "sub1",
        }
    }
}

impl FromStr for GroupBy {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|g| g.as_str() == s).ok_or(())
    }
}

/// A stats request, checked.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The range and its periods.
    pub periods: Periods,
    /// IANA time zone for periods.
    pub tz: String,
    /// Period length.
    pub granularity: Granularity,
    /// Split.
    pub group_by: Option<GroupBy>,
    /// Only this offer.
    pub offer_id: Option<OfferId>,
    /// Only this promoter.
    pub promoter_id: Option<PromoterId>,
    /// Only this country.
    pub country: Option<String>,
}

/// One period and group.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Row {
    /// Clicks with verdict ok, by the currency of their offer ('' for rollups whose offer
    /// was unknown when its currency was added).
    pub clicks: ClicksByCurrency,
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
    currency: String,
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

/// Whether Postgres knows the time zone. The names are read once (a scan of
/// `pg_timezone_names` costs tens of milliseconds) and kept for the life of the process.
pub(crate) async fn valid_tz(pool: &PgPool, tz: &str) -> sqlx::Result<bool> {
    static NAMES: tokio::sync::OnceCell<HashSet<String>> = tokio::sync::OnceCell::const_new();
    let names = NAMES
        .get_or_try_init(|| async {
            let names = sqlx::query_scalar!(r#"SELECT name AS "name!" FROM pg_timezone_names"#)
                .fetch_all(pool)
                .await?;
            Ok::<_, sqlx::Error>(names.into_iter().collect())
        })
        .await?;
    Ok(names.contains(tz))
}

/// Which rollups answer a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// One scope's totals (`stats_scope_*`).
    Scope(RollupScope),
    /// The rollups by dimension (`stats_clicks`, `stats_conversions`).
    Dimensions,
}

/// The per-scope rollups answer a request that neither splits nor filters beyond one
/// tenant: the platform, one advertiser or one promoter.
fn source(tenant: Tenant, q: &Query) -> Source {
    if q.group_by.is_some() || q.offer_id.is_some() || q.country.is_some() {
        return Source::Dimensions;
    }
    match (tenant, q.promoter_id) {
        (Tenant::Admin, None) => Source::Scope(RollupScope::Platform),
        (Tenant::Admin, Some(p)) => Source::Scope(RollupScope::Promoter(p)),
        (Tenant::Advertiser(a), None) => Source::Scope(RollupScope::Advertiser(a)),
        (Tenant::Promoter(p), None) => Source::Scope(RollupScope::Promoter(p)),
        (Tenant::Promoter(p), Some(other)) if other == p => Source::Scope(RollupScope::Promoter(p)),
        _ => Source::Dimensions,
    }
}

/// The range of a request and its periods, computed once in the database (it knows the
/// time zones).
#[derive(Debug, Clone)]
pub(crate) struct Periods {
    /// From (inclusive, an instant): the first day's start in the time zone.
    pub from: OffsetDateTime,
    /// To (exclusive): the day after the last day, in the time zone.
    pub to: OffsetDateTime,
    /// Days, weeks and months: each period's start as an instant, in order (hours: empty,
    /// each bucket's local hour is computed instead).
    starts: Vec<OffsetDateTime>,
    /// The periods' starts in local time: their labels.
    labels: Vec<time::PrimitiveDateTime>,
    /// Whether every period boundary is a whole UTC hour, so hourly buckets never straddle
    /// one (true in most zones for days, weeks and months).
    whole_hours: bool,
}

/// The range from `from_day` to `to_day` (inclusive) in `tz`, and its periods.
pub(crate) async fn periods(
    pool: &PgPool,
    (from_day, to_day): (time::Date, time::Date),
    tz: &str,
    granularity: Granularity,
) -> sqlx::Result<Periods> {
    let unit = match granularity {
        // An hour repeated when clocks go back has one local label for two UTC hours: hours
        // are found per bucket.
        Granularity::Hour => None,
        g => Some(g.as_str()),
    };
    let r = sqlx::query!(
        r#"WITH r AS (SELECT ($1::date::timestamp AT TIME ZONE $3) AS lo,
                           (($2::date + 1)::timestamp AT TIME ZONE $3) AS hi),
              s AS (SELECT g AS label, g AT TIME ZONE $3 AS start
                    FROM r, generate_series(date_trunc($4, r.lo AT TIME ZONE $3),
                                            (r.hi AT TIME ZONE $3) - interval '1 microsecond',
                                            ('1 ' || $4)::interval) g
                    WHERE $4 IS NOT NULL)
         SELECT r.lo AS "from!", r.hi AS "to!",
                coalesce((SELECT array_agg(start ORDER BY label) FROM s), '{}') AS "starts!",
                coalesce((SELECT array_agg(label ORDER BY label) FROM s), '{}') AS "labels!",
                (SELECT bool_and(extract(epoch FROM start)::bigint % 3600 = 0) FROM s)
                    AND extract(epoch FROM r.lo)::bigint % 3600 = 0
                    AND extract(epoch FROM r.hi)::bigint % 3600 = 0 AS "whole_hours?"
         FROM r"#,
        from_day,
        to_day,
        tz,
        unit,
    )
    .fetch_one(pool)
    .await?;
    let (from, to, starts, labels, whole_hours) = (r.from, r.to, r.starts, r.labels, r.whole_hours);
    Ok(Periods {
        from,
        to,
        starts,
        labels,
        whole_hours: unit.is_some() && whole_hours == Some(true),
    })
}

/// `SELECT period, grp, {columns} FROM {table} WHERE ... GROUP BY 1, 2{extra_group}` for
/// one request, with only the predicates it needs (each shape of request gets its own
/// prepared statement, whose plan then fits it).
fn select<'q>(
    tenant: Tenant,
    q: &'q Query,
    columns: &str,
    (scope_table, dims_table): (&str, &str),
    extra_group: &str,
) -> QueryBuilder<'q, Postgres> {
    let source = source(tenant, q);
    let group = match source {
        Source::Scope(_) => GroupBy::column(None),
        Source::Dimensions => GroupBy::column(q.group_by),
    };
    let p = &q.periods;
    let mut b = QueryBuilder::new("SELECT ");
    if q.granularity == Granularity::Hour {
        b.push("date_trunc('hour', bucket AT TIME ZONE ");
        b.push_bind(q.tz.as_str());
        b.push(")");
    } else {
        // Each bucket finds its period by a binary search among the periods' starts.
        b.push("(")
            .push_bind(&p.labels)
            .push("::timestamp[])[width_bucket(bucket, ");
        b.push_bind(&p.starts).push("::timestamptz[])]");
    }
    // `group`, `columns` and the tables are SQL chosen by code (the group's column, the
    // caller's fixed column lists and rollup tables), never values.
    b.push(format!(" AS period, {group} AS grp, {columns} FROM "));
    let range = |b: &mut QueryBuilder<'q, Postgres>| {
        b.push(" AND bucket >= ").push_bind(p.from);
        b.push(" AND bucket < ").push_bind(p.to);
    };
    match source {
        Source::Scope(scope) => {
            // The folded rows (hourly when no period boundary falls inside an hour) and the
            // sums appended since the last fold (see `rollups`): table names made by code.
            let folded = if p.whole_hours {
                format!("{scope_table}_hourly")
            } else {
                scope_table.to_owned()
            };
            b.push("(");
            for (i, table) in [folded, format!("{scope_table}_delta")].iter().enumerate() {
                if i > 0 {
                    b.push(" UNION ALL ");
                }
                b.push(format!("SELECT * FROM {table} WHERE scope = "));
                b.push_bind(scope.as_str())
                    .push(" AND scope_id = ")
                    .push_bind(scope.id());
                range(&mut b);
            }
            b.push(") s");
        }
        Source::Dimensions => {
            b.push(dims_table).push(" WHERE true");
            match tenant {
                Tenant::Admin => {}
                Tenant::Advertiser(a) => {
                    b.push(" AND advertiser_id = ").push_bind(a);
                }
                Tenant::Promoter(p) => {
                    b.push(" AND promoter_id = ").push_bind(p);
                }
            }
            if let Some(offer) = q.offer_id {
                b.push(" AND offer_id = ").push_bind(offer);
            }
            if let Some(promoter) = q.promoter_id {
                b.push(" AND promoter_id = ").push_bind(promoter);
            }
            if let Some(country) = &q.country {
                b.push(" AND country = ").push_bind(country.as_str());
            }
            range(&mut b);
        }
    }
    b.push(" GROUP BY 1, 2").push(extra_group);
    b
}

/// Rows keyed by (period start in the time zone, group).
pub(crate) async fn query(
    pool: &PgPool,
    tenant: Tenant,
    q: &Query,
) -> sqlx::Result<BTreeMap<(time::PrimitiveDateTime, String), Row>> {
    // The two reads run at once, on two connections.
    let mut clicks_query = select(
        tenant,
        q,
        "currency, sum(clicks)::bigint AS clicks, sum(unique_clicks)::bigint AS unique_clicks,
         sum(filtered_clicks)::bigint AS filtered_clicks",
        ("stats_scope_clicks", "stats_clicks"),
        ", 3",
    );
    let mut conversions_query = select(
        tenant,
        q,
        "payout_currency, revenue_currency, sum(conversions)::bigint AS conversions,
         sum(payout) AS payout, sum(revenue) AS revenue",
        ("stats_scope_conversions", "stats_conversions"),
        ", 3, 4",
    );
    let (clicks, conversions) = tokio::try_join!(
        clicks_query.build_query_as::<ClickAgg>().fetch_all(pool),
        conversions_query
            .build_query_as::<ConvAgg>()
            .fetch_all(pool),
    )?;
    let mut rows: BTreeMap<(time::PrimitiveDateTime, String), Row> = BTreeMap::new();
    for c in clicks {
        let row = rows.entry((c.period, c.grp)).or_default();
        *row.clicks.entry(c.currency).or_default() += c.clicks;
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
        row.clicks.retain(|_, n| *n != 0);
        row.payout.retain(|_, v| !v.is_zero());
        row.revenue.retain(|_, v| !v.is_zero());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_their_serde_form_and_parse_back() {
        for g in Granularity::ALL {
            assert_eq!(
                serde_json::to_value(g).ok(),
                Some(serde_json::json!(g.as_str()))
            );
            assert_eq!(g.as_str().parse(), Ok(g));
        }
        for g in GroupBy::ALL {
            assert_eq!(
                serde_json::to_value(g).ok(),
                Some(serde_json::json!(g.as_str()))
            );
            assert_eq!(g.as_str().parse(), Ok(g));
        }
        assert_eq!("minute".parse::<Granularity>(), Err(()));
        assert_eq!("colour".parse::<GroupBy>(), Err(()));
    }
}
