//! Row 8: webhook deliveries per second. `afftok serve` sends messages put straight into
//! `webhook_messages` (one statement, spread over an advertiser's 8 endpoints) to a receiver
//! in the bench process that answers 204 at once; timed from the insert's commit until the
//! receiver has counted them all. The baseline is the ceiling of that receiver on this
//! machine: a plain reqwest client POSTing the same bodies with as many in flight as the
//! sender may have (no database, no signing).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;

use crate::Ctx;
use crate::api::Api;
use crate::procs::{self, Service};
use crate::receiver::Receiver;
use crate::results::{Figure, Row, round3};

const PASSWORD: &str = "bench-Password-4f1c9a";
/// The advertiser's endpoints, all on the receiver.
const ENDPOINTS: usize = 8;
/// Attempts in flight at once: the sender's `AFFTOK_WEBHOOK_CONCURRENCY` and the
/// baseline's.
const IN_FLIGHT: usize = 64;
/// `AFFTOK_WEBHOOK_ENDPOINT_CONCURRENCY`: with 8 endpoints, 64 in flight at most too.
const PER_ENDPOINT: usize = 8;
/// `AFFTOK_WEBHOOK_POLL_INTERVAL_MS`: messages the control plane did not make itself (these)
/// are found by its poll.
const POLL_MS: u64 = 100;

/// Runs the row.
pub async fn run(ctx: &Ctx) -> Result<Vec<Row>, String> {
    let name = format!("afftok_bench_webhooks_{}", ctx.run);
    let result = measure(ctx, &name).await;
    ctx.drop_database(&name).await;
    result
}

/// One timed run.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// From the commit (or the first request, for the baseline) to the last arrival.
    secs: f64,
    rate: f64,
    /// From the commit to the first arrival.
    first_ms: f64,
    /// Connections the requests came over.
    connections: usize,
    /// CPU seconds: (control plane, PostgreSQL).
    cpu: (f64, f64),
}

/// The run with the median rate, and every run's rate.
fn median(mut runs: Vec<Run>) -> (Run, Vec<f64>) {
    runs.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let rates = runs.iter().map(|r| round3(r.rate)).collect();
    (runs[runs.len() / 2], rates)
}

async fn measure(ctx: &Ctx, name: &str) -> Result<Vec<Row>, String> {
    let n = if ctx.quick { 2_000 } else { 20_000 };
    let runs = if ctx.quick { 1 } else { 3 };
    println!("    {n} messages a run, {runs} run(s) of each");
    let receiver = Receiver::start().await?;
    let db = crate::pg::fresh(ctx, name).await?;
    let url = crate::pg::url_of(ctx, name);
    let (in_flight, per_endpoint, poll) = (
        IN_FLIGHT.to_string(),
        PER_ENDPOINT.to_string(),
        POLL_MS.to_string(),
    );
    let cp = crate::ingest::serve(
        ctx,
        &url,
        "webhooks",
        &[
            ("AFFTOK_WEBHOOK_ALLOW_HTTP", "true"),
            ("AFFTOK_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8"),
            ("AFFTOK_WEBHOOK_CONCURRENCY", &in_flight),
            ("AFFTOK_WEBHOOK_ENDPOINT_CONCURRENCY", &per_endpoint),
            ("AFFTOK_WEBHOOK_POLL_INTERVAL_MS", &poll),
        ],
    )
    .await?;
    let api = Api::new(&cp.base);
    let advertiser = api
        .account("advertiser", "advertiser@bench.afftok.test", PASSWORD)
        .await?;
    let mut endpoints = Vec::with_capacity(ENDPOINTS);
    for k in 0..ENDPOINTS {
        let made = api
            .post(
                "/v1/webhooks/endpoints",
                &advertiser.token,
                json!({"url": receiver.url(&format!("/hooks/{k}")), "description": "scripts/bench"}),
            )
            .await?;
        endpoints.push(made["id"].as_i64().ok_or("no endpoint id")?);
    }

    let mut sent = Vec::with_capacity(runs);
    for run in 1..=runs {
        sent.push(through_afftok(ctx, &db, &cp, &receiver, &endpoints, n, run).await?);
    }
    // The baseline posts the bodies the control plane sent, to the same URLs.
    let bodies: Vec<(String, String)> = sqlx::query_as(
        "SELECT e.url, m.body FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
         ORDER BY m.created_at, m.id LIMIT $1",
    )
    .bind(n as i64)
    .fetch_all(&db)
    .await
    .map_err(|e| format!("reading the messages back: {e}"))?;
    db.close().await;
    cp.stop().await?;
    let mut posted = Vec::with_capacity(runs);
    for _ in 0..runs {
        posted.push(plain_posts(&receiver, &bodies).await?);
    }
    let body_bytes = bodies.iter().map(|(_, b)| b.len()).sum::<usize>() / bodies.len().max(1);
    let pg_version = crate::pg::server_version(ctx).await?;
    Ok(vec![row(
        (n, body_bytes),
        median(sent),
        median(posted),
        &pg_version,
    )])
}

/// Inserts `n` test.ping messages in one statement and waits until the receiver has them
/// all and the control plane has marked them delivered.
async fn through_afftok(
    ctx: &Ctx,
    db: &PgPool,
    cp: &Service,
    receiver: &Receiver,
    endpoints: &[i64],
    n: usize,
    run: usize,
) -> Result<Run, String> {
    receiver.reset();
    // A body like the one POST /v1/webhooks/endpoints/{id}/test sends.
    let insert = "INSERT INTO webhook_messages (id, endpoint_id, event_type, body)
         SELECT gen_random_uuid(), e, 'test.ping',
                json_build_object('type', 'test.ping',
                                  'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                                  'data', json_build_object('endpoint_id', e,
                                                            'message', 'A test event from AffTok: your endpoint is reachable.'))::text
         FROM (SELECT ($1::bigint[])[1 + i % cardinality($1::bigint[])] AS e
               FROM generate_series(0, $2 - 1) AS i) AS spread";
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    sqlx::query(insert)
        .bind(endpoints)
        .bind(n as i64)
        .execute(&mut *tx)
        .await
        .map_err(|e| format!("inserting the messages: {e}"))?;
    let (pg_cpu, cp_cpu) = (procs::postgres_cpu_secs(), cp.cpu_secs());
    // Nothing can be sent before the commit: timing from just before it counts the commit in.
    let committed = Instant::now();
    tx.commit().await.map_err(|e| e.to_string())?;
    let limit = Duration::from_secs(if ctx.quick { 60 } else { 300 });
    receiver
        .wait("every delivery arriving", limit, |t| t.count >= n)
        .await
        .map_err(|e| format!("{e}; control plane log:\n{}", cp.log_tail()))?;
    let (first, last) = receiver.read(|t| (t.first, t.last));
    let (first, last) = first.zip(last).ok_or("no arrival recorded")?;
    // Attempts are settled in batches after their answers: give the last ones a moment.
    let all = (n * run) as i64;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (delivered, total): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'delivered'), count(*) FROM webhook_messages",
        )
        .fetch_one(db)
        .await
        .map_err(|e| e.to_string())?;
        if total != all {
            return Err(format!("{total} messages in the table, {all} expected"));
        }
        if delivered == all {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} of {all} messages still not delivered 30 s after the receiver had them all; control plane log:\n{}",
                all - delivered,
                cp.log_tail()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // With the settling: the work of a delivery.
    let cpu = (cp.cpu_secs() - cp_cpu, procs::postgres_cpu_secs() - pg_cpu);
    let (count, connections) = receiver.read(|t| (t.count, t.peers.len()));
    if count != n {
        return Err(format!(
            "the receiver got {count} requests for {n} messages (each is sent once unless an attempt fails)"
        ));
    }
    let secs = last.duration_since(committed).as_secs_f64();
    println!(
        "    afftok serve run {run}: {:.0} deliveries/s",
        n as f64 / secs
    );
    Ok(Run {
        secs,
        rate: n as f64 / secs,
        first_ms: first.duration_since(committed).as_secs_f64() * 1000.0,
        connections,
        cpu,
    })
}

/// POSTs the bodies to their URLs with a plain client, `IN_FLIGHT` at a time; timed from the
/// first request until the receiver has counted them all.
async fn plain_posts(receiver: &Receiver, bodies: &[(String, String)]) -> Result<Run, String> {
    receiver.reset();
    let n = bodies.len();
    let bodies = Arc::new(bodies.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let (bodies, next, client) = (bodies.clone(), next.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((url, body)) = bodies.get(i) else {
                    return Ok::<(), String>(());
                };
                let status = client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| format!("posting body {i}: {e}"))?
                    .status();
                if status != reqwest::StatusCode::NO_CONTENT {
                    return Err(format!("body {i}: the receiver answered {status}"));
                }
            }
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    receiver
        .wait("every POST counted", Duration::from_secs(30), |t| {
            t.count >= n
        })
        .await?;
    let (first, last, count, connections) =
        receiver.read(|t| (t.first, t.last, t.count, t.peers.len()));
    let (first, last) = first.zip(last).ok_or("no arrival recorded")?;
    if count != n {
        return Err(format!("the receiver got {count} requests for {n} POSTs"));
    }
    let secs = last.duration_since(started).as_secs_f64();
    println!("    plain client: {:.0} deliveries/s", n as f64 / secs);
    Ok(Run {
        secs,
        rate: n as f64 / secs,
        first_ms: first.duration_since(started).as_secs_f64() * 1000.0,
        connections,
        cpu: (0.0, 0.0),
    })
}

fn row(
    (n, body_bytes): (usize, usize),
    (afftok, afftok_rates): (Run, Vec<f64>),
    (plain, plain_rates): (Run, Vec<f64>),
    pg_version: &str,
) -> Row {
    let runs = afftok_rates.len();
    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    let mut subject = Figure::new("afftok serve's sender", afftok.rate)
        .with("seconds", afftok.secs)
        .with("first_delivery_ms", afftok.first_ms)
        .with("receiver_connections", afftok.connections as f64)
        .with("control_plane_cpu_s", afftok.cpu.0)
        .with("postgres_cpu_s", afftok.cpu.1);
    subject.extra.insert("runs".to_owned(), afftok_rates.into());
    let mut baseline = Figure::new(
        format!("plain reqwest client, {IN_FLIGHT} in flight"),
        plain.rate,
    )
    .with("seconds", plain.secs)
    .with("receiver_connections", plain.connections as f64);
    baseline.extra.insert("runs".to_owned(), plain_rates.into());
    let per = |cpu: f64| cpu / n as f64 * 1e6;
    Row {
        id: "webhook-deliveries".to_owned(),
        title: "Webhook deliveries per second".to_owned(),
        metric: "deliveries/s".to_owned(),
        subject,
        baseline: Some(baseline),
        ratio: Some(afftok.rate / plain.rate),
        target: "≥ 2000/s".to_owned(),
        met: afftok.rate >= 2000.0,
        how: format!(
            "{n} test.ping messages ({body_bytes}-byte bodies) inserted into webhook_messages in one statement, \
             spread over {ENDPOINTS} endpoints of one advertiser on one receiver in the bench process (axum, \
             204 at once); timed from just before the insert's commit until the receiver counted all {n}, then \
             checked all delivered; AFFTOK_WEBHOOK_CONCURRENCY={IN_FLIGHT}, \
             AFFTOK_WEBHOOK_ENDPOINT_CONCURRENCY={PER_ENDPOINT}, AFFTOK_WEBHOOK_POLL_INTERVAL_MS={POLL_MS} (the \
             first claim waits for the poll: these messages were not made by the control plane); baseline: \
             the same bodies to the same URLs with reqwest, {IN_FLIGHT} in flight, timed from its first request \
             to the receiver's last count; {runs} run(s) of each, the median shown; PostgreSQL {pg_version} on \
             the same machine, nothing pinned; {cores} cores"
        ),
        notes: Some(format!(
            "CPU per delivery: the control plane {:.0} µs, PostgreSQL {:.0} µs; the first delivery arrived \
             {:.0} ms after the commit; the receiver saw {} connections from the sender and {} from the \
             plain client",
            per(afftok.cpu.0),
            per(afftok.cpu.1),
            afftok.first_ms,
            afftok.connections,
            plain.connections
        )),
        extra: serde_json::Map::new(),
    }
}
