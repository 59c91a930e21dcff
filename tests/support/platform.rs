//! The platform's real pieces for end-to-end tests: the control plane (`afftok serve`'s
//! application, on a fresh database), the native edge (`afftok-edge`'s server), both in this
//! process on free ports, with a run prefix of their own in Redis; a gate in front of the
//! control plane's event ingest; and the API calls a user makes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use afftok_control_plane::app::Application;
use afftok_control_plane::app::config::{Need, Settings};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sqlx::PgPool;

/// The ingest secret shared by the control plane and the worker.
pub const INGEST_SECRET: &str = "e2e-ingest-secret";
/// Every account's password.
pub const PASSWORD: &str = "a long e2e password";
const KEK_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// `REDIS_URL`, or the local default.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// `DATABASE_URL` (or the local default) with its database replaced by `database`.
pub fn postgres_url(database: &str) -> String {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (server, _) = base.rsplit_once('/').unwrap_or((base.as_str(), ""));
    format!("{server}/{database}")
}

/// A run's names in Redis: its KV prefix and event stream.
#[derive(Debug, Clone)]
pub struct Run {
    /// Prefix of everything this run puts in Redis.
    pub prefix: String,
}

impl Run {
    /// A fresh run.
    pub fn new() -> Self {
        Self {
            prefix: format!("afftok-e2e:{}:", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The edge KV prefix.
    pub fn kv_prefix(&self) -> String {
        format!("{}kv:", self.prefix)
    }

    /// The event stream.
    pub fn stream(&self) -> String {
        format!("{}events", self.prefix)
    }
}

impl Default for Run {
    fn default() -> Self {
        Self::new()
    }
}

/// The environment of a control plane in these tests: the run's Redis names, `database_url`,
/// and the secrets and settings every test shares.
pub fn control_plane_env<'a>(run: &Run, database_url: String) -> HashMap<&'a str, String> {
    HashMap::from([
        ("AFFTOK_LISTEN", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", database_url),
        ("REDIS_URL", redis_url()),
        ("AFFTOK_REDIS_KEY_PREFIX", run.prefix.clone()),
        ("AFFTOK_EVENT_STREAM", run.stream()),
        ("AFFTOK_KV_PREFIX", run.kv_prefix()),
        ("AFFTOK_EDGE_TARGETS", "redis".to_owned()),
        ("AFFTOK_EDGE_PUSH_INTERVAL_MS", "100".to_owned()),
        ("AFFTOK_STREAM_CLAIM_IDLE_MS", "1000".to_owned()),
        ("AFFTOK_INGEST_SECRET", INGEST_SECRET.to_owned()),
        (
            "AFFTOK_JWT_SECRET",
            "e2e-jwt-secret-e2e-jwt-secret-e2e".to_owned(),
        ),
        ("AFFTOK_KEY_ENCRYPTION_KEY", KEK_B64.to_owned()),
        ("AFFTOK_EDGE_BASE_URL", "https://edge.e2e.test".to_owned()),
        // The tests post a conversion right after its click: sooner than the fraud
        // minimum a real visitor takes (control-plane/tests/api/fraud.rs tests it).
        ("AFFTOK_FRAUD_MIN_CTIT_SECS", "0".to_owned()),
    ])
}

/// The control plane, serving.
#[derive(Debug)]
pub struct ControlPlane {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its database.
    pub db: PgPool,
    /// Its settings.
    pub settings: Settings,
    http: reqwest::Client,
}

impl ControlPlane {
    /// Starts the control plane on a fresh database, with the run's Redis names and
    /// `extra` settings (environment variables) over the test defaults.
    pub async fn start(run: &Run, extra: &[(&str, String)]) -> Self {
        let name = format!("afftok_e2e_{}", uuid::Uuid::new_v4().simple());
        let admin = PgPool::connect(&postgres_url("postgres"))
            .await
            .unwrap_or_else(|e| panic!("Postgres: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("create database: {e}"));
        admin.close().await;
        let mut env = control_plane_env(run, postgres_url(&name));
        env.extend(extra.iter().cloned());
        let settings = Settings::from_sources(None, |n| env.get(n).cloned(), Need::Serve)
            .unwrap_or_else(|e| panic!("settings: {e}"));
        let app = Application::build(settings.clone())
            .await
            .unwrap_or_else(|e| panic!("control plane: {e}"));
        let addr = app
            .local_addr()
            .unwrap_or_else(|e| panic!("control plane address: {e}"));
        let db = app.state().db.clone();
        tokio::spawn(app.run_until(std::future::pending()));
        Self {
            base: format!("http://{addr}"),
            db,
            settings,
            http: reqwest::Client::new(),
        }
    }

    /// A control plane serving at `base` in another process, started with `env`.
    pub async fn attach(base: String, env: &HashMap<&str, String>) -> Self {
        let settings = Settings::from_sources(None, |n| env.get(n).cloned(), Need::Serve)
            .unwrap_or_else(|e| panic!("settings: {e}"));
        let url = env.get("DATABASE_URL").cloned().unwrap_or_default();
        let db = PgPool::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("Postgres: {e}"));
        Self {
            base,
            db,
            settings,
            http: reqwest::Client::new(),
        }
    }

    /// The key-encryption key.
    pub fn kek(&self) -> [u8; 32] {
        *secrecy::ExposeSecret::expose_secret(self.settings.key_encryption_key.as_ref())
    }

    /// Creates a link signing key as `afftok keys create [--activate]` does.
    pub async fn signing_key(&self, activate: bool) -> i64 {
        afftok_control_plane::links::signing_keys::create(
            &self.db,
            &self.kek(),
            activate,
            afftok_control_plane::kernel::Mode::Live,
        )
        .await
        .unwrap_or_else(|e| panic!("signing key: {e}"))
        .kid
        .0
    }

    /// Sends `method path` with an optional bearer token and JSON body; the status and the
    /// JSON answer (`null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Like [`Self::call`], requiring `expected`; the answer.
    pub async fn expect(
        &self,
        expected: u16,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let (status, answer) = self.call(method.clone(), path, token, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        answer
    }

    /// Registers an account (`role` promoter or advertiser); its access token.
    pub async fn register(&self, role: &str, email: &str) -> String {
        let mut body =
            json!({"role": role, "email": email, "password": PASSWORD, "display_name": email});
        if role == "advertiser" {
            body["company_name"] = json!("E2E Inc");
        }
        let answer = self
            .expect(
                201,
                reqwest::Method::POST,
                "/v1/auth/register",
                None,
                Some(body),
            )
            .await;
        answer["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// An admin with `email` and [`PASSWORD`], created as `afftok admin create` does.
    pub async fn create_admin(&self, email: &str) {
        use afftok_control_plane::accounts::{self, NewUser};
        let hash = afftok_control_plane::accounts::password::hash(PASSWORD)
            .unwrap_or_else(|e| panic!("hash: {e}"));
        accounts::create_user(
            &self.db,
            NewUser {
                email,
                password_hash: &hash,
                role: afftok_control_plane::accounts::Role::Admin,
                display_name: "Admin",
                company: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    }

    /// An admin, created as `afftok admin create` does; its access token.
    pub async fn admin(&self) -> String {
        let email = format!("admin-{}@e2e.test", uuid::Uuid::new_v4().simple());
        self.create_admin(&email).await;
        let answer = self
            .expect(
                200,
                reqwest::Method::POST,
                "/v1/auth/login",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        answer["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// GETs `path` as `token`, requiring 200.
    pub async fn get(&self, path: &str, token: &str) -> Value {
        self.expect(200, reqwest::Method::GET, path, Some(token), None)
            .await
    }

    /// POSTs to `path` as `token`, requiring `expected`.
    pub async fn post(&self, expected: u16, path: &str, token: &str, body: Value) -> Value {
        self.expect(
            expected,
            reqwest::Method::POST,
            path,
            Some(token),
            Some(body),
        )
        .await
    }
}

/// The accounts and the offer of one market: an advertiser's approved CPA offer (2.50 USD,
/// destination `https://shop.example/landing?c={click_id}&s={sub1}`), its postback key, and a
/// promoter's link to it.
#[derive(Debug)]
pub struct Market {
    /// An admin's access token.
    pub admin: String,
    /// The advertiser's access token.
    pub adv: String,
    /// The promoter's access token.
    pub promoter: String,
    /// The offer's id.
    pub offer: i64,
    /// The link's path (`/c/{token}`), the same on every edge.
    pub link: String,
    /// The advertiser's postback key (shown once, kept here).
    pub postback_key: String,
}

/// Makes the market on `cp` as its users do, over the API (a link signing key first).
pub async fn market(cp: &ControlPlane) -> Market {
    cp.signing_key(true).await;
    let admin = cp.admin().await;
    let adv = cp.register("advertiser", "ads@acme.e2e").await;
    let offer = cp
        .post(
            201,
            "/v1/offers",
            &adv,
            json!({
                "name": "Spring sale", "category": "shopping",
                "url_template": "https://shop.example/landing?c={click_id}&s={sub1}",
                "payout_model": "cpa", "payout_amount": "2.50", "currency": "USD",
            }),
        )
        .await["id"]
        .as_i64()
        .expect("offer id");
    cp.post(200, &format!("/v1/offers/{offer}/submit"), &adv, json!({}))
        .await;
    cp.post(
        200,
        &format!("/v1/admin/offers/{offer}/approve"),
        &admin,
        json!({}),
    )
    .await;
    let key = cp
        .post(
            201,
            "/v1/postback-keys",
            &adv,
            json!({"name": "shop server", "ip_allow": []}),
        )
        .await;
    let postback_key = key["key"].as_str().expect("key shown once").to_owned();
    assert!(
        key["postback_url"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("/postback/{postback_key}?click_id="))),
        "{key}"
    );
    let promoter = cp.register("promoter", "pat@promo.e2e").await;
    let link = cp
        .post(
            201,
            &format!("/v1/marketplace/offers/{offer}/join"),
            &promoter,
            json!({}),
        )
        .await;
    let token = link["token"].as_str().expect("token");
    Market {
        admin,
        adv,
        promoter,
        offer,
        link: format!("/c/{token}"),
        postback_key,
    }
}

/// The native edge (`afftok-edge`), serving.
#[derive(Debug)]
pub struct NativeEdge {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl NativeEdge {
    /// Starts the native edge on the run's KV and stream, caching KV reads for `cache_secs`.
    pub async fn start(run: &Run, cache_secs: u64) -> Self {
        let env: HashMap<&str, String> = HashMap::from([
            ("AFFTOK_EDGE_LISTEN", "127.0.0.1:0".to_owned()),
            ("REDIS_URL", redis_url()),
            ("AFFTOK_KV_PREFIX", run.kv_prefix()),
            ("AFFTOK_EVENT_STREAM", run.stream()),
            ("AFFTOK_KV_CACHE_SECS", cache_secs.to_string()),
        ]);
        let config = afftok_edge_native::Config::from_lookup(|n| env.get(n).cloned())
            .unwrap_or_else(|e| panic!("edge config: {e:?}"));
        let edge = afftok_edge_native::Edge::build(&config)
            .await
            .unwrap_or_else(|e| panic!("edge: {e}"));
        let addr = edge
            .local_addr()
            .unwrap_or_else(|e| panic!("edge address: {e}"));
        tokio::spawn(edge.run_until(std::future::pending()));
        Self {
            base: format!("http://{addr}"),
        }
    }
}

#[derive(Debug, Default)]
struct GateState {
    upstreams: Mutex<Vec<String>>,
    next: AtomicUsize,
    closed: AtomicBool,
    held: AtomicUsize,
    /// Batches still to forward whose answer the worker then does not get (a 502 instead).
    lose: AtomicUsize,
    lost: AtomicUsize,
}

/// Stands between the worker's queue consumer and the control plane's
/// `POST /internal/v1/events`: forwards batches as they are (headers and body, so the
/// signature still holds) while open; answers 503 while closed or before it knows where
/// the control plane is, so the queue retries them later.
#[derive(Debug, Clone)]
pub struct Gate {
    /// `http://127.0.0.1:PORT`: the worker's CONTROL_PLANE_URL.
    pub url: String,
    state: Arc<GateState>,
}

impl Gate {
    /// Starts a gate that forwards nowhere yet.
    pub async fn start() -> Self {
        let state = Arc::new(GateState::default());
        let app = axum::Router::new()
            .route("/internal/v1/events", axum::routing::post(forward))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("gate: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("gate address: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}"),
            state,
        }
    }

    /// Forwards to `base` from now on.
    pub fn forward_to(&self, base: &str) {
        self.forward_to_all(&[base.to_owned()]);
    }

    /// Forwards to each of `bases` in turn from now on (control planes behind a balancer).
    pub fn forward_to_all(&self, bases: &[String]) {
        *self
            .state
            .upstreams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = bases.to_vec();
    }

    /// Holds every batch back (answers 503) until [`Self::open`].
    pub fn close(&self) {
        self.state.closed.store(true, Ordering::SeqCst);
    }

    /// Forwards batches again.
    pub fn open(&self) {
        self.state.closed.store(false, Ordering::SeqCst);
    }

    /// Batches held back so far.
    pub fn held(&self) -> usize {
        self.state.held.load(Ordering::SeqCst)
    }

    /// Forwards the next `n` batches but answers the worker 502 instead of the control
    /// plane's answer, as a connection cut after the control plane committed does: the
    /// queue delivers them again.
    pub fn lose_answers(&self, n: usize) {
        self.state.lose.store(n, Ordering::SeqCst);
    }

    /// Answers lost so far.
    pub fn lost(&self) -> usize {
        self.state.lost.load(Ordering::SeqCst)
    }
}

async fn forward(State(gate): State<Arc<GateState>>, headers: HeaderMap, body: Bytes) -> Response {
    let upstream = {
        let upstreams = gate
            .upstreams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let turn = gate.next.fetch_add(1, Ordering::SeqCst);
        upstreams.get(turn % upstreams.len().max(1)).cloned()
    };
    let Some(upstream) = upstream.filter(|_| !gate.closed.load(Ordering::SeqCst)) else {
        gate.held.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut req = reqwest::Client::new()
        .post(format!("{upstream}/internal/v1/events"))
        .body(body);
    for name in ["afftok-signature", "content-type"] {
        if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
            req = req.header(name, value);
        }
    }
    match req.send().await {
        Ok(resp)
            if resp.status().is_success()
                && gate
                    .lose
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok() =>
        {
            gate.lost.fetch_add(1, Ordering::SeqCst);
            StatusCode::BAD_GATEWAY.into_response()
        }
        Ok(resp) => {
            let status =
                StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, resp.bytes().await.unwrap_or_default()).into_response()
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
