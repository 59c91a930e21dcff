//! The caller's own account: `PATCH /v1/me` and `POST /v1/auth/password/change`.

use serde_json::{Value, json};

use crate::helpers::{Options, PASSWORD, TestApp, fields, problem, spawn_app, spawn_with};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn api_key(app: &TestApp, token: &str) -> String {
    let key: Value = app
        .post("/v1/api-keys")
        .bearer_auth(token)
        .json(&json!({"name": "server", "scopes": ["stats:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    key["key"].as_str().expect("key").to_owned()
}

#[tokio::test]
async fn users_rename_themselves_and_advertisers_their_company() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let resp = app
        .patch("/v1/me")
        .bearer_auth(&pat.token)
        .json(&json!({"display_name": "  Pat Promoter  "}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.expect("json");
    assert_eq!(updated["user"]["display_name"], "Pat Promoter");
    assert_eq!(updated["user"]["id"], pat.id);
    assert_eq!(updated["authenticated_with"], "access_token");
    // The same answer as GET /v1/me.
    assert_eq!(updated, app.get_json("/v1/me", &pat.token).await);

    let adv = app.advertiser("acme").await;
    let updated: Value = app
        .patch("/v1/me")
        .bearer_auth(&adv.token)
        .json(&json!({"company_name": " Acme Corporation "}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(updated["user"]["advertiser"]["name"], "Acme Corporation");
    assert_eq!(
        updated["user"]["advertiser"]["id"],
        adv.advertiser_id.expect("adv")
    );
    assert_eq!(updated["user"]["display_name"], "acme@adv.test", "kept");
    let both: Value = app
        .patch("/v1/me")
        .bearer_auth(&adv.token)
        .json(&json!({"display_name": "Road Runner", "company_name": "Acme"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(both["user"]["display_name"], "Road Runner");
    assert_eq!(both["user"]["advertiser"]["name"], "Acme");
    assert_eq!(both, app.get_json("/v1/me", &adv.token).await);
    // Nothing to change is no change.
    let same: Value = app
        .patch("/v1/me")
        .bearer_auth(&adv.token)
        .json(&json!({}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(same, both);
}

#[tokio::test]
async fn profile_changes_are_checked() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let adv = app.advertiser("acme").await;
    let patch = |token: &str, body: Value| {
        let req = app.patch("/v1/me").bearer_auth(token).json(&body);
        async move { req.send().await.expect("request") }
    };
    for (who, body, expected) in [
        (
            &pat,
            json!({"company_name": "Pat Inc"}),
            vec!["company_name"],
        ),
        (&pat, json!({"display_name": "   "}), vec!["display_name"]),
        (
            &pat,
            json!({"display_name": "x".repeat(101)}),
            vec!["display_name"],
        ),
        (
            &pat,
            json!({"display_name": "bell\u{7}"}),
            vec!["display_name"],
        ),
        (&adv, json!({"company_name": ""}), vec!["company_name"]),
        (
            &adv,
            json!({"company_name": "x".repeat(201)}),
            vec!["company_name"],
        ),
        (
            &adv,
            json!({"display_name": "", "company_name": "line\nbreak"}),
            vec!["display_name", "company_name"],
        ),
    ] {
        let body = problem(
            patch(&who.token, body.clone()).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&body), expected, "{body}");
    }
    // Nothing was changed by the refusals.
    let me = app.get_json("/v1/me", &adv.token).await;
    assert_eq!(me["user"]["display_name"], "acme@adv.test");
    assert_eq!(me["user"]["advertiser"]["name"], "acme@adv.test Inc");
    // At the limits.
    let ok = patch(
        &adv.token,
        json!({"display_name": "é".repeat(100), "company_name": "é".repeat(200)}),
    )
    .await;
    assert_eq!(ok.status(), 200);
    // Fields the request does not have are refused, as on every body.
    let body = problem(
        patch(
            &pat.token,
            json!({"display_name": "Pat", "email": "new@promo.test"}),
        )
        .await,
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(fields(&body), ["email"], "{body}");
}

#[tokio::test]
async fn profile_changes_need_an_access_token() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let key = api_key(&app, &pat.token).await;
    // The key still reads /v1/me.
    assert_eq!(
        app.get_json("/v1/me", &key).await["authenticated_with"],
        "api_key"
    );
    let body = problem(
        app.patch("/v1/me")
            .bearer_auth(&key)
            .json(&json!({"display_name": "Robot"}))
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        body["detail"],
        "this endpoint needs an access token, not an API key"
    );
    problem(
        app.patch("/v1/me")
            .json(&json!({"display_name": "Nobody"}))
            .send()
            .await
            .expect("request"),
        401,
        "unauthorized",
    )
    .await;
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post("/v1/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .expect("request")
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post("/v1/auth/login")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = spawn_app().await;
    let here = app.promoter("pat").await;
    let elsewhere = app.login(&here.email, PASSWORD).await;
    let third = app.login(&here.email, PASSWORD).await;
    // This session refreshed once: its earlier token still names it.
    let rotated: Value = refresh(&app, &here.refresh)
        .await
        .json()
        .await
        .expect("json");
    let here_refresh = rotated["refresh_token"].as_str().expect("token").to_owned();
    let other = app.promoter("other").await;

    let resp = app
        .post("/v1/auth/password/change")
        .bearer_auth(&here.token)
        .json(
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                      "refresh_token": here.refresh}),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);

    // The old password is gone, the new one works.
    problem(
        login(&app, &here.email, PASSWORD).await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(login(&app, &here.email, NEW_PASSWORD).await.status(), 200);
    // Other sessions are over; this one goes on; another user's are untouched.
    problem(refresh(&app, &elsewhere.refresh).await, 401, "unauthorized").await;
    problem(refresh(&app, &third.refresh).await, 401, "unauthorized").await;
    assert_eq!(refresh(&app, &here_refresh).await.status(), 200);
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);
    // The stored hash is a fresh argon2id one.
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(here.id)
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}

#[tokio::test]
async fn the_session_of_the_refresh_cookie_stays() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let web = app.login(&pat.email, PASSWORD).await;
    let resp = app
        .post("/v1/auth/password/change")
        .bearer_auth(&web.token)
        .header(
            "cookie",
            format!("theme=dark; afftok_refresh={}", web.refresh),
        )
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    problem(refresh(&app, &pat.refresh).await, 401, "unauthorized").await;
    let kept = refresh(&app, &web.refresh).await;
    assert_eq!(kept.status(), 200);
    let kept: Value = kept.json().await.expect("json");
    let web_next = kept["refresh_token"].as_str().expect("token").to_owned();

    // A cookie that names no session of the account keeps none (and is no error).
    let other = app.promoter("other").await;
    let resp = app
        .post("/v1/auth/password/change")
        .bearer_auth(&pat.token)
        .header("cookie", format!("afftok_refresh={}", other.refresh))
        .json(&json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    problem(refresh(&app, &web_next).await, 401, "unauthorized").await;
    // The other account's session is not touched.
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);
}

#[tokio::test]
async fn without_a_refresh_token_every_session_ends() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let second = app.login(&pat.email, PASSWORD).await;
    let resp = app
        .post("/v1/auth/password/change")
        .bearer_auth(&pat.token)
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    problem(refresh(&app, &pat.refresh).await, 401, "unauthorized").await;
    problem(refresh(&app, &second.refresh).await, 401, "unauthorized").await;
    // The access token in hand lives out its few minutes.
    assert_eq!(
        app.get_json("/v1/me", &pat.token).await["user"]["id"],
        pat.id
    );
}

#[tokio::test]
async fn password_changes_are_checked() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let other = app.promoter("other").await;
    let change = |body: Value| {
        let req = app
            .post("/v1/auth/password/change")
            .bearer_auth(&pat.token)
            .json(&body);
        async move { req.send().await.expect("request") }
    };
    for (body, expected) in [
        (
            json!({"current_password": "not my password", "new_password": NEW_PASSWORD}),
            vec!["current_password"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": "short"}),
            vec!["new_password"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": "x".repeat(300)}),
            vec!["new_password"],
        ),
        (
            json!({"current_password": "wrong", "new_password": "short"}),
            vec!["new_password", "current_password"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                   "refresh_token": other.refresh}),
            vec!["refresh_token"],
        ),
        (
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                   "refresh_token": "afr_nonsense"}),
            vec!["refresh_token"],
        ),
    ] {
        let body = problem(change(body).await, 422, "validation_failed").await;
        assert_eq!(fields(&body), expected, "{body}");
    }
    // Nothing changed: the password and both sessions are as they were.
    assert_eq!(login(&app, &pat.email, PASSWORD).await.status(), 200);
    assert_eq!(refresh(&app, &pat.refresh).await.status(), 200);
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);
    let body = problem(
        change(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "logout": true}))
            .await,
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(fields(&body), ["logout"], "{body}");

    // Not with an API key, not without credentials.
    let key = api_key(&app, &pat.token).await;
    let body = problem(
        app.post("/v1/auth/password/change")
            .bearer_auth(&key)
            .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        body["detail"],
        "this endpoint needs an access token, not an API key"
    );
    problem(
        app.post("/v1/auth/password/change")
            .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            .send()
            .await
            .expect("request"),
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn password_guesses_are_rate_limited_per_ip() {
    let app = spawn_with(Options {
        auth_per_minute: 3,
        ..Options::default()
    })
    .await;
    let pat = app.promoter("pat").await;
    let guess = |ip: &'static str| {
        let req = app
            .post("/v1/auth/password/change")
            .header("x-test-client-ip", ip)
            .bearer_auth(&pat.token)
            .json(&json!({"current_password": "guess", "new_password": NEW_PASSWORD}));
        async move { req.send().await.expect("request") }
    };
    for remaining in [2, 1, 0] {
        let resp = guess("198.51.100.7").await;
        assert_eq!(resp.headers()["ratelimit-limit"], "3");
        assert_eq!(
            resp.headers()["ratelimit-remaining"],
            remaining.to_string().as_str()
        );
        let body = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&body), ["current_password"]);
    }
    problem(guess("198.51.100.7").await, 429, "rate_limited").await;
}
