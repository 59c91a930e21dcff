//! `http::idempotency` on its own: two test routes use it the way any POST route would, on
//! the test app's database; and the upgrade of the keys stored before it existed.

use afftok_control_plane::app::{AppState, Application};
use afftok_control_plane::http::extract::{Auth, Json};
use afftok_control_plane::http::idempotency::{self, Claim, Idempotent};
use afftok_control_plane::kernel::ApiError;
use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::migrate::Migrate;
use tower::ServiceExt;
use uuid::Uuid;

use crate::helpers::{
    Options, TestApp, fields, fresh_database, settings_for, spawn_app, wait_until,
};

/// What the test routes are asked to do.
#[derive(Debug, Deserialize)]
struct Change {
    note: String,
    /// Answer 422 after the key is claimed (nothing may be stored).
    #[serde(default)]
    fail: bool,
    /// Wait for the test to open the gate after the key is claimed.
    #[serde(default)]
    gate: bool,
}

/// A route that records a change, made idempotent the way a real route is.
async fn change(
    State(state): State<AppState>,
    Auth(_caller): Auth,
    route: MatchedPath,
    Idempotent(idempotency, Json(req)): Idempotent<Json<Change>>,
) -> Result<Response, ApiError> {
    let mut tx = state.db.begin().await?;
    let pending = match idempotency.claim(&mut tx).await? {
        Claim::Replay(answer) => return Ok(answer),
        Claim::Fresh(pending) => pending,
    };
    if req.gate {
        sqlx::query("SELECT 1 FROM idem_gate FOR SHARE")
            .execute(&mut *tx)
            .await?;
    }
    let id: i64 =
        sqlx::query_scalar("INSERT INTO idem_changes (route, note) VALUES ($1, $2) RETURNING id")
            .bind(route.as_str())
            .bind(&req.note)
            .fetch_one(&mut *tx)
            .await?;
    if req.fail {
        return Err(ApiError::field("fail", "asked to fail"));
    }
    let answer = json!({"id": id, "note": req.note});
    pending.store(&mut tx, StatusCode::CREATED, &answer).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

struct Harness {
    app: TestApp,
    routes: Router,
}

async fn harness() -> Harness {
    let app = spawn_app().await;
    sqlx::raw_sql(
        "CREATE TABLE idem_changes (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                    route TEXT NOT NULL, note TEXT NOT NULL);
         CREATE TABLE idem_gate (id INT PRIMARY KEY);
         INSERT INTO idem_gate VALUES (1);",
    )
    .execute(&app.db)
    .await
    .expect("test tables");
    // The state of a second control plane on the same database (its listener is dropped).
    let state = Application::build(app.settings.clone())
        .await
        .expect("app builds")
        .state()
        .clone();
    let routes = Router::new()
        .route("/things", post(change))
        .route("/things/{id}/copies", post(change))
        .with_state(state);
    Harness { app, routes }
}

struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
}

impl Harness {
    async fn send(&self, path: &str, token: &str, key: Option<&str>, body: Value) -> Answer {
        let mut req = Request::post(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        let req = req
            .body(axum::body::Body::from(body.to_string()))
            .expect("request");
        let resp = self.routes.clone().oneshot(req).await.expect("answer");
        let status = resp.status().as_u16();
        let replayed = resp
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        Answer {
            status,
            replayed,
            body: serde_json::from_slice(&bytes).expect("json"),
        }
    }

    async fn changes(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM idem_changes")
            .fetch_one(&self.app.db)
            .await
            .expect("count")
    }
}

#[tokio::test]
async fn a_key_replays_its_first_answer_for_its_caller_and_route_only() {
    let h = harness().await;
    let adv = h.app.advertiser("idem-a").await;
    let other = h.app.advertiser("idem-b").await;
    let promoter = h.app.promoter("idem-p").await;

    // The same key and request: the first answer again, marked, and one change.
    let first = h
        .send("/things", &adv.token, Some("k-1"), json!({"note": "one"}))
        .await;
    assert_eq!(
        (first.status, first.replayed),
        (201, false),
        "{}",
        first.body
    );
    let again = h
        .send("/things", &adv.token, Some("k-1"), json!({"note": "one"}))
        .await;
    assert_eq!((again.status, again.replayed), (201, true));
    assert_eq!(again.body, first.body);
    assert_eq!(h.changes().await, 1);

    // The same key with another request: 409, nothing made.
    let reused = h
        .send("/things", &adv.token, Some("k-1"), json!({"note": "two"}))
        .await;
    assert_eq!(reused.status, 409);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    assert_eq!(h.changes().await, 1);

    // The same key and request from other callers, or on another route, is another key.
    for (path, token) in [
        ("/things", &other.token),
        ("/things", &promoter.token),
        ("/things/1/copies", &adv.token),
        ("/things/2/copies", &adv.token),
    ] {
        let answer = h
            .send(path, token, Some("k-1"), json!({"note": "one"}))
            .await;
        assert_eq!((answer.status, answer.replayed), (201, false), "{path}");
        assert_ne!(answer.body["id"], first.body["id"], "{path}");
    }
    assert_eq!(h.changes().await, 5);

    // Without a key every request is a change; a malformed key is refused.
    for _ in 0..2 {
        let answer = h
            .send("/things", &adv.token, None, json!({"note": "one"}))
            .await;
        assert_eq!((answer.status, answer.replayed), (201, false));
    }
    assert_eq!(h.changes().await, 7);
    let bad = h
        .send("/things", &adv.token, Some(""), json!({"note": "one"}))
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(fields(&bad.body), ["Idempotency-Key"]);
    let long = "k".repeat(256);
    let bad = h
        .send("/things", &adv.token, Some(&long), json!({"note": "one"}))
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(h.changes().await, 7);
}

#[tokio::test]
async fn a_failed_answer_is_not_stored_so_a_corrected_retry_is_made() {
    let h = harness().await;
    let adv = h.app.advertiser("idem-fail").await;

    let failed = h
        .send(
            "/things",
            &adv.token,
            Some("k-2"),
            json!({"note": "x", "fail": true}),
        )
        .await;
    assert_eq!(failed.status, 422);
    // Its change was rolled back with it.
    assert_eq!(h.changes().await, 0);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&h.app.db)
        .await
        .expect("count");
    assert_eq!(stored, 0);

    let corrected = h
        .send("/things", &adv.token, Some("k-2"), json!({"note": "x"}))
        .await;
    assert_eq!((corrected.status, corrected.replayed), (201, false));
    let again = h
        .send("/things", &adv.token, Some("k-2"), json!({"note": "x"}))
        .await;
    assert_eq!((again.status, again.replayed), (201, true));
    assert_eq!(again.body, corrected.body);
    assert_eq!(h.changes().await, 1);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_make_one_change() {
    let h = harness().await;
    let adv = h.app.advertiser("idem-race").await;

    // The gate holds the first request inside its transaction, key claimed, until every
    // other one is waiting too.
    let mut gate = h.app.db.begin().await.expect("begin");
    sqlx::query("SELECT 1 FROM idem_gate FOR UPDATE")
        .execute(&mut *gate)
        .await
        .expect("gate closed");
    let h = std::sync::Arc::new(h);
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let (h, token) = (h.clone(), adv.token.clone());
            tokio::spawn(async move {
                h.send(
                    "/things",
                    &token,
                    Some("k-race"),
                    json!({"note": "race", "gate": true}),
                )
                .await
            })
        })
        .collect();
    let db = h.app.db.clone();
    wait_until(
        "every request waits (one at the gate, three for the key)",
        async || {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&db)
            .await
            .expect("activity");
            waiting >= 4
        },
    )
    .await;
    gate.rollback().await.expect("gate opened");

    let mut answers = Vec::new();
    for racer in racers {
        answers.push(racer.await.expect("request"));
    }
    assert!(
        answers.iter().all(|a| a.status == 201),
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    assert_eq!(answers.iter().filter(|a| a.replayed).count(), 3);
    assert!(answers.iter().all(|a| a.body == answers[0].body));
    assert_eq!(h.changes().await, 1);
}

#[tokio::test]
async fn keys_are_forgotten_after_a_day() {
    let h = harness().await;
    let adv = h.app.advertiser("idem-old").await;
    let first = h
        .send("/things", &adv.token, Some("k-old"), json!({"note": "a"}))
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(idempotency::expire(&h.app.db).await.expect("expire"), 0);
    sqlx::query("UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $1 + 1)")
        .bind(idempotency::KEY_HOURS)
        .execute(&h.app.db)
        .await
        .expect("aged");
    assert_eq!(idempotency::expire(&h.app.db).await.expect("expire"), 1);
    // Forgotten: the key is free for another request.
    let other = h
        .send("/things", &adv.token, Some("k-old"), json!({"note": "b"}))
        .await;
    assert_eq!((other.status, other.replayed), (201, false));
}

#[tokio::test]
async fn keys_stored_before_the_upgrade_still_replay_and_the_header_is_documented() {
    // A database as the previous release left it, with one advertiser's stored key.
    let (_, db_url) = fresh_database().await;
    let db = sqlx::PgPool::connect(&db_url).await.expect("connect");
    let mut conn = db.acquire().await.expect("connection");
    conn.ensure_migrations_table()
        .await
        .expect("migrations table");
    for migration in afftok_control_plane::app::MIGRATOR
        .iter()
        .filter(|m| m.version < 20261205000012)
    {
        conn.apply(migration).await.expect("old migration");
    }
    drop(conn);
    let click = Uuid::now_v7();
    let event = Uuid::now_v7();
    let query = format!("click_id={click}&txid=OLD-1");
    let hash = {
        let mut h = Sha256::new();
        h.update(query.as_bytes());
        h.update([0]);
        h.finalize().to_vec()
    };
    sqlx::query(
        "INSERT INTO idempotency_keys (advertiser_id, key, request_hash, status, response)
         VALUES (1, 'old-key', $1, 201, $2)",
    )
    .bind(&hash)
    .bind(json!({"status": "accepted", "event_id": event, "attribution": "pending"}))
    .execute(&db)
    .await
    .expect("old key");

    // This release on it.
    let settings = settings_for(
        &db_url,
        &format!("afftok-test:{}:", Uuid::new_v4().simple()),
        &Options::default(),
    );
    let built = Application::build(settings).await.expect("app builds");
    let base = format!("http://{}", built.local_addr().expect("bound"));
    tokio::spawn(built.run_until(std::future::pending()));
    let http = reqwest::Client::new();
    let register: Value = http
        .post(format!("{base}/v1/auth/register"))
        .json(&json!({"role": "advertiser", "email": "old@adv.test", "password": crate::helpers::PASSWORD,
                      "display_name": "Old", "company_name": "Old Inc"}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("session");
    assert_eq!(
        register["user"]["advertiser"]["id"], 1,
        "the first advertiser of a fresh database"
    );
    let token = register["access_token"].as_str().expect("token");
    let resp = http
        .post(format!("{base}/v1/conversions?{query}"))
        .bearer_auth(token)
        .header("Idempotency-Key", "old-key")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let answer: Value = resp.json().await.expect("json");
    assert_eq!(answer["event_id"], json!(event));
    let made: i64 = sqlx::query_scalar("SELECT count(*) FROM conversions")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(made, 0);
    let (scope, route): (String, String) =
        sqlx::query_as("SELECT scope, route FROM idempotency_keys WHERE key = 'old-key'")
            .fetch_one(&db)
            .await
            .expect("migrated key");
    assert_eq!(
        (scope.as_str(), route.as_str()),
        ("advertiser:1", "POST /v1/conversions")
    );

    // The header stays in the API description of POST /v1/conversions.
    let doc: Value = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let params = doc["paths"]["/v1/conversions"]["post"]["parameters"]
        .as_array()
        .expect("parameters");
    assert!(
        params
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
        "{params:?}"
    );
}
