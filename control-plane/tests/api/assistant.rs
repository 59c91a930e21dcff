//! The assistant (DESIGN §14): a generated market (two advertisers, a dozen offers, promoters
//! with traffic spread over two months, sent through the signed ingest), and every answer
//! compared with what the test recounts from the raw rows: the overview's periods and best
//! offer, the analysis's findings, the ranking of suggestions; tenancy; tips just on and just
//! off their thresholds; languages, roles and bad input.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{Account, TestApp, fields, problem, spawn_app};
use crate::tracking::{Click, Conversion, earlier_today};

/// `days` UTC days before today at `hour:minute` (always in the past for `days` ≥ 1).
fn day_at(days: i64, hour: i64, minute: i64) -> OffsetDateTime {
    let today = OffsetDateTime::now_utc().date();
    (today - Duration::days(days)).midnight().assume_utc()
        + Duration::hours(hour)
        + Duration::minutes(minute)
}

/// Events to send: every click from a visitor of its own (no floods, every ok click unique).
struct Traffic {
    n: u32,
    clicks: Vec<Value>,
    conversions: Vec<Value>,
}

impl Traffic {
    fn new() -> Self {
        Self {
            n: 0,
            clicks: vec![],
            conversions: vec![],
        }
    }

    fn click(
        &mut self,
        offer: i64,
        promoter: i64,
        ts: OffsetDateTime,
        country: &str,
        sub1: &str,
    ) -> Click {
        self.n += 1;
        let n = self.n;
        let mut c = Click::new(offer, promoter, ts);
        c.ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
        c.country = (!country.is_empty()).then(|| country.to_owned());
        c.sub1 = (!sub1.is_empty()).then(|| sub1.to_owned());
        self.clicks.push(c.event());
        c
    }

    /// `n` clicks spread over the days `days` (inclusive), at `hour`.
    fn clicks(
        &mut self,
        n: usize,
        (offer, promoter): (i64, i64),
        days: (i64, i64),
        hour: i64,
        (country, sub1): (&str, &str),
    ) -> Vec<Click> {
        let span = (days.1 - days.0 + 1) as usize;
        (0..n)
            .map(|i| {
                let ts = day_at(days.0 + (i % span) as i64, hour, (i % 50) as i64);
                self.click(offer, promoter, ts, country, sub1)
            })
            .collect()
    }

    /// A click the edge called a bot.
    fn bot(&mut self, offer: i64, promoter: i64, ts: OffsetDateTime) {
        let mut c = self.click(offer, promoter, ts, "US", "");
        c.verdict = "bot";
        self.clicks.pop();
        self.clicks.push(c.event());
    }

    /// A click without a user agent (blocked for fraud: suspicious_agent).
    fn suspicious(&mut self, offer: i64, promoter: i64, ts: OffsetDateTime) {
        let mut c = self.click(offer, promoter, ts, "US", "");
        c.user_agent = String::new();
        self.clicks.pop();
        self.clicks.push(c.event());
    }

    /// A conversion ten minutes after `click` (a minute after it for today's clicks).
    fn convert(&mut self, advertiser: i64, click: &Click) -> Conversion {
        self.n += 1;
        // Today's a minute after (still in the past, and past the shortest click-to-
        // conversion time offers accept).
        let after = if click.ts.date() == OffsetDateTime::now_utc().date() {
            Duration::seconds(61)
        } else {
            Duration::minutes(10)
        };
        let c =
            Conversion::new(advertiser, click.id, click.ts + after).txid(&format!("T-{}", self.n));
        self.conversions.push(c.event());
        c
    }

    /// Sends the clicks, then the conversions.
    async fn send(&mut self, app: &TestApp) {
        for chunk in self.clicks.chunks(400) {
            app.ingest(chunk).await;
        }
        for chunk in self.conversions.chunks(400) {
            app.ingest(chunk).await;
        }
        self.clicks.clear();
        self.conversions.clear();
    }
}

async fn join(app: &TestApp, who: &Account, offer: i64) {
    let resp = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("join");
    assert!(
        resp.status().is_success(),
        "join {offer}: {}",
        resp.status()
    );
}

/// An offer with a 30-day window and `changes`.
async fn offer(app: &TestApp, adv: &Account, admin: &Account, changes: Value) -> i64 {
    let mut body = json!({"attribution_window_hours": 720});
    if let (Some(b), Some(c)) = (body.as_object_mut(), changes.as_object()) {
        b.extend(c.clone());
    }
    app.approved_offer(adv, admin, body).await
}

/// The generated market.
struct World {
    app: TestApp,
    admin: Account,
    acme: Account,
    globex: Account,
    pat: Account,
    quinn: Account,
    gus: Account,
    /// Offers by short name.
    offers: BTreeMap<&'static str, i64>,
}

impl World {
    fn id(&self, name: &str) -> i64 {
        self.offers[name]
    }
}

async fn world() -> World {
    let app = spawn_app().await;
    app.signing_key(true).await;
    let admin = app.admin().await;
    let acme = app.advertiser("acme").await;
    let globex = app.advertiser("globex").await;
    let pat = app.promoter("pat").await;
    let quinn = app.promoter("quinn").await;
    let gus = app.promoter("gus").await;
    let cpa = |name: &str, category: &str, amount: &str| json!({"name": name, "category": category, "payout_model": "cpa", "payout_amount": amount});
    let mut offers = BTreeMap::new();
    for (key, adv, body) in [
        ("a1", &acme, cpa("Acme Arcade", "games", "2.00")),
        (
            "a2",
            &acme,
            json!({"name": "Acme Loans", "category": "finance", "payout_model": "cpl", "payout_amount": "5.00"}),
        ),
        (
            "g1",
            &globex,
            json!({"name": "Globex Secret Shop", "category": "shopping", "payout_amount": "3.00", "hold_conversions": true}),
        ),
        (
            "ge",
            &globex,
            json!({"name": "Globex Euro Deal", "category": "games", "payout_amount": "50.00", "currency": "EUR"}),
        ),
        ("c1", &acme, cpa("Acme Quest", "games", "3.00")),
        (
            "c2",
            &globex,
            json!({"name": "Globex Credit", "category": "finance", "payout_model": "cpl", "payout_amount": "4.00"}),
        ),
        ("c3", &globex, cpa("Globex Newcomer", "games", "10.00")),
        (
            "c4",
            &globex,
            json!({"name": "Globex Cashback", "category": "shopping", "payout_model": "cps", "payout_amount": null, "payout_percent": "10"}),
        ),
        (
            "x1",
            &globex,
            json!({"name": "Globex Limited", "category": "games", "payout_amount": "1.00", "total_cap": 1}),
        ),
        (
            "x2",
            &acme,
            json!({"name": "Acme Daily", "category": "games", "payout_amount": "1.00", "daily_cap": 1}),
        ),
        (
            "x3",
            &globex,
            json!({"name": "Globex Germany", "category": "games", "payout_amount": "2.00", "geo_allow": ["DE"]}),
        ),
        ("x4", &acme, cpa("Acme Paused", "games", "2.00")),
        (
            "x5",
            &acme,
            json!({"name": "Acme Not Germany", "category": "games", "payout_amount": "2.00", "geo_deny": ["DE"]}),
        ),
    ] {
        offers.insert(key, offer(&app, adv, &admin, body).await);
    }
    let resp = app
        .post(&format!("/v1/offers/{}/pause", offers["x4"]))
        .bearer_auth(&acme.token)
        .send()
        .await
        .expect("pause");
    assert_eq!(resp.status(), 200);
    for o in ["a1", "a2", "g1", "ge"] {
        join(&app, &pat, offers[o]).await;
    }
    for o in ["a1", "a2", "c1", "c2", "c3", "c4", "x1", "x2", "x3"] {
        join(&app, &quinn, offers[o]).await;
    }
    for o in ["g1", "c2"] {
        join(&app, &gus, offers[o]).await;
    }
    let w = World {
        app,
        admin,
        acme,
        globex,
        pat,
        quinn,
        gus,
        offers,
    };
    generate(&w).await;
    w
}

async fn generate(w: &World) {
    let acme = w.acme.advertiser_id.expect("acme");
    let globex = w.globex.advertiser_id.expect("globex");
    let (pat, quinn, gus) = (w.pat.id, w.quinn.id, w.gus.id);
    let mut t = Traffic::new();
    // Pat, the last 30 days: conversions mostly at 13:00 UTC.
    let tiktok = t.clicks(40, (w.id("a1"), pat), (1, 25), 13, ("US", "tiktok"));
    let plain = t.clicks(20, (w.id("a1"), pat), (1, 25), 20, ("US", ""));
    let de = t.clicks(20, (w.id("a1"), pat), (2, 20), 9, ("DE", "ig"));
    for c in tiktok
        .iter()
        .take(5)
        .chain(plain.iter().take(1))
        .chain(de.iter().take(2))
    {
        t.convert(acme, c);
    }
    let loans = t.clicks(40, (w.id("a2"), pat), (1, 28), 13, ("US", ""));
    for c in loans.iter().take(2) {
        t.convert(acme, c);
    }
    let shop = t.clicks(35, (w.id("g1"), pat), (1, 20), 11, ("US", "tiktok"));
    for c in shop.iter().take(5) {
        t.convert(globex, c); // held for review
    }
    let euro = t.clicks(10, (w.id("ge"), pat), (3, 12), 13, ("FR", "ig"));
    t.convert(globex, &euro[0]);
    for i in 0..10 {
        t.bot(w.id("a1"), pat, day_at(2 + i, 8, 0));
    }
    for i in 0..5 {
        t.suspicious(w.id("a1"), pat, day_at(3 + i, 8, 30));
    }
    // Pat, the 30 days before, and today.
    let old = t.clicks(30, (w.id("a1"), pat), (31, 55), 15, ("US", "tiktok"));
    for c in old.iter().take(3) {
        t.convert(acme, c);
    }
    let now = earlier_today(Duration::minutes(10));
    for i in 0..3 {
        let c = t.click(w.id("a1"), pat, now + Duration::seconds(i), "US", "tiktok");
        if i == 0 {
            t.convert(acme, &c);
        }
    }
    // Duplicates: a txid reported twice.
    for _ in 0..2 {
        let c =
            Conversion::new(acme, tiktok[10].id, tiktok[10].ts + Duration::minutes(5)).txid("DUP");
        t.conversions.push(c.event());
    }
    // Quinn: the platform's numbers.
    for (offer, adv, clicks, conversions) in [
        ("a1", acme, 200, 30),
        ("a2", acme, 150, 3),
        ("c1", acme, 150, 15),
        ("c2", globex, 120, 6),
        ("c3", globex, 20, 2),
        ("x1", globex, 5, 1),
    ] {
        let cs = t.clicks(clicks, (w.id(offer), quinn), (1, 27), 16, ("US", ""));
        for c in cs.iter().take(conversions) {
            t.convert(adv, c);
        }
    }
    let cash = t.clicks(200, (w.id("c4"), quinn), (1, 27), 17, ("US", ""));
    for c in cash.iter().take(4) {
        t.n += 1;
        let conv = Conversion::new(globex, c.id, c.ts + Duration::minutes(3))
            .txid(&format!("C-{}", t.n))
            .amount("100.00", "USD");
        t.conversions.push(conv.event());
    }
    let germany = t.clicks(30, (w.id("x3"), quinn), (1, 27), 10, ("DE", ""));
    for c in germany.iter().take(3) {
        t.convert(globex, c);
    }
    let daily = t.click(w.id("x2"), quinn, now, "US", "");
    t.convert(acme, &daily);
    // Gus: only Globex's offers.
    let g = t.clicks(50, (w.id("g1"), gus), (1, 27), 12, ("US", ""));
    for c in g.iter().take(5) {
        t.convert(globex, c);
    }
    let g = t.clicks(40, (w.id("c2"), gus), (1, 27), 12, ("US", ""));
    for c in g.iter().take(2) {
        t.convert(globex, c);
    }
    t.send(&w.app).await;

    // Sandbox traffic of pat on the held offer and on a1: stored, counted nowhere.
    let links: Value = w
        .app
        .get("/v1/links")
        .bearer_auth(&w.pat.token)
        .header("afftok-mode", "test")
        .send()
        .await
        .expect("links")
        .json()
        .await
        .expect("json");
    let kid = links["data"][0]["kid"].as_i64().expect("a test kid");
    let mut events = vec![];
    let mut convs = vec![];
    for (i, o) in ["g1", "a1"].into_iter().enumerate() {
        let mut c = Click::new(w.id(o), pat, day_at(2, 13, i as i64));
        c.ip = format!("192.0.2.{i}");
        let mut e = c.event();
        e["kid"] = json!(kid);
        events.push(e);
        let adv = if o == "g1" { globex } else { acme };
        convs.push(
            Conversion::new(adv, c.id, c.ts + Duration::minutes(1))
                .txid(&format!("S-{i}"))
                .event(),
        );
    }
    w.app.ingest(&events).await;
    w.app.ingest(&convs).await;
    let test: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM clicks WHERE test) + (SELECT count(*) FROM conversions WHERE test)",
    )
    .fetch_one(&w.app.db)
    .await
    .expect("count");
    assert_eq!(test, 4, "the sandbox traffic is stored");
}

/// Counted traffic of one offer, recounted from the raw rows.
#[derive(Debug, Default, Clone)]
struct Tally {
    currency: String,
    clicks: i64,
    unique: i64,
    conversions: i64,
    payout: BTreeMap<String, Decimal>,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.clicks += o.clicks;
        self.unique += o.unique;
        self.conversions += o.conversions;
        for (c, v) in &o.payout {
            *self.payout.entry(c.clone()).or_default() += v;
        }
    }

    fn cr(&self) -> f64 {
        if self.clicks > 0 {
            self.conversions as f64 / self.clicks as f64
        } else {
            0.0
        }
    }

    fn epc(&self) -> Decimal {
        if self.clicks == 0 {
            return Decimal::ZERO;
        }
        (self.payout.get(&self.currency).copied().unwrap_or_default() / Decimal::from(self.clicks))
            .round_dp(4)
    }
}

/// Whose raw rows.
#[derive(Clone, Copy)]
struct Who {
    advertiser: Option<i64>,
    promoter: Option<i64>,
}

const ALL: Who = Who {
    advertiser: None,
    promoter: None,
};

fn promoter(a: &Account) -> Who {
    Who {
        advertiser: None,
        promoter: Some(a.id),
    }
}

fn advertiser(a: &Account) -> Who {
    Who {
        advertiser: a.advertiser_id,
        promoter: None,
    }
}

const RANGE: &str = "ts >= $1::date::timestamp AT TIME ZONE 'UTC' AND ts < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
    AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)";

/// Live counted clicks (ok, not blocked for fraud) and approved conversions by offer over
/// the UTC days `from..=to`, from the raw rows.
async fn by_offer(db: &sqlx::PgPool, who: Who, (from, to): (&str, &str)) -> BTreeMap<i64, Tally> {
    let mut out: BTreeMap<i64, Tally> = BTreeMap::new();
    let clicks: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT offer_id, count(*) FILTER (WHERE verdict = 'ok' AND NOT fraud_blocks(fraud)),
                count(*) FILTER (WHERE verdict = 'ok' AND NOT fraud_blocks(fraud) AND is_unique)
         FROM clicks WHERE NOT test AND {RANGE} GROUP BY 1"
    ))
    .bind(from)
    .bind(to)
    .bind(who.advertiser)
    .bind(who.promoter)
    .fetch_all(db)
    .await
    .expect("clicks");
    for (offer, n, unique) in clicks {
        let t = out.entry(offer).or_default();
        t.clicks += n;
        t.unique += unique;
    }
    let conversions: Vec<(i64, String, i64, Decimal)> = sqlx::query_as(&format!(
        "SELECT offer_id, payout_currency, count(*), sum(payout) FROM conversions
         WHERE status = 'approved' AND NOT test AND {RANGE} GROUP BY 1, 2"
    ))
    .bind(from)
    .bind(to)
    .bind(who.advertiser)
    .bind(who.promoter)
    .fetch_all(db)
    .await
    .expect("conversions");
    for (offer, currency, n, payout) in conversions {
        let t = out.entry(offer).or_default();
        t.conversions += n;
        *t.payout.entry(currency).or_default() += payout;
    }
    let currencies: Vec<(i64, String)> = sqlx::query_as("SELECT id, currency::text FROM offers")
        .fetch_all(db)
        .await
        .expect("offers");
    for (id, currency) in currencies {
        if let Some(t) = out.get_mut(&id) {
            t.currency = currency;
        }
    }
    out
}

fn money(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an amount: {v}"))
}

fn round(x: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    (x * f).round() / f
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: a number, got {a}"));
    assert!((a - b).abs() < 1e-6, "{what}: {a} against {b}");
}

fn pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| round((now - before) / before * 100.0, 2))
}

fn close_pct(a: &Value, b: Option<f64>, what: &str) {
    match b {
        None => assert!(a.is_null(), "{what}: null, got {a}"),
        Some(b) => close(a, b, what),
    }
}

/// A two-proportion z-score with a pooled rate, from its definition.
fn z_score(n1: i64, c1: i64, n2: i64, c2: i64) -> f64 {
    let (n1, c1, n2, c2) = (n1 as f64, c1 as f64, n2 as f64, c2 as f64);
    let pooled = (c1 + c2) / (n1 + n2);
    (c1 / n1 - c2 / n2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt()
}

async fn get(app: &TestApp, who: &Account, path: &str) -> Value {
    app.get_json(path, &who.token).await
}

/// The overview's periods of `who`, each against the recount of its own days.
async fn check_overview(w: &World, who: &Account, whose: Who) -> Value {
    let answer = get(&w.app, who, "/v1/assistant/overview").await;
    assert_eq!(answer["time_zone"], "UTC");
    let periods = answer["periods"].as_array().expect("periods");
    assert_eq!(
        periods
            .iter()
            .map(|p| p["period"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["today", "7d", "30d"]
    );
    for p in periods {
        let name = p["period"].as_str().unwrap_or("");
        let sum = |from: &Value, to: &Value| {
            let (from, to) = (
                from.as_str().unwrap_or("").to_owned(),
                to.as_str().unwrap_or("").to_owned(),
            );
            let db = w.app.db.clone();
            async move {
                let offers = by_offer(&db, whose, (&from, &to)).await;
                let mut total = Tally::default();
                let mut by_currency: BTreeMap<String, i64> = BTreeMap::new();
                for t in offers.values() {
                    total.add(t);
                    *by_currency.entry(t.currency.clone()).or_default() += t.clicks;
                }
                (total, by_currency)
            }
        };
        let (now, now_clicks) = sum(&p["from"], &p["to"]).await;
        let (before, _) = sum(&p["previous_from"], &p["previous_to"]).await;
        for (numbers, tally) in [(&p["current"], &now), (&p["previous"], &before)] {
            assert_eq!(numbers["clicks"], tally.clicks, "{name} clicks");
            assert_eq!(numbers["unique_clicks"], tally.unique, "{name} unique");
            assert_eq!(
                numbers["conversions"], tally.conversions,
                "{name} conversions"
            );
            let payout: BTreeMap<String, Decimal> = numbers["payout"]
                .as_object()
                .expect("payout")
                .iter()
                .map(|(k, v)| (k.clone(), money(v)))
                .collect();
            let expected: BTreeMap<String, Decimal> = tally
                .payout
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            assert_eq!(payout, expected, "{name} payout");
            close(&numbers["cr"], round(tally.cr(), 4), &format!("{name} cr"));
        }
        for (currency, paid) in &now.payout {
            let clicks = now_clicks.get(currency).copied().unwrap_or(0);
            if clicks > 0 {
                assert_eq!(
                    money(&p["current"]["epc"][currency]),
                    (paid / Decimal::from(clicks)).round_dp(4),
                    "{name} epc {currency}"
                );
            }
        }
        let c = &p["change"];
        assert_eq!(c["clicks"]["abs"], now.clicks - before.clicks);
        close_pct(
            &c["clicks"]["pct"],
            pct(now.clicks as f64, before.clicks as f64),
            name,
        );
        close_pct(
            &c["conversions"]["pct"],
            pct(now.conversions as f64, before.conversions as f64),
            name,
        );
        close_pct(&c["cr"]["pct"], pct(now.cr(), before.cr()), name);
    }
    // The best offer of the 30 days: the main currency's (most conversions), the most payout,
    // then the most conversions, then the lowest id.
    let month = &periods[2];
    let offers = by_offer(
        &w.app.db,
        whose,
        (
            month["from"].as_str().unwrap_or(""),
            month["to"].as_str().unwrap_or(""),
        ),
    )
    .await;
    let mut per_currency: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for t in offers.values() {
        let e = per_currency.entry(t.currency.as_str()).or_default();
        e.0 += t.conversions;
        e.1 += t.clicks;
    }
    let main = per_currency
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.to_string());
    let best = offers
        .iter()
        .filter(|(_, t)| Some(&t.currency) == main.as_ref() && t.conversions > 0)
        .max_by(|(a_id, a), (b_id, b)| {
            let pay = |t: &Tally| t.payout.get(&t.currency).copied().unwrap_or_default();
            pay(a)
                .cmp(&pay(b))
                .then(a.conversions.cmp(&b.conversions))
                .then(b_id.cmp(a_id))
        })
        .map(|(id, _)| *id);
    assert_eq!(answer["best_offer"]["offer_id"].as_i64(), best, "{answer}");
    assert!(best.is_some());
    answer
}

/// The findings of an analysis, by code.
fn findings(answer: &Value) -> BTreeMap<String, Value> {
    answer["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or("").to_owned(), f.clone()))
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    assert!(n > 0);
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The offer ids and names a JSON answer mentions anywhere.
fn mentioned_offers(v: &Value, ids: &mut BTreeSet<i64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "offer_id" {
                    ids.extend(x.as_i64());
                }
                mentioned_offers(x, ids);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| mentioned_offers(x, ids)),
        _ => {}
    }
}

#[tokio::test]
async fn overview_and_analysis_match_a_recount_within_each_tenancy() {
    let w = world().await;
    let db = &w.app.db;

    // Overviews: the promoter's links, the advertiser's offers, the platform for admins.
    // The points consumer has paid the traffic's points: the level goes by them.
    w.app.settled().await;
    let lifetime: i64 =
        sqlx::query_scalar("SELECT lifetime FROM points_balances WHERE promoter_id = $1")
            .bind(w.pat.id)
            .fetch_one(db)
            .await
            .expect("points");
    let pat = check_overview(&w, &w.pat, promoter(&w.pat)).await;
    assert_eq!(pat["scope"], "promoter");
    let levels = [
        ("Bronze", 0),
        ("Silver", 500),
        ("Gold", 2000),
        ("Platinum", 10_000),
    ];
    let at = levels.iter().rposition(|l| l.1 <= lifetime).unwrap_or(0);
    assert_eq!(pat["level"]["level"], levels[at].0, "{pat}");
    assert_eq!(pat["level"]["lifetime_points"], lifetime);
    assert_eq!(pat["level"]["next_level"], levels[at + 1].0);
    assert_eq!(pat["level"]["points_to_next"], levels[at + 1].1 - lifetime);
    assert!(pat["periods"][2]["previous"]["clicks"].as_i64() > Some(0));
    assert!(
        pat["periods"][0]["current"]["clicks"].as_i64() > Some(0),
        "today's clicks"
    );
    let acme = check_overview(&w, &w.acme, advertiser(&w.acme)).await;
    assert_eq!(acme["scope"], "advertiser");
    assert!(acme["level"].is_null());
    let admin = check_overview(&w, &w.admin, ALL).await;
    assert_eq!(admin["scope"], "platform");
    // Acme's best offer is its own.
    let acme_offers: BTreeSet<i64> = ["a1", "a2", "c1", "x2", "x4", "x5"].map(|o| w.id(o)).into();
    assert!(acme_offers.contains(&acme["best_offer"]["offer_id"].as_i64().unwrap_or(0)));

    // The promoter's analysis.
    let answer = get(&w.app, &w.pat, "/v1/assistant/analysis").await;
    let (from, to) = (
        answer["from"].as_str().unwrap_or("").to_owned(),
        answer["to"].as_str().unwrap_or("").to_owned(),
    );
    let found = findings(&answer);
    for f in found.values() {
        assert!(
            !f["text"].as_str().unwrap_or("").is_empty()
                && !f["recommendation"].as_str().unwrap_or("").is_empty()
        );
        assert!(["good", "info", "warning"].contains(&f["severity"].as_str().unwrap_or("")));
    }
    let own = by_offer(db, promoter(&w.pat), (&from, &to)).await;
    // Best and worst by EPC: the USD offers (the most conversions) with 30 clicks.
    let mut ranked: Vec<(&i64, &Tally)> = own
        .iter()
        .filter(|(_, t)| t.currency == "USD" && t.clicks >= 30)
        .collect();
    ranked.sort_by(|a, b| {
        b.1.epc()
            .cmp(&a.1.epc())
            .then(b.1.clicks.cmp(&a.1.clicks))
            .then(a.0.cmp(b.0))
    });
    assert!(ranked.len() >= 3);
    assert_eq!(
        found["best_offer_epc"]["figures"]["offer_id"].as_i64(),
        Some(*ranked[0].0)
    );
    assert_eq!(
        money(&found["best_offer_epc"]["figures"]["epc"]),
        ranked[0].1.epc()
    );
    assert_eq!(
        found["worst_offer_epc"]["figures"]["offer_id"].as_i64(),
        ranked.last().map(|r| *r.0)
    );
    // The CR against the median of the same offers' platform CRs (100 platform clicks).
    let platform = by_offer(db, ALL, (&from, &to)).await;
    let compared: Vec<i64> = own
        .iter()
        .filter(|(id, t)| t.clicks >= 30 && platform[*id].clicks >= 100)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(compared.len(), 2, "a1 and a2");
    let m = median(compared.iter().map(|id| platform[id].cr()).collect());
    let (clicks, conv) = compared.iter().fold((0, 0), |(c, v), id| {
        (c + own[id].clicks, v + own[id].conversions)
    });
    let cr = conv as f64 / clicks as f64;
    let code = if cr < m * 0.5 {
        "cr_below_platform"
    } else if cr > m * 1.5 {
        "cr_above_platform"
    } else {
        "cr_near_platform"
    };
    let f = &found[code];
    close(&f["figures"]["cr"], round(cr, 4), "cr");
    close(&f["figures"]["platform_median_cr"], round(m, 4), "median");
    assert_eq!(f["figures"]["offers"], 2);
    // The z-score against the other promoters' traffic on the same offers.
    let (rest_clicks, rest_conv) = compared.iter().fold((0, 0), |(c, v), id| {
        (
            c + platform[id].clicks - own[id].clicks,
            v + platform[id].conversions - own[id].conversions,
        )
    });
    assert!(rest_clicks >= 100, "{rest_clicks}");
    close(
        &f["figures"]["z_score"],
        round(z_score(clicks, conv, rest_clicks, rest_conv), 2),
        "z-score",
    );
    // Countries and sub-IDs: most conversions, then clicks.
    let top: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
        "WITH c AS (SELECT coalesce(country, '') v, count(*) n FROM clicks
                    WHERE NOT test AND verdict = 'ok' AND NOT fraud_blocks(fraud) AND {RANGE} GROUP BY 1),
              k AS (SELECT coalesce(country, '') v, count(*) n FROM conversions
                    WHERE NOT test AND status = 'approved' AND {RANGE} GROUP BY 1)
         SELECT coalesce(c.v, k.v), coalesce(c.n, 0), coalesce(k.n, 0) FROM c FULL JOIN k ON c.v = k.v
         WHERE coalesce(c.v, k.v) <> '' ORDER BY 3 DESC, 2 DESC, 1"
    ))
    .bind(&from)
    .bind(&to)
    .bind(None::<i64>)
    .bind(w.pat.id)
    .fetch_all(db)
    .await
    .expect("countries");
    let f = &found["top_countries"]["figures"];
    assert_eq!(f["top_country"].as_str(), Some(top[0].0.as_str()));
    assert_eq!(f["conversions"], top[0].2);
    let names: Vec<&str> = top.iter().take(3).map(|t| t.0.as_str()).collect();
    assert_eq!(f["countries"], json!(names));
    let subs: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT sub1, count(*) FROM conversions WHERE NOT test AND status = 'approved' AND coalesce(sub1, '') <> ''
           AND {RANGE} GROUP BY 1 ORDER BY 2 DESC, 1"
    ))
    .bind(&from)
    .bind(&to)
    .bind(None::<i64>)
    .bind(w.pat.id)
    .fetch_all(db)
    .await
    .expect("sub1");
    assert_eq!(
        found["top_sub1"]["figures"]["top_sub1"].as_str(),
        Some(subs[0].0.as_str())
    );
    // Hours of the day (UTC).
    let hours: Vec<(i32, i64)> = sqlx::query_as(&format!(
        "SELECT extract(hour FROM ts AT TIME ZONE 'UTC')::int, count(*) FROM conversions
         WHERE NOT test AND status = 'approved' AND {RANGE} GROUP BY 1 ORDER BY 2 DESC, 1"
    ))
    .bind(&from)
    .bind(&to)
    .bind(None::<i64>)
    .bind(w.pat.id)
    .fetch_all(db)
    .await
    .expect("hours");
    assert_eq!(
        found["best_hours"]["figures"]["top_hour"].as_str(),
        Some(format!("{:02}:00", hours[0].0).as_str())
    );
    assert_eq!(found["best_hours"]["figures"]["conversions"], hours[0].1);
    // Filtered share: bots and clicks blocked for fraud, over every click.
    let (all, filtered, bots): (i64, i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*), count(*) FILTER (WHERE verdict <> 'ok' OR fraud_blocks(fraud)),
                count(*) FILTER (WHERE verdict = 'bot')
         FROM clicks WHERE NOT test AND {RANGE}"
    ))
    .bind(&from)
    .bind(&to)
    .bind(None::<i64>)
    .bind(w.pat.id)
    .fetch_one(db)
    .await
    .expect("filtered");
    let code = if filtered * 100 > 20 * all {
        "filtered_high"
    } else {
        "filtered_low"
    };
    let f = &found[code]["figures"];
    assert_eq!(f["clicks"], all);
    assert_eq!(f["filtered"], filtered);
    assert_eq!(f["bots"], bots);
    assert_eq!(f["fraud"], filtered - bots);
    assert!(filtered - bots > 0 && bots > 0);
    // Waiting for review (the sandbox's held conversion is not).
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversions WHERE status = 'pending_review' AND NOT test AND promoter_id = $1",
    )
    .bind(w.pat.id)
    .fetch_one(db)
    .await
    .expect("pending");
    assert_eq!(pending, 5);
    assert_eq!(found["pending_review"]["figures"]["pending"], pending);
    // Only the promoter's own offers are named.
    let mut ids = BTreeSet::new();
    mentioned_offers(&answer, &mut ids);
    mentioned_offers(&pat, &mut ids);
    let pats: BTreeSet<i64> = own.keys().copied().collect();
    assert!(
        !ids.is_empty() && ids.is_subset(&pats),
        "{ids:?} of {pats:?}"
    );

    // The advertiser's analysis: its offers against the platform, its promoters.
    let answer = get(&w.app, &w.acme, "/v1/assistant/analysis").await;
    assert_eq!(answer["scope"], "advertiser");
    let found = findings(&answer);
    let own = by_offer(db, advertiser(&w.acme), (&from, &to)).await;
    let with_data: Vec<f64> = platform
        .values()
        .filter(|t| t.clicks >= 100)
        .map(Tally::cr)
        .collect();
    let m = median(with_data);
    let mut compared = 0;
    for f in answer["findings"].as_array().into_iter().flatten() {
        let code = f["code"].as_str().unwrap_or("");
        if !code.starts_with("offer_") {
            continue;
        }
        compared += 1;
        let id = f["figures"]["offer_id"].as_i64().unwrap_or(0);
        let t = &own[&id];
        let expected = if t.cr() < m * 0.5 {
            "offer_below_platform"
        } else if t.cr() > m * 1.5 {
            "offer_above_platform"
        } else {
            "offer_near_platform"
        };
        assert_eq!(code, expected, "{f}");
        close(&f["figures"]["platform_median_cr"], round(m, 4), "median");
        // Its z-score against the other advertisers' offers with data, together.
        let (rest_clicks, rest_conv) = platform
            .iter()
            .filter(|(id, t)| t.clicks >= 100 && !own.contains_key(id))
            .fold((0, 0), |(c, v), (_, t)| (c + t.clicks, v + t.conversions));
        close(
            &f["figures"]["z_score"],
            round(z_score(t.clicks, t.conversions, rest_clicks, rest_conv), 2),
            "offer z-score",
        );
    }
    assert_eq!(compared, own.values().filter(|t| t.clicks >= 30).count());
    // Best and worst promoters by EPC on Acme's offers (USD, 30 clicks).
    let mut promoters: Vec<(i64, Decimal, i64)> = vec![];
    for p in [&w.pat, &w.quinn, &w.gus] {
        let t = by_offer(
            db,
            Who {
                advertiser: w.acme.advertiser_id,
                promoter: Some(p.id),
            },
            (&from, &to),
        )
        .await;
        let mut sum = Tally {
            currency: "USD".into(),
            ..Tally::default()
        };
        t.values().for_each(|x| sum.add(x));
        if sum.clicks >= 30 {
            promoters.push((p.id, sum.epc(), sum.clicks));
        }
    }
    promoters.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    assert_eq!(
        promoters.len(),
        2,
        "pat and quinn; gus never sent Acme a click"
    );
    assert_eq!(
        found["best_promoter"]["figures"]["promoter_id"],
        promoters[0].0
    );
    assert_eq!(
        found["worst_promoter"]["figures"]["promoter_id"],
        promoters[1].0
    );
    // Statuses of the conversions not approved (the duplicate among them), most first.
    let refused: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT status, count(*) FROM conversions
         WHERE NOT test AND status NOT IN ('approved', 'pending_review', 'pending') AND {RANGE}
         GROUP BY 1 ORDER BY 2 DESC, 1"
    ))
    .bind(&from)
    .bind(&to)
    .bind(w.acme.advertiser_id)
    .bind(None::<i64>)
    .fetch_all(db)
    .await
    .expect("refused");
    assert!(
        refused.contains(&("duplicate".to_owned(), 1)),
        "{refused:?}"
    );
    let f = &found["rejected_reasons"]["figures"];
    for (status, n) in &refused {
        assert_eq!(f[status], *n, "{status}");
    }
    assert_eq!(f["top_status"], refused[0].0);
    assert_eq!(f["refused"], refused.iter().map(|r| r.1).sum::<i64>());
    // Nothing of Globex: no offer of theirs named, not gus.
    let text = answer.to_string() + &acme.to_string();
    for name in ["Globex", "Secret"] {
        assert!(!text.contains(name), "{name} in {text}");
    }
    let mut ids = BTreeSet::new();
    mentioned_offers(&answer, &mut ids);
    assert!(ids.is_subset(&acme_offers), "{ids:?}");
    let named: Vec<i64> = answer["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["figures"]["promoter_id"].as_i64())
        .collect();
    assert!(!named.contains(&w.gus.id) && !named.is_empty());
    let tips = get(&w.app, &w.acme, "/v1/assistant/tips").await;
    assert!(!tips.to_string().contains("Globex"));
}

/// An offer's id, category, payout model, currency, allowed and denied countries, daily
/// and total cap.
type Terms = (
    i64,
    String,
    String,
    String,
    Vec<String>,
    Vec<String>,
    Option<i32>,
    Option<i32>,
);

/// The fit score of the README, recomputed from the raw rows, for `who`'s suggestions.
async fn expected_ranking(
    w: &World,
    who: &Account,
    (from, to): (&str, &str),
    today: &str,
) -> Vec<(i64, f64)> {
    let db = &w.app.db;
    // The promoter's conversions and clicks by category, country and payout model.
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(&format!(
        "WITH c AS (SELECT offer_id, coalesce(country, '') country, count(*) n FROM clicks
                    WHERE NOT test AND verdict = 'ok' AND NOT fraud_blocks(fraud) AND {RANGE} GROUP BY 1, 2),
              k AS (SELECT offer_id, coalesce(country, '') country, count(*) n FROM conversions
                    WHERE NOT test AND status = 'approved' AND {RANGE} GROUP BY 1, 2)
         SELECT o.category, o.payout_model, coalesce(c.country, k.country), coalesce(c.n, 0), coalesce(k.n, 0)
         FROM c FULL JOIN k ON c.offer_id = k.offer_id AND c.country = k.country
         JOIN offers o ON o.id = coalesce(c.offer_id, k.offer_id)"
    ))
    .bind(from)
    .bind(to)
    .bind(None::<i64>)
    .bind(who.id)
    .fetch_all(db)
    .await
    .expect("profile");
    let total_conv: i64 = rows.iter().map(|r| r.4).sum();
    let mut cat: BTreeMap<String, i64> = BTreeMap::new();
    let mut model: BTreeMap<String, i64> = BTreeMap::new();
    let mut country_clicks: BTreeMap<String, i64> = BTreeMap::new();
    let mut country_conv: BTreeMap<String, i64> = BTreeMap::new();
    for (c, m, k, clicks, conv) in &rows {
        *cat.entry(c.clone()).or_default() += conv;
        *model.entry(m.clone()).or_default() += conv;
        if !k.is_empty() {
            *country_clicks.entry(k.clone()).or_default() += clicks;
            *country_conv.entry(k.clone()).or_default() += conv;
        }
    }
    let known: i64 = country_clicks.values().sum();
    let main: Vec<String> = country_clicks
        .iter()
        .filter(|(_, n)| **n > 0 && **n * 100 >= 20 * known)
        .map(|(c, _)| c.clone())
        .collect();
    let known_conv: i64 = country_conv.values().sum();
    // Approved offers not joined, without those capped or closed to a main country.
    let offers: Vec<Terms> = sqlx::query_as(
        "SELECT id, category, payout_model, currency::text, geo_allow, geo_deny, daily_cap, total_cap FROM offers
         WHERE status = 'approved' AND id NOT IN (SELECT offer_id FROM links WHERE promoter_id = $1)",
    )
    .bind(who.id)
    .fetch_all(db)
    .await
    .expect("offers");
    let platform = by_offer(db, ALL, (from, to)).await;
    let mut eligible = vec![];
    for (id, category, m, currency, allow, deny, daily, total) in offers {
        let (held, held_today): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE (ts AT TIME ZONE 'UTC')::date = $2::date) FROM conversions
             WHERE offer_id = $1 AND status IN ('approved', 'pending_review') AND NOT test",
        )
        .bind(id)
        .bind(today)
        .fetch_one(db)
        .await
        .expect("held");
        if total.is_some_and(|c| held >= i64::from(c))
            || daily.is_some_and(|c| held_today >= i64::from(c))
        {
            continue;
        }
        let open = |c: &String| (allow.is_empty() || allow.contains(c)) && !deny.contains(c);
        if main.iter().any(|c| !open(c)) {
            continue;
        }
        let open_conv: i64 = country_conv
            .iter()
            .filter(|(c, _)| open(c))
            .map(|(_, n)| n)
            .sum();
        let p = platform.get(&id).cloned().unwrap_or_default();
        eligible.push((id, category, m, currency, open_conv, p));
    }
    let share = |n: i64, d: i64| if d > 0 { n as f64 / d as f64 } else { 0.0 };
    let with_data = |p: &Tally| p.clicks >= 100;
    let best_cr = eligible
        .iter()
        .filter(|e| with_data(&e.5))
        .map(|e| e.5.cr())
        .fold(0.0, f64::max);
    let mut ranked: Vec<(i64, f64, i64)> = eligible
        .iter()
        .map(|(id, category, m, currency, open_conv, p)| {
            let best_epc = eligible
                .iter()
                .filter(|e| with_data(&e.5) && &e.3 == currency)
                .map(|e| e.5.epc())
                .max()
                .unwrap_or_default();
            let (epc, cr) = if with_data(p) {
                let epc = if best_epc.is_zero() {
                    0.0
                } else {
                    (p.epc() / best_epc)
                        .to_string()
                        .parse::<f64>()
                        .unwrap_or(0.0)
                };
                (epc, if best_cr > 0.0 { p.cr() / best_cr } else { 0.0 })
            } else {
                (0.0, 0.0)
            };
            let score = 0.30 * share(cat.get(category).copied().unwrap_or(0), total_conv)
                + 0.20 * share(*open_conv, known_conv)
                + 0.25 * epc
                + 0.15 * cr
                + 0.10 * share(model.get(m).copied().unwrap_or(0), total_conv);
            (*id, round(score, 4), p.clicks)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked.into_iter().map(|(id, s, _)| (id, s)).collect()
}

#[tokio::test]
async fn suggestions_rank_unjoined_offers_by_fit_and_say_what_was_left_out() {
    let w = world().await;
    let answer = get(&w.app, &w.pat, "/v1/assistant/suggestions?limit=50").await;
    let (from, to) = (
        answer["from"].as_str().unwrap_or(""),
        answer["to"].as_str().unwrap_or(""),
    );
    let expected = expected_ranking(&w, &w.pat, (from, to), to).await;
    let got: Vec<(i64, f64)> = answer["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|s| {
            (
                s["offer_id"].as_i64().unwrap_or(0),
                s["score"].as_f64().unwrap_or(-1.0),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len(), "{answer}");
    for ((id, score), (e_id, e_score)) in got.iter().zip(&expected) {
        assert_eq!(id, e_id, "{got:?} against {expected:?}");
        assert!(
            (score - e_score).abs() < 2e-4,
            "{id}: {score} against {e_score}"
        );
    }
    assert!(got.len() >= 4);
    assert!(got.windows(2).any(|p| p[0].1 > p[1].1), "distinct scores");
    assert_eq!(answer["total"], got.len());
    // Never an offer pat joined, nor a paused, capped or geo-blocked one.
    let ids: BTreeSet<i64> = got.iter().map(|g| g.0).collect();
    for o in ["a1", "a2", "g1", "ge", "x1", "x3", "x4"] {
        assert!(!ids.contains(&w.id(o)), "{o} suggested");
    }
    assert!(
        ids.contains(&w.id("x5")),
        "closed to DE only, not a main country of pat"
    );
    assert_eq!(answer["main_countries"], json!(["US"]));
    let daily_capped = !ids.contains(&w.id("x2"));
    assert_eq!(answer["left_out"]["paused"], 1);
    assert_eq!(answer["left_out"]["geo_blocked"], 1);
    assert_eq!(answer["left_out"]["capped"], 1 + i64::from(daily_capped));
    assert!(answer["note"].is_null());
    // Reasons in words with their figures.
    for s in answer["data"].as_array().into_iter().flatten() {
        let reasons = s["reasons"].as_array().expect("reasons");
        assert!(!reasons.is_empty(), "{s}");
        for r in reasons {
            assert!(
                !r["text"].as_str().unwrap_or("").is_empty() && r["figures"].is_object(),
                "{r}"
            );
        }
    }
    let newcomer = answer["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["offer_id"] == w.id("c3"))
        .expect("the newcomer");
    let r = newcomer["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["code"] == "not_enough_data")
        .expect("not enough data");
    assert_eq!(r["figures"]["clicks"], 20);
    assert_eq!(r["figures"]["minimum"], 100);
    // A limit.
    let two = get(&w.app, &w.pat, "/v1/assistant/suggestions?limit=2").await;
    let firsts: Vec<i64> = two["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["offer_id"].as_i64())
        .collect();
    assert_eq!(firsts, got.iter().take(2).map(|g| g.0).collect::<Vec<_>>());
    assert_eq!(two["total"], got.len());
    for bad in ["limit=0", "limit=51"] {
        let resp = w
            .app
            .get(&format!("/v1/assistant/suggestions?{bad}"))
            .bearer_auth(&w.pat.token)
            .send()
            .await
            .expect("get");
        let body = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&body), ["limit"]);
    }
    let resp = w
        .app
        .get("/v1/assistant/suggestions?limit=ten")
        .bearer_auth(&w.pat.token)
        .send()
        .await
        .expect("get");
    problem(resp, 400, "invalid_query").await;

    // Every approved offer joined: the list is empty and says so.
    let ned = w.app.promoter("ned").await;
    let approved: Vec<i64> = sqlx::query_scalar("SELECT id FROM offers WHERE status = 'approved'")
        .fetch_all(&w.app.db)
        .await
        .expect("offers");
    for id in &approved {
        join(&w.app, &ned, *id).await;
    }
    let empty = get(&w.app, &ned, "/v1/assistant/suggestions").await;
    assert_eq!(empty["data"], json!([]));
    assert_eq!(empty["note"]["code"], "nothing_to_join");
    assert_eq!(empty["note"]["figures"]["paused"], 1);
    // Everything not joined left out: capped, or closed to the main country (BR).
    let fay = w.app.promoter("fay").await;
    for id in approved
        .iter()
        .filter(|id| ![w.id("x1"), w.id("x3")].contains(id))
    {
        join(&w.app, &fay, *id).await;
    }
    let mut t = Traffic::new();
    t.clicks(3, (w.id("a1"), fay.id), (2, 4), 12, ("BR", ""));
    t.send(&w.app).await;
    let empty = get(&w.app, &fay, "/v1/assistant/suggestions?lang=ar").await;
    assert_eq!(empty["data"], json!([]));
    assert_eq!(empty["note"]["code"], "all_left_out");
    assert_eq!(empty["note"]["figures"]["capped"], 1);
    assert_eq!(empty["note"]["figures"]["geo_blocked"], 1);
    assert_eq!(empty["note"]["figures"]["countries"], json!(["BR"]));
    assert!(empty["note"]["text"].as_str().unwrap_or("").contains("BR"));
    assert!(
        empty["note"]["text"]
            .as_str()
            .unwrap_or("")
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
    );
}

/// The codes of the tips of `who`.
async fn tip_codes(app: &TestApp, who: &Account) -> BTreeMap<String, Value> {
    get(app, who, "/v1/assistant/tips").await["tips"]
        .as_array()
        .expect("tips")
        .iter()
        .map(|t| (t["code"].as_str().unwrap_or("").to_owned(), t.clone()))
        .collect()
}

#[tokio::test]
async fn tips_trigger_just_past_their_thresholds() {
    let app = spawn_app().await;
    app.signing_key(true).await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let advertiser_id = adv.advertiser_id.expect("advertiser");

    // An advertiser without an approved offer, then with one.
    assert!(
        tip_codes(&app, &adv)
            .await
            .contains_key("no_approved_offers")
    );
    let offer = offer(&app, &adv, &admin, json!({})).await;
    let held = offer_held(&app, &adv, &admin).await;
    assert!(
        !tip_codes(&app, &adv)
            .await
            .contains_key("no_approved_offers")
    );

    // A promoter without links or clicks.
    let tia = app.promoter("tia").await;
    let tips = tip_codes(&app, &tia).await;
    assert!(
        tips.contains_key("no_joined_offers") && tips.contains_key("no_clicks_7d"),
        "{tips:?}"
    );
    assert!(!tips.contains_key("links_without_sub_ids"));
    join(&app, &tia, offer).await;
    // 20 counted clicks, 16 without sub1 (exactly 80%), and 5 bots (exactly 20% of 25).
    let mut t = Traffic::new();
    t.clicks(16, (offer, tia.id), (2, 3), 12, ("US", ""));
    t.clicks(4, (offer, tia.id), (2, 3), 12, ("US", "feed"));
    for i in 0..5 {
        t.bot(offer, tia.id, day_at(2, 14, i));
    }
    t.send(&app).await;
    let tips = tip_codes(&app, &tia).await;
    for off in [
        "no_joined_offers",
        "no_clicks_7d",
        "links_without_sub_ids",
        "high_bot_share",
    ] {
        assert!(!tips.contains_key(off), "{off}: {tips:?}");
    }
    // One more of each: 17 of 21 without sub1, 6 bots of 27.
    t.clicks(1, (offer, tia.id), (2, 2), 15, ("US", ""));
    t.bot(offer, tia.id, day_at(2, 15, 30));
    t.send(&app).await;
    let tips = tip_codes(&app, &tia).await;
    let sub = &tips["links_without_sub_ids"];
    close(&sub["figure"], round(17.0 / 21.0, 4), "sub1 share");
    close(&sub["threshold"], 0.8, "sub1 threshold");
    let bots = &tips["high_bot_share"];
    close(&bots["figure"], round(6.0 / 27.0, 4), "bot share");
    close(&bots["threshold"], 0.2, "bot threshold");
    assert!(
        bots["text"].as_str().unwrap_or("").contains("22.22%"),
        "{bots}"
    );

    // Clicks falling: 10 the week before, 7 this week (exactly 30% down), then 11 before.
    let tom = app.promoter("tom").await;
    join(&app, &tom, offer).await;
    t.clicks(10, (offer, tom.id), (9, 10), 12, ("US", "a"));
    t.send(&app).await;
    let tips = tip_codes(&app, &tom).await;
    assert!(tips.contains_key("no_clicks_7d"));
    close(&tips["falling_trend"]["figure"], -100.0, "all gone");
    t.clicks(7, (offer, tom.id), (2, 3), 12, ("US", "a"));
    t.send(&app).await;
    let tips = tip_codes(&app, &tom).await;
    assert!(
        !tips.contains_key("no_clicks_7d") && !tips.contains_key("falling_trend"),
        "{tips:?}"
    );
    t.clicks(1, (offer, tom.id), (9, 9), 13, ("US", "a"));
    t.send(&app).await;
    let tips = tip_codes(&app, &tom).await;
    close(
        &tips["falling_trend"]["figure"],
        round((7.0 - 11.0) / 11.0 * 100.0, 2),
        "fall",
    );
    close(&tips["falling_trend"]["threshold"], -30.0, "fall threshold");

    // Held for review: 3 of 10 (exactly 30%), then 4 of 11.
    let pam = app.promoter("pam").await;
    join(&app, &pam, offer).await;
    join(&app, &pam, held).await;
    let ok = t.clicks(7, (offer, pam.id), (2, 5), 12, ("US", "b"));
    let wait = t.clicks(4, (held, pam.id), (2, 5), 12, ("US", "b"));
    for c in ok.iter().chain(wait.iter().take(3)) {
        t.convert(advertiser_id, c);
    }
    t.send(&app).await;
    assert!(
        !tip_codes(&app, &pam)
            .await
            .contains_key("many_pending_review")
    );
    t.convert(advertiser_id, &wait[3]);
    t.send(&app).await;
    let tips = tip_codes(&app, &pam).await;
    close(
        &tips["many_pending_review"]["figure"],
        round(4.0 / 11.0, 4),
        "held share",
    );

    // Close to the next level: within 10% of the span from Silver (500) to Gold (2000).
    let lev = app.promoter("lev").await;
    let adjust = |points: i64| {
        app.post(&format!("/v1/admin/promoters/{}/points", lev.id))
            .bearer_auth(&admin.token)
            .json(&json!({"points": points, "reason": "test"}))
            .send()
    };
    assert_eq!(adjust(1849).await.expect("adjust").status(), 201);
    assert!(
        !tip_codes(&app, &lev)
            .await
            .contains_key("close_to_next_level")
    );
    assert_eq!(adjust(1).await.expect("adjust").status(), 201);
    let tips = tip_codes(&app, &lev).await;
    close(&tips["close_to_next_level"]["figure"], 0.1, "to go");
    assert!(
        tips["close_to_next_level"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("150")
    );
    let overview = get(&app, &lev, "/v1/assistant/overview").await;
    assert_eq!(overview["level"]["level"], "Silver");
    assert_eq!(overview["level"]["next_level"], "Gold");
    assert_eq!(overview["level"]["points_to_next"], 150);
    assert_eq!(overview["level"]["lifetime_points"], 1850);
}

/// An approved offer of `adv` that holds its conversions for review.
async fn offer_held(app: &TestApp, adv: &Account, admin: &Account) -> i64 {
    offer(
        app,
        adv,
        admin,
        json!({"name": "Held", "hold_conversions": true}),
    )
    .await
}

#[tokio::test]
async fn languages_roles_and_bad_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let pat = app.promoter("pat").await;
    let paths = ["overview", "suggestions", "analysis", "tips"];

    // Without a token: 401.
    for p in paths {
        let resp = app
            .get(&format!("/v1/assistant/{p}"))
            .send()
            .await
            .expect("get");
        problem(resp, 401, "unauthorized").await;
    }
    // Roles: suggestions are a promoter's; analysis and tips not an admin's.
    for (who, path) in [
        (&adv, "suggestions"),
        (&admin, "suggestions"),
        (&admin, "analysis"),
        (&admin, "tips"),
    ] {
        let resp = app
            .get(&format!("/v1/assistant/{path}"))
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("get");
        problem(resp, 403, "forbidden").await;
    }
    assert_eq!(
        get(&app, &admin, "/v1/assistant/overview").await["scope"],
        "platform"
    );
    for p in ["overview", "analysis", "tips"] {
        get(&app, &adv, &format!("/v1/assistant/{p}")).await;
    }
    // An API key without stats:read.
    let key: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&pat.token)
        .json(&json!({"name": "links", "scopes": ["links:read"]}))
        .send()
        .await
        .expect("key")
        .json()
        .await
        .expect("json");
    let key = key["key"].as_str().expect("a key").to_owned();
    for p in paths {
        let resp = app
            .get(&format!("/v1/assistant/{p}"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("get");
        problem(resp, 403, "forbidden").await;
    }

    // Languages: ?lang wins, then Accept-Language, then English.
    let en = get(&app, &pat, "/v1/assistant/tips").await;
    assert_eq!(en["lang"], "en");
    let text = |v: &Value| v["tips"][0]["text"].as_str().unwrap_or("").to_owned();
    assert!(text(&en).is_ascii() && !text(&en).is_empty(), "{en}");
    let ar = get(&app, &pat, "/v1/assistant/tips?lang=ar").await;
    assert_eq!(ar["lang"], "ar");
    assert!(
        text(&ar)
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "{ar}"
    );
    assert_eq!(ar["tips"][0]["code"], en["tips"][0]["code"]);
    let by_header = |lang: &'static str| {
        app.get("/v1/assistant/tips")
            .bearer_auth(&pat.token)
            .header("accept-language", lang)
            .send()
    };
    let v: Value = by_header("ar-EG,ar;q=0.9,en;q=0.5")
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(v["lang"], "ar");
    let v: Value = by_header("fr-FR, de;q=0.8")
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(v["lang"], "en");
    let resp = app
        .get("/v1/assistant/overview?lang=en")
        .bearer_auth(&pat.token)
        .header("accept-language", "ar")
        .send()
        .await
        .expect("get");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["lang"], "en", "the query wins over the header");
    // An unknown language: 422 naming lang; an unknown parameter: 400.
    for p in paths {
        let resp = app
            .get(&format!("/v1/assistant/{p}?lang=fr"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("get");
        let body = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&body), ["lang"]);
        let resp = app
            .get(&format!("/v1/assistant/{p}?colour=red"))
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("get");
        problem(resp, 400, "invalid_query").await;
    }
    // A promoter with nothing yet: the analysis says so.
    let analysis = get(&app, &pat, "/v1/assistant/analysis").await;
    assert_eq!(analysis["findings"][0]["code"], "no_data");
    let overview = get(&app, &pat, "/v1/assistant/overview").await;
    assert!(overview["best_offer"].is_null());
    assert_eq!(
        overview["periods"][1]["change"]["clicks"]["pct"],
        Value::Null
    );
}
