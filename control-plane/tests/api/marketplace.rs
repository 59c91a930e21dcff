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

#[tokio::test]
async fn text_search_matches_every_word_in_name_or_description() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let offer = |name: &str, description: &str, payout: &str| json!({"name": name, "description": description, "payout_amount": payout});
    let shoes = app
        .approved_offer(
            &adv,
            &admin,
            offer("Summer Shoes", "Running gear for everyone", "9"),
        )
        .await;
    let coats = app
        .approved_offer(
            &adv,
            &admin,
            offer("Winter coats", "Warm SHOES and jackets", "5"),
        )
        .await;
    let cashback = app
        .approved_offer(&adv, &admin, offer("100% cashback", "Money back", "7"))
        .await;
    let garden = app
        .approved_offer(&adv, &admin, offer("Garden tools", "Rakes_and spades", "3"))
        .await;
    let slash = app
        .approved_offer(&adv, &admin, offer("Back\\slash deals", "Odd names", "1"))
        .await;
    // Matching text does not make a draft visible.
    app.create_offer(&adv, offer("Shoes draft", "Not approved", "2"))
        .await;

    let search = |query: String| {
        let req = app
            .get("/v1/marketplace/offers")
            .query(&[("q", query.as_str())])
            .bearer_auth(&pat.token);
        async move { req.send().await.expect("request") }
    };
    let ids = |page: &Value| {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|o| o["id"].as_i64().expect("id"))
            .collect::<Vec<_>>()
    };
    let found = |query: &str| {
        let resp = search(query.to_owned());
        async move {
            let resp = resp.await;
            assert_eq!(resp.status(), 200);
            ids(&resp.json::<Value>().await.expect("json"))
        }
    };
    // In the name (Summer Shoes) and in the description (Warm SHOES), any case.
    assert_eq!(found("shoes").await, [coats, shoes]);
    assert_eq!(found("  sHoEs ").await, [coats, shoes]);
    // Every word, each in the name or the description.
    assert_eq!(found("shoes running").await, [shoes]);
    assert_eq!(found("jackets winter").await, [coats]);
    assert_eq!(found("shoes cashback").await, Vec::<i64>::new());
    // Inside words too.
    assert_eq!(found("ake").await, [garden]);
    // LIKE's wildcards and escape match themselves.
    assert_eq!(found("%").await, [cashback]);
    assert_eq!(found("0%").await, [cashback]);
    assert_eq!(found("10_").await, Vec::<i64>::new(), "_ is not a wildcard");
    assert_eq!(found("s_a").await, [garden]);
    assert_eq!(found("_").await, [garden]);
    assert_eq!(found("\\").await, [slash]);
    assert_eq!(found("k\\s").await, [slash]);
    // With the payout order and other filters.
    let resp = app
        .get("/v1/marketplace/offers?q=shoes&sort=payout")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(
        ids(&resp.json::<Value>().await.expect("json")),
        [shoes, coats]
    );
    let resp = app
        .get("/v1/marketplace/offers?q=shoes&category=finance")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(
        ids(&resp.json::<Value>().await.expect("json")),
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn text_search_pages_with_cursors_in_both_orders() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let mut matching = Vec::new();
    for i in 0..5 {
        let payout = format!("{}", 10 - i);
        matching.push(
            app.approved_offer(
                &adv,
                &admin,
                json!({"name": format!("Deal {i}"), "description": "Great PRICES", "payout_amount": payout}),
            )
            .await,
        );
        app.approved_offer(
            &adv,
            &admin,
            json!({"name": format!("Other {i}"), "description": "nothing", "payout_amount": payout}),
        )
        .await;
    }
    for sort in ["newest", "payout"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("q", "deal prices"), ("sort", sort), ("limit", "2")];
            if let Some(c) = cursor.as_deref() {
                query.push(("cursor", c));
            }
            let page: Value = app
                .get("/v1/marketplace/offers")
                .query(&query)
                .bearer_auth(&pat.token)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            for offer in page["data"].as_array().expect("data") {
                seen.push(offer["id"].as_i64().expect("id"));
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        // Every matching offer once and nothing else: newest first is by id descending;
        // the payouts fall as the ids rise, so by payout it is by id ascending.
        let mut expected = matching.clone();
        if sort == "newest" {
            expected.reverse();
        }
        assert_eq!(seen, expected, "sort {sort}");
    }
}

#[tokio::test]
async fn bad_search_text_is_a_field_error() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    for q in ["", "   ", "a\u{1}b", "tab\there", &"x".repeat(101)] {
        let resp = app
            .get("/v1/marketplace/offers")
            .query(&[("q", q)])
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request");
        let body = problem(resp, 422, "validation_failed").await;
        assert_eq!(crate::helpers::fields(&body), ["q"], "{q:?}: {body}");
    }
    // 100 characters (not bytes) is fine.
    let resp = app
        .get("/v1/marketplace/offers")
        .query(&[("q", "é".repeat(100))])
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
}
