use std::collections::HashMap;

use afftok_control_plane::accounts::Role;
use afftok_control_plane::accounts::password;
use afftok_control_plane::accounts::{self, NewUser};
use afftok_control_plane::app::Application;
use afftok_control_plane::app::config::{Need, Settings};
use afftok_control_plane::app::seed::{self, Client, NewAccount, Offer, Session};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

pub(crate) const PASSWORD: &str = "correct horse battery";
pub(crate) const KEK_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
pub(crate) const JWT_SECRET: &str = "test-jwt-secret-test-jwt-secret!";

/// The Postgres server the tests use, as a URL to its `postgres` database.
pub(crate) fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `admin_url` pointing at another database.
pub(crate) fn url_of(database: &str) -> String {
    let base = admin_url();
    let (server, _) = base.rsplit_once('/').unwrap_or((base.as_str(), ""));
    format!("{server}/{database}")
}

pub(crate) struct Options {
    pub(crate) auth_per_minute: u32,
    pub(crate) user_per_minute: u32,
    pub(crate) api_key_per_minute: u32,
    pub(crate) attribution_wait_secs: u64,
    /// More settings, as environment variables (they win over the test defaults).
    pub(crate) env: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            auth_per_minute: 100_000,
            user_per_minute: 100_000,
            api_key_per_minute: 100_000,
            attribution_wait_secs: 86_400,
            env: Vec::new(),
        }
    }
}

pub(crate) struct TestApp {
    pub(crate) base: String,
    pub(crate) db: PgPool,
    pub(crate) db_url: String,
    pub(crate) settings: Settings,
    /// The API client `afftok dev seed` uses: the helpers make accounts and offers with it.
    pub(crate) api: Client,
    http: reqwest::Client,
}

/// An account signed in for a test.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) id: i64,
    pub(crate) token: String,
    pub(crate) refresh: String,
    pub(crate) advertiser_id: Option<i64>,
    pub(crate) email: String,
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub(crate) fn settings_for(db_url: &str, redis_prefix: &str, opts: &Options) -> Settings {
    let mut env: HashMap<&str, String> = HashMap::from([
        ("AFFTOK_LISTEN", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", db_url.to_owned()),
        (
            "REDIS_URL",
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        ),
        ("AFFTOK_REDIS_KEY_PREFIX", redis_prefix.to_owned()),
        // A test's app shares one thread with the test and its consumers, on a machine running
        // other tests: a stall of that thread past the 200 ms default would read as Redis away
        // (a 503 from the live counters). Tests of Redis away close its port instead.
        ("AFFTOK_REDIS_CALL_TIMEOUT_MS", "2000".to_owned()),
        // Each test reads its own stream: parallel tests must not take each other's events.
        ("AFFTOK_EVENT_STREAM", format!("{redis_prefix}events")),
        ("AFFTOK_STREAM_CLAIM_IDLE_MS", "500".to_owned()),
        // Each test pushes the edge config under its own prefix, quickly.
        ("AFFTOK_KV_PREFIX", format!("{redis_prefix}kv:")),
        ("AFFTOK_EDGE_PUSH_INTERVAL_MS", "100".to_owned()),
        (
            "AFFTOK_ATTRIBUTION_WAIT_SECS",
            opts.attribution_wait_secs.to_string(),
        ),
        ("AFFTOK_INGEST_SECRET", "test-ingest-secret".to_owned()),
        ("AFFTOK_JWT_SECRET", JWT_SECRET.to_owned()),
        ("AFFTOK_KEY_ENCRYPTION_KEY", KEK_B64.to_owned()),
        ("AFFTOK_EDGE_BASE_URL", "https://edge.test".to_owned()),
        ("AFFTOK_CLIENT_IP_HEADER", "x-test-client-ip".to_owned()),
        ("AFFTOK_MAX_BODY_BYTES", "4096".to_owned()),
        // Webhooks reach the tests' receivers on loopback, over http, and retry quickly.
        ("AFFTOK_WEBHOOK_ALLOW_HTTP", "true".to_owned()),
        (
            "AFFTOK_WEBHOOK_ALLOW_NETWORKS",
            "127.0.0.0/8, ::1".to_owned(),
        ),
        (
            "AFFTOK_WEBHOOK_RETRY_SCHEDULE",
            "200ms 400ms 800ms".to_owned(),
        ),
        ("AFFTOK_WEBHOOK_TIMEOUT_MS", "1500".to_owned()),
        ("AFFTOK_WEBHOOK_POLL_INTERVAL_MS", "50".to_owned()),
        (
            "AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE",
            opts.auth_per_minute.to_string(),
        ),
        (
            "AFFTOK_RATE_LIMIT_USER_PER_MINUTE",
            opts.user_per_minute.to_string(),
        ),
        (
            "AFFTOK_RATE_LIMIT_API_KEY_PER_MINUTE",
            opts.api_key_per_minute.to_string(),
        ),
    ]);
    env.extend(opts.env.iter().cloned());
    Settings::from_sources(None, |name| env.get(name).cloned(), Need::Serve)
        .expect("test settings are valid")
}

/// A fresh database named `afftok_test_*`.
pub(crate) async fn fresh_database() -> (String, String) {
    let name = format!("afftok_test_{}", Uuid::new_v4().simple());
    let admin = PgPool::connect(&admin_url())
        .await
        .expect("test Postgres reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let url = url_of(&name);
    (name, url)
}

pub(crate) async fn spawn_with(opts: Options) -> TestApp {
    let (_, db_url) = fresh_database().await;
    let prefix = format!("afftok-test:{}:", Uuid::new_v4().simple());
    let settings = settings_for(&db_url, &prefix, &opts);
    let app = Application::build(settings.clone())
        .await
        .expect("app builds");
    let addr = app.local_addr().expect("bound");
    let db = app.state().db.clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let base = format!("http://{addr}");
    TestApp {
        api: Client::new(&base).expect("API client"),
        base,
        db,
        db_url,
        settings,
        http: reqwest::Client::new(),
    }
}

impl TestApp {
    /// A second control plane on the same database, Redis and stream (as when two run behind
    /// a load balancer).
    pub(crate) async fn twin(&self) -> TestApp {
        self.twin_with(self.settings.clone()).await
    }

    /// A second control plane on the same database, Redis and stream, with these settings
    /// changed (`env`, as in [`Options::env`]).
    pub(crate) async fn twin_changed(&self, env: Vec<(&'static str, String)>) -> TestApp {
        let opts = Options {
            env,
            ..Options::default()
        };
        let settings = settings_for(&self.db_url, &self.settings.redis_key_prefix, &opts);
        self.twin_with(settings).await
    }

    async fn twin_with(&self, settings: Settings) -> TestApp {
        let app = Application::build(settings.clone())
            .await
            .expect("the twin builds");
        let addr = app.local_addr().expect("bound");
        tokio::spawn(app.run_until(std::future::pending()));
        let base = format!("http://{addr}");
        TestApp {
            api: Client::new(&base).expect("API client"),
            base,
            db: self.db.clone(),
            db_url: self.db_url.clone(),
            settings,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(format!("{}{path}", self.base))
    }

    /// A request with any method (`method` as the OpenAPI document writes it: lower case).
    pub(crate) fn request(&self, method: &str, path: &str) -> RequestBuilder {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
            .unwrap_or_else(|_| panic!("{method} is no method"));
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// GETs `path` as the holder of `token`; the answer must be 200 with JSON.
    pub(crate) async fn get_json(&self, path: &str, token: &str) -> Value {
        let resp = self
            .get(path)
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// The Prometheus exposition at `/metrics`.
    pub(crate) async fn metrics(&self) -> String {
        self.get("/metrics")
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("text")
    }

    pub(crate) fn head(&self, path: &str) -> RequestBuilder {
        self.http.head(format!("{}{path}", self.base))
    }

    pub(crate) fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(format!("{}{path}", self.base))
    }

    pub(crate) fn put(&self, path: &str) -> RequestBuilder {
        self.http.put(format!("{}{path}", self.base))
    }

    pub(crate) fn patch(&self, path: &str) -> RequestBuilder {
        self.http.patch(format!("{}{path}", self.base))
    }

    pub(crate) fn delete(&self, path: &str) -> RequestBuilder {
        self.http.delete(format!("{}{path}", self.base))
    }

    pub(crate) async fn register(&self, role: &str, email: &str) -> Account {
        let role: Role = role.parse().expect("a role");
        let company = format!("{email} Inc");
        let session = self
            .api
            .register(&NewAccount {
                role,
                email,
                password: PASSWORD,
                display_name: email,
                company: (role == Role::Advertiser).then_some(company.as_str()),
            })
            .await
            .unwrap_or_else(|e| panic!("register {email}: {e}"));
        account(session)
    }

    pub(crate) async fn advertiser(&self, name: &str) -> Account {
        self.register("advertiser", &format!("{name}@adv.test"))
            .await
    }

    pub(crate) async fn promoter(&self, name: &str) -> Account {
        self.register("promoter", &format!("{name}@promo.test"))
            .await
    }

    /// An admin, created the way `afftok admin create` does, then signed in.
    pub(crate) async fn admin(&self) -> Account {
        let email = format!("admin-{}@afftok.test", Uuid::new_v4().simple());
        let hash = password::hash(PASSWORD).expect("hash");
        accounts::create_user(
            &self.db,
            NewUser {
                email: &email,
                password_hash: &hash,
                role: Role::Admin,
                display_name: "Admin",
                company: None,
            },
        )
        .await
        .expect("admin created");
        self.login(&email, PASSWORD).await
    }

    pub(crate) async fn login(&self, email: &str, password: &str) -> Account {
        let session = self
            .api
            .login(email, password)
            .await
            .unwrap_or_else(|e| panic!("login {email}: {e}"));
        account(session)
    }

    /// Creates an offer for `adv` from a valid base with `changes` applied.
    pub(crate) async fn create_offer(&self, adv: &Account, changes: Value) -> Value {
        let mut body = json!({
            "name": "Spring sale",
            "description": "Everything 20% off",
            "category": "shopping",
            "url_template": "https://shop.example/landing?c={click_id}&s={sub1}",
            "payout_model": "cpa",
            "payout_amount": "12.50",
            "currency": "USD",
        });
        if let (Some(body), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
            for (k, v) in changes {
                body.insert(k.clone(), v.clone());
            }
        }
        self.api
            .create_offer(&adv.token, &body)
            .await
            .unwrap_or_else(|e| panic!("create offer: {e}"))
    }

    /// An offer of `adv`, submitted and approved by `admin`.
    pub(crate) async fn approved_offer(
        &self,
        adv: &Account,
        admin: &Account,
        changes: Value,
    ) -> i64 {
        let offer: Offer =
            serde_json::from_value(self.create_offer(adv, changes).await).expect("an offer");
        seed::approved(&self.api, offer, &adv.token, &admin.token)
            .await
            .unwrap_or_else(|e| panic!("approve: {e}"))
            .id
    }

    /// Creates a link signing key as `afftok keys create` does.
    pub(crate) async fn signing_key(&self, activate: bool) -> i64 {
        let kek = secrecy::ExposeSecret::expose_secret(self.settings.key_encryption_key.as_ref());
        afftok_control_plane::links::signing_keys::create(
            &self.db,
            kek,
            activate,
            afftok_control_plane::kernel::Mode::Live,
        )
        .await
        .expect("signing key")
        .kid
        .0
    }
}

fn account(session: Session) -> Account {
    Account {
        id: session.user.id,
        advertiser_id: session.user.advertiser.map(|a| a.id),
        email: session.user.email,
        token: session.access_token,
        refresh: session.refresh_token,
    }
}

/// Waits until `condition` holds, checking every 50 ms; after 20 s, fails the test with
/// `what` (what was being waited for).
pub(crate) async fn wait_until(what: &str, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if condition().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting (20 s) until {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits out a UTC midnight closer than `margin`, for a test whose expectations hold within
/// one UTC day (today's counters, this week's board): a test that began just before midnight
/// would compare what it computed for one day with what the service answers for the next.
pub(crate) async fn clear_of_midnight(margin: std::time::Duration) {
    let now = time::OffsetDateTime::now_utc();
    let left = (now.date() + time::Duration::DAY).midnight().assume_utc() - now;
    if left < margin {
        let wait = left + time::Duration::SECOND;
        tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
    }
}

/// Asserts a problem document with `status` and `code`; returns it.
pub(crate) async fn problem(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status for {code}");
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
    );
    let body: Value = resp.json().await.expect("problem json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("urn:afftok:problem:{code}"));
    body
}

/// The fields a validation problem names.
pub(crate) fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
