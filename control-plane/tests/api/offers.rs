use serde_json::{Value, json};

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn create_read_and_validate() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let offer = app
        .create_offer(&adv, json!({"geo_allow": ["us", "CA"], "daily_cap": 10}))
        .await;
    assert_eq!(offer["status"], "draft");
    assert_eq!(
        offer["advertiser_id"],
        adv.advertiser_id.expect("advertiser")
    );
    assert_eq!(
        offer["payout_amount"], "12.50",
        "written as given, with the cents"
    );
    assert_eq!(offer["payout_percent"], Value::Null);
    assert_eq!(offer["geo_allow"], json!(["CA", "US"]));
    assert_eq!(offer["attribution_window_hours"], 720);
    let id = offer["id"].as_i64().expect("id");
    let read: Value = app
        .get(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(read, offer);

    let bad = app
        .post("/v1/offers")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "x", "category": "c", "url_template": "nope", "payout_model": "cps", "currency": "ABC"}))
        .send()
        .await
        .expect("request");
    let body = problem(bad, 422, "validation_failed").await;
    let mut got = fields(&body);
    got.sort();
    assert_eq!(got, ["currency", "payout_percent", "url_template"]);
    let unknown = app
        .post("/v1/offers")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "x", "budget": 5}))
        .send()
        .await
        .expect("request");
    problem(unknown, 400, "invalid_body").await;
}

#[tokio::test]
async fn roles_and_tenancy() {
    let app = spawn_app().await;
    let acme = app.advertiser("acme").await;
    let globex = app.advertiser("globex").await;
    let pat = app.promoter("pat").await;
    let admin = app.admin().await;
    let id = app.create_offer(&acme, json!({})).await["id"]
        .as_i64()
        .expect("id");

    // Another advertiser gets 404 for everything about it, never its data.
    for resp in [
        app.get(&format!("/v1/offers/{id}"))
            .bearer_auth(&globex.token)
            .send()
            .await
            .expect("request"),
        app.patch(&format!("/v1/offers/{id}"))
            .bearer_auth(&globex.token)
            .json(&json!({"name": "mine"}))
            .send()
            .await
            .expect("request"),
        app.post(&format!("/v1/offers/{id}/submit"))
            .bearer_auth(&globex.token)
            .send()
            .await
            .expect("request"),
        app.post(&format!("/v1/offers/{id}/archive"))
            .bearer_auth(&globex.token)
            .send()
            .await
            .expect("request"),
        app.get(&format!("/v1/offers/{id}/history"))
            .bearer_auth(&globex.token)
            .send()
            .await
            .expect("request"),
    ] {
        problem(resp, 404, "not_found").await;
    }
    let theirs: Value = app
        .get("/v1/offers")
        .bearer_auth(&globex.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["data"], json!([]));
    // Promoters use the marketplace; they cannot create offers.
    problem(
        app.get("/v1/offers")
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    problem(
        app.post("/v1/offers")
            .bearer_auth(&pat.token)
            .json(&json!({}))
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    // Admins see every offer.
    let all: Value = app
        .get("/v1/offers")
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(all["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.get(&format!("/v1/offers/{id}"))
            .bearer_auth(&admin.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    // The name was not changed by the refused edit.
    let read: Value = app
        .get(&format!("/v1/offers/{id}"))
        .bearer_auth(&acme.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(read["name"], "Spring sale");
}

#[tokio::test]
async fn the_workflow_end_to_end_with_history() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let id = app.create_offer(&adv, json!({})).await["id"]
        .as_i64()
        .expect("id");
    let act = |path: String, token: String| {
        let req = app.post(&path).bearer_auth(token);
        async move { req.send().await.expect("request") }
    };
    // No approving a draft; no approving by the advertiser.
    problem(
        act(
            format!("/v1/admin/offers/{id}/approve"),
            admin.token.clone(),
        )
        .await,
        409,
        "illegal_transition",
    )
    .await;
    assert_eq!(
        act(format!("/v1/offers/{id}/submit"), adv.token.clone())
            .await
            .status(),
        200
    );
    problem(
        act(format!("/v1/admin/offers/{id}/approve"), adv.token.clone()).await,
        403,
        "forbidden",
    )
    .await;
    // No editing under review.
    let edit = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("request");
    problem(edit, 409, "offer_not_editable").await;
    // The queue shows it; rejecting needs a reason.
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
    problem(
        app.get("/v1/admin/review-queue")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        403,
        "forbidden",
    )
    .await;
    let no_reason = app
        .post(&format!("/v1/admin/offers/{id}/reject"))
        .bearer_auth(&admin.token)
        .json(&json!({"reason": " "}))
        .send()
        .await
        .expect("request");
    problem(no_reason, 422, "validation_failed").await;
    let rejected: Value = app
        .post(&format!("/v1/admin/offers/{id}/reject"))
        .bearer_auth(&admin.token)
        .json(&json!({"reason": "Landing page is down"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["rejection_reason"], "Landing page is down");
    // Fix, resubmit, approve, pause, resume, archive.
    let fixed = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"url_template": "https://shop.example/v2?c={click_id}"}))
        .send()
        .await
        .expect("request");
    assert_eq!(fixed.status(), 200);
    assert_eq!(
        act(format!("/v1/offers/{id}/submit"), adv.token.clone())
            .await
            .status(),
        200
    );
    let approved: Value = act(
        format!("/v1/admin/offers/{id}/approve"),
        admin.token.clone(),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["rejection_reason"], Value::Null);
    problem(
        act(format!("/v1/offers/{id}/resume"), adv.token.clone()).await,
        409,
        "illegal_transition",
    )
    .await;
    assert_eq!(
        act(format!("/v1/offers/{id}/pause"), adv.token.clone())
            .await
            .status(),
        200
    );
    assert_eq!(
        act(format!("/v1/offers/{id}/resume"), admin.token.clone())
            .await
            .status(),
        200
    );
    assert_eq!(
        act(format!("/v1/offers/{id}/archive"), adv.token.clone())
            .await
            .status(),
        200
    );
    problem(
        act(format!("/v1/offers/{id}/archive"), adv.token.clone()).await,
        409,
        "illegal_transition",
    )
    .await;
    let frozen = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("request");
    problem(frozen, 409, "offer_not_editable").await;

    let history: Value = app
        .get(&format!("/v1/offers/{id}/history"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let steps: Vec<(String, Option<i64>)> = history["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["actor_id"].as_i64(),
            )
        })
        .collect();
    let (a, m) = (Some(adv.id), Some(admin.id));
    assert_eq!(
        steps,
        [
            ("create".to_owned(), a),
            ("submit".into(), a),
            ("reject".into(), m),
            ("edit".into(), a),
            ("submit".into(), a),
            ("approve".into(), m),
            ("pause".into(), a),
            ("resume".into(), m),
            ("archive".into(), a),
        ]
    );
    assert_eq!(history["data"][2]["detail"], "Landing page is down");
    assert!(history["data"][0]["at"].is_string());
}

#[tokio::test]
async fn edits_merge_and_withdrawal() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let id = app
        .create_offer(
            &adv,
            json!({"daily_cap": 5, "fallback_url": "https://shop.example/sorry"}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let patched: Value = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"name": "Summer sale", "daily_cap": null, "payout_model": "revshare", "payout_percent": "7.5"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(patched["name"], "Summer sale");
    assert_eq!(patched["daily_cap"], Value::Null);
    assert_eq!(
        patched["fallback_url"], "https://shop.example/sorry",
        "untouched"
    );
    assert_eq!(
        (
            patched["payout_amount"].clone(),
            patched["payout_percent"].clone()
        ),
        (Value::Null, json!("7.5"))
    );
    let bad = app
        .patch(&format!("/v1/offers/{id}"))
        .bearer_auth(&adv.token)
        .json(&json!({"currency": "XYZ"}))
        .send()
        .await
        .expect("request");
    problem(bad, 422, "validation_failed").await;
    assert_eq!(
        app.post(&format!("/v1/offers/{id}/submit"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    let withdrawn: Value = app
        .post(&format!("/v1/offers/{id}/withdraw"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(withdrawn["status"], "draft");
    problem(
        app.patch("/v1/offers/999999")
            .bearer_auth(&adv.token)
            .json(&json!({}))
            .send()
            .await
            .expect("request"),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn listing_pages_with_cursors_and_filters() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.create_offer(&adv, json!({"name": format!("Offer {i}")}))
                .await["id"]
                .as_i64()
                .expect("id"),
        );
    }
    app.post(&format!("/v1/offers/{}/submit", ids[1]))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/offers?limit=2&cursor={c}"),
            None => "/v1/offers?limit=2".to_owned(),
        };
        let page: Value = app
            .get(&path)
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        seen.extend(
            page["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|o| o["id"].as_i64().expect("id")),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let pending: Value = app
        .get("/v1/offers?status=pending_review")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        pending["data"]
            .as_array()
            .map(|d| d.iter().map(|o| o["id"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(ids[1])])
    );
    problem(
        app.get("/v1/offers?status=live")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request"),
        400,
        "invalid_query",
    )
    .await;
}
