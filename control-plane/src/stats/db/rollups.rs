//! Writing the stats rollups: 15-minute UTC buckets (every real time zone offset is a multiple
//! of 15 minutes, so any zone's hours, days, weeks and months are sums of buckets) at two
//! levels:
//! - by dimension: `stats_clicks` and `stats_conversions`, per offer, promoter, country and
//!   sub1 (clicks also by their offer's currency, conversions by payout and revenue
//!   currency: EPC divides a currency's payout by the clicks on offers paying in it), for
//!   requests that split or filter;
//! - by scope: `stats_scope_clicks` and `stats_scope_conversions`, one row per bucket for
//!   the platform (`t`), each advertiser (`a`) and each promoter (`p`), for the plain "my
//!   numbers per period" request, whose cost then does not grow with the tenant's traffic.
//!
//! Ingestion and attribution add to both levels in the same transaction as the rows they
//! count: upserts in key order for the rollups by dimension; appended sums for the scopes
//! (`*_delta`, folded into the scope tables by [`compact`]: every batch touches the same
//! few scope rows, which would otherwise make concurrent batches wait on each other).
//! `rebuild` recomputes everything from the raw rows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::kernel::{AdvertiserId, OfferId, PromoterId};

/// The bucket width in seconds.
const BUCKET_SECS: i64 = 900;

/// The 15-minute UTC bucket `at` falls in.
pub(crate) fn bucket_of(at: OffsetDateTime) -> OffsetDateTime {
    let secs = at.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(secs - secs.rem_euclid(BUCKET_SECS)).unwrap_or(at)
}

/// Whose totals a per-scope rollup row holds: stored as `scope` `t` (the platform, `scope_id`
/// 0), `a` (an advertiser) or `p` (a promoter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RollupScope {
    /// The whole platform.
    Platform,
    /// One advertiser's offers.
    Advertiser(AdvertiserId),
    /// One promoter's links.
    Promoter(PromoterId),
}

impl RollupScope {
    /// The stored `scope`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "t",
            Self::Advertiser(_) => "a",
            Self::Promoter(_) => "p",
        }
    }

    /// The stored `scope_id`.
    pub(crate) fn id(self) -> i64 {
        match self {
            Self::Platform => 0,
            Self::Advertiser(a) => a.0,
            Self::Promoter(p) => p.0,
        }
    }

    /// The scopes a count on an offer of `advertiser` through `promoter`'s link is part of.
    fn of(advertiser: AdvertiserId, promoter: PromoterId) -> [Self; 3] {
        [
            Self::Platform,
            Self::Advertiser(advertiser),
            Self::Promoter(promoter),
        ]
    }
}

/// The dimensions a click is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClickKey {
    /// The 15-minute bucket (see [`bucket_of`]).
    pub bucket: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// The offer's advertiser.
    pub advertiser_id: AdvertiserId,
    /// Country, '' when unknown.
    pub country: String,
    /// sub1, '' when unset.
    pub sub1: String,
    /// The offer's currency (what its conversions pay in): EPC in a currency counts the
    /// clicks on offers paying in it.
    pub currency: String,
}

impl ClickKey {
    /// The key of a click at `at` on an offer of `advertiser_id` paying in `currency`.
    pub fn new(
        at: OffsetDateTime,
        (offer_id, promoter_id, advertiser_id): (OfferId, PromoterId, AdvertiserId),
        currency: &str,
        country: Option<&str>,
        sub1: Option<&str>,
    ) -> Self {
        Self {
            bucket: bucket_of(at),
            offer_id,
            promoter_id,
            advertiser_id,
            country: country.unwrap_or_default().to_owned(),
            sub1: sub1.unwrap_or_default().to_owned(),
            currency: currency.to_owned(),
        }
    }

    /// The scopes the click counts in: the platform, its advertiser, its promoter.
    fn scopes(&self) -> [RollupScope; 3] {
        RollupScope::of(self.advertiser_id, self.promoter_id)
    }
}

/// Click counts to add (negative to take away).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClickCounts {
    /// Verdict ok.
    pub clicks: i64,
    /// Unique among them.
    pub unique_clicks: i64,
    /// Bots, paused offers, geo-blocked.
    pub filtered_clicks: i64,
}

impl ClickCounts {
    fn add(&mut self, other: ClickCounts) {
        self.clicks += other.clicks;
        self.unique_clicks += other.unique_clicks;
        self.filtered_clicks += other.filtered_clicks;
    }

    fn is_zero(&self) -> bool {
        *self == ClickCounts::default()
    }
}

/// Adds click counts to both rollup levels. Rows are written in key order, so concurrent
/// batches lock them in the same order (no deadlocks).
pub async fn add_clicks(
    tx: &mut Transaction<'_, Postgres>,
    counts: &BTreeMap<ClickKey, ClickCounts>,
) -> sqlx::Result<()> {
    let counts: Vec<(&ClickKey, &ClickCounts)> =
        counts.iter().filter(|(_, c)| !c.is_zero()).collect();
    if counts.is_empty() {
        return Ok(());
    }
    let mut scoped: BTreeMap<(&'static str, i64, OffsetDateTime, &str), ClickCounts> =
        BTreeMap::new();
    for (key, c) in &counts {
        for scope in key.scopes() {
            scoped
                .entry((
                    scope.as_str(),
                    scope.id(),
                    key.bucket,
                    key.currency.as_str(),
                ))
                .or_default()
                .add(**c);
        }
    }
    let col = |f: fn(&ClickCounts) -> i64| counts.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
    // Text arrays are bound borrowed, with their type stated (`as &[&str]`, which the macros
    // take instead of checking it against the `Vec<String>` they expect): no copy of every
    // key's text for each batch.
    let countries: Vec<&str> = counts.iter().map(|(k, _)| k.country.as_str()).collect();
    let sub1s: Vec<&str> = counts.iter().map(|(k, _)| k.sub1.as_str()).collect();
    let currencies: Vec<&str> = counts.iter().map(|(k, _)| k.currency.as_str()).collect();
    sqlx::query!(
        "INSERT INTO stats_clicks (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
                                   currency, clicks, unique_clicks, filtered_clicks)
         SELECT * FROM UNNEST($1::timestamptz[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                              $7::text[], $8::bigint[], $9::bigint[], $10::bigint[])
         ON CONFLICT (bucket, offer_id, promoter_id, country, sub1, currency) DO UPDATE SET
             clicks = stats_clicks.clicks + EXCLUDED.clicks,
             unique_clicks = stats_clicks.unique_clicks + EXCLUDED.unique_clicks,
             filtered_clicks = stats_clicks.filtered_clicks + EXCLUDED.filtered_clicks",
        &counts.iter().map(|(k, _)| k.bucket).collect::<Vec<_>>(),
        &counts.iter().map(|(k, _)| k.offer_id.0).collect::<Vec<_>>(),
        &counts.iter().map(|(k, _)| k.promoter_id.0).collect::<Vec<_>>(),
        &counts.iter().map(|(k, _)| k.advertiser_id.0).collect::<Vec<_>>(),
        &countries[..] as &[&str],
        &sub1s[..] as &[&str],
        &currencies[..] as &[&str],
        &col(|c| c.clicks),
        &col(|c| c.unique_clicks),
        &col(|c| c.filtered_clicks),
    )
    .execute(&mut **tx)
    .await?;
    let scopes: Vec<&str> = scoped.keys().map(|k| k.0).collect();
    let currencies: Vec<&str> = scoped.keys().map(|k| k.3).collect();
    sqlx::query!(
        "INSERT INTO stats_scope_clicks_delta (scope, scope_id, bucket, currency, clicks, unique_clicks, filtered_clicks)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::bigint[], $6::bigint[],
                              $7::bigint[])",
        &scopes[..] as &[&str],
        &scoped.keys().map(|k| k.1).collect::<Vec<_>>(),
        &scoped.keys().map(|k| k.2).collect::<Vec<_>>(),
        &currencies[..] as &[&str],
        &scoped.values().map(|c| c.clicks).collect::<Vec<_>>(),
        &scoped.values().map(|c| c.unique_clicks).collect::<Vec<_>>(),
        &scoped.values().map(|c| c.filtered_clicks).collect::<Vec<_>>(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Filtered clicks of one UTC day, offer and promoter, by reason: the edge's verdict (`bot`,
/// `offer_paused`, `geo_blocked`, `expired`) or a fraud reason of an ok click.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FilteredKey {
    /// The clicks' UTC day.
    pub day: time::Date,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// The offer's advertiser.
    pub advertiser_id: AdvertiserId,
    /// The verdict or fraud reason.
    pub reason: &'static str,
}

/// Adds filtered clicks by reason, in key order (concurrent batches lock rows in the same
/// order).
pub async fn add_filtered(
    tx: &mut Transaction<'_, Postgres>,
    counts: &BTreeMap<FilteredKey, i64>,
) -> sqlx::Result<()> {
    let counts: Vec<(&FilteredKey, &i64)> = counts.iter().filter(|(_, n)| **n != 0).collect();
    if counts.is_empty() {
        return Ok(());
    }
    let reasons: Vec<&str> = counts.iter().map(|(k, _)| k.reason).collect();
    sqlx::query!(
        "INSERT INTO stats_filtered (day, offer_id, promoter_id, advertiser_id, reason, clicks)
         SELECT * FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[])
         ON CONFLICT (day, offer_id, promoter_id, reason) DO UPDATE SET
             clicks = stats_filtered.clicks + EXCLUDED.clicks",
        &counts.iter().map(|(k, _)| k.day).collect::<Vec<_>>(),
        &counts.iter().map(|(k, _)| k.offer_id.0).collect::<Vec<_>>(),
        &counts.iter().map(|(k, _)| k.promoter_id.0).collect::<Vec<_>>(),
        &counts.iter().map(|(k, _)| k.advertiser_id.0).collect::<Vec<_>>(),
        &reasons[..] as &[&str],
        &counts.iter().map(|(_, n)| **n).collect::<Vec<_>>(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An approved conversion entering (`sign` 1) or leaving (-1) the rollups.
#[derive(Debug, Clone)]
pub struct ConversionCount {
    /// The conversion's time.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// Advertiser.
    pub advertiser_id: AdvertiserId,
    /// The click's country ('' when unknown).
    pub country: String,
    /// The click's sub1 ('' when unset).
    pub sub1: String,
    /// Payout and its currency.
    pub payout: (Decimal, String),
    /// Revenue (the amount) and its currency.
    pub revenue: (Decimal, String),
    /// 1 or -1.
    pub sign: i64,
}

/// (bucket, offer, promoter, country, sub1, payout currency, revenue currency) → advertiser.
type ConversionKey = (
    OffsetDateTime,
    OfferId,
    PromoterId,
    String,
    String,
    String,
    String,
);

/// Conversion sums: (conversions, payout, revenue).
type ConversionSums = (i64, Decimal, Decimal);

fn add_sums(into: &mut ConversionSums, by: ConversionSums) {
    into.0 += by.0;
    into.1 += by.1;
    into.2 += by.2;
}

/// Adds conversions to both rollup levels, summed by row and written in key order (so two
/// transactions never take the same rows in opposite orders). Called once per transaction,
/// just before it commits, so the rows are locked for as short a time as can be.
pub async fn add_conversions(
    tx: &mut Transaction<'_, Postgres>,
    changes: &[ConversionCount],
) -> sqlx::Result<()> {
    let mut rows: BTreeMap<ConversionKey, (AdvertiserId, ConversionSums)> = BTreeMap::new();
    let mut scoped: BTreeMap<(&'static str, i64, OffsetDateTime, String, String), ConversionSums> =
        BTreeMap::new();
    for c in changes {
        let bucket = bucket_of(c.ts);
        let sums = (
            c.sign,
            Decimal::from(c.sign) * c.payout.0,
            Decimal::from(c.sign) * c.revenue.0,
        );
        let key = (
            bucket,
            c.offer_id,
            c.promoter_id,
            c.country.clone(),
            c.sub1.clone(),
            c.payout.1.clone(),
            c.revenue.1.clone(),
        );
        add_sums(
            &mut rows
                .entry(key)
                .or_insert((c.advertiser_id, (0, Decimal::ZERO, Decimal::ZERO)))
                .1,
            sums,
        );
        for scope in RollupScope::of(c.advertiser_id, c.promoter_id) {
            let key = (
                scope.as_str(),
                scope.id(),
                bucket,
                c.payout.1.clone(),
                c.revenue.1.clone(),
            );
            add_sums(scoped.entry(key).or_default(), sums);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let keys: Vec<&ConversionKey> = rows.keys().collect();
    let values: Vec<&(AdvertiserId, ConversionSums)> = rows.values().collect();
    let countries: Vec<&str> = keys.iter().map(|k| k.3.as_str()).collect();
    let sub1s: Vec<&str> = keys.iter().map(|k| k.4.as_str()).collect();
    let payout_currencies: Vec<&str> = keys.iter().map(|k| k.5.as_str()).collect();
    let revenue_currencies: Vec<&str> = keys.iter().map(|k| k.6.as_str()).collect();
    sqlx::query!(
        "INSERT INTO stats_conversions (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
             payout_currency, revenue_currency, conversions, payout, revenue)
         SELECT * FROM UNNEST($1::timestamptz[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                              $7::text[], $8::text[], $9::bigint[], $10::numeric[], $11::numeric[])
         ON CONFLICT (bucket, offer_id, promoter_id, country, sub1, payout_currency, revenue_currency) DO UPDATE SET
             conversions = stats_conversions.conversions + EXCLUDED.conversions,
             payout = stats_conversions.payout + EXCLUDED.payout,
             revenue = stats_conversions.revenue + EXCLUDED.revenue",
        &keys.iter().map(|k| k.0).collect::<Vec<_>>(),
        &keys.iter().map(|k| k.1.0).collect::<Vec<_>>(),
        &keys.iter().map(|k| k.2.0).collect::<Vec<_>>(),
        &values.iter().map(|v| v.0.0).collect::<Vec<_>>(),
        &countries[..] as &[&str],
        &sub1s[..] as &[&str],
        &payout_currencies[..] as &[&str],
        &revenue_currencies[..] as &[&str],
        &values.iter().map(|v| v.1.0).collect::<Vec<_>>(),
        &values.iter().map(|v| v.1.1).collect::<Vec<_>>(),
        &values.iter().map(|v| v.1.2).collect::<Vec<_>>(),
    )
    .execute(&mut **tx)
    .await?;
    let scopes: Vec<&str> = scoped.keys().map(|k| k.0).collect();
    let payout_currencies: Vec<&str> = scoped.keys().map(|k| k.3.as_str()).collect();
    let revenue_currencies: Vec<&str> = scoped.keys().map(|k| k.4.as_str()).collect();
    sqlx::query!(
        "INSERT INTO stats_scope_conversions_delta (scope, scope_id, bucket, payout_currency, revenue_currency,
                                                    conversions, payout, revenue)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[],
                              $6::bigint[], $7::numeric[], $8::numeric[])",
        &scopes[..] as &[&str],
        &scoped.keys().map(|k| k.1).collect::<Vec<_>>(),
        &scoped.keys().map(|k| k.2).collect::<Vec<_>>(),
        &payout_currencies[..] as &[&str],
        &revenue_currencies[..] as &[&str],
        &scoped.values().map(|v| v.0).collect::<Vec<_>>(),
        &scoped.values().map(|v| v.1).collect::<Vec<_>>(),
        &scoped.values().map(|v| v.2).collect::<Vec<_>>(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// The statements folding `{table}_delta` into `{table}` and `{table}_hourly`: the deltas it
// deletes are summed per key (in key order) and added to both; the hour of a bucket is
// `date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00')`, whatever the session's
// time zone (`date_trunc` would use it). Each macro hands its statement to the macro named
// (`sqlx::query_scalar`; `concat` in the tests, to read it).

/// Folds `stats_scope_clicks_delta`.
macro_rules! fold_clicks {
    ($($run:ident)::+) => {
        $($run)::+!(
            r#"WITH gone AS (DELETE FROM stats_scope_clicks_delta RETURNING *),
              quarter AS (INSERT INTO stats_scope_clicks (scope, scope_id, bucket, currency, clicks, unique_clicks, filtered_clicks)
             SELECT scope, scope_id, bucket, currency, sum(clicks), sum(unique_clicks), sum(filtered_clicks) FROM gone GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (scope, scope_id, bucket, currency) DO UPDATE SET clicks = stats_scope_clicks.clicks + EXCLUDED.clicks,
                 unique_clicks = stats_scope_clicks.unique_clicks + EXCLUDED.unique_clicks,
                 filtered_clicks = stats_scope_clicks.filtered_clicks + EXCLUDED.filtered_clicks),
              hourly AS (INSERT INTO stats_scope_clicks_hourly (scope, scope_id, bucket, currency, clicks, unique_clicks, filtered_clicks)
             SELECT scope, scope_id, date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), currency, sum(clicks), sum(unique_clicks), sum(filtered_clicks) FROM gone GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
             ON CONFLICT (scope, scope_id, bucket, currency) DO UPDATE SET clicks = stats_scope_clicks_hourly.clicks + EXCLUDED.clicks,
                 unique_clicks = stats_scope_clicks_hourly.unique_clicks + EXCLUDED.unique_clicks,
                 filtered_clicks = stats_scope_clicks_hourly.filtered_clicks + EXCLUDED.filtered_clicks)
         SELECT count(*) AS "folded!" FROM gone"#
        )
    };
}

/// Folds `stats_scope_conversions_delta`.
macro_rules! fold_conversions {
    ($($run:ident)::+) => {
        $($run)::+!(
            r#"WITH gone AS (DELETE FROM stats_scope_conversions_delta RETURNING *),
              quarter AS (INSERT INTO stats_scope_conversions (scope, scope_id, bucket, payout_currency, revenue_currency, conversions, payout, revenue)
             SELECT scope, scope_id, bucket, payout_currency, revenue_currency, sum(conversions), sum(payout), sum(revenue) FROM gone GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
             ON CONFLICT (scope, scope_id, bucket, payout_currency, revenue_currency) DO UPDATE SET conversions = stats_scope_conversions.conversions + EXCLUDED.conversions,
                 payout = stats_scope_conversions.payout + EXCLUDED.payout,
                 revenue = stats_scope_conversions.revenue + EXCLUDED.revenue),
              hourly AS (INSERT INTO stats_scope_conversions_hourly (scope, scope_id, bucket, payout_currency, revenue_currency, conversions, payout, revenue)
             SELECT scope, scope_id, date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), payout_currency, revenue_currency, sum(conversions), sum(payout), sum(revenue) FROM gone GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
             ON CONFLICT (scope, scope_id, bucket, payout_currency, revenue_currency) DO UPDATE SET conversions = stats_scope_conversions_hourly.conversions + EXCLUDED.conversions,
                 payout = stats_scope_conversions_hourly.payout + EXCLUDED.payout,
                 revenue = stats_scope_conversions_hourly.revenue + EXCLUDED.revenue)
         SELECT count(*) AS "folded!" FROM gone"#
        )
    };
}

/// Folds the appended scope sums into the scope tables; returns how many deltas were folded.
/// Safe to run at any time and from several processes at once: each run takes only deltas
/// committed when it starts, and deletes them in the statement that adds them up.
pub async fn compact(pool: &PgPool) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    // One compaction at a time (several services may run): the others skip their turn.
    let ours = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtext('afftok:stats-compact')) AS "ours!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    if !ours {
        return Ok(0);
    }
    let clicks = fold_clicks!(sqlx::query_scalar).fetch_one(&mut *tx).await?;
    let conversions = fold_conversions!(sqlx::query_scalar)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((clicks + conversions) as u64)
}

/// What a rebuild wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// `stats_clicks` rows.
    pub click_rows: u64,
    /// `stats_conversions` rows.
    pub conversion_rows: u64,
}

/// Recomputes every rollup from the raw clicks and conversions: the counts ingestion and
/// attribution keep, from scratch (after a manual data repair, or to load data that did not
/// come through ingestion). The rollup tables are locked meanwhile: ingestion waits, stats
/// reads go on with the old numbers until the new ones commit.
pub async fn rebuild(pool: &PgPool) -> sqlx::Result<Rebuilt> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "LOCK TABLE stats_clicks, stats_scope_clicks, stats_scope_clicks_hourly, stats_scope_clicks_delta,
                   stats_conversions, stats_scope_conversions, stats_scope_conversions_hourly,
                   stats_scope_conversions_delta IN EXCLUSIVE MODE",
    )
    .execute(&mut *tx)
    .await?;
    // DELETE, not TRUNCATE: TRUNCATE's lock would hold stats reads up until the commit.
    macro_rules! delete_all {
        ($($table:literal),*) => {$(
            sqlx::query!("DELETE FROM " + $table).execute(&mut *tx).await?;
        )*};
    }
    delete_all!(
        "stats_clicks",
        "stats_scope_clicks",
        "stats_scope_clicks_hourly",
        "stats_scope_clicks_delta",
        "stats_conversions",
        "stats_scope_conversions",
        "stats_scope_conversions_hourly",
        "stats_scope_conversions_delta",
        "stats_filtered"
    );
    // The same counting as ingestion: clicks on offers known here (advertiser set), ok ones
    // counted, the others filtered, under their offer's currency (today's: raw clicks do not
    // keep the one they were counted under); conversions that are approved, by their own time.
    let click_rows = sqlx::query!(
        "INSERT INTO stats_clicks (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
                                   currency, clicks, unique_clicks, filtered_clicks)
         SELECT date_bin('15 minutes', c.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00'), c.offer_id, c.promoter_id,
                min(c.advertiser_id), coalesce(c.country, ''), coalesce(c.sub1, ''),
                coalesce(o.currency::text, ''),
                count(*) FILTER (WHERE c.verdict = 'ok' AND NOT fraud_blocks(c.fraud)),
                count(*) FILTER (WHERE c.verdict = 'ok' AND NOT fraud_blocks(c.fraud) AND c.is_unique),
                count(*) FILTER (WHERE c.verdict <> 'ok' OR fraud_blocks(c.fraud))
         FROM clicks c LEFT JOIN offers o ON o.id = c.offer_id
         WHERE c.advertiser_id IS NOT NULL AND NOT c.test
         GROUP BY 1, 2, 3, 5, 6, 7",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "INSERT INTO stats_scope_clicks (bucket, scope, scope_id, currency, clicks, unique_clicks, filtered_clicks)
         SELECT bucket, s.scope, s.scope_id, currency, sum(clicks), sum(unique_clicks), sum(filtered_clicks)
         FROM stats_clicks,
              LATERAL (VALUES ('t', 0::bigint), ('a', advertiser_id), ('p', promoter_id)) AS s(scope, scope_id)
         GROUP BY 1, 2, 3, 4",
    )
    .execute(&mut *tx)
    .await?;
    // Filtered clicks by reason: the edge's verdict, or each fraud reason of an ok click.
    sqlx::query!(
        "INSERT INTO stats_filtered (day, offer_id, promoter_id, advertiser_id, reason, clicks)
         SELECT (c.ts AT TIME ZONE 'UTC')::date, c.offer_id, c.promoter_id, min(c.advertiser_id), r.reason, count(*)
         FROM clicks c,
              LATERAL (SELECT c.verdict WHERE c.verdict <> 'ok'
                       UNION ALL SELECT unnest(c.fraud) WHERE c.verdict = 'ok') AS r(reason)
         WHERE c.advertiser_id IS NOT NULL AND NOT c.test
         GROUP BY 1, 2, 3, 5",
    )
    .execute(&mut *tx)
    .await?;
    let conversion_rows = sqlx::query!(
        "INSERT INTO stats_conversions (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
                                        payout_currency, revenue_currency, conversions, payout, revenue)
         SELECT date_bin('15 minutes', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00'), offer_id, promoter_id,
                advertiser_id, coalesce(country, ''), coalesce(sub1, ''),
                coalesce(payout_currency, ''), coalesce(currency, payout_currency, ''),
                count(*), coalesce(sum(payout), 0), coalesce(sum(amount), 0)
         FROM conversions
         WHERE status = 'approved' AND offer_id IS NOT NULL AND promoter_id IS NOT NULL AND NOT test
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "INSERT INTO stats_scope_conversions (bucket, scope, scope_id, payout_currency, revenue_currency,
                                              conversions, payout, revenue)
         SELECT bucket, s.scope, s.scope_id, payout_currency, revenue_currency,
                sum(conversions), sum(payout), sum(revenue)
         FROM stats_conversions,
              LATERAL (VALUES ('t', 0::bigint), ('a', advertiser_id), ('p', promoter_id)) AS s(scope, scope_id)
         GROUP BY 1, 2, 3, 4, 5",
    )
    .execute(&mut *tx)
    .await?;
    // The hourly rollups, with the hours the folds use.
    sqlx::query!(
        "INSERT INTO stats_scope_clicks_hourly (scope, scope_id, bucket, currency, clicks, unique_clicks, filtered_clicks)
             SELECT scope, scope_id, date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), currency, sum(clicks), sum(unique_clicks), sum(filtered_clicks) FROM stats_scope_clicks GROUP BY 1, 2, 3, 4",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO stats_scope_conversions_hourly (scope, scope_id, bucket, payout_currency, revenue_currency, conversions, payout, revenue)
             SELECT scope, scope_id, date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), payout_currency, revenue_currency, sum(conversions), sum(payout), sum(revenue) FROM stats_scope_conversions GROUP BY 1, 2, 3, 4, 5",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Rebuilt {
        click_rows,
        conversion_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket of an hour, whatever the session's time zone (`date_trunc` would use it).
    const HOUR_OF: &str = "date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00')";

    #[test]
    fn folding_sums_the_deltas_into_both_tables_in_key_order() {
        let sql = fold_conversions!(concat);
        assert!(sql.contains("DELETE FROM stats_scope_conversions_delta RETURNING *"));
        assert!(sql.contains(
            "SELECT scope, scope_id, bucket, payout_currency, revenue_currency, sum(conversions), sum(payout), \
             sum(revenue) FROM gone GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        ));
        assert!(sql.contains(&format!(
            "SELECT scope, scope_id, {HOUR_OF}, payout_currency"
        )));
        assert!(sql.contains(
            "ON CONFLICT (scope, scope_id, bucket, payout_currency, revenue_currency) DO UPDATE SET \
             conversions = stats_scope_conversions_hourly.conversions + EXCLUDED.conversions"
        ));
    }

    #[test]
    fn click_sums_are_folded_per_currency() {
        let sql = fold_clicks!(concat);
        assert!(sql.contains(
            "SELECT scope, scope_id, bucket, currency, sum(clicks), sum(unique_clicks), \
             sum(filtered_clicks) FROM gone GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ));
        assert!(sql.contains("ON CONFLICT (scope, scope_id, bucket, currency) DO UPDATE SET"));
    }

    #[test]
    fn click_keys_carry_their_offers_currency() {
        let at = time::macros::datetime!(2026-11-29 04:44 UTC);
        let ids = (OfferId(1), PromoterId(2), AdvertiserId(3));
        let usd = ClickKey::new(at, ids, "USD", Some("US"), None);
        let eur = ClickKey::new(at, ids, "EUR", Some("US"), None);
        assert_eq!(usd.currency, "USD");
        assert_ne!(usd, eur);
        assert_eq!(usd.scopes(), eur.scopes());
    }

    #[test]
    fn buckets_are_quarter_hours_of_utc() {
        let at = time::macros::datetime!(2026-11-29 04:44:59.999 UTC);
        assert_eq!(bucket_of(at), time::macros::datetime!(2026-11-29 04:30 UTC));
        let before_epoch = time::macros::datetime!(1969-12-31 23:59:00 UTC);
        assert_eq!(
            bucket_of(before_epoch),
            time::macros::datetime!(1969-12-31 23:45 UTC)
        );
    }
}
