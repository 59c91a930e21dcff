//! The facts insights are made of, read from the raw `clicks` and `conversions` of a range
//! (their `(promoter_id, ts)`, `(offer_id, ts)` and `(advertiser_id, ts)` indexes): clicks
//! by verdict and reason, conversions by click-to-conversion time, counted clicks and
//! approved conversions per offer and promoter, the busiest IPs and subnets. Every read is
//! grouped by promoter, so one promoter's insight and the whole review queue are the same
//! queries with a different scope.
//!
//! Also which promoters and offers a caller may ask about: the tenancy of insights.

use std::collections::BTreeMap;

use ipnet::IpNet;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::fraud::insights::{self, CTIT_EDGES, Clicks, Figures, Filter, OfferTraffic, Top};
use crate::fraud::rules::Reason;
use crate::kernel::{AdvertiserId, OfferId, PromoterId};

/// Whose traffic, over which range. Every filter that is set applies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    /// Only this promoter's traffic.
    pub promoter: Option<PromoterId>,
    /// Only traffic on this offer.
    pub offer: Option<OfferId>,
    /// Only traffic on this advertiser's offers (an advertiser's view).
    pub advertiser: Option<AdvertiserId>,
    /// From this instant, inclusive.
    pub from: OffsetDateTime,
    /// To this instant, exclusive.
    pub to: OffsetDateTime,
}

impl Scope {
    fn binds(&self) -> (Option<i64>, Option<i64>, Option<i64>) {
        (
            self.promoter.map(|p| p.0),
            self.offer.map(|o| o.0),
            self.advertiser.map(|a| a.0),
        )
    }
}

/// The reasons that keep a click out of the counts, as stored: a click is counted when its
/// verdict is `ok` and its `fraud` list shares none of them. (A name this version does not
/// know does not block here, as `rules::from_texts` leaves it out.)
fn blocking() -> Vec<String> {
    Reason::ALL
        .into_iter()
        .filter(|r| r.blocks())
        .map(|r| r.as_str().to_owned())
        .collect()
}

/// How many IPs and subnets an insight lists.
pub(crate) const TOP: i64 = 10;

/// The figures of one scope, with its busiest IPs and subnets.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loaded {
    /// Everything the risk is decided from (the comparisons of the scope's promoters only).
    pub figures: Figures,
    /// The IPs with the most clicks, most first.
    pub top_ips: Vec<Top>,
    /// The subnets (IPv4 /24, IPv6 /48) with the most clicks, most first.
    pub top_subnets: Vec<Top>,
}

/// The figures of `scope`, all promoters in it together.
pub(crate) async fn load(pool: &PgPool, scope: &Scope) -> sqlx::Result<Loaded> {
    let (per_promoter, traffic, top_ips, top_subnets) = tokio::try_join!(
        by_promoter(pool, scope),
        offer_traffic(pool, scope),
        top_ips(pool, scope),
        top_subnets(pool, scope),
    )?;
    let mut figures = Figures::default();
    for f in per_promoter.into_values() {
        let c = &mut figures.clicks;
        c.total += f.clicks.total;
        c.counted += f.clicks.counted;
        c.flagged += f.clicks.flagged;
        for (filter, n) in f.clicks.by_filter {
            *c.by_filter.entry(filter).or_default() += n;
        }
        for (sum, n) in figures.ctit.buckets.iter_mut().zip(f.ctit.buckets) {
            *sum += n;
        }
    }
    figures.rates = insights::compare(&traffic, |t| {
        scope.promoter.is_none_or(|p| p == t.promoter_id)
    });
    figures.top_ip = top_ips.first().cloned();
    figures.top_subnet = top_subnets.first().cloned();
    Ok(Loaded {
        figures,
        top_ips,
        top_subnets,
    })
}

/// The figures of every promoter with traffic in `scope` (the review queue), each with its
/// busiest IP and subnet and its comparisons on every offer it has traffic on.
pub(crate) async fn load_each(
    pool: &PgPool,
    scope: &Scope,
) -> sqlx::Result<BTreeMap<PromoterId, Figures>> {
    let (mut each, traffic, ips, subnets) = tokio::try_join!(
        by_promoter(pool, scope),
        offer_traffic(pool, scope),
        top_ip_each(pool, scope),
        top_subnet_each(pool, scope),
    )?;
    for c in insights::compare(&traffic, |_| true) {
        each.entry(c.promoter_id).or_default().rates.push(c);
    }
    for (promoter, top) in ips {
        each.entry(promoter).or_default().top_ip = Some(top);
    }
    for (promoter, top) in subnets {
        each.entry(promoter).or_default().top_subnet = Some(top);
    }
    Ok(each)
}

/// Clicks (by verdict and reason) and the CTIT histogram, per promoter.
async fn by_promoter(pool: &PgPool, scope: &Scope) -> sqlx::Result<BTreeMap<PromoterId, Figures>> {
    let (promoter, offer, advertiser) = scope.binds();
    let blocking = blocking();
    let counts = sqlx::query!(
        r#"SELECT promoter_id AS "promoter_id: PromoterId",
                  count(*) AS "total!",
                  count(*) FILTER (WHERE verdict = 'ok' AND NOT (fraud && $6::text[])) AS "counted!",
                  count(*) FILTER (WHERE verdict = 'ok' AND (fraud && $6::text[])) AS "flagged!"
           FROM clicks
           WHERE ts >= $4 AND ts < $5 AND NOT test
             AND ($1::bigint IS NULL OR promoter_id = $1)
             AND ($2::bigint IS NULL OR offer_id = $2)
             AND ($3::bigint IS NULL OR advertiser_id = $3)
           GROUP BY promoter_id"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
        &blocking,
    )
    .fetch_all(pool);
    // A filtered click is under its verdict; an ok click under each of its reasons.
    let filters = sqlx::query!(
        r#"SELECT c.promoter_id AS "promoter_id: PromoterId", r.name AS "name!",
                  count(*) AS "clicks!"
           FROM clicks c
           CROSS JOIN LATERAL unnest(CASE WHEN c.verdict = 'ok' THEN c.fraud
                                          ELSE ARRAY[c.verdict] END) AS r(name)
           WHERE c.ts >= $4 AND c.ts < $5 AND NOT c.test
             AND ($1::bigint IS NULL OR c.promoter_id = $1)
             AND ($2::bigint IS NULL OR c.offer_id = $2)
             AND ($3::bigint IS NULL OR c.advertiser_id = $3)
           GROUP BY 1, 2"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
    )
    .fetch_all(pool);
    // Conversions that were credited, held or refused as fraud: the ones a click led to
    // (not duplicates, caps or unknown clicks), bucketed at the CTIT edges.
    let edges = CTIT_EDGES.to_vec();
    let ctit = sqlx::query!(
        r#"SELECT promoter_id AS "promoter_id!: PromoterId",
                  width_bucket(extract(epoch FROM ts - click_ts)::float8, $6::float8[]) AS "bucket!",
                  count(*) AS "conversions!"
           FROM conversions
           WHERE status IN ('approved', 'pending_review', 'rejected_fraud') AND NOT test
             AND click_ts IS NOT NULL AND promoter_id IS NOT NULL
             AND ts >= $4 AND ts < $5
             AND ($1::bigint IS NULL OR promoter_id = $1)
             AND ($2::bigint IS NULL OR offer_id = $2)
             AND ($3::bigint IS NULL OR advertiser_id = $3)
           GROUP BY 1, 2"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
        &edges,
    )
    .fetch_all(pool);
    let (counts, filters, ctit) = tokio::try_join!(counts, filters, ctit)?;
    let mut each: BTreeMap<PromoterId, Figures> = BTreeMap::new();
    for row in counts {
        let c = &mut each.entry(row.promoter_id).or_default().clicks;
        c.total += row.total;
        c.counted += row.counted;
        c.flagged += row.flagged;
    }
    for row in filters {
        // A reason a newer control plane wrote, unknown here, is left out.
        if let Some(filter) = Filter::parse(&row.name) {
            let c: &mut Clicks = &mut each.entry(row.promoter_id).or_default().clicks;
            *c.by_filter.entry(filter).or_default() += row.clicks;
        }
    }
    for row in ctit {
        each.entry(row.promoter_id)
            .or_default()
            .ctit
            .add(row.bucket, row.conversions);
    }
    Ok(each)
}

/// Counted clicks and approved conversions per promoter on every offer the scope has
/// traffic on, every promoter of those offers included (they are what a promoter is
/// compared with).
async fn offer_traffic(pool: &PgPool, scope: &Scope) -> sqlx::Result<Vec<OfferTraffic>> {
    let (promoter, offer, advertiser) = scope.binds();
    let rows = sqlx::query!(
        r#"WITH offers AS (
               SELECT offer_id FROM clicks
               WHERE ts >= $4 AND ts < $5 AND NOT test
                 AND ($1::bigint IS NULL OR promoter_id = $1)
                 AND ($2::bigint IS NULL OR offer_id = $2)
                 AND ($3::bigint IS NULL OR advertiser_id = $3)
               UNION
               SELECT offer_id FROM conversions
               WHERE status = 'approved' AND ts >= $4 AND ts < $5 AND NOT test
                 AND ($1::bigint IS NULL OR promoter_id = $1)
                 AND ($2::bigint IS NULL OR offer_id = $2)
                 AND ($3::bigint IS NULL OR advertiser_id = $3)
           ),
           k AS (
               SELECT offer_id, promoter_id, count(*) AS clicks FROM clicks
               WHERE offer_id IN (SELECT offer_id FROM offers) AND ts >= $4 AND ts < $5 AND NOT test
                 AND verdict = 'ok' AND NOT (fraud && $6::text[])
               GROUP BY 1, 2
           ),
           v AS (
               SELECT offer_id, promoter_id, count(*) AS conversions FROM conversions
               WHERE offer_id IN (SELECT offer_id FROM offers) AND ts >= $4 AND ts < $5 AND NOT test
                 AND status = 'approved' AND promoter_id IS NOT NULL
               GROUP BY 1, 2
           )
           SELECT offer_id AS "offer_id!: OfferId", promoter_id AS "promoter_id!: PromoterId",
                  coalesce(k.clicks, 0) AS "clicks!", coalesce(v.conversions, 0) AS "conversions!"
           FROM k FULL JOIN v USING (offer_id, promoter_id)"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
        &blocking(),
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OfferTraffic {
            offer_id: r.offer_id,
            promoter_id: r.promoter_id,
            clicks: r.clicks,
            conversions: r.conversions,
        })
        .collect())
}

/// An IP as people write it (no `/32` or `/128`).
fn host(ip: IpNet) -> String {
    ip.addr().to_string()
}

/// The IPs with the most clicks of the scope (every verdict: a flagged click's IP is what a
/// reviewer looks for).
async fn top_ips(pool: &PgPool, scope: &Scope) -> sqlx::Result<Vec<Top>> {
    let (promoter, offer, advertiser) = scope.binds();
    let rows = sqlx::query!(
        r#"SELECT ip AS "ip!: IpNet", count(*) AS "clicks!"
           FROM clicks
           WHERE ip IS NOT NULL AND ts >= $4 AND ts < $5 AND NOT test
             AND ($1::bigint IS NULL OR promoter_id = $1)
             AND ($2::bigint IS NULL OR offer_id = $2)
             AND ($3::bigint IS NULL OR advertiser_id = $3)
           GROUP BY ip ORDER BY 2 DESC, ip LIMIT $6"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
        TOP,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Top {
            key: host(r.ip),
            clicks: r.clicks,
        })
        .collect())
}

/// The subnets with the most clicks of the scope: IPv4 /24, IPv6 /48 (what one household,
/// office or hosting customer is usually given).
async fn top_subnets(pool: &PgPool, scope: &Scope) -> sqlx::Result<Vec<Top>> {
    let (promoter, offer, advertiser) = scope.binds();
    let rows = sqlx::query!(
        r#"SELECT network(set_masklen(ip, CASE WHEN family(ip) = 4 THEN 24 ELSE 48 END))
                      AS "subnet!: IpNet",
                  count(*) AS "clicks!"
           FROM clicks
           WHERE ip IS NOT NULL AND ts >= $4 AND ts < $5 AND NOT test
             AND ($1::bigint IS NULL OR promoter_id = $1)
             AND ($2::bigint IS NULL OR offer_id = $2)
             AND ($3::bigint IS NULL OR advertiser_id = $3)
           GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $6"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
        TOP,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Top {
            key: r.subnet.to_string(),
            clicks: r.clicks,
        })
        .collect())
}

/// Each promoter's busiest IP in the scope.
async fn top_ip_each(pool: &PgPool, scope: &Scope) -> sqlx::Result<Vec<(PromoterId, Top)>> {
    let (promoter, offer, advertiser) = scope.binds();
    let rows = sqlx::query!(
        r#"SELECT DISTINCT ON (promoter_id)
                  promoter_id AS "promoter_id: PromoterId", ip AS "ip!: IpNet",
                  count(*) AS "clicks!"
           FROM clicks
           WHERE ip IS NOT NULL AND ts >= $4 AND ts < $5 AND NOT test
             AND ($1::bigint IS NULL OR promoter_id = $1)
             AND ($2::bigint IS NULL OR offer_id = $2)
             AND ($3::bigint IS NULL OR advertiser_id = $3)
           GROUP BY promoter_id, ip
           ORDER BY promoter_id, count(*) DESC, ip"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.promoter_id,
                Top {
                    key: host(r.ip),
                    clicks: r.clicks,
                },
            )
        })
        .collect())
}

/// Each promoter's busiest subnet in the scope.
async fn top_subnet_each(pool: &PgPool, scope: &Scope) -> sqlx::Result<Vec<(PromoterId, Top)>> {
    let (promoter, offer, advertiser) = scope.binds();
    let rows = sqlx::query!(
        r#"SELECT DISTINCT ON (promoter_id)
                  promoter_id AS "promoter_id: PromoterId",
                  network(set_masklen(ip, CASE WHEN family(ip) = 4 THEN 24 ELSE 48 END))
                      AS "subnet!: IpNet",
                  count(*) AS "clicks!"
           FROM clicks
           WHERE ip IS NOT NULL AND ts >= $4 AND ts < $5 AND NOT test
             AND ($1::bigint IS NULL OR promoter_id = $1)
             AND ($2::bigint IS NULL OR offer_id = $2)
             AND ($3::bigint IS NULL OR advertiser_id = $3)
           GROUP BY 1, 2
           ORDER BY 1, 3 DESC, 2"#,
        promoter,
        offer,
        advertiser,
        scope.from,
        scope.to,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.promoter_id,
                Top {
                    key: r.subnet.to_string(),
                    clicks: r.clicks,
                },
            )
        })
        .collect())
}

/// Whether `promoter` is a promoter the caller may ask about: any promoter for an admin
/// (`advertiser` none); for an advertiser, one with a link to one of its offers or clicks
/// on them in the range (an advertiser learns nothing of promoters that never sent it
/// traffic, not even that they exist).
pub(crate) async fn promoter_visible(
    pool: &PgPool,
    promoter: PromoterId,
    advertiser: Option<AdvertiserId>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM users u
               WHERE u.id = $1 AND u.role = 'promoter'
                 AND ($2::bigint IS NULL
                      OR EXISTS (SELECT 1 FROM links l JOIN offers o ON o.id = l.offer_id
                                 WHERE l.promoter_id = u.id AND o.advertiser_id = $2)
                      OR EXISTS (SELECT 1 FROM clicks c
                                 WHERE c.promoter_id = u.id AND c.advertiser_id = $2
                                   AND c.ts >= $3 AND c.ts < $4))
           ) AS "visible!""#,
        promoter.0,
        advertiser.map(|a| a.0),
        from,
        to,
    )
    .fetch_one(pool)
    .await
}

/// Whether the caller may ask about `offer`: an admin any offer; an advertiser its own
/// (`advertiser`); a promoter (`promoter`) an offer it could see in the marketplace
/// (approved), has a link to, or has clicks on in the range.
pub(crate) async fn offer_visible(
    pool: &PgPool,
    offer: OfferId,
    advertiser: Option<AdvertiserId>,
    promoter: Option<PromoterId>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM offers o
               WHERE o.id = $1
                 AND ($2::bigint IS NULL OR o.advertiser_id = $2)
                 AND ($3::bigint IS NULL
                      OR o.status = 'approved'
                      OR EXISTS (SELECT 1 FROM links l
                                 WHERE l.offer_id = o.id AND l.promoter_id = $3)
                      OR EXISTS (SELECT 1 FROM clicks c
                                 WHERE c.promoter_id = $3 AND c.offer_id = o.id
                                   AND c.ts >= $4 AND c.ts < $5))
           ) AS "visible!""#,
        offer.0,
        advertiser.map(|a| a.0),
        promoter.map(|p| p.0),
        from,
        to,
    )
    .fetch_one(pool)
    .await
}

/// A promoter as the review queue shows it.
#[derive(Debug, Clone)]
pub(crate) struct PromoterRow {
    /// The promoter.
    pub id: PromoterId,
    /// Its email.
    pub email: String,
    /// Its display name.
    pub display_name: String,
    /// Since when it is suspended, if it is.
    pub suspended_at: Option<OffsetDateTime>,
    /// Why.
    pub suspended_reason: Option<String>,
}

/// The promoters among `ids` (other users are left out).
pub(crate) async fn promoters(
    pool: &PgPool,
    ids: &[PromoterId],
) -> sqlx::Result<BTreeMap<PromoterId, PromoterRow>> {
    let ids: Vec<i64> = ids.iter().map(|p| p.0).collect();
    let rows = sqlx::query_as!(
        PromoterRow,
        r#"SELECT id AS "id: PromoterId", email, display_name, suspended_at, suspended_reason
           FROM users WHERE id = ANY($1) AND role = 'promoter'"#,
        &ids,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}
