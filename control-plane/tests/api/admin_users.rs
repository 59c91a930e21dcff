//! `GET /v1/admin/users`: admins list users, newest first, by role and text, page by page.

use serde_json::{Value, json};

use crate::helpers::{Account, PASSWORD, TestApp, fields, problem, spawn_app};

/// Registers a user with its own display name (the helpers use the email as the name).
async fn register(app: &TestApp, role: &str, email: &str, display_name: &str) -> i64 {
    let mut body =
        json!({"role": role, "email": email, "password": PASSWORD, "display_name": display_name});
    if role == "advertiser" {
        body["company_name"] = json!(format!("{display_name} Ltd"));
    }
    let resp = app
        .post("/v1/auth/register")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let session: Value = resp.json().await.expect("json");
    session["user"]["id"].as_i64().expect("id")
}

async fn users(app: &TestApp, admin: &Account, query: &[(&str, &str)]) -> Value {
    let resp = app
        .get("/v1/admin/users")
        .query(query)
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_eq!(status, 200, "{query:?}: {body}");
    body
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn admins_list_every_user_newest_first_with_filters() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let pat = register(&app, "promoter", "pat@promo.test", "Pat Smith").await;
    let acme = register(&app, "advertiser", "boss@acme.test", "Wile E").await;
    let percent = register(&app, "promoter", "sam_b@promo.test", "100% Sam").await;
    let kim = register(&app, "promoter", "kim@promo.test", "KIM SMITHERS").await;

    let all = users(&app, &admin, &[]).await;
    assert_eq!(ids(&all), [kim, percent, acme, pat, admin.id]);
    assert_eq!(all["next_cursor"], Value::Null);
    // The API's user view: no password hash; an advertiser with its company.
    let advertiser = &all["data"][2];
    assert_eq!(advertiser["email"], "boss@acme.test");
    assert_eq!(advertiser["role"], "advertiser");
    assert_eq!(advertiser["display_name"], "Wile E");
    assert_eq!(advertiser["advertiser"]["name"], "Wile E Ltd");
    assert!(advertiser["advertiser"]["id"].is_i64());
    assert!(advertiser["created_at"].is_string());
    assert!(advertiser.get("password_hash").is_none());
    assert!(all["data"][0].get("advertiser").is_none());

    assert_eq!(
        ids(&users(&app, &admin, &[("role", "promoter")]).await),
        [kim, percent, pat]
    );
    assert_eq!(
        ids(&users(&app, &admin, &[("role", "advertiser")]).await),
        [acme]
    );
    assert_eq!(
        ids(&users(&app, &admin, &[("role", "admin")]).await),
        [admin.id]
    );
    // Text in the display name or the email, any case.
    assert_eq!(
        ids(&users(&app, &admin, &[("q", "smith")]).await),
        [kim, pat]
    );
    assert_eq!(
        ids(&users(&app, &admin, &[("q", " ACME.TEST ")]).await),
        [acme]
    );
    assert_eq!(
        ids(&users(
            &app,
            &admin,
            &[("q", "smith"), ("role", "promoter"), ("limit", "1")]
        )
        .await),
        [kim]
    );
    // LIKE's wildcards match themselves.
    assert_eq!(ids(&users(&app, &admin, &[("q", "%")]).await), [percent]);
    assert_eq!(ids(&users(&app, &admin, &[("q", "_")]).await), [percent]);
    assert_eq!(
        ids(&users(&app, &admin, &[("q", "m_s")]).await),
        Vec::<i64>::new(),
        "_ is not a wildcard (it would match \"m S\" of KIM SMITHERS)"
    );
}

#[tokio::test]
async fn pages_follow_each_other_without_repeats() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut expected = vec![admin.id];
    for i in 0..6 {
        expected.push(register(&app, "promoter", &format!("p{i}@promo.test"), "P").await);
    }
    expected.reverse();
    for (query, want) in [
        (vec![], expected.clone()),
        (vec![("role", "promoter")], expected[..6].to_vec()),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut q = query.clone();
            q.push(("limit", "2"));
            if let Some(c) = cursor.as_deref() {
                q.push(("cursor", c));
            }
            let page = users(&app, &admin, &q).await;
            pages += 1;
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, want, "{query:?}");
        assert!(pages >= 3, "{query:?}: {pages} pages");
    }
}

#[tokio::test]
async fn only_admins_with_an_access_token() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let adv = app.advertiser("acme").await;
    for who in [&pat, &adv] {
        let body = problem(
            app.get("/v1/admin/users")
                .bearer_auth(&who.token)
                .send()
                .await
                .expect("request"),
            403,
            "forbidden",
        )
        .await;
        assert_eq!(body["detail"], "only admins can do this");
    }
    problem(
        app.get("/v1/admin/users").send().await.expect("request"),
        401,
        "unauthorized",
    )
    .await;
    let key: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&admin.token)
        .json(&json!({"name": "admin key", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let body = problem(
        app.get("/v1/admin/users")
            .bearer_auth(key["key"].as_str().expect("key"))
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("access token"),
        "{body}"
    );
}

#[tokio::test]
async fn bad_filters_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let get = |query: &'static str| {
        let req = app
            .get(&format!("/v1/admin/users?{query}"))
            .bearer_auth(&admin.token);
        async move { req.send().await.expect("request") }
    };
    // Values the parameters cannot hold at all are malformed queries, as on every list.
    let body = problem(get("role=superuser").await, 400, "invalid_query").await;
    assert_eq!(fields(&body), ["role"], "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("promoter, advertiser, admin"),
        "{body}"
    );
    problem(get("colour=red").await, 400, "invalid_query").await;
    // Values out of bounds are field errors.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=garbage", "cursor"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("q=a%01b", "q"),
    ] {
        let body = problem(get(query).await, 422, "validation_failed").await;
        assert_eq!(fields(&body), [field], "{query}: {body}");
    }
}
