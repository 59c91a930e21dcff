//! Domain events: every change records its event in the transaction that makes it, and the
//! live counters (their first consumer) apply each event once, retrying what fails.

use redis::AsyncCommands as _;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::tracking::{Click, Conversion, market};

async fn kinds(db: &sqlx::PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM domain_events ORDER BY tx_id, id")
        .fetch_all(db)
        .await
        .expect("kinds")
}

#[tokio::test]
async fn every_change_records_its_domain_event() {
    let m = market(json!({})).await;
    let app = &m.app;
    // The offer went draft → pending_review → approved.
    let offers: Vec<Value> = sqlx::query_scalar(
        "SELECT payload FROM domain_events WHERE kind = 'offer.status_changed' ORDER BY tx_id, id",
    )
    .fetch_all(&app.db)
    .await
    .expect("events");
    let steps: Vec<(&str, &str)> = offers
        .iter()
        .map(|p| {
            (
                p["from"].as_str().unwrap_or(""),
                p["to"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [("draft", "pending_review"), ("pending_review", "approved")]
    );
    assert_eq!(offers[1]["offer_id"], m.offer);
    assert_eq!(offers[1]["advertiser_id"], m.advertiser_id());

    // A promoter joins.
    app.signing_key(true).await;
    let resp = app
        .post(&format!("/v1/marketplace/offers/{}/join", m.offer))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("join");
    assert!(resp.status().is_success(), "{}", resp.status());

    // Keys.
    let key: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&m.adv.token)
        .json(&json!({"name": "server", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let key_id = key["id"].as_str().expect("id").to_owned();
    let resp = app
        .post(&format!("/v1/api-keys/{key_id}/rotate"))
        .bearer_auth(&m.adv.token)
        .json(&json!({}))
        .send()
        .await
        .expect("rotate");
    assert!(resp.status().is_success(), "{}", resp.status());
    let resp = app
        .delete(&format!("/v1/api-keys/{key_id}"))
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("revoke");
    assert!(resp.status().is_success(), "{}", resp.status());
    let pbk: Value = app
        .post("/v1/postback-keys")
        .bearer_auth(&m.adv.token)
        .json(&json!({"name": "shop"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let resp = app
        .delete(&format!(
            "/v1/postback-keys/{}",
            pbk["id"].as_str().expect("id")
        ))
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("revoke");
    assert!(resp.status().is_success(), "{}", resp.status());

    // A click and its conversion, then the advertiser reverses it.
    let t = OffsetDateTime::now_utc() - Duration::minutes(10);
    let click = Click::new(m.offer, m.promoter.id, t);
    let conv = Conversion::new(m.advertiser_id(), click.id, t + Duration::minutes(1)).txid("T-1");
    app.ingest(&[click.event(), conv.event()]).await;
    let resp = app
        .post(&format!("/v1/conversions/{}/reverse", conv.id))
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("reverse");
    assert_eq!(resp.status(), 200);

    assert_eq!(
        kinds(&app.db).await,
        [
            "offer.status_changed",
            "offer.status_changed",
            "promoter.joined",
            "api_key.created",
            "api_key.rotated",
            "api_key.revoked",
            "postback_key.created",
            "postback_key.revoked",
            "click.stored",
            "conversion.decided",
            "conversion.reversed",
        ]
    );
    let payloads: Vec<Value> = sqlx::query_scalar(
        "SELECT payload FROM domain_events WHERE kind IN ('click.stored', 'conversion.decided', 'conversion.reversed') ORDER BY tx_id, id",
    )
    .fetch_all(&app.db)
    .await
    .expect("payloads");
    let day = t.to_offset(time::UtcOffset::UTC).date().to_string();
    assert_eq!(
        payloads[0],
        json!({"counts": [{"offer_id": m.offer, "promoter_id": m.promoter.id,
            "advertiser_id": m.advertiser_id(), "day": day, "clicks": 1, "unique_clicks": 1,
            "filtered_clicks": 0}]})
    );
    let decided = &payloads[1];
    assert_eq!(
        (
            &decided["from"],
            &decided["to"],
            &decided["txid"],
            &decided["payout"]
        ),
        (
            &json!("pending"),
            &json!("approved"),
            &json!("T-1"),
            &json!({"amount": "12.50", "currency": "USD"})
        ),
        "{decided}"
    );
    let reversed = &payloads[2];
    assert_eq!(
        (&reversed["from"], &reversed["to"], &reversed["actor_id"]),
        (&json!("approved"), &json!("reversed"), &json!(m.adv.id)),
        "{reversed}"
    );
}

async fn live(m: &crate::tracking::Market) -> (i64, i64) {
    m.app.settled().await;
    let v: Value = m.app.get_json("/v1/stats/live", &m.admin.token).await;
    (
        v["clicks"].as_i64().unwrap_or(-1),
        v["conversions"].as_i64().unwrap_or(-1),
    )
}

#[tokio::test]
async fn live_counters_apply_each_event_once_and_catch_up_after_a_failure() {
    let m = market(json!({})).await;
    let now = OffsetDateTime::now_utc();
    let t = (now - Duration::minutes(2)).max(now.replace_time(time::Time::MIDNIGHT));
    let click = Click::new(m.offer, m.promoter.id, t);
    let conv = Conversion::new(m.advertiser_id(), click.id, t + Duration::seconds(30));
    m.app.ingest(&[click.event(), conv.event()]).await;
    assert_eq!(live(&m).await, (1, 1));

    // The consumer's Postgres position is lost (as if its transaction had not committed
    // after Redis was updated): the same events are handled again, and counted once.
    sqlx::query("UPDATE event_cursors SET tx_id = '0', event_id = 0")
        .execute(&m.app.db)
        .await
        .expect("rewind");
    assert_eq!(live(&m).await, (1, 1), "handled again, counted once");

    // Redis refuses the consumer (its position key holds the wrong type): the events wait.
    let position = format!("{}live:position", m.app.settings.redis_key_prefix);
    let mut redis = m.app.redis().await;
    let _: () = redis.del(&position).await.expect("del");
    let _: () = redis.hset(&position, "x", "y").await.expect("hset");
    let later = Click::new(m.offer, m.promoter.id, t + Duration::seconds(40));
    m.app.ingest(&[later.event()]).await;
    // Long enough for the consumer to have tried (it polls every 100 ms and backs off after
    // a failure): the click is stored but not counted live, and its event is still there.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let v: Value = m.app.get_json("/v1/stats/live", &m.admin.token).await;
    assert_eq!(v["clicks"], 1, "{v}");
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM domain_events e JOIN event_cursors c ON (c.tx_id, c.event_id) < (e.tx_id, e.id)",
    )
    .fetch_one(&m.app.db)
    .await
    .expect("count");
    assert_eq!(waiting, 1, "the click's event waits for the consumer");

    // Redis is usable again: the consumer catches up (after its back-off), losing nothing.
    let _: () = redis.del(&position).await.expect("del");
    assert_eq!(live(&m).await, (2, 1));
}
