//! Webhooks (DESIGN §12) against a real receiver: every delivery is verified with the
//! `standardwebhooks` crate. Tenancy, the retry schedule, Retry-After, 410, five days of
//! failures, timeouts and redirects, secret rotation, the endpoint API and its errors, and
//! a kill of the control plane mid-delivery.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::{
    Account, KEK_B64, Options, TestApp, fields, problem, spawn_app, spawn_with, wait_until,
};
use crate::receiver::{Receiver, Reply};
use crate::tracking::{Click, Conversion, Market, market};

/// Creates a webhook endpoint; returns its id and secret.
pub(crate) async fn endpoint(
    app: &TestApp,
    token: &str,
    url: &str,
    types: &[&str],
) -> (i64, String) {
    let resp = app
        .post("/v1/webhooks/endpoints")
        .bearer_auth(token)
        .json(&json!({"url": url, "description": "test", "event_types": types}))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().expect("a secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    (body["id"].as_i64().expect("id"), secret)
}

/// The promoter joins the offer (a signing key is made first if none exists).
pub(crate) async fn join(app: &TestApp, promoter: &Account, offer: i64) {
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM signing_keys")
        .fetch_one(&app.db)
        .await
        .expect("query");
    if keys == 0 {
        app.signing_key(true).await;
    }
    let resp = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
}

/// A click an hour ago and its conversion now; returns the conversion once approved.
pub(crate) async fn approved_conversion(m: &Market, sub1: Option<&str>, txid: &str) -> Conversion {
    let now = OffsetDateTime::now_utc();
    let mut click = Click::new(m.offer, m.promoter.id, now - Duration::from_secs(3600));
    click.sub1 = sub1.map(str::to_owned);
    let conversion = Conversion::new(m.advertiser_id(), click.id, now).txid(txid);
    m.app.ingest(&[click.event(), conversion.event()]).await;
    wait_until("the conversion is approved", async || {
        m.app.status_of(conversion.id).await == "approved"
    })
    .await;
    conversion
}

/// The event types of `hits`, counted.
fn types(hits: &[crate::receiver::Hit]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for h in hits {
        *out.entry(h.json()["type"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    out
}

#[tokio::test]
async fn each_event_type_reaches_its_owners_once_and_no_other_tenant() {
    let m = market(json!({})).await;
    let app = &m.app;
    let rx = Receiver::start().await;
    let other_adv = app.advertiser("other-co").await;
    let other_promoter = app.promoter("other").await;
    let (_, adv_secret) = endpoint(app, &m.adv.token, &rx.url("/adv"), &[]).await;
    let (_, promoter_secret) = endpoint(app, &m.promoter.token, &rx.url("/promoter"), &[]).await;
    let (_, admin_secret) = endpoint(app, &m.admin.token, &rx.url("/admin"), &[]).await;
    endpoint(app, &other_adv.token, &rx.url("/other-adv"), &[]).await;
    endpoint(app, &other_promoter.token, &rx.url("/other-promoter"), &[]).await;
    // Subscribed to one type only.
    let (_, picky_secret) =
        endpoint(app, &m.adv.token, &rx.url("/picky"), &["offer.updated"]).await;

    join(app, &m.promoter, m.offer).await;
    let conversion = approved_conversion(&m, None, "T-1").await;
    let reversed = app
        .post(&format!("/v1/conversions/{}/reverse", conversion.id))
        .bearer_auth(&m.adv.token)
        .json(&json!({"reason": "refunded"}))
        .send()
        .await
        .expect("request");
    assert_eq!(reversed.status(), 200);
    let paused = app
        .post(&format!("/v1/offers/{}/pause", m.offer))
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(paused.status(), 200);

    let expected: BTreeMap<String, usize> = [
        ("conversion.created", 1),
        ("conversion.updated", 1),
        ("offer.updated", 1),
        ("promoter.joined", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (path, secret) in [
        ("/adv", &adv_secret),
        ("/promoter", &promoter_secret),
        ("/admin", &admin_secret),
    ] {
        let hits = rx.wait_for(path, 4).await;
        for h in &hits {
            assert!(h.verifies_with(secret), "{path}: {}", h.body);
            assert!(
                !h.verifies_with(&adv_secret) || path == "/adv",
                "{path}: signed with its own secret"
            );
            assert_eq!(h.method, "POST");
            assert_eq!(h.header("content-type"), "application/json");
        }
        assert_eq!(types(&hits), expected, "{path}");
    }
    let picky = rx.wait_for("/picky", 1).await;
    assert!(picky[0].verifies_with(&picky_secret));
    // The payloads.
    let adv_hits = rx.hits("/adv");
    let created = adv_hits
        .iter()
        .map(|h| h.json())
        .find(|b| b["type"] == "conversion.created")
        .expect("created");
    assert_eq!(created["data"]["id"], conversion.id.to_string());
    assert_eq!(created["data"]["status"], "approved");
    assert_eq!(created["data"]["previous_status"], "pending");
    assert_eq!(
        created["data"]["payout"],
        json!({"amount": "12.50", "currency": "USD"})
    );
    assert_eq!(created["data"]["txid"], "T-1");
    assert!(
        OffsetDateTime::parse(
            created["timestamp"].as_str().unwrap_or_default(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    let updated = adv_hits
        .iter()
        .map(|h| h.json())
        .find(|b| b["type"] == "conversion.updated")
        .expect("updated");
    assert_eq!(updated["data"]["status"], "reversed");
    assert_eq!(updated["data"]["previous_status"], "approved");
    let offer = adv_hits
        .iter()
        .map(|h| h.json())
        .find(|b| b["type"] == "offer.updated")
        .expect("offer");
    assert_eq!(offer["data"]["status"], "paused");
    assert_eq!(offer["data"]["offer_id"], m.offer);

    // Nothing more arrives, and the other tenants got nothing.
    m.app.settled().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for path in ["/adv", "/promoter", "/admin"] {
        assert_eq!(rx.hits(path).len(), 4, "{path}: once each");
    }
    assert_eq!(rx.hits("/picky").len(), 1);
    assert!(rx.hits("/other-adv").is_empty());
    assert!(rx.hits("/other-promoter").is_empty());
}

/// The one message of an endpoint, from the API.
async fn only_message(app: &TestApp, token: &str, endpoint: i64) -> Value {
    let page = app
        .get_json(
            &format!("/v1/webhooks/endpoints/{endpoint}/messages"),
            token,
        )
        .await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1), "{page}");
    page["data"][0].clone()
}

async fn send_test(app: &TestApp, token: &str, endpoint: i64) -> String {
    let resp = app
        .post(&format!("/v1/webhooks/endpoints/{endpoint}/test"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 202);
    let body: Value = resp.json().await.expect("json");
    body["message_id"].as_str().expect("message id").to_owned()
}

#[tokio::test]
async fn retries_follow_the_schedule_and_stop_on_success() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (id, secret) = endpoint(&app, &adv.token, &rx.url("/flaky"), &[]).await;
    rx.script("/flaky", vec![Reply::Status(500), Reply::Status(503)]);
    let msg = send_test(&app, &adv.token, id).await;

    let hits = rx.wait_for("/flaky", 3).await;
    for h in &hits {
        assert_eq!(
            h.header("webhook-id"),
            msg,
            "the same webhook-id on every attempt"
        );
        assert!(h.verifies_with(&secret));
        assert_eq!(h.json()["type"], "test.ping");
    }
    // The schedule is 200 ms, 400 ms, 800 ms.
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(200));
    assert!(hits[2].at - hits[1].at >= Duration::from_millis(400));
    wait_until("the message is delivered", async || {
        only_message(&app, &adv.token, id).await["status"] == "delivered"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(rx.hits("/flaky").len(), 3, "no attempt after the success");
    let message = only_message(&app, &adv.token, id).await;
    assert_eq!(message["id"], msg);
    assert_eq!(message["attempts"], 3);
    let log: Vec<(Value, Value)> = message["attempt_log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|a| (a["status_code"].clone(), a["response"].clone()))
        .collect();
    assert_eq!(
        log,
        vec![
            (json!(500), json!("answered 500")),
            (json!(503), json!("answered 503")),
            (json!(200), json!("ok"))
        ]
    );
    let endpoint = app
        .get_json(&format!("/v1/webhooks/endpoints/{id}"), &adv.token)
        .await;
    assert_eq!(
        endpoint["failing_since"],
        Value::Null,
        "a delivery clears the failure record"
    );
    assert!(endpoint.get("secret").is_none(), "the secret is shown once");

    // A message whose every attempt fails is failed after the schedule: 1 + 3 attempts.
    rx.script("/flaky", vec![Reply::Status(500); 4]);
    let failing = send_test(&app, &adv.token, id).await;
    wait_until("the message fails", async || {
        let m = app
            .get_json(&format!("/v1/webhooks/messages/{failing}"), &adv.token)
            .await;
        m["status"] == "failed"
    })
    .await;
    let m = app
        .get_json(&format!("/v1/webhooks/messages/{failing}"), &adv.token)
        .await;
    assert_eq!(m["attempts"], 4);
    assert_eq!(rx.hits("/flaky").len(), 7);

    // Redelivered by hand: one more attempt, the same webhook-id.
    let again = app
        .post(&format!("/v1/webhooks/messages/{failing}/redeliver"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 202);
    let hits = rx.wait_for("/flaky", 8).await;
    assert_eq!(hits[7].header("webhook-id"), failing);
    wait_until("redelivered", async || {
        app.get_json(&format!("/v1/webhooks/messages/{failing}"), &adv.token)
            .await["status"]
            == "delivered"
    })
    .await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (id, _) = endpoint(&app, &adv.token, &rx.url("/busy"), &[]).await;
    rx.script("/busy", vec![Reply::RetryAfter(429, 2)]);
    send_test(&app, &adv.token, id).await;
    let hits = rx.wait_for("/busy", 2).await;
    assert!(
        hits[1].at - hits[0].at >= Duration::from_millis(1900),
        "waited {:?} instead of the 2 s asked",
        hits[1].at - hits[0].at
    );
}

/// The domain events recorded for disabled endpoints.
async fn disabled_events(app: &TestApp) -> Vec<Value> {
    sqlx::query_scalar::<_, String>(
        "SELECT payload::text FROM domain_events WHERE kind = 'webhook_endpoint.disabled' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("query")
    .iter()
    .map(|p| serde_json::from_str(p).expect("json"))
    .collect()
}

#[tokio::test]
async fn gone_disables_and_five_days_of_failures_disable() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;

    let (gone, _) = endpoint(&app, &adv.token, &rx.url("/gone"), &[]).await;
    rx.script("/gone", vec![Reply::Status(410)]);
    send_test(&app, &adv.token, gone).await;
    wait_until("410 disables", async || {
        app.get_json(&format!("/v1/webhooks/endpoints/{gone}"), &adv.token)
            .await["enabled"]
            == false
    })
    .await;
    let e = app
        .get_json(&format!("/v1/webhooks/endpoints/{gone}"), &adv.token)
        .await;
    assert_eq!(e["disabled_reason"], "gone");
    assert_eq!(
        only_message(&app, &adv.token, gone).await["status"],
        "failed"
    );
    problem(
        app.post(&format!("/v1/webhooks/endpoints/{gone}/test"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        409,
        "endpoint_disabled",
    )
    .await;

    // An endpoint that only fails: its failure record starts at the first failure; with the
    // clock moved five days on (the record moved back), the next failure disables it.
    let (failing, _) = endpoint(&app, &adv.token, &rx.url("/down"), &[]).await;
    rx.script("/down", vec![Reply::Status(500); 20]);
    send_test(&app, &adv.token, failing).await;
    rx.wait_for("/down", 1).await;
    wait_until("the failure is recorded", async || {
        app.get_json(&format!("/v1/webhooks/endpoints/{failing}"), &adv.token)
            .await["failing_since"]
            != Value::Null
    })
    .await;
    let e = app
        .get_json(&format!("/v1/webhooks/endpoints/{failing}"), &adv.token)
        .await;
    assert_eq!(e["enabled"], true, "one failure does not disable");
    sqlx::query("UPDATE webhook_endpoints SET failing_since = failing_since - interval '5 days' WHERE id = $1")
        .bind(failing)
        .execute(&app.db)
        .await
        .expect("time moves on");
    wait_until("five days of failures disable", async || {
        app.get_json(&format!("/v1/webhooks/endpoints/{failing}"), &adv.token)
            .await["enabled"]
            == false
    })
    .await;
    let e = app
        .get_json(&format!("/v1/webhooks/endpoints/{failing}"), &adv.token)
        .await;
    assert_eq!(e["disabled_reason"], "failing");
    let events = disabled_events(&app).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["endpoint_id"], gone);
    assert_eq!(events[0]["reason"], "gone");
    assert_eq!(events[1]["endpoint_id"], failing);
    assert_eq!(events[1]["reason"], "failing");
    assert_eq!(
        events[1]["advertiser_id"],
        adv.advertiser_id.expect("advertiser")
    );
    // Whoever made the endpoint is told, once for each.
    wait_until("the notices are queued", async || {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM mail_outbox WHERE recipient = $1 AND subject = 'AffTok: your webhook endpoint was disabled'")
            .bind(&adv.email)
            .fetch_one(&app.db)
            .await
            .expect("query")
            == 2
    })
    .await;
    // Disabled: nothing more is sent.
    let sent = rx.hits("/down").len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(rx.hits("/down").len(), sent);

    // Enabled again by its owner: the record starts afresh and pending messages go out.
    let resp = app
        .patch(&format!("/v1/webhooks/endpoints/{failing}"))
        .bearer_auth(&adv.token)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .expect("request");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["enabled"], true);
    assert_eq!(body["disabled_reason"], Value::Null);
    assert_eq!(body["failing_since"], Value::Null);
    rx.wait_for("/down", sent + 1).await;
}

#[tokio::test]
async fn timeouts_and_redirects_are_failures() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (slow, _) = endpoint(&app, &adv.token, &rx.url("/slow"), &[]).await;
    rx.script("/slow", vec![Reply::Hang(Duration::from_secs(4))]);
    send_test(&app, &adv.token, slow).await;
    // Retried after the timeout (1.5 s in the tests), and delivered the second time.
    rx.wait_for("/slow", 2).await;
    wait_until("delivered on the second attempt", async || {
        only_message(&app, &adv.token, slow).await["status"] == "delivered"
    })
    .await;
    let m = only_message(&app, &adv.token, slow).await;
    assert_eq!(m["attempt_log"][0]["error"], "timed out");
    assert_eq!(m["attempt_log"][0]["status_code"], Value::Null);

    let (moved, _) = endpoint(&app, &adv.token, &rx.url("/moved"), &[]).await;
    rx.script("/moved", vec![Reply::Redirect(rx.url("/elsewhere"))]);
    send_test(&app, &adv.token, moved).await;
    rx.wait_for("/moved", 2).await;
    let m = only_message(&app, &adv.token, moved).await;
    assert_eq!(m["attempt_log"][0]["status_code"], 302);
    assert!(
        rx.hits("/elsewhere").is_empty(),
        "redirects are not followed"
    );
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one() {
    let app = spawn_app().await;
    let promoter = app.promoter("pat").await;
    let rx = Receiver::start().await;
    let (id, old) = endpoint(&app, &promoter.token, &rx.url("/p"), &[]).await;
    let resp = app
        .post(&format!("/v1/webhooks/endpoints/{id}/secret/rotate"))
        .bearer_auth(&promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let rotated: Value = resp.json().await.expect("json");
    let new = rotated["secret"].as_str().expect("secret").to_owned();
    assert_ne!(new, old);
    let until = OffsetDateTime::parse(
        rotated["previous_secret_until"].as_str().expect("until"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("a time");
    let in_a_day = OffsetDateTime::now_utc() + Duration::from_secs(86_400);
    assert!((until - in_a_day).abs() < time::Duration::minutes(1));

    send_test(&app, &promoter.token, id).await;
    let hit = rx.wait_for("/p", 1).await.remove(0);
    let signatures: Vec<&str> = hit
        .headers
        .get("webhook-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(' ')
        .collect();
    assert_eq!(signatures.len(), 2, "{signatures:?}");
    // Each secret alone verifies the delivery (the header carries both signatures).
    assert!(hit.verifies_with(&new));
    assert!(hit.verifies_with(&old));
    let wrong = format!("whsec_{}", base64_of(&[9u8; 32]));
    assert!(!hit.verifies_with(&wrong));

    // Once the grace is over, only the new secret signs.
    sqlx::query("UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .expect("grace over");
    send_test(&app, &promoter.token, id).await;
    let hit = rx.wait_for("/p", 2).await.remove(1);
    assert_eq!(hit.header("webhook-signature").split(' ').count(), 1);
    assert!(hit.verifies_with(&new));
    assert!(!hit.verifies_with(&old));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn one_slow_receiver_does_not_hold_the_others() {
    let app = spawn_with(Options {
        env: vec![
            ("AFFTOK_WEBHOOK_CONCURRENCY", "6".to_owned()),
            ("AFFTOK_WEBHOOK_ENDPOINT_CONCURRENCY", "2".to_owned()),
            ("AFFTOK_WEBHOOK_TIMEOUT_MS", "5000".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (slow, _) = endpoint(&app, &adv.token, &rx.url("/slow"), &[]).await;
    let (fast, _) = endpoint(&app, &adv.token, &rx.url("/fast"), &[]).await;
    rx.script("/slow", vec![Reply::Hang(Duration::from_secs(4)); 10]);
    for _ in 0..10 {
        send_test(&app, &adv.token, slow).await;
    }
    rx.wait_for("/slow", 2).await;
    for _ in 0..5 {
        send_test(&app, &adv.token, fast).await;
    }
    // All five reach the fast receiver while the slow one holds its two.
    rx.wait_for("/fast", 5).await;
    assert_eq!(
        rx.hits("/slow").len(),
        2,
        "at most 2 at once to one endpoint"
    );
}

#[tokio::test]
async fn the_endpoint_api_and_its_errors() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let other = app.advertiser("other-co").await;
    let promoter = app.promoter("pat").await;
    let rx = Receiver::start().await;

    // Bad input: each field at fault.
    let resp = app
        .post("/v1/webhooks/endpoints")
        .bearer_auth(&adv.token)
        .json(&json!({"url": "ftp://example.com/x", "description": "x".repeat(501)}))
        .send()
        .await
        .expect("request");
    let p = problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&p), vec!["url", "description"]);
    let resp = app
        .post("/v1/webhooks/endpoints")
        .bearer_auth(&adv.token)
        .json(&json!({"url": rx.url("/a"), "event_types": ["conversion.exploded"]}))
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_body").await;
    let resp = app
        .post("/v1/webhooks/endpoints")
        .bearer_auth(&adv.token)
        .json(&json!({"url": rx.url("/a"), "event_types": ["points.level_reached"]}))
        .send()
        .await
        .expect("request");
    let p = problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&p), vec!["event_types[0]"]);
    let resp = app
        .post("/v1/webhooks/endpoints")
        .bearer_auth(&adv.token)
        .json(&json!({"url": "not a url"}))
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;
    let resp = app
        .post("/v1/webhooks/endpoints")
        .json(&json!({"url": rx.url("/a")}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);

    // Event types a role may receive.
    let list = app.get_json("/v1/webhooks/event-types", &adv.token).await;
    let names: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|t| t["type"].as_str())
        .collect();
    assert!(!names.contains(&"points.level_reached"));
    assert!(names.contains(&"conversion.created"));

    // Create, list with pages, change, tenancy, delete.
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            endpoint(
                &app,
                &adv.token,
                &rx.url(&format!("/e{n}")),
                &["conversion.created", "conversion.created"],
            )
            .await
            .0,
        );
    }
    let page = app
        .get_json("/v1/webhooks/endpoints?limit=2", &adv.token)
        .await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        page["data"][0]["event_types"],
        json!(["conversion.created"]),
        "once each"
    );
    assert!(page["data"][0].get("secret").is_none());
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get_json(
            &format!("/v1/webhooks/endpoints?limit=2&cursor={cursor}"),
            &adv.token,
        )
        .await;
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["next_cursor"], Value::Null);
    let theirs = app.get_json("/v1/webhooks/endpoints", &other.token).await;
    assert_eq!(theirs["data"], json!([]));
    let mine = app
        .get_json("/v1/webhooks/endpoints", &promoter.token)
        .await;
    assert_eq!(mine["data"], json!([]));
    for (method, path) in [
        ("GET", format!("/v1/webhooks/endpoints/{}", ids[0])),
        ("PATCH", format!("/v1/webhooks/endpoints/{}", ids[0])),
        ("DELETE", format!("/v1/webhooks/endpoints/{}", ids[0])),
        ("POST", format!("/v1/webhooks/endpoints/{}/test", ids[0])),
        (
            "POST",
            format!("/v1/webhooks/endpoints/{}/secret/rotate", ids[0]),
        ),
        ("GET", format!("/v1/webhooks/endpoints/{}/messages", ids[0])),
        (
            "POST",
            format!("/v1/webhooks/endpoints/{}/redeliver", ids[0]),
        ),
    ] {
        let req = match method {
            "GET" => app.get(&path),
            "PATCH" => app.patch(&path).json(&json!({"description": "mine now"})),
            "DELETE" => app.delete(&path),
            _ => app.post(&path).json(&json!({})),
        };
        let resp = req.bearer_auth(&other.token).send().await.expect("request");
        problem(resp, 404, "not_found").await;
    }
    let resp = app
        .patch(&format!("/v1/webhooks/endpoints/{}", ids[0]))
        .bearer_auth(&adv.token)
        .json(&json!({"description": "  orders  ", "event_types": [], "enabled": false}))
        .send()
        .await
        .expect("request");
    let changed: Value = resp.json().await.expect("json");
    assert_eq!(changed["description"], "orders");
    assert_eq!(changed["event_types"], json!([]));
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["disabled_reason"], "owner");
    let resp = app
        .patch(&format!("/v1/webhooks/endpoints/{}", ids[0]))
        .bearer_auth(&adv.token)
        .json(&json!({"url": "http://10.0.0.1/x"}))
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;
    let disabled = app
        .get_json("/v1/webhooks/endpoints?enabled=false", &adv.token)
        .await;
    assert_eq!(disabled["data"].as_array().map(Vec::len), Some(1));
    let resp = app
        .get("/v1/webhooks/endpoints?limit=0")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;
    let resp = app
        .get(&format!(
            "/v1/webhooks/endpoints/{}/messages?status=lost",
            ids[1]
        ))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;
    let resp = app
        .post(&format!("/v1/webhooks/endpoints/{}/redeliver", ids[1]))
        .bearer_auth(&adv.token)
        .json(&json!({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}))
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;

    // The admin sees every endpoint; messages of another tenant are not found.
    let admin = app.admin().await;
    let all = app.get_json("/v1/webhooks/endpoints", &admin.token).await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(3));
    let msg = send_test(&app, &adv.token, ids[1]).await;
    rx.wait_for("/e1", 1).await;
    let resp = app
        .get(&format!("/v1/webhooks/messages/{msg}"))
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = app
        .get("/v1/webhooks/messages/msg_nonsense")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = app
        .post(&format!("/v1/webhooks/messages/{msg}/redeliver"))
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    // A failed message in a range goes out again.
    sqlx::query("UPDATE webhook_messages SET status = 'failed' WHERE endpoint_id = $1")
        .bind(ids[1])
        .execute(&app.db)
        .await
        .expect("failed");
    let resp = app
        .post(&format!("/v1/webhooks/endpoints/{}/redeliver", ids[1]))
        .bearer_auth(&adv.token)
        .json(&json!({"from": "2020-01-01T00:00:00Z"}))
        .send()
        .await
        .expect("request");
    let queued: Value = resp.json().await.expect("json");
    assert_eq!(queued["queued"], 1);
    rx.wait_for("/e1", 2).await;
    let resp = app
        .delete(&format!("/v1/webhooks/endpoints/{}", ids[2]))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    let resp = app
        .get(&format!("/v1/webhooks/endpoints/{}", ids[2]))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
}

/// `afftok serve` as a child process on the test's database, sending webhooks.
fn serve(app: &TestApp, listen: &str) -> std::process::Child {
    let redis_url = secrecy::ExposeSecret::expose_secret(&app.settings.redis_url).to_owned();
    std::process::Command::new(env!("CARGO_BIN_EXE_afftok"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db_url)
        .env("REDIS_URL", redis_url)
        .env("AFFTOK_LISTEN", listen)
        .env(
            "AFFTOK_REDIS_KEY_PREFIX",
            format!("{}child:", app.settings.redis_key_prefix),
        )
        .env(
            "AFFTOK_EVENT_STREAM",
            format!("{}child-events", app.settings.redis_key_prefix),
        )
        .env("AFFTOK_INGEST_SECRET", "test-ingest-secret")
        .env("AFFTOK_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("AFFTOK_KEY_ENCRYPTION_KEY", KEK_B64)
        .env("AFFTOK_WEBHOOK_ALLOW_HTTP", "true")
        .env("AFFTOK_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
        .env("AFFTOK_WEBHOOK_TIMEOUT_MS", "1000")
        .env("AFFTOK_WEBHOOK_RETRY_SCHEDULE", "200ms 200ms")
        .env("AFFTOK_EDGE_TARGETS", "none")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("afftok serve starts")
}

#[tokio::test]
async fn a_control_plane_killed_mid_delivery_loses_nothing() {
    // The test app makes no attempt itself: only the child sends.
    let app = spawn_with(Options {
        env: vec![("AFFTOK_WEBHOOK_SENDER", "false".to_owned())],
        ..Options::default()
    })
    .await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (id, secret) = endpoint(&app, &adv.token, &rx.url("/hold"), &[]).await;
    // The first attempt is held open: the child is killed while it waits for the answer.
    rx.script("/hold", vec![Reply::Hang(Duration::from_secs(30))]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = serve(&app, &listen);
    // The message is made directly (as the test app's fan-out would), for the child to send.
    let msg: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO webhook_messages (id, endpoint_id, event_type, body)
         VALUES ($1, $2, 'test.ping', '{\"type\":\"test.ping\",\"timestamp\":\"2026-12-05T00:00:00Z\",\"data\":{}}')
         RETURNING id",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("a message");
    let first = rx.wait_for("/hold", 1).await.remove(0);
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM webhook_messages WHERE id = $1")
        .bind(msg)
        .fetch_one(&app.db)
        .await
        .expect("query");
    assert_eq!(attempts, 1, "the attempt was claimed");

    // A new control plane sends it again once the dead one's claim lapses (2 × 1 s + 5 s).
    let mut child = serve(&app, &listen);
    let hits = rx.wait_for("/hold", 2).await;
    wait_until("the second attempt is settled", async || {
        sqlx::query_scalar::<_, String>("SELECT status FROM webhook_messages WHERE id = $1")
            .bind(msg)
            .fetch_one(&app.db)
            .await
            .expect("query")
            == "delivered"
    })
    .await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert_eq!(hits[1].header("webhook-id"), first.header("webhook-id"));
    assert_eq!(
        hits[1].header("webhook-id"),
        format!("msg_{}", msg.simple())
    );
    assert!(first.verifies_with(&secret) && hits[1].verifies_with(&secret));
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM webhook_messages WHERE id = $1")
            .bind(msg)
            .fetch_one(&app.db)
            .await
            .expect("query");
    assert_eq!((status.as_str(), attempts), ("delivered", 2));
}

#[tokio::test]
async fn settled_messages_are_forgotten_after_the_retention() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (id, _) = endpoint(&app, &adv.token, &rx.url("/kept"), &[]).await;
    // Two settled messages beyond the 30 days, one within, one pending beyond (never dropped).
    for (status, age_days) in [
        ("delivered", 31),
        ("failed", 45),
        ("delivered", 29),
        ("pending", 40),
    ] {
        sqlx::query(
            "INSERT INTO webhook_messages (id, endpoint_id, event_type, body, status, created_at, next_attempt_at)
             VALUES ($1, $2, 'test.ping', '{}', $3, now() - make_interval(days => $4), now() + interval '1 day')",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(id)
        .bind(status)
        .bind(age_days)
        .execute(&app.db)
        .await
        .expect("a message");
    }
    // A control plane forgets them when its sender starts (and every hour after).
    let _twin = app.twin().await;
    wait_until("the old settled messages are forgotten", async || {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM webhook_messages WHERE endpoint_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("query")
            == 2
    })
    .await;
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM webhook_messages WHERE endpoint_id = $1 ORDER BY status",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .expect("query");
    assert_eq!(left, vec!["delivered", "pending"]);
}

#[tokio::test]
async fn an_endpoint_deleted_mid_attempt_holds_nothing_back() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let rx = Receiver::start().await;
    let (doomed, _) = endpoint(&app, &adv.token, &rx.url("/doomed"), &[]).await;
    rx.script("/doomed", vec![Reply::Hang(Duration::from_millis(800))]);
    send_test(&app, &adv.token, doomed).await;
    rx.wait_for("/doomed", 1).await;
    let resp = app
        .delete(&format!("/v1/webhooks/endpoints/{doomed}"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    // The attempt ends after its endpoint is gone; what comes next is still sent and settled.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (next, _) = endpoint(&app, &adv.token, &rx.url("/next"), &[]).await;
    send_test(&app, &adv.token, next).await;
    rx.wait_for("/next", 1).await;
    wait_until("the next message is settled", async || {
        only_message(&app, &adv.token, next).await["status"] == "delivered"
    })
    .await;
    let orphans: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_attempts a LEFT JOIN webhook_messages m ON m.id = a.message_id WHERE m.id IS NULL")
        .fetch_one(&app.db)
        .await
        .expect("query");
    assert_eq!(orphans, 0);
}
