//! Points and levels (DESIGN §13): every cause and its reversal, the daily click cap, a
//! replayed event paying once, levels at their thresholds announced once (and sent as a
//! webhook), admins' adjustments, tenancy.

use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::{TestApp, fields, problem, wait_until};
use crate::receiver::Receiver;
use crate::tracking::{Click, Market, market};
use crate::webhooks::{approved_conversion, endpoint};

async fn points(app: &TestApp, token: &str) -> Value {
    app.get_json("/v1/points/me", token).await
}

async fn ledger(app: &TestApp, token: &str) -> Vec<(i64, String)> {
    let page = app.get_json("/v1/points/ledger?limit=200", token).await;
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| {
            (
                e["points"].as_i64().unwrap_or(0),
                e["cause"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// An admin's adjustment of `promoter`'s points, which must be accepted.
async fn adjusted(m: &Market, promoter: i64, points: i64, reason: &str) {
    let resp = m
        .app
        .post(&format!("/v1/admin/promoters/{promoter}/points"))
        .bearer_auth(&m.admin.token)
        .json(&json!({"points": points, "reason": reason}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
}

/// `n` clicks of distinct visitors for the market's promoter on `day_start`'s UTC day.
async fn unique_clicks(m: &Market, day_start: OffsetDateTime, n: usize, first: usize) {
    let events: Vec<Value> = (first..first + n)
        .map(|i| {
            let mut c = Click::new(
                m.offer,
                m.promoter.id,
                day_start + Duration::from_secs(60 * i as u64),
            );
            c.ip = format!("198.18.{}.{}", i / 250, i % 250 + 1);
            c.event()
        })
        .collect();
    m.app.ingest(&events).await;
}

#[tokio::test]
async fn conversions_and_clicks_earn_points_that_reversals_take_back() {
    let m = market(json!({})).await;
    let app = &m.app;
    crate::webhooks::join(app, &m.promoter, m.offer).await;
    // approved_conversion sends one click an hour ago (a unique clean click) and its conversion.
    let conversion = approved_conversion(&m, None, "P-1").await;
    app.settled().await;
    let me = points(app, &m.promoter.token).await;
    assert_eq!(me["balance"], 21, "{me}");
    let mut entries = ledger(app, &m.promoter.token).await;
    entries.sort();
    assert_eq!(
        entries,
        vec![
            (1, "unique_clicks".to_owned()),
            (20, "conversion_approved".to_owned())
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
    app.settled().await;
    let me = points(app, &m.promoter.token).await;
    assert_eq!(me["balance"], 1);
    assert_eq!(me["lifetime_points"], 1);
    assert_eq!(
        ledger(app, &m.promoter.token).await[0],
        (-20, "conversion_unapproved".to_owned())
    );
    let page = app.get_json("/v1/points/ledger", &m.promoter.token).await;
    assert_eq!(page["data"][0]["conversion_id"], conversion.id.to_string());
    assert_eq!(page["data"][0]["offer_id"], m.offer);

    // A replay of every event (the consumer's position moved back) pays nothing more.
    sqlx::query("UPDATE event_cursors SET tx_id = '0', event_id = 0 WHERE consumer = 'points'")
        .execute(&app.db)
        .await
        .expect("rewind");
    wait_until("the replay is handled", async || {
        sqlx::query_scalar::<_, bool>(
            "SELECT NOT EXISTS (SELECT 1 FROM domain_events e JOIN event_cursors c
                 ON c.consumer = 'points' AND (c.tx_id, c.event_id) < (e.tx_id, e.id))",
        )
        .fetch_one(&app.db)
        .await
        .expect("query")
    })
    .await;
    assert_eq!(points(app, &m.promoter.token).await["balance"], 1);
    assert_eq!(ledger(app, &m.promoter.token).await.len(), 3);
}

#[tokio::test]
async fn click_points_stop_at_the_daily_cap() {
    let m = market(json!({})).await;
    let app = &m.app;
    let yesterday = OffsetDateTime::now_utc()
        .date()
        .previous_day()
        .expect("a day")
        .midnight()
        .assume_utc();
    // 150 unique clicks in two batches on one day, paid in two rounds (the second finds the
    // first's 80 points of the day): 100 points; 30 on the day before: 30.
    unique_clicks(&m, yesterday, 80, 0).await;
    app.settled().await;
    unique_clicks(&m, yesterday + Duration::from_secs(6 * 3600), 70, 80).await;
    unique_clicks(&m, yesterday - Duration::from_secs(86_400), 30, 200).await;
    app.settled().await;
    let me = points(app, &m.promoter.token).await;
    assert_eq!(me["balance"], 130, "{me}");
    let page = app.get_json("/v1/points/ledger", &m.promoter.token).await;
    let days: Vec<(String, i64)> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| {
            (
                e["day"].as_str().unwrap_or("").to_owned(),
                e["points"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let mut sums = std::collections::BTreeMap::<String, i64>::new();
    for (d, p) in days {
        *sums.entry(d).or_default() += p;
    }
    assert_eq!(sums.get(&day(yesterday.date())), Some(&100));
    assert_eq!(
        sums.get(&day(yesterday.date().previous_day().expect("a day"))),
        Some(&30)
    );
    // The day's click points kept for the cap are the entries' sums.
    let kept: Vec<(time::Date, i64)> = sqlx::query_as(
        "SELECT day, points FROM points_click_days WHERE promoter_id = $1 ORDER BY day",
    )
    .bind(m.promoter.id)
    .fetch_all(&app.db)
    .await
    .expect("click days");
    let yesterday = yesterday.date();
    assert_eq!(
        kept,
        vec![
            (yesterday.previous_day().expect("a day"), 30),
            (yesterday, 100)
        ]
    );
}

#[tokio::test]
async fn levels_are_reached_at_their_thresholds_and_announced_once() {
    let m = market(json!({})).await;
    let app = &m.app;
    let rx = Receiver::start().await;
    let (_, secret) = endpoint(
        app,
        &m.promoter.token,
        &rx.url("/levels"),
        &["points.level_reached"],
    )
    .await;
    let adjust = async |points: i64| {
        let resp = app
            .post(&format!("/v1/admin/promoters/{}/points", m.promoter.id))
            .bearer_auth(&m.admin.token)
            .json(&json!({"points": points, "reason": "contest prize"}))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 201);
        resp.json::<Value>().await.expect("json")
    };
    let me = adjust(499).await;
    assert_eq!(me["level"]["name"], "Bronze");
    assert_eq!(me["next_level"]["name"], "Silver");
    assert_eq!(me["points_to_next"], 1);
    let me = adjust(1).await;
    assert_eq!(me["level"]["name"], "Silver");
    assert_eq!(me["points_to_next"], 1500);
    // Down and up again: Silver was reached already, so nothing is announced.
    adjust(-10).await;
    let me = adjust(10).await;
    assert_eq!(me["level"]["name"], "Silver");
    // Straight past Gold to Platinum: both are announced.
    let me = adjust(9_500).await;
    assert_eq!(me["level"]["name"], "Platinum");
    assert_eq!(me["lifetime_points"], 10_000);
    assert_eq!(me["next_level"]["name"], "Diamond");

    let hits = rx.wait_for("/levels", 3).await;
    let mut levels: Vec<String> = hits
        .iter()
        .map(|h| {
            assert!(h.verifies_with(&secret));
            h.json()["data"]["level"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    levels.sort();
    assert_eq!(levels, vec!["Gold", "Platinum", "Silver"]);
    app.settled().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.hits("/levels").len(), 3, "each level once");
    let platinum = hits
        .iter()
        .map(|h| h.json())
        .find(|b| b["data"]["level"] == "Platinum")
        .expect("platinum");
    assert_eq!(platinum["data"]["promoter_id"], m.promoter.id);
    assert_eq!(platinum["data"]["level_min"], 10_000);
    assert_eq!(platinum["data"]["lifetime_points"], 10_000);

    // The promoter sees each adjustment with its reason.
    let page = app
        .get_json("/v1/points/ledger?limit=2", &m.promoter.token)
        .await;
    assert_eq!(page["data"][0]["cause"], "adjustment");
    assert_eq!(page["data"][0]["reason"], "contest prize");
    let cursor = page["next_cursor"].as_str().expect("more");
    let next = app
        .get_json(
            &format!("/v1/points/ledger?limit=2&cursor={cursor}"),
            &m.promoter.token,
        )
        .await;
    assert_eq!(next["data"][0]["points"], -10);
    let levels = app.get_json("/v1/points/levels", &m.adv.token).await;
    assert_eq!(
        levels["data"][4],
        json!({"name": "Diamond", "min_points": 50_000})
    );
}

#[tokio::test]
async fn points_are_the_promoters_own() {
    let m = market(json!({})).await;
    let app = &m.app;
    let other = app.promoter("other").await;
    let resp = app
        .get("/v1/points/me")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = app
        .get("/v1/points/ledger")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = app
        .get(&format!("/v1/points/ledger?promoter_id={}", other.id))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = app
        .get("/v1/points/ledger")
        .bearer_auth(&m.admin.token)
        .send()
        .await
        .expect("request");
    let p = problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&p), vec!["promoter_id"]);
    let mine = app
        .get_json(
            &format!("/v1/points/ledger?promoter_id={}", m.promoter.id),
            &m.admin.token,
        )
        .await;
    assert_eq!(mine["data"], json!([]));
    let resp = app
        .get(&format!("/v1/points/ledger?promoter_id={}", m.adv.id))
        .bearer_auth(&m.admin.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;

    // Adjustments: admins only, with a reason, never 0.
    for (token, body, status, code) in [
        (
            &m.promoter.token,
            json!({"points": 5, "reason": "me"}),
            403,
            "forbidden",
        ),
        (
            &m.admin.token,
            json!({"points": 0, "reason": "nothing"}),
            422,
            "validation_failed",
        ),
        (
            &m.admin.token,
            json!({"points": 5, "reason": "  "}),
            422,
            "validation_failed",
        ),
        (
            &m.admin.token,
            json!({"points": 2_000_000, "reason": "too much"}),
            422,
            "validation_failed",
        ),
        // The smallest whole number has no positive counterpart (schemathesis found it
        // answering 500).
        (
            &m.admin.token,
            json!({"points": i64::MIN, "reason": "far too little"}),
            422,
            "validation_failed",
        ),
        (
            &m.admin.token,
            json!({"points": "5", "reason": "text"}),
            400,
            "invalid_body",
        ),
    ] {
        let resp = app
            .post(&format!("/v1/admin/promoters/{}/points", other.id))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        problem(resp, status, code).await;
    }
    let resp = app
        .post(&format!("/v1/admin/promoters/{}/points", m.adv.id))
        .bearer_auth(&m.admin.token)
        .json(&json!({"points": 5, "reason": "not a promoter"}))
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = app
        .get(&format!("/v1/admin/promoters/{}/points", other.id))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let theirs = app
        .get_json(
            &format!("/v1/admin/promoters/{}/points", other.id),
            &m.admin.token,
        )
        .await;
    assert_eq!(theirs["balance"], 0);
    assert_eq!(theirs["level"]["name"], "Bronze");
}

#[tokio::test]
async fn traffic_of_a_promoter_that_is_no_account_earns_nothing_and_holds_nothing_up() {
    let m = market(json!({})).await;
    let app = &m.app;
    let today = OffsetDateTime::now_utc().date().midnight().assume_utc();
    // A click naming a promoter id no account has (a deleted account's link, say), in the
    // same batch as a real promoter's.
    let mut ghost = Click::new(m.offer, 987_654_321, today);
    ghost.ip = "198.18.9.9".to_owned();
    let mut real = Click::new(m.offer, m.promoter.id, today);
    real.ip = "198.18.9.10".to_owned();
    app.ingest(&[ghost.event(), real.event()]).await;
    app.settled().await;
    assert_eq!(points(app, &m.promoter.token).await["balance"], 1);
    // And the consumer goes on with later events.
    unique_clicks(&m, today + Duration::from_secs(3600), 2, 50).await;
    app.settled().await;
    assert_eq!(points(app, &m.promoter.token).await["balance"], 3);
    let ghosts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM points_ledger WHERE promoter_id = 987654321")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(ghosts, 0);
}

#[tokio::test]
async fn the_ledger_pages_through_entries_written_together_each_once_newest_first() {
    let m = market(json!({})).await;
    let app = &m.app;
    // Entries written by one transaction share their time (as a consumer round's do): two
    // rounds of three, and an adjustment between them.
    let round = async |event: i64| {
        sqlx::query(
            "INSERT INTO points_ledger (promoter_id, points, cause, source_event, day)
             SELECT $1, d, 'unique_clicks', $2, current_date - d FROM generate_series(1, 3) d",
        )
        .bind(m.promoter.id)
        .bind(event)
        .execute(&app.db)
        .await
        .expect("entries");
    };
    round(1).await;
    adjusted(&m, m.promoter.id, 7, "between the rounds").await;
    round(2).await;
    let all: Vec<(String, i64)> = sqlx::query_as(
        "SELECT created_at::text, id FROM points_ledger WHERE promoter_id = $1
         ORDER BY created_at DESC, id DESC",
    )
    .bind(m.promoter.id)
    .fetch_all(&app.db)
    .await
    .expect("entries");
    assert_eq!(all.len(), 7);

    for limit in [1, 2, 4] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/points/ledger?limit={limit}&cursor={c}"),
                None => format!("/v1/points/ledger?limit={limit}"),
            };
            let page = app.get_json(&path, &m.promoter.token).await;
            let rows = page["data"].as_array().expect("data");
            assert!(rows.len() <= limit);
            seen.extend(rows.iter().map(|r| r["id"].as_i64().unwrap_or(0)));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let ids: Vec<i64> = all.iter().map(|(_, id)| *id).collect();
        assert_eq!(seen, ids, "limit {limit}: every entry once, newest first");
    }
    // The adjustment, written between the rounds, is listed between them.
    let page = app
        .get_json("/v1/points/ledger?limit=7", &m.promoter.token)
        .await;
    assert_eq!(page["data"][3]["cause"], "adjustment");
    assert_eq!(page["data"][3]["points"], 7);
}

#[tokio::test]
async fn a_promoter_deleted_from_the_database_takes_its_ledger_along() {
    let m = market(json!({})).await;
    let app = &m.app;
    let other = app.promoter("other").await;
    for who in [m.promoter.id, other.id] {
        adjusted(&m, who, 5, "welcome").await;
    }
    // Nothing in AffTok deletes accounts; an operator may, in SQL.
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(other.id)
        .execute(&app.db)
        .await
        .expect("delete");
    let left: Vec<i64> = sqlx::query_scalar(
        "SELECT promoter_id FROM points_ledger WHERE promoter_id = ANY($1) ORDER BY 1",
    )
    .bind(vec![m.promoter.id, other.id])
    .fetch_all(&app.db)
    .await
    .expect("entries");
    assert_eq!(left, vec![m.promoter.id]);
}
