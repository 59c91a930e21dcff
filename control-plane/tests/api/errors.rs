use serde_json::json;

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn malformed_json_wrong_type_and_oversized_bodies_are_4xx() {
    let app = spawn_app().await;
    let malformed = app
        .post("/v1/auth/login")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("request");
    problem(malformed, 400, "invalid_json").await;

    let not_json = app
        .post("/v1/auth/login")
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .expect("request");
    problem(not_json, 415, "unsupported_media_type").await;

    let big = app
        .post("/v1/auth/login")
        .header("content-type", "application/json")
        .body(format!(
            "{{\"email\":\"{}\",\"password\":\"x\"}}",
            "a".repeat(10_000)
        ))
        .send()
        .await
        .expect("request");
    problem(big, 413, "payload_too_large").await;

    let unknown_field = app
        .post("/v1/auth/login")
        .json(&json!({"email": "a@b.co", "password": "x", "remember_me": true}))
        .send()
        .await
        .expect("request");
    let body = problem(unknown_field, 400, "invalid_body").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("remember_me"),
        "{body}"
    );

    let wrong_type = app
        .post("/v1/auth/login")
        .json(&json!({"email": 5, "password": "x"}))
        .send()
        .await
        .expect("request");
    problem(wrong_type, 400, "invalid_body").await;
}

#[tokio::test]
async fn validation_errors_list_every_field_at_fault() {
    let app = spawn_app().await;
    let resp = app
        .post("/v1/auth/register")
        .json(&json!({"role": "advertiser", "email": "not-an-email", "password": "short", "display_name": ""}))
        .send()
        .await
        .expect("request");
    let body = problem(resp, 422, "validation_failed").await;
    let mut got = fields(&body);
    got.sort();
    assert_eq!(got, ["company_name", "display_name", "email", "password"]);
}

#[tokio::test]
async fn bad_paths_and_queries_are_400() {
    let app = spawn_app().await;
    let adv = app.advertiser("paths").await;
    problem(
        app.get("/v1/offers/abc")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        400,
        "invalid_path",
    )
    .await;
    problem(
        app.get("/v1/offers?limit=lots")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        400,
        "invalid_query",
    )
    .await;
    problem(
        app.get("/v1/offers?colour=red")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        400,
        "invalid_query",
    )
    .await;
    let limit = problem(
        app.get("/v1/offers?limit=0")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&limit), ["limit"]);
    let cursor = problem(
        app.get("/v1/offers?cursor=garbage")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&cursor), ["cursor"]);
}
