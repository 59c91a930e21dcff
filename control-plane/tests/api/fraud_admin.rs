//! The admins' fraud review (DESIGN §11): the queue of promoters by risk, suspending and
//! reinstating a promoter with a recorded reason, and who may do it.

use afftok_control_plane::fraud;
use afftok_control_plane::kernel::PromoterId;
use serde_json::{Value, json};

use crate::fraud_insights::{Clock, clicks, ingest_clicks, range, sql};
use crate::helpers::{Account, TestApp, fields, problem};
use crate::tracking::market;

async fn post(app: &TestApp, path: &str, who: &Account, body: Value) -> reqwest::Response {
    app.post(path)
        .bearer_auth(&who.token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

fn queue_ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|i| i["promoter"]["id"].as_i64())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_queue_ranks_promoters_by_risk_and_pages() {
    let m = market(json!({})).await;
    let app = &m.app;
    let (pat, quinn, rita) = (
        m.promoter.clone(),
        app.promoter("quinn").await,
        app.promoter("rita").await,
    );
    let mut clock = Clock::new();
    let mut all = Vec::new();
    for (who, net) in [(&pat, 90), (&quinn, 91), (&rita, 92)] {
        all.extend(clicks(&mut clock, m.offer, who.id, 100, "ok", |i| {
            format!("100.{net}.{i}.1")
        }));
    }
    ingest_clicks(app, &all).await;
    // As scoring would have flagged them: Pat's traffic is 40% flooded (high), Rita's 10%
    // from a hosting range (medium); Quinn's is clean.
    sql(
        app,
        &format!(
            "UPDATE clicks SET fraud = '{{click_flood}}' WHERE id IN (
                 SELECT id FROM clicks WHERE promoter_id = {} ORDER BY ts LIMIT 40)",
            pat.id
        ),
    )
    .await;
    sql(
        app,
        &format!(
            "UPDATE clicks SET fraud = '{{datacenter_ip}}' WHERE id IN (
                 SELECT id FROM clicks WHERE promoter_id = {} ORDER BY ts LIMIT 10)",
            rita.id
        ),
    )
    .await;

    let r = range();
    let page = app
        .get_json(&format!("/v1/admin/fraud/queue?{r}"), &m.admin.token)
        .await;
    assert_eq!(queue_ids(&page), vec![pat.id, rita.id, quinn.id]);
    assert_eq!(page["next_cursor"], Value::Null);
    let first = &page["data"][0];
    assert_eq!(first["promoter"]["email"], pat.email);
    assert_eq!(first["suspended_at"], Value::Null);
    assert_eq!(first["risk"]["level"], "high");
    assert_eq!(
        first["risk"]["findings"][0]["text"],
        "40% of clicks (40 of 100) were flagged click_flood; 20% or more is high risk."
    );
    assert_eq!(first["figures"]["clicks"]["flagged"], 40);
    assert_eq!(first["figures"]["clicks"]["flagged_share"], 0.4);
    assert_eq!(first["figures"]["clicks"]["counted"], 60);
    assert_eq!(
        first["figures"]["top_ip"],
        json!({"key": "100.90.0.1", "clicks": 1, "share": 0.01})
    );
    assert_eq!(page["data"][1]["risk"]["level"], "medium");
    assert_eq!(page["data"][2]["risk"]["level"], "low");
    assert_eq!(page["data"][2]["risk"]["findings"], json!([]));

    // By level.
    let medium = app
        .get_json(
            &format!("/v1/admin/fraud/queue?{r}&risk=medium"),
            &m.admin.token,
        )
        .await;
    assert_eq!(queue_ids(&medium), vec![rita.id]);

    // Page by page, without repeats.
    let one = app
        .get_json(
            &format!("/v1/admin/fraud/queue?{r}&limit=2"),
            &m.admin.token,
        )
        .await;
    assert_eq!(queue_ids(&one), vec![pat.id, rita.id]);
    let cursor = one["next_cursor"].as_str().expect("a next page");
    let two = app
        .get_json(
            &format!("/v1/admin/fraud/queue?{r}&limit=2&cursor={cursor}"),
            &m.admin.token,
        )
        .await;
    assert_eq!(queue_ids(&two), vec![quinn.id]);
    assert_eq!(two["next_cursor"], Value::Null);

    // Nobody in an empty range.
    let none = app
        .get_json(
            "/v1/admin/fraud/queue?from=2020-01-01&to=2020-01-02",
            &m.admin.token,
        )
        .await;
    assert_eq!(none["data"], json!([]));

    // Bad filters.
    for (query, field) in [
        ("risk=severe", "risk"),
        ("cursor=garbage", "cursor"),
        ("limit=0", "limit"),
        ("from=2026-11-24&to=2026-11-01", "from"),
    ] {
        let resp = app
            .get(&format!("/v1/admin/fraud/queue?{query}"))
            .bearer_auth(&m.admin.token)
            .send()
            .await
            .expect("request");
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), vec![field], "{query}");
    }
}

#[tokio::test]
async fn an_admin_suspends_and_reinstates_a_promoter_with_reasons() {
    let m = market(json!({})).await;
    let app = &m.app;
    let pat = &m.promoter;
    let suspend = format!("/v1/admin/promoters/{}/suspend", pat.id);
    let reinstate = format!("/v1/admin/promoters/{}/reinstate", pat.id);
    let history = format!("/v1/admin/promoters/{}/suspensions", pat.id);
    let ids = [PromoterId(pat.id)];

    assert!(
        !fraud::is_suspended(&app.db, PromoterId(pat.id))
            .await
            .expect("query")
    );
    // What ingest holds in memory, loaded before the suspension.
    let cache = fraud::ScoringCache::default();
    let held = cache.fresh(&app.db).await.expect("loads");
    assert!(held.suspended.is_empty());
    let resp = post(
        app,
        &suspend,
        &m.admin,
        json!({"reason": "  Click flooding on offer 1  "}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let done: Value = resp.json().await.expect("json");
    assert_eq!(done["promoter_id"], pat.id);
    assert_eq!(done["suspended"], true);
    assert_eq!(done["suspended_reason"], "Click flooding on offer 1");
    assert!(done["suspended_at"].is_string());
    assert_eq!(done["change"]["action"], "suspend");
    assert_eq!(done["change"]["actor_id"], m.admin.id);
    assert_eq!(done["change"]["reason"], "Click flooding on offer 1");

    // What attribution asks, and what ingest loads again (the suspension moved the version).
    assert!(
        fraud::is_suspended(&app.db, PromoterId(pat.id))
            .await
            .expect("query")
    );
    let suspended = cache.fresh(&app.db).await.expect("reloads");
    assert!(suspended.version > held.version);
    let among: Vec<PromoterId> = suspended.suspended.iter().copied().collect();
    assert_eq!(among, ids.to_vec());

    // The state shows where the account is read: the promoter's own, the admins' list.
    let me = app.get_json("/v1/me", &pat.token).await;
    assert_eq!(me["user"]["suspended_reason"], "Click flooding on offer 1");
    assert_eq!(me["user"]["suspended_at"], done["suspended_at"]);
    let users = app
        .get_json("/v1/admin/users?role=promoter", &m.admin.token)
        .await;
    let listed = users["data"]
        .as_array()
        .and_then(|d| d.iter().find(|u| u["id"] == pat.id))
        .cloned()
        .expect("the promoter is listed");
    assert_eq!(listed["suspended_reason"], "Click flooding on offer 1");
    // An account that is not suspended carries neither field.
    let adv = app.get_json("/v1/me", &m.adv.token).await;
    assert!(adv["user"].get("suspended_at").is_none(), "{adv}");

    // The queue shows it too, once the promoter has traffic.
    let mut clock = Clock::new();
    ingest_clicks(
        app,
        &clicks(&mut clock, m.offer, pat.id, 2, "ok", |i| {
            format!("100.95.{i}.1")
        }),
    )
    .await;
    let queue = app
        .get_json(
            &format!("/v1/admin/fraud/queue?{}", range()),
            &m.admin.token,
        )
        .await;
    assert_eq!(queue["data"][0]["promoter"]["id"], pat.id);
    assert_eq!(
        queue["data"][0]["suspended_reason"],
        "Click flooding on offer 1"
    );

    // Twice is a conflict.
    let resp = post(app, &suspend, &m.admin, json!({"reason": "again"})).await;
    problem(resp, 409, "already_suspended").await;

    let resp = post(
        app,
        &reinstate,
        &m.admin,
        json!({"reason": "Appeal accepted"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let back: Value = resp.json().await.expect("json");
    assert_eq!(back["suspended"], false);
    assert_eq!(back["suspended_at"], Value::Null);
    assert_eq!(back["suspended_reason"], Value::Null);
    assert_eq!(back["change"]["action"], "reinstate");
    assert!(
        !fraud::is_suspended(&app.db, PromoterId(pat.id))
            .await
            .expect("query")
    );
    let reinstated = cache.fresh(&app.db).await.expect("reloads");
    assert!(reinstated.version > suspended.version);
    assert!(reinstated.suspended.is_empty());
    let me = app.get_json("/v1/me", &pat.token).await;
    assert!(me["user"].get("suspended_at").is_none(), "{me}");

    let resp = post(app, &reinstate, &m.admin, json!({"reason": "again"})).await;
    problem(resp, 409, "not_suspended").await;

    // The history, newest first, with who and why.
    let h = app.get_json(&history, &m.admin.token).await;
    assert_eq!(h["suspended"], false);
    let entries: Vec<(String, String, i64)> = h["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_owned(),
                e["reason"].as_str().unwrap_or("").to_owned(),
                e["actor_id"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![
            (
                "reinstate".to_owned(),
                "Appeal accepted".to_owned(),
                m.admin.id
            ),
            (
                "suspend".to_owned(),
                "Click flooding on offer 1".to_owned(),
                m.admin.id
            ),
        ]
    );
    let first = app
        .get_json(&format!("{history}?limit=1"), &m.admin.token)
        .await;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get_json(
            &format!("{history}?limit=1&cursor={cursor}"),
            &m.admin.token,
        )
        .await;
    assert_eq!(second["data"][0]["action"], "suspend");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM promoter_suspensions")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(rows, 2, "conflicts record nothing");
}

#[tokio::test]
async fn only_admins_suspend_and_only_promoters_and_with_a_reason() {
    let m = market(json!({})).await;
    let app = &m.app;
    let pat = &m.promoter;
    let suspend = format!("/v1/admin/promoters/{}/suspend", pat.id);

    // Not an admin.
    for who in [pat, &m.adv] {
        let resp = post(app, &suspend, who, json!({"reason": "no"})).await;
        problem(resp, 403, "forbidden").await;
        let resp = post(
            app,
            &format!("/v1/admin/promoters/{}/reinstate", pat.id),
            who,
            json!({"reason": "no"}),
        )
        .await;
        problem(resp, 403, "forbidden").await;
        for path in [
            "/v1/admin/fraud/queue".to_owned(),
            format!("/v1/admin/promoters/{}/suspensions", pat.id),
        ] {
            let resp = app
                .get(&path)
                .bearer_auth(&who.token)
                .send()
                .await
                .expect("request");
            problem(resp, 403, "forbidden").await;
        }
    }

    // A reason is required, 1–500 characters.
    for body in [
        json!({}),
        json!({"reason": null}),
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": "x".repeat(501)}),
        json!({"reason": "bell\u{7}"}),
    ] {
        let resp = post(app, &suspend, &m.admin, body.clone()).await;
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), vec!["reason"], "{body}");
    }
    let resp = post(app, &suspend, &m.admin, json!({"reason": 5})).await;
    problem(resp, 400, "invalid_body").await;
    let resp = post(app, &suspend, &m.admin, json!({"reason": "ok", "days": 3})).await;
    problem(resp, 400, "invalid_body").await;
    // 500 characters are enough.
    let resp = post(app, &suspend, &m.admin, json!({"reason": "é".repeat(500)})).await;
    assert_eq!(resp.status(), 200);

    // Only promoters: an advertiser's or an admin's id, or no one's, is not found.
    for id in [m.adv.id, m.admin.id, 999_999] {
        let resp = post(
            app,
            &format!("/v1/admin/promoters/{id}/suspend"),
            &m.admin,
            json!({"reason": "spam"}),
        )
        .await;
        problem(resp, 404, "not_found").await;
        let resp = app
            .get(&format!("/v1/admin/promoters/{id}/suspensions"))
            .bearer_auth(&m.admin.token)
            .send()
            .await
            .expect("request");
        problem(resp, 404, "not_found").await;
    }
    let resp = app
        .get(&format!(
            "/v1/admin/promoters/{}/suspensions?cursor=garbage",
            pat.id
        ))
        .bearer_auth(&m.admin.token)
        .send()
        .await
        .expect("request");
    let p = problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&p), vec!["cursor"]);
}
