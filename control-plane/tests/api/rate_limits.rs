use serde_json::json;

use crate::helpers::{Options, PASSWORD, problem, spawn_with};

#[tokio::test]
async fn login_is_limited_per_ip() {
    let app = spawn_with(Options {
        auth_per_minute: 3,
        ..Options::default()
    })
    .await;
    let login = |ip: &'static str| {
        let req = app
            .post("/v1/auth/login")
            .header("x-test-client-ip", ip)
            .json(&json!({"email": "x@y.test", "password": PASSWORD}));
        async move { req.send().await.expect("request") }
    };
    for remaining in [2, 1, 0] {
        let resp = login("198.51.100.1").await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["ratelimit-limit"], "3");
        assert_eq!(
            resp.headers()["ratelimit-remaining"],
            remaining.to_string().as_str()
        );
    }
    let limited = login("198.51.100.1").await;
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(limited.headers().contains_key("ratelimit-reset"));
    problem(limited, 429, "rate_limited").await;
    // Another address has its own budget.
    assert_eq!(login("198.51.100.2").await.status(), 401);
}

#[tokio::test]
async fn api_calls_are_limited_per_user_and_per_key() {
    let app = spawn_with(Options {
        user_per_minute: 2,
        api_key_per_minute: 2,
        ..Options::default()
    })
    .await;
    let adv = app.advertiser("acme").await;
    let other = app.advertiser("globex").await;
    // The key's creation spends one of the user's two requests.
    let created: serde_json::Value = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "k", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let key = created["key"].as_str().expect("key").to_owned();
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    problem(
        app.get("/v1/me")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        429,
        "rate_limited",
    )
    .await;
    // Other users and the key have their own budgets.
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(&other.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    for _ in 0..2 {
        assert_eq!(
            app.get("/v1/offers")
                .bearer_auth(&key)
                .send()
                .await
                .expect("request")
                .status(),
            200
        );
    }
    problem(
        app.get("/v1/offers")
            .bearer_auth(&key)
            .send()
            .await
            .expect("request"),
        429,
        "rate_limited",
    )
    .await;
    // Health checks are never limited.
    for _ in 0..5 {
        assert_eq!(
            app.get("/healthz").send().await.expect("request").status(),
            200
        );
    }
}

#[tokio::test]
async fn a_flood_is_refused_with_retry_after_and_others_are_served_meanwhile() {
    let app = spawn_with(Options {
        user_per_minute: 10,
        ..Options::default()
    })
    .await;
    let flooder = app.advertiser("flood").await;
    let other = app.advertiser("calm").await;
    // 300 requests at once from one account, and another account's requests among them.
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let req = app.get("/v1/offers").bearer_auth(&flooder.token);
        flood.spawn(async move { req.send().await.expect("request") });
    }
    let mut calm = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let req = app.get("/v1/offers").bearer_auth(&other.token);
        calm.spawn(async move { req.send().await.expect("request") });
    }
    let mut ok = 0;
    while let Some(resp) = flood.join_next().await {
        let resp = resp.expect("task");
        match resp.status().as_u16() {
            200 => ok += 1,
            429 => {
                let retry: u64 = resp.headers()["retry-after"]
                    .to_str()
                    .expect("ascii")
                    .parse()
                    .expect("seconds");
                assert!((1..=60).contains(&retry), "{retry}");
            }
            status => panic!("a flooded request answered {status}"),
        }
    }
    // At most the account's burst (the limit a minute) is served, and not one more.
    assert!((1..=10).contains(&ok), "{ok} of the flood served");
    while let Some(resp) = calm.join_next().await {
        assert_eq!(
            resp.expect("task").status(),
            200,
            "the other account is served during the flood"
        );
    }
}
