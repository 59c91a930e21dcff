//! The SSRF guard with the default settings (no network allow-listed): every private,
//! loopback, link-local spelling is refused when an endpoint is made, and an endpoint that
//! gets there anyway (a name that resolves elsewhere later, a row written by hand) is refused
//! at connect time.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Options, fields, problem, spawn_with, wait_until};
use crate::receiver::Receiver;

#[tokio::test]
async fn private_targets_are_refused_by_default() {
    let app = spawn_with(Options {
        env: vec![("AFFTOK_WEBHOOK_ALLOW_NETWORKS", String::new())],
        ..Options::default()
    })
    .await;
    let adv = app.advertiser("acme").await;
    for url in [
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f.1/hook",
        "http://2130706433/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://192.168.0.10:8080/hook",
        // A name that resolves to loopback.
        "http://localhost/hook",
    ] {
        let resp = app
            .post("/v1/webhooks/endpoints")
            .bearer_auth(&adv.token)
            .json(&json!({"url": url}))
            .send()
            .await
            .expect("request");
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), vec!["url"], "{url}");
        let message = p["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("webhooks may not reach"),
            "{url}: {message}"
        );
    }

    // A row that names a loopback receiver (as a name could resolve later): the sender
    // refuses at connect time, and the receiver never hears of it.
    let rx = Receiver::start().await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (kind, advertiser_id, url, secret_nonce, secret_sealed)
         VALUES ('webhook', $1, $2, '\\x00', '\\x00') RETURNING id",
    )
    .bind(adv.advertiser_id.expect("advertiser"))
    .bind(rx.url("/inside"))
    .fetch_one(&app.db)
    .await
    .expect("an endpoint written by hand");
    let resp = app
        .post(&format!("/v1/webhooks/endpoints/{id}/test"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 202);
    let mut log = Value::Null;
    wait_until("the attempt is logged", async || {
        log = app
            .get_json(&format!("/v1/webhooks/endpoints/{id}/messages"), &adv.token)
            .await["data"][0]["attempt_log"][0]
            .clone();
        !log.is_null()
    })
    .await;
    let error = log["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("refused by the SSRF guard"), "{error}");
    assert!(error.contains("127.0.0.1 is a loopback address"), "{error}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.hits("/inside").is_empty());
}

#[tokio::test]
async fn https_is_required_unless_http_is_allowed() {
    let app = spawn_with(Options {
        env: vec![("AFFTOK_WEBHOOK_ALLOW_HTTP", "false".to_owned())],
        ..Options::default()
    })
    .await;
    let promoter = app.promoter("pat").await;
    let resp = app
        .post("/v1/webhooks/endpoints")
        .bearer_auth(&promoter.token)
        .json(&json!({"url": "http://127.0.0.1:9/hook"}))
        .send()
        .await
        .expect("request");
    let p = problem(resp, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["message"], "must use https");
}
