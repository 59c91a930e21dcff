use afftok_shared::Keyset;
use afftok_shared::link::Link;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

async fn keyset_from_db(app: &crate::helpers::TestApp) -> Keyset {
    let kek = secrecy::ExposeSecret::expose_secret(app.settings.key_encryption_key.as_ref());
    afftok_control_plane::links::signing_keys::keyset(&app.db, kek)
        .await
        .expect("keyset")
        .0
}

#[tokio::test]
async fn only_approved_offers_with_filters_sorting_and_cursors() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let cheap = app
        .approved_offer(&adv, &admin, json!({"name": "cheap", "payout_amount": "1"}))
        .await;
    let rich = app
        .approved_offer(
            &adv,
            &admin,
            json!({"name": "rich", "payout_amount": "99.99", "category": "finance"}),
        )
        .await;
    let share = app.approved_offer(&adv, &admin, json!({"name": "share", "payout_model": "cps", "payout_amount": null, "payout_percent": "30", "geo_allow": ["DE"]})).await;
    let denied = app
        .approved_offer(&adv, &admin, json!({"name": "no-us", "geo_deny": ["US"]}))
        .await;
    let draft = app.create_offer(&adv, json!({"name": "draft"})).await["id"]
        .as_i64()
        .expect("id");

    let ids = |page: &Value| {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|o| o["id"].as_i64().expect("id"))
            .collect::<Vec<_>>()
    };
    let get = |q: &str| {
        let req = app
            .get(&format!("/v1/marketplace/offers{q}"))
            .bearer_auth(&pat.token);
        async move {
            req.send()
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let all = get("").await;
    assert_eq!(
        ids(&all),
        [denied, share, rich, cheap],
        "newest first, approved only"
    );
    assert!(
        all["data"][0].get("url_template").is_none(),
        "the destination stays private"
    );
    assert!(!ids(&all).contains(&draft));
    assert_eq!(
        ids(&get("?sort=payout").await),
        [rich, denied, cheap, share]
    );
    assert_eq!(ids(&get("?category=finance").await), [rich]);
    assert_eq!(ids(&get("?payout_model=cps").await), [share]);
    assert_eq!(ids(&get("?country=us").await), [rich, cheap]);
    assert_eq!(ids(&get("?country=DE").await), [denied, share, rich, cheap]);
    // Paging in payout order.
    let first = get("?sort=payout&limit=3").await;
    assert_eq!(ids(&first), [rich, denied, cheap]);
    let next = get(&format!(
        "?sort=payout&limit=3&cursor={}",
        first["next_cursor"].as_str().expect("cursor")
    ))
    .await;
    assert_eq!(ids(&next), [share]);
    assert_eq!(next["next_cursor"], Value::Null);
    problem(
        app.get("/v1/marketplace/offers?country=USA")
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request"),
        422,
        "validation_failed",
    )
    .await;
    // A draft is invisible one by one too; advertisers do not browse.
    problem(
        app.get(&format!("/v1/marketplace/offers/{draft}"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get(&format!("/v1/marketplace/offers/{rich}"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    problem(
        app.get("/v1/marketplace/offers")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn joining_gives_a_signed_link_that_verifies() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let offer = app.approved_offer(&adv, &admin, json!({})).await;

    // Without a signing key there is nothing to sign with.
    let early = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    problem(early, 503, "unavailable").await;

    let kid = app.signing_key(false).await;
    let joined = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(joined.status(), 201);
    let link: Value = joined.json().await.expect("json");
    let token = link["token"].as_str().expect("token");
    assert_eq!(link["url"], format!("https://edge.test/c/{token}"));
    assert_eq!(link["kid"], kid);
    let verified = keyset_from_db(&app)
        .await
        .verify(token, 0)
        .expect("the link verifies");
    assert_eq!(
        verified,
        Link {
            kid: kid as u64,
            offer_id: offer as u64,
            promoter_id: pat.id as u64,
            expires_at: 0
        }
    );
    // Joining again gives the same link.
    let again = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], link["id"]);
    assert_eq!(again["token"], link["token"]);

    // Listed among the promoter's links; invisible to another promoter.
    let other = app.promoter("other").await;
    let mine: Value = app
        .get("/v1/links")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(mine["data"][0]["id"], link["id"]);
    let theirs: Value = app
        .get("/v1/links")
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["data"], json!([]));
    let id = link["id"].as_i64().expect("id");
    problem(
        app.get(&format!("/v1/links/{id}"))
            .bearer_auth(&other.token)
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get(&format!("/v1/links/{id}"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("/v1/links/{id}"))
            .bearer_auth(&admin.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    problem(
        app.get("/v1/links")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn only_promoters_join_only_approved_offers() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    app.signing_key(true).await;
    let draft = app.create_offer(&adv, json!({})).await["id"]
        .as_i64()
        .expect("id");
    problem(
        app.post(&format!("/v1/marketplace/offers/{draft}/join"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
    let live = app.approved_offer(&adv, &admin, json!({})).await;
    problem(
        app.post(&format!("/v1/marketplace/offers/{live}/join"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    problem(
        app.post(&format!("/v1/marketplace/offers/{live}/join"))
            .bearer_auth(&admin.token)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    app.post(&format!("/v1/offers/{live}/pause"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(
        app.post(&format!("/v1/marketplace/offers/{live}/join"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn links_survive_a_key_rotation_with_their_own_kid() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let first_kid = app.signing_key(false).await;
    let a = app.approved_offer(&adv, &admin, json!({})).await;
    let b = app.approved_offer(&adv, &admin, json!({})).await;
    let old: Value = app
        .post(&format!("/v1/marketplace/offers/{a}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let second_kid = app.signing_key(true).await;
    let new: Value = app
        .post(&format!("/v1/marketplace/offers/{b}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (old["kid"].as_i64(), new["kid"].as_i64()),
        (Some(first_kid), Some(second_kid))
    );
    let keys = keyset_from_db(&app).await;
    assert!(
        keys.verify(old["token"].as_str().expect("token"), 0)
            .is_ok(),
        "old links keep verifying"
    );
    assert!(
        keys.verify(new["token"].as_str().expect("token"), 0)
            .is_ok()
    );
}
