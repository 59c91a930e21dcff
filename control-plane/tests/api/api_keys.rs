use serde_json::{Value, json};

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn a_key_is_shown_once_and_authenticates_within_its_scopes() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let resp = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "server", "scopes": ["offers:read", "conversions:write", "offers:read"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    let key = created["key"].as_str().expect("secret shown").to_owned();
    assert!(key.starts_with("afk_live_"));
    assert!(key.starts_with(created["prefix"].as_str().expect("prefix")));
    assert_eq!(
        created["scopes"],
        json!(["conversions:write", "offers:read"]),
        "deduplicated, sorted"
    );
    assert_eq!(created["state"], "active");

    // Listed without the secret.
    let list: Value = app
        .get("/v1/api-keys")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let listed = &list["data"][0];
    assert!(listed.get("key").is_none());
    assert!(
        !list.to_string().contains(&key[20..]),
        "the secret never appears again"
    );
    // Stored as a hash only.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!(stored.len(), 32);

    // Authenticates, both ways of sending it.
    let me: Value = app
        .get("/v1/me")
        .bearer_auth(&key)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(me["authenticated_with"], "api_key");
    assert_eq!(me["user"]["id"], adv.id);
    assert_eq!(
        app.get("/v1/offers")
            .header("x-api-key", &key)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    // Only within its scopes.
    let write = app
        .post("/v1/offers")
        .bearer_auth(&key)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("request");
    let body = problem(write, 403, "forbidden").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("offers:write"),
        "{body}"
    );
    // last_used_at is recorded.
    let list: Value = app
        .get("/v1/api-keys")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(list["data"][0]["last_used_at"].is_string());
}

#[tokio::test]
async fn keys_cannot_manage_keys_and_scopes_follow_roles() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let bad = app
        .post("/v1/api-keys")
        .bearer_auth(&pat.token)
        .json(&json!({"name": "", "scopes": ["offers:write", "links:read"]}))
        .send()
        .await
        .expect("request");
    let body = problem(bad, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["name", "scopes[0]"]);
    let empty = app
        .post("/v1/api-keys")
        .bearer_auth(&pat.token)
        .json(&json!({"name": "x", "scopes": []}))
        .send()
        .await
        .expect("request");
    problem(empty, 422, "validation_failed").await;
    let unknown = app
        .post("/v1/api-keys")
        .bearer_auth(&pat.token)
        .json(&json!({"name": "x", "scopes": ["root"]}))
        .send()
        .await
        .expect("request");
    problem(unknown, 400, "invalid_body").await;

    let created: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&pat.token)
        .json(&json!({"name": "bot", "scopes": ["links:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let key = created["key"].as_str().expect("key");
    let mint = app
        .post("/v1/api-keys")
        .bearer_auth(key)
        .json(&json!({"name": "y", "scopes": ["links:read"]}))
        .send()
        .await
        .expect("request");
    problem(mint, 403, "forbidden").await;
    problem(
        app.get("/v1/api-keys")
            .bearer_auth(key)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
}

async fn new_key(app: &crate::helpers::TestApp, token: &str) -> (String, String) {
    let created: Value = app
        .post("/v1/api-keys")
        .bearer_auth(token)
        .json(&json!({"name": "server", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    (
        created["id"].as_str().expect("id").to_owned(),
        created["key"].as_str().expect("key").to_owned(),
    )
}

#[tokio::test]
async fn rotation_keeps_the_old_key_for_its_grace_period_only() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let (id, old) = new_key(&app, &adv.token).await;
    let rotated = app
        .post(&format!("/v1/api-keys/{id}/rotate"))
        .bearer_auth(&adv.token)
        .json(&json!({"grace_seconds": 3600}))
        .send()
        .await
        .expect("request");
    assert_eq!(rotated.status(), 201);
    let rotated: Value = rotated.json().await.expect("json");
    let new = rotated["key"].as_str().expect("key").to_owned();
    assert_ne!(new, old);
    assert_eq!(rotated["name"], "server");
    assert_eq!(rotated["scopes"], json!(["offers:read"]));
    // Inside the grace period both work.
    for key in [&old, &new] {
        assert_eq!(
            app.get("/v1/offers")
                .bearer_auth(key)
                .send()
                .await
                .expect("request")
                .status(),
            200
        );
    }
    let list: Value = app
        .get("/v1/api-keys")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let old_view = list["data"]
        .as_array()
        .expect("list")
        .iter()
        .find(|k| k["id"] == id.as_str())
        .expect("old listed")
        .clone();
    assert_eq!(old_view["state"], "expiring");
    assert_eq!(old_view["replaced_by"], rotated["id"]);
    // Once the grace period is over (moved into the past here), only the new key works.
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&id)
        .execute(&app.db)
        .await
        .expect("update");
    problem(
        app.get("/v1/offers")
            .bearer_auth(&old)
            .send()
            .await
            .expect("request"),
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.get("/v1/offers")
            .bearer_auth(&new)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    // An expired key cannot be rotated again.
    let again = app
        .post(&format!("/v1/api-keys/{id}/rotate"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(again, 404, "not_found").await;
}

#[tokio::test]
async fn rotation_with_no_grace_and_bad_grace() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let (id, old) = new_key(&app, &adv.token).await;
    let bad = app
        .post(&format!("/v1/api-keys/{id}/rotate"))
        .bearer_auth(&adv.token)
        .json(&json!({"grace_seconds": -1}))
        .send()
        .await
        .expect("request");
    problem(bad, 422, "validation_failed").await;
    let now = app
        .post(&format!("/v1/api-keys/{id}/rotate"))
        .bearer_auth(&adv.token)
        .json(&json!({"grace_seconds": 0}))
        .send()
        .await
        .expect("request");
    assert_eq!(now.status(), 201);
    problem(
        app.get("/v1/offers")
            .bearer_auth(&old)
            .send()
            .await
            .expect("request"),
        401,
        "unauthorized",
    )
    .await;
    // No body at all: the default grace period.
    let (id2, old2) = new_key(&app, &adv.token).await;
    let default = app
        .post(&format!("/v1/api-keys/{id2}/rotate"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(default.status(), 201);
    assert_eq!(
        app.get("/v1/offers")
            .bearer_auth(&old2)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn revocation_is_immediate_and_tenant_scoped() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let other = app.advertiser("globex").await;
    let (id, key) = new_key(&app, &adv.token).await;
    // Another user cannot see, rotate or revoke it.
    problem(
        app.delete(&format!("/v1/api-keys/{id}"))
            .bearer_auth(&other.token)
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
    problem(
        app.post(&format!("/v1/api-keys/{id}/rotate"))
            .bearer_auth(&other.token)
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
    let theirs: Value = app
        .get("/v1/api-keys")
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["data"], json!([]));
    assert_eq!(
        app.get("/v1/offers")
            .bearer_auth(&key)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    let revoked = app
        .delete(&format!("/v1/api-keys/{id}"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(revoked.status(), 204);
    problem(
        app.get("/v1/offers")
            .bearer_auth(&key)
            .send()
            .await
            .expect("request"),
        401,
        "unauthorized",
    )
    .await;
    let list: Value = app
        .get("/v1/api-keys")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(list["data"][0]["state"], "revoked");
    problem(
        app.delete("/v1/api-keys/not-a-uuid")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        400,
        "invalid_path",
    )
    .await;
}

/// `GET /v1/offers` with `key` from `ip` (the test settings trust `x-test-client-ip`).
async fn offers_from(app: &crate::helpers::TestApp, key: &str, ip: &str) -> reqwest::Response {
    app.get("/v1/offers")
        .bearer_auth(key)
        .header("x-test-client-ip", ip)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_key_with_networks_works_from_them_only() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let created: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "server", "scopes": ["offers:read"],
                      "ip_allow": ["203.0.113.0/24", " 2001:db8::7 "]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        created["ip_allow"],
        json!(["203.0.113.0/24", "2001:db8::7/128"])
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let key = created["key"].as_str().expect("key").to_owned();

    for ip in ["203.0.113.9", "2001:db8::7", "::ffff:203.0.113.200"] {
        assert_eq!(offers_from(&app, &key, ip).await.status(), 200, "{ip}");
    }
    for ip in ["198.51.100.1", "203.0.114.1", "2001:db8::8"] {
        let body = problem(offers_from(&app, &key, ip).await, 403, "ip_not_allowed").await;
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(ip), "{detail}");
        assert!(!detail.contains(&key[9..]), "the key never shows: {detail}");
    }
    // Without the trusted header the peer (loopback) is the caller: not in the list.
    let peer = app
        .get("/v1/offers")
        .header("x-api-key", &key)
        .send()
        .await
        .expect("request");
    problem(peer, 403, "ip_not_allowed").await;
    // Access tokens are not API keys: the list does not bind them.
    assert_eq!(
        app.get("/v1/offers")
            .bearer_auth(&adv.token)
            .header("x-test-client-ip", "198.51.100.1")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );

    // Listed with the key; a rotation hands the list to the successor.
    let list: Value = app
        .get("/v1/api-keys")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(list["data"][0]["ip_allow"], created["ip_allow"]);
    let rotated: Value = app
        .post(&format!("/v1/api-keys/{id}/rotate"))
        .bearer_auth(&adv.token)
        .json(&json!({"grace_seconds": 0}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(rotated["ip_allow"], created["ip_allow"]);
    let successor = rotated["key"].as_str().expect("key").to_owned();
    let successor_id = rotated["id"].as_str().expect("id").to_owned();
    problem(
        offers_from(&app, &successor, "198.51.100.1").await,
        403,
        "ip_not_allowed",
    )
    .await;

    // The owner widens it to anywhere, with an access token only; recorded as an event.
    let path = format!("/v1/api-keys/{successor_id}");
    let by_key = app
        .patch(&path)
        .bearer_auth(&successor)
        .header("x-test-client-ip", "203.0.113.9")
        .json(&json!({"ip_allow": []}))
        .send()
        .await
        .expect("request");
    problem(by_key, 403, "forbidden").await;
    let updated: Value = app
        .patch(&path)
        .bearer_auth(&adv.token)
        .json(&json!({"ip_allow": []}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(updated["ip_allow"], json!([]));
    assert!(
        updated.get("key").is_none(),
        "the secret is not shown again"
    );
    assert_eq!(
        offers_from(&app, &successor, "198.51.100.1").await.status(),
        200
    );
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM domain_events WHERE kind = 'api_key.updated'")
            .fetch_one(&app.db)
            .await
            .expect("events");
    assert_eq!(events, 1);

    // Another account's key is not found; bad networks are named, and change nothing.
    let other = app.advertiser("other").await;
    let foreign = app
        .patch(&path)
        .bearer_auth(&other.token)
        .json(&json!({"ip_allow": ["10.0.0.0/8"]}))
        .send()
        .await
        .expect("request");
    problem(foreign, 404, "not_found").await;
    let bad = app
        .patch(&path)
        .bearer_auth(&adv.token)
        .json(&json!({"ip_allow": ["10.0.0.0/8", "10.0.0.0/33", "example.com"]}))
        .send()
        .await
        .expect("request");
    let body = problem(bad, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["ip_allow[1]", "ip_allow[2]"]);
    let missing = app
        .patch(&path)
        .bearer_auth(&adv.token)
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    let body = problem(missing, 400, "invalid_body").await;
    assert_eq!(fields(&body), ["ip_allow"], "ip_allow is required");
    let create_bad = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "x", "scopes": ["offers:read"], "ip_allow": ["nope"]}))
        .send()
        .await
        .expect("request");
    let body = problem(create_bad, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["ip_allow[0]"]);
    assert_eq!(
        offers_from(&app, &successor, "198.51.100.1").await.status(),
        200,
        "the refused changes changed nothing"
    );

    // A revoked key's networks no longer change.
    let revoked = app
        .delete(&path)
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(revoked.status(), 204);
    let late = app
        .patch(&path)
        .bearer_auth(&adv.token)
        .json(&json!({"ip_allow": ["10.0.0.0/8"]}))
        .send()
        .await
        .expect("request");
    problem(late, 409, "key_revoked").await;
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM domain_events WHERE kind = 'api_key.updated'")
            .fetch_one(&app.db)
            .await
            .expect("events");
    assert_eq!(events, 1, "nothing recorded for the refused change");
}
