//! Ingest (DESIGN §6): signed HTTP batches and the Redis Stream feed one path that stores each
//! event once, keeps unreadable ones aside and never loses an accepted one.

use redis::AsyncCommands as _;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{Options, problem, wait_until};
use crate::tracking::{Click, Conversion, batch_body, market, market_with, now_secs};

/// A moment a few minutes ago, but today (UTC): live counters are per UTC day.
fn recently() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    (now - Duration::minutes(5)).max(now.replace_time(time::Time::MIDNIGHT))
}

async fn count(db: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

#[tokio::test]
async fn duplicate_batches_and_events_change_nothing() {
    let m = market(json!({})).await;
    let t0 = recently();
    let first = Click::new(m.offer, m.promoter.id, t0);
    let mut second = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(1));
    second.ip = "203.0.113.10".to_owned();
    let mut bot = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(2));
    bot.verdict = "bot";
    let conv = Conversion::new(m.advertiser_id(), first.id, t0 + Duration::seconds(30)).txid("T-1");
    let events = vec![
        first.event(),
        second.event(),
        bot.event(),
        conv.event(),
        first.event(),
    ];

    let report = m.app.ingest(&events).await;
    assert_eq!(
        report,
        json!({"stored": 4, "duplicates": 1, "dead_lettered": 0})
    );
    let again = m.app.ingest(&events).await;
    assert_eq!(
        again,
        json!({"stored": 0, "duplicates": 5, "dead_lettered": 0})
    );

    let db = &m.app.db;
    assert_eq!(count(db, "SELECT count(*) FROM clicks").await, 3);
    assert_eq!(count(db, "SELECT count(*) FROM conversions").await, 1);
    assert_eq!(m.app.status_of(conv.id).await, "approved");
    assert_eq!(
        count(db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        2
    );
    assert_eq!(
        count(db, "SELECT sum(unique_clicks)::bigint FROM stats_clicks").await,
        2
    );
    assert_eq!(
        count(db, "SELECT sum(filtered_clicks)::bigint FROM stats_clicks").await,
        1
    );
    assert_eq!(
        count(db, "SELECT sum(conversions)::bigint FROM stats_conversions").await,
        1
    );

    // The same events through the stream (a native edge retrying) are duplicates too; a new
    // click in the same entries shows the batch was read.
    let marker = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(3));
    let mut redis = m.app.redis().await;
    for event in events.iter().chain([&marker.event()]) {
        let _: String = redis
            .xadd(
                &m.app.settings.event_stream,
                "*",
                &[("event", event.to_string())],
            )
            .await
            .expect("xadd");
    }
    m.app.eventually("SELECT count(*) FROM clicks", 4).await;
    assert_eq!(count(db, "SELECT count(*) FROM conversions").await, 1);
    assert_eq!(
        count(db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        3
    );

    // Live counters saw each event once.
    m.app.settled().await;
    let live: Value = m.app.get_json("/v1/stats/live", &m.admin.token).await;
    assert_eq!(live["clicks"], 3, "{live}");
    assert_eq!(live["filtered_clicks"], 1, "{live}");
    assert_eq!(live["conversions"], 1, "{live}");
    assert_eq!(live["payout"], json!({"USD": "12.50"}), "{live}");

    let metrics = m
        .app
        .get("/metrics")
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for line in [
        "afftok_events_total{outcome=\"stored\",source=\"http\"} 4",
        "afftok_events_total{outcome=\"duplicate\",source=\"http\"} 6",
        "afftok_events_total{outcome=\"stored\",source=\"stream\"} 1",
        "afftok_events_total{outcome=\"duplicate\",source=\"stream\"} 5",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
}

#[tokio::test]
async fn a_bad_event_is_dead_lettered_and_the_rest_stored() {
    let m = market(json!({})).await;
    let t0 = recently();
    let good = Click::new(m.offer, m.promoter.id, t0);
    let conv = Conversion::new(m.advertiser_id(), good.id, t0 + Duration::seconds(30));
    let mut huge = good.event();
    huge["id"] = json!(uuid::Uuid::now_v7());
    huge["offer_id"] = json!(u64::MAX);
    let events = vec![
        good.event(),
        json!({"type": "click", "id": "not-a-uuid"}),
        json!(42),
        json!({"type": "teleport", "id": uuid::Uuid::now_v7()}),
        huge,
        conv.event(),
    ];
    let report = m.app.ingest(&events).await;
    assert_eq!(
        report,
        json!({"stored": 2, "duplicates": 0, "dead_lettered": 4})
    );
    assert_eq!(m.app.status_of(conv.id).await, "approved");
    let letters: Vec<(String, String, String, i32)> =
        sqlx::query_as("SELECT source, payload, reason, times_seen FROM dead_letters ORDER BY id")
            .fetch_all(&m.app.db)
            .await
            .expect("dead letters");
    assert_eq!(letters.len(), 4);
    assert!(
        letters
            .iter()
            .all(|(source, _, reason, seen)| source == "http" && !reason.is_empty() && *seen == 1)
    );
    let out_of_range = letters
        .iter()
        .find(|(_, payload, _, _)| payload.contains("18446744073709551615"))
        .expect("the u64 offer id is kept");
    assert!(
        out_of_range.2.contains("out of range"),
        "{}",
        out_of_range.2
    );
    assert!(letters.iter().any(|(_, p, _, _)| p == "42"));

    // Redelivered: nothing new stored, the letters counted, not copied.
    let report = m.app.ingest(&events).await;
    assert_eq!(
        report,
        json!({"stored": 0, "duplicates": 2, "dead_lettered": 4})
    );
    assert_eq!(
        count(&m.app.db, "SELECT count(*) FROM dead_letters").await,
        4
    );
    assert_eq!(
        count(
            &m.app.db,
            "SELECT min(times_seen)::bigint FROM dead_letters"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn mis_signed_stale_and_malformed_batches_are_refused_and_redeliveries_answered() {
    let m = market(json!({})).await;
    let app = &m.app;
    let click = Click::new(m.offer, m.promoter.id, recently());
    let body = batch_body(&[click.event()]);
    let now = now_secs();
    let send = |body: String, signature: Option<String>| async move {
        let mut req = app
            .post("/internal/v1/events")
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = signature {
            req = req.header("Afftok-Signature", s);
        }
        req.send().await.expect("request")
    };

    problem(send(body.clone(), None).await, 401, "unauthorized").await;
    problem(
        send(body.clone(), Some("v1=abc".to_owned())).await,
        401,
        "unauthorized",
    )
    .await;
    let wrong_key = afftok_shared::batch::sign(b"another secret!!", now, body.as_bytes());
    problem(
        send(body.clone(), Some(wrong_key)).await,
        401,
        "unauthorized",
    )
    .await;
    let other_body = batch_body(&[Click::new(m.offer, m.promoter.id, recently()).event()]);
    problem(
        send(other_body, Some(app.signature(now, &body))).await,
        401,
        "unauthorized",
    )
    .await;
    for t in [now - 301, now + 301] {
        let stale = send(body.clone(), Some(app.signature(t, &body))).await;
        let p = problem(stale, 401, "unauthorized").await;
        assert!(p["detail"].as_str().unwrap_or("").contains("300"), "{p}");
    }
    assert_eq!(count(&app.db, "SELECT count(*) FROM clicks").await, 0);

    // Stored once; the same signed request again (a queue redelivering in the same second)
    // is answered like the first, its event a duplicate; and so is a new signature.
    let signature = app.signature(now, &body);
    let reports = [
        send(body.clone(), Some(signature.clone())).await,
        send(body.clone(), Some(signature)).await,
        send(body.clone(), Some(app.signature(now + 1, &body))).await,
    ];
    let mut seen = Vec::new();
    for resp in reports {
        assert_eq!(resp.status(), 200);
        let r: Value = resp.json().await.expect("a report");
        seen.push((r["stored"].clone(), r["duplicates"].clone()));
    }
    assert_eq!(
        seen,
        [
            (json!(1), json!(0)),
            (json!(0), json!(1)),
            (json!(0), json!(1))
        ]
    );
    assert_eq!(count(&app.db, "SELECT count(*) FROM clicks").await, 1);
    // Two deliveries of one batch at once: both 200, each event stored once.
    let many: Vec<Value> = (0..50)
        .map(|i| {
            Click::new(
                m.offer,
                m.promoter.id,
                recently() + Duration::milliseconds(i),
            )
            .event()
        })
        .collect();
    let twice = batch_body(&many);
    let signature = app.signature(now, &twice);
    let (a, b) = tokio::join!(
        send(twice.clone(), Some(signature.clone())),
        send(twice.clone(), Some(signature))
    );
    let (a, b): (Value, Value) = (
        a.json().await.expect("a report"),
        b.json().await.expect("a report"),
    );
    assert_eq!(
        a["stored"]
            .as_i64()
            .zip(b["stored"].as_i64())
            .map(|(x, y)| x + y),
        Some(50),
        "{a} {b}"
    );
    assert_eq!(
        a["duplicates"]
            .as_i64()
            .zip(b["duplicates"].as_i64())
            .map(|(x, y)| x + y),
        Some(50),
        "{a} {b}"
    );
    assert_eq!(count(&app.db, "SELECT count(*) FROM clicks").await, 51);

    // Signed but not a batch: 400, and a corrected resend is not taken for a replay.
    for bad in ["[]", "{\"events\": 5}", "not json"] {
        let resp = send(bad.to_owned(), Some(app.signature(now, bad))).await;
        problem(resp, 400, "invalid_batch").await;
    }
    let resp = send("[]".to_owned(), Some(app.signature(now, "[]"))).await;
    problem(resp, 400, "invalid_batch").await;

    // The route takes batches over the API's general body limit, up to 4 MiB.
    let many: Vec<Value> = (0..40)
        .map(|i| {
            Click::new(
                m.offer,
                m.promoter.id,
                recently() + Duration::milliseconds(i),
            )
            .event()
        })
        .collect();
    let body = batch_body(&many);
    assert!(body.len() > 4096);
    let resp = send(body.clone(), Some(app.signature(now, &body))).await;
    assert_eq!(resp.status(), 200);
    let too_big = format!("{{\"events\": [\"{}\"]}}", "x".repeat(5 * 1024 * 1024));
    let resp = send(too_big.clone(), Some(app.signature(now, &too_big))).await;
    problem(resp, 413, "payload_too_large").await;
}

#[tokio::test]
async fn the_stream_is_read_acknowledged_and_trimmed() {
    let m = market(json!({})).await;
    let stream = m.app.settings.event_stream.clone();
    let mut redis = m.app.redis().await;
    let t0 = recently();
    let clicks: Vec<Click> = (0..25)
        .map(|i| Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(i)))
        .collect();
    for c in &clicks {
        let _: String = redis
            .xadd(&stream, "*", &[("event", c.event().to_string())])
            .await
            .expect("xadd");
    }
    // An entry without the event field and one that is not an event become dead letters.
    let _: String = redis
        .xadd(&stream, "*", &[("something", "else")])
        .await
        .expect("xadd");
    let _: String = redis
        .xadd(&stream, "*", &[("event", "{\"type\":\"click\"}")])
        .await
        .expect("xadd");
    m.app.eventually("SELECT count(*) FROM clicks", 25).await;
    m.app
        .eventually(
            "SELECT count(*) FROM dead_letters WHERE source = 'stream'",
            2,
        )
        .await;
    // Acknowledged and deleted once stored.
    let group = m.app.settings.stream_group.clone();
    wait_until("the stream is empty", async || {
        redis.xlen::<_, usize>(&stream).await.expect("xlen") == 0
    })
    .await;
    let pending: redis::streams::StreamPendingReply =
        redis.xpending(&stream, &group).await.expect("xpending");
    assert_eq!(pending.count(), 0);
}

#[tokio::test]
async fn a_stream_lost_with_its_group_is_read_again_once_recreated() {
    let m = market(json!({})).await;
    let stream = m.app.settings.event_stream.clone();
    let mut redis = m.app.redis().await;
    let t0 = recently();
    let first = Click::new(m.offer, m.promoter.id, t0);
    let _: String = redis
        .xadd(&stream, "*", &[("event", first.event().to_string())])
        .await
        .expect("xadd");
    m.app.eventually("SELECT count(*) FROM clicks", 1).await;
    // Redis loses everything (a restart without persistence): the stream and its group.
    let _: () = redis.del(&stream).await.expect("del");
    // An edge writes again, recreating the stream without the group.
    for i in 1..=3 {
        let c = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(i));
        let _: String = redis
            .xadd(&stream, "*", &[("event", c.event().to_string())])
            .await
            .expect("xadd");
    }
    // The reader, blocked on the old group, makes it again and stores what came since.
    m.app.eventually("SELECT count(*) FROM clicks", 4).await;
    let group = m.app.settings.stream_group.clone();
    let groups: redis::streams::StreamInfoGroupsReply =
        redis.xinfo_groups(&stream).await.expect("xinfo groups");
    assert!(groups.groups.iter().any(|g| g.name == group));
}

#[tokio::test]
async fn entries_a_dead_reader_left_pending_are_taken_over_and_stored_once() {
    let m = market(json!({})).await;
    let stream = m.app.settings.event_stream.clone();
    let group = m.app.settings.stream_group.clone();
    let mut redis = m.app.redis().await;
    // The service's reader has created the group by now.
    wait_until("the service's reader has created its group", async || {
        let groups: redis::streams::StreamInfoGroupsReply =
            redis.xinfo_groups(&stream).await.unwrap_or_default();
        !groups.groups.is_empty()
    })
    .await;
    let t0 = recently();
    let clicks: Vec<Click> = (0..5)
        .map(|i| Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(i)))
        .collect();
    // The dead reader had stored the first one before it died, unacknowledged.
    m.app.ingest(&[clicks[0].event()]).await;

    // Another reader takes the entries as they are written (in one transaction, so the
    // service's blocked read cannot get them first) and dies without acknowledging them.
    let mut tx = redis::pipe();
    tx.atomic();
    for c in &clicks {
        tx.cmd("XADD")
            .arg(&stream)
            .arg("*")
            .arg("event")
            .arg(c.event().to_string())
            .ignore();
    }
    tx.cmd("XREADGROUP")
        .arg("GROUP")
        .arg(&group)
        .arg("dead-reader")
        .arg("COUNT")
        .arg(100)
        .arg("STREAMS")
        .arg(&stream)
        .arg(">");
    let (taken,): (redis::streams::StreamReadReply,) =
        tx.query_async(&mut redis).await.expect("transaction");
    let taken: usize = taken.keys.iter().map(|k| k.ids.len()).sum();
    assert_eq!(taken, 5, "the dead reader holds every entry");
    assert_eq!(count(&m.app.db, "SELECT count(*) FROM clicks").await, 1);

    // Once they are idle long enough (500 ms here), the service takes them over.
    m.app.eventually("SELECT count(*) FROM clicks", 5).await;
    wait_until("the taken-over entries are acknowledged", async || {
        let pending: redis::streams::StreamPendingReply =
            redis.xpending(&stream, &group).await.expect("xpending");
        pending.count() == 0
    })
    .await;
    assert_eq!(
        count(&m.app.db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        5,
        "each counted once"
    );
}

#[tokio::test]
async fn events_breaking_the_rules_are_set_aside_not_the_batch() {
    let m = market(json!({})).await;
    let t0 = recently();
    let good = Click::new(m.offer, m.promoter.id, t0);
    let conv = Conversion::new(m.advertiser_id(), good.id, t0 + Duration::seconds(30));
    let mut nul_id = good.event();
    nul_id["id"] = json!("\u{0}abc");
    let mut long_event = conv.event();
    long_event["id"] = json!(crate::tracking::v7(t0));
    long_event["event"] = json!("e".repeat(100_000));
    let mut control_txid = conv.event();
    control_txid["id"] = json!(crate::tracking::v7(t0));
    control_txid["txid"] = json!("line\nbreak");
    // A click id that is not the UUIDv7 of the click's time could be stored twice.
    let mut wrong_time = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(1)).event();
    wrong_time["ts"] = json!(crate::tracking::stamp(t0 + Duration::hours(1)));
    let mut v4 = good.event();
    v4["id"] = json!(uuid::Uuid::new_v4());
    // Text fields are cut to the edge's limits and lose NULs, never refused.
    let mut noisy = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(2));
    noisy.user_agent = format!("agent\u{0}{}", "x".repeat(2000));
    noisy.sub1 = Some(format!("s\u{0}{}", "y".repeat(300)));

    let report = m
        .app
        .ingest(&[
            good.event(),
            nul_id,
            long_event,
            control_txid,
            wrong_time,
            v4,
            noisy.event(),
            conv.event(),
        ])
        .await;
    assert_eq!(
        report,
        json!({"stored": 3, "duplicates": 0, "dead_lettered": 5})
    );
    assert_eq!(m.app.status_of(conv.id).await, "approved");
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT reason FROM dead_letters ORDER BY reason")
            .fetch_all(&m.app.db)
            .await
            .expect("reasons");
    assert!(reasons.iter().all(|r| !r.contains('\0')));
    for expected in [
        "event must be",
        "txid must be",
        "not the UUIDv7",
        "not a valid event",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "{expected} in {reasons:?}"
        );
    }
    let (ua, sub1): (String, String) =
        sqlx::query_as("SELECT user_agent, sub1 FROM clicks WHERE id = $1")
            .bind(noisy.id)
            .fetch_one(&m.app.db)
            .await
            .expect("the noisy click");
    assert_eq!(ua.len(), 511, "512 bytes less the NUL");
    assert!(ua.starts_with("agentxx"));
    assert_eq!(sub1.len(), 127);
}

#[tokio::test]
async fn a_redelivery_stores_nothing_twice_however_its_header_is_spelled() {
    let m = market(json!({})).await;
    let body = batch_body(&[Click::new(m.offer, m.promoter.id, recently()).event()]);
    let now = now_secs();
    let signature = m.app.signature(now, &body);
    assert_eq!(
        m.app.send_signed(body.clone(), &signature).await.status(),
        200
    );
    let hex = signature.split_once("v1=").map(|(_, h)| h).unwrap_or("");
    for variant in [
        format!("{signature},x=1"),
        format!("t={now},v1={}", hex.to_uppercase()),
        format!("t={now},v1={hex},v1={}", "0".repeat(64)),
        format!("v1={hex},t={now}"),
    ] {
        let resp = m.app.send_signed(body.clone(), &variant).await;
        match resp.status().as_u16() {
            200 => {
                let report: Value = resp.json().await.expect("a report");
                assert_eq!(
                    (report["stored"].as_i64(), report["duplicates"].as_i64()),
                    (Some(0), Some(1)),
                    "{variant}"
                );
            }
            401 => {}
            other => panic!("{variant}: {other}"),
        }
    }
    assert_eq!(count(&m.app.db, "SELECT count(*) FROM clicks").await, 1);
}

#[tokio::test]
async fn concurrent_overlapping_batches_in_any_order_are_all_stored() {
    // Each visitor clicks every 10 s here: too often for the default flood limit, which this
    // test is not about (tests/api/fraud.rs is).
    let m = market_with(
        Options {
            env: vec![("AFFTOK_FRAUD_CLICK_FLOOD_LIMIT", "1000".to_owned())],
            ..Options::default()
        },
        json!({}),
    )
    .await;
    let t0 = recently();
    // Fresh clicks each round: only rows nobody committed yet can make writers wait on each
    // other (a Cloudflare retry of a batch still being stored, a stream takeover).
    for round in 0..10 {
        let clicks: Vec<Value> = (0..200)
            .map(|i| {
                let at = t0 + Duration::milliseconds(round * 10_000 + i * 7);
                let mut c = Click::new(m.offer, m.promoter.id, at);
                c.ip = format!("198.18.0.{}", i % 50);
                c.event()
            })
            .collect();
        let reversed: Vec<Value> = clicks.iter().rev().cloned().collect();
        // Parts committing first make whole batches lose the race more than once.
        let (a, b, c, d, e) = tokio::join!(
            m.app.send_batch(&clicks),
            m.app.send_batch(&reversed),
            m.app.send_batch(&clicks[50..150]),
            m.app.send_batch(&clicks[..60]),
            m.app.send_batch(&clicks[140..])
        );
        for resp in [a, b, c, d, e] {
            assert_eq!(resp.status(), 200, "round {round}");
        }
    }
    assert_eq!(count(&m.app.db, "SELECT count(*) FROM clicks").await, 2000);
    assert_eq!(
        count(&m.app.db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        2000
    );
    // 50 visitors a day (the rounds fall in one or two UTC days).
    let uniques = count(
        &m.app.db,
        "SELECT sum(unique_clicks)::bigint FROM stats_clicks",
    )
    .await;
    let days = count(
        &m.app.db,
        "SELECT count(DISTINCT day)::bigint FROM click_uniques",
    )
    .await;
    assert_eq!(uniques, 50 * days);
}

#[tokio::test]
async fn a_stream_entry_that_cannot_be_stored_is_set_aside_and_the_rest_flows() {
    let m = market(json!({})).await;
    // The database refuses one click, as a bug might.
    sqlx::query(
        "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.user_agent = 'poison' THEN RAISE EXCEPTION 'poisoned click'; END IF;
             RETURN NEW;
         END $$",
    )
    .execute(&m.app.db)
    .await
    .expect("function");
    sqlx::query(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON clicks FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
    )
    .execute(&m.app.db)
    .await
    .expect("trigger");
    let t0 = recently();
    let mut poison = Click::new(m.offer, m.promoter.id, t0);
    poison.user_agent = "poison".to_owned();
    let fine: Vec<Click> = (1..4)
        .map(|i| Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(i)))
        .collect();
    let mut redis = m.app.redis().await;
    let stream = m.app.settings.event_stream.clone();
    for c in std::iter::once(&poison).chain(&fine) {
        let _: String = redis
            .xadd(&stream, "*", &[("event", c.event().to_string())])
            .await
            .expect("xadd");
    }
    // The others are stored right away, one by one.
    m.app.eventually("SELECT count(*) FROM clicks", 3).await;
    // The poisoned one is retried, then kept aside with the reason, and acknowledged.
    m.app
        .eventually(
            "SELECT count(*) FROM dead_letters WHERE source = 'stream' AND reason LIKE '%poisoned click%'",
            1,
        )
        .await;
    wait_until("the stream is empty", async || {
        redis.xlen::<_, usize>(&stream).await.expect("xlen") == 0
    })
    .await;
    // And the stream keeps flowing.
    let later = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(10));
    let _: String = redis
        .xadd(&stream, "*", &[("event", later.event().to_string())])
        .await
        .expect("xadd");
    m.app.eventually("SELECT count(*) FROM clicks", 4).await;
}

#[tokio::test]
async fn clicks_outside_every_partition_move_in_when_their_month_is_created() {
    let m = market(json!({})).await;
    let now = OffsetDateTime::now_utc();
    // Five months ahead: no partition yet, so the default partition takes it.
    let ahead = now + Duration::days(5 * 31);
    let click = Click::new(m.offer, m.promoter.id, ahead);
    m.app.ingest(&[click.event()]).await;
    let partition = |id: uuid::Uuid| {
        let db = m.app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT tableoid::regclass::text FROM clicks WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .expect("stored")
        }
    };
    assert_eq!(partition(click.id).await, "clicks_default");
    afftok_control_plane::tracking::partitions::ensure(&m.app.db, 7)
        .await
        .expect("partitions");
    let d = ahead.date();
    assert_eq!(
        partition(click.id).await,
        format!("clicks_y{}m{:02}", d.year(), u8::from(d.month()))
    );
    assert_eq!(count(&m.app.db, "SELECT count(*) FROM clicks").await, 1);
    // Idempotent.
    afftok_control_plane::tracking::partitions::ensure(&m.app.db, 7)
        .await
        .expect("partitions");
}

#[tokio::test]
async fn without_the_database_a_batch_is_refused_as_unavailable_and_can_be_sent_again() {
    let m = market(json!({})).await;
    let body = batch_body(&[Click::new(m.offer, m.promoter.id, recently()).event()]);
    let signature = m.app.signature(now_secs(), &body);
    // The pool closes: every query fails as when Postgres is down.
    m.app.db.close().await;
    let resp = m.app.send_signed(body.clone(), &signature).await;
    problem(resp, 503, "unavailable").await;
    // Not remembered as seen: the same signed batch is not taken for a replay.
    let resp = m.app.send_signed(body, &signature).await;
    problem(resp, 503, "unavailable").await;
}
