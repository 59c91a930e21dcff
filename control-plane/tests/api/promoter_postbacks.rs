//! Promoter postbacks (DESIGN §12): a promoter's URL template fired with GET on approved
//! conversions (and reversals when asked), macros percent-encoded; the offer's own postback
//! wins over the one for all offers; a test send; tenancy and errors.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{fields, problem};
use crate::receiver::{Hit, Receiver};
use crate::tracking::market;
use crate::webhooks::{approved_conversion, join};

fn query(hit: &Hit) -> Vec<(String, String)> {
    hit.uri
        .query()
        .unwrap_or_default()
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn postbacks_fire_on_approval_and_reversal_with_encoded_macros() {
    let m = market(json!({})).await;
    let app = &m.app;
    let rx = Receiver::start().await;
    join(app, &m.promoter, m.offer).await;

    let template = format!(
        "{}?cid={{click_id}}&s1={{sub1}}&s2={{sub2}}&p={{payout}}&c={{currency}}&o={{offer_id}}&st={{status}}&tx={{txid}}&keep={{unknown}}",
        rx.url("/offer")
    );
    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": template, "offer_id": m.offer, "on_reversal": true}))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let created: Value = resp.json().await.expect("json");
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["url"], template);
    let offer_pb = created["id"].as_i64().expect("id");
    // One for all offers: the offer's own wins, so this one stays silent here.
    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": rx.url("/all?cid={click_id}")}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": rx.url("/again")}))
        .send()
        .await
        .expect("request");
    problem(resp, 409, "postback_exists").await;

    let conversion = approved_conversion(&m, Some("a b&c=d/é"), "T 1").await;
    let hit = rx.wait_for("/offer", 1).await.remove(0);
    assert_eq!(hit.method, "GET");
    assert_eq!(
        query(&hit),
        vec![
            ("cid".into(), conversion.click_id.to_string()),
            ("s1".into(), "a%20b%26c%3Dd%2F%C3%A9".into()),
            ("s2".into(), String::new()),
            ("p".into(), "12.50".into()),
            ("c".into(), "USD".into()),
            ("o".into(), m.offer.to_string()),
            ("st".into(), "approved".into()),
            ("tx".into(), "T%201".into()),
            ("keep".into(), "{unknown}".into()),
        ]
    );
    let resp = app
        .post(&format!("/v1/conversions/{}/reverse", conversion.id))
        .bearer_auth(&m.adv.token)
        .json(&json!({"reason": "refunded"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let hits = rx.wait_for("/offer", 2).await;
    assert!(query(&hits[1]).contains(&("st".into(), "reversed".into())));
    assert!(query(&hits[1]).contains(&("p".into(), "12.50".into())));
    m.app.settled().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.hits("/all").is_empty(), "the offer's own postback wins");
    assert_eq!(rx.hits("/offer").len(), 2);

    // The delivery log.
    let log = app
        .get_json(
            &format!("/v1/promoter-postbacks/{offer_pb}/messages"),
            &m.promoter.token,
        )
        .await;
    let types: Vec<&str> = log["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|d| d["event_type"].as_str())
        .collect();
    assert_eq!(types, vec!["conversion.reversed", "conversion.approved"]);
    assert_eq!(log["data"][0]["status"], "delivered");

    // A test send fills test values.
    let resp = app
        .post(&format!("/v1/promoter-postbacks/{offer_pb}/test"))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 202);
    let hits = rx.wait_for("/offer", 3).await;
    let q = query(&hits[2]);
    assert!(q.contains(&("st".into(), "test".into())));
    assert!(q.contains(&("s1".into(), "test".into())));
    assert!(q.contains(&("o".into(), m.offer.to_string())));
}

#[tokio::test]
async fn postbacks_belong_to_promoters() {
    let m = market(json!({})).await;
    let app = &m.app;
    let rx = Receiver::start().await;
    let other = app.promoter("other").await;

    // Advertisers have none; an offer not joined is refused; bad templates are refused.
    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.adv.token)
        .json(&json!({"url": rx.url("/x")}))
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = app
        .get("/v1/promoter-postbacks")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": rx.url("/x"), "offer_id": m.offer}))
        .send()
        .await
        .expect("request");
    let p = problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&p), vec!["offer_id"]);
    for bad in [
        "ftp://x.example/{click_id}",
        "",
        "http://10.1.2.3/pb?c={click_id}",
    ] {
        let resp = app
            .post("/v1/promoter-postbacks")
            .bearer_auth(&m.promoter.token)
            .json(&json!({"url": bad}))
            .send()
            .await
            .expect("request");
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), vec!["url"], "{bad}");
    }
    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": rx.url("/x"), "extra": 1}))
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_body").await;

    let resp = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": rx.url("/mine?c={click_id}")}))
        .send()
        .await
        .expect("request");
    let mine: Value = resp.json().await.expect("json");
    let id = mine["id"].as_i64().expect("id");
    assert_eq!(mine["offer_id"], Value::Null);

    // Another promoter cannot see, change, test or delete it.
    for (method, path) in [
        ("GET", format!("/v1/promoter-postbacks/{id}")),
        ("PATCH", format!("/v1/promoter-postbacks/{id}")),
        ("DELETE", format!("/v1/promoter-postbacks/{id}")),
        ("POST", format!("/v1/promoter-postbacks/{id}/test")),
        ("GET", format!("/v1/promoter-postbacks/{id}/messages")),
    ] {
        let req = match method {
            "GET" => app.get(&path),
            "PATCH" => app.patch(&path).json(&json!({"on_reversal": true})),
            "DELETE" => app.delete(&path),
            _ => app.post(&path),
        };
        let resp = req.bearer_auth(&other.token).send().await.expect("request");
        problem(resp, 404, "not_found").await;
    }
    let theirs = app.get_json("/v1/promoter-postbacks", &other.token).await;
    assert_eq!(theirs["data"], json!([]));
    let all = app.get_json("/v1/promoter-postbacks", &m.admin.token).await;
    assert_eq!(
        all["data"].as_array().map(Vec::len),
        Some(1),
        "admins read every promoter's"
    );

    // Changed, disabled (a test send is refused), deleted.
    let resp = app
        .patch(&format!("/v1/promoter-postbacks/{id}"))
        .bearer_auth(&m.promoter.token)
        .json(&json!({"on_reversal": true, "enabled": false}))
        .send()
        .await
        .expect("request");
    let changed: Value = resp.json().await.expect("json");
    assert_eq!(changed["on_reversal"], true);
    assert_eq!(changed["enabled"], false);
    let resp = app
        .post(&format!("/v1/promoter-postbacks/{id}/test"))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 409, "endpoint_disabled").await;
    let resp = app
        .delete(&format!("/v1/promoter-postbacks/{id}"))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    // A postback's id is not a webhook endpoint's.
    let resp = app
        .get(&format!("/v1/webhooks/endpoints/{id}"))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn a_delete_that_meets_the_sender_settling_in_a_deadlock_runs_again() {
    let m = market(json!({})).await;
    let app = &m.app;
    let rx = Receiver::start().await;
    let created: Value = app
        .post("/v1/promoter-postbacks")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"url": rx.url("/x")}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let id = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an id in {created}"));
    sqlx::query(
        "INSERT INTO webhook_messages (id, endpoint_id, event_type, body, next_attempt_at)
         VALUES (gen_random_uuid(), $1, 'conversion.updated', 'https://example.com/',
                 now() + interval '1 hour')",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .expect("a message");
    // The sender settling an attempt: its message first, then its endpoint.
    let mut settling = app.db.begin().await.expect("begin");
    sqlx::query("UPDATE webhook_messages SET last_status = 500 WHERE endpoint_id = $1")
        .bind(id)
        .execute(&mut *settling)
        .await
        .expect("the message locked");
    let settle = async {
        // Once the delete waits on the message, the endpoint's update closes the circle.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let updated =
            sqlx::query("UPDATE webhook_endpoints SET failing_since = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *settling)
                .await;
        match updated {
            Ok(_) => settling.commit().await.expect("commit"),
            Err(_) => settling.rollback().await.expect("rollback"),
        }
    };
    let delete = async {
        app.delete(&format!("/v1/promoter-postbacks/{id}"))
            .bearer_auth(&m.promoter.token)
            .send()
            .await
            .expect("request")
    };
    let (resp, ()) = tokio::join!(delete, settle);
    assert_eq!(resp.status(), 204, "{:?}", resp.text().await);
    let left = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(left, 0);
}
