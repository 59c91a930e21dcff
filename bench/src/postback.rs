//! Row 5: the time from a postback answered by the native edge to the conversion visible in
//! the promoter's `/v1/stats/live`, one postback at a time, over a few hundred clicks made
//! through the same edge. The whole path runs: the edge's config pushed by the control plane
//! to Redis, click events and the conversion through the Redis Stream, attribution, the live
//! counters. The same postbacks also time the advertiser's `conversion.created` webhook:
//! from sending the postback to the webhook's arrival at a receiver in this process.

use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use serde_json::json;

use crate::Ctx;
use crate::api::Api;
use crate::procs::{self, Service};
use crate::receiver::Receiver;
use crate::results::{Figure, Row, percentiles};

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const PASSWORD: &str = "bench-Password-4f1c9a";

/// Runs the row.
pub async fn run(ctx: &Ctx) -> Result<Vec<Row>, String> {
    let name = format!("afftok_bench_postback_{}", ctx.run);
    let result = measure(ctx, &name).await;
    ctx.drop_database(&name).await;
    result
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await? {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{what} did not happen within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn measure(ctx: &Ctx, name: &str) -> Result<Vec<Row>, String> {
    let postbacks = if ctx.quick { 40 } else { 300 };
    if !ctx.edge.exists() {
        return Err(format!(
            "--edge {} does not exist: build it first",
            ctx.edge.display()
        ));
    }
    let db = crate::pg::fresh(ctx, name).await?;
    db.close().await;
    let url = crate::pg::url_of(ctx, name);
    let cp_port = procs::free_port()?;
    let edge_port = procs::free_port()?;
    let edge_base = format!("http://127.0.0.1:{edge_port}");
    let mut env = crate::ingest::serve_env(ctx, &url, cp_port, "postback");
    env.extend(
        [
            ("AFFTOK_EDGE_TARGETS", "redis".to_owned()),
            ("AFFTOK_EDGE_PUSH_INTERVAL_MS", "100".to_owned()),
            ("AFFTOK_EDGE_BASE_URL", edge_base.clone()),
            // The bench asks for the live counters every few milliseconds.
            ("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", "100000000".to_owned()),
            ("AFFTOK_ADMIN_PASSWORD", PASSWORD.to_owned()),
            // The advertiser's webhook goes to the receiver in this process, over plain
            // HTTP on the loopback (both refused by default).
            ("AFFTOK_WEBHOOK_ALLOW_HTTP", "true".to_owned()),
            ("AFFTOK_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    procs::run(&ctx.afftok, &["keys", "create"], &env).await?;
    let admin_email = "admin@bench.afftok.test";
    procs::run(
        &ctx.afftok,
        &["admin", "create", "--email", admin_email],
        &env,
    )
    .await?;
    let get = |key: &str| {
        env.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let edge_env: Vec<(String, String)> = [
        ("AFFTOK_EDGE_LISTEN", format!("127.0.0.1:{edge_port}")),
        ("REDIS_URL", ctx.redis_url.clone()),
        ("AFFTOK_KV_PREFIX", get("AFFTOK_KV_PREFIX")),
        ("AFFTOK_EVENT_STREAM", get("AFFTOK_EVENT_STREAM")),
        ("AFFTOK_KV_CACHE_SECS", "1".to_owned()),
        // Each click comes from a visitor of its own (as behind a proxy that says who):
        // hundreds from one address would be a flood, filtered by fraud scoring.
        ("AFFTOK_CLIENT_IP_HEADER", "x-bench-visitor".to_owned()),
    ]
    .map(|(k, v)| (k.to_owned(), v))
    .to_vec();
    let edge = Service::start(
        "afftok-edge",
        &ctx.edge,
        &[],
        &edge_env,
        edge_base.clone(),
        ctx.log("edge-postback"),
    )
    .await?;
    let cp = Service::start(
        "afftok serve",
        &ctx.afftok,
        &["serve"],
        &env,
        format!("http://127.0.0.1:{cp_port}"),
        ctx.log("control-plane-postback"),
    )
    .await?;
    let api = Api::new(&cp.base);

    // An advertiser's approved offer, its postback key, a promoter's link.
    let advertiser = api
        .account("advertiser", "advertiser@bench.afftok.test", PASSWORD)
        .await?;
    let promoter = api
        .account("promoter", "promoter@bench.afftok.test", PASSWORD)
        .await?;
    let admin = api.sign_in(admin_email, PASSWORD).await?;
    let offer = api
        .post(
            "/v1/offers",
            &advertiser.token,
            json!({"name": "Bench offer", "description": "scripts/bench", "category": "shopping",
                   "url_template": "https://shop.example/land?cid={click_id}",
                   "payout_model": "cpa", "payout_amount": "2.50", "currency": "USD",
                   // Each postback follows its click within seconds: sooner than the 10 s a
                   // real conversion takes, which scoring would reject as ctit_short.
                   "min_ctit_seconds": 0}),
        )
        .await?;
    let offer_id = offer["id"].as_i64().ok_or("no offer id")?;
    api.post(
        &format!("/v1/offers/{offer_id}/submit"),
        &advertiser.token,
        json!({}),
    )
    .await?;
    api.post(
        &format!("/v1/admin/offers/{offer_id}/approve"),
        &admin.token,
        json!({}),
    )
    .await?;
    let key = api
        .post(
            "/v1/postback-keys",
            &advertiser.token,
            json!({"name": "bench", "ip_allow": []}),
        )
        .await?["key"]
        .as_str()
        .ok_or("no postback key")?
        .to_owned();
    let link = api
        .post(
            &format!("/v1/marketplace/offers/{offer_id}/join"),
            &promoter.token,
            json!({}),
        )
        .await?;
    let token = link["token"].as_str().ok_or("no link token")?.to_owned();
    let receiver = Receiver::start().await?;
    api.post(
        "/v1/webhooks/endpoints",
        &advertiser.token,
        json!({"url": receiver.url("/hooks/advertiser"), "description": "scripts/bench",
               "event_types": ["conversion.created"]}),
    )
    .await?;

    // The offer reaches the edge through the control plane's own push.
    let edge_http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let click_url = format!("{edge_base}/c/{token}");
    let visitors = std::sync::atomic::AtomicU32::new(1);
    let click = || async {
        let n = visitors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let r = edge_http
            .get(&click_url)
            .header("user-agent", BROWSER)
            .header(
                "x-bench-visitor",
                std::net::Ipv4Addr::from(0x0a00_0000 | n).to_string(),
            )
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((
            r.status().as_u16(),
            r.headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned),
        ))
    };
    wait_until(
        "the offer reaching the edge",
        Duration::from_secs(30),
        || async { Ok(click().await?.0 == 302) },
    )
    .await?;
    // That click counts too: the live stats start from it.
    let made_before = 1;

    // Clicks, all counted before the first postback (so each conversion finds its click).
    let live = || async {
        let v = api.get("/v1/stats/live", &promoter.token).await?;
        Ok::<_, String>((
            v["clicks"].as_i64().unwrap_or(-1),
            v["conversions"].as_i64().unwrap_or(-1),
        ))
    };
    let mut click_ids = Vec::with_capacity(postbacks);
    while click_ids.len() < postbacks {
        let (status, location) = click().await?;
        let location = location
            .filter(|_| status == 302)
            .ok_or(format!("a click answered {status}"))?;
        let cid = location
            .split_once("cid=")
            .map(|(_, id)| id.to_owned())
            .ok_or(format!("no click id in {location}"))?;
        click_ids.push(cid);
    }
    let want = made_before + postbacks as i64;
    wait_until(
        "the clicks reaching the live stats",
        Duration::from_secs(60),
        || async { Ok(live().await?.0 == want) },
    )
    .await?;

    // One postback at a time: answered by the edge, then visible in the live stats.
    let mut samples = Vec::with_capacity(postbacks);
    let mut answered = Vec::with_capacity(postbacks);
    let mut sent = Vec::with_capacity(postbacks);
    let mut conversions = live().await?.1;
    for (i, cid) in click_ids.iter().enumerate() {
        let url = format!("{edge_base}/postback/{key}?click_id={cid}&txid=bench-{i}&amount=12.50");
        let started = Instant::now();
        sent.push(started);
        let r = edge_http
            .get(&url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        answered.push(started.elapsed());
        if !status.is_success() {
            return Err(format!(
                "postback {i} answered {status}: {}",
                r.text().await.unwrap_or_default()
            ));
        }
        let deadline = started + Duration::from_secs(30);
        loop {
            let now = live().await?.1;
            if now > conversions {
                samples.push(started.elapsed());
                conversions = now;
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "postback {i}: the conversion did not reach /v1/stats/live within 30 s; control plane log:\n{}",
                    cp.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    // The webhooks follow on their own; they may still be on their way.
    let txids: Vec<String> = (0..postbacks).map(|i| format!("bench-{i}")).collect();
    receiver
        .wait(
            "every conversion.created webhook arriving",
            Duration::from_secs(30),
            |t| txids.iter().all(|id| t.conversions.contains_key(id)),
        )
        .await
        .map_err(|e| format!("{e}; control plane log:\n{}", cp.log_tail()))?;
    let hooked: Vec<Duration> = receiver.read(|t| {
        txids
            .iter()
            .zip(&sent)
            .filter_map(|(id, at)| Some(t.conversions.get(id)?.saturating_duration_since(*at)))
            .collect()
    });
    let rss_edge = edge.peak_rss_mib()?;
    cp.stop().await?;
    edge.stop().await?;
    let p = percentiles(&samples);
    let a = percentiles(&answered);
    let w = percentiles(&hooked);
    Ok(vec![Row {
        id: "postback-to-stats".to_owned(),
        title: "Postback to live stats".to_owned(),
        metric: "ms (p99)".to_owned(),
        subject: Figure::new("afftok-edge → stream → afftok serve", p.p99)
            .with("p50_ms", p.p50)
            .with("max_ms", p.max)
            .with("edge_answer_p50_ms", a.p50)
            .with("postbacks", p.n as f64)
            .with("edge_peak_rss_mib", rss_edge),
        baseline: None,
        ratio: None,
        target: "p99 ≤ 2000 ms".to_owned(),
        met: p.p99 <= 2000.0,
        how: format!(
            "{} postbacks one after another on clicks made through the native edge; each timed from sending the \
             postback until GET /v1/stats/live (polled every 2 ms) shows it; the edge config pushed by the control \
             plane to Redis",
            p.n
        ),
        notes: None,
        extra: serde_json::Map::new(),
    },
    Row {
        id: "postback-to-webhook".to_owned(),
        title: "Postback to webhook".to_owned(),
        metric: "ms (p99)".to_owned(),
        subject: Figure::new("afftok-edge → stream → afftok serve → webhook", w.p99)
            .with("p50_ms", w.p50)
            .with("max_ms", w.max)
            .with("webhooks", w.n as f64),
        // Not a ceiling: the same postbacks' way to the live counters, which shares
        // everything up to the domain event the webhook is made from.
        baseline: Some(
            Figure::new("the same postbacks in /v1/stats/live", p.p99)
                .with("p50_ms", p.p50)
                .with("max_ms", p.max),
        ),
        ratio: (w.p99 > 0.0).then(|| p.p99 / w.p99),
        target: "p99 ≤ 1000 ms".to_owned(),
        met: w.p99 <= 1000.0,
        how: format!(
            "the {} postbacks above; each timed from sending the postback to the arrival of its conversion.created \
             webhook (found by its data.txid) at an HTTP receiver in the bench process answering 204 at once; \
             one endpoint of the advertiser's, subscribed to conversion.created",
            w.n
        ),
        notes: Some(
            "The baseline is the row above's p99, measured on the same postbacks: both follow the same domain \
             event, the webhook through the webhooks consumer, its message and the sender (signing and the POST)"
                .to_owned(),
        ),
        extra: serde_json::Map::new(),
    }])
}
