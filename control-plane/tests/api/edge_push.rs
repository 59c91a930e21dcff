//! Pushing the edge config (DESIGN §5): what the service pushes by itself as offers, keys and
//! postback keys change; `afftok edge push` (full, incremental, dry run); key rotation; the
//! Cloudflare target against a stand-in for the Cloudflare API that checks every request.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};

use afftok_control_plane::edge_push::{digest, push, target::Target};
use afftok_shared::kv::{KeysDoc, OfferDoc, OfferStatus, PostbackKeyDoc};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use redis::AsyncCommands as _;
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};

use crate::helpers::{
    KEK_B64, Options, TestApp, fresh_database, settings_for, spawn_with, wait_until,
};

async fn redis() -> redis::aio::MultiplexedConnection {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    redis::Client::open(url)
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis reachable")
}

/// The value of a KV entry the app pushes to Redis, once it satisfies `check`.
async fn entry_when(
    app: &TestApp,
    key: &str,
    check: impl Fn(Option<&str>) -> bool,
) -> Option<String> {
    let mut conn = redis().await;
    let full = format!("{}{key}", app.settings.edge_push.kv_prefix);
    let mut value = None;
    wait_until(&format!("{key} satisfies the check"), async || {
        value = conn.get(&full).await.expect("GET");
        check(value.as_deref())
    })
    .await;
    value
}

fn offer_doc(value: Option<&str>) -> Option<OfferDoc> {
    value.map(|v| OfferDoc::parse(v.as_bytes()).expect("a valid offer entry"))
}

/// The offer entry at `key`, once the app has pushed it with `status`.
async fn offer_when(app: &TestApp, key: &str, status: OfferStatus) -> OfferDoc {
    let value = entry_when(app, key, |v| {
        offer_doc(v).is_some_and(|d| d.status == status)
    })
    .await;
    offer_doc(value.as_deref()).expect("an offer entry")
}

async fn offer_action(app: &TestApp, token: &str, path: &str) {
    let resp = app
        .post(path)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.status(),
        200,
        "POST {path}: {}",
        resp.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn offer_changes_reach_redis_by_themselves() {
    let app = spawn_with(Options::default()).await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let created = app
        .create_offer(
            &adv,
            json!({"fallback_url": "https://shop.example/sorry", "geo_deny": ["FR"]}),
        )
        .await;
    let id = created["id"].as_i64().expect("id");
    let key = format!("offer:{id}");

    // A draft has no entry; under review it is paused without its (unreviewed) fallback.
    offer_action(&app, &adv.token, &format!("/v1/offers/{id}/submit")).await;
    let doc = offer_doc(entry_when(&app, &key, |v| v.is_some()).await.as_deref()).expect("entry");
    assert_eq!(doc.status, OfferStatus::Paused);
    assert_eq!(doc.fallback_url, None);

    // Approved: active, with its URL, fallback, geo rules and owner.
    offer_action(
        &app,
        &admin.token,
        &format!("/v1/admin/offers/{id}/approve"),
    )
    .await;
    let doc = offer_when(&app, &key, OfferStatus::Active).await;
    assert_eq!(
        doc.url,
        "https://shop.example/landing?c={click_id}&s={sub1}"
    );
    assert_eq!(
        doc.fallback_url.as_deref(),
        Some("https://shop.example/sorry")
    );
    assert_eq!(
        doc.geo_deny.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["FR"]
    );
    assert_eq!(Some(doc.advertiser_id as i64), adv.advertiser_id);

    // Paused by its advertiser (with its fallback), then resumed.
    offer_action(&app, &adv.token, &format!("/v1/offers/{id}/pause")).await;
    let doc = offer_when(&app, &key, OfferStatus::Paused).await;
    assert_eq!(
        doc.fallback_url.as_deref(),
        Some("https://shop.example/sorry")
    );
    offer_action(&app, &adv.token, &format!("/v1/offers/{id}/resume")).await;
    offer_when(&app, &key, OfferStatus::Active).await;

    // Nothing stays queued once pushed.
    app.eventually("SELECT count(*) FROM edge_outbox", 0).await;
}

/// The entries a control plane says it pushed to Redis (`afftok_edge_push_total`).
async fn pushed_entries(app: &TestApp) -> u64 {
    let text = app.metrics().await;
    text.lines()
        .find_map(|l| l.strip_prefix(r#"afftok_edge_push_total{outcome="pushed",target="redis"} "#))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// Changes queued for the edge so far (the queue's sequence; rows leave once pushed).
async fn queued_so_far(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(last_value, 0) FROM pg_sequences
         WHERE sequencename = pg_get_serial_sequence('edge_outbox', 'id')::regclass::name",
    )
    .fetch_one(&app.db)
    .await
    .expect("the queue's sequence")
}

#[tokio::test]
async fn two_control_planes_push_each_change_once() {
    let app = spawn_with(Options::default()).await;
    let twin = app.twin().await;
    app.signing_key(true).await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let id = app.approved_offer(&adv, &admin, json!({})).await;
    let key = format!("offer:{id}");
    offer_when(&app, &key, OfferStatus::Active).await;
    app.eventually("SELECT count(*) FROM edge_outbox", 0).await;
    let (queued, pushed) = (
        queued_so_far(&app).await,
        pushed_entries(&app).await + pushed_entries(&twin).await,
    );

    // Both push loops run every 100 ms on the same queue: each change reaches Redis, and is
    // pushed by one of them only.
    let changes = 12;
    for i in 0..changes {
        let (action, status) = if i % 2 == 0 {
            ("pause", OfferStatus::Paused)
        } else {
            ("resume", OfferStatus::Active)
        };
        // Through either control plane's API.
        let via = if i % 3 == 0 { &app } else { &twin };
        offer_action(via, &adv.token, &format!("/v1/offers/{id}/{action}")).await;
        offer_when(&app, &key, status).await;
        app.eventually("SELECT count(*) FROM edge_outbox", 0).await;
    }
    let queued = queued_so_far(&app).await - queued;
    assert!(queued >= changes, "{queued} changes queued");
    // A round counts what it pushed just after it commits: wait for the last count, then
    // compare (a change pushed twice shows as more entries than changes).
    let before = pushed;
    let mut pushed = 0;
    wait_until("the last push to be counted", async || {
        pushed = pushed_entries(&app).await + pushed_entries(&twin).await - before;
        pushed >= u64::try_from(queued).unwrap_or(u64::MAX)
    })
    .await;
    assert_eq!(
        pushed,
        u64::try_from(queued).expect("a count"),
        "entries pushed by the two control planes against changes queued"
    );
}

#[tokio::test]
async fn a_kv_that_lost_its_data_gets_everything_again_by_itself() {
    let app = spawn_with(Options::default()).await;
    app.signing_key(true).await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let id = app.approved_offer(&adv, &admin, json!({})).await;
    let key = format!("offer:{id}");
    offer_when(&app, &key, OfferStatus::Active).await;
    entry_when(&app, "keys", |v| v.is_some()).await;
    app.eventually("SELECT count(*) FROM edge_outbox", 0).await;

    // Redis comes back empty: every entry under the prefix is gone, the mark of the last
    // complete push too. Nothing is queued: only the missing mark tells.
    let prefix = app.settings.edge_push.kv_prefix.clone();
    let mut conn = redis().await;
    let names: Vec<String> = conn.keys(format!("{prefix}*")).await.expect("KEYS");
    assert!(
        names.contains(&format!("{prefix}push:complete")),
        "{names:?}"
    );
    let _: () = conn.del(&names).await.expect("DEL");

    offer_when(&app, &key, OfferStatus::Active).await;
    entry_when(&app, "keys", |v| v.is_some()).await;
    entry_when(&app, "push:complete", |v| v.is_some()).await;
    // Losing an entry but not the mark is not a loss of Redis: queued changes cover that.
    let _: () = conn.del(format!("{prefix}{key}")).await.expect("DEL");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let back: Option<String> = conn.get(format!("{prefix}{key}")).await.expect("GET");
    assert_eq!(back, None);
}

#[tokio::test]
async fn keys_and_postback_keys_reach_redis_and_revocations_follow() {
    let app = spawn_with(Options::default()).await;
    let adv = app.advertiser("acme").await;
    let first = app.signing_key(true).await;
    let keys = entry_when(&app, "keys", |v| v.is_some())
        .await
        .expect("keys");
    let doc = KeysDoc::parse(keys.as_bytes()).expect("keys doc");
    assert_eq!(doc.active, first as u64);
    assert_eq!(doc.keys.len(), 1);
    assert!(doc.to_keyset().is_ok());

    let second = app.signing_key(true).await;
    let kek = app.settings.key_encryption_key.expose_secret();
    afftok_control_plane::links::signing_keys::revoke(
        &app.db,
        afftok_control_plane::kernel::Kid(first),
    )
    .await
    .expect("revoke");
    let keys = entry_when(&app, "keys", |v| {
        v.and_then(|v| KeysDoc::parse(v.as_bytes()).ok())
            .is_some_and(|d| d.revoked == [first as u64])
    })
    .await
    .expect("keys");
    let doc = KeysDoc::parse(keys.as_bytes()).expect("keys doc");
    assert_eq!(doc.active, second as u64);
    assert_eq!(
        doc.keys.keys().copied().collect::<Vec<_>>(),
        [second as u64],
        "a revoked key's secret is no longer shipped"
    );
    // The pushed document is exactly what the control plane signs with.
    let (keyset, _) = afftok_control_plane::links::signing_keys::keyset(&app.db, kek)
        .await
        .expect("keyset");
    let link = afftok_shared::Link {
        kid: second as u64,
        offer_id: 3,
        promoter_id: 4,
        expires_at: 0,
    };
    let token = keyset.sign(&link).expect("sign");
    let pushed = doc.to_keyset().expect("keyset");
    assert!(pushed.verify(&token, 0).is_ok());

    // Postback keys: created with an allowlist, then revoked.
    let resp = app
        .post("/v1/postback-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "server", "ip_allow": ["203.0.113.0/24"]}))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("json");
    let plain = body["key"].as_str().expect("key shown once");
    let pbk = afftok_shared::kv::postback_key_key(&afftok_shared::kv::postback_key_hash(plain));
    let value = entry_when(&app, &pbk, |v| v.is_some()).await.expect("pbk");
    let doc = PostbackKeyDoc::parse(value.as_bytes()).expect("pbk doc");
    assert_eq!(Some(doc.advertiser_id as i64), adv.advertiser_id);
    assert_eq!(doc.ip_allow.entries(), ["203.0.113.0/24"]);
    let id = body["id"].as_str().expect("id");
    let resp = app
        .delete(&format!("/v1/postback-keys/{id}"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("revoke");
    assert!(resp.status().is_success());
    entry_when(&app, &pbk, |v| v.is_none()).await;
}

fn afftok(env: &[(&str, String)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_afftok"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("AFFTOK_CONFIG")
        .output()
        .expect("afftok runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A database and a KV prefix of its own, with no service running (only the CLI pushes),
/// and the environment the CLI needs for them.
async fn cli_env() -> (String, Vec<(&'static str, String)>, String) {
    let (_, db_url) = fresh_database().await;
    let prefix = format!("afftok-test:{}:kv:", uuid::Uuid::new_v4().simple());
    let env = vec![
        ("DATABASE_URL", db_url.clone()),
        ("AFFTOK_KEY_ENCRYPTION_KEY", KEK_B64.to_owned()),
        ("AFFTOK_KV_PREFIX", prefix.clone()),
        ("AFFTOK_EDGE_TARGETS", "redis".to_owned()),
        (
            "REDIS_URL",
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        ),
    ];
    (prefix, env, db_url)
}

#[tokio::test]
async fn edge_push_is_incremental_idempotent_and_has_a_dry_run() {
    let (prefix, env, db_url) = cli_env().await;
    let (code, _, err) = afftok(&env, &["keys", "create"]);
    assert_eq!(code, 0, "{err}");
    // Enough postback keys for a push that shows its progress.
    let db = sqlx::PgPool::connect(&db_url).await.expect("database");
    sqlx::query(
        "WITH a AS (INSERT INTO advertisers (name) VALUES ('Bulk') RETURNING id)
         INSERT INTO postback_keys (id, advertiser_id, name, prefix, key_hash)
         SELECT gen_random_uuid(), a.id, 'k' || i, 'pbk_' || i, sha256(('k' || i)::bytea)
         FROM a, generate_series(1, 1200) AS i",
    )
    .execute(&db)
    .await
    .expect("postback keys");
    db.close().await;
    let mut conn = redis().await;
    // A stale offer entry and someone else's key under the same prefix.
    let _: () = conn
        .set(format!("{prefix}offer:999"), "{}")
        .await
        .expect("SET");
    let _: () = conn
        .set(format!("{prefix}unrelated"), "keep me")
        .await
        .expect("SET");

    let (code, out, err) = afftok(&env, &["edge", "push", "--target", "redis", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("redis: + keys"), "{out}");
    assert!(out.contains("redis: - offer:999"), "{out}");
    assert!(
        out.contains("would push 1201 added, 0 changed, 1 deleted, 0 unchanged"),
        "{out}"
    );
    let secret_free = !out.contains("\"keys\":{");
    assert!(secret_free, "the dry run never prints key secrets: {out}");
    let keys: Option<String> = conn.get(format!("{prefix}keys")).await.expect("GET");
    assert!(keys.is_none(), "a dry run writes nothing");

    let (code, out, err) = afftok(&env, &["edge", "push"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("redis: pushed 1201 added, 0 changed, 1 deleted, 0 unchanged"),
        "{out}"
    );
    assert!(
        err.contains("redis: 500/1202 entries") && err.contains("redis: 1202/1202 entries"),
        "progress is shown: {err}"
    );
    let keys: Option<String> = conn.get(format!("{prefix}keys")).await.expect("GET");
    assert!(KeysDoc::parse(keys.unwrap_or_default().as_bytes()).is_ok());
    let stale: Option<String> = conn.get(format!("{prefix}offer:999")).await.expect("GET");
    assert_eq!(stale, None);
    let other: Option<String> = conn.get(format!("{prefix}unrelated")).await.expect("GET");
    assert_eq!(
        other.as_deref(),
        Some("keep me"),
        "keys it does not manage are left alone"
    );

    // Again: nothing to do. After a change: only that entry.
    let (code, out, _) = afftok(&env, &["edge", "push"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("pushed 0 added, 0 changed, 0 deleted, 1201 unchanged"),
        "{out}"
    );
    let _: () = conn
        .set(format!("{prefix}keys"), "{\"tampered\":1}")
        .await
        .expect("SET");
    let (_, out, _) = afftok(&env, &["edge", "push"]);
    assert!(
        out.contains("pushed 0 added, 1 changed, 0 deleted, 1200 unchanged"),
        "{out}"
    );

    // Bad targets and missing settings are refused with what is wrong.
    let (code, _, err) = afftok(&env, &["edge", "push", "--target", "s3"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not one of redis, cloudflare, wrangler-local"),
        "{err}"
    );
    let (code, _, err) = afftok(&env, &["edge", "push", "--target", "cloudflare"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("AFFTOK_CLOUDFLARE_ACCOUNT_ID"), "{err}");
    let no_targets: Vec<_> = env
        .iter()
        .filter(|(k, _)| *k != "AFFTOK_EDGE_TARGETS")
        .cloned()
        .chain([("AFFTOK_EDGE_TARGETS", "none".to_owned())])
        .collect();
    let (code, _, err) = afftok(&no_targets, &["edge", "push"]);
    assert_eq!(code, 1);
    assert!(err.contains("no target"), "{err}");
}

#[tokio::test]
async fn keys_rotate_pushes_the_new_key_before_signing_with_it() {
    let (prefix, env, _) = cli_env().await;
    let mut conn = redis().await;
    let keys_doc = |value: Option<String>| KeysDoc::parse(value.unwrap_or_default().as_bytes());
    let (code, _, err) = afftok(&env, &["keys", "create"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = afftok(&env, &["keys", "rotate", "--wait", "0"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("keys pushed to redis"), "{out}");
    assert!(out.contains("kid 2 is active"), "{out}");
    let doc = keys_doc(conn.get(format!("{prefix}keys")).await.expect("GET")).expect("doc");
    assert_eq!(doc.active, 2);
    assert_eq!(
        doc.keys.keys().copied().collect::<Vec<_>>(),
        [1, 2],
        "old links keep working"
    );

    // Revoking pushes at once; the active key cannot be revoked.
    let (code, _, err) = afftok(&env, &["keys", "revoke", "2"]);
    assert_eq!(code, 1);
    assert!(err.contains("rotate"), "{err}");
    let (code, out, err) = afftok(&env, &["keys", "revoke", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("keys pushed to redis"), "{out}");
    let doc = keys_doc(conn.get(format!("{prefix}keys")).await.expect("GET")).expect("doc");
    assert_eq!(doc.revoked, [1]);
    assert!(doc.to_keyset().is_ok());
    let (code, _, err) = afftok(&env, &["keys", "activate", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("revoked"), "{err}");
}

/// A stand-in for the Cloudflare API's Workers KV endpoints. It answers like the API and
/// records every way a request differs from what the API documents.
#[derive(Default)]
struct FakeCloudflare {
    store: BTreeMap<String, (String, Value)>,
    requests: Vec<String>,
    problems: Vec<String>,
    /// Bulk writes to answer 503 before accepting them.
    fail_writes: usize,
}

type Shared = Arc<Mutex<FakeCloudflare>>;

const ACCOUNT: &str = "acc0123";
const NAMESPACE: &str = "ns4567";
const TOKEN: &str = "cf-token-secret-123";

fn cf_ok(result: Value, info: Option<Value>) -> Response {
    let mut body = json!({"success": true, "errors": [], "messages": [], "result": result});
    if let Some(info) = info {
        body["result_info"] = info;
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn cf_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null});
    (status, axum::Json(body)).into_response()
}

/// Checks the path ids and the token; `Some` answer when the request must be refused.
fn check(
    fake: &mut FakeCloudflare,
    what: &str,
    ids: &(String, String),
    headers: &HeaderMap,
) -> Option<Response> {
    fake.requests.push(what.to_owned());
    if ids.0 != ACCOUNT || ids.1 != NAMESPACE {
        fake.problems.push(format!("{what}: wrong ids {ids:?}"));
        return Some(cf_error(
            StatusCode::NOT_FOUND,
            10013,
            "namespace not found",
        ));
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        fake.problems
            .push(format!("{what}: authorization {auth:?}"));
        return Some(cf_error(
            StatusCode::FORBIDDEN,
            10000,
            "Authentication error",
        ));
    }
    None
}

async fn cf_list(
    State(fake): State<Shared>,
    Path(ids): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut fake = fake.lock().expect("lock");
    if let Some(refused) = check(&mut fake, "GET keys", &ids, &headers) {
        return refused;
    }
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000);
    if !(10..=1000).contains(&limit) {
        fake.problems.push(format!("list limit {limit}"));
    }
    // Pages of two keys, so the cursor is followed.
    let start: usize = query
        .get("cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let names: Vec<_> = fake.store.iter().skip(start).take(2).collect();
    let result: Vec<Value> = names
        .iter()
        .map(|(name, (_, metadata))| json!({"name": name, "metadata": metadata}))
        .collect();
    let next = start + result.len();
    let cursor = if next < fake.store.len() {
        next.to_string()
    } else {
        String::new()
    };
    cf_ok(
        json!(result),
        Some(json!({"count": result.len(), "cursor": cursor})),
    )
}

async fn cf_bulk_put(
    State(fake): State<Shared>,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fake = fake.lock().expect("lock");
    if let Some(refused) = check(&mut fake, "PUT bulk", &ids, &headers) {
        return refused;
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        fake.problems
            .push("bulk write without a JSON content type".into());
    }
    if fake.fail_writes > 0 {
        fake.fail_writes -= 1;
        return cf_error(
            StatusCode::SERVICE_UNAVAILABLE,
            10001,
            "service unavailable",
        );
    }
    let Ok(Value::Array(pairs)) = serde_json::from_slice::<Value>(&body) else {
        fake.problems.push("bulk write body is not an array".into());
        return cf_error(
            StatusCode::BAD_REQUEST,
            10026,
            "could not parse request body",
        );
    };
    if pairs.is_empty() || pairs.len() > 10_000 {
        fake.problems
            .push(format!("bulk write of {} pairs", pairs.len()));
    }
    for pair in pairs {
        let (Some(key), Some(value)) = (pair["key"].as_str(), pair["value"].as_str()) else {
            fake.problems
                .push(format!("bulk pair without key or value: {pair}"));
            continue;
        };
        if pair["metadata"]["sha256"].as_str() != Some(&digest(value)) {
            fake.problems
                .push(format!("metadata of {key} is not the value's sha256"));
        }
        fake.store
            .insert(key.to_owned(), (value.to_owned(), pair["metadata"].clone()));
    }
    cf_ok(
        json!({"successful_key_count": 1, "unsuccessful_keys": []}),
        None,
    )
}

async fn cf_bulk_delete(
    State(fake): State<Shared>,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fake = fake.lock().expect("lock");
    if let Some(refused) = check(&mut fake, "POST bulk/delete", &ids, &headers) {
        return refused;
    }
    let Ok(keys) = serde_json::from_slice::<Vec<String>>(&body) else {
        fake.problems
            .push("bulk delete body is not an array of key names".into());
        return cf_error(
            StatusCode::BAD_REQUEST,
            10026,
            "could not parse request body",
        );
    };
    for key in keys {
        fake.store.remove(&key);
    }
    cf_ok(
        json!({"successful_key_count": 1, "unsuccessful_keys": []}),
        None,
    )
}

async fn fake_cloudflare(fake: Shared) -> String {
    let ns = "/client/v4/accounts/{account}/storage/kv/namespaces/{namespace}";
    let app = Router::new()
        .route(&format!("{ns}/keys"), get(cf_list))
        .route(&format!("{ns}/bulk"), put(cf_bulk_put))
        .route(&format!("{ns}/bulk/delete"), post(cf_bulk_delete))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/client/v4")
}

fn cloudflare_env(api_base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AFFTOK_CLOUDFLARE_API_BASE", api_base.to_owned()),
        ("AFFTOK_CLOUDFLARE_ACCOUNT_ID", ACCOUNT.to_owned()),
        ("AFFTOK_CLOUDFLARE_KV_NAMESPACE_ID", NAMESPACE.to_owned()),
        ("AFFTOK_CLOUDFLARE_API_TOKEN", TOKEN.to_owned()),
    ]
}

#[tokio::test]
async fn the_cloudflare_target_speaks_the_cloudflare_api() {
    let fake: Shared = Arc::default();
    let api = fake_cloudflare(fake.clone()).await;
    let app = spawn_with(Options {
        env: vec![("AFFTOK_EDGE_TARGETS", "none".to_owned())],
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    app.signing_key(true).await;
    let mut offers = Vec::new();
    for _ in 0..4 {
        offers.push(app.approved_offer(&adv, &admin, json!({})).await);
    }
    fake.lock().expect("lock").store.insert(
        "offer:999999".into(),
        ("{}".into(), json!({"sha256": digest("{}")})),
    );

    let mut settings = settings_for(
        &app.db_url,
        "unused:",
        &Options {
            env: cloudflare_env(&api),
            ..Options::default()
        },
    );
    settings.edge_push.targets.clear();
    let target = Target::build(
        afftok_control_plane::app::config::TargetKind::Cloudflare,
        &settings.edge_push,
        None,
    )
    .expect("target");
    let kek = *app.settings.key_encryption_key.expose_secret();

    // A dry run reads (following the list cursor) and writes nothing.
    let plan = push::full(&app.db, &kek, &target, true, |_, _| {})
        .await
        .expect("dry run");
    assert_eq!(plan.put.len(), 5, "keys and four offers");
    assert_eq!(plan.delete, ["offer:999999"]);
    assert_eq!(fake.lock().expect("lock").store.len(), 1);

    // A push writes them all in one bulk request, deletes the stale one; a second is a no-op.
    push::full(&app.db, &kek, &target, false, |_, _| {})
        .await
        .expect("push");
    {
        let fake = fake.lock().expect("lock");
        let keys: Vec<_> = fake.store.keys().cloned().collect();
        let mut expected: Vec<String> = offers.iter().map(|id| format!("offer:{id}")).collect();
        expected.push("keys".into());
        expected.sort();
        assert_eq!(keys, expected);
        assert!(fake.problems.is_empty(), "{:?}", fake.problems);
        assert_eq!(
            fake.requests.iter().filter(|r| *r == "PUT bulk").count(),
            1,
            "{:?}",
            fake.requests
        );
        assert!(fake.requests.contains(&"POST bulk/delete".to_owned()));
    }
    fake.lock().expect("lock").requests.clear();
    let plan = push::full(&app.db, &kek, &target, false, |_, _| {})
        .await
        .expect("again");
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, 5);
    assert!(
        fake.lock()
            .expect("lock")
            .requests
            .iter()
            .all(|r| r == "GET keys"),
        "an unchanged config only lists"
    );

    // Transient failures are retried; a refusal is reported with the API's message and
    // never the token.
    fake.lock().expect("lock").fail_writes = 2;
    sqlx::query("UPDATE offers SET status = 'paused', paused_by = 'admin' WHERE id = $1")
        .bind(offers[0])
        .execute(&app.db)
        .await
        .expect("pause");
    push::full(&app.db, &kek, &target, false, |_, _| {})
        .await
        .expect("retried");
    let stored = fake.lock().expect("lock").store[&format!("offer:{}", offers[0])]
        .0
        .clone();
    assert_eq!(
        offer_doc(Some(&stored)).expect("doc").status,
        OfferStatus::Paused
    );

    let mut wrong = settings.edge_push.clone();
    wrong.cloudflare.api_token = Some("wrong-token".to_owned().into());
    let bad = Target::build(
        afftok_control_plane::app::config::TargetKind::Cloudflare,
        &wrong,
        None,
    )
    .expect("target");
    let err = push::full(&app.db, &kek, &bad, false, |_, _| {})
        .await
        .expect_err("refused");
    assert!(err.0.contains("Authentication error"), "{err}");
    assert!(
        !err.0.contains("wrong-token") && !err.0.contains(TOKEN),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_push_stays_queued_until_it_lands() {
    let fake: Shared = Arc::default();
    let api = fake_cloudflare(fake.clone()).await;
    fake.lock().expect("lock").fail_writes = 3;
    let mut env = cloudflare_env(&api);
    env.push(("AFFTOK_EDGE_TARGETS", "cloudflare,redis".to_owned()));
    let app = spawn_with(Options {
        env,
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let offer = app.approved_offer(&adv, &admin, json!({})).await;
    let key = format!("offer:{offer}");
    wait_until("the push lands", async || {
        fake.lock().expect("lock").store.contains_key(&key)
    })
    .await;
    entry_when(&app, &key, |v| v.is_some()).await;
    let fake = fake.lock().expect("lock");
    assert_eq!(fake.fail_writes, 0, "the failures were met and retried");
    assert!(fake.problems.is_empty(), "{:?}", fake.problems);
}
