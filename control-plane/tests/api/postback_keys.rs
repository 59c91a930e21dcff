//! Advertisers' postback keys: shown once with a ready-made URL, stored as the hash the edge
//! looks up, limited to networks, revocable.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn postback_keys_are_shown_once_listed_and_revoked() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let resp = app
        .post("/v1/postback-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "shop backend", "ip_allow": ["203.0.113.0/24", "2001:db8::1"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    let key = created["key"].as_str().expect("key shown").to_owned();
    assert!(key.starts_with("pbk_"));
    assert_eq!(
        created["postback_url"],
        format!(
            "https://edge.test/postback/{key}?click_id={{click_id}}&txid={{txid}}&amount={{amount}}&currency={{currency}}"
        )
    );
    assert_eq!(
        created["ip_allow"],
        json!(["203.0.113.0/24", "2001:db8::1/128"])
    );
    assert_eq!(created["state"], "active");
    // The edge finds it by its SHA-256; the key itself is not stored.
    let hash: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM postback_keys")
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!(hash, Sha256::digest(key.as_bytes()).to_vec());

    let list: Value = app.get_json("/v1/postback-keys", &adv.token).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains(&key[8..]), "never shown again");
    let id = list["data"][0]["id"].as_str().expect("id").to_owned();

    // Another advertiser neither sees nor revokes it; promoters have no postback keys.
    let globex = app.advertiser("globex").await;
    let theirs: Value = app.get_json("/v1/postback-keys", &globex.token).await;
    assert_eq!(theirs["data"], json!([]));
    let resp = app
        .delete(&format!("/v1/postback-keys/{id}"))
        .bearer_auth(&globex.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let promoter = app.promoter("pat").await;
    let resp = app
        .get("/v1/postback-keys")
        .bearer_auth(&promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;

    let resp = app
        .delete(&format!("/v1/postback-keys/{id}"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    let list: Value = app.get_json("/v1/postback-keys", &adv.token).await;
    assert_eq!(list["data"][0]["state"], "revoked");
    // Revoking again is a no-op that keeps the first revocation time.
    let resp = app
        .delete(&format!("/v1/postback-keys/{id}"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    let again: Value = app.get_json("/v1/postback-keys", &adv.token).await;
    assert_eq!(
        again["data"][0]["revoked_at"],
        list["data"][0]["revoked_at"]
    );
    let resp = app
        .delete("/v1/postback-keys/not-a-uuid")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn bad_postback_keys_are_refused_with_the_fields_named() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    for (body, expected) in [
        (json!({"name": ""}), vec!["name"]),
        (json!({"name": "x".repeat(101)}), vec!["name"]),
        (json!({"name": "a\u{0}b"}), vec!["name"]),
        (
            json!({"name": "ok", "ip_allow": ["10.0.0.0/33", "host.example", "10.0.0.1"]}),
            vec!["ip_allow[0]", "ip_allow[1]"],
        ),
        (
            json!({"name": "ok", "ip_allow": vec!["10.0.0.1"; 101]}),
            vec!["ip_allow"],
        ),
    ] {
        let resp = app
            .post("/v1/postback-keys")
            .bearer_auth(&adv.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), expected, "{body}");
    }
    let resp = app
        .post("/v1/postback-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"ip_allow": []}))
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_body").await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM postback_keys")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 0);
}
