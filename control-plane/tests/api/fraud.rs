//! Fraud scoring (DESIGN §11) against labelled traffic made here: for every reason, traffic
//! that must be flagged and look-alike traffic that must not be (visitors behind one carrier
//! NAT at a human rate, a visitor's second click a minute later, a VPN user, a CTIT of exactly
//! the minimum…). The clicks are shuffled into batches delivered out of order and twice,
//! through HTTP to two control planes at once and through the stream; precision and recall of
//! every reason are then exact, and the counts leave blocked clicks out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use redis::AsyncCommands as _;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{Account, TestApp, problem};
use crate::tracking::{Click, Conversion, Market, market};

/// A small deterministic generator (xorshift64*): the traffic is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const BROWSERS: [&str; 4] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
];

const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";

/// A click and the reasons it must carry.
struct Labelled {
    click: Click,
    truth: BTreeSet<&'static str>,
}

/// The traffic, with who is who.
struct Traffic {
    clicks: Vec<Labelled>,
}

impl Traffic {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        (offer, promoter): (i64, i64),
        ts: OffsetDateTime,
        ip: &str,
        ua: &str,
        truth: &[&'static str],
    ) -> usize {
        let mut click = Click::new(offer, promoter, ts);
        click.ip = ip.to_owned();
        click.user_agent = ua.to_owned();
        self.clicks.push(Labelled {
            click,
            truth: truth.iter().copied().collect(),
        });
        self.clicks.len() - 1
    }
}

/// Hosting and VPN ranges, v4 and v6 of each, imported as `afftok fraud ranges import` does.
async fn import_ranges(db: &sqlx::PgPool) {
    use afftok_control_plane::fraud::{RangeKind, import_ranges};
    for (kind, text) in [
        (RangeKind::Datacenter, "203.0.113.0/24\n2001:db8:dc::/48\n"),
        (
            RangeKind::Vpn,
            "198.51.100.0/24 # a VPN exit\n2001:db8:add::/48\n",
        ),
    ] {
        let parsed = afftok_control_plane::fraud::parse_ranges(text);
        assert!(parsed.bad.is_empty(), "{:?}", parsed.bad);
        import_ranges(db, kind, parsed.nets, &["test".to_owned()], 0)
            .await
            .expect("ranges imported");
    }
}

/// Suspends `promoter` as the admin's suspension does: the state, and the version that tells
/// every control plane to load the suspended promoters again.
async fn suspend(db: &sqlx::PgPool, promoter: i64) {
    sqlx::query(
        "WITH moved AS (UPDATE fraud_state SET version = version + 1)
         UPDATE users SET suspended_at = now(), suspended_reason = 'test' WHERE id = $1",
    )
    .bind(promoter)
    .execute(db)
    .await
    .expect("suspended");
}

/// Where a batch goes.
#[derive(Debug, Clone, Copy)]
enum Route {
    /// Signed HTTP to the first control plane.
    First,
    /// Signed HTTP to the second.
    Second,
    /// The Redis Stream, read by both.
    Stream,
}

async fn deliver(first: &TestApp, second: &TestApp, route: Route, events: &[Value]) {
    match route {
        Route::First => {
            first.ingest(events).await;
        }
        Route::Second => {
            second.ingest(events).await;
        }
        Route::Stream => {
            let mut redis = first.redis().await;
            for e in events {
                let _: String = redis
                    .xadd(
                        &first.settings.event_stream,
                        "*",
                        &[("event", e.to_string())],
                    )
                    .await
                    .expect("xadd");
            }
        }
    }
}

/// Shuffles `events` into batches of 1–30, each sent twice (the copy later, elsewhere),
/// over three lanes at once.
async fn send_shuffled(first: &TestApp, second: &TestApp, rng: &mut Rng, mut events: Vec<Value>) {
    rng.shuffle(&mut events);
    let mut sends: Vec<(Route, Vec<Value>)> = Vec::new();
    let mut rest = &events[..];
    while !rest.is_empty() {
        let n = (1 + rng.below(30)).min(rest.len());
        let (batch, tail) = rest.split_at(n);
        rest = tail;
        let route = |r: usize| [Route::First, Route::Second, Route::Stream][r];
        sends.push((route(rng.below(3)), batch.to_vec()));
        let later = sends.len() + rng.below(5);
        let copy = (route(rng.below(3)), batch.to_vec());
        sends.insert(later.min(sends.len()), copy);
    }
    let mut lanes: [Vec<(Route, Vec<Value>)>; 3] = Default::default();
    for (i, send) in sends.into_iter().enumerate() {
        lanes[i % 3].push(send);
    }
    let lane = |sends: Vec<(Route, Vec<Value>)>| async move {
        for (route, events) in sends {
            deliver(first, second, route, &events).await;
        }
    };
    let [a, b, c] = lanes;
    tokio::join!(lane(a), lane(b), lane(c));
}

async fn scalar(db: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, Option<i64>>(sql)
        .fetch_one(db)
        .await
        .expect(sql)
        .unwrap_or(0)
}

/// A moment today (UTC), at most 30 minutes ago: traffic of up to 20 minutes from it stays in
/// today (it starts 30 minutes ago, or just after midnight).
fn start_of_traffic() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    (now - Duration::minutes(30)).max(now.replace_time(time::Time::MIDNIGHT) + Duration::SECOND)
}

/// The start of the minute [`start_of_traffic`] lies in (still today): a few seconds of
/// clicks from it fall in one minute of the flood counts.
fn minute_of_traffic() -> OffsetDateTime {
    let t = start_of_traffic();
    t - Duration::seconds(t.unix_timestamp().rem_euclid(60))
        - Duration::nanoseconds(t.nanosecond() as i64)
}

struct World {
    m: Market,
    twin: TestApp,
    offer_b: i64,
    offer_review: i64,
    p2: Account,
    suspended: Account,
}

async fn world() -> World {
    let m = market(json!({})).await;
    let offer_b = m.app.approved_offer(&m.adv, &m.admin, json!({})).await;
    let offer_review = m
        .app
        .approved_offer(&m.adv, &m.admin, json!({"fraud_policy": "review"}))
        .await;
    let p2 = m.app.promoter("penny").await;
    let suspended = m.app.promoter("sam").await;
    import_ranges(&m.app.db).await;
    suspend(&m.app.db, suspended.id).await;
    let twin = m.app.twin().await;
    World {
        m,
        twin,
        offer_b,
        offer_review,
        p2,
        suspended,
    }
}

/// Indexes of the clicks conversions are made on.
struct Targets {
    exact: usize,
    short: usize,
    datacenter: usize,
    vpn: usize,
    suspended: usize,
    flooded: usize,
    review: usize,
}

fn traffic(w: &World, t0: OffsetDateTime) -> (Traffic, Targets) {
    let (a, b, r) = (w.m.offer, w.offer_b, w.offer_review);
    let (p1, p2, ps) = (w.m.promoter.id, w.p2.id, w.suspended.id);
    let s = |secs: f64| t0 + Duration::seconds_f64(secs);
    let mut t = Traffic { clicks: Vec::new() };

    // Background: 40 ordinary visitors, some back a few minutes later.
    let mut background = Vec::new();
    for i in 0..40u32 {
        let offer = if i % 2 == 0 { a } else { b };
        let promoter = if i % 3 == 0 { p2 } else { p1 };
        let ip = format!("100.64.1.{}", i + 1);
        let ua = BROWSERS[i as usize % 4];
        let at = f64::from(i) * 17.0;
        background.push(t.add((offer, promoter), s(at), &ip, ua, &[]));
        if i % 2 == 0 {
            t.add((offer, promoter), s(at + 150.0), &ip, ua, &[]);
        }
    }

    // Hosting ranges, v4 and v6, and addresses just outside them.
    let mut datacenter = Vec::new();
    for k in 0..6u32 {
        let ip = format!("203.0.113.{}", 10 + k);
        datacenter.push(t.add(
            (a, p1),
            s(300.0 + f64::from(k) * 180.0),
            &ip,
            BROWSERS[0],
            &["datacenter_ip"],
        ));
    }
    t.add(
        (a, p1),
        s(320.0),
        "2001:db8:dc::5",
        BROWSERS[1],
        &["datacenter_ip"],
    );
    for ip in ["203.0.114.10", "203.0.112.255", "2001:db8:dd::5"] {
        t.add((a, p1), s(330.0), ip, BROWSERS[1], &[]);
    }

    // VPN users: flagged as a signal, still counted.
    let vpn = t.add((a, p1), s(340.0), "198.51.100.20", BROWSERS[2], &["vpn_ip"]);
    t.add(
        (b, p2),
        s(345.0),
        "2001:db8:add::9",
        BROWSERS[3],
        &["vpn_ip"],
    );
    t.add((a, p1), s(350.0), "198.51.101.1", BROWSERS[2], &[]);

    // A visitor clicking one link eight times in 35 s: the sixth on are a flood. The same
    // visitor's clicks on another offer meanwhile are not.
    let mut flooded = 0;
    for k in 0..8 {
        let truth: &[&str] = if k >= 5 { &["click_flood"] } else { &[] };
        let i = t.add(
            (a, p1),
            s(120.0 + f64::from(k) * 5.0),
            "100.64.2.1",
            "Mozilla/5.0 (V)",
            truth,
        );
        if k == 6 {
            flooded = i;
        }
    }
    for k in 0..3 {
        t.add(
            (b, p1),
            s(122.5 + f64::from(k) * 5.0),
            "100.64.2.1",
            "Mozilla/5.0 (V)",
            &[],
        );
    }
    // A visitor's second click a minute later; five clicks in 50 s; a sixth exactly 60 s
    // after the first (its window has let the first go) and one just inside.
    t.add((a, p1), s(180.0), "100.64.2.2", BROWSERS[0], &[]);
    t.add((a, p1), s(241.0), "100.64.2.2", BROWSERS[0], &[]);
    for k in 0..5 {
        t.add(
            (a, p1),
            s(400.0 + f64::from(k) * 12.5),
            "100.64.2.3",
            BROWSERS[1],
            &[],
        );
    }
    for (offset, truth) in [
        (0.0, &[][..]),
        (1.0, &[]),
        (2.0, &[]),
        (3.0, &[]),
        (4.0, &[]),
        (60.0, &[]),
    ] {
        t.add((a, p1), s(500.0 + offset), "100.64.2.4", BROWSERS[2], truth);
    }
    for (offset, truth) in [
        (0.0, &[][..]),
        (1.0, &[]),
        (2.0, &[]),
        (3.0, &[]),
        (4.0, &[]),
        (59.999, &["click_flood"]),
    ] {
        t.add((a, p1), s(600.0 + offset), "100.64.2.5", BROWSERS[3], truth);
    }

    // A carrier NAT IP flooding: 70 clicks in 49 s, each a visitor of its own. And another
    // with 120 visitors over 20 minutes, at a human rate.
    for k in 0..70u32 {
        let truth: &[&str] = if k >= 60 { &["ip_flood"] } else { &[] };
        let offer = if k % 2 == 0 { a } else { b };
        t.add(
            (offer, p1),
            s(700.0 + f64::from(k) * 0.7),
            "100.64.3.1",
            &format!("Mozilla/5.0 (NAT {k})"),
            truth,
        );
    }
    for k in 0..120u32 {
        t.add(
            (a, p2),
            s(f64::from(k) * 10.0),
            "100.64.3.2",
            &format!("Mozilla/5.0 (Human {})", k % 30),
            &[],
        );
    }

    // Automation, and apps that look like it but name themselves.
    for (k, ua) in [
        "",
        HEADLESS,
        "python-requests/2.31.0",
        "Go-http-client/1.1",
        "okhttp/4.9.0",
    ]
    .into_iter()
    .enumerate()
    {
        let ip = format!("100.64.4.{}", k + 1);
        t.add((a, p1), s(800.0 + k as f64), &ip, ua, &["suspicious_agent"]);
    }
    t.add(
        (a, p1),
        s(810.0),
        "100.64.4.6",
        "ShopApp/5.2.1 (Android 14; Pixel 8) okhttp/4.9.0",
        &[],
    );
    t.add((a, p1), s(811.0), "100.64.4.7", BROWSERS[0], &[]);

    // A suspended promoter's links still send visitors; their clicks count for nothing.
    let mut suspended = Vec::new();
    for k in 0..4u32 {
        let ip = format!("100.64.5.{}", k + 1);
        suspended.push(t.add(
            (a, ps),
            s(820.0 + f64::from(k) * 30.0),
            &ip,
            BROWSERS[1],
            &["suspended_promoter"],
        ));
    }

    // Reasons together: a headless browser in a data centre; a flood from a VPN exit.
    t.add(
        (a, p1),
        s(900.0),
        "203.0.113.50",
        HEADLESS,
        &["datacenter_ip", "suspicious_agent"],
    );
    for k in 0..7 {
        let truth: &[&str] = if k >= 5 {
            &["click_flood", "vpn_ip"]
        } else {
            &["vpn_ip"]
        };
        t.add(
            (a, p2),
            s(950.0 + f64::from(k) * 4.0),
            "198.51.100.50",
            "Mozilla/5.0 (VF)",
            truth,
        );
    }

    // Bots the edge caught are filtered by their verdict, never scored.
    for k in 0..3 {
        let i = t.add(
            (a, p1),
            s(960.0 + f64::from(k)),
            "203.0.113.77",
            HEADLESS,
            &[],
        );
        t.clicks[i].click.verdict = "bot";
    }

    // A click on the offer that reviews its flagged conversions.
    let review = t.add((r, p1), s(1000.0), "100.64.6.1", BROWSERS[0], &[]);

    let targets = Targets {
        exact: background[0],
        short: background[2],
        datacenter: datacenter[0],
        vpn,
        suspended: suspended[0],
        flooded,
        review,
    };
    (t, targets)
}

/// Precision and recall of one reason over the traffic: (true positives, false positives,
/// false negatives).
fn confusion(
    clicks: &[Labelled],
    got: &HashMap<Uuid, BTreeSet<String>>,
    reason: &str,
) -> (usize, usize, usize) {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for l in clicks {
        let flagged = got.get(&l.click.id).is_some_and(|r| r.contains(reason));
        match (l.truth.contains(reason), flagged) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
    }
    (tp, fp, fn_)
}

#[tokio::test]
async fn labelled_traffic_out_of_order_twice_on_two_control_planes_is_flagged_exactly() {
    let w = world().await;
    let app = &w.m.app;
    let t0 = start_of_traffic();
    let (traffic, targets) = traffic(&w, t0);
    let mut rng = Rng(0x5eed_f00d_cafe_d00d);
    let events: Vec<Value> = traffic.clicks.iter().map(|l| l.click.event()).collect();
    let n = events.len() as i64;
    send_shuffled(app, &w.twin, &mut rng, events).await;
    app.eventually("SELECT count(*) FROM clicks", n).await;
    // The stream's copies are duplicates by now; let them be read before the counts.
    app.settled().await;

    let rows: Vec<(Uuid, Vec<String>, bool)> =
        sqlx::query_as("SELECT id, fraud, is_unique FROM clicks")
            .fetch_all(&app.db)
            .await
            .expect("clicks");
    let got: HashMap<Uuid, BTreeSet<String>> = rows
        .iter()
        .map(|(id, fraud, _)| (*id, fraud.iter().cloned().collect()))
        .collect();
    let reasons = [
        "datacenter_ip",
        "vpn_ip",
        "click_flood",
        "ip_flood",
        "suspicious_agent",
        "suspended_promoter",
    ];
    let mut table = String::from("reason              flagged  precision  recall\n");
    for reason in reasons {
        let (tp, fp, fn_) = confusion(&traffic.clicks, &got, reason);
        assert!(tp > 0, "the traffic has {reason} clicks");
        let precision = tp as f64 / (tp + fp) as f64;
        let recall = tp as f64 / (tp + fn_) as f64;
        table.push_str(&format!(
            "{reason:<19} {:>7}  {precision:>9.3}  {recall:>6.3}\n",
            tp + fp
        ));
        assert_eq!(
            (precision, recall),
            (1.0, 1.0),
            "{reason}: {tp} tp, {fp} fp, {fn_} fn"
        );
    }
    eprintln!("{table}");
    // Nothing else is flagged either: every click carries exactly its truth.
    for l in &traffic.clicks {
        let mine: BTreeSet<String> = l.truth.iter().map(|r| (*r).to_owned()).collect();
        assert_eq!(got.get(&l.click.id), Some(&mine), "{:?}", l.click);
    }

    // Counted: ok at the edge and nothing blocking; the rest is filtered, by reason.
    let blocked = |l: &Labelled| l.truth.iter().any(|r| *r != "vpn_ip");
    let counted: Vec<&Labelled> = traffic
        .clicks
        .iter()
        .filter(|l| l.click.verdict == "ok" && !blocked(l))
        .collect();
    let visitors: BTreeSet<(i64, i64, String, String)> = counted
        .iter()
        .map(|l| {
            (
                l.click.offer_id,
                l.click.promoter_id,
                l.click.ip.clone(),
                l.click.user_agent.clone(),
            )
        })
        .collect();
    let db = &app.db;
    assert_eq!(
        scalar(db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        counted.len() as i64
    );
    assert_eq!(
        scalar(db, "SELECT sum(filtered_clicks)::bigint FROM stats_clicks").await,
        n - counted.len() as i64
    );
    // One UTC day: the traffic starts today, at most 30 minutes ago, and lasts 17 minutes.
    assert_eq!((t0 + Duration::minutes(20)).date(), t0.date());
    assert_eq!(
        scalar(db, "SELECT sum(unique_clicks)::bigint FROM stats_clicks").await,
        visitors.len() as i64
    );
    assert_eq!(
        rows.iter().filter(|(_, _, unique)| *unique).count(),
        visitors.len()
    );
    let mut by_reason: BTreeMap<String, i64> = BTreeMap::new();
    for l in &traffic.clicks {
        if l.click.verdict != "ok" {
            *by_reason.entry(l.click.verdict.to_owned()).or_default() += 1;
        }
        for r in &l.truth {
            *by_reason.entry((*r).to_owned()).or_default() += 1;
        }
    }
    let stored: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT reason, sum(clicks)::bigint FROM stats_filtered GROUP BY reason",
    )
    .fetch_all(db)
    .await
    .expect("filtered")
    .into_iter()
    .collect();
    assert_eq!(stored, by_reason);

    // The same through the API, by UTC day, for the admin and for one promoter.
    let days = |t: OffsetDateTime| t.date().to_string();
    let range = format!("from={}&to={}", days(t0), days(t0 + Duration::minutes(20)));
    let answer: Value = app
        .get_json(&format!("/v1/stats/filtered?{range}"), &w.m.admin.token)
        .await;
    assert_eq!(answer["clicks"], json!(n), "{answer}");
    let listed: BTreeMap<String, i64> = answer["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["reason"].as_str().unwrap_or("").to_owned(),
                r["clicks"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(listed, by_reason);
    let mut penny: BTreeMap<String, i64> = BTreeMap::new();
    for l in traffic
        .clicks
        .iter()
        .filter(|l| l.click.promoter_id == w.p2.id)
    {
        for r in &l.truth {
            *penny.entry((*r).to_owned()).or_default() += 1;
        }
    }
    let answer: Value = app
        .get_json(&format!("/v1/stats/filtered?{range}"), &w.p2.token)
        .await;
    let listed: BTreeMap<String, i64> = answer["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["reason"].as_str().unwrap_or("").to_owned(),
                r["clicks"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(listed, penny, "a promoter sees its own");
    let resp = app
        .get("/v1/stats/filtered?from=2026-02-01&to=2026-01-01")
        .bearer_auth(&w.m.admin.token)
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;

    // The live counters leave blocked clicks out too.
    let live: Value = app.get_json("/v1/stats/live", &w.m.admin.token).await;
    let today: Vec<&Labelled> = traffic
        .clicks
        .iter()
        .filter(|l| l.click.ts.date() == OffsetDateTime::now_utc().date())
        .collect();
    let live_counted = today
        .iter()
        .filter(|l| l.click.verdict == "ok" && !blocked(l))
        .count();
    assert_eq!(live["clicks"], json!(live_counted), "{live}");
    assert_eq!(
        live["filtered_clicks"],
        json!(today.len() - live_counted),
        "{live}"
    );

    // A rebuild from the stored clicks counts the same.
    afftok_control_plane::stats::rebuild(db)
        .await
        .expect("rebuild");
    assert_eq!(
        scalar(db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        counted.len() as i64
    );
    let rebuilt: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT reason, sum(clicks)::bigint FROM stats_filtered GROUP BY reason",
    )
    .fetch_all(db)
    .await
    .expect("filtered")
    .into_iter()
    .collect();
    assert_eq!(rebuilt, by_reason);

    // The lists show the reasons and filter by them.
    let from = (t0 - Duration::minutes(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let to = (t0 + Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let page: Value = app
        .get_json(
            &format!(
                "/v1/clicks?fraud=ip_flood&limit=200&from={}&to={}",
                enc(&from),
                enc(&to)
            ),
            &w.m.admin.token,
        )
        .await;
    let listed = page["data"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, 10, "{page}");
    assert!(
        page["data"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["fraud"] == json!(["ip_flood"]))
    );
    let resp = app
        .get("/v1/clicks?fraud=bots")
        .bearer_auth(&w.m.admin.token)
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;

    conversions_after_scoring(&w, &traffic, &targets, &mut rng).await;
}

fn enc(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// Conversions on the scored clicks: the fraud step, the offer's policy, and the reviews.
async fn conversions_after_scoring(w: &World, t: &Traffic, targets: &Targets, rng: &mut Rng) {
    let app = &w.m.app;
    let adv = w.m.advertiser_id();
    let on = |i: usize, after: Duration| {
        let click = &t.clicks[i].click;
        Conversion::new(adv, click.id, click.ts + after)
    };
    let exact = on(targets.exact, Duration::seconds(10));
    let short = on(targets.short, Duration::milliseconds(9_999));
    let datacenter = on(targets.datacenter, Duration::minutes(5));
    let vpn = on(targets.vpn, Duration::minutes(5));
    let suspended = on(targets.suspended, Duration::minutes(5));
    let flooded = on(targets.flooded, Duration::minutes(5));
    let review = on(targets.review, Duration::seconds(3));
    let all = [
        &exact,
        &short,
        &datacenter,
        &vpn,
        &suspended,
        &flooded,
        &review,
    ];
    send_shuffled(app, &w.twin, rng, all.iter().map(|c| c.event()).collect()).await;
    app.eventually(
        "SELECT count(*) FROM conversions WHERE status <> 'pending'",
        all.len() as i64,
    )
    .await;

    let expect = [
        (&exact, "approved", json!([])),
        (&short, "rejected_fraud", json!(["ctit_short"])),
        (&datacenter, "rejected_fraud", json!(["datacenter_ip"])),
        (&vpn, "approved", json!(["vpn_ip"])),
        (&suspended, "rejected_fraud", json!(["suspended_promoter"])),
        (&flooded, "rejected_fraud", json!(["click_flood"])),
        (&review, "pending_review", json!(["ctit_short"])),
    ];
    for (conv, status, fraud) in &expect {
        let c = app
            .get_json(&format!("/v1/conversions/{}", conv.id), &w.m.adv.token)
            .await;
        assert_eq!((&c["status"], &c["fraud"]), (&json!(status), fraud), "{c}");
        let paid = *status == "approved" || *status == "pending_review";
        assert_eq!(c["payout"].is_null(), !paid, "{c}");
    }

    // Flagged ones in the list, by reason.
    let listed = |query: &'static str| async move {
        let page: Value = app
            .get_json(&format!("/v1/conversions?{query}"), &w.m.adv.token)
            .await;
        page["data"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(listed("fraud=any").await, 6);
    assert_eq!(listed("fraud=ctit_short").await, 2);
    assert_eq!(listed("fraud=none").await, 1);
    let resp = app
        .get("/v1/conversions?fraud=everything")
        .bearer_auth(&w.m.adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;

    // An admin overrules a hosting-range rejection; the advertiser a short CTIT and the
    // held one. Each then counts, with its payout, and the audit names the reviewer.
    let before = stats_conversions(app).await;
    let decide = |token: String, id: Uuid, action: &'static str| async move {
        app.post(&format!("/v1/conversions/{id}/{action}"))
            .bearer_auth(token)
            .json(&json!({"reason": "checked by hand"}))
            .send()
            .await
            .expect("request")
    };
    let resp = decide(w.m.promoter.token.clone(), datacenter.id, "approve").await;
    assert_eq!(resp.status(), 403);
    let resp = decide(w.m.admin.token.clone(), datacenter.id, "approve").await;
    assert_eq!(resp.status(), 200);
    let c: Value = resp.json().await.expect("json");
    assert_eq!(
        (
            &c["status"],
            &c["fraud"],
            &c["fraud_overruled"],
            &c["payout"]
        ),
        (
            &json!("approved"),
            &json!(["datacenter_ip"]),
            &json!(true),
            &json!("12.50")
        ),
        "{c}"
    );
    let resp = decide(w.m.adv.token.clone(), short.id, "approve").await;
    assert_eq!(resp.status(), 200);
    let resp = decide(w.m.adv.token.clone(), review.id, "approve").await;
    assert_eq!(resp.status(), 200);
    // Approving one held for its flags overrules them (a late flag will not hold it again).
    let c: Value = resp.json().await.expect("json");
    assert_eq!(
        (&c["status"], &c["fraud_overruled"]),
        (&json!("approved"), &json!(true)),
        "{c}"
    );
    // Approved already, or rejected for good: not again.
    problem(
        decide(w.m.adv.token.clone(), exact.id, "approve").await,
        409,
        "illegal_transition",
    )
    .await;
    problem(
        decide(w.m.adv.token.clone(), flooded.id, "reject").await,
        409,
        "illegal_transition",
    )
    .await;
    assert_eq!(stats_conversions(app).await, before + 3);
    let audit: Vec<(Option<i64>, String, String)> = sqlx::query_as(
        "SELECT actor_id, from_status, to_status FROM conversion_audit WHERE conversion_id = $1 ORDER BY id",
    )
    .bind(datacenter.id)
    .fetch_all(&app.db)
    .await
    .expect("audit");
    assert_eq!(
        audit,
        vec![(
            Some(w.m.admin.id),
            "rejected_fraud".to_owned(),
            "approved".to_owned()
        )]
    );
}

async fn stats_conversions(app: &TestApp) -> i64 {
    scalar(
        &app.db,
        "SELECT sum(conversions)::bigint FROM stats_conversions",
    )
    .await
}

#[tokio::test]
async fn a_unique_click_flagged_late_hands_its_place_to_the_visitors_next_clean_click() {
    let w = world().await;
    let app = &w.m.app;
    let t0 = start_of_traffic();
    let s = |secs: f64| t0 + Duration::seconds_f64(secs);
    let q = |at: f64| {
        let mut c = Click::new(w.m.offer, w.m.promoter.id, s(at));
        c.ip = "100.64.9.1".to_owned();
        c.user_agent = "Mozilla/5.0 (Q)".to_owned();
        c
    };
    // The visitor's click at 31 s, then again at 200 s, arrive first: the first is unique.
    let (early, later) = (q(31.0), q(200.0));
    app.ingest(&[early.event(), later.event()]).await;
    let unique_of = |id: Uuid| async move {
        sqlx::query_scalar::<_, bool>("SELECT is_unique FROM clicks WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("stored")
    };
    assert!(unique_of(early.id).await && !unique_of(later.id).await);
    // Sixty other visitors behind the same IP in the 30 s before make it the 61st.
    let others: Vec<Value> = (0..60u32)
        .map(|k| {
            let mut c = Click::new(w.m.offer, w.m.promoter.id, s(f64::from(k) * 0.5));
            c.ip = "100.64.9.1".to_owned();
            c.user_agent = format!("Mozilla/5.0 (other {k})");
            c.event()
        })
        .collect();
    app.ingest(&others).await;
    let fraud: Vec<String> = sqlx::query_scalar("SELECT fraud FROM clicks WHERE id = $1")
        .bind(early.id)
        .fetch_one(&app.db)
        .await
        .expect("stored");
    assert_eq!(fraud, vec!["ip_flood".to_owned()]);
    assert!(!unique_of(early.id).await && unique_of(later.id).await);
    let db = &app.db;
    assert_eq!(
        scalar(db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        61
    );
    assert_eq!(
        scalar(db, "SELECT sum(filtered_clicks)::bigint FROM stats_clicks").await,
        1
    );
    assert_eq!(
        scalar(db, "SELECT sum(unique_clicks)::bigint FROM stats_clicks").await,
        61
    );
    assert_eq!(
        scalar(
            db,
            "SELECT sum(clicks)::bigint FROM stats_filtered WHERE reason = 'ip_flood'"
        )
        .await,
        1
    );
    // The live counters moved the click too.
    app.settled().await;
    let live: Value = app.get_json("/v1/stats/live", &w.m.admin.token).await;
    assert_eq!(
        (
            &live["clicks"],
            &live["filtered_clicks"],
            &live["unique_clicks"]
        ),
        (&json!(61), &json!(1), &json!(61)),
        "{live}"
    );
}

#[tokio::test]
async fn scoring_off_flags_nothing_and_ctit_is_a_setting_per_offer() {
    let m = crate::tracking::market_with(
        crate::helpers::Options {
            env: vec![
                ("AFFTOK_FRAUD_SCORING", "false".to_owned()),
                ("AFFTOK_FRAUD_MIN_CTIT_SECS", "30".to_owned()),
            ],
            ..Default::default()
        },
        json!({}),
    )
    .await;
    let app = &m.app;
    import_ranges(&app.db).await;
    let t0 = start_of_traffic();
    let mut headless = Click::new(m.offer, m.promoter.id, t0);
    headless.ip = "203.0.113.9".to_owned();
    headless.user_agent = HEADLESS.to_owned();
    app.ingest(&[headless.event()]).await;
    assert_eq!(
        scalar(&app.db, "SELECT count(*) FROM clicks WHERE fraud = '{}'").await,
        1
    );
    // The platform's minimum is 30 s here; an offer may set its own.
    let adv = m.advertiser_id();
    let slow = Conversion::new(adv, headless.id, t0 + Duration::seconds(20));
    app.ingest(&[slow.event()]).await;
    assert_eq!(app.status_of(slow.id).await, "rejected_fraud");
    let own = app
        .approved_offer(&m.adv, &m.admin, json!({"min_ctit_seconds": 5}))
        .await;
    let mut c = Click::new(own, m.promoter.id, t0);
    c.ip = "100.64.0.1".to_owned();
    let quick = Conversion::new(adv, c.id, t0 + Duration::seconds(5));
    app.ingest(&[c.event(), quick.event()]).await;
    assert_eq!(app.status_of(quick.id).await, "approved");
    // Out of range, or not a policy: refused with the field named.
    for (body, field, status, code) in [
        (
            json!({"min_ctit_seconds": 86_401}),
            "min_ctit_seconds",
            422,
            "validation_failed",
        ),
        (
            json!({"min_ctit_seconds": -1}),
            "min_ctit_seconds",
            422,
            "validation_failed",
        ),
        (
            json!({"fraud_policy": "ignore"}),
            "fraud_policy",
            400,
            "invalid_body",
        ),
    ] {
        let resp = app
            .patch(&format!("/v1/offers/{own}"))
            .bearer_auth(&m.adv.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let p = problem(resp, status, code).await;
        assert!(p.to_string().contains(field), "{p}");
    }
    let offer: Value = app
        .get_json(&format!("/v1/offers/{own}"), &m.adv.token)
        .await;
    assert_eq!(
        (&offer["min_ctit_seconds"], &offer["fraud_policy"]),
        (&json!(5), &json!("reject"))
    );
}

#[tokio::test]
async fn a_conversion_on_a_click_flagged_later_leaves_the_stats() {
    let w = world().await;
    let app = &w.m.app;
    let t0 = start_of_traffic();
    let click = |secs: i64| {
        let mut c = Click::new(w.m.offer, w.m.promoter.id, t0 + Duration::seconds(secs));
        c.ip = "100.64.8.1".to_owned();
        c.user_agent = BROWSERS[0].to_owned();
        c
    };
    // The visitor's sixth click in five seconds arrives first, with a sale a minute later:
    // alone, it is clean and the sale approved.
    let sixth = click(5);
    let sale = Conversion::new(
        w.m.advertiser_id(),
        sixth.id,
        sixth.ts + Duration::minutes(1),
    );
    app.ingest(&[sixth.event(), sale.event()]).await;
    assert_eq!(app.status_of(sale.id).await, "approved");
    assert_eq!(stats_conversions(app).await, 1);
    // The five before it arrive: it is a flood, and its sale is rejected as fraud.
    let before: Vec<Value> = (0..5).map(|s| click(s).event()).collect();
    app.ingest(&before).await;
    let c = app
        .get_json(&format!("/v1/conversions/{}", sale.id), &w.m.adv.token)
        .await;
    assert_eq!(
        (&c["status"], &c["fraud"], &c["payout"]),
        (
            &json!("rejected_fraud"),
            &json!(["click_flood"]),
            &Value::Null
        ),
        "{c}"
    );
    assert_eq!(stats_conversions(app).await, 0);
    let audit: Vec<(Option<i64>, String, String, String)> = sqlx::query_as(
        "SELECT actor_id, from_status, to_status, reason FROM conversion_audit WHERE conversion_id = $1",
    )
    .bind(sale.id)
    .fetch_all(&app.db)
    .await
    .expect("audit");
    assert_eq!(
        audit,
        vec![(
            None,
            "approved".to_owned(),
            "rejected_fraud".to_owned(),
            "its click was flagged later: click_flood".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_slot_freed_by_a_late_flag_goes_to_the_next_conversion() {
    let m = market(json!({"total_cap": 1})).await;
    let app = &m.app;
    import_ranges(&app.db).await;
    let t0 = start_of_traffic();
    let visitor = |secs: i64, ip: &str| {
        let mut c = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(secs));
        c.ip = ip.to_owned();
        c.user_agent = BROWSERS[1].to_owned();
        c
    };
    let adv = m.advertiser_id();
    // The cap's one slot goes to the sale on the (for now clean) sixth click; the next sale,
    // on another visitor's click, is over the cap.
    let sixth = visitor(5, "100.64.7.1");
    let other = visitor(30, "100.64.7.2");
    let first = Conversion::new(adv, sixth.id, sixth.ts + Duration::minutes(1)).txid("A");
    let second = Conversion::new(adv, other.id, other.ts + Duration::minutes(1)).txid("B");
    app.ingest(&[sixth.event(), other.event(), first.event(), second.event()])
        .await;
    assert_eq!(app.status_of(first.id).await, "approved");
    assert_eq!(app.status_of(second.id).await, "over_cap");
    // The visitor's five earlier clicks arrive: the first sale is fraud, the second takes the
    // slot, paid.
    let earlier: Vec<Value> = (0..5).map(|s| visitor(s, "100.64.7.1").event()).collect();
    app.ingest(&earlier).await;
    assert_eq!(app.status_of(first.id).await, "rejected_fraud");
    let c = app
        .get_json(&format!("/v1/conversions/{}", second.id), &m.adv.token)
        .await;
    assert_eq!(
        (&c["status"], &c["payout"]),
        (&json!("approved"), &json!("12.50")),
        "{c}"
    );
    assert_eq!(stats_conversions(app).await, 1);
    assert_eq!(
        scalar(&app.db, "SELECT count(*) FROM fraud_rechecks").await,
        0,
        "the recheck is done"
    );
}

#[tokio::test]
async fn a_recheck_left_by_an_interrupted_batch_is_done_by_the_sweeper() {
    // A short wait makes the sweeper run every half second.
    let m = crate::tracking::market_with(
        crate::helpers::Options {
            attribution_wait_secs: 2,
            ..Default::default()
        },
        json!({}),
    )
    .await;
    let app = &m.app;
    let t0 = start_of_traffic();
    let mut click = Click::new(m.offer, m.promoter.id, t0);
    click.ip = "100.64.7.9".to_owned();
    let sale = Conversion::new(m.advertiser_id(), click.id, t0 + Duration::minutes(1));
    app.ingest(&[click.event(), sale.event()]).await;
    assert_eq!(app.status_of(sale.id).await, "approved");
    // As if a batch flagged the click and stopped before rechecking its conversions.
    sqlx::query("UPDATE clicks SET fraud = '{ip_flood}' WHERE id = $1")
        .bind(click.id)
        .execute(&app.db)
        .await
        .expect("flagged");
    sqlx::query(
        "INSERT INTO fraud_rechecks (click_id, at) VALUES ($1, now() - interval '1 minute')",
    )
    .bind(click.id)
    .execute(&app.db)
    .await
    .expect("recheck");
    app.eventually(
        &format!(
            "SELECT count(*) FROM conversions WHERE id = '{}' AND status = 'rejected_fraud'",
            sale.id
        ),
        1,
    )
    .await;
    app.eventually("SELECT count(*) FROM fraud_rechecks", 0)
        .await;
}

/// The flags of a stored click.
async fn fraud_of(db: &sqlx::PgPool, id: Uuid) -> Vec<String> {
    sqlx::query_scalar("SELECT fraud FROM clicks WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
        .expect("stored")
}

/// The flood counts as the app keeps them, started (a new database has no clicks: they are
/// whole from the start), and a connection to look at them.
async fn flood_counts(
    app: &TestApp,
) -> (
    afftok_control_plane::fraud::FloodCounts,
    redis::aio::MultiplexedConnection,
) {
    use afftok_control_plane::fraud;
    let redis = afftok_control_plane::app::startup::connect_redis(&app.settings)
        .await
        .expect("Redis");
    let counts = fraud::FloodCounts::new(redis, &app.settings.redis_key_prefix);
    fraud::start_counting(&app.db, &counts)
        .await
        .expect("counting started");
    (counts, app.redis().await)
}

/// A click on `m`'s offer by its promoter's link, at `ts` from `ip` with `user_agent`.
fn click_from(m: &Market, ts: OffsetDateTime, ip: &str, user_agent: &str) -> Click {
    let mut c = Click::new(m.offer, m.promoter.id, ts);
    c.ip = ip.to_owned();
    c.user_agent = user_agent.to_owned();
    c
}

/// Writes an ok click in a batch's transaction, as ingest stores one.
async fn write_in_flight(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, c: &Click) {
    sqlx::query(
        "INSERT INTO clicks (id, ts, offer_id, promoter_id, kid, verdict, ip, user_agent, edge)
         VALUES ($1, $2, $3, $4, 1, 'ok', $5::inet, $6, 'native')",
    )
    .bind(c.id)
    .bind(c.ts)
    .bind(c.offer_id)
    .bind(c.promoter_id)
    .bind(&c.ip)
    .bind(&c.user_agent)
    .execute(&mut **tx)
    .await
    .expect("a click of the batch in flight");
}

/// The generation of the flood counts and the clicks counted for `ip` in the minute `at` lies
/// in, as Redis has them.
async fn counted(
    app: &TestApp,
    redis: &mut redis::aio::MultiplexedConnection,
    ip: &str,
    at: OffsetDateTime,
) -> (i64, i64) {
    let generation = scalar(&app.db, "SELECT flood_gen FROM fraud_state").await;
    let minute = at.unix_timestamp() - at.unix_timestamp().rem_euclid(60);
    let key = format!(
        "{}flood:{generation}:{minute}",
        app.settings.redis_key_prefix
    );
    let n: Option<i64> = redis.hget(key, ip).await.expect("a count");
    (generation, n.unwrap_or(0))
}

#[tokio::test]
async fn a_batch_that_counts_later_waits_for_a_cold_batch_in_flight_and_sees_its_clicks() {
    use afftok_control_plane::fraud;
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = start_of_traffic();
    let visitor = |secs: i64| {
        let mut c = Click::new(m.offer, m.promoter.id, t0 + Duration::seconds(secs));
        c.ip = "100.64.20.1".to_owned();
        c.user_agent = "Mozilla/5.0 (in flight)".to_owned();
        c
    };
    let ip: std::net::IpAddr = "100.64.20.1".parse().expect("an IP");
    // A batch of five clicks of one visitor within 5 s is in flight, as ingest runs it: its
    // IP locked shared, its clicks counted, the IP cold (five is the limit), its rows written
    // but not committed.
    let five: Vec<Click> = (0..5).map(visitor).collect();
    let limits = app.settings.fraud.flood;
    let cache = fraud::ScoringCache::default();
    let (counts, _) = flood_counts(app).await;
    let mut tx = app.db.begin().await.expect("begin");
    let (_, windows, prepared) = fraud::prepare(
        &mut tx,
        &app.db,
        &cache,
        &counts,
        limits,
        five.iter().map(|c| (ip, c.ts)),
        false,
    )
    .await
    .expect("counted");
    assert_eq!(
        prepared,
        fraud::Prepared::AllCold,
        "five clicks in a window are cold"
    );
    assert_eq!(windows.heat(), (0, 1));
    for c in &five {
        write_in_flight(&mut tx, c).await;
    }
    // The sixth arrives through the API meanwhile: its count makes the IP hot, so it waits for
    // the batch in flight and then reads its clicks.
    let sixth = visitor(6);
    let in_flight = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let stored = scalar(
            &app.db,
            &format!("SELECT count(*) FROM clicks WHERE id = '{}'", sixth.id),
        )
        .await;
        tx.commit().await.expect("the batch in flight commits");
        stored
    };
    let ((), stored_meanwhile) = tokio::join!(
        async {
            app.ingest(&[sixth.event()]).await;
        },
        in_flight
    );
    assert_eq!(
        stored_meanwhile, 0,
        "the sixth waited for the batch in flight"
    );
    assert_eq!(fraud_of(&app.db, sixth.id).await, vec!["click_flood"]);
    for c in &five {
        assert!(fraud_of(&app.db, c.id).await.is_empty());
    }
}

#[tokio::test]
async fn a_batch_that_counts_an_ip_hot_waits_for_the_cold_batches_counted_before_it() {
    use afftok_control_plane::fraud;
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = start_of_traffic();
    let ip: std::net::IpAddr = "100.64.22.1".parse().expect("an IP");
    let other: std::net::IpAddr = "100.64.22.2".parse().expect("an IP");
    let three = |ip, from: i64| (from..from + 3).map(move |s| (ip, t0 + Duration::seconds(s)));
    let limits = app.settings.fraud.flood;
    let cache = fraud::ScoringCache::default();
    let (counts, _) = flood_counts(app).await;
    let prepare = async |tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, clicks: Vec<_>| {
        let (scoring, windows, prepared) =
            fraud::prepare(tx, &app.db, &cache, &counts, limits, clicks, false)
                .await
                .expect("counted");
        (scoring, windows, prepared == fraud::Prepared::AllCold)
    };
    let lock_windows = async |tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
                              windows: &mut fraud::Windows| {
        fraud::lock_windows(tx, &app.db, &cache, &counts, windows).await
    };
    // Batch A counts three clicks under its shared lock: cold, it goes on (its rows not yet
    // committed). Batch B counts three more: six around them, hot, so B starts again.
    let mut a = app.db.begin().await.expect("begin");
    let (_, _, all_cold) = prepare(&mut a, three(ip, 0).collect()).await;
    assert!(all_cold);
    let mut b = app.db.begin().await.expect("begin");
    let (_, mut b_windows, all_cold) = prepare(&mut b, three(ip, 3).collect()).await;
    assert!(!all_cold);
    assert_eq!(b_windows.heat(), (1, 0));
    b.rollback().await.expect("lets go of B's shared lock");
    // B's exclusive lock waits for A, whose count it saw, until A commits.
    let mut b = app.db.begin().await.expect("begin");
    let waited = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        lock_windows(&mut b, &mut b_windows),
    )
    .await;
    assert!(waited.is_err(), "B waits for A's shared lock");
    drop(b);
    a.commit().await.expect("A commits");
    let mut b = app.db.begin().await.expect("begin");
    assert!(lock_windows(&mut b, &mut b_windows).await.expect("locked"));
    b.commit().await.expect("B commits");

    // Batch C: three clicks of another IP ten minutes on (cold) and one three hours old
    // (past the counts' horizon: hot), so C starts again. Meanwhile D counts three clicks
    // next to C's: C's cold IP turns hot in C's second read, and C starts once more.
    let later = t0 + Duration::minutes(10);
    let mut c = app.db.begin().await.expect("begin");
    let mut clicks: Vec<_> = (0..3)
        .map(|s| (other, later + Duration::seconds(s)))
        .collect();
    clicks.push((ip, t0 - Duration::hours(3)));
    let (_, mut c_windows, all_cold) = prepare(&mut c, clicks).await;
    assert!(!all_cold);
    assert_eq!(c_windows.heat(), (1, 1));
    c.rollback().await.expect("rolled back");
    let mut d = app.db.begin().await.expect("begin");
    let d_clicks = (3..6)
        .map(|s| (other, later + Duration::seconds(s)))
        .collect();
    let (_, _, all_cold) = prepare(&mut d, d_clicks).await;
    assert!(!all_cold, "six around D's clicks");
    d.rollback().await.expect("rolled back");
    let mut c = app.db.begin().await.expect("begin");
    assert!(
        !lock_windows(&mut c, &mut c_windows).await.expect("locked"),
        "C's cold IP turned hot under the lock"
    );
    assert_eq!(c_windows.heat(), (2, 0));
    c.rollback().await.expect("rolled back");
    let mut c = app.db.begin().await.expect("begin");
    assert!(lock_windows(&mut c, &mut c_windows).await.expect("locked"));
}

#[tokio::test]
async fn a_new_database_on_the_same_redis_keys_counts_none_of_the_old_ones_clicks() {
    use afftok_control_plane::fraud;
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = minute_of_traffic();
    let (counts, mut redis) = flood_counts(app).await;
    let five: Vec<Click> = (0..5)
        .map(|s| click_from(&m, t0 + Duration::seconds(s), "100.64.26.1", "Mozilla/5.0"))
        .collect();
    app.ingest(&five.iter().map(Click::event).collect::<Vec<_>>())
        .await;
    assert_eq!(counted(app, &mut redis, "100.64.26.1", t0).await, (1, 5));
    // Another database (a new one, or one restored from a backup) under the same key prefix:
    // its counts start under a generation of their own, without the first one's clicks, when
    // its control plane starts.
    let (_, url) = crate::helpers::fresh_database().await;
    let settings = crate::helpers::settings_for(
        &url,
        &app.settings.redis_key_prefix,
        &crate::helpers::Options::default(),
    );
    let other = afftok_control_plane::app::Application::build(settings)
        .await
        .expect("migrated");
    let db = other.state().db.clone();
    let ip: std::net::IpAddr = "100.64.26.1".parse().expect("an IP");
    let mut tx = db.begin().await.expect("begin");
    let (_, _, prepared) = fraud::prepare(
        &mut tx,
        &db,
        &fraud::ScoringCache::default(),
        &counts,
        app.settings.fraud.flood,
        [(ip, t0 + Duration::seconds(5))],
        false,
    )
    .await
    .expect("prepared");
    assert_eq!(prepared, fraud::Prepared::AllCold, "one click counted");
    tx.commit().await.expect("committed");
    assert_eq!(
        counted(app, &mut redis, "100.64.26.1", t0).await,
        (1, 5),
        "the first database's counts are its own"
    );
    let generation: i64 = sqlx::query_scalar("SELECT flood_gen FROM fraud_state")
        .fetch_one(&db)
        .await
        .expect("its generation");
    assert_eq!(generation, 2);
}

#[tokio::test]
async fn a_batch_of_thousands_of_ips_in_one_minute_is_counted_whole() {
    use afftok_control_plane::fraud;
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = minute_of_traffic();
    let (counts, mut redis) = flood_counts(app).await;
    let ips: Vec<std::net::IpAddr> = (0..9_000u32)
        .map(|i| std::net::IpAddr::from([100, 65, (i >> 8) as u8, i as u8]))
        .collect();
    let cache = fraud::ScoringCache::default();
    let mut tx = app.db.begin().await.expect("begin");
    let (_, windows, prepared) = fraud::prepare(
        &mut tx,
        &app.db,
        &cache,
        &counts,
        app.settings.fraud.flood,
        ips.iter().map(|ip| (*ip, t0)),
        false,
    )
    .await
    .expect("counted");
    assert_eq!(prepared, fraud::Prepared::AllCold);
    assert_eq!(windows.heat(), (0, 9_000));
    assert_eq!(counted(app, &mut redis, "100.65.35.39", t0).await, (1, 1));
    assert_eq!(
        scalar(&app.db, "SELECT flood_epoch FROM fraud_state").await,
        0
    );
}

#[tokio::test]
async fn a_control_plane_that_scores_starts_the_counts_and_leaves_whole_ones_alone() {
    use afftok_control_plane::fraud;
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = minute_of_traffic();
    let (counts, mut redis) = flood_counts(app).await;
    // Started when the control plane was built, before any batch came.
    let state = format!("{}flood:state", app.settings.redis_key_prefix);
    let started: i64 = redis
        .hget(&state, "gen")
        .await
        .expect("the counts' generation");
    assert_eq!(started, 1);
    assert_eq!(
        scalar(&app.db, "SELECT flood_gen FROM fraud_state").await,
        1
    );
    // A batch in flight holds the lock every batch shares. Asked to start the counts (as by
    // the other batches in flight when they were found lost, after the first started them),
    // this control plane finds them whole: it does not wait for that batch, and the
    // generation stays.
    let ip: std::net::IpAddr = "100.64.27.1".parse().expect("an IP");
    let mut in_flight = app.db.begin().await.expect("begin");
    let (_, _, prepared) = fraud::prepare(
        &mut in_flight,
        &app.db,
        &fraud::ScoringCache::default(),
        &counts,
        app.settings.fraud.flood,
        [(ip, t0)],
        false,
    )
    .await
    .expect("counted");
    assert_eq!(prepared, fraud::Prepared::AllCold);
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        fraud::start_counting(&app.db, &counts),
    )
    .await
    .expect("not held back by the batch in flight")
    .expect("whole already");
    assert_eq!(
        scalar(&app.db, "SELECT flood_gen FROM fraud_state").await,
        1
    );
    in_flight.commit().await.expect("the batch ends");
    assert_eq!(counted(app, &mut redis, "100.64.27.1", t0).await, (1, 1));
}

#[tokio::test]
async fn counting_starts_again_from_the_stored_clicks_once_no_batch_is_in_flight() {
    use afftok_control_plane::fraud;
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = minute_of_traffic();
    let visitor = |secs: i64, ip: &str| {
        click_from(
            &m,
            t0 + Duration::seconds(secs),
            ip,
            "Mozilla/5.0 (counted again)",
        )
    };
    let (counts, mut redis) = flood_counts(app).await;
    // Five clicks of a visitor, stored and counted.
    let five: Vec<Click> = (0..5).map(|s| visitor(s, "100.64.23.1")).collect();
    app.ingest(&five.iter().map(Click::event).collect::<Vec<_>>())
        .await;
    assert_eq!(counted(app, &mut redis, "100.64.23.1", t0).await, (1, 5));
    // A batch of three clicks of another IP in flight: counted, its rows not committed.
    let other: std::net::IpAddr = "100.64.23.2".parse().expect("an IP");
    let cache = fraud::ScoringCache::default();
    let mut in_flight = app.db.begin().await.expect("begin");
    let (_, _, prepared) = fraud::prepare(
        &mut in_flight,
        &app.db,
        &cache,
        &counts,
        app.settings.fraud.flood,
        (0..3).map(|s| (other, t0 + Duration::seconds(s))),
        false,
    )
    .await
    .expect("counted");
    assert_eq!(prepared, fraud::Prepared::AllCold);
    for c in (0..3).map(|s| visitor(s, "100.64.23.2")) {
        write_in_flight(&mut in_flight, &c).await;
    }
    // Redis restarts on a file that lacks its last counts: the counts say another Redis
    // process made them, so they are not whole. Counting starts again, once the batch in
    // flight is over, and counts it.
    let state = format!("{}flood:state", app.settings.redis_key_prefix);
    let _: () = redis
        .hset(&state, "run", "0000000000000000000000000000000000000000")
        .await
        .expect("another run");
    let start = fraud::start_counting(&app.db, &counts);
    tokio::pin!(start);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), &mut start)
            .await
            .is_err(),
        "counting starts again once no batch is in flight"
    );
    in_flight.commit().await.expect("the batch in flight ends");
    start.await.expect("counting started again");
    assert_eq!(counted(app, &mut redis, "100.64.23.1", t0).await, (2, 5));
    assert_eq!(counted(app, &mut redis, "100.64.23.2", t0).await, (2, 3));
    let since: i64 = redis.hget(&state, "since").await.expect("since");
    assert!(
        since <= (OffsetDateTime::now_utc() - Duration::hours(2)).unix_timestamp(),
        "whole over the horizon: {since}"
    );
    // Started, it is not started again; the visitor's sixth click is flagged, counted cold.
    fraud::start_counting(&app.db, &counts)
        .await
        .expect("whole already");
    let sixth = visitor(6, "100.64.23.1");
    app.ingest(&[sixth.event()]).await;
    assert_eq!(fraud_of(&app.db, sixth.id).await, vec!["click_flood"]);
    assert_eq!(counted(app, &mut redis, "100.64.23.1", t0).await, (2, 6));
}

#[tokio::test]
async fn a_batch_that_cannot_count_reads_its_windows_and_counting_then_starts_again() {
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = minute_of_traffic();
    let visitor = |secs: i64| {
        click_from(
            &m,
            t0 + Duration::seconds(secs),
            "100.64.24.1",
            "Mozilla/5.0 (uncounted)",
        )
    };
    let (_, mut redis) = flood_counts(app).await;
    let five: Vec<Click> = (0..5).map(visitor).collect();
    app.ingest(&five.iter().map(Click::event).collect::<Vec<_>>())
        .await;
    // Redis fails the counts (the state is not a hash: every count errs): the sixth click's
    // batch cannot count, moves the epoch, and is scored from its windows.
    let state = format!("{}flood:state", app.settings.redis_key_prefix);
    let whole: Vec<(String, String)> = redis.hgetall(&state).await.expect("the state");
    let _: () = redis.del(&state).await.expect("deleted");
    let _: () = redis.set(&state, "not a hash").await.expect("set");
    let sixth = visitor(6);
    app.ingest(&[sixth.event()]).await;
    assert_eq!(fraud_of(&app.db, sixth.id).await, vec!["click_flood"]);
    assert!(scalar(&app.db, "SELECT flood_epoch FROM fraud_state").await >= 1);
    assert_eq!(
        scalar(&app.db, "SELECT flood_gen FROM fraud_state").await,
        1
    );
    // Redis counts again (after the pause that follows a failed count), its state as before:
    // its counts are behind the epoch, so counting starts again from the stored clicks, the
    // uncounted sixth among them, and the seventh is flagged.
    let _: () = redis.del(&state).await.expect("deleted");
    let _: () = redis.hset_multiple(&state, &whole).await.expect("restored");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let seventh = visitor(7);
    app.ingest(&[seventh.event()]).await;
    assert_eq!(fraud_of(&app.db, seventh.id).await, vec!["click_flood"]);
    assert_eq!(counted(app, &mut redis, "100.64.24.1", t0).await, (2, 7));
    for c in &five {
        assert!(fraud_of(&app.db, c.id).await.is_empty());
    }
}

#[tokio::test]
async fn clicks_stored_by_a_control_plane_with_scoring_off_are_counted_when_one_with_it_on_counts()
{
    let m = market(json!({})).await;
    let app = &m.app;
    let t0 = minute_of_traffic();
    let visitor = |secs: i64| {
        click_from(
            &m,
            t0 + Duration::seconds(secs),
            "100.64.25.1",
            "Mozilla/5.0 (scoring off)",
        )
    };
    let (_, mut redis) = flood_counts(app).await;
    // Five clicks through a control plane with scoring off: stored, not counted.
    let off = app
        .twin_changed(vec![("AFFTOK_FRAUD_SCORING", "false".to_owned())])
        .await;
    let five: Vec<Click> = (0..5).map(visitor).collect();
    off.ingest(&five.iter().map(Click::event).collect::<Vec<_>>())
        .await;
    assert_eq!(counted(app, &mut redis, "100.64.25.1", t0).await, (1, 0));
    // The sixth through this one, with scoring on: the counts start again from the stored
    // clicks (the other moved the epoch as it started), and the sixth is flagged.
    let sixth = visitor(6);
    app.ingest(&[sixth.event()]).await;
    assert_eq!(fraud_of(&app.db, sixth.id).await, vec!["click_flood"]);
    assert_eq!(counted(app, &mut redis, "100.64.25.1", t0).await, (2, 6));
}

#[tokio::test]
async fn clicks_are_counted_per_ip_and_minute_and_late_ones_are_scored_from_their_windows() {
    let m = market(json!({})).await;
    let app = &m.app;
    let at = |base: OffsetDateTime, secs: i64, ip: &str| {
        let mut c = Click::new(m.offer, m.promoter.id, base + Duration::seconds(secs));
        c.ip = ip.to_owned();
        c.user_agent = "Mozilla/5.0 (counted)".to_owned();
        c
    };
    // Recent clicks, one a batch, one delivered twice: counted per IP and UTC minute, a
    // redelivery again (counts only over-count).
    let minute = |t: OffsetDateTime| {
        t.replace_second(0)
            .and_then(|t| t.replace_nanosecond(0))
            .expect("a minute")
    };
    let t0 = minute(start_of_traffic()) + Duration::minutes(1);
    let recent = [
        at(t0, 1, "100.64.21.1"),
        at(t0, 59, "100.64.21.1"),
        at(t0, 61, "100.64.21.1"),
    ];
    for c in &recent {
        app.ingest(&[c.event()]).await;
    }
    app.ingest(&[recent[0].event()]).await;
    let mut redis = app.redis().await;
    let generation = scalar(&app.db, "SELECT flood_gen FROM fraud_state").await;
    assert_eq!(
        counted(app, &mut redis, "100.64.21.1", t0).await,
        (generation, 3)
    );
    assert_eq!(
        counted(app, &mut redis, "100.64.21.1", t0 + Duration::minutes(1)).await,
        (generation, 1)
    );

    // Redis loses the counts (emptied): the visitor's five clicks are stored but counted
    // nowhere, and the sixth, a batch of its own, is still flagged: counting starts again
    // from the stored clicks.
    let five: Vec<Click> = (0..5).map(|k| at(t0, 10 + k, "100.64.21.3")).collect();
    app.ingest(&five.iter().map(Click::event).collect::<Vec<_>>())
        .await;
    let keys: Vec<String> = redis
        .keys(format!("{}flood:*", app.settings.redis_key_prefix))
        .await
        .expect("keys");
    let _: () = redis.del(keys).await.expect("emptied");
    let sixth = at(t0, 16, "100.64.21.3");
    app.ingest(&[sixth.event()]).await;
    assert_eq!(fraud_of(&app.db, sixth.id).await, vec!["click_flood"]);
    // Counted again from the stored clicks (the generations' counter went too: it begins again).
    assert_eq!(counted(app, &mut redis, "100.64.21.3", t0).await, (1, 6));

    // Clicks three hours old, past the counts' horizon, one a batch: their windows are read.
    let old = OffsetDateTime::now_utc() - Duration::hours(3);
    let late: Vec<Click> = (0..7).map(|k| at(old, k, "100.64.21.2")).collect();
    for c in late.iter().rev() {
        app.ingest(&[c.event()]).await;
    }
    for (k, c) in late.iter().enumerate() {
        let expected: Vec<String> = if k >= 5 {
            vec!["click_flood".to_owned()]
        } else {
            Vec::new()
        };
        assert_eq!(fraud_of(&app.db, c.id).await, expected, "click {k}");
    }
}
