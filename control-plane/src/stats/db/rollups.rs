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

use crate::kernel::error::ApiError;

/// The bucket width in seconds.
const BUCKET_SECS: i64 = 900;

/// The 15-minute UTC bucket `at` falls in.
pub(crate) fn bucket_of(at: OffsetDateTime) -> OffsetDateTime {
    let secs = at.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(secs - secs.rem_euclid(BUCKET_SECS)).unwrap_or(at)
}

/// The dimensions a click is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClickKey {
    /// The 15-minute bucket (see [`bucket_of`]).
    pub bucket: OffsetDateTime,
    /// Offer.
    pub offer_id: i64,
    /// Promoter.
    pub promoter_id: i64,
    /// The offer's advertiser.
    pub advertiser_id: i64,
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
        (offer_id, promoter_id, advertiser_id): (i64, i64, i64),
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
    fn scopes(&self) -> [(&'static str, i64); 3] {
        [("t", 0), ("a", self.advertiser_id), ("p", self.promoter_id)]
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
) -> Result<(), ApiError> {
    let counts: Vec<(&ClickKey, &ClickCounts)> =
        counts.iter().filter(|(_, c)| !c.is_zero()).collect();
    if counts.is_empty() {
        return Ok(());
    }
    let mut scoped: BTreeMap<(&'static str, i64, OffsetDateTime, &str), ClickCounts> =
        BTreeMap::new();
    for (key, c) in &counts {
        for (scope, id) in key.scopes() {
            scoped
                .entry((scope, id, key.bucket, key.currency.as_str()))
                .or_default()
                .add(**c);
        }
    }
    let col = |f: fn(&ClickCounts) -> i64| counts.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO stats_clicks (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
                                   currency, clicks, unique_clicks, filtered_clicks)
         SELECT * FROM UNNEST($1::timestamptz[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                              $7::text[], $8::bigint[], $9::bigint[], $10::bigint[])
         ON CONFLICT (bucket, offer_id, promoter_id, country, sub1, currency) DO UPDATE SET
             clicks = stats_clicks.clicks + EXCLUDED.clicks,
             unique_clicks = stats_clicks.unique_clicks + EXCLUDED.unique_clicks,
             filtered_clicks = stats_clicks.filtered_clicks + EXCLUDED.filtered_clicks",
    )
    .bind(counts.iter().map(|(k, _)| k.bucket).collect::<Vec<_>>())
    .bind(counts.iter().map(|(k, _)| k.offer_id).collect::<Vec<_>>())
    .bind(counts.iter().map(|(k, _)| k.promoter_id).collect::<Vec<_>>())
    .bind(counts.iter().map(|(k, _)| k.advertiser_id).collect::<Vec<_>>())
    .bind(counts.iter().map(|(k, _)| k.country.as_str()).collect::<Vec<_>>())
    .bind(counts.iter().map(|(k, _)| k.sub1.as_str()).collect::<Vec<_>>())
    .bind(counts.iter().map(|(k, _)| k.currency.as_str()).collect::<Vec<_>>())
    .bind(col(|c| c.clicks))
    .bind(col(|c| c.unique_clicks))
    .bind(col(|c| c.filtered_clicks))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO stats_scope_clicks_delta (scope, scope_id, bucket, currency, clicks, unique_clicks, filtered_clicks)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::bigint[], $6::bigint[],
                              $7::bigint[])",
    )
    .bind(scoped.keys().map(|k| k.0).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.1).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.2).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.3).collect::<Vec<_>>())
    .bind(scoped.values().map(|c| c.clicks).collect::<Vec<_>>())
    .bind(scoped.values().map(|c| c.unique_clicks).collect::<Vec<_>>())
    .bind(scoped.values().map(|c| c.filtered_clicks).collect::<Vec<_>>())
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
    pub offer_id: i64,
    /// Promoter.
    pub promoter_id: i64,
    /// Advertiser.
    pub advertiser_id: i64,
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
type ConversionKey = (OffsetDateTime, i64, i64, String, String, String, String);

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
    let mut rows: BTreeMap<ConversionKey, (i64, ConversionSums)> = BTreeMap::new();
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
        for (scope, id) in [("t", 0), ("a", c.advertiser_id), ("p", c.promoter_id)] {
            let key = (scope, id, bucket, c.payout.1.clone(), c.revenue.1.clone());
            add_sums(scoped.entry(key).or_default(), sums);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let keys: Vec<&ConversionKey> = rows.keys().collect();
    let values: Vec<&(i64, ConversionSums)> = rows.values().collect();
    sqlx::query(
        "INSERT INTO stats_conversions (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
             payout_currency, revenue_currency, conversions, payout, revenue)
         SELECT * FROM UNNEST($1::timestamptz[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                              $7::text[], $8::text[], $9::bigint[], $10::numeric[], $11::numeric[])
         ON CONFLICT (bucket, offer_id, promoter_id, country, sub1, payout_currency, revenue_currency) DO UPDATE SET
             conversions = stats_conversions.conversions + EXCLUDED.conversions,
             payout = stats_conversions.payout + EXCLUDED.payout,
             revenue = stats_conversions.revenue + EXCLUDED.revenue",
    )
    .bind(keys.iter().map(|k| k.0).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.1).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.2).collect::<Vec<_>>())
    .bind(values.iter().map(|v| v.0).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.3.as_str()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.4.as_str()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.5.as_str()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.6.as_str()).collect::<Vec<_>>())
    .bind(values.iter().map(|v| v.1.0).collect::<Vec<_>>())
    .bind(values.iter().map(|v| v.1.1).collect::<Vec<_>>())
    .bind(values.iter().map(|v| v.1.2).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO stats_scope_conversions_delta (scope, scope_id, bucket, payout_currency, revenue_currency,
                                                    conversions, payout, revenue)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[],
                              $6::bigint[], $7::numeric[], $8::numeric[])",
    )
    .bind(scoped.keys().map(|k| k.0).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.1).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.2).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.3.as_str()).collect::<Vec<_>>())
    .bind(scoped.keys().map(|k| k.4.as_str()).collect::<Vec<_>>())
    .bind(scoped.values().map(|v| v.0).collect::<Vec<_>>())
    .bind(scoped.values().map(|v| v.1).collect::<Vec<_>>())
    .bind(scoped.values().map(|v| v.2).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Folds the appended scope sums into the scope tables; returns how many deltas were folded.
/// Safe to run at any time and from several processes at once: each run takes only deltas
/// committed when it starts, and deletes them in the statement that adds them up.
pub async fn compact(pool: &PgPool) -> Result<u64, ApiError> {
    let mut tx = pool.begin().await?;
    // One compaction at a time (several services may run): the others skip their turn.
    let ours: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('afftok:stats-compact'))")
            .fetch_one(&mut *tx)
            .await?;
    if !ours {
        return Ok(0);
    }
    let (clicks,): (i64,) = sqlx::query_as(&fold(
        "stats_scope_clicks",
        ", currency",
        "sum(clicks), sum(unique_clicks), sum(filtered_clicks)",
        "clicks, unique_clicks, filtered_clicks",
    ))
    .fetch_one(&mut *tx)
    .await?;
    let (conversions,): (i64,) = sqlx::query_as(&fold(
        "stats_scope_conversions",
        ", payout_currency, revenue_currency",
        "sum(conversions), sum(payout), sum(revenue)",
        "conversions, payout, revenue",
    ))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((clicks + conversions) as u64)
}

/// The bucket of an hour, whatever the session's time zone (`date_trunc` would use it).
const HOUR_OF: &str = "date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00')";

/// The statement folding `{table}_delta` into `{table}` and `{table}_hourly`: the deltas it
/// deletes are summed per key (in key order) and added to both. `keys` are the key columns
/// after the bucket, `sums` the summed columns, `columns` their names.
fn fold(table: &str, keys: &str, sums: &str, columns: &str) -> String {
    let key_list = format!("scope, scope_id, bucket{keys}");
    let conflict_set = columns
        .split(", ")
        .map(|c| format!("{c} = {{t}}.{c} + EXCLUDED.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let upsert = |target: &str, bucket: &str| {
        let n = key_list.split(", ").count();
        let order = (1..=n)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO {target} ({key_list}, {columns})
             SELECT scope, scope_id, {bucket}{keys}, {sums} FROM gone GROUP BY {order} ORDER BY {order}
             ON CONFLICT ({key_list}) DO UPDATE SET {}",
            conflict_set.replace("{t}", target)
        )
    };
    format!(
        "WITH gone AS (DELETE FROM {table}_delta RETURNING *),
              quarter AS ({}),
              hourly AS ({})
         SELECT count(*) FROM gone",
        upsert(table, "bucket"),
        upsert(&format!("{table}_hourly"), HOUR_OF)
    )
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
pub async fn rebuild(pool: &PgPool) -> Result<Rebuilt, ApiError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "LOCK TABLE stats_clicks, stats_scope_clicks, stats_scope_clicks_hourly, stats_scope_clicks_delta,
                   stats_conversions, stats_scope_conversions, stats_scope_conversions_hourly,
                   stats_scope_conversions_delta IN EXCLUSIVE MODE",
    )
    .execute(&mut *tx)
    .await?;
    // DELETE, not TRUNCATE: TRUNCATE's lock would hold stats reads up until the commit.
    for table in [
        "stats_clicks",
        "stats_scope_clicks",
        "stats_scope_clicks_hourly",
        "stats_scope_clicks_delta",
        "stats_conversions",
        "stats_scope_conversions",
        "stats_scope_conversions_hourly",
        "stats_scope_conversions_delta",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    // The same counting as ingestion: clicks on offers known here (advertiser set), ok ones
    // counted, the others filtered, under their offer's currency (today's: raw clicks do not
    // keep the one they were counted under); conversions that are approved, by their own time.
    let click_rows = sqlx::query(
        "INSERT INTO stats_clicks (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
                                   currency, clicks, unique_clicks, filtered_clicks)
         SELECT date_bin('15 minutes', c.ts, TIMESTAMPTZ '2000-01-01 00:00:00+00'), c.offer_id, c.promoter_id,
                min(c.advertiser_id), coalesce(c.country, ''), coalesce(c.sub1, ''),
                coalesce(o.currency::text, ''),
                count(*) FILTER (WHERE c.verdict = 'ok'),
                count(*) FILTER (WHERE c.verdict = 'ok' AND c.is_unique),
                count(*) FILTER (WHERE c.verdict <> 'ok')
         FROM clicks c LEFT JOIN offers o ON o.id = c.offer_id
         WHERE c.advertiser_id IS NOT NULL
         GROUP BY 1, 2, 3, 5, 6, 7",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO stats_scope_clicks (bucket, scope, scope_id, currency, clicks, unique_clicks, filtered_clicks)
         SELECT bucket, s.scope, s.scope_id, currency, sum(clicks), sum(unique_clicks), sum(filtered_clicks)
         FROM stats_clicks,
              LATERAL (VALUES ('t', 0::bigint), ('a', advertiser_id), ('p', promoter_id)) AS s(scope, scope_id)
         GROUP BY 1, 2, 3, 4",
    )
    .execute(&mut *tx)
    .await?;
    let conversion_rows = sqlx::query(
        "INSERT INTO stats_conversions (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
                                        payout_currency, revenue_currency, conversions, payout, revenue)
         SELECT date_bin('15 minutes', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00'), offer_id, promoter_id,
                advertiser_id, coalesce(country, ''), coalesce(sub1, ''),
                coalesce(payout_currency, ''), coalesce(currency, payout_currency, ''),
                count(*), coalesce(sum(payout), 0), coalesce(sum(amount), 0)
         FROM conversions
         WHERE status = 'approved' AND offer_id IS NOT NULL AND promoter_id IS NOT NULL
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
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
    for (table, keys, sums) in [
        (
            "stats_scope_clicks",
            ", currency",
            "sum(clicks), sum(unique_clicks), sum(filtered_clicks)",
        ),
        (
            "stats_scope_conversions",
            ", payout_currency, revenue_currency",
            "sum(conversions), sum(payout), sum(revenue)",
        ),
    ] {
        let n = 3 + keys.matches(',').count();
        let order = (1..=n)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "INSERT INTO {table}_hourly (scope, scope_id, bucket{keys}, {})
             SELECT scope, scope_id, {HOUR_OF}{keys}, {sums} FROM {table} GROUP BY {order}",
            sums.replace("sum(", "").replace(')', "")
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Rebuilt {
        click_rows,
        conversion_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_sums_the_deltas_into_both_tables_in_key_order() {
        let sql = fold(
            "stats_scope_conversions",
            ", payout_currency, revenue_currency",
            "sum(conversions), sum(payout), sum(revenue)",
            "conversions, payout, revenue",
        );
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
        let sql = fold(
            "stats_scope_clicks",
            ", currency",
            "sum(clicks), sum(unique_clicks), sum(filtered_clicks)",
            "clicks, unique_clicks, filtered_clicks",
        );
        assert!(sql.contains(
            "SELECT scope, scope_id, bucket, currency, sum(clicks), sum(unique_clicks), \
             sum(filtered_clicks) FROM gone GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ));
        assert!(sql.contains("ON CONFLICT (scope, scope_id, bucket, currency) DO UPDATE SET"));
    }

    #[test]
    fn click_keys_carry_their_offers_currency() {
        let at = time::macros::datetime!(2026-11-29 04:44 UTC);
        let usd = ClickKey::new(at, (1, 2, 3), "USD", Some("US"), None);
        let eur = ClickKey::new(at, (1, 2, 3), "EUR", Some("US"), None);
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
