//! Contests (DESIGN §13): every metric, individual and team; window edges; offers; ties to
//! whoever reached the score first; team membership boundaries; the lifecycle and its
//! illegal moves; the freeze exactly once with two finishers racing; cancelled contests;
//! `contest.finished` as a webhook; tenancy and bad input.
//!
//! The tests' control planes settle for a day, so their own tick never finishes a contest:
//! the tests move a contest's window into the past in Postgres (the clock contests read) and
//! finish it with `programme::contests::finish`, as the tick does.

use std::time::Duration;

use afftok_control_plane::programme::contests::{finish, tick_once};
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::{Account, Options, TestApp, fields, problem, spawn_with, wait_until};
use crate::receiver::Receiver;
use crate::tracking::{Click, Conversion, Market, market_with, stamp};
use crate::webhooks::{endpoint, join};

fn slow_settle() -> Options {
    Options {
        env: vec![
            ("AFFTOK_CONTEST_SETTLE_SECS", "86400".to_owned()),
            ("AFFTOK_CONTEST_TICK_MS", "100".to_owned()),
        ],
        ..Options::default()
    }
}

/// `t` to the millisecond (what events carry).
fn ms(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(t.unix_timestamp_nanos() / 1_000_000 * 1_000_000)
        .expect("a time")
}

fn mins(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    who: &Account,
    body: Option<Value>,
) -> reqwest::Response {
    let req = match method {
        "POST" => app.post(path),
        "PATCH" => app.patch(path),
        "DELETE" => app.delete(path),
        _ => app.get(path),
    }
    .bearer_auth(&who.token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    req.send().await.expect("request")
}

async fn ok_json(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// A contest body: an individual conversions contest over the last hour and the next, with
/// `changes`.
fn body(changes: Value) -> Value {
    let now = OffsetDateTime::now_utc();
    let mut b = json!({
        "name": "Sprint",
        "kind": "individual",
        "metric": "conversions",
        "starts_at": stamp(now - mins(60)),
        "ends_at": stamp(now + mins(60)),
        "prizes": [
            {"rank": 1, "prize": "Gold", "amount": "100.00", "currency": "USD"},
            {"rank": 2, "prize": "Silver"}
        ]
    });
    if let (Some(b), Some(c)) = (b.as_object_mut(), changes.as_object()) {
        for (k, v) in c {
            b.insert(k.clone(), v.clone());
        }
    }
    b
}

/// Creates and publishes a contest; returns its id.
async fn published(app: &TestApp, who: &Account, changes: Value) -> i64 {
    let c = ok_json(
        send(app, "POST", "/v1/contests", who, Some(body(changes))).await,
        201,
    )
    .await;
    let id = c["id"].as_i64().expect("id");
    let p = ok_json(
        send(
            app,
            "POST",
            &format!("/v1/contests/{id}/publish"),
            who,
            None,
        )
        .await,
        200,
    )
    .await;
    // (The tick may have started it already.)
    assert!(
        p["status"] == "scheduled" || p["status"] == "running",
        "{p}"
    );
    id
}

async fn enter(app: &TestApp, who: &Account, id: i64) -> reqwest::Response {
    send(
        app,
        "POST",
        &format!("/v1/contests/{id}/entries"),
        who,
        None,
    )
    .await
}

/// Moves a contest's window (the tests' clock).
async fn window(db: &PgPool, id: i64, starts: OffsetDateTime, ends: OffsetDateTime) {
    sqlx::query("UPDATE contests SET starts_at = $2, ends_at = $3 WHERE id = $1")
        .bind(id)
        .bind(starts)
        .bind(ends)
        .execute(db)
        .await
        .expect("window");
}

async fn ends_now(db: &PgPool, id: i64) {
    sqlx::query("UPDATE contests SET ends_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .expect("end");
}

async fn standings(app: &TestApp, who: &Account, id: i64) -> Value {
    app.get_json(
        &format!("/v1/contests/{id}/standings?limit=200"),
        &who.token,
    )
    .await
}

/// (promoter or team id, score) by rank.
fn table(s: &Value) -> Vec<(i64, String)> {
    s["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| {
            (
                r["promoter_id"]
                    .as_i64()
                    .or(r["team_id"].as_i64())
                    .unwrap_or(-1),
                r["score"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

fn row(pairs: &[(i64, &str)]) -> Vec<(i64, String)> {
    pairs.iter().map(|(i, s)| (*i, (*s).to_owned())).collect()
}

/// One approved conversion of `promoter` on `offer` at `ts` (its click 10 minutes before,
/// from a visitor of its own).
async fn convert(m: &Market, promoter: &Account, offer: i64, ts: OffsetDateTime) -> Uuid {
    let mut click = Click::new(offer, promoter.id, ts - mins(10));
    let n = Uuid::new_v4().as_u128();
    click.ip = format!("198.18.{}.{}", (n % 250) as u8, ((n >> 8) % 250 + 1) as u8);
    let conversion =
        Conversion::new(m.advertiser_id(), click.id, ts).txid(&format!("T-{}", click.id));
    m.app.ingest(&[click.event(), conversion.event()]).await;
    wait_until("the conversion is approved", async || {
        m.app.status_of(conversion.id).await == "approved"
    })
    .await;
    conversion.id
}

async fn team(app: &TestApp, owner: &Account, name: &str, members: &[&Account]) -> i64 {
    let t = ok_json(
        send(app, "POST", "/v1/teams", owner, Some(json!({"name": name}))).await,
        201,
    )
    .await;
    for m in members {
        ok_json(
            send(
                app,
                "POST",
                "/v1/teams/join",
                m,
                Some(json!({"invite_code": t["invite_code"]})),
            )
            .await,
            200,
        )
        .await;
    }
    t["id"].as_i64().expect("team id")
}

async fn count(db: &PgPool, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db)
        .await
        .expect("query")
}

const EVENTS: &str = "SELECT count(*) FROM domain_events WHERE kind = 'contest.finished' AND (payload->>'contest_id')::bigint = $1";
const RESULTS: &str = "SELECT count(*) FROM contest_results WHERE contest_id = $1";

#[tokio::test]
async fn every_metric_counts_for_individuals_and_teams() {
    let m = market_with(slow_settle(), json!({})).await;
    let app = &m.app;
    let (p1, p2, p3) = (
        &m.promoter,
        &app.promoter("bo").await,
        &app.promoter("cy").await,
    );
    for p in [p1, p2, p3] {
        join(app, p, m.offer).await;
    }
    // p1 and p2 are a team before anything is earned; p3 is on its own.
    let t = team(app, p1, "Dream Team", &[p2]).await;
    let mut ids = Vec::new();
    for kind in ["individual", "team"] {
        for metric in ["conversions", "payout", "unique_clicks", "points"] {
            let currency = if metric == "payout" {
                json!("USD")
            } else {
                Value::Null
            };
            let id = published(
                app,
                &m.admin,
                json!({"kind": kind, "metric": metric, "currency": currency}),
            )
            .await;
            ids.push((kind, metric, id));
        }
    }
    tick_once(&app.db, Duration::from_secs(86_400))
        .await
        .expect("tick");
    for &(kind, _, id) in &ids {
        if kind == "individual" {
            for p in [p1, p2, p3] {
                assert_eq!(enter(app, p, id).await.status(), 201);
            }
        } else {
            // Only the owner enters a team.
            problem(enter(app, p2, id).await, 403, "forbidden").await;
            problem(enter(app, p3, id).await, 409, "no_team").await;
            assert_eq!(enter(app, p1, id).await.status(), 201);
        }
    }
    // Everything below happens after the team was made.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let now = ms(OffsetDateTime::now_utc());
    convert(&m, p1, m.offer, now - Duration::from_millis(5)).await;
    convert(&m, p1, m.offer, now - Duration::from_millis(3)).await;
    convert(&m, p2, m.offer, now - Duration::from_millis(4)).await;
    // Those conversions' clicks were 10 minutes before: before the team was made. p2 brings
    // two more visitors now.
    let mut fresh = Vec::new();
    for ip in ["192.0.2.101", "192.0.2.102"] {
        let mut c = Click::new(m.offer, p2.id, now - Duration::from_millis(1));
        c.ip = ip.to_owned();
        fresh.push(c.event());
    }
    app.ingest(&fresh).await;
    // p3: three visitors, one of them twice, and a headless browser (blocked: not clean).
    let mut clicks = Vec::new();
    for (i, ip) in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.3"]
        .iter()
        .enumerate()
    {
        let mut c = Click::new(m.offer, p3.id, now - Duration::from_millis(10 + i as u64));
        c.ip = (*ip).to_owned();
        clicks.push(c.event());
    }
    let mut headless = Click::new(m.offer, p3.id, now - Duration::from_millis(2));
    headless.ip = "192.0.2.9".to_owned();
    headless.user_agent = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0".to_owned();
    clicks.push(headless.event());
    app.ingest(&clicks).await;
    app.settled().await;

    let expected = |kind: &str, metric: &str| -> Vec<(i64, String)> {
        match (kind, metric) {
            ("individual", "conversions") => row(&[(p1.id, "2"), (p2.id, "1"), (p3.id, "0")]),
            ("individual", "payout") => row(&[(p1.id, "25.00"), (p2.id, "12.50"), (p3.id, "0.00")]),
            // 3 of p3's visitors (its last 9 ms before p2's); p2's conversion's click and
            // its two visitors now; p1's conversions' clicks.
            ("individual", "unique_clicks") => row(&[(p3.id, "3"), (p2.id, "3"), (p1.id, "2")]),
            // 20 a conversion, 1 a unique click.
            ("individual", "points") => row(&[(p1.id, "42"), (p2.id, "23"), (p3.id, "3")]),
            ("team", "conversions") => row(&[(t, "3")]),
            ("team", "payout") => row(&[(t, "37.50")]),
            // Only p2's two visitors came after the team was made.
            ("team", "unique_clicks") => row(&[(t, "2")]),
            // Every point was written after.
            _ => row(&[(t, "65")]),
        }
    };
    for &(kind, metric, id) in &ids {
        let live = standings(app, p1, id).await;
        assert_eq!(live["frozen"], false);
        assert_eq!(table(&live), expected(kind, metric), "{kind} {metric} live");
        assert!(live["mine"]["rank"].is_i64(), "{kind} {metric}");
    }
    for &(kind, metric, id) in &ids {
        ends_now(&app.db, id).await;
        assert!(finish(&app.db, id, Duration::ZERO).await.expect("finish"));
        let frozen = standings(app, p2, id).await;
        assert_eq!(frozen["frozen"], true);
        assert_eq!(frozen["status"], "finished");
        assert_eq!(
            table(&frozen),
            expected(kind, metric),
            "{kind} {metric} frozen"
        );
        assert_eq!(frozen["data"][0]["prize"]["prize"], "Gold");
        assert_eq!(frozen["data"][0]["prize"]["amount"], "100.00");
        assert!(frozen["mine"].is_object(), "{kind} {metric}: {frozen}");
    }
    // A conversion decided after the freeze changes nothing.
    convert(&m, p2, m.offer, ms(OffsetDateTime::now_utc()) - mins(1)).await;
    let (_, _, first) = ids[0];
    assert_eq!(
        table(&standings(app, p1, first).await),
        expected("individual", "conversions")
    );
}

#[tokio::test]
async fn window_edges_offers_and_ties_go_to_whoever_reached_the_score_first() {
    let m = market_with(slow_settle(), json!({})).await;
    let app = &m.app;
    let other_offer = app
        .approved_offer(
            &m.adv,
            &m.admin,
            json!({"name": "Other", "currency": "EUR"}),
        )
        .await;
    let (p1, p2, p3, p4) = (
        &m.promoter,
        &app.promoter("bo").await,
        &app.promoter("cy").await,
        &app.promoter("di").await,
    );
    for p in [p1, p2, p3, p4] {
        join(app, p, m.offer).await;
        join(app, p, other_offer).await;
    }
    let start = ms(OffsetDateTime::now_utc() - mins(180));
    let end = start + mins(30);
    // The advertiser's contest on its first offer; an admin's on every offer in payouts.
    let on_offer = published(app, &m.adv, json!({"offer_ids": [m.offer]})).await;
    let payout = published(
        app,
        &m.admin,
        json!({"metric": "payout", "currency": "USD"}),
    )
    .await;
    for id in [on_offer, payout] {
        window(&app.db, id, start, end).await;
    }
    tick_once(&app.db, Duration::from_secs(86_400))
        .await
        .expect("tick");
    for id in [on_offer, payout] {
        for p in [p1, p2, p3, p4] {
            assert_eq!(enter(app, p, id).await.status(), 201);
        }
    }
    // p1: one at the start instant (counts) and one at +10 min; p2: +5 and +20 (the same
    // score, reached later); p3: just before the start, at the end instant, and on the
    // other offer (none count); p4: nothing.
    convert(&m, p1, m.offer, start).await;
    convert(&m, p1, m.offer, start + mins(10)).await;
    convert(&m, p2, m.offer, start + mins(5)).await;
    convert(&m, p2, m.offer, start + mins(20)).await;
    convert(&m, p3, m.offer, start - Duration::from_millis(1)).await;
    convert(&m, p3, m.offer, end).await;
    convert(&m, p3, other_offer, start + mins(15)).await;

    let live = standings(app, p2, on_offer).await;
    assert_eq!(
        table(&live),
        row(&[(p1.id, "2"), (p2.id, "2"), (p3.id, "0"), (p4.id, "0")])
    );
    assert_eq!(
        live["data"][0]["reached_at"]
            .as_str()
            .map(crate::tracking::at),
        Some(start + mins(10))
    );
    assert!(live["data"][2]["reached_at"].is_null());
    assert_eq!(live["mine"]["rank"], 2);
    assert_eq!(live["mine"]["promoter_id"], p2.id);
    // Payouts in USD only: the other offer pays in EUR.
    assert_eq!(
        table(&standings(app, p1, payout).await),
        row(&[
            (p1.id, "25.00"),
            (p2.id, "25.00"),
            (p3.id, "0.00"),
            (p4.id, "0.00")
        ])
    );
    // Pages.
    let page = app
        .get_json(
            &format!("/v1/contests/{on_offer}/standings?limit=3"),
            &p4.token,
        )
        .await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(3));
    let next = page["next_cursor"].as_str().expect("a cursor");
    let rest = app
        .get_json(
            &format!("/v1/contests/{on_offer}/standings?limit=3&cursor={next}"),
            &p4.token,
        )
        .await;
    assert_eq!(table(&rest), row(&[(p4.id, "0")]));
    assert_eq!(rest["mine"]["rank"], 4);

    for id in [on_offer, payout] {
        assert!(finish(&app.db, id, Duration::ZERO).await.expect("finish"));
    }
    let frozen = standings(app, p1, on_offer).await;
    assert_eq!(table(&frozen), table(&live));
    assert_eq!(frozen["data"][1]["prize"]["prize"], "Silver");
    assert!(frozen["data"][2]["prize"].is_null());
    // The event names the winners and their prizes.
    let payload: Value = sqlx::query_scalar(
        "SELECT payload::jsonb FROM domain_events WHERE kind = 'contest.finished' AND (payload->>'contest_id')::bigint = $1",
    )
    .bind(on_offer)
    .fetch_one(&app.db)
    .await
    .expect("the event");
    assert_eq!(payload["advertiser_id"], m.advertiser_id());
    assert_eq!(payload["results"][0]["promoter_id"], p1.id);
    assert_eq!(payload["results"][0]["prize"], "Gold");
    assert_eq!(
        payload["results"][0]["prize_amount"],
        json!({"amount": "100", "currency": "USD"})
    );
    assert_eq!(payload["results"][0]["score"], "2");
    assert_eq!(payload["results"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn a_team_counts_what_members_earned_while_members() {
    let app = spawn_with(slow_settle()).await;
    let admin = app.admin().await;
    let (owner, member) = (app.promoter("own").await, app.promoter("mem").await);
    let adjust = async |who: &Account, points: i64| {
        let resp = app
            .post(&format!("/v1/admin/promoters/{}/points", who.id))
            .bearer_auth(&admin.token)
            .json(&json!({"points": points, "reason": "test"}))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 201);
    };
    let teams = published(&app, &admin, json!({"kind": "team", "metric": "points"})).await;
    let solo = published(&app, &admin, json!({"metric": "points"})).await;
    tick_once(&app.db, Duration::from_secs(86_400))
        .await
        .expect("tick");
    assert_eq!(enter(&app, &member, solo).await.status(), 201);
    // Before joining: not the team's.
    adjust(&member, 5).await;
    let t = team(&app, &owner, "Boundaries", &[]).await;
    assert_eq!(enter(&app, &owner, teams).await.status(), 201);
    // Entering again answers the entry there is.
    assert_eq!(enter(&app, &owner, teams).await.status(), 200);
    let code: String = sqlx::query_scalar("SELECT invite_code FROM teams WHERE id = $1")
        .bind(t)
        .fetch_one(&app.db)
        .await
        .expect("code");
    ok_json(
        send(
            &app,
            "POST",
            "/v1/teams/join",
            &member,
            Some(json!({"invite_code": code})),
        )
        .await,
        200,
    )
    .await;
    adjust(&member, 7).await;
    adjust(&owner, 1).await;
    assert_eq!(
        send(&app, "POST", "/v1/teams/mine/leave", &member, None)
            .await
            .status(),
        204
    );
    // After leaving: not the team's either.
    adjust(&member, 11).await;
    let live = standings(&app, &owner, teams).await;
    assert_eq!(table(&live), row(&[(t, "8")]));
    assert_eq!(live["mine"]["team_id"], t);
    // The member's own contest counts everything in the window.
    assert_eq!(
        table(&standings(&app, &member, solo).await),
        row(&[(member.id, "23")])
    );
    // Someone no longer in the team has no place in its standings.
    assert!(standings(&app, &member, teams).await["mine"].is_null());

    ends_now(&app.db, teams).await;
    assert!(
        finish(&app.db, teams, Duration::ZERO)
            .await
            .expect("finish")
    );
    let payload: Value = sqlx::query_scalar(
        "SELECT payload::jsonb FROM domain_events WHERE kind = 'contest.finished'",
    )
    .fetch_one(&app.db)
    .await
    .expect("the event");
    assert_eq!(payload["results"][0]["team_id"], t);
    let mut members: Vec<i64> = payload["results"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    members.sort_unstable();
    let mut want = vec![owner.id, member.id];
    want.sort_unstable();
    assert_eq!(members, want);
    assert_eq!(
        table(&standings(&app, &owner, teams).await),
        row(&[(t, "8")])
    );
}

#[tokio::test]
async fn two_finishers_racing_freeze_once_and_cancelled_contests_pay_nothing() {
    let app = spawn_with(slow_settle()).await;
    let admin = app.admin().await;
    let ps = [
        app.promoter("a").await,
        app.promoter("b").await,
        app.promoter("c").await,
    ];
    let raced = published(&app, &admin, json!({"metric": "points"})).await;
    let called_off = published(&app, &admin, json!({"metric": "points"})).await;
    tick_once(&app.db, Duration::from_secs(86_400))
        .await
        .expect("tick");
    for p in &ps {
        for id in [raced, called_off] {
            assert_eq!(enter(&app, p, id).await.status(), 201);
        }
    }
    // Not due yet: nothing happens.
    assert!(
        !finish(&app.db, raced, Duration::ZERO)
            .await
            .expect("finish")
    );
    let cancelled = ok_json(
        send(
            &app,
            "POST",
            &format!("/v1/contests/{called_off}/cancel"),
            &admin,
            Some(json!({"reason": "sponsor withdrew"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "sponsor withdrew");
    for id in [raced, called_off] {
        ends_now(&app.db, id).await;
    }

    // Two control planes' pools, racing.
    let a = PgPool::connect(&app.db_url).await.expect("pool a");
    let b = PgPool::connect(&app.db_url).await.expect("pool b");
    let mut wins = 0;
    for _ in 0..3 {
        let (x, y) = tokio::join!(
            finish(&a, raced, Duration::ZERO),
            finish(&b, raced, Duration::ZERO)
        );
        wins += usize::from(x.expect("a")) + usize::from(y.expect("b"));
    }
    assert_eq!(wins, 1);
    assert_eq!(count(&app.db, RESULTS, raced).await, 3);
    assert_eq!(count(&app.db, EVENTS, raced).await, 1);
    // The tick finds nothing more to do.
    assert_eq!(tick_once(&a, Duration::ZERO).await.expect("tick"), 0);
    assert_eq!(count(&app.db, EVENTS, raced).await, 1);

    // The cancelled one: no results, no event, no standings.
    assert!(
        !finish(&b, called_off, Duration::ZERO)
            .await
            .expect("finish")
    );
    assert_eq!(count(&app.db, RESULTS, called_off).await, 0);
    assert_eq!(count(&app.db, EVENTS, called_off).await, 0);
    problem(
        send(
            &app,
            "GET",
            &format!("/v1/contests/{called_off}/standings"),
            &ps[0],
            None,
        )
        .await,
        409,
        "contest_cancelled",
    )
    .await;
    let status: String = sqlx::query_scalar("SELECT status FROM contests WHERE id = $1")
        .bind(called_off)
        .fetch_one(&app.db)
        .await
        .expect("status");
    assert_eq!(status, "cancelled");
}

#[tokio::test]
async fn the_lifecycle_and_its_illegal_moves() {
    let app = spawn_with(slow_settle()).await;
    let admin = app.admin().await;
    let promoter = app.promoter("pat").await;
    let c = ok_json(
        send(&app, "POST", "/v1/contests", &admin, Some(body(json!({})))).await,
        201,
    )
    .await;
    let id = c["id"].as_i64().expect("id");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["advertiser_id"], Value::Null);
    assert_eq!(c["prizes"][0]["amount"], "100.00");
    let path = format!("/v1/contests/{id}");
    // A draft: editable, invisible to promoters, closed to entries.
    let edited = ok_json(
        send(
            &app,
            "PATCH",
            &path,
            &admin,
            Some(json!({"name": "Winter Sprint", "description": "Go"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edited["name"], "Winter Sprint");
    assert_eq!(edited["prizes"].as_array().map(Vec::len), Some(2));
    problem(
        send(&app, "GET", &path, &promoter, None).await,
        404,
        "not_found",
    )
    .await;
    problem(enter(&app, &promoter, id).await, 404, "not_found").await;
    let list = app.get_json("/v1/contests", &promoter.token).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0));

    // Published: seen, entered, no longer editable.
    let p = ok_json(
        send(&app, "POST", &format!("{path}/publish"), &admin, None).await,
        200,
    )
    .await;
    assert!(
        p["status"] == "scheduled" || p["status"] == "running",
        "{p}"
    );
    for (method, p, body) in [
        ("POST", format!("{path}/publish"), None),
        ("PATCH", path.clone(), Some(json!({"name": "Again"}))),
        ("DELETE", path.clone(), None),
    ] {
        let resp = send(&app, method, &p, &admin, body).await;
        let problem = problem(resp, 409, "illegal_transition").await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("draft")),
            "{problem}"
        );
    }
    // Promoters see it now.
    app.get_json(&path, &promoter.token).await;
    // The tick starts it (its start has passed).
    wait_until("the contest runs", async || {
        app.get_json(&path, &promoter.token).await["status"] == "running"
    })
    .await;
    assert_eq!(enter(&app, &promoter, id).await.status(), 201);
    let mine = app
        .get_json("/v1/contests?mine=true", &promoter.token)
        .await;
    assert_eq!(mine["data"][0]["id"], id);
    assert_eq!(mine["data"][0]["entered"], true);
    assert_eq!(mine["data"][0]["entrants"], 1);
    assert_eq!(
        send(
            &app,
            "DELETE",
            &format!("{path}/entries/mine"),
            &promoter,
            None
        )
        .await
        .status(),
        204
    );
    problem(
        send(
            &app,
            "DELETE",
            &format!("{path}/entries/mine"),
            &promoter,
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let mine = app
        .get_json("/v1/contests?mine=true", &promoter.token)
        .await;
    assert_eq!(mine["data"].as_array().map(Vec::len), Some(0));
    assert_eq!(enter(&app, &promoter, id).await.status(), 201);

    // Finished: final; nothing moves it any more.
    ends_now(&app.db, id).await;
    assert!(finish(&app.db, id, Duration::ZERO).await.expect("finish"));
    let done = app.get_json(&path, &promoter.token).await;
    assert_eq!(done["status"], "finished");
    assert!(done["finished_at"].is_string());
    let resp = send(
        &app,
        "POST",
        &format!("{path}/cancel"),
        &admin,
        Some(json!({"reason": "late"})),
    )
    .await;
    let p = problem(resp, 409, "illegal_transition").await;
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("final")));
    problem(enter(&app, &promoter, id).await, 409, "illegal_transition").await;
    problem(
        send(
            &app,
            "DELETE",
            &format!("{path}/entries/mine"),
            &promoter,
            None,
        )
        .await,
        409,
        "illegal_transition",
    )
    .await;

    // Cancelled from scheduled: cancelled again is refused; entries are closed.
    let other = published(&app, &admin, json!({"starts_at": stamp(OffsetDateTime::now_utc() + mins(60)), "ends_at": stamp(OffsetDateTime::now_utc() + mins(120))})).await;
    assert_eq!(
        app.get_json(&format!("/v1/contests/{other}"), &admin.token)
            .await["status"],
        "scheduled"
    );
    assert_eq!(enter(&app, &promoter, other).await.status(), 201);
    let cancel = format!("/v1/contests/{other}/cancel");
    let p = problem(
        send(&app, "POST", &cancel, &admin, Some(json!({"reason": " "}))).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["reason"]);
    ok_json(
        send(
            &app,
            "POST",
            &cancel,
            &admin,
            Some(json!({"reason": "typo"})),
        )
        .await,
        200,
    )
    .await;
    problem(
        send(
            &app,
            "POST",
            &cancel,
            &admin,
            Some(json!({"reason": "again"})),
        )
        .await,
        409,
        "illegal_transition",
    )
    .await;
    problem(
        enter(&app, &promoter, other).await,
        409,
        "illegal_transition",
    )
    .await;
    // Cancelled contests are still listed (with their reason).
    let listed = app
        .get_json("/v1/contests?status=cancelled", &promoter.token)
        .await;
    assert_eq!(listed["data"][0]["cancel_reason"], "typo");

    // A draft whose end has passed cannot be published; a draft can be deleted.
    let past = OffsetDateTime::now_utc();
    let stale = ok_json(
        send(
            &app,
            "POST",
            "/v1/contests",
            &admin,
            Some(body(
                json!({"starts_at": stamp(past - mins(120)), "ends_at": stamp(past - mins(60))}),
            )),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    problem(
        send(
            &app,
            "POST",
            &format!("/v1/contests/{stale}/publish"),
            &admin,
            None,
        )
        .await,
        409,
        "contest_ended",
    )
    .await;
    assert_eq!(
        send(
            &app,
            "DELETE",
            &format!("/v1/contests/{stale}"),
            &admin,
            None
        )
        .await
        .status(),
        204
    );
    problem(
        send(&app, "GET", &format!("/v1/contests/{stale}"), &admin, None).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_with_clear_messages() {
    let m = market_with(slow_settle(), json!({})).await;
    let app = &m.app;
    let other_adv = app.advertiser("other").await;
    let foreign_offer = app.approved_offer(&other_adv, &m.admin, json!({})).await;
    let now = OffsetDateTime::now_utc();
    let cases: Vec<(Value, &Account, Vec<&str>, &str)> = vec![
        (
            json!({"ends_at": stamp(now - mins(120))}),
            &m.admin,
            vec!["ends_at"],
            "after starts_at",
        ),
        (
            json!({"ends_at": stamp(now + Duration::from_secs(400 * 86_400))}),
            &m.admin,
            vec!["ends_at"],
            "366 days",
        ),
        (
            json!({"starts_at": "yesterday"}),
            &m.admin,
            vec!["starts_at"],
            "RFC 3339",
        ),
        (
            json!({"metric": "revenue"}),
            &m.admin,
            vec!["metric"],
            "conversions, points, unique_clicks, payout",
        ),
        (
            json!({"kind": "solo"}),
            &m.admin,
            vec!["kind"],
            "individual, team",
        ),
        (
            json!({"metric": "payout"}),
            &m.admin,
            vec!["currency"],
            "payout metric",
        ),
        (
            json!({"metric": "payout", "currency": "usd"}),
            &m.admin,
            vec!["currency"],
            "ISO 4217",
        ),
        (
            json!({"currency": "USD"}),
            &m.admin,
            vec!["currency"],
            "only for the payout",
        ),
        (
            json!({"metric": "points", "offer_ids": [m.offer]}),
            &m.admin,
            vec!["offer_ids"],
            "points are not earned per offer",
        ),
        (
            json!({"prizes": [{"rank": 1, "prize": "A"}, {"rank": 1, "prize": "B"}]}),
            &m.admin,
            vec!["prizes[1].rank"],
            "one prize per rank",
        ),
        (
            json!({"prizes": [{"rank": 0, "prize": "A"}]}),
            &m.admin,
            vec!["prizes[0].rank"],
            "1 to 100",
        ),
        (
            json!({"prizes": [{"rank": 1, "prize": "A", "amount": "5"}]}),
            &m.admin,
            vec!["prizes[0].currency"],
            "required with an amount",
        ),
        (
            json!({"prizes": [{"rank": 1, "prize": "A", "amount": "-5", "currency": "USD"}]}),
            &m.admin,
            vec!["prizes[0].amount"],
            "decimal",
        ),
        (json!({"name": "x"}), &m.admin, vec!["name"], "2 to 100"),
        (
            json!({"offer_ids": [999_999]}),
            &m.admin,
            vec!["offer_ids"],
            "999999",
        ),
        // An advertiser's contest counts its own offers.
        (json!({}), &m.adv, vec!["offer_ids"], "required"),
        (
            json!({"offer_ids": [foreign_offer]}),
            &m.adv,
            vec!["offer_ids"],
            "not offers of yours",
        ),
        (
            json!({"metric": "points"}),
            &m.adv,
            vec!["offer_ids", "metric"],
            "points",
        ),
    ];
    for (changes, who, want, says) in cases {
        let resp = send(
            app,
            "POST",
            "/v1/contests",
            who,
            Some(body(changes.clone())),
        )
        .await;
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), want, "{changes}: {p}");
        assert!(p.to_string().contains(says), "{changes}: {p}");
    }
    // Not JSON of the right shape: a 400 naming the field.
    let resp = send(
        app,
        "POST",
        "/v1/contests",
        &m.admin,
        Some(json!({"name": "No dates"})),
    )
    .await;
    assert_eq!(resp.status(), 400);
    // The same checks on a change to a draft.
    let id = ok_json(
        send(
            app,
            "POST",
            "/v1/contests",
            &m.adv,
            Some(body(json!({"offer_ids": [m.offer]}))),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let p = problem(
        send(
            app,
            "PATCH",
            &format!("/v1/contests/{id}"),
            &m.adv,
            Some(json!({"metric": "payout"})),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["currency"]);
    // Bad list filters and cursors.
    let p = problem(
        send(app, "GET", "/v1/contests?metric=clicks", &m.admin, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["metric"]);
    let p = problem(
        send(app, "GET", "/v1/contests?mine=true", &m.admin, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["mine"]);
    let p = problem(
        send(
            app,
            "GET",
            &format!("/v1/contests/{id}/standings?cursor=zzz"),
            &m.adv,
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["cursor"]);
}

#[tokio::test]
async fn every_endpoint_keeps_to_its_tenant() {
    let m = market_with(slow_settle(), json!({})).await;
    let app = &m.app;
    let other = app.advertiser("other").await;
    let promoter = &m.promoter;
    let draft = ok_json(
        send(
            app,
            "POST",
            "/v1/contests",
            &m.adv,
            Some(body(json!({"offer_ids": [m.offer]}))),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .expect("id");
    let live = published(app, &m.adv, json!({"offer_ids": [m.offer]})).await;
    let platform = published(app, &m.admin, json!({})).await;
    assert_eq!(
        app.get_json(&format!("/v1/contests/{live}"), &m.adv.token)
            .await["advertiser_id"],
        m.advertiser_id()
    );

    // Another advertiser: none of it exists.
    for id in [draft, live, platform] {
        let p = format!("/v1/contests/{id}");
        for (method, path, body) in [
            ("GET", p.clone(), None),
            ("PATCH", p.clone(), Some(json!({"name": "Mine now"}))),
            ("DELETE", p.clone(), None),
            ("POST", format!("{p}/publish"), None),
            ("POST", format!("{p}/cancel"), Some(json!({"reason": "no"}))),
            ("GET", format!("{p}/standings"), None),
        ] {
            let resp = send(app, method, &path, &other, body).await;
            problem(resp, 404, "not_found").await;
        }
    }
    let theirs = app.get_json("/v1/contests", &other.token).await;
    assert_eq!(theirs["data"].as_array().map(Vec::len), Some(0));
    // The advertiser lists its own two, not the admin's.
    let own = app.get_json("/v1/contests", &m.adv.token).await;
    let ids: Vec<i64> = own["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![live, draft]);
    // Admins see and manage everything.
    let all = app.get_json("/v1/contests?limit=2", &m.admin.token).await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    let next = all["next_cursor"].as_str().expect("a cursor");
    let rest = app
        .get_json(
            &format!("/v1/contests?limit=2&cursor={next}"),
            &m.admin.token,
        )
        .await;
    assert_eq!(rest["data"][0]["id"], draft);
    ok_json(
        send(
            app,
            "PATCH",
            &format!("/v1/contests/{draft}"),
            &m.admin,
            Some(json!({"name": "Renamed"})),
        )
        .await,
        200,
    )
    .await;

    // Promoters: cannot make or run contests; drafts do not exist for them.
    problem(
        send(app, "POST", "/v1/contests", promoter, Some(body(json!({})))).await,
        403,
        "forbidden",
    )
    .await;
    for (method, path, body) in [
        (
            "PATCH",
            format!("/v1/contests/{live}"),
            Some(json!({"name": "x"})),
        ),
        ("DELETE", format!("/v1/contests/{live}"), None),
        ("POST", format!("/v1/contests/{live}/publish"), None),
        (
            "POST",
            format!("/v1/contests/{live}/cancel"),
            Some(json!({"reason": "no"})),
        ),
    ] {
        problem(
            send(app, method, &path, promoter, body).await,
            403,
            "forbidden",
        )
        .await;
    }
    problem(
        send(app, "GET", &format!("/v1/contests/{draft}"), promoter, None).await,
        404,
        "not_found",
    )
    .await;
    problem(
        send(
            app,
            "GET",
            &format!("/v1/contests/{draft}/standings"),
            promoter,
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let seen = app.get_json("/v1/contests", &promoter.token).await;
    let ids: Vec<i64> = seen["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![platform, live]);
    // Only promoters enter.
    for who in [&m.adv, &m.admin] {
        problem(enter(app, who, live).await, 403, "forbidden").await;
        problem(
            send(
                app,
                "DELETE",
                &format!("/v1/contests/{live}/entries/mine"),
                who,
                None,
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(enter(app, promoter, live).await.status(), 201);
    // The advertiser sees its contest's standings; the other does not (checked above).
    let s = app
        .get_json(&format!("/v1/contests/{live}/standings"), &m.adv.token)
        .await;
    assert_eq!(s["data"][0]["promoter_id"], promoter.id);
    assert!(s["mine"].is_null());
}

#[tokio::test]
async fn a_finished_contest_reaches_admins_owners_and_winners_as_a_webhook() {
    let m = market_with(
        Options {
            env: vec![
                ("AFFTOK_CONTEST_SETTLE_SECS", "0".to_owned()),
                ("AFFTOK_CONTEST_TICK_MS", "100".to_owned()),
            ],
            ..Options::default()
        },
        json!({}),
    )
    .await;
    let app = &m.app;
    let rx = Receiver::start().await;
    let loser = app.promoter("lo").await;
    let other_adv = app.advertiser("other").await;
    endpoint(
        app,
        &m.admin.token,
        &rx.url("/admin"),
        &["contest.finished"],
    )
    .await;
    endpoint(app, &m.adv.token, &rx.url("/adv"), &[]).await;
    endpoint(
        app,
        &m.promoter.token,
        &rx.url("/winner"),
        &["contest.finished"],
    )
    .await;
    endpoint(app, &loser.token, &rx.url("/loser"), &[]).await;
    endpoint(app, &other_adv.token, &rx.url("/other-adv"), &[]).await;
    join(app, &m.promoter, m.offer).await;
    let id = published(
        app,
        &m.adv,
        json!({"offer_ids": [m.offer], "prizes": [{"rank": 1, "prize": "Gold"}]}),
    )
    .await;
    wait_until("the contest runs", async || {
        app.get_json(&format!("/v1/contests/{id}"), &m.adv.token)
            .await["status"]
            == "running"
    })
    .await;
    assert_eq!(enter(app, &m.promoter, id).await.status(), 201);
    assert_eq!(enter(app, &loser, id).await.status(), 201);
    convert(
        &m,
        &m.promoter,
        m.offer,
        ms(OffsetDateTime::now_utc()) - mins(1),
    )
    .await;
    // The end comes; the control plane's own tick finishes it.
    ends_now(&app.db, id).await;
    wait_until("the contest finishes", async || {
        app.get_json(&format!("/v1/contests/{id}"), &m.adv.token)
            .await["status"]
            == "finished"
    })
    .await;
    for path in ["/admin", "/winner"] {
        let hits = rx.wait_for(path, 1).await;
        let b = hits[0].json();
        assert_eq!(b["type"], "contest.finished", "{path}");
        assert_eq!(b["data"]["contest_id"], id);
        assert_eq!(b["data"]["results"][0]["promoter_id"], m.promoter.id);
        assert_eq!(b["data"]["results"][0]["score"], "1");
        assert_eq!(b["data"]["results"][0]["prize"], "Gold");
    }
    let adv_hits = rx.wait_for("/adv", 1).await;
    assert!(
        adv_hits
            .iter()
            .any(|h| h.json()["type"] == "contest.finished")
    );
    app.settled().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.hits("/admin").len(), 1, "once");
    assert_eq!(rx.hits("/winner").len(), 1, "once");
    assert!(
        rx.hits("/loser")
            .iter()
            .all(|h| h.json()["type"] != "contest.finished"),
        "no prize, no message"
    );
    assert!(rx.hits("/other-adv").is_empty());
}
