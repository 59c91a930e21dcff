//! The `afftok-edge` binary end to end: a real process, real Redis, real HTTP.
//!
//! Each test runs its own edge on a free port with its own KV prefix and stream, so tests
//! run in parallel against the one Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`).

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use afftok_shared::kv::{self, KeysDoc};
use afftok_shared::vectors::link_token as token;
use afftok_shared::{Event, Verdict, vectors};
use redis::AsyncCommands as _;
use redis::aio::MultiplexedConnection;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const CLICK: &str = "019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10";
/// Limit for anything awaited: a condition, never a fixed sleep.
const PATIENCE: Duration = Duration::from_secs(20);

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn redis_at(url: &str) -> MultiplexedConnection {
    redis::Client::open(url)
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("test Redis reachable")
}

struct TestEdge {
    child: Child,
    base: String,
    http: reqwest::Client,
    redis: MultiplexedConnection,
    prefix: String,
    stream: String,
    logs: Arc<Mutex<String>>,
}

impl TestEdge {
    async fn start(env: &[(&str, &str)]) -> Self {
        Self::start_with_redis(&redis_url(), env).await
    }

    /// Starts an edge on a free port with the vector keys in its KV.
    async fn start_with_redis(url: &str, env: &[(&str, &str)]) -> Self {
        let run = Uuid::new_v4().simple().to_string();
        let prefix = format!("afftok-test:{run}:kv:");
        let stream = format!("afftok-test:{run}:events");
        let redis = redis_at(url).await;
        let edge = Self {
            child: spawn_edge(url, &prefix, &stream, env),
            base: String::new(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            redis,
            prefix,
            stream,
            logs: Arc::default(),
        };
        let mut keys = KeysDoc::new(1);
        for (kid, secret) in vectors::link_keys() {
            keys.add_key(kid, &secret);
        }
        edge.put(kv::KEYS_KEY, &serde_json::to_string(&keys).expect("json"))
            .await;
        edge.listening().await
    }

    async fn listening(mut self) -> Self {
        let stdout = self.child.stdout.take().expect("piped stdout");
        let stderr = self.child.stderr.take().expect("piped stderr");
        let logs = self.logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                logs.lock().expect("log lock").push_str(&(line + "\n"));
            }
        });
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("edge starts in time")
            .expect("stdout readable")
            .unwrap_or_else(|| panic!("edge exited: {}", self.logs()));
        self.base = line
            .strip_prefix("afftok-edge listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        self
    }

    fn logs(&self) -> String {
        self.logs.lock().expect("log lock").clone()
    }

    async fn put(&self, key: &str, value: &str) {
        let mut redis = self.redis.clone();
        let full = format!("{}{key}", self.prefix);
        let _: () = redis.set_ex(&full, value, 600).await.expect("SET");
    }

    async fn put_offer(&self, id: u64, doc: serde_json::Value) {
        self.put(&kv::offer_key(id), &doc.to_string()).await;
    }

    async fn put_postback_key(&self, key: &str, doc: serde_json::Value) {
        self.put(
            &kv::postback_key_key(&kv::postback_key_hash(key)),
            &doc.to_string(),
        )
        .await;
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .header("user-agent", BROWSER)
    }

    async fn events(&self) -> Vec<Event> {
        let mut redis = self.redis.clone();
        let entries: redis::streams::StreamRangeReply =
            redis.xrange_all(&self.stream).await.expect("XRANGE");
        entries
            .ids
            .iter()
            .map(|entry| {
                let json: String = entry.get("event").expect("an event field");
                serde_json::from_str(&json).expect("a valid event")
            })
            .collect()
    }

    /// Waits until the stream holds `n` events.
    async fn wait_for_events(&self, n: usize) -> Vec<Event> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let events = self.events().await;
            if events.len() >= n {
                return events;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} events arrived; logs:\n{}",
                events.len(),
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, then the exit status.
    async fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().expect("running");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("edge stops in time")
            .expect("wait")
    }

    /// Stops the edge and removes what the test wrote to Redis.
    async fn stop(mut self) -> ExitStatus {
        let status = self.terminate().await;
        self.cleanup().await;
        status
    }

    async fn cleanup(&self) {
        let mut redis = self.redis.clone();
        let keys: Vec<String> = redis
            .keys(format!("{}*", self.prefix))
            .await
            .unwrap_or_default();
        for key in keys.iter().chain([&self.stream]) {
            let _: Result<(), _> = redis.del(key).await;
        }
    }
}

fn spawn_edge(redis_url: &str, prefix: &str, stream: &str, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_afftok-edge"));
    for (name, _) in std::env::vars() {
        if name.starts_with("AFFTOK_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("AFFTOK_EDGE_LISTEN", "127.0.0.1:0")
        .env("REDIS_URL", redis_url)
        .env("AFFTOK_KV_PREFIX", prefix)
        .env("AFFTOK_EVENT_STREAM", stream)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn().expect("afftok-edge starts")
}

fn click_id_in(location: &str) -> Uuid {
    let text = location
        .split("c=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .expect("a c= parameter");
    Uuid::parse_str(text).expect("a UUID")
}

fn clicks(events: &[Event]) -> Vec<&afftok_shared::ClickEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Click(c) => Some(c),
            Event::Conversion(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn redirects_a_signed_link_and_records_the_click() {
    let edge = TestEdge::start(&[("AFFTOK_EDGE_NAME", "native:test")]).await;
    edge.put_offer(
        42,
        json!({"status": "active", "url": "https://shop.example/?c={click_id}&s={sub1}", "advertiser_id": 5}),
    )
    .await;
    let resp = edge
        .get(&format!("/c/{}?sub1=spring%20sale", token(1, 42, 1001, 0)))
        .header("referer", "https://social.example/p/1")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let location = resp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let click_id = click_id_in(&location);
    assert_eq!(click_id.get_version_num(), 7);
    assert!(location.ends_with("&s=spring%20sale"), "{location}");

    let events = edge.wait_for_events(1).await;
    let click = clicks(&events)[0];
    assert_eq!(click.id, click_id);
    assert_eq!(click.verdict, Verdict::Ok);
    assert_eq!(
        (click.offer_id, click.promoter_id, click.kid),
        (42, 1001, 1)
    );
    assert_eq!(click.ip, "127.0.0.1".parse().ok());
    assert_eq!(click.country, None, "no country header configured");
    assert_eq!(click.user_agent, BROWSER);
    assert_eq!(click.referer.as_deref(), Some("https://social.example/p/1"));
    assert_eq!(click.subs.get(1), Some("spring sale"));
    assert_eq!(click.edge, "native:test");
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn metrics_count_answers_by_status_and_time() {
    let edge = TestEdge::start(&[]).await;
    edge.put_offer(
        7,
        json!({"status": "active", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    let link = format!("/c/{}", token(1, 7, 1, 0));
    for _ in 0..3 {
        assert_eq!(edge.get(&link).send().await.expect("request").status(), 302);
    }
    assert_eq!(
        edge.get("/c/not-a-token")
            .send()
            .await
            .expect("request")
            .status(),
        404
    );
    edge.wait_for_events(3).await;
    let resp = edge.get("/metrics").send().await.expect("request");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain")),
    );
    let text = resp.text().await.expect("text");
    for line in [
        r#"afftok_native_edge_answers_total{status="302"} 3"#,
        r#"afftok_native_edge_answers_total{status="404"} 1"#,
        r#"afftok_native_edge_answer_seconds_bucket{le="+Inf"} 4"#,
        "afftok_native_edge_answer_seconds_count 4",
        "afftok_native_edge_events_dropped_total 0",
        "afftok_native_edge_kv_breaker_open 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
    // Reading the metrics is not an answer they count.
    let again = edge.get("/metrics").send().await.expect("request");
    let again = again.text().await.expect("text");
    assert!(
        again.contains("afftok_native_edge_answer_seconds_count 4"),
        "{again}"
    );
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn refuses_bad_expired_and_unknown_links_without_events() {
    let edge = TestEdge::start(&[]).await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    let bad = edge
        .get("/c/AQEq6QcAxS5cLCYfgCwwZ12ZY2fExQ")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 404);
    assert_eq!(bad.headers()["cache-control"], "no-store");
    assert!(bad.text().await.expect("body").contains("Link not found"));
    let expired = edge
        .get(&format!("/c/{}", token(1, 1, 1, 1)))
        .send()
        .await
        .expect("request");
    assert_eq!(expired.status(), 410);
    let unknown = edge
        .get(&format!("/c/{}", token(1, 2, 1, 0)))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
    let health = edge.get("/healthz").send().await.expect("request");
    assert_eq!(health.status(), 200);
    let wrong_method = edge
        .http
        .delete(format!("{}/c/{}", edge.base, token(1, 1, 1, 0)))
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_method.status(), 405);
    // A good click afterwards is the only event.
    let ok = edge
        .get(&format!("/c/{}", token(1, 1, 1, 0)))
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 302);
    let events = edge.wait_for_events(1).await;
    assert_eq!(events.len(), 1);
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn bots_and_head_requests_are_redirected_and_marked() {
    let edge = TestEdge::start(&[]).await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    let path = format!("/c/{}", token(1, 1, 1, 0));
    let bot = edge
        .http
        .get(format!("{}{path}", edge.base))
        .header("user-agent", "facebookexternalhit/1.1")
        .send()
        .await
        .expect("request");
    assert_eq!(bot.status(), 302);
    let head = edge
        .http
        .head(format!("{}{path}", edge.base))
        .header("user-agent", BROWSER)
        .send()
        .await
        .expect("request");
    assert_eq!(head.status(), 302);
    let events = edge.wait_for_events(2).await;
    assert!(
        clicks(&events).iter().all(|c| c.verdict == Verdict::Bot),
        "{events:?}"
    );
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn country_and_client_ip_come_from_the_configured_headers() {
    let edge = TestEdge::start(&[
        ("AFFTOK_COUNTRY_HEADER", "CF-IPCountry"),
        ("AFFTOK_CLIENT_IP_HEADER", "X-Forwarded-For"),
    ])
    .await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/{country}", "geo_allow": ["DE"], "fallback_url": "https://elsewhere.example/", "advertiser_id": 5}),
    )
    .await;
    let path = format!("/c/{}", token(1, 1, 1, 0));
    let from_de = edge
        .get(&path)
        .header("cf-ipcountry", "de")
        .header("x-forwarded-for", "10.9.8.7, 198.51.100.23")
        .send()
        .await
        .expect("request");
    assert_eq!(from_de.headers()["location"], "https://a.example/DE");
    let from_us = edge
        .get(&path)
        .header("cf-ipcountry", "US")
        .send()
        .await
        .expect("request");
    assert_eq!(from_us.headers()["location"], "https://elsewhere.example/");
    let events = edge.wait_for_events(2).await;
    let clicks = clicks(&events);
    assert_eq!(
        clicks[0].ip,
        "198.51.100.23".parse().ok(),
        "last X-Forwarded-For entry"
    );
    assert_eq!(clicks[0].verdict, Verdict::Ok);
    assert_eq!(
        clicks[1].ip,
        "127.0.0.1".parse().ok(),
        "no header: the peer address"
    );
    assert_eq!(clicks[1].verdict, Verdict::GeoBlocked);
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn postbacks_are_accepted_into_the_stream_or_refused() {
    let edge = TestEdge::start(&[]).await;
    edge.put_postback_key("adv-key-1", json!({"advertiser_id": 5}))
        .await;
    edge.put_postback_key(
        "office-only",
        json!({"advertiser_id": 6, "ip_allow": ["10.0.0.0/8"]}),
    )
    .await;

    let accepted = edge
        .get(&format!(
            "/postback/adv-key-1?cid={CLICK}&order_id=A-1&amount=12.50&currency=usd"
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(accepted.status(), 200);
    let answer: serde_json::Value = accepted.json().await.expect("json");
    assert_eq!(answer["status"], "accepted");
    // The conversion is in Redis before the answer: no waiting needed.
    let events = edge.events().await;
    let Some(Event::Conversion(conversion)) = events.first() else {
        panic!("no conversion in the stream: {events:?}")
    };
    assert_eq!(answer["event_id"], conversion.id.to_string());
    assert_eq!(conversion.advertiser_id, 5);
    assert_eq!(conversion.click_id.to_string(), CLICK);
    assert_eq!(conversion.txid.as_deref(), Some("A-1"));
    assert_eq!(conversion.currency.map(|c| c.code()), Some("USD"));

    let json_post = edge
        .http
        .post(format!("{}/postback/adv-key-1", edge.base))
        .json(&json!({"click_id": CLICK, "amount": 3.5, "event": "lead"}))
        .send()
        .await
        .expect("request");
    assert_eq!(json_post.status(), 200);

    let refused = [
        ("/postback/unknown?click_id=x".to_owned(), 403, "forbidden"),
        (
            format!("/postback/office-only?click_id={CLICK}"),
            403,
            "forbidden",
        ),
        (
            "/postback/adv-key-1?txid=1".to_owned(),
            400,
            "missing_click_id",
        ),
        (
            "/postback/adv-key-1?click_id=zzz".to_owned(),
            400,
            "invalid_click_id",
        ),
        (
            format!("/postback/adv-key-1?click_id={CLICK}&amount=1.00001"),
            400,
            "invalid_amount",
        ),
        (
            format!("/postback/adv-key-1?click_id={CLICK}&currency=XYZ"),
            400,
            "invalid_currency",
        ),
    ];
    for (path, status, code) in refused {
        let resp = edge.get(&path).send().await.expect("request");
        assert_eq!(resp.status(), status, "{path}");
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body["error"], code, "{path}");
        assert_eq!(body["status"], "rejected");
    }
    let too_big = edge
        .http
        .post(format!("{}/postback/adv-key-1", edge.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("click_id={CLICK}&pad={}", "x".repeat(20_000)))
        .send()
        .await
        .expect("request");
    assert_eq!(too_big.status(), 413);

    assert_eq!(edge.events().await.len(), 2, "only the accepted postbacks");
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn publishable_keys_answer_cors_for_their_origins_only() {
    const SHOP: &str = "https://shop.example";
    let edge = TestEdge::start(&[]).await;
    edge.put_postback_key(
        "pk_live_1",
        json!({"advertiser_id": 7, "kind": "publishable", "origins": [SHOP]}),
    )
    .await;
    edge.put_postback_key("secret-1", json!({"advertiser_id": 7}))
        .await;
    let url = |key: &str| format!("{}/postback/{key}", edge.base);
    let cors = |resp: &reqwest::Response| {
        let mut found: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == "vary")
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or("?").to_owned(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let pairs = |expected: &[(&str, &str)]| {
        let mut pairs: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        pairs.sort();
        pairs
    };

    // The browser's preflight.
    let preflight = edge
        .http
        .request(reqwest::Method::OPTIONS, url("pk_live_1"))
        .header("origin", SHOP)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("request");
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        cors(&preflight),
        pairs(&[
            ("access-control-allow-origin", SHOP),
            ("access-control-allow-methods", "POST, GET, OPTIONS"),
            ("access-control-allow-headers", "content-type"),
            ("access-control-max-age", "86400"),
            ("vary", "Origin"),
        ])
    );
    assert!(preflight.headers().get("content-type").is_none());
    assert!(preflight.bytes().await.expect("body").is_empty());

    // Then the conversion, as the Web SDK posts it.
    let accepted = edge
        .http
        .post(url("pk_live_1"))
        .header("origin", SHOP)
        .json(&json!({"click_id": CLICK, "txid": "W-1"}))
        .send()
        .await
        .expect("request");
    assert_eq!(accepted.status(), 200);
    assert_eq!(
        cors(&accepted),
        pairs(&[("access-control-allow-origin", SHOP), ("vary", "Origin")])
    );
    let answer: serde_json::Value = accepted.json().await.expect("json");
    let events = edge.events().await;
    let [Event::Conversion(conversion)] = events.as_slice() else {
        panic!("expected one conversion: {events:?}")
    };
    assert_eq!(answer["event_id"], conversion.id.to_string());
    assert_eq!(
        conversion.source,
        Some(afftok_shared::ConversionSource::Browser)
    );
    // An oversized body is refused after the key, so the page can read the 413 too.
    let too_big = edge
        .http
        .post(url("pk_live_1"))
        .header("origin", SHOP)
        .body(format!("click_id={CLICK}&pad={}", "x".repeat(20_000)))
        .send()
        .await
        .expect("request");
    assert_eq!(too_big.status(), 413);
    assert_eq!(
        cors(&too_big),
        pairs(&[("access-control-allow-origin", SHOP), ("vary", "Origin")])
    );

    // Refused: another origin (preflight and request), no origin, a secret key from a page.
    let refused = [
        edge.http
            .request(reqwest::Method::OPTIONS, url("pk_live_1"))
            .header("origin", "https://evil.example"),
        edge.http
            .post(url("pk_live_1"))
            .header("origin", "https://evil.example")
            .json(&json!({"click_id": CLICK})),
        edge.http
            .get(format!("{}?click_id={CLICK}", url("pk_live_1"))),
        edge.http
            .get(format!("{}?click_id={CLICK}", url("secret-1")))
            .header("origin", SHOP),
        edge.http
            .request(reqwest::Method::OPTIONS, url("secret-1"))
            .header("origin", SHOP),
    ];
    for request in refused {
        let resp = request.send().await.expect("request");
        assert_eq!(resp.status(), 403);
        assert_eq!(cors(&resp), pairs(&[]), "no CORS headers on a refusal");
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body, json!({"status": "rejected", "error": "forbidden"}));
    }
    // OPTIONS elsewhere is still 405.
    let health = edge
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/healthz", edge.base))
        .header("origin", SHOP)
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), 405);
    assert_eq!(health.headers()["allow"], "GET, HEAD");
    assert_eq!(edge.events().await.len(), 1, "only the accepted conversion");
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn a_pause_reaches_the_edge_within_the_cache_ttl() {
    let edge = TestEdge::start(&[("AFFTOK_KV_CACHE_SECS", "1")]).await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    let path = format!("/c/{}", token(1, 1, 1, 0));
    assert_eq!(edge.get(&path).send().await.expect("request").status(), 302);
    edge.put_offer(
        1,
        json!({"status": "paused", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    let paused_at = tokio::time::Instant::now();
    let mut requests = 1;
    loop {
        let status = edge.get(&path).send().await.expect("request").status();
        requests += 1;
        if status == 404 {
            break;
        }
        assert!(
            paused_at.elapsed() < PATIENCE,
            "the pause never reached the edge"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every request's event, the last one (written last) with the paused verdict.
    let events = edge.wait_for_events(requests).await;
    assert_eq!(
        clicks(&events).last().map(|c| c.verdict),
        Some(Verdict::OfferPaused)
    );
    assert!(edge.stop().await.success());
}

#[tokio::test]
async fn sigterm_writes_every_queued_event_before_exiting() {
    let mut edge = TestEdge::start(&[]).await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    let path = format!("/c/{}", token(1, 1, 1, 0));
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..200 {
        requests.spawn(edge.get(&path).send());
    }
    while let Some(resp) = requests.join_next().await {
        assert_eq!(resp.expect("task").expect("request").status(), 302);
    }
    let status = edge.terminate().await;
    assert!(status.success(), "exit status {status:?}");
    let mut redis = edge.redis.clone();
    let len: usize = redis.xlen(&edge.stream).await.expect("XLEN");
    assert_eq!(
        len, 200,
        "every click answered before SIGTERM is in the stream"
    );
    edge.cleanup().await;
}

#[tokio::test]
async fn clicks_survive_a_redis_outage() {
    // A private Redis this test can stop and start again.
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut server = start_redis(port).await;
    // Entries go stale after a second: the edge tries Redis again during the outage.
    let edge = TestEdge::start_with_redis(&url, &[("AFFTOK_KV_CACHE_SECS", "1")]).await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/", "advertiser_id": 5}),
    )
    .await;
    edge.put_postback_key("k", json!({"advertiser_id": 5}))
        .await;
    let path = format!("/c/{}", token(1, 1, 1, 0));
    let postback = format!("/postback/k?click_id={CLICK}");
    assert_eq!(edge.get(&path).send().await.expect("request").status(), 302);
    assert_eq!(
        edge.get(&postback).send().await.expect("request").status(),
        200
    );
    edge.wait_for_events(2).await;
    // Keep the KV contents to restore them: this Redis keeps nothing on disk.
    let keys = {
        let mut redis = edge.redis.clone();
        let names: Vec<String> = redis.keys(format!("{}*", edge.prefix)).await.expect("KEYS");
        let mut pairs = Vec::new();
        for name in names {
            let value: String = redis.get(&name).await.expect("GET");
            pairs.push((name, value));
        }
        pairs
    };

    server.kill().await.expect("redis stops");
    // Cached routes keep redirecting while Redis is away, also once their entries are stale
    // and a read of Redis fails: the breaker opens, and the stale entries are served while
    // Redis is probed in the background. The clicks wait in memory.
    assert_eq!(edge.get(&path).send().await.expect("request").status(), 302);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..4 {
        assert_eq!(edge.get(&path).send().await.expect("request").status(), 302);
    }
    assert!(
        edge.logs()
            .contains("serving cached entries while Redis is probed"),
        "{}",
        edge.logs()
    );
    // A postback cannot be made durable: 503, so the advertiser retries.
    let refused = edge.get(&postback).send().await.expect("request");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "5");
    let _server = start_redis(port).await;
    let mut redis = redis_at(&url).await;
    for (name, value) in keys {
        let _: () = redis.set(name, value).await.expect("SET");
    }
    let fresh = TestEdge { redis, ..edge };
    let events = fresh.wait_for_events(5).await;
    assert_eq!(
        clicks(&events).len(),
        5,
        "the 5 queued clicks arrive after the outage"
    );
    assert!(fresh.logs().contains("retrying"));
    // A probe finds Redis back: reads go to it again (a later click makes the probe).
    for _ in 0..50 {
        let _ = fresh.get(&path).send().await.expect("request");
        if fresh.logs().contains("edge KV reads work again") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        fresh.logs().contains("edge KV reads work again"),
        "{}",
        fresh.logs()
    );
    assert!(fresh.stop().await.success());
}

#[tokio::test]
async fn clicks_wait_on_disk_through_an_outage_and_a_killed_edge() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut server = start_redis(port).await;
    let dir = std::env::temp_dir().join(format!("afftok-spool-test-{}", Uuid::new_v4().simple()));
    let spool = dir.display().to_string();
    let env = [("AFFTOK_EVENT_SPOOL", spool.as_str())];
    let edge = TestEdge::start_with_redis(&url, &env).await;
    edge.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/?c={click_id}", "advertiser_id": 5}),
    )
    .await;
    let path = format!("/c/{}", token(1, 1, 1, 0));
    let first = edge.get(&path).send().await.expect("request");
    assert_eq!(first.status(), 302);
    edge.wait_for_events(1).await;
    let kv: Vec<(String, String)> = {
        let mut redis = edge.redis.clone();
        let names: Vec<String> = redis.keys(format!("{}*", edge.prefix)).await.expect("KEYS");
        let mut pairs = Vec::new();
        for name in names {
            let value: String = redis.get(&name).await.expect("GET");
            pairs.push((name, value));
        }
        pairs
    };

    server.kill().await.expect("redis stops");
    let mut ids = vec![click_id_in(
        first.headers()["location"].to_str().unwrap_or(""),
    )];
    for _ in 0..40 {
        let resp = edge.get(&path).send().await.expect("request");
        assert_eq!(resp.status(), 302);
        ids.push(click_id_in(
            resp.headers()["location"].to_str().unwrap_or(""),
        ));
    }
    // Redis refused them: they are on disk, one event a line.
    let file = dir.join("events.spool");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while std::fs::read_to_string(&file)
        .map(|t| t.lines().count())
        .unwrap_or(0)
        < 40
    {
        assert!(tokio::time::Instant::now() < deadline, "{}", edge.logs());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        edge.logs().contains("spooling them to disk"),
        "{}",
        edge.logs()
    );
    // The edge dies without a chance to write anything (SIGKILL).
    let TestEdge {
        mut child,
        http,
        prefix,
        stream,
        ..
    } = edge;
    child.kill().await.expect("edge killed");

    // Redis is back (empty: this one keeps nothing), and the edge starts again.
    let _server = start_redis(port).await;
    let mut redis = redis_at(&url).await;
    for (name, value) in kv {
        let _: () = redis.set(name, value).await.expect("SET");
    }
    let again = TestEdge {
        child: spawn_edge(&url, &prefix, &stream, &env),
        base: String::new(),
        http,
        redis,
        prefix,
        stream,
        logs: Arc::default(),
    }
    .listening()
    .await;
    // The first click was in Redis before it stopped, and went with it; the 40 come back.
    let events = again.wait_for_events(40).await;
    let mut replayed: Vec<Uuid> = clicks(&events).iter().map(|c| c.id).collect();
    replayed.sort();
    let mut expected = ids[1..].to_vec();
    expected.sort();
    assert_eq!(replayed, expected);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while std::fs::metadata(&file).map(|m| m.len()).unwrap_or(1) > 0 {
        assert!(tokio::time::Instant::now() < deadline, "{}", again.logs());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The edge empties the spool, then says so: the line may come a moment after.
    while !again.logs().contains("spooled events replayed") {
        assert!(tokio::time::Instant::now() < deadline, "{}", again.logs());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.stop().await.success());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn invalid_configuration_exits_with_code_2_naming_the_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_afftok-edge"))
        .env("AFFTOK_EDGE_LISTEN", "not-an-address")
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("AFFTOK_EDGE_LISTEN"));
}

#[tokio::test]
async fn unreachable_redis_is_a_clear_start_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_afftok-edge"))
        .env("AFFTOK_EDGE_LISTEN", "127.0.0.1:0")
        .env(
            "REDIS_URL",
            format!("redis://:sekrit@127.0.0.1:{}", free_port()),
        )
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot reach Redis"), "{stderr}");
    assert!(!stderr.contains("sekrit"), "the password leaked: {stderr}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_redis(port: u16) -> Child {
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server on PATH");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "redis-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child
}
