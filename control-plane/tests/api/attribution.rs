//! Attribution (DESIGN §7): every conversion ends in its documented state, payouts are exact,
//! and the advertiser's review and reversals are audited.

use redis::AsyncCommands as _;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{Options, problem};
use crate::tracking::{Click, Conversion, Market, at, market, market_with};

impl Market {
    async fn conversion(&self, token: &str, id: Uuid) -> Value {
        let resp = self
            .app
            .get(&format!("/v1/conversions/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get conversion");
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("json")
    }

    /// Sends a click and a conversion `after` it; returns the conversion.
    async fn convert(&self, click: &Click, conversion: Conversion) -> Conversion {
        self.app.ingest(&[click.event(), conversion.event()]).await;
        conversion
    }
}

#[tokio::test]
async fn a_conversion_before_its_click_waits_and_is_attributed_when_it_lands() {
    let m = market(json!({})).await;
    let t0 = OffsetDateTime::now_utc() - Duration::hours(1);
    let mut click = Click::new(m.offer, m.promoter.id, t0);
    click.sub1 = Some("spring-campaign".to_owned());
    let conv =
        Conversion::new(m.advertiser_id(), click.id, t0 + Duration::minutes(10)).txid("ORD-1");

    m.app.ingest(&[conv.event()]).await;
    let waiting = m.conversion(&m.adv.token, conv.id).await;
    assert_eq!(waiting["status"], "pending");
    assert_eq!(waiting["offer_id"], Value::Null);
    // Not the promoter's yet: nothing ties it to them.
    let resp = m
        .app
        .get(&format!("/v1/conversions/{}", conv.id))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;

    // The click arrives through the stream, as from a native edge.
    let mut redis = m.app.redis().await;
    let _: String = redis
        .xadd(
            &m.app.settings.event_stream,
            "*",
            &[("event", click.event().to_string())],
        )
        .await
        .expect("xadd");
    m.app
        .eventually(
            &format!(
                "SELECT count(*) FROM conversions WHERE id = '{}' AND status = 'approved'",
                conv.id
            ),
            1,
        )
        .await;
    let done = m.conversion(&m.promoter.token, conv.id).await;
    assert_eq!(done["status"], "approved");
    assert_eq!(done["offer_id"], m.offer);
    assert_eq!(done["promoter_id"], m.promoter.id);
    assert_eq!(done["payout"], "12.50");
    assert_eq!(done["payout_currency"], "USD");
    assert_eq!(done["sub1"], "spring-campaign");
    assert_eq!(done["country"], "US");
    assert_eq!(done["txid"], "ORD-1");
}

#[tokio::test]
async fn each_rule_ends_in_its_documented_state() {
    let m = market(json!({"attribution_window_hours": 24})).await;
    let adv = m.advertiser_id();
    let t = OffsetDateTime::now_utc() - Duration::days(3);
    // A visitor per click: one visitor's clicks a second apart would be a click flood.
    let click = |secs: i64| {
        let mut c = Click::new(m.offer, m.promoter.id, t + Duration::seconds(secs));
        c.ip = format!("198.51.100.{}", secs % 250);
        c
    };

    // The window is inclusive: exactly 24 h after the click is in, a millisecond more is out,
    // and a conversion before its click is out.
    let c1 = click(1);
    let at_edge = m
        .convert(
            &c1,
            Conversion::new(adv, c1.id, c1.ts + Duration::hours(24)),
        )
        .await;
    let c2 = click(2);
    let late = m
        .convert(
            &c2,
            Conversion::new(
                adv,
                c2.id,
                c2.ts + Duration::hours(24) + Duration::milliseconds(1),
            ),
        )
        .await;
    let c3 = click(3);
    let early = m
        .convert(
            &c3,
            Conversion::new(adv, c3.id, c3.ts - Duration::seconds(1)),
        )
        .await;
    assert_eq!(m.app.status_of(at_edge.id).await, "approved");
    assert_eq!(m.app.status_of(late.id).await, "out_of_window");
    // Before its click is sooner than any minimum click-to-conversion time: the fraud step
    // (DESIGN §11) comes before the window's.
    assert_eq!(m.app.status_of(early.id).await, "rejected_fraud");

    // One conversion per (offer, txid), even on another click.
    let c4 = click(4);
    let c5 = click(5);
    let first = m
        .convert(
            &c4,
            Conversion::new(adv, c4.id, c4.ts + Duration::minutes(1)).txid("TX-1"),
        )
        .await;
    let again = m
        .convert(
            &c5,
            Conversion::new(adv, c5.id, c5.ts + Duration::minutes(2)).txid("TX-1"),
        )
        .await;
    assert_eq!(m.app.status_of(first.id).await, "approved");
    assert_eq!(m.app.status_of(again.id).await, "duplicate");
    // Without a txid: one per click and event.
    let c6 = click(6);
    let plain = m
        .convert(
            &c6,
            Conversion::new(adv, c6.id, c6.ts + Duration::minutes(1)),
        )
        .await;
    let plain_again = Conversion::new(adv, c6.id, c6.ts + Duration::minutes(2));
    let mut lead = Conversion::new(adv, c6.id, c6.ts + Duration::minutes(3));
    lead.event = "lead".to_owned();
    m.app.ingest(&[plain_again.event(), lead.event()]).await;
    assert_eq!(m.app.status_of(plain.id).await, "approved");
    assert_eq!(m.app.status_of(plain_again.id).await, "duplicate");
    assert_eq!(m.app.status_of(lead.id).await, "approved");

    // Decided in conversion-time order: an earlier conversion arriving late takes its txid
    // back, and the one that held it becomes the duplicate, with an audit record.
    let c7 = click(7);
    let later = m
        .convert(
            &c7,
            Conversion::new(adv, c7.id, c7.ts + Duration::hours(2)).txid("TX-2"),
        )
        .await;
    let c8 = click(8);
    let earlier = m
        .convert(
            &c8,
            Conversion::new(adv, c8.id, c8.ts + Duration::hours(1)).txid("TX-2"),
        )
        .await;
    assert_eq!(m.app.status_of(earlier.id).await, "approved");
    assert_eq!(m.app.status_of(later.id).await, "duplicate");
    let audit: Value = m
        .app
        .get_json(&format!("/v1/conversions/{}/audit", later.id), &m.adv.token)
        .await;
    assert_eq!(audit["data"][0]["from_status"], "approved", "{audit}");
    assert_eq!(audit["data"][0]["to_status"], "duplicate");
    assert_eq!(audit["data"][0]["actor_id"], Value::Null);

    // Another advertiser's postback key cannot claim this offer's click.
    let globex = m.app.advertiser("globex").await;
    let c9 = click(9);
    let foreign = m
        .convert(
            &c9,
            Conversion::new(
                globex.advertiser_id.expect("advertiser"),
                c9.id,
                c9.ts + Duration::minutes(1),
            ),
        )
        .await;
    assert_eq!(
        m.app.status_of(foreign.id).await,
        "rejected_advertiser_mismatch"
    );
    // Recorded where its sender sees it, not where acme does.
    assert_eq!(
        m.conversion(&globex.token, foreign.id).await["status"],
        "rejected_advertiser_mismatch"
    );
    let resp = m
        .app
        .get(&format!("/v1/conversions/{}", foreign.id))
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;

    // Only the approved ones count: at_edge, first, plain, lead, earlier.
    let counted: i64 = sqlx::query_scalar("SELECT sum(conversions)::bigint FROM stats_conversions")
        .fetch_one(&m.app.db)
        .await
        .expect("sum");
    assert_eq!(counted, 5);
    let payout: rust_decimal::Decimal =
        sqlx::query_scalar("SELECT sum(payout) FROM stats_conversions")
            .fetch_one(&m.app.db)
            .await
            .expect("sum");
    assert_eq!(payout, rust_decimal::Decimal::new(6250, 2));
}

#[tokio::test]
async fn a_conversion_whose_click_never_comes_is_kept_as_unknown_click() {
    // The wait leaves room to see the conversion pending on a loaded machine (with 1 s, the
    // sweeper could finish it before the first look).
    let m = market_with(
        Options {
            attribution_wait_secs: 4,
            ..Options::default()
        },
        json!({}),
    )
    .await;
    let conv = Conversion::new(m.advertiser_id(), Uuid::now_v7(), OffsetDateTime::now_utc());
    m.app.ingest(&[conv.event()]).await;
    assert_eq!(m.app.status_of(conv.id).await, "pending");
    m.app
        .eventually(
            "SELECT count(*) FROM conversions WHERE status = 'unknown_click'",
            1,
        )
        .await;
    let kept = m.conversion(&m.adv.token, conv.id).await;
    assert_eq!(kept["status"], "unknown_click");
    assert_eq!(kept["click_id"], json!(conv.click_id));
    // A click arriving after the wait changes nothing.
    let click = Click::with_id(m.offer, m.promoter.id, conv.click_id);
    m.app.ingest(&[click.event()]).await;
    assert_eq!(
        m.app.ingest(&[click.event()]).await["duplicates"],
        1,
        "the click is stored"
    );
    assert_eq!(m.app.status_of(conv.id).await, "unknown_click");
}

#[tokio::test]
async fn caps_are_taken_in_conversion_time_order_and_over_cap_is_kept() {
    let m = market(json!({"daily_cap": 2, "total_cap": 3, "attribution_window_hours": 720})).await;
    let adv = m.advertiser_id();
    let day1 = at("2026-11-20T10:00:00Z");
    let day2 = at("2026-11-21T10:00:00Z");
    let mut convert_at = Vec::new();
    for ts in [
        day1,
        day1 + Duration::hours(1),
        day1 + Duration::hours(2),
        day2,
        day2 + Duration::hours(1),
    ] {
        let click = Click::new(m.offer, m.promoter.id, ts - Duration::minutes(5));
        convert_at.push(m.convert(&click, Conversion::new(adv, click.id, ts)).await);
    }
    let statuses = |list: &[Conversion]| {
        let list = list.to_vec();
        let app = &m.app;
        async move {
            let mut out = Vec::new();
            for c in &list {
                out.push(app.status_of(c.id).await);
            }
            out
        }
    };
    assert_eq!(
        statuses(&convert_at).await,
        ["approved", "approved", "over_cap", "approved", "over_cap"]
    );

    // An earlier conversion of day 1 arrives late: it takes day 1's second slot, whose holder
    // is now over the daily cap; the total cap still holds three.
    let click = Click::new(m.offer, m.promoter.id, day1 - Duration::hours(1));
    let early = m
        .convert(
            &click,
            Conversion::new(adv, click.id, day1 - Duration::minutes(30)),
        )
        .await;
    assert_eq!(m.app.status_of(early.id).await, "approved");
    assert_eq!(
        statuses(&convert_at).await,
        ["approved", "over_cap", "over_cap", "approved", "over_cap"]
    );
    let approved: i64 =
        sqlx::query_scalar("SELECT sum(conversions)::bigint FROM stats_conversions")
            .fetch_one(&m.app.db)
            .await
            .expect("sum");
    assert_eq!(approved, 3, "the rollup follows the demotion");
    // A demoted conversion keeps no payout: the list is what time order gives, whatever
    // order the conversions arrived in.
    let paid: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT status, payout::text FROM conversions ORDER BY ts, id")
            .fetch_all(&m.app.db)
            .await
            .expect("payouts");
    for (status, payout) in &paid {
        assert_eq!(
            payout.is_some(),
            status == "approved",
            "{status} with payout {payout:?}: {paid:?}"
        );
    }
}

#[tokio::test]
async fn payouts_are_exact_to_the_cent() {
    let m = market(json!({
        "payout_model": "revshare", "payout_amount": null, "payout_percent": "10",
    }))
    .await;
    let adv = m.advertiser_id();
    let t = OffsetDateTime::now_utc() - Duration::hours(2);
    let mut expected = Vec::new();
    for (i, (amount, currency, payout)) in [
        ("0.25", "USD", "0.02"),  // 0.025: half to even, down
        ("0.35", "USD", "0.04"),  // 0.035: half to even, up
        ("19.99", "USD", "2.00"), // 1.999
        ("0.125", "USD", "0.01"), // 0.0125
        ("1234.5678", "EUR", "123.46"),
        ("1.2345", "KWD", "0.1234"), // 0.12345, four places for a three-decimal currency
    ]
    .into_iter()
    .enumerate()
    {
        let mut click = Click::new(m.offer, m.promoter.id, t + Duration::seconds(i as i64));
        // A visitor each: six clicks of one visitor within a minute would be a click flood.
        click.ip = format!("198.51.100.{}", 10 + i);
        let conv = m
            .convert(
                &click,
                Conversion::new(adv, click.id, click.ts + Duration::minutes(1))
                    .txid(&format!("O-{i}"))
                    .amount(amount, currency),
            )
            .await;
        expected.push((conv.id, payout, currency));
    }
    for (id, payout, currency) in expected {
        let c = m.conversion(&m.adv.token, id).await;
        assert_eq!(c["status"], "approved");
        assert_eq!(c["payout"], payout, "{c}");
        assert_eq!(c["payout_currency"], currency);
    }

    // CPA: the fixed amount, whatever the sale.
    let cpa = m
        .app
        .approved_offer(
            &m.adv,
            &m.admin,
            json!({"payout_amount": "7.35", "currency": "EUR"}),
        )
        .await;
    let click = Click::new(cpa, m.promoter.id, t);
    let conv = m
        .convert(
            &click,
            Conversion::new(adv, click.id, t + Duration::minutes(1)).amount("999.99", "USD"),
        )
        .await;
    let c = m.conversion(&m.adv.token, conv.id).await;
    assert_eq!(
        (c["payout"].as_str(), c["payout_currency"].as_str()),
        (Some("7.35"), Some("EUR"))
    );
    assert_eq!(c["amount"], "999.99");

    // The totals add up exactly per currency.
    let today = OffsetDateTime::now_utc().date();
    let from = (today - Duration::days(1)).to_string();
    let stats: Value = m
        .app
        .get_json(&format!("/v1/stats?from={from}&to={today}"), &m.adv.token)
        .await;
    assert_eq!(
        stats["totals"]["payout"],
        json!({"USD": "2.07", "EUR": "130.81", "KWD": "0.1234"}),
        "{stats}"
    );
    assert_eq!(
        stats["totals"]["revenue"],
        json!({"USD": "1020.705", "EUR": "1234.5678", "KWD": "1.2345"}),
        "{stats}"
    );
}

#[tokio::test]
async fn held_conversions_are_reviewed_and_approved_ones_reversed_with_an_audit_trail() {
    let m = market(json!({"hold_conversions": true})).await;
    let adv = m.advertiser_id();
    let t = crate::tracking::earlier_today(Duration::minutes(30));
    let c1 = Click::new(m.offer, m.promoter.id, t);
    let c2 = Click::new(m.offer, m.promoter.id, t + Duration::seconds(1));
    let held = m
        .convert(
            &c1,
            Conversion::new(adv, c1.id, t + Duration::minutes(1)).txid("H-1"),
        )
        .await;
    let refused = m
        .convert(
            &c2,
            Conversion::new(adv, c2.id, t + Duration::minutes(2)).txid("H-2"),
        )
        .await;
    assert_eq!(m.app.status_of(held.id).await, "pending_review");
    // A held conversion keeps its txid: a copy is a duplicate.
    let copy = Conversion::new(adv, c2.id, t + Duration::minutes(3)).txid("H-1");
    m.app.ingest(&[copy.event()]).await;
    assert_eq!(m.app.status_of(copy.id).await, "duplicate");

    let act = |id: Uuid, action: &'static str, token: String, body: Option<Value>| {
        let app = &m.app;
        async move {
            let mut req = app
                .post(&format!("/v1/conversions/{id}/{action}"))
                .bearer_auth(token);
            if let Some(body) = body {
                req = req.json(&body);
            }
            req.send().await.expect("request")
        }
    };
    let live = || async {
        m.app.settled().await;
        let v: Value = m.app.get_json("/v1/stats/live", &m.adv.token).await;
        v["conversions"].as_i64().unwrap_or(-1)
    };
    assert_eq!(live().await, 0, "held conversions are not counted yet");

    // Only the offer's advertiser decides; the promoter may not, another advertiser sees nothing.
    problem(
        act(held.id, "approve", m.promoter.token.clone(), None).await,
        403,
        "forbidden",
    )
    .await;
    let globex = m.app.advertiser("globex").await;
    problem(
        act(held.id, "approve", globex.token.clone(), None).await,
        404,
        "not_found",
    )
    .await;
    // Held ones are approved or rejected, not reversed.
    problem(
        act(held.id, "reverse", m.adv.token.clone(), None).await,
        409,
        "illegal_transition",
    )
    .await;

    let resp = act(held.id, "approve", m.adv.token.clone(), None).await;
    assert_eq!(resp.status(), 200);
    let approved: Value = resp.json().await.expect("json");
    assert_eq!(approved["status"], "approved");
    assert_eq!(live().await, 1);
    let resp = act(
        refused.id,
        "reject",
        m.adv.token.clone(),
        Some(json!({"reason": "test order"})),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(m.app.status_of(refused.id).await, "rejected");
    problem(
        act(refused.id, "approve", m.adv.token.clone(), None).await,
        409,
        "illegal_transition",
    )
    .await;

    // Reversal (a refund): it leaves the stats and the live counters.
    let resp = act(
        held.id,
        "reverse",
        m.adv.token.clone(),
        Some(json!({"reason": "refunded"})),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(m.app.status_of(held.id).await, "reversed");
    assert_eq!(live().await, 0);
    let counted: i64 = sqlx::query_scalar("SELECT sum(conversions)::bigint FROM stats_conversions")
        .fetch_one(&m.app.db)
        .await
        .expect("sum");
    assert_eq!(counted, 0);
    problem(
        act(held.id, "reverse", m.adv.token.clone(), None).await,
        409,
        "illegal_transition",
    )
    .await;
    // Bad reasons are refused before anything changes.
    problem(
        act(
            refused.id,
            "reverse",
            m.adv.token.clone(),
            Some(json!({"reason": "x".repeat(1001)})),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    problem(
        act(
            refused.id,
            "reverse",
            m.adv.token.clone(),
            Some(json!({"why": 1})),
        )
        .await,
        400,
        "invalid_body",
    )
    .await;

    let audit: Value = m
        .app
        .get_json(
            &format!("/v1/conversions/{}/audit", held.id),
            &m.promoter.token,
        )
        .await;
    let trail: Vec<(String, String, Value, Value)> = audit["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["from_status"].as_str().unwrap_or("").to_owned(),
                e["to_status"].as_str().unwrap_or("").to_owned(),
                e["actor_id"].clone(),
                e["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        vec![
            (
                "pending_review".to_owned(),
                "approved".to_owned(),
                json!(m.adv.id),
                Value::Null
            ),
            (
                "approved".to_owned(),
                "reversed".to_owned(),
                json!(m.adv.id),
                json!("refunded")
            ),
        ]
    );
}

#[tokio::test]
async fn a_freed_slot_goes_to_the_conversion_that_should_have_had_it() {
    // With a daily cap of one: H (day 2, txid T) takes day 2's slot, Z (day 2, later) is over
    // the cap. Then C (day 1, txid T) arrives: H becomes its duplicate, and day 2's slot goes
    // to Z, as if all three had arrived in time order.
    let m = market(json!({"daily_cap": 1, "attribution_window_hours": 720})).await;
    let adv = m.advertiser_id();
    let day1 = at("2026-11-20T10:00:00Z");
    let day2 = at("2026-11-21T10:00:00Z");
    let ch = Click::new(m.offer, m.promoter.id, day2 - Duration::minutes(5));
    let h = m
        .convert(&ch, Conversion::new(adv, ch.id, day2).txid("T"))
        .await;
    let cz = Click::new(m.offer, m.promoter.id, day2);
    let z = m
        .convert(
            &cz,
            Conversion::new(adv, cz.id, day2 + Duration::hours(1)).txid("Z"),
        )
        .await;
    assert_eq!(m.app.status_of(h.id).await, "approved");
    assert_eq!(m.app.status_of(z.id).await, "over_cap");
    let cc = Click::new(m.offer, m.promoter.id, day1 - Duration::minutes(5));
    let c = m
        .convert(&cc, Conversion::new(adv, cc.id, day1).txid("T"))
        .await;
    assert_eq!(m.app.status_of(c.id).await, "approved");
    assert_eq!(m.app.status_of(h.id).await, "duplicate");
    assert_eq!(m.app.status_of(z.id).await, "approved");
    let promoted = m.conversion(&m.adv.token, z.id).await;
    assert_eq!(promoted["payout"], "12.50");
    let audit: Value = m
        .app
        .get_json(&format!("/v1/conversions/{}/audit", z.id), &m.adv.token)
        .await;
    assert_eq!(audit["data"][0]["from_status"], "over_cap", "{audit}");
    assert_eq!(audit["data"][0]["to_status"], "approved");
    let (conversions, payout): (i64, rust_decimal::Decimal) =
        sqlx::query_as("SELECT sum(conversions)::bigint, sum(payout) FROM stats_conversions")
            .fetch_one(&m.app.db)
            .await
            .expect("sums");
    assert_eq!(
        (conversions, payout),
        (2, rust_decimal::Decimal::new(2500, 2))
    );
}

#[tokio::test]
async fn a_conversion_on_another_advertisers_click_reveals_nothing_of_the_click() {
    let m = market(json!({})).await;
    let globex = m.app.advertiser("globex").await;
    let mut click = Click::new(
        m.offer,
        m.promoter.id,
        OffsetDateTime::now_utc() - Duration::hours(1),
    );
    click.sub1 = Some("secret-campaign".to_owned());
    let conv = Conversion::new(
        globex.advertiser_id.expect("advertiser"),
        click.id,
        OffsetDateTime::now_utc() - Duration::minutes(30),
    );
    m.app.ingest(&[click.event(), conv.event()]).await;
    let seen = m.conversion(&globex.token, conv.id).await;
    assert_eq!(seen["status"], "rejected_advertiser_mismatch");
    for field in ["offer_id", "promoter_id", "country", "sub1", "payout"] {
        assert_eq!(seen[field], Value::Null, "{field}: {seen}");
    }
    // Not the promoter's either: it is not attributed to them.
    let resp = m
        .app
        .get(&format!("/v1/conversions/{}", conv.id))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn the_largest_amounts_add_up_exactly() {
    let m = market(json!({
        "payout_model": "revshare", "payout_amount": null, "payout_percent": "100",
    }))
    .await;
    let adv = m.advertiser_id();
    let t = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT) + Duration::minutes(1);
    let mut events = Vec::new();
    for i in 0..3 {
        let click = Click::new(m.offer, m.promoter.id, t + Duration::seconds(i));
        let conv = Conversion::new(adv, click.id, t + Duration::seconds(i + 10))
            .txid(&format!("BIG-{i}"))
            .amount("999999999999999.9999", "USD");
        events.extend([click.event(), conv.event()]);
    }
    m.app.ingest(&events).await;
    let approved: i64 =
        sqlx::query_scalar("SELECT count(*) FROM conversions WHERE status = 'approved'")
            .fetch_one(&m.app.db)
            .await
            .expect("count");
    assert_eq!(approved, 3, "one 15-minute bucket holds all three");
    let day = t.date().to_string();
    let stats: Value = m
        .app
        .get_json(&format!("/v1/stats?from={day}&to={day}"), &m.adv.token)
        .await;
    assert_eq!(
        stats["totals"]["revenue"]["USD"], "2999999999999999.9997",
        "{stats}"
    );
    assert_eq!(
        stats["totals"]["payout"]["USD"], "3000000000000000.00",
        "{stats}"
    );
}

#[tokio::test]
async fn an_attribution_interrupted_by_a_crash_is_finished_by_the_sweeper() {
    // A short wait makes the sweeper run every 2 s; a conversion whose click is stored is
    // attributed, not expired as unknown_click.
    let m = market_with(
        Options {
            attribution_wait_secs: 8,
            ..Options::default()
        },
        json!({}),
    )
    .await;
    let click = Click::new(
        m.offer,
        m.promoter.id,
        OffsetDateTime::now_utc() - Duration::minutes(3),
    );
    m.app.ingest(&[click.event()]).await;
    // Stored, but the process stopped before attributing it (and no redelivery came).
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO conversions (id, ts, advertiser_id, click_id, event, edge, source)
         VALUES ($1, now(), $2, $3, 'conversion', 'native:test', 'postback')",
    )
    .bind(id)
    .bind(m.advertiser_id())
    .bind(click.id)
    .execute(&m.app.db)
    .await
    .expect("insert");
    m.app
        .eventually(
            &format!("SELECT count(*) FROM conversions WHERE id = '{id}' AND status = 'approved'"),
            1,
        )
        .await;
    let counted: i64 = sqlx::query_scalar("SELECT sum(conversions)::bigint FROM stats_conversions")
        .fetch_one(&m.app.db)
        .await
        .expect("sum");
    assert_eq!(counted, 1);
}
