//! Row 3: events per second persisted by the control plane, from signed HTTP batches (the
//! Cloudflare queue consumer's path) and from the Redis Stream (the native and Spin edges'
//! path), against `COPY` of the same rows into the same tables with psql. Each path starts on
//! a fresh database with the same offers. Also the control plane's peak memory (row 6), and
//! what fraud scoring costs: the HTTP path with scoring on against the same with it off.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::Ctx;
use crate::procs::{self, Service};
use crate::results::{Figure, Row};
use crate::traffic::{self, CLICK_COLUMNS, CONVERSION_COLUMNS, Generated};

const INGEST_SECRET: &str = "bench-ingest-secret-0123456789";
/// What a Cloudflare queue batch holds at most (wrangler.toml `max_batch_size`).
const HTTP_BATCH: usize = 100;
/// Batches in flight (Cloudflare runs several queue consumers at once).
const HTTP_IN_FLIGHT: usize = 8;
const ADVERTISERS: usize = 20;
const OFFERS_PER_ADVERTISER: usize = 5;
const PROMOTERS: usize = 2_000;
/// The traffic's first promoter id.
const FIRST_PROMOTER: i64 = 1_000;

/// The control plane's settings for a row.
pub fn serve_env(ctx: &Ctx, db_url: &str, port: u16, row: &str) -> Vec<(String, String)> {
    let prefix = ctx.redis_prefix(row);
    [
        ("DATABASE_URL", db_url.to_owned()),
        ("REDIS_URL", ctx.redis_url.clone()),
        ("AFFTOK_LISTEN", format!("127.0.0.1:{port}")),
        ("AFFTOK_INGEST_SECRET", INGEST_SECRET.to_owned()),
        (
            "AFFTOK_JWT_SECRET",
            "bench-jwt-secret-0123456789abcdef0123456789".to_owned(),
        ),
        (
            "AFFTOK_KEY_ENCRYPTION_KEY",
            "YmVuY2gta2V5LWVuY3J5cHRpb24ta2V5LTAxMjM0NTY=".to_owned(),
        ),
        ("AFFTOK_EVENT_STREAM", format!("{prefix}events")),
        ("AFFTOK_REDIS_KEY_PREFIX", prefix.clone()),
        ("AFFTOK_KV_PREFIX", format!("{prefix}kv:")),
        ("AFFTOK_EDGE_TARGETS", "none".to_owned()),
        ("AFFTOK_LOG_FORMAT", "text".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Starts `afftok serve` on a database.
pub async fn serve(
    ctx: &Ctx,
    db_url: &str,
    row: &str,
    extra: &[(&str, &str)],
) -> Result<Service, String> {
    let port = procs::free_port()?;
    let mut env = serve_env(ctx, db_url, port, row);
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Service::start(
        "afftok serve",
        &ctx.afftok,
        &["serve"],
        &env,
        format!("http://127.0.0.1:{port}"),
        ctx.log(&format!("control-plane-{row}")),
    )
    .await
}

async fn prepare(
    ctx: &Ctx,
    name: &str,
    g_range: (OffsetDateTime, OffsetDateTime),
) -> Result<(PgPool, Vec<(i64, i64)>), String> {
    let db = crate::pg::fresh(ctx, name).await?;
    crate::pg::partitions(&db, g_range.0, g_range.1).await?;
    let offers = crate::pg::seed_offers(&db, ADVERTISERS, OFFERS_PER_ADVERTISER).await?;
    // The traffic's promoters are accounts (the points consumer pays them).
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, display_name) OVERRIDING SYSTEM VALUE
         SELECT g, 'p' || g || '@ingest.bench', 'not a password', 'promoter', 'Promoter ' || g
         FROM generate_series($1::bigint, $2::bigint) g",
    )
    .bind(FIRST_PROMOTER)
    .bind(FIRST_PROMOTER + PROMOTERS as i64 - 1)
    .execute(&db)
    .await
    .map_err(|e| format!("making the promoters: {e}"))?;
    Ok((db, offers))
}

/// Checks a path stored every event, counted every ok click and attributed every conversion.
async fn check(db: &PgPool, g: &Generated, path: Path) -> Result<(), String> {
    let path = path.name();
    let (clicks, conversions, pending, approved): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM clicks), (SELECT count(*) FROM conversions),
                (SELECT count(*) FROM conversions WHERE status = 'pending'),
                (SELECT count(*) FROM conversions WHERE status = 'approved')",
    )
    .fetch_one(db)
    .await
    .map_err(|e| e.to_string())?;
    if (clicks as usize, conversions as usize) != (g.clicks, g.conversions) {
        return Err(format!(
            "{path}: stored {clicks} clicks and {conversions} conversions, expected {} and {}",
            g.clicks, g.conversions
        ));
    }
    if path != "copy" {
        let (ok, counted, fraud): (i64, Option<i64>, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM clicks WHERE verdict = 'ok' AND NOT fraud_blocks(fraud)),
                    (SELECT sum(clicks)::bigint FROM stats_clicks),
                    (SELECT count(*) FROM conversions WHERE status = 'rejected_fraud')",
        )
        .fetch_one(db)
        .await
        .map_err(|e| e.to_string())?;
        // Every generated conversion claims an ok click of its own advertiser's offer: it is
        // approved unless it came too soon after its click or the click was blocked.
        if Some(ok) != counted || pending != 0 || (approved + fraud) as usize != g.conversions {
            return Err(format!(
                "{path}: {ok} counted clicks but {counted:?} in the rollups; {pending} conversions still pending, \
                 {approved} approved and {fraud} rejected as fraud of {}",
                g.conversions
            ));
        }
    }
    Ok(())
}

/// One measured run of a path.
#[derive(Debug, Clone, Copy)]
struct Run {
    secs: f64,
    rate: f64,
    cpu: Cpu,
    rss_mib: f64,
    /// HTTP with points: events per second until the points consumer had caught up too.
    points_rate: Option<f64>,
    /// HTTP with points: seconds from the last batch answered to the points paid.
    points_tail: Option<f64>,
    /// HTTP with points: the ledger entries the points consumer wrote.
    ledger_entries: i64,
}

/// CPU seconds a run used.
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    control_plane: f64,
    postgres: f64,
    redis: f64,
}

impl Cpu {
    /// The CPU used so far by the control plane (if any), PostgreSQL and Redis.
    fn now(cp: Option<&Service>) -> Self {
        Cpu {
            control_plane: cp.map_or(0.0, Service::cpu_secs),
            postgres: procs::postgres_cpu_secs(),
            redis: procs::redis_cpu_secs(),
        }
    }

    /// What was used since `before`.
    fn since(self, before: Cpu) -> Self {
        Cpu {
            control_plane: self.control_plane - before.control_plane,
            postgres: self.postgres - before.postgres,
            redis: self.redis - before.redis,
        }
    }

    /// The figure's CPU fields.
    fn on(self, figure: Figure) -> Figure {
        figure
            .with("control_plane_cpu_s", self.control_plane)
            .with("postgres_cpu_s", self.postgres)
            .with("redis_cpu_s", self.redis)
    }
}

/// The median of some ratios (none: 0).
fn median_of(mut ratios: Vec<f64>) -> f64 {
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or(0.0)
}

/// The ratios of each round's runs of two paths (`on` against `off`), in round order: a
/// feature's cost measured by runs minutes apart, which share the machine's drift.
fn round_ratios(on: &[Run], off: &[Run], rate: impl Fn(&Run) -> f64) -> Vec<f64> {
    on.iter()
        .zip(off)
        .map(|(a, b)| crate::results::round3(rate(a) / b.rate))
        .collect()
}

/// What a feature costs, round by round: scoring (HTTP against HTTP unscored) and points
/// (HTTP until paid against HTTP without points).
#[derive(Debug, Clone, Default)]
struct Paired {
    scoring: Vec<f64>,
    points: Vec<f64>,
    /// Each round's seconds from the last batch answered to the points paid.
    tails: Vec<f64>,
}

/// The run with the median rate (runs are noisy on a shared machine: disks, checkpoints).
fn median(mut runs: Vec<Run>) -> (Run, Vec<f64>) {
    runs.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let rates = runs
        .iter()
        .map(|r| crate::results::round3(r.rate))
        .collect();
    (runs[runs.len() / 2], rates)
}

/// Which path a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    Copy,
    Http,
    Stream,
    /// HTTP with fraud scoring off: the baseline of scoring's cost.
    HttpUnscored,
    /// HTTP with the points consumer off: the baseline of what points cost.
    HttpNoPoints,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Copy => "copy",
            Path::Http => "http",
            Path::Stream => "stream",
            Path::HttpUnscored => "http, scoring off",
            Path::HttpNoPoints => "http, points off",
        }
    }
}

/// Runs the row.
pub async fn run(ctx: &Ctx) -> Result<Vec<Row>, String> {
    // Runs of 15 s or more here: the points consumer's fixed cost a run (the first round makes
    // every promoter's sums and totals in the fresh database; the last round after the last
    // batch) is then a small part of the row; at 100,000 events (4 s on the bench's machine) it
    // was much of the cost the row measured.
    let n = if ctx.quick { 20_000 } else { 400_000 };
    let runs = if ctx.quick { 1 } else { 5 };
    // The traffic's time grows with it (10 minutes for 100,000 events, as before), so that
    // each minute holds as many clicks as ever: the flood counts and windows see the same
    // traffic.
    let span_secs = (n as i64 * 6 / 1_000).max(600);
    let now = OffsetDateTime::now_utc();
    let end_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    let range = (
        now - time::Duration::seconds(span_secs) - time::Duration::minutes(5),
        now + time::Duration::minutes(5),
    );
    let name = format!("afftok_bench_ingest_{}", ctx.run);
    println!("    {n} events a run, {runs} run(s) of each path");
    let g = {
        // The offers are the same in every fresh database: seeded in the same order.
        let (db, offers) = prepare(ctx, &name, range).await?;
        db.close().await;
        traffic::generate(n, &offers, (FIRST_PROMOTER, PROMOTERS), end_ms, span_secs)
    };
    let dir = std::env::temp_dir().join(format!("afftok-bench-{}", ctx.run));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = async {
        let paths = [
            Path::Copy,
            Path::Http,
            Path::Stream,
            Path::HttpUnscored,
            Path::HttpNoPoints,
        ];
        // Round by round, every path once a round: a ratio's two sides see the same drift of a
        // shared machine (its other tenants, the disk's state) rather than one side all of it.
        // HTTP runs between its two baselines (scoring off, points off), which swap places
        // every round, so each baseline runs right before it half the time and right after it
        // the other half.
        let mut all: Vec<Vec<Run>> = vec![Vec::new(); paths.len()];
        for round in 0..runs {
            let order: [usize; 5] = if round % 2 == 0 {
                [0, 2, 3, 1, 4]
            } else {
                [0, 2, 4, 1, 3]
            };
            for i in order {
                all[i].push(one_run(ctx, paths[i], &name, range, &g, &dir).await?);
                ctx.drop_database(&name).await;
            }
        }
        let paired = Paired {
            scoring: round_ratios(&all[1], &all[3], |r| r.rate),
            points: round_ratios(&all[1], &all[4], |r| r.points_rate.unwrap_or(0.0)),
            tails: all[1]
                .iter()
                .map(|r| crate::results::round3(r.points_tail.unwrap_or(0.0)))
                .collect(),
        };
        Ok::<_, String>((all.into_iter().map(median).collect::<Vec<_>>(), paired))
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    if result.is_err() {
        ctx.drop_database(&name).await;
    }
    let (measured, paired) = result?;
    let pg_version = crate::pg::server_version(ctx).await?;
    rows((n, span_secs), &g, &measured, &paired, &pg_version)
}

async fn one_run(
    ctx: &Ctx,
    path: Path,
    name: &str,
    range: (OffsetDateTime, OffsetDateTime),
    g: &Generated,
    dir: &std::path::Path,
) -> Result<Run, String> {
    println!("    {} run", path.name());
    let (db, _) = prepare(ctx, name, range).await?;
    let url = crate::pg::url_of(ctx, name);
    // Each promoter makes about 200 clicks a run: the daily cap on click points (100
    // by default) is set out of reach, so that every round pays every promoter with new clicks
    // (capped promoters would earn nothing and cost the points consumer nothing).
    let (row, off): (&str, &[(&str, &str)]) = match path {
        Path::Copy => ("", &[]),
        Path::Http => ("ingest-http", &[]),
        Path::Stream => ("ingest-stream", &[]),
        Path::HttpUnscored => ("ingest-http-unscored", &[("AFFTOK_FRAUD_SCORING", "false")]),
        Path::HttpNoPoints => (
            "ingest-http-no-points",
            &[("AFFTOK_POINTS_CONSUMER", "false")],
        ),
    };
    let cp = if path == Path::Copy {
        None
    } else {
        let mut env = vec![("AFFTOK_CLICK_POINTS_DAILY_CAP", "1000000")];
        env.extend_from_slice(off);
        Some(serve(ctx, &url, row, &env).await?)
    };
    // Every run starts right after a checkpoint, so none pays for another's dirty pages.
    sqlx::query("CHECKPOINT")
        .execute(&db)
        .await
        .map_err(|e| format!("CHECKPOINT: {e}"))?;
    let cpu_before = Cpu::now(cp.as_ref());
    let started = Instant::now();
    let secs = match (&cp, path) {
        (_, Path::Copy) => copy(&url, g, dir).await?,
        (Some(cp), Path::Http | Path::HttpUnscored | Path::HttpNoPoints) => {
            post_batches(&cp.base, &g.events).await?
        }
        (Some(cp), Path::Stream) => {
            let stream = format!("{}events", ctx.redis_prefix("ingest-stream"));
            through_stream(ctx, &stream, &g.events, cp).await?
        }
        (None, _) => unreachable!("every path but COPY has a control plane"),
    };
    let (points_rate, points_tail) = if path == Path::Http {
        let answered = Instant::now();
        points_caught_up(&db).await?;
        (
            Some(g.events.len() as f64 / started.elapsed().as_secs_f64()),
            Some(answered.elapsed().as_secs_f64()),
        )
    } else {
        (None, None)
    };
    let ledger_entries: i64 = sqlx::query_scalar("SELECT count(*) FROM points_ledger")
        .fetch_one(&db)
        .await
        .map_err(|e| format!("counting ledger entries: {e}"))?;
    let cpu = Cpu::now(cp.as_ref()).since(cpu_before);
    let rss_mib = match cp {
        Some(cp) => {
            let rss = cp.peak_rss_mib()?;
            cp.stop().await?;
            rss
        }
        None => 0.0,
    };
    check(&db, g, path).await?;
    db.close().await;
    Ok(Run {
        secs,
        rate: g.events.len() as f64 / secs,
        cpu,
        rss_mib,
        points_rate,
        points_tail,
        ledger_entries,
    })
}

/// Waits until the points consumer has handled every domain event recorded so far.
async fn points_caught_up(db: &PgPool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        // Events are handed out in (transaction, id) order: the position is the last one so.
        let behind: bool = sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM event_cursors WHERE consumer = 'points')
                 OR EXISTS (SELECT 1 FROM domain_events e
                            JOIN event_cursors c ON c.consumer = 'points'
                             AND (c.tx_id, c.event_id) < (e.tx_id, e.id))",
        )
        .fetch_one(db)
        .await
        .map_err(|e| format!("points position: {e}"))?;
        if !behind {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the points consumer did not catch up within 5 minutes".to_owned());
        }
        // Often: the row times the run to this moment, and its baseline to the last answer.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// COPY of the same rows with psql; returns the seconds it took.
async fn copy(url: &str, g: &Generated, dir: &std::path::Path) -> Result<f64, String> {
    let clicks_csv = dir.join("clicks.csv");
    let conversions_csv = dir.join("conversions.csv");
    std::fs::write(&clicks_csv, &g.clicks_csv).map_err(|e| e.to_string())?;
    std::fs::write(&conversions_csv, &g.conversions_csv).map_err(|e| e.to_string())?;
    let copy_clicks = format!(
        "\\copy clicks ({CLICK_COLUMNS}) FROM '{}' WITH (FORMAT csv)",
        clicks_csv.display()
    );
    let copy_conversions = format!(
        "\\copy conversions ({CONVERSION_COLUMNS}) FROM '{}' WITH (FORMAT csv)",
        conversions_csv.display()
    );
    let started = Instant::now();
    procs::run(
        std::path::Path::new("psql"),
        &[
            url,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &copy_clicks,
            "-c",
            &copy_conversions,
        ],
        &[],
    )
    .await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Ratios as the row's text says them: `0.91×, 0.85×, 0.88×`.
fn ratios_text(ratios: &[f64]) -> String {
    ratios
        .iter()
        .map(|r| format!("{r:.2}×"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn rows(
    (n, span_secs): (usize, i64),
    g: &Generated,
    measured: &[(Run, Vec<f64>)],
    paired: &Paired,
    pg_version: &str,
) -> Result<Vec<Row>, String> {
    let [
        (copy, copy_rates),
        (http, http_rates),
        (stream, stream_rates),
        (unscored, unscored_rates),
        (no_points, no_points_rates),
    ] = measured
    else {
        return Err("five paths expected".to_owned());
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let runs = copy_rates.len();
    let data = format!(
        "{n} events a run ({} clicks, {} conversions; {PROMOTERS} promoters, {} offers, {} minutes of event \
         time; the daily cap on click points out of reach); {runs} round(s) of runs, every path once a round (HTTP between its two baselines, which swap \
         places every round), each run on a fresh database with the same \
         offers right after a CHECKPOINT, the median of each path shown; PostgreSQL {pg_version} and Redis on the same machine, nothing pinned; \
         {cores} cores",
        g.clicks,
        g.conversions,
        ADVERTISERS * OFFERS_PER_ADVERTISER,
        span_secs / 60,
    );
    let baseline = Figure::new("COPY with psql", copy.rate)
        .with("seconds", copy.secs)
        .with("postgres_cpu_s", copy.cpu.postgres);
    let mut baseline_runs = baseline.clone();
    baseline_runs
        .extra
        .insert("runs".to_owned(), copy_rates.clone().into());
    let row = |id: &str, title: &str, name: &str, run: &Run, rates: &[f64], how: &str| {
        let mut subject = run
            .cpu
            .on(Figure::new(name, run.rate).with("seconds", run.secs));
        subject
            .extra
            .insert("runs".to_owned(), rates.to_vec().into());
        Row {
            id: id.to_owned(),
            title: title.to_owned(),
            metric: "events/s".to_owned(),
            subject,
            baseline: Some(baseline_runs.clone()),
            ratio: Some(run.rate / copy.rate),
            target: "≥ 0.6× COPY".to_owned(),
            met: run.rate / copy.rate >= 0.6,
            how: format!("{how}; {data}"),
            notes: Some(format!(
                "CPU used per run: the control plane {:.1} s, PostgreSQL {:.1} s (COPY: PostgreSQL {:.1} s); \
                 besides storing the rows, the control plane decides unique clicks, keeps two levels of \
                 rollups, attributes the conversions and bumps the live counters",
                run.cpu.control_plane, run.cpu.postgres, copy.cpu.postgres
            )),
            extra: serde_json::Map::new(),
        }
    };
    Ok(vec![
        row(
            "ingest-http",
            "Ingest, signed HTTP batches",
            "POST /internal/v1/events",
            http,
            http_rates,
            &format!(
                "batches of {HTTP_BATCH} events, {HTTP_IN_FLIGHT} in flight, timed until the last was answered"
            ),
        ),
        row(
            "ingest-stream",
            "Ingest, Redis Stream",
            "stream consumer",
            stream,
            stream_rates,
            "every event added to the stream (pipelined XADD) while the consumer reads; timed until the last \
             entry was acknowledged",
        ),
        {
            let mut subject = http.cpu.on(Figure::new(
                "POST /internal/v1/events, scoring on",
                http.rate,
            ));
            subject
                .extra
                .insert("runs".to_owned(), http_rates.clone().into());
            let mut baseline = unscored.cpu.on(Figure::new(
                "the same, AFFTOK_FRAUD_SCORING=false",
                unscored.rate,
            ));
            baseline
                .extra
                .insert("runs".to_owned(), unscored_rates.clone().into());
            // The median of the rounds' own ratios: each round's two runs share its drift.
            let ratio = median_of(paired.scoring.clone());
            let mut extra = serde_json::Map::new();
            extra.insert("round_ratios".to_owned(), paired.scoring.clone().into());
            Row {
                id: "ingest-fraud-scoring".to_owned(),
                title: "Ingest with fraud scoring, against without".to_owned(),
                metric: "events/s".to_owned(),
                subject,
                baseline: Some(baseline),
                ratio: Some(ratio),
                target: "≥ 0.9× without scoring".to_owned(),
                met: ratio >= 0.9,
                how: format!(
                    "the HTTP path as in ingest-http, once with scoring on (ranges in memory, each \
                     batch's clicks counted per IP and minute in Redis, the windows of IPs that can pass a \
                     limit read under an exclusive lock per IP, the suspended promoters in memory) and \
                     once with it off; {data}; the ratio is the median of each round's own ratio ({})",
                    ratios_text(&paired.scoring)
                ),
                notes: None,
                extra,
            }
        },
        {
            let with = http.points_rate.unwrap_or(0.0);
            let subject = http.cpu.on(Figure::new(
                "POST /internal/v1/events, points on, until they were paid",
                with,
            )
            .with("ingest_only_events_per_s", http.rate)
            .with("ledger_entries", http.ledger_entries as f64));
            let mut baseline = no_points.cpu.on(Figure::new(
                "the same, AFFTOK_POINTS_CONSUMER=false",
                no_points.rate,
            ));
            baseline
                .extra
                .insert("runs".to_owned(), no_points_rates.clone().into());
            let ratio = median_of(paired.points.clone());
            let mut extra = serde_json::Map::new();
            extra.insert("round_ratios".to_owned(), paired.points.clone().into());
            extra.insert("round_tails_s".to_owned(), paired.tails.clone().into());
            Row {
                id: "ingest-points".to_owned(),
                title: "Ingest with the points consumer, against without".to_owned(),
                metric: "events/s".to_owned(),
                subject,
                baseline: Some(baseline),
                ratio: Some(ratio),
                target: "≥ 0.9× without (≤ 10% cost)".to_owned(),
                met: ratio >= 0.9,
                how: format!(
                    "the HTTP path as in ingest-http, timed until the last batch was answered and the \
                     points consumer had handled every domain event (its ledger entries, sums and \
                     leaderboard totals written; {} ledger entries in the median run), against the \
                     same with the points consumer off, timed until the last batch was answered; \
                     {data}; the ratio is the median of each round's own ratio ({}); the points were \
                     paid {} s after the last batch was answered, round by round",
                    http.ledger_entries,
                    ratios_text(&paired.points),
                    paired
                        .tails
                        .iter()
                        .map(|t| format!("{t:.2}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                notes: None,
                extra,
            }
        },
        Row {
            id: "control-plane-memory".to_owned(),
            title: "Control plane memory".to_owned(),
            metric: "MiB".to_owned(),
            subject: Figure::new("afftok serve (peak RSS)", http.rss_mib.max(stream.rss_mib))
                .with("http_path_mib", http.rss_mib)
                .with("stream_path_mib", stream.rss_mib),
            baseline: None,
            ratio: None,
            target: "≤ 256 MiB".to_owned(),
            met: http.rss_mib.max(stream.rss_mib) <= 256.0,
            how: "VmHWM of the afftok serve process at the end of the median ingest runs"
                .to_owned(),
            notes: None,
            extra: serde_json::Map::new(),
        },
    ])
}

/// Posts the events in signed batches, several at a time; returns the seconds until the last
/// batch was answered.
async fn post_batches(base: &str, events: &[String]) -> Result<f64, String> {
    let bodies: Arc<Vec<String>> = Arc::new(
        events
            .chunks(HTTP_BATCH)
            .map(|chunk| format!("{{\"events\":[{}]}}", chunk.join(",")))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let url = format!("{base}/internal/v1/events");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..HTTP_IN_FLIGHT {
        let (bodies, next, client, url) =
            (bodies.clone(), next.clone(), client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut stored = 0u64;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    return Ok::<u64, String>(stored);
                };
                let t = OffsetDateTime::now_utc().unix_timestamp() as u64;
                let signature =
                    afftok_shared::batch::sign(INGEST_SECRET.as_bytes(), t, body.as_bytes());
                let response = client
                    .post(&url)
                    .header(afftok_shared::batch::SIGNATURE_HEADER, signature)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| format!("posting batch {i}: {e}"))?;
                let status = response.status();
                let report: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("batch {i} answered {status}: {report}"));
                }
                stored += report["stored"].as_u64().unwrap_or(0);
            }
        }));
    }
    let mut stored = 0;
    for task in tasks {
        stored += task.await.map_err(|e| e.to_string())??;
    }
    let secs = started.elapsed().as_secs_f64();
    if stored as usize != events.len() {
        return Err(format!(
            "the batches stored {stored} of {} events",
            events.len()
        ));
    }
    Ok(secs)
}

/// Adds the events to the stream the control plane reads; returns the seconds until every
/// entry was acknowledged (the consumer deletes entries once stored).
async fn through_stream(
    ctx: &Ctx,
    stream: &str,
    events: &[String],
    cp: &Service,
) -> Result<f64, String> {
    let client = redis::Client::open(ctx.redis_url.as_str()).map_err(|e| e.to_string())?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| format!("Redis: {e}"))?;
    let started = Instant::now();
    for chunk in events.chunks(1_000) {
        let mut pipe = redis::pipe();
        for event in chunk {
            pipe.cmd("XADD")
                .arg(stream)
                .arg("*")
                .arg(afftok_shared::event::STREAM_FIELD)
                .arg(event)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| format!("XADD: {e}"))?;
    }
    let limit = Duration::from_secs(if ctx.quick { 120 } else { 900 });
    loop {
        let left: usize = redis::cmd("XLEN")
            .arg(stream)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        if left == 0 {
            return Ok(started.elapsed().as_secs_f64());
        }
        if started.elapsed() > limit {
            return Err(format!(
                "{left} stream entries still not stored after {limit:?}; the control plane's log:\n{}",
                cp.log_tail()
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
