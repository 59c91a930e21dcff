//! Money in and out of the API (issue 12, item 10): amounts are written with their
//! currency's decimals everywhere (offers, conversions, stats, live counters) and read
//! exactly from a string or a JSON number.

use serde_json::{Value, json};
use time::Duration;

use crate::helpers::{fields, problem, spawn_app};
use crate::tracking::{Click, Conversion, market};

#[tokio::test]
async fn an_offers_payout_reads_back_with_its_cents() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let given = app
        .create_offer(&adv, json!({"payout_amount": "12.50"}))
        .await;
    assert_eq!(given["payout_amount"], "12.50", "{given}");
    let whole = app.create_offer(&adv, json!({"payout_amount": "3"})).await;
    assert_eq!(whole["payout_amount"], "3.00", "{whole}");
    let kwd = app
        .create_offer(&adv, json!({"payout_amount": "1.25", "currency": "KWD"}))
        .await;
    assert_eq!(
        kwd["payout_amount"], "1.2500",
        "four places for a three-decimal currency"
    );
}

#[tokio::test]
async fn amounts_and_percentages_may_be_json_numbers_read_exactly() {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let number = app.create_offer(&adv, json!({"payout_amount": 12.5})).await;
    assert_eq!(number["payout_amount"], "12.50", "{number}");
    let integer = app.create_offer(&adv, json!({"payout_amount": 7})).await;
    assert_eq!(integer["payout_amount"], "7.00", "{integer}");
    let share = app
        .create_offer(
            &adv,
            json!({"payout_model": "revshare", "payout_amount": null, "payout_percent": 7.5}),
        )
        .await;
    assert_eq!(share["payout_percent"], "7.5", "{share}");

    // A float that is not the decimal it looks like is refused, never rounded.
    let create = |body: Value| {
        let mut offer = json!({
            "name": "Spring sale", "category": "shopping",
            "url_template": "https://shop.example/?c={click_id}",
            "payout_model": "cpa", "currency": "USD",
        });
        if let (Some(o), Some(b)) = (offer.as_object_mut(), body.as_object()) {
            o.extend(b.clone());
        }
        app.post("/v1/offers")
            .bearer_auth(&adv.token)
            .json(&offer)
            .send()
    };
    let inexact = create(json!({"payout_amount": 0.1 + 0.2}))
        .await
        .expect("request");
    let body = problem(inexact, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["payout_amount"]);
    assert_eq!(
        body["errors"][0]["message"], "must have at most 2 decimals in USD",
        "{body}"
    );
    // The number's text arrives untouched: 0.1000000000000000000001 is not taken as 0.1.
    let long = app
        .post("/v1/offers")
        .bearer_auth(&adv.token)
        .header("content-type", "application/json")
        .body(
            r#"{"name": "x", "category": "shopping", "url_template": "https://shop.example/",
                "payout_model": "cpa", "currency": "USD", "payout_amount": 0.1000000000000000000001}"#,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(
        fields(&problem(long, 422, "validation_failed").await),
        ["payout_amount"]
    );
    for bad in [json!(1e300), json!(-1), json!("1e3"), json!("12,50")] {
        let resp = create(json!({"payout_amount": bad}))
            .await
            .expect("request");
        let body = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&body), ["payout_amount"], "{bad}: {body}");
    }
}

#[tokio::test]
async fn stats_and_live_counters_write_money_like_the_conversions() {
    let m = market(json!({"payout_amount": "2.50"})).await;
    let adv = m.advertiser_id();
    let t = crate::tracking::earlier_today(Duration::minutes(30));
    let mut events = Vec::new();
    for i in 0..2 {
        let click = Click::new(m.offer, m.promoter.id, t + Duration::seconds(i));
        let conv = Conversion::new(adv, click.id, t + Duration::seconds(i + 10))
            .txid(&format!("M-{i}"))
            .amount("10", "USD");
        events.extend([click.event(), conv.event()]);
    }
    m.app.ingest(&events).await;
    let list: Value = m.app.get_json("/v1/conversions", &m.adv.token).await;
    let conversions = list["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(conversions.len(), 2, "{list}");
    for c in &conversions {
        assert_eq!(
            (&c["payout"], &c["amount"]),
            (&json!("2.50"), &json!("10.00")),
            "{c}"
        );
    }
    let csv = m
        .app
        .get("/v1/conversions?format=csv")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        csv.contains(",10.00,USD,") && csv.contains(",2.50,USD,"),
        "{csv}"
    );

    let day = t.date();
    let stats: Value = m
        .app
        .get_json(
            &format!(
                "/v1/stats?from={}&to={}",
                day - Duration::days(1),
                day + Duration::days(1)
            ),
            &m.adv.token,
        )
        .await;
    let totals = &stats["totals"];
    assert_eq!(totals["payout"], json!({"USD": "5.00"}), "{stats}");
    assert_eq!(totals["revenue"], json!({"USD": "20.00"}), "{stats}");
    assert_eq!(totals["epc"], json!({"USD": "2.50"}), "{stats}");
    m.app.settled().await;
    let live: Value = m.app.get_json("/v1/stats/live", &m.adv.token).await;
    assert_eq!(live["payout"], json!({"USD": "5.00"}), "{live}");
    assert_eq!(live["revenue"], json!({"USD": "20.00"}), "{live}");
}
