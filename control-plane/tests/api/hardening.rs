//! Findings of a review, each pinned by a test: no 500 for odd text, no silent change of a
//! reviewed offer, no advertiser undoing an admin's pause, no refresh race, links re-signed
//! after a key revocation, rate limits not spendable by a key's prefix, cursors tied to
//! their sort, no double rotation.

use serde_json::{Value, json};

use crate::helpers::{Options, PASSWORD, fields, problem, spawn_app, spawn_with};

#[tokio::test]
async fn nul_bytes_and_control_characters_are_4xx_never_500() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let login = app
        .post("/v1/auth/login")
        .json(&json!({"email": "a\u{0}@b.test", "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    problem(login, 401, "unauthorized").await;
    let register = app
        .post("/v1/auth/register")
        .json(&json!({"role": "advertiser", "email": "x@y.test", "password": PASSWORD, "display_name": "a\u{0}b", "company_name": "c\u{1}"}))
        .send()
        .await
        .expect("request");
    let body = problem(register, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["display_name", "company_name"]);
    let offer = app
        .post("/v1/offers")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "x\u{0}", "description": "ok\nfine\u{0}", "category": "c", "url_template": "https://a.test/",
                      "payout_model": "cpa", "payout_amount": "1", "currency": "USD"}))
        .send()
        .await
        .expect("request");
    let body = problem(offer, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["name", "description"]);
    let key = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "k\u{0}", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request");
    problem(key, 422, "validation_failed").await;
    let market = app
        .get("/v1/marketplace/offers?category=a%00b")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    problem(market, 422, "validation_failed").await;
    let id = app.create_offer(&adv, json!({})).await["id"]
        .as_i64()
        .expect("id");
    app.post(&format!("/v1/offers/{id}/submit"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    let reject = app
        .post(&format!("/v1/admin/offers/{id}/reject"))
        .bearer_auth(&admin.token)
        .json(&json!({"reason": "no\u{0}"}))
        .send()
        .await
        .expect("request");
    problem(reject, 422, "validation_failed").await;
}

#[tokio::test]
async fn changing_what_was_reviewed_sends_a_live_offer_back_to_review() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let id = app.approved_offer(&adv, &admin, json!({})).await;
    let cosmetic: Value = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"name": "Renamed", "daily_cap": 100}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        cosmetic["status"], "approved",
        "names and caps need no review"
    );
    let risky: Value = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"url_template": "https://elsewhere.example/?c={click_id}", "payout_amount": "1"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(risky["status"], "pending_review");
    let history: Value = app
        .get(&format!("/v1/offers/{id}/history"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let last = history["data"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["to_status"], "pending_review");
    assert_eq!(
        last["detail"],
        "back to review: changed url_template, payout_amount"
    );
    let queue: Value = app
        .get("/v1/admin/review-queue")
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(queue["data"][0]["id"], id);
}

#[tokio::test]
async fn only_an_admin_resumes_an_admin_pause() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let id = app.approved_offer(&adv, &admin, json!({})).await;
    let paused: Value = app
        .post(&format!("/v1/offers/{id}/pause"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(paused["paused_by"], "admin");
    let body = problem(
        app.post(&format!("/v1/offers/{id}/resume"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        409,
        "illegal_transition",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("admin"),
        "{body}"
    );
    assert_eq!(
        app.post(&format!("/v1/offers/{id}/resume"))
            .bearer_auth(&admin.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    // An advertiser's own pause it can undo.
    app.post(&format!("/v1/offers/{id}/pause"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(
        app.post(&format!("/v1/offers/{id}/resume"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_leave_no_live_successor() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let req = app
            .post("/v1/auth/refresh")
            .json(&json!({"refresh_token": pat.refresh}));
        tasks.spawn(async move {
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or_default())
        });
    }
    let mut successes = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (status, body) = result.expect("task");
        match status {
            200 => successes.push(
                body["refresh_token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            401 => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(successes.len(), 1, "exactly one rotation wins");
    // The others were reuses: the winner's successor is revoked with the family.
    let after = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": successes[0]}))
        .send()
        .await
        .expect("request");
    problem(after, 401, "unauthorized").await;
}

#[tokio::test]
async fn joining_again_after_a_key_revocation_gives_a_working_link() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let old_kid = app.signing_key(true).await;
    let offer = app.approved_offer(&adv, &admin, json!({})).await;
    let first: Value = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(first["kid"], old_kid);
    let new_kid = app.signing_key(true).await;
    afftok_control_plane::links::signing_keys::revoke(
        &app.db,
        afftok_control_plane::kernel::Kid(old_kid),
    )
    .await
    .expect("revoked");
    let again = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 200, "the same link, re-signed");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["kid"], new_kid);
    assert_ne!(again["token"], first["token"]);
    let kek = secrecy::ExposeSecret::expose_secret(app.settings.key_encryption_key.as_ref());
    let (keys, _) = afftok_control_plane::links::signing_keys::keyset(&app.db, kek)
        .await
        .expect("keyset");
    assert!(
        keys.verify(again["token"].as_str().unwrap_or_default(), 0)
            .is_ok()
    );
    assert!(
        keys.verify(first["token"].as_str().unwrap_or_default(), 0)
            .is_err(),
        "the old token is refused"
    );
}

#[tokio::test]
async fn a_keys_prefix_cannot_spend_its_rate_limit() {
    let app = spawn_with(Options {
        api_key_per_minute: 2,
        ..Options::default()
    })
    .await;
    let adv = app.advertiser("acme").await;
    let created: Value = app
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
    let fake = format!(
        "{}_{}",
        created["prefix"].as_str().expect("prefix"),
        "A".repeat(43)
    );
    // The fake spends its own budget: refused, then limited.
    for _ in 0..2 {
        let resp = app
            .get("/v1/offers")
            .bearer_auth(&fake)
            .send()
            .await
            .expect("request");
        problem(resp, 401, "unauthorized").await;
    }
    let resp = app
        .get("/v1/offers")
        .bearer_auth(&fake)
        .send()
        .await
        .expect("request");
    problem(resp, 429, "rate_limited").await;
    // The real key's budget is untouched.
    for _ in 0..2 {
        let resp = app
            .get("/v1/offers")
            .bearer_auth(&key)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
    }
}

#[tokio::test]
async fn marketplace_cursors_belong_to_their_sort() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    for _ in 0..2 {
        app.approved_offer(&adv, &admin, json!({})).await;
    }
    let page: Value = app
        .get("/v1/marketplace/offers?limit=1")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let cursor = page["next_cursor"].as_str().expect("cursor");
    let mixed = app
        .get(&format!(
            "/v1/marketplace/offers?limit=1&sort=payout&cursor={cursor}"
        ))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    let body = problem(mixed, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["cursor"]);
}

#[tokio::test]
async fn a_rotated_key_is_not_rotated_twice() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let created: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "k", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        app.post(&format!("/v1/api-keys/{id}/rotate"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
            .status(),
        201
    );
    problem(
        app.post(&format!("/v1/api-keys/{id}/rotate"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        409,
        "already_rotated",
    )
    .await;
}
