//! The facts the assistant reads. Traffic comes from the stats rollups (`stats_scope_*` for a
//! tenant's days, `stats_clicks` / `stats_conversions` / `stats_filtered` for splits), which
//! never hold sandbox traffic; the few reads of raw conversions say `NOT test`. Every read
//! starts from a [`Whose`], the one place a tenant becomes SQL here.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

use super::rules::{
    AnalysisFacts, Candidate, Days, DimRow, OfferFacts, OwnTraffic, PlatformOffer, Sums, Traffic,
    Viewer,
};
use crate::kernel::{OfferId, PromoterId, Tenant};
use crate::offers::PayoutModel;

/// Whose traffic a read covers: an advertiser's offers, a promoter's links, or (neither) the
/// whole platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Whose {
    advertiser: Option<i64>,
    promoter: Option<i64>,
}

impl Whose {
    /// The whole platform (aggregates only ever leave this module as such).
    pub(super) const PLATFORM: Whose = Whose {
        advertiser: None,
        promoter: None,
    };

    /// What a tenant may read: admins the platform, advertisers their offers, promoters
    /// their links.
    pub(super) fn of(tenant: Tenant) -> Self {
        match tenant {
            Tenant::Admin => Self::PLATFORM,
            Tenant::Advertiser(a) => Whose {
                advertiser: Some(a.0),
                promoter: None,
            },
            Tenant::Promoter(p) => Whose {
                advertiser: None,
                promoter: Some(p.0),
            },
        }
    }

    /// The per-scope rollup rows of the tenant: (`scope`, `scope_id`).
    fn scope(self) -> (&'static str, i64) {
        match (self.advertiser, self.promoter) {
            (Some(a), _) => ("a", a),
            (None, Some(p)) => ("p", p),
            (None, None) => ("t", 0),
        }
    }
}

/// The first instant of a UTC day.
fn start(day: Date) -> OffsetDateTime {
    day.midnight().assume_utc()
}

/// The first instant after a UTC day.
fn end(day: Date) -> OffsetDateTime {
    day.next_day().map_or_else(|| start(day), start)
}

/// The tenant's counted traffic per UTC day, from its per-scope rollups (the hourly rows and
/// the sums not folded yet).
pub(super) async fn daily(
    pool: &PgPool,
    whose: Whose,
    days: Days,
) -> sqlx::Result<BTreeMap<Date, Sums>> {
    let (scope, id) = whose.scope();
    let (from, to) = (start(days.from), end(days.to));
    let clicks = sqlx::query!(
        r#"SELECT (bucket AT TIME ZONE 'UTC')::date AS "day!", currency AS "currency!",
                  sum(clicks)::bigint AS "clicks!", sum(unique_clicks)::bigint AS "unique_clicks!"
           FROM (SELECT bucket, currency, clicks, unique_clicks FROM stats_scope_clicks_hourly
                 WHERE scope = $1 AND scope_id = $2 AND bucket >= $3 AND bucket < $4
                 UNION ALL
                 SELECT bucket, currency, clicks, unique_clicks FROM stats_scope_clicks_delta
                 WHERE scope = $1 AND scope_id = $2 AND bucket >= $3 AND bucket < $4) s
           GROUP BY 1, 2"#,
        scope,
        id,
        from,
        to,
    )
    .fetch_all(pool)
    .await?;
    let conversions = sqlx::query!(
        r#"SELECT (bucket AT TIME ZONE 'UTC')::date AS "day!", payout_currency AS "currency!",
                  sum(conversions)::bigint AS "conversions!", sum(payout) AS "payout!"
           FROM (SELECT bucket, payout_currency, conversions, payout FROM stats_scope_conversions_hourly
                 WHERE scope = $1 AND scope_id = $2 AND bucket >= $3 AND bucket < $4
                 UNION ALL
                 SELECT bucket, payout_currency, conversions, payout FROM stats_scope_conversions_delta
                 WHERE scope = $1 AND scope_id = $2 AND bucket >= $3 AND bucket < $4) s
           GROUP BY 1, 2"#,
        scope,
        id,
        from,
        to,
    )
    .fetch_all(pool)
    .await?;
    Ok(fold(
        clicks
            .into_iter()
            .map(|c| (c.day, c.currency, c.clicks, c.unique_clicks)),
        conversions
            .into_iter()
            .map(|v| (v.day, v.currency, v.conversions, v.payout)),
    ))
}

/// Click rows `(key, currency, clicks, unique clicks)` and conversion rows `(key, payout
/// currency, conversions, payout)` summed by key; zero clicks and payouts left by reversals
/// are dropped as noise.
fn fold<K: Ord>(
    clicks: impl IntoIterator<Item = (K, String, i64, i64)>,
    conversions: impl IntoIterator<Item = (K, String, i64, Decimal)>,
) -> BTreeMap<K, Sums> {
    let mut out: BTreeMap<K, Sums> = BTreeMap::new();
    for (key, currency, clicks, unique) in clicks {
        let s = out.entry(key).or_default();
        *s.clicks.entry(currency).or_default() += clicks;
        s.unique_clicks += unique;
    }
    for (key, currency, conversions, payout) in conversions {
        let s = out.entry(key).or_default();
        s.conversions += conversions;
        if !currency.is_empty() {
            *s.payout.entry(currency).or_default() += payout;
        }
    }
    for s in out.values_mut() {
        s.clicks.retain(|_, n| *n != 0);
        s.payout.retain(|_, v| !v.is_zero());
    }
    out
}

/// Counted traffic by offer over some days (only these offers, when given).
async fn by_offer(
    pool: &PgPool,
    whose: Whose,
    days: Days,
    only: Option<Vec<i64>>,
) -> sqlx::Result<BTreeMap<OfferId, Sums>> {
    let (from, to) = (start(days.from), end(days.to));
    let clicks = sqlx::query!(
        r#"SELECT offer_id AS "offer_id: OfferId", currency AS "currency!",
                  sum(clicks)::bigint AS "clicks!", sum(unique_clicks)::bigint AS "unique_clicks!"
           FROM stats_clicks
           WHERE bucket >= $1 AND bucket < $2
             AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
             AND ($5::bigint[] IS NULL OR offer_id = ANY($5))
           GROUP BY 1, 2"#,
        from,
        to,
        whose.advertiser,
        whose.promoter,
        only.as_deref(),
    )
    .fetch_all(pool)
    .await?;
    let conversions = sqlx::query!(
        r#"SELECT offer_id AS "offer_id: OfferId", payout_currency AS "currency!",
                  sum(conversions)::bigint AS "conversions!", sum(payout) AS "payout!"
           FROM stats_conversions
           WHERE bucket >= $1 AND bucket < $2
             AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
             AND ($5::bigint[] IS NULL OR offer_id = ANY($5))
           GROUP BY 1, 2"#,
        from,
        to,
        whose.advertiser,
        whose.promoter,
        only.as_deref(),
    )
    .fetch_all(pool)
    .await?;
    Ok(fold(
        clicks
            .into_iter()
            .map(|c| (c.offer_id, c.currency, c.clicks, c.unique_clicks)),
        conversions
            .into_iter()
            .map(|v| (v.offer_id, v.currency, v.conversions, v.payout)),
    ))
}

/// What the assistant shows of an offer.
#[derive(Debug, Clone)]
struct OfferMeta {
    name: String,
    currency: String,
}

async fn offer_meta(pool: &PgPool, ids: &[i64]) -> sqlx::Result<BTreeMap<OfferId, OfferMeta>> {
    Ok(sqlx::query!(
        r#"SELECT id AS "id: OfferId", name, currency::text AS "currency!" FROM offers WHERE id = ANY($1)"#,
        ids,
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.id,
            OfferMeta {
                name: r.name,
                currency: r.currency,
            },
        )
    })
    .collect())
}

/// The tenant's offers with traffic over some days, with their names and currencies.
pub(super) async fn offers(
    pool: &PgPool,
    whose: Whose,
    days: Days,
) -> sqlx::Result<Vec<OfferFacts>> {
    let sums = by_offer(pool, whose, days, None).await?;
    let ids: Vec<i64> = sums.keys().map(|o| o.0).collect();
    let meta = offer_meta(pool, &ids).await?;
    Ok(sums
        .into_iter()
        .filter_map(|(id, sums)| {
            let m = meta.get(&id)?;
            Some(OfferFacts {
                id,
                name: m.name.clone(),
                currency: m.currency.clone(),
                sums,
            })
        })
        .collect())
}

/// Every promoter's traffic on some offers (every offer with traffic, when `None`): platform
/// aggregates, never shown by name.
pub(super) async fn platform(
    pool: &PgPool,
    days: Days,
    only: Option<Vec<i64>>,
) -> sqlx::Result<BTreeMap<OfferId, PlatformOffer>> {
    let sums = by_offer(pool, Whose::PLATFORM, days, only).await?;
    let ids: Vec<i64> = sums.keys().map(|o| o.0).collect();
    let meta = offer_meta(pool, &ids).await?;
    Ok(sums
        .into_iter()
        .filter_map(|(id, sums)| {
            Some((
                id,
                PlatformOffer {
                    currency: meta.get(&id)?.currency.clone(),
                    sums,
                },
            ))
        })
        .collect())
}

/// Which column a split reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    Country,
    Sub1,
}

impl Dim {
    fn as_str(self) -> &'static str {
        match self {
            Dim::Country => "country",
            Dim::Sub1 => "sub1",
        }
    }
}

/// Counted clicks and conversions by country or sub1, most conversions first, at most
/// `limit` values (the empty value included).
async fn by_dim(
    pool: &PgPool,
    whose: Whose,
    days: Days,
    dim: Dim,
    limit: i64,
) -> sqlx::Result<Vec<DimRow>> {
    let (from, to) = (start(days.from), end(days.to));
    sqlx::query_as!(
        DimRow,
        r#"WITH c AS (SELECT CASE WHEN $5 = 'country' THEN country ELSE sub1 END AS v,
                             sum(clicks)::bigint AS clicks
                      FROM stats_clicks
                      WHERE bucket >= $1 AND bucket < $2
                        AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
                      GROUP BY 1),
                v AS (SELECT CASE WHEN $5 = 'country' THEN country ELSE sub1 END AS v,
                             sum(conversions)::bigint AS conversions
                      FROM stats_conversions
                      WHERE bucket >= $1 AND bucket < $2
                        AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
                      GROUP BY 1)
           SELECT coalesce(c.v, v.v) AS "value!", coalesce(c.clicks, 0) AS "clicks!",
                  coalesce(v.conversions, 0) AS "conversions!"
           FROM c FULL JOIN v ON c.v = v.v
           ORDER BY 3 DESC, 2 DESC, 1
           LIMIT $6"#,
        from,
        to,
        whose.advertiser,
        whose.promoter,
        dim.as_str(),
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Approved conversions by hour of the day (UTC).
async fn hours(pool: &PgPool, whose: Whose, days: Days) -> sqlx::Result<[i64; 24]> {
    let (from, to) = (start(days.from), end(days.to));
    let rows = sqlx::query!(
        r#"SELECT extract(hour FROM bucket AT TIME ZONE 'UTC')::int AS "hour!",
                  sum(conversions)::bigint AS "conversions!"
           FROM stats_conversions
           WHERE bucket >= $1 AND bucket < $2
             AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
           GROUP BY 1"#,
        from,
        to,
        whose.advertiser,
        whose.promoter,
    )
    .fetch_all(pool)
    .await?;
    let mut out = [0; 24];
    for r in rows {
        if let Some(slot) = usize::try_from(r.hour).ok().and_then(|h| out.get_mut(h)) {
            *slot += r.conversions;
        }
    }
    Ok(out)
}

/// Every click of some days, counted and filtered, and the filtered ones by reason.
pub(super) async fn traffic(pool: &PgPool, whose: Whose, days: Days) -> sqlx::Result<Traffic> {
    let (from, to) = (start(days.from), end(days.to));
    let t = sqlx::query!(
        r#"SELECT coalesce(sum(clicks), 0)::bigint AS "counted!",
                  coalesce(sum(filtered_clicks), 0)::bigint AS "filtered!",
                  coalesce(sum(clicks) FILTER (WHERE sub1 = ''), 0)::bigint AS "without_sub1!"
           FROM stats_clicks
           WHERE bucket >= $1 AND bucket < $2
             AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)"#,
        from,
        to,
        whose.advertiser,
        whose.promoter,
    )
    .fetch_one(pool)
    .await?;
    let reasons = sqlx::query!(
        r#"SELECT reason, sum(clicks)::bigint AS "clicks!" FROM stats_filtered
           WHERE day >= $1 AND day <= $2
             AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
           GROUP BY reason HAVING sum(clicks) <> 0"#,
        days.from,
        days.to,
        whose.advertiser,
        whose.promoter,
    )
    .fetch_all(pool)
    .await?;
    Ok(Traffic {
        counted: t.counted,
        filtered: t.filtered,
        without_sub1: t.without_sub1,
        reasons: reasons.into_iter().map(|r| (r.reason, r.clicks)).collect(),
    })
}

/// Live conversions by status, by their time, over some days.
pub(super) async fn statuses(
    pool: &PgPool,
    whose: Whose,
    days: Days,
) -> sqlx::Result<BTreeMap<String, i64>> {
    Ok(sqlx::query!(
        r#"SELECT status AS "status!", count(*) AS "n!" FROM conversions
           WHERE NOT test AND ts >= $1 AND ts < $2
             AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
           GROUP BY 1"#,
        start(days.from),
        end(days.to),
        whose.advertiser,
        whose.promoter,
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.status, r.n))
    .collect())
}

/// Live conversions waiting for review now, whenever they happened.
async fn pending_review(pool: &PgPool, whose: Whose) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM conversions
           WHERE status = 'pending_review' AND NOT test
             AND ($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)"#,
        whose.advertiser,
        whose.promoter,
    )
    .fetch_one(pool)
    .await
}

/// Each promoter's counted traffic on an advertiser's offers.
async fn promoters_of(
    pool: &PgPool,
    advertiser: i64,
    days: Days,
) -> sqlx::Result<Vec<(PromoterId, Sums)>> {
    let (from, to) = (start(days.from), end(days.to));
    let clicks = sqlx::query!(
        r#"SELECT promoter_id AS "promoter_id: PromoterId", currency AS "currency!",
                  sum(clicks)::bigint AS "clicks!", sum(unique_clicks)::bigint AS "unique_clicks!"
           FROM stats_clicks WHERE advertiser_id = $1 AND bucket >= $2 AND bucket < $3
           GROUP BY 1, 2"#,
        advertiser,
        from,
        to,
    )
    .fetch_all(pool)
    .await?;
    let conversions = sqlx::query!(
        r#"SELECT promoter_id AS "promoter_id: PromoterId", payout_currency AS "currency!",
                  sum(conversions)::bigint AS "conversions!", sum(payout) AS "payout!"
           FROM stats_conversions WHERE advertiser_id = $1 AND bucket >= $2 AND bucket < $3
           GROUP BY 1, 2"#,
        advertiser,
        from,
        to,
    )
    .fetch_all(pool)
    .await?;
    Ok(fold(
        clicks
            .into_iter()
            .map(|c| (c.promoter_id, c.currency, c.clicks, c.unique_clicks)),
        conversions
            .into_iter()
            .map(|v| (v.promoter_id, v.currency, v.conversions, v.payout)),
    )
    .into_iter()
    .collect())
}

/// Everything the analysis reads over `days`, for a promoter or an advertiser.
pub(super) async fn analysis(
    pool: &PgPool,
    viewer: Viewer,
    whose: Whose,
    days: Days,
) -> sqlx::Result<AnalysisFacts> {
    let offers = offers(pool, whose, days).await?;
    // Promoters: the platform numbers of their own offers; advertisers: of every offer (the
    // medians they are compared with).
    let only = match viewer {
        Viewer::Promoter => Some(offers.iter().map(|o| o.id.0).collect()),
        _ => None,
    };
    let platform = platform(pool, days, only).await?;
    let countries = by_dim(pool, whose, days, Dim::Country, 1_000).await?;
    let sub1 = match viewer {
        Viewer::Promoter => by_dim(pool, whose, days, Dim::Sub1, 10).await?,
        _ => vec![],
    };
    let promoters = match (viewer, whose.advertiser) {
        (Viewer::Advertiser, Some(a)) => promoters_of(pool, a, days).await?,
        _ => vec![],
    };
    Ok(AnalysisFacts {
        viewer,
        offers,
        platform,
        countries,
        sub1,
        hours: hours(pool, whose, days).await?,
        traffic: traffic(pool, whose, days).await?,
        statuses: statuses(pool, whose, days).await?,
        pending_review: pending_review(pool, whose).await?,
        promoters,
    })
}

/// A promoter's lifetime points (0 before any).
pub(super) async fn lifetime_points(pool: &PgPool, promoter: PromoterId) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "SELECT lifetime FROM points_balances WHERE promoter_id = $1",
        promoter.0,
    )
    .fetch_optional(pool)
    .await?
    .unwrap_or(0))
}

/// Promoters: the offers they joined; advertisers: their approved offers.
pub(super) async fn offer_count(pool: &PgPool, whose: Whose) -> sqlx::Result<i64> {
    match (whose.advertiser, whose.promoter) {
        (Some(a), _) => sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM offers WHERE advertiser_id = $1 AND status = 'approved'"#,
            a,
        )
        .fetch_one(pool)
        .await,
        (None, Some(p)) => sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM links WHERE promoter_id = $1"#,
            p,
        )
        .fetch_one(pool)
        .await,
        (None, None) => sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM offers WHERE status = 'approved'"#,
        )
        .fetch_one(pool)
        .await,
    }
}

/// An offer a promoter could be suggested, with what the answer shows of it.
#[derive(Debug, Clone)]
pub(super) struct Suggestable {
    /// What the rules read.
    pub candidate: Candidate,
    /// Its name.
    pub name: String,
    /// A fixed payout (CPA, CPL).
    pub payout_amount: Option<Decimal>,
    /// A percentage (CPS, RevShare).
    pub payout_percent: Option<Decimal>,
}

/// The approved offers a promoter has not joined, each with its platform traffic over `days`
/// and the conversions holding its cap slots (today's: by the UTC day of `today`); and how
/// many paused offers it has not joined.
pub(super) async fn suggestable(
    pool: &PgPool,
    promoter: PromoterId,
    days: Days,
    today: Date,
) -> sqlx::Result<(Vec<Suggestable>, i64)> {
    let rows = sqlx::query!(
        r#"SELECT o.id AS "id: OfferId", o.name, o.category,
                  o.payout_model AS "payout_model: PayoutModel", o.payout_amount, o.payout_percent,
                  o.currency::text AS "currency!", o.geo_allow, o.geo_deny, o.daily_cap, o.total_cap,
                  o.status = 'paused' AS "paused!",
                  CASE WHEN o.total_cap IS NULL OR o.status <> 'approved' THEN 0 ELSE
                      (SELECT count(*) FROM conversions c WHERE c.offer_id = o.id
                         AND c.status IN ('approved', 'pending_review') AND NOT c.test) END AS "held_total!",
                  CASE WHEN o.daily_cap IS NULL OR o.status <> 'approved' THEN 0 ELSE
                      (SELECT count(*) FROM conversions c WHERE c.offer_id = o.id
                         AND c.status IN ('approved', 'pending_review') AND NOT c.test
                         AND c.ts >= $2 AND c.ts < $3) END AS "held_today!"
           FROM offers o
           WHERE o.status IN ('approved', 'paused')
             AND NOT EXISTS (SELECT 1 FROM links l WHERE l.promoter_id = $1 AND l.offer_id = o.id)
           ORDER BY o.id"#,
        promoter.0,
        start(today),
        end(today),
    )
    .fetch_all(pool)
    .await?;
    let paused = rows.iter().filter(|r| r.paused).count() as i64;
    let approved: Vec<_> = rows.into_iter().filter(|r| !r.paused).collect();
    let mut platform = by_offer(
        pool,
        Whose::PLATFORM,
        days,
        Some(approved.iter().map(|r| r.id.0).collect()),
    )
    .await?;
    let out = approved
        .into_iter()
        .map(|r| Suggestable {
            candidate: Candidate {
                id: r.id,
                category: r.category,
                model: r.payout_model,
                currency: r.currency,
                geo_allow: r.geo_allow,
                geo_deny: r.geo_deny,
                daily_cap: r.daily_cap.map(i64::from),
                total_cap: r.total_cap.map(i64::from),
                held_today: r.held_today,
                held_total: r.held_total,
                platform: platform.remove(&r.id).unwrap_or_default(),
            },
            name: r.name,
            payout_amount: r.payout_amount,
            payout_percent: r.payout_percent,
        })
        .collect();
    Ok((out, paused))
}

/// A promoter's traffic over `days` by offer category, payout model and country.
pub(super) async fn own_traffic(
    pool: &PgPool,
    promoter: PromoterId,
    days: Days,
) -> sqlx::Result<Vec<OwnTraffic>> {
    sqlx::query_as!(
        OwnTraffic,
        r#"WITH c AS (SELECT offer_id, country, sum(clicks)::bigint AS clicks FROM stats_clicks
                      WHERE promoter_id = $1 AND bucket >= $2 AND bucket < $3 GROUP BY 1, 2),
                v AS (SELECT offer_id, country, sum(conversions)::bigint AS conversions FROM stats_conversions
                      WHERE promoter_id = $1 AND bucket >= $2 AND bucket < $3 GROUP BY 1, 2)
           SELECT o.category, o.payout_model AS "model: PayoutModel",
                  coalesce(c.country, v.country) AS "country!",
                  coalesce(c.clicks, 0) AS "clicks!", coalesce(v.conversions, 0) AS "conversions!"
           FROM c FULL JOIN v ON c.offer_id = v.offer_id AND c.country = v.country
           JOIN offers o ON o.id = coalesce(c.offer_id, v.offer_id)"#,
        promoter.0,
        start(days.from),
        end(days.to),
    )
    .fetch_all(pool)
    .await
}
