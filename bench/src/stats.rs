//! Row 4: a 30-day daily breakdown (`GET /v1/stats`) for one promoter and one advertiser over
//! a generated data set (10 million clicks by default), p50/p99 over repeated calls, against
//! the same numbers computed by a plain `GROUP BY` over the raw clicks and conversions. The
//! two answers must agree, or the row fails.
//!
//! The data set is made in SQL (clicks, then approved conversions for about 2% of the ok
//! clicks), its rollups by `afftok stats rebuild`, and kept in its own database for later
//! runs: generating 10 million clicks takes minutes.

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::time::Instant;

use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

use crate::Ctx;
use crate::api::Api;
use crate::results::{Figure, Row, percentiles};

/// Bumped whenever the generated data changes, so kept data sets are made again.
const GENERATOR: i32 = 1;
const PASSWORD: &str = "bench-Password-4f1c9a";
const PROMOTERS: i64 = 2_000;
const OFFERS: i64 = 100;
const OFFERS_PER_ADVERTISER: i64 = 5;
const TZ: &str = "America/New_York";

/// What a kept data set holds.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Meta {
    generator: i32,
    schema: i64,
    clicks: i64,
    conversions: i64,
    promoter_id: i64,
    advertiser_id: i64,
    promoter_email: String,
    advertiser_email: String,
    first_day: Date,
    last_day: Date,
}

fn dataset_name(clicks: u64) -> String {
    format!("afftok_bench_stats_{clicks}")
}

/// Drops every kept data set.
pub async fn clean(ctx: &Ctx) -> Result<(), String> {
    let pool = PgPool::connect(&ctx.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'afftok\\_bench\\_%'",
    )
    .fetch_all(&pool)
    .await
    .map_err(|e| e.to_string())?;
    pool.close().await;
    for name in names {
        crate::pg::drop(ctx, &name).await?;
        println!("    dropped {name}");
    }
    Ok(())
}

async fn schema_version(db: &PgPool) -> Result<i64, String> {
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(db)
        .await
        .map_err(|e| e.to_string())
}

async fn meta(db: &PgPool) -> Option<Meta> {
    sqlx::query_as::<_, Meta>("SELECT * FROM bench_meta")
        .fetch_optional(db)
        .await
        .ok()
        .flatten()
}

/// The kept data set, made when missing, of another generator, or asked for; brought up to
/// the current schema (migrations, then a rebuild of the rollups) when it is older.
async fn dataset(ctx: &Ctx, clicks: u64, regenerate: bool) -> Result<(PgPool, Meta), String> {
    let name = dataset_name(clicks);
    let url = crate::pg::url_of(ctx, &name);
    if !regenerate && crate::pg::exists(ctx, &name).await? {
        let db = PgPool::connect(&url).await.map_err(|e| e.to_string())?;
        if let Some(m) = meta(&db)
            .await
            .filter(|m| m.generator == GENERATOR && m.clicks as u64 == clicks)
        {
            let migrated = crate::procs::run(
                &ctx.afftok,
                &["migrate"],
                &[("DATABASE_URL".to_owned(), url.clone())],
            )
            .await;
            if let Err(e) = migrated {
                // A migration applied to it was changed since (one that had not shipped yet):
                // the kept set cannot follow, so it is made again.
                println!(
                    "    the kept data set {name} cannot be migrated ({e}): generating it again"
                );
                db.close().await;
                return generate(ctx, &name, clicks).await;
            }
            let schema = schema_version(&db).await?;
            if schema != m.schema {
                println!(
                    "    the kept data set {name} predates migration {schema}: rebuilding its rollups"
                );
                rebuild(ctx, &db, &url).await?;
                sqlx::query("UPDATE bench_meta SET schema = $1")
                    .bind(schema)
                    .execute(&db)
                    .await
                    .map_err(|e| e.to_string())?;
            } else {
                println!(
                    "    reusing the data set in database {name} (scripts/bench --clean drops it)"
                );
            }
            let m = meta(&db).await.ok_or("bench_meta vanished")?;
            return Ok((db, m));
        }
        db.close().await;
    }
    generate(ctx, &name, clicks).await
}

async fn rebuild(ctx: &Ctx, db: &PgPool, url: &str) -> Result<(), String> {
    let out = crate::procs::run(
        &ctx.afftok,
        &["stats", "rebuild"],
        &[("DATABASE_URL".to_owned(), url.to_owned())],
    )
    .await?;
    println!("    {}", out.trim());
    sqlx::query("VACUUM ANALYZE")
        .execute(db)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn generate(ctx: &Ctx, name: &str, clicks: u64) -> Result<(PgPool, Meta), String> {
    println!(
        "    generating a data set of {clicks} clicks in database {name} (kept for later runs)"
    );
    let started = Instant::now();
    let db = crate::pg::fresh(ctx, name).await?;
    let url = crate::pg::url_of(ctx, name);
    // The two accounts whose stats are asked for, through the API (the only way to make a
    // user), then the data in SQL around their ids.
    let cp = crate::ingest::serve(ctx, &url, "stats-setup", &[]).await?;
    let api = Api::new(&cp.base);
    let promoter_email = "promoter@bench.afftok.test".to_owned();
    let advertiser_email = "advertiser@bench.afftok.test".to_owned();
    let promoter = api.account("promoter", &promoter_email, PASSWORD).await?;
    api.account("advertiser", &advertiser_email, PASSWORD)
        .await?;
    cp.stop().await?;
    let advertiser_id: i64 = sqlx::query_scalar("SELECT advertiser_id FROM users WHERE email = $1")
        .bind(&advertiser_email)
        .fetch_one(&db)
        .await
        .map_err(|e| e.to_string())?;

    let today = OffsetDateTime::now_utc().date();
    let last_day = today.previous_day().ok_or("no yesterday")?;
    let first_day = last_day - time::Duration::days(29);
    let start = first_day.midnight().assume_utc();
    let end = today.midnight().assume_utc();
    crate::pg::partitions(&db, start, end).await?;
    sqlx::query("SELECT setseed(0.42)")
        .execute(&db)
        .await
        .map_err(|e| e.to_string())?;
    // Promoters and offers are log-uniform (the first promoter, the bench's, has about 9% of
    // the clicks; the first advertiser's five offers about 39%); 90% ok, 80% of those unique.
    let chunk = 1_000_000u64;
    let mut lo = 1u64;
    while lo <= clicks {
        let hi = (lo + chunk - 1).min(clicks);
        sqlx::query(
            "INSERT INTO clicks (id, ts, offer_id, promoter_id, advertiser_id, kid, verdict, is_unique, ip,
                                 user_agent, country, sub1, edge)
             SELECT lpad(to_hex(i), 32, '0')::uuid,
                    $3::timestamptz + make_interval(secs => (i - 1) * 2592000.0 / $4),
                    o, $5 + floor(exp(r * ln($6::float8)))::bigint - 1, $7 + (o - 1) / $8,
                    1,
                    CASE WHEN v < 0.90 THEN 'ok' WHEN v < 0.97 THEN 'bot' WHEN v < 0.99 THEN 'geo_blocked'
                         ELSE 'offer_paused' END,
                    v < 0.90 AND u < 0.8,
                    '10.0.0.0'::inet + (i % 16777216),
                    'Mozilla/5.0 (bench)',
                    (ARRAY['US','US','US','GB','DE','FR','BR','IN','CA','ES','MX','ID'])[1 + i % 12],
                    'p' || (i % 5),
                    'native'
             FROM (SELECT i, floor(exp(random() * ln($9::float8 + 1)))::bigint AS o, random() AS r,
                          random() AS v, random() AS u
                   FROM generate_series($1::bigint, $2::bigint) AS i) g",
        )
        .bind(lo as i64)
        .bind(hi as i64)
        .bind(start)
        .bind(clicks as f64)
        .bind(promoter.user_id)
        .bind(PROMOTERS as f64)
        .bind(advertiser_id)
        .bind(OFFERS_PER_ADVERTISER)
        .bind(OFFERS as f64)
        .execute(&db)
        .await
        .map_err(|e| format!("generating clicks: {e}"))?;
        println!("    {hi} clicks ({:.0} s)", started.elapsed().as_secs_f64());
        lo = hi + 1;
    }
    let conversions = sqlx::query(
        "INSERT INTO conversions (id, ts, advertiser_id, click_id, txid, amount, currency, event, edge, source,
                                  status, offer_id, promoter_id, click_ts, country, sub1, payout, payout_currency,
                                  attributed_at)
         SELECT md5(c.id::text)::uuid, c.ts + interval '7 minutes', c.advertiser_id, c.id, 'tx-' || c.id,
                10 + (get_byte(uuid_send(c.id), 15) % 90) + 0.99, 'USD', 'conversion', 'native', 'postback',
                'approved', c.offer_id, c.promoter_id, c.ts, c.country, c.sub1, 2.50, 'USD', now()
         FROM clicks c
         WHERE c.verdict = 'ok' AND c.ts < $1 - interval '7 minutes' AND random() < 0.02",
    )
    .bind(end)
    .execute(&db)
    .await
    .map_err(|e| format!("generating conversions: {e}"))?
    .rows_affected();
    println!(
        "    {conversions} conversions ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    rebuild(ctx, &db, &url).await?;
    let schema = schema_version(&db).await?;
    sqlx::query(
        "CREATE TABLE bench_meta AS SELECT $1::int AS generator, $2::bigint AS schema, $3::bigint AS clicks,
                $4::bigint AS conversions, $5::bigint AS promoter_id, $6::bigint AS advertiser_id,
                $7::text AS promoter_email, $8::text AS advertiser_email, $9::date AS first_day,
                $10::date AS last_day",
    )
    .bind(GENERATOR)
    .bind(schema)
    .bind(clicks as i64)
    .bind(conversions as i64)
    .bind(promoter.user_id)
    .bind(advertiser_id)
    .bind(&promoter_email)
    .bind(&advertiser_email)
    .bind(first_day)
    .bind(last_day)
    .execute(&db)
    .await
    .map_err(|e| e.to_string())?;
    println!(
        "    data set ready in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let m = meta(&db).await.ok_or("bench_meta missing")?;
    Ok((db, m))
}

/// One day's numbers.
#[derive(Debug, Default, PartialEq, Eq)]
struct Day {
    clicks: i64,
    unique_clicks: i64,
    filtered_clicks: i64,
    conversions: i64,
    payout: Decimal,
    revenue: Decimal,
}

/// The tenant whose stats are asked for.
#[derive(Debug, Clone, Copy)]
enum Tenant {
    Promoter(i64),
    Advertiser(i64),
}

/// The same numbers as the API, by GROUP BY over the raw rows.
async fn recount(
    db: &PgPool,
    tenant: Tenant,
    (from, to): (Date, Date),
) -> Result<BTreeMap<String, Day>, String> {
    let (column, id) = match tenant {
        Tenant::Promoter(p) => ("promoter_id", p),
        Tenant::Advertiser(a) => ("advertiser_id", a),
    };
    let range = "WITH b AS (SELECT ($1::date::timestamp AT TIME ZONE $3) AS lo,
                                   (($2::date + 1)::timestamp AT TIME ZONE $3) AS hi)";
    let clicks: Vec<(String, i64, i64, i64)> = sqlx::query_as(&format!(
        "{range} SELECT to_char(date_trunc('day', ts AT TIME ZONE $3), 'YYYY-MM-DD'),
                count(*) FILTER (WHERE verdict = 'ok'), count(*) FILTER (WHERE verdict = 'ok' AND is_unique),
                count(*) FILTER (WHERE verdict <> 'ok')
         FROM clicks, b WHERE {column} = $4 AND advertiser_id IS NOT NULL AND ts >= b.lo AND ts < b.hi
         GROUP BY 1"
    ))
    .bind(from)
    .bind(to)
    .bind(TZ)
    .bind(id)
    .fetch_all(db)
    .await
    .map_err(|e| e.to_string())?;
    let conversions: Vec<(String, i64, Decimal, Decimal)> = sqlx::query_as(&format!(
        "{range} SELECT to_char(date_trunc('day', ts AT TIME ZONE $3), 'YYYY-MM-DD'), count(*),
                coalesce(sum(payout), 0), coalesce(sum(amount), 0)
         FROM conversions, b WHERE {column} = $4 AND status = 'approved' AND ts >= b.lo AND ts < b.hi
         GROUP BY 1"
    ))
    .bind(from)
    .bind(to)
    .bind(TZ)
    .bind(id)
    .fetch_all(db)
    .await
    .map_err(|e| e.to_string())?;
    let mut days: BTreeMap<String, Day> = BTreeMap::new();
    for (day, ok, unique, filtered) in clicks {
        let d = days.entry(day).or_default();
        (d.clicks, d.unique_clicks, d.filtered_clicks) = (ok, unique, filtered);
    }
    for (day, n, payout, revenue) in conversions {
        let d = days.entry(day).or_default();
        (d.conversions, d.payout, d.revenue) = (n, payout.normalize(), revenue.normalize());
    }
    Ok(days)
}

fn from_api(answer: &serde_json::Value) -> Result<BTreeMap<String, Day>, String> {
    let money = |v: &serde_json::Value| -> Result<Decimal, String> {
        match v["USD"].as_str() {
            Some(s) => Decimal::from_str(s)
                .map(|d| d.normalize())
                .map_err(|e| e.to_string()),
            None => Ok(Decimal::ZERO),
        }
    };
    let mut days = BTreeMap::new();
    for row in answer["rows"]
        .as_array()
        .ok_or("no rows in the stats answer")?
    {
        let n = |k: &str| row[k].as_i64().ok_or(format!("no {k} in a stats row"));
        days.insert(
            row["period"].as_str().ok_or("no period")?.to_owned(),
            Day {
                clicks: n("clicks")?,
                unique_clicks: n("unique_clicks")?,
                filtered_clicks: n("filtered_clicks")?,
                conversions: n("conversions")?,
                payout: money(&row["payout"])?,
                revenue: money(&row["revenue"])?,
            },
        );
    }
    Ok(days)
}

/// Runs the row.
pub async fn run(ctx: &Ctx, clicks: Option<u64>, regenerate: bool) -> Result<Vec<Row>, String> {
    let clicks = clicks.unwrap_or(if ctx.quick { 200_000 } else { 10_000_000 });
    let (db, m) = dataset(ctx, clicks, regenerate).await?;
    let url = crate::pg::url_of(ctx, &dataset_name(clicks));
    let cp = crate::ingest::serve(ctx, &url, "stats", &[]).await?;
    let api = Api::new(&cp.base);
    let calls = if ctx.quick { 30 } else { 200 };
    let runs = if ctx.quick { 3 } else { 5 };
    let range = (m.first_day, m.last_day);
    let path = format!(
        "/v1/stats?from={}&to={}&granularity=day&tz={}",
        m.first_day,
        m.last_day,
        TZ.replace('/', "%2F")
    );
    let mut rows = Vec::new();
    for (email, tenant, id, title) in [
        (
            &m.promoter_email,
            Tenant::Promoter(m.promoter_id),
            "stats-promoter",
            "Stats, 30 days by day, one promoter",
        ),
        (
            &m.advertiser_email,
            Tenant::Advertiser(m.advertiser_id),
            "stats-advertiser",
            "Stats, 30 days by day, one advertiser",
        ),
    ] {
        let account = api.sign_in(email, PASSWORD).await?;
        let mut answer = serde_json::Value::Null;
        for _ in 0..10 {
            answer = api.get(&path, &account.token).await?;
        }
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            answer = api.get(&path, &account.token).await?;
            samples.push(started.elapsed());
        }
        let mut baseline = Vec::with_capacity(runs);
        let mut expected = BTreeMap::new();
        for _ in 0..runs {
            let started = Instant::now();
            expected = recount(&db, tenant, range).await?;
            baseline.push(started.elapsed());
        }
        let got = from_api(&answer)?;
        if expected.is_empty() {
            return Err(format!(
                "{}: the raw rows hold nothing in the range: nothing to compare",
                title
            ));
        }
        if got != expected {
            let differing: Vec<String> = expected
                .iter()
                .filter(|(day, d)| got.get(*day) != Some(*d))
                .map(|(day, d)| format!("{day}: raw rows {d:?}, API {:?}", got.get(day)))
                .take(3)
                .collect();
            return Err(format!(
                "{title}: the API's answer differs from the GROUP BY over raw rows ({} vs {} days): {}",
                got.len(),
                expected.len(),
                differing.join("; ")
            ));
        }
        let in_range: i64 = expected
            .values()
            .map(|d| d.clicks + d.filtered_clicks)
            .sum();
        let conversions: i64 = expected.values().map(|d| d.conversions).sum();
        let api_p = percentiles(&samples);
        let base_p = percentiles(&baseline);
        rows.push(Row {
            id: id.to_owned(),
            title: title.to_owned(),
            metric: "ms (p50)".to_owned(),
            subject: Figure::new("GET /v1/stats", api_p.p50)
                .with("p99_ms", api_p.p99)
                .with("calls", calls as f64),
            baseline: Some(
                Figure::new("GROUP BY over raw rows", base_p.p50)
                    .with("p99_ms", base_p.p99)
                    .with("runs", runs as f64),
            ),
            ratio: Some(base_p.p50 / api_p.p50.max(0.001)),
            target: "p50 ≤ 5 ms".to_owned(),
            met: api_p.p50 <= 5.0,
            how: format!(
                "data set: {} clicks and {} approved conversions over 30 days, {PROMOTERS} promoters, {OFFERS} offers \
                 of {} advertisers; this tenant: {in_range} clicks and {conversions} conversions in the range; \
                 {calls} sequential calls over HTTP on loopback after 10 warm-up calls, days in {TZ}; baseline: \
                 the same numbers by GROUP BY over clicks and conversions through sqlx, {runs} runs; both answers \
                 compared equal day by day",
                m.clicks,
                m.conversions,
                OFFERS / OFFERS_PER_ADVERTISER
            ),
            notes: None,
            extra: serde_json::Map::new(),
        });
    }
    cp.stop().await?;
    db.close().await;
    Ok(rows)
}
