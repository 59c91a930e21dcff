//! The zero-drop guarantee under faults (issue "Reliability"): clicks and postbacks go through
//! the native edge (Redis stream) and the Cloudflare worker in workerd (queue → signed batches)
//! at a steady rate while the suite SIGKILLs the control plane twice, crashes Postgres once
//! and stops Redis for a while (its append-only file kept), probing the API meanwhile; then
//! with two control planes sharing Postgres and Redis. Each
//! piece runs as its own process on private Postgres and Redis servers (tests/support/
//! services.rs), so killing them disturbs nothing else.
//!
//! Afterwards every click an edge answered with its redirect and every postback it accepted
//! must be stored exactly once, every accepted conversion approved, the edges must never have
//! answered a click with anything but its redirect, and the stats and live counters must equal
//! a recount from the stored rows. The report (a table of sent, stored, lost and duplicated,
//! the faults and the click latency) is printed and written to `target/chaos/report.md`.
//!
//! Sizes (quick by default, for scripts/test; `scripts/chaos` runs the full form):
//! `AFFTOK_CHAOS_CLICKS` (3000), `AFFTOK_CHAOS_POSTBACKS` (150), `AFFTOK_CHAOS_RATE` clicks a
//! second (150), `AFFTOK_CHAOS_REDIS_OUTAGE_SECS` how long Redis stays down (5),
//! `AFFTOK_CHAOS_CONTROL_PLANES` the scenarios to run (`1,2`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use afftok_tests::platform::{self, ControlPlane, Gate, INGEST_SECRET, Market, Run};
use afftok_tests::services::{PrivatePostgres, PrivateRedis, Service, workspace_bin};
use afftok_tests::wrangler::Worker;
use afftok_tests::{PATIENCE, free_port, repo_root};
use serde_json::Value;
use uuid::Uuid;

/// How much traffic a scenario sends.
#[derive(Debug, Clone, Copy)]
struct Size {
    clicks: usize,
    postbacks: usize,
    rate: f64,
    redis_outage: Duration,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v} is not a valid number"))
        })
        .unwrap_or(default)
}

impl Size {
    fn from_env() -> Self {
        let size = Self {
            clicks: env_or("AFFTOK_CHAOS_CLICKS", 3000),
            postbacks: env_or("AFFTOK_CHAOS_POSTBACKS", 150),
            rate: env_or("AFFTOK_CHAOS_RATE", 150.0),
            redis_outage: Duration::from_secs_f64(env_or("AFFTOK_CHAOS_REDIS_OUTAGE_SECS", 5.0)),
        };
        assert!(
            size.clicks >= 100 && size.postbacks >= 1 && size.postbacks <= size.clicks,
            "AFFTOK_CHAOS_CLICKS ≥ 100 and 1 ≤ AFFTOK_CHAOS_POSTBACKS ≤ AFFTOK_CHAOS_CLICKS"
        );
        assert!(size.rate > 0.0, "AFFTOK_CHAOS_RATE must be positive");
        size
    }
}

/// What one edge was sent and answered.
#[derive(Debug, Default)]
struct EdgeTally {
    clicks_sent: usize,
    /// The click ids of the redirects (302 to the offer, with its id).
    redirected: Vec<Uuid>,
    /// Any other answer, by status (or "no answer: …").
    other: BTreeMap<String, usize>,
    /// (seconds since the load began, milliseconds the answer took) of every click.
    latency_ms: Vec<(f64, f64)>,
    postbacks_sent: usize,
    /// The event ids of the accepted postbacks.
    accepted: Vec<Uuid>,
    /// Answers the advertiser retried (503 while Redis was away, or no answer).
    retried: usize,
    /// Postbacks never accepted within the patience.
    refused: usize,
    /// Clicks sent again at once because the connection failed before any answer.
    reconnected: usize,
}

/// The edges, in the order clicks are spread over them.
#[derive(Debug, Clone)]
struct Edges {
    names: [&'static str; 2],
    bases: [String; 2],
    /// The link's path, `/c/{token}`.
    link: String,
}

#[derive(Debug)]
struct Load {
    tallies: Mutex<[EdgeTally; 2]>,
    sent: AtomicUsize,
    began: std::time::Instant,
}

impl Load {
    fn tally<R>(&self, edge: usize, f: impl FnOnce(&mut EdgeTally) -> R) -> R {
        let mut tallies = self
            .tallies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut tallies[edge])
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// A visitor of its own for click `n` (the user agent is part of the visitor), as a
/// browser says it.
fn agent(n: usize) -> String {
    format!(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
         Chrome/120.0.{}.{} Safari/537.36",
        n / 1000,
        n % 1000
    )
}

/// A click's request failed on its connection, before any answer.
const NO_CONNECTION: &str = "no answer (connection)";

/// One click on `edge`: its click id when redirected, else what the edge answered.
async fn click_once(
    http: &reqwest::Client,
    edges: &Edges,
    edge: usize,
    n: usize,
) -> Result<Uuid, String> {
    let url = format!("{}{}?sub1=chaos", edges.bases[edge], edges.link);
    match http.get(url).header("user-agent", agent(n)).send().await {
        Ok(resp) if resp.status() == 302 => resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.split("c=").nth(1))
            .and_then(|rest| rest.split('&').next())
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| "302 without a click id".to_owned()),
        Ok(resp) => Err(resp.status().as_u16().to_string()),
        Err(e) if e.is_timeout() => Err("no answer (timeout)".to_owned()),
        Err(_) => Err(NO_CONNECTION.to_owned()),
    }
}

/// One click on `edge`, recorded; its click id when redirected.
async fn click(
    load: &Load,
    http: &reqwest::Client,
    edges: &Edges,
    edge: usize,
    n: usize,
) -> Option<Uuid> {
    load.tally(edge, |t| t.clicks_sent += 1);
    let began = std::time::Instant::now();
    let mut outcome = click_once(http, edges, edge, n).await;
    if matches!(&outcome, Err(what) if what == NO_CONNECTION) {
        // As a browser does when the kept-alive connection it reused turns out closed before
        // any answer: the same request once more, on a new connection. Counted in the
        // report; a click the edge stored without its answer reaching here would show as
        // stored twice or as stored unanswered.
        load.tally(edge, |t| t.reconnected += 1);
        outcome = click_once(http, edges, edge, n).await;
    }
    let ms = began.elapsed().as_secs_f64() * 1000.0;
    let at = began.duration_since(load.began).as_secs_f64();
    load.tally(edge, |t| {
        t.latency_ms.push((at, ms));
        match outcome {
            Ok(id) => {
                t.redirected.push(id);
                Some(id)
            }
            Err(what) => {
                *t.other.entry(what).or_default() += 1;
                None
            }
        }
    })
}

/// The advertiser's server posting a conversion for `click` to `edge`, retrying (as it
/// should) an answer that asks it to, or none; recorded.
async fn postback(
    load: &Load,
    http: &reqwest::Client,
    edges: &Edges,
    pb: &str,
    edge: usize,
    click: Uuid,
    n: usize,
) {
    load.tally(edge, |t| t.postbacks_sent += 1);
    let url = format!(
        "{}/postback/{pb}?click_id={click}&txid=chaos-{n}&amount=40.00",
        edges.bases[edge]
    );
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let answer = http.get(&url).send().await;
        let retry = match answer {
            Ok(resp) if resp.status() == 200 => {
                let body: Value = resp.json().await.unwrap_or_default();
                if let Some(id) = body["event_id"]
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                {
                    load.tally(edge, |t| t.accepted.push(id));
                    return;
                }
                true
            }
            Ok(resp) => resp.status() == 503 || resp.status().is_server_error(),
            Err(_) => true,
        };
        if !retry || tokio::time::Instant::now() > deadline {
            load.tally(edge, |t| t.refused += 1);
            return;
        }
        load.tally(edge, |t| t.retried += 1);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Sends the clicks at the size's rate, spread over the edges, and a postback for every
/// k-th redirected click, alternating the edge it goes to.
async fn drive(load: Arc<Load>, edges: Edges, pb: String, size: Size) {
    let every = (size.clicks / size.postbacks).max(1);
    let http = http();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / size.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let gate = Arc::new(tokio::sync::Semaphore::new(128));
    let postbacks = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(size.clicks);
    for n in 0..size.clicks {
        tick.tick().await;
        let permit = gate.clone().acquire_owned().await;
        let (mine, http, edges, pb, postbacks) = (
            load.clone(),
            http.clone(),
            edges.clone(),
            pb.clone(),
            postbacks.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let load = mine;
            let edge = n % 2;
            let id = click(&load, &http, &edges, edge, n).await;
            drop(permit);
            if let Some(id) = id.filter(|_| n % every == 0) {
                let k = postbacks.fetch_add(1, Ordering::SeqCst);
                if k < size.postbacks {
                    postback(&load, &http, &edges, &pb, (n / every + 1) % 2, id, n).await;
                }
            }
        }));
        load.sent.store(n + 1, Ordering::SeqCst);
    }
    for task in tasks {
        let _ = task.await;
    }
}

/// A fault the suite injects, at a share of the clicks sent.
#[derive(Debug, Clone, Copy)]
enum Fault {
    KillControlPlane(usize),
    CrashPostgres,
    StopRedis(Duration),
}

/// What a fault did: in words, the time it lasted (seconds since the load began), and what
/// went wrong meanwhile.
struct Injected {
    words: String,
    window: (f64, f64),
    problems: Vec<String>,
}

/// Answers to one probe of the API, by status (`503 with Retry-After`).
type Answers = BTreeMap<String, usize>;

async fn probe(http: &reqwest::Client, url: &str, token: &str, answers: &mut Answers) {
    let what = match http.get(url).bearer_auth(token).send().await {
        Ok(resp) if resp.status() == 503 && resp.headers().contains_key("retry-after") => {
            "503 with Retry-After".to_owned()
        }
        Ok(resp) => resp.status().as_u16().to_string(),
        Err(_) => "no answer".to_owned(),
    };
    *answers.entry(what).or_default() += 1;
}

struct Platform {
    pg: PrivatePostgres,
    redis: PrivateRedis,
    planes: Vec<Service>,
    native: Service,
    worker: Worker,
    cp: ControlPlane,
    db: sqlx::PgPool,
}

const PLANE_NAMES: [&str; 2] = ["control plane A", "control plane B"];

/// Every piece, started, with the market made through the API.
async fn platform(planes: usize) -> (Platform, Market) {
    let pg = PrivatePostgres::start().await;
    let redis = PrivateRedis::start().await;
    let run = Run::new();
    let gate = Gate::start().await;
    let worker = Worker::start(
        &[
            ("CONTROL_PLANE_URL", gate.url.clone()),
            ("INGEST_SECRET", INGEST_SECRET.to_owned()),
        ],
        &[],
        |config| {
            assert!(config.contains("retry_delay = 30"), "wrangler.toml changed");
            // Retries a second apart: ten of them outlast a control plane's restart.
            config.replace("retry_delay = 30", "retry_delay = 1")
        },
    )
    .await;

    let server = pg
        .url
        .rsplit_once('/')
        .map(|(s, _)| s.to_owned())
        .unwrap_or_default();
    let admin = sqlx::PgPool::connect(&pg.url)
        .await
        .unwrap_or_else(|e| panic!("Postgres: {e}"));
    sqlx::query("CREATE DATABASE afftok_chaos")
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("create database: {e}"));
    admin.close().await;
    let mut env = platform::control_plane_env(&run, format!("{server}/afftok_chaos"));
    let wrangler = repo_root().join("node_modules/.bin/wrangler");
    for (name, value) in [
        ("REDIS_URL", redis.url.clone()),
        ("AFFTOK_EDGE_TARGETS", "redis,wrangler-local".to_owned()),
        ("AFFTOK_WRANGLER_DIR", worker.dir().display().to_string()),
        ("AFFTOK_WRANGLER_CONFIG", "wrangler.toml".to_owned()),
        ("AFFTOK_WRANGLER_PERSIST_TO", "state".to_owned()),
        ("AFFTOK_WRANGLER_BIN", wrangler.display().to_string()),
        // One visitor address (loopback) sends every click here: no flood limits.
        ("AFFTOK_FRAUD_CLICK_FLOOD_LIMIT", "100000".to_owned()),
        ("AFFTOK_FRAUD_IP_FLOOD_LIMIT", "1000000".to_owned()),
    ] {
        env.insert(name, value);
    }
    let env: HashMap<String, String> = env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let afftok = workspace_bin("afftok");
    let migrate = tokio::process::Command::new(&afftok)
        .arg("migrate")
        .envs(&env)
        .output()
        .await
        .unwrap_or_else(|e| panic!("afftok migrate: {e}"));
    assert!(
        migrate.status.success(),
        "afftok migrate: {}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let mut services = Vec::new();
    for name in PLANE_NAMES.iter().take(planes) {
        let port = free_port();
        let mut env = env.clone();
        env.insert("AFFTOK_LISTEN".to_owned(), format!("127.0.0.1:{port}"));
        services.push(Service::start(name, afftok.clone(), &["serve"], env, port).await);
    }
    gate.forward_to_all(&services.iter().map(|s| s.base.clone()).collect::<Vec<_>>());
    let borrowed: HashMap<&str, String> =
        env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let cp = ControlPlane::attach(services[0].base.clone(), &borrowed).await;
    let market = platform::market(&cp).await;

    let port = free_port();
    let spool = std::env::temp_dir().join(format!("afftok-chaos-spool-{}", Uuid::new_v4()));
    let native = Service::start(
        "native edge",
        workspace_bin("afftok-edge"),
        &[],
        HashMap::from([
            ("AFFTOK_EDGE_LISTEN".to_owned(), format!("127.0.0.1:{port}")),
            ("REDIS_URL".to_owned(), redis.url.clone()),
            ("AFFTOK_KV_PREFIX".to_owned(), run.kv_prefix()),
            ("AFFTOK_EVENT_STREAM".to_owned(), run.stream()),
            ("AFFTOK_EVENT_SPOOL".to_owned(), spool.display().to_string()),
        ]),
        port,
    )
    .await;
    let db = cp.db.clone();
    // Keep the gate serving: it lives as long as its task, which holds its state.
    std::mem::forget(gate);
    (
        Platform {
            pg,
            redis,
            planes: services,
            native,
            worker,
            cp,
            db,
        },
        market,
    )
}

/// Waits until both edges have the pushed config: the link redirects (that click is recorded
/// like any other) and the postback key is known (a bad click id is refused as such, not 403).
async fn warm_up(load: &Load, edges: &Edges, pb: &str) {
    let http = http();
    for edge in 0..2 {
        let id = afftok_tests::eventually(
            &format!("the link on the {}", edges.names[edge]),
            || async { click_once(&http, edges, edge, 0).await.ok() },
        )
        .await;
        load.tally(edge, |t| {
            t.clicks_sent += 1;
            t.redirected.push(id);
        });
        let url = format!("{}/postback/{pb}?click_id=nope", edges.bases[edge]);
        afftok_tests::eventually(
            &format!("the postback key on the {}", edges.names[edge]),
            || async {
                let status = http.get(&url).send().await.ok()?.status();
                (status == 400).then_some(())
            },
        )
        .await;
    }
}

impl Fault {
    /// The schedule: at these shares of the clicks sent (`planes` control planes).
    fn schedule(planes: usize, size: Size) -> [(f64, Fault); 4] {
        [
            (0.15, Fault::KillControlPlane(0)),
            (0.35, Fault::CrashPostgres),
            (0.55, Fault::KillControlPlane(planes - 1)),
            (0.7, Fault::StopRedis(size.redis_outage)),
        ]
    }

    /// Injects it and waits for the piece to be back.
    async fn inject(self, p: &mut Platform, m: &Market, load: &Load, at: usize) -> Injected {
        let start = load.began.elapsed().as_secs_f64();
        let (words, problems) = match self {
            Fault::KillControlPlane(i) => {
                let away = p.planes[i].kill_and_restart().await;
                let words = format!(
                    "{} SIGKILLed at click {at}, serving again after {:.1} s",
                    p.planes[i].name,
                    away.as_secs_f64()
                );
                (words, Vec::new())
            }
            Fault::CrashPostgres => {
                let away = p.pg.crash_and_restart().await;
                let words = format!(
                    "Postgres crashed (immediate stop) at click {at}, accepting connections after {:.1} s",
                    away.as_secs_f64()
                );
                (words, Vec::new())
            }
            Fault::StopRedis(outage) => Self::redis_outage(p, m, at, outage).await,
        };
        Injected {
            words,
            window: (start, load.began.elapsed().as_secs_f64()),
            problems,
        }
    }

    /// Stops Redis for `outage`, asking the API meanwhile for what needs Redis (the live
    /// counters: 503 with Retry-After, documented) and what does not (a list behind the rate
    /// limiter, which lets calls through while it cannot count them).
    async fn redis_outage(
        p: &mut Platform,
        m: &Market,
        at: usize,
        outage: Duration,
    ) -> (String, Vec<String>) {
        p.redis.stop().await;
        let http = http();
        let base = &p.planes[0].base;
        let (live_url, offers_url) = (format!("{base}/v1/stats/live"), format!("{base}/v1/offers"));
        let (mut live, mut offers) = (Answers::new(), Answers::new());
        let until = tokio::time::Instant::now() + outage;
        while tokio::time::Instant::now() < until {
            probe(&http, &live_url, &m.admin, &mut live).await;
            probe(&http, &offers_url, &m.adv, &mut offers).await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        p.redis.start_again().await;
        let mut problems = Vec::new();
        if live
            .keys()
            .any(|k| k != "503 with Retry-After" && k != "200")
        {
            problems.push(format!(
                "GET /v1/stats/live during the Redis outage: {live:?}"
            ));
        }
        if offers.keys().any(|k| k != "200") {
            problems.push(format!(
                "GET /v1/offers during the Redis outage: {offers:?}"
            ));
        }
        let words = format!(
            "Redis stopped (SIGTERM) at click {at} for {:.1} s, then started on its append-only \
             file; meanwhile GET /v1/stats/live answered {live:?} and GET /v1/offers {offers:?}",
            outage.as_secs_f64()
        );
        (words, problems)
    }
}

/// What the database holds of the ids sent through one edge.
#[derive(Debug, Default, Clone, Copy)]
struct Stored {
    found: i64,
    rows: i64,
    approved: i64,
}

async fn stored(db: &sqlx::PgPool, table: &str, ids: &[Uuid]) -> Stored {
    let sql = format!(
        "SELECT count(DISTINCT t.id), count(t.id), {} FROM unnest($1::uuid[]) AS a(id) \
         JOIN {table} t ON t.id = a.id",
        if table == "conversions" {
            "count(*) FILTER (WHERE t.status = 'approved')"
        } else {
            "0::bigint"
        }
    );
    match sqlx::query_as::<_, (i64, i64, i64)>(&sql)
        .bind(ids)
        .fetch_one(db)
        .await
    {
        Ok((found, rows, approved)) => Stored {
            found,
            rows,
            approved,
        },
        // Postgres may be on its way back: nothing known this round.
        Err(_) => Stored::default(),
    }
}

/// Waits until every id is stored (and every conversion approved), or nothing moved for a
/// minute; what is stored of each edge's clicks and conversions.
async fn settle(db: &sqlx::PgPool, load: &Load) -> [(Stored, Stored); 2] {
    let ids: Vec<(Vec<Uuid>, Vec<Uuid>)> = (0..2)
        .map(|e| load.tally(e, |t| (t.redirected.clone(), t.accepted.clone())))
        .collect();
    let mut last = [(Stored::default(), Stored::default()); 2];
    let mut moved = tokio::time::Instant::now();
    loop {
        let mut now = [(Stored::default(), Stored::default()); 2];
        for (e, (clicks, conversions)) in ids.iter().enumerate() {
            now[e] = (
                stored(db, "clicks", clicks).await,
                stored(db, "conversions", conversions).await,
            );
        }
        let done = ids.iter().zip(&now).all(|((c, v), (sc, sv))| {
            sc.found == c.len() as i64
                && sv.found == v.len() as i64
                && sv.approved == v.len() as i64
        });
        let key = |s: &[(Stored, Stored); 2]| {
            s.iter()
                .map(|(c, v)| (c.found, v.found, v.approved))
                .collect::<Vec<_>>()
        };
        if key(&now) != key(&last) {
            moved = tokio::time::Instant::now();
        }
        last = now;
        if done || moved.elapsed() > Duration::from_secs(60) {
            return last;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn day(offset: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(offset);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Stats and live counters against a recount of the stored rows: problems found, and the
/// figures in words.
async fn stats_match(p: &Platform, admin: &str) -> Result<String, String> {
    let recount = "SELECT \
        (SELECT count(*) FROM clicks WHERE verdict = 'ok' AND NOT fraud_blocks(fraud) AND NOT test), \
        (SELECT count(*) FROM conversions WHERE status = 'approved' AND NOT test), \
        (SELECT coalesce(sum(payout), 0)::text FROM conversions WHERE status = 'approved' AND NOT test), \
        (SELECT count(*) FROM clicks WHERE verdict = 'ok' AND NOT fraud_blocks(fraud) AND NOT test \
           AND ts >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), \
        (SELECT count(*) FROM conversions WHERE status = 'approved' AND NOT test \
           AND ts >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')";
    let stats_path = format!("/v1/stats?from={}&to={}&granularity=day", day(-1), day(1));
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (clicks, conversions, payout, live_clicks, live_conversions): (
            i64,
            i64,
            String,
            i64,
            i64,
        ) = sqlx::query_as(recount)
            .fetch_one(&p.db)
            .await
            .unwrap_or_else(|e| panic!("recount: {e}"));
        let totals = p.cp.get(&stats_path, admin).await["totals"].clone();
        let live = p.cp.get("/v1/stats/live", admin).await;
        let cents = |s: &str| {
            s.parse::<f64>()
                .map(|v| (v * 100.0).round() as i64)
                .unwrap_or(-1)
        };
        let stats_payout = totals["payout"]["USD"].as_str().unwrap_or("0");
        let mut problems = Vec::new();
        if totals["clicks"] != clicks
            || totals["conversions"] != conversions
            || cents(stats_payout) != cents(&payout)
        {
            problems.push(format!(
                "stats {} clicks, {} conversions, {stats_payout} USD; recount {clicks}, {conversions}, {payout}",
                totals["clicks"], totals["conversions"]
            ));
        }
        if live["clicks"] != live_clicks || live["conversions"] != live_conversions {
            problems.push(format!(
                "live counters {} clicks, {} conversions; today's recount {live_clicks}, {live_conversions}",
                live["clicks"], live["conversions"]
            ));
        }
        if problems.is_empty() {
            return Ok(format!(
                "stats = recount: {clicks} clicks, {conversions} approved conversions, {} USD payout; \
                 live counters = today's recount ({live_clicks} clicks, {live_conversions} conversions)",
                stats_payout
            ));
        }
        if tokio::time::Instant::now() > deadline {
            return Err(problems.join("; "));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// One scenario's report and the problems it found.
struct Outcome {
    table: String,
    problems: Vec<String>,
}

async fn scenario(planes: usize, size: Size) -> Outcome {
    let (mut p, market) = platform(planes).await;
    let edges = Edges {
        names: ["native edge", "Cloudflare worker"],
        bases: [p.native.base.clone(), p.worker.base.clone()],
        link: market.link.clone(),
    };
    let load = Arc::new(Load {
        tallies: Mutex::new(Default::default()),
        sent: AtomicUsize::new(0),
        began: std::time::Instant::now(),
    });
    warm_up(&load, &edges, &market.postback_key).await;

    let began = tokio::time::Instant::now();
    let driver = tokio::spawn(drive(
        load.clone(),
        edges.clone(),
        market.postback_key.clone(),
        size,
    ));
    let mut faults = Vec::new();
    for (share, fault) in Fault::schedule(planes, size) {
        let at = (share * size.clicks as f64) as usize;
        while load.sent.load(Ordering::SeqCst) < at {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        faults.push(fault.inject(&mut p, &market, &load, at).await);
    }
    driver.await.unwrap_or_else(|e| panic!("load: {e}"));
    let rate = size.clicks as f64 / began.elapsed().as_secs_f64();
    let stored = settle(&p.db, &load).await;

    let mut problems = Vec::new();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| control planes | edge | clicks sent | redirected | other answers | clicks stored | duplicates | lost | click p50 / p99 / max ms | postbacks sent | accepted | retried (503) | conversions stored | approved | lost |"
    );
    let _ = writeln!(
        table,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for (e, (clicks, conversions)) in stored.iter().enumerate() {
        load.tally(e, |t| {
            let name = edges.names[e];
            let other: usize = t.other.values().sum();
            let lost_clicks = t.redirected.len() as i64 - clicks.found;
            let lost_conversions = t.accepted.len() as i64 - conversions.found;
            let dup_clicks = clicks.rows - clicks.found;
            let mut ms: Vec<f64> = t.latency_ms.iter().map(|(_, ms)| *ms).collect();
            ms.sort_by(f64::total_cmp);
            let _ = writeln!(
                table,
                "| {planes} | {name} | {} | {} | {other} | {} | {dup_clicks} | {lost_clicks} | {:.1} / {:.1} / {:.0} | {} | {} | {} | {} | {} | {lost_conversions} |",
                t.clicks_sent,
                t.redirected.len(),
                clicks.found,
                percentile(&ms, 50.0),
                percentile(&ms, 99.0),
                ms.last().copied().unwrap_or(0.0),
                t.postbacks_sent,
                t.accepted.len(),
                t.retried,
                conversions.found,
                conversions.approved,
            );
            if other > 0 {
                problems.push(format!("{name} answered {other} clicks with something else: {:?}", t.other));
            }
            if lost_clicks != 0 || dup_clicks != 0 {
                problems.push(format!("{name}: {lost_clicks} clicks lost, {dup_clicks} stored twice"));
            }
            if t.refused > 0 {
                problems.push(format!("{name} never accepted {} postbacks", t.refused));
            }
            if lost_conversions != 0 || conversions.approved != t.accepted.len() as i64 {
                problems.push(format!(
                    "{name}: {lost_conversions} conversions lost, {} of {} approved",
                    conversions.approved,
                    t.accepted.len()
                ));
            }
        });
    }
    let (rows, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT id) FROM clicks")
            .fetch_one(&p.db)
            .await
            .unwrap_or_else(|e| panic!("clicks: {e}"));
    let answered: Vec<Uuid> = (0..2)
        .flat_map(|e| load.tally(e, |t| t.redirected.clone()))
        .collect();
    let unanswered: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT split_part(edge, ':', 1), verdict, count(*) FROM clicks c \
         WHERE c.id <> ALL($1::uuid[]) GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(&answered)
    .fetch_all(&p.db)
    .await
    .unwrap_or_else(|e| panic!("clicks: {e}"));
    let double_paid: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM conversions WHERE status = 'approved' \
         GROUP BY offer_id, txid HAVING count(*) > 1) d",
    )
    .fetch_one(&p.db)
    .await
    .unwrap_or_else(|e| panic!("conversions: {e}"));
    if rows != distinct || double_paid != 0 {
        problems.push(format!(
            "{} click rows stored twice, {double_paid} txids approved twice",
            rows - distinct
        ));
    }
    let _ = writeln!(table);
    let _ = writeln!(
        table,
        "- sent at {rate:.0} clicks/s (asked {:.0}), one postback every {} clicks",
        size.rate,
        (size.clicks / size.postbacks).max(1)
    );
    let reconnected: Vec<String> = (0..2)
        .map(|e| format!("{} {}", edges.names[e], load.tally(e, |t| t.reconnected)))
        .collect();
    let _ = writeln!(
        table,
        "- clicks sent again because their connection failed before any answer (a browser retries those): {}",
        reconnected.join(", ")
    );
    for fault in &faults {
        let (from, to) = fault.window;
        let meanwhile: Vec<String> = (0..2)
            .map(|e| {
                load.tally(e, |t| {
                    let mut ms: Vec<f64> = t
                        .latency_ms
                        .iter()
                        .filter(|(at, _)| (from..=to).contains(at))
                        .map(|(_, ms)| *ms)
                        .collect();
                    ms.sort_by(f64::total_cmp);
                    format!(
                        "{} {} clicks (p99 {:.1} ms)",
                        edges.names[e],
                        ms.len(),
                        percentile(&ms, 99.0)
                    )
                })
            })
            .collect();
        let _ = writeln!(
            table,
            "- {}; clicks meanwhile: {}",
            fault.words,
            meanwhile.join(", ")
        );
        problems.extend(fault.problems.iter().cloned());
    }
    let _ = writeln!(
        table,
        "- clicks stored whose redirect never reached the sender (a timeout), by edge and verdict: {unanswered:?}"
    );
    match stats_match(&p, &market.admin).await {
        Ok(words) => {
            let _ = writeln!(table, "- {words}");
        }
        Err(problem) => problems.push(problem),
    }
    if !problems.is_empty() {
        for plane in &p.planes {
            eprintln!("--- {} log (last 4000 bytes):", plane.name);
            let logs = plane.logs();
            eprintln!("{}", &logs[logs.len().saturating_sub(4000)..]);
        }
    }
    Outcome { table, problems }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_accepted_click_and_conversion_is_stored_once_through_faults() {
    let size = Size::from_env();
    let planes: Vec<usize> = std::env::var("AFFTOK_CHAOS_CONTROL_PLANES")
        .unwrap_or_else(|_| "1,2".to_owned())
        .split(',')
        .map(|n| match n.trim().parse() {
            Ok(n @ 1..=2) => n,
            _ => panic!("AFFTOK_CHAOS_CONTROL_PLANES lists 1 and/or 2, not {n}"),
        })
        .collect();
    let mut report = format!(
        "# Chaos run: {} clicks and {} postbacks at {} clicks/s per scenario\n\n",
        size.clicks, size.postbacks, size.rate
    );
    let mut problems = Vec::new();
    for n in planes {
        let outcome = scenario(n, size).await;
        report.push_str(&outcome.table);
        report.push('\n');
        problems.extend(
            outcome
                .problems
                .into_iter()
                .map(|p| format!("{n} control plane(s): {p}")),
        );
    }
    println!("{report}");
    let dir = repo_root().join("target/chaos");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("report.md"), &report);
    assert!(
        problems.is_empty(),
        "{report}\nproblems:\n{}",
        problems.join("\n")
    );
}
