use serde_json::{Value, json};

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

/// Problems in our words: no framework text, every field at fault listed (issue 12, item 10 B).
fn in_our_words(body: &Value) {
    let text = body.to_string();
    for leak in ["Failed to deserialize", "Failed to parse", "at line", "`"] {
        assert!(!text.contains(leak), "{leak:?} leaked: {body}");
    }
}

fn errors_of(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or_default().to_owned(),
                        f["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_missing_field_is_required_in_our_words() {
    let app = spawn_app().await;
    let resp = app
        .post("/v1/auth/register")
        .json(&json!({"role": "promoter", "email": "pat@example.com", "display_name": "Pat"}))
        .send()
        .await
        .expect("request");
    let body = problem(resp, 400, "invalid_body").await;
    in_our_words(&body);
    assert_eq!(body["detail"], "password: is required", "{body}");
    assert_eq!(
        errors_of(&body),
        [("password".to_owned(), "is required".to_owned())]
    );

    let login = app
        .post("/v1/auth/login")
        .json(&json!({"email": 5, "remember_me": true}))
        .send()
        .await
        .expect("request");
    let body = problem(login, 400, "invalid_body").await;
    in_our_words(&body);
    assert_eq!(
        fields(&body),
        ["email", "remember_me", "password"],
        "every field at fault: {body}"
    );
    assert_eq!(
        body["detail"],
        "email: must be a string; remember_me: is not a field of this request; password: is required"
    );

    let malformed = app
        .post("/v1/auth/login")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("request");
    let body = problem(malformed, 400, "invalid_json").await;
    in_our_words(&body);
    assert_eq!(
        body["detail"],
        "the body is not valid JSON: it ends too early"
    );
}

#[tokio::test]
async fn every_bad_enum_and_shape_is_listed() {
    let app = spawn_app().await;
    let register = app
        .post("/v1/auth/register")
        .json(&json!({"role": "boss", "email": "x@example.com", "password": 1234567890, "display_name": "X"}))
        .send()
        .await
        .expect("request");
    let body = problem(register, 400, "invalid_body").await;
    in_our_words(&body);
    assert_eq!(
        errors_of(&body),
        [
            // In the body's order (json! writes keys sorted).
            ("password".to_owned(), "must be a string".to_owned()),
            (
                "role".to_owned(),
                "must be one of promoter, advertiser, admin".to_owned()
            ),
        ]
    );

    let adv = app.advertiser("enums").await;
    let offer = app
        .post("/v1/offers")
        .bearer_auth(&adv.token)
        .json(
            &json!({"name": "x", "payout_model": "cpm", "payout_amount": true,
                      "hold_conversions": "yes", "daily_cap": 1.5}),
        )
        .send()
        .await
        .expect("request");
    let body = problem(offer, 400, "invalid_body").await;
    in_our_words(&body);
    assert_eq!(
        errors_of(&body),
        [
            (
                "daily_cap".to_owned(),
                "must be a whole number from -2147483648 to 2147483647".to_owned()
            ),
            (
                "hold_conversions".to_owned(),
                "must be true or false".to_owned()
            ),
            (
                "payout_amount".to_owned(),
                "must be a decimal, as a string such as \"12.50\" or a number".to_owned()
            ),
            (
                "payout_model".to_owned(),
                "must be one of cpa, cpl, cps, revshare".to_owned()
            ),
        ]
    );

    let key = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "k", "scopes": ["offers:read", "offers:everything"]}))
        .send()
        .await
        .expect("request");
    let body = problem(key, 400, "invalid_body").await;
    in_our_words(&body);
    assert_eq!(fields(&body), ["scopes[1]"], "{body}");

    // Queries in the same words, every parameter at fault.
    let pat = app.promoter("enums").await;
    let market = app
        .get("/v1/marketplace/offers?payout_model=cpm&sort=cheapest&limit=lots&colour=red")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    let body = problem(market, 400, "invalid_query").await;
    in_our_words(&body);
    assert_eq!(
        errors_of(&body),
        [
            (
                "payout_model".to_owned(),
                "must be one of cpa, cpl, cps, revshare".to_owned()
            ),
            (
                "sort".to_owned(),
                "must be one of newest, payout".to_owned()
            ),
            ("limit".to_owned(), "must be a whole number".to_owned()),
            (
                "colour".to_owned(),
                "is not a field of this request".to_owned()
            ),
        ]
    );
    let path = app
        .get("/v1/offers/abc")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    let body = problem(path, 400, "invalid_path").await;
    in_our_words(&body);
    assert_eq!(body["detail"], "the path must be a whole number", "{body}");
}
