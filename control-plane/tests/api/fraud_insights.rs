//! Fraud insights (DESIGN §11): the figures of known traffic (filtered share by reason, the
//! click-to-conversion histogram, the conversion rate's z-score against the offer's other
//! promoters, top IPs and subnets, the risk level and its findings), their tenancy, and bad
//! input.
//!
//! Clicks are ingested as the edge sends them, each 61 s after the previous one and with
//! a browser's user agent, so that no flood window or agent check of ingest's scoring flags
//! any of them; the reasons these tests need are then set with SQL, as scoring would have
//! set them (scoring itself is tested with ingest).

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::helpers::{Account, TestApp, fields, problem};
use crate::tracking::{Click, Conversion, Market, market, stamp};

/// Hands out click times 61 s apart: more than any flood window, so no two clicks share one.
pub(crate) struct Clock(pub(crate) OffsetDateTime);

impl Clock {
    /// Starting three days ago (inside the default 30-day range, with room for conversions
    /// a day later).
    pub(crate) fn new() -> Self {
        Self(OffsetDateTime::now_utc() - Duration::days(3))
    }

    pub(crate) fn tick(&mut self) -> OffsetDateTime {
        self.0 += Duration::seconds(61);
        self.0
    }
}

/// `n` clicks of `promoter` on `offer`, the i-th from `ip(i)`, with `verdict`.
pub(crate) fn clicks(
    clock: &mut Clock,
    offer: i64,
    promoter: i64,
    n: usize,
    verdict: &'static str,
    ip: impl Fn(usize) -> String,
) -> Vec<Click> {
    (0..n)
        .map(|i| {
            let mut c = Click::new(offer, promoter, clock.tick());
            c.verdict = verdict;
            c.ip = ip(i);
            c
        })
        .collect()
}

pub(crate) async fn ingest_clicks(app: &TestApp, clicks: &[Click]) {
    let events: Vec<Value> = clicks.iter().map(Click::event).collect();
    app.ingest(&events).await;
}

/// Runs a statement that stands in for scoring.
pub(crate) async fn sql(app: &TestApp, statement: &str) {
    sqlx::query(statement)
        .execute(&app.db)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// The range every test asks for: a day before the clock started to now.
pub(crate) fn range() -> String {
    let now = OffsetDateTime::now_utc();
    format!(
        "from={}&to={}",
        stamp(now - Duration::days(4)),
        stamp(now + Duration::minutes(1))
    )
}

/// The insight at `path` over `range`, as `who`.
async fn insight(app: &TestApp, path: &str, who: &Account, range: &str) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    app.get_json(&format!("{path}{sep}{range}"), &who.token)
        .await
}

fn share_of(v: &Value, reason: &str) -> (i64, f64, bool) {
    let f = v["filtered"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["reason"] == reason))
        .unwrap_or_else(|| panic!("{reason} listed: {v}"));
    (
        f["clicks"].as_i64().unwrap_or(-1),
        f["share"].as_f64().unwrap_or(-1.0),
        f["blocking"].as_bool().unwrap_or(false),
    )
}

/// The two-proportion z-score the API documents.
fn z(c1: f64, n1: f64, c2: f64, n2: f64) -> f64 {
    let p = (c1 + c2) / (n1 + n2);
    (c1 / n1 - c2 / n2) / (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt()
}

#[tokio::test]
async fn a_promoters_insight_states_the_figures_of_its_traffic() {
    let m: Market = market(json!({})).await;
    let app = &m.app;
    let pat = &m.promoter;
    let quinn = app.promoter("quinn").await;
    let mut clock = Clock::new();
    let r = range();

    // Pat: 200 clicks. 50 ok from one IP, 110 ok from as many /24s, 20 bots, 10 on a
    // paused offer, 10 geo-blocked.
    let hot = clicks(&mut clock, m.offer, pat.id, 50, "ok", |_| {
        "198.51.100.7".to_owned()
    });
    let spread = clicks(&mut clock, m.offer, pat.id, 110, "ok", |i| {
        format!("100.64.{i}.1")
    });
    let mut all = hot.clone();
    all.extend(spread.iter().cloned());
    all.extend(clicks(&mut clock, m.offer, pat.id, 20, "bot", |i| {
        format!("100.65.{i}.1")
    }));
    all.extend(clicks(
        &mut clock,
        m.offer,
        pat.id,
        10,
        "offer_paused",
        |i| format!("100.66.{i}.1"),
    ));
    all.extend(clicks(
        &mut clock,
        m.offer,
        pat.id,
        10,
        "geo_blocked",
        |i| format!("100.67.{i}.1"),
    ));
    // Quinn: 100 clean clicks on the same offer, 3 of them converting after 5 min.
    let theirs = clicks(&mut clock, m.offer, quinn.id, 100, "ok", |i| {
        format!("100.68.{i}.1")
    });
    all.extend(theirs.iter().cloned());
    ingest_clicks(app, &all).await;

    // Pat's 20 conversions on clean clicks, by click-to-conversion time: 5 s and 9.999 s
    // (under 10 s); exactly 10 s and 3 × 30 s; 4 × 5 min; 2 × 30 min; 2 × 2 h; 2 × 12 h;
    // exactly 24 h and 3 × 25 h.
    let ctits_ms: Vec<i64> = [5_000, 9_999, 10_000, 30_000, 30_000, 30_000]
        .into_iter()
        .chain([300_000; 4])
        .chain([1_800_000; 2])
        .chain([7_200_000; 2])
        .chain([43_200_000; 2])
        .chain([86_400_000])
        .chain([90_000_000; 3])
        .collect();
    assert_eq!(ctits_ms.len(), 20);
    let adv = m.advertiser_id();
    let mut conversions: Vec<Value> = ctits_ms
        .iter()
        .zip(spread.iter().skip(30))
        .map(|(ms, click)| {
            Conversion::new(adv, click.id, click.ts + Duration::milliseconds(*ms)).event()
        })
        .collect();
    conversions.extend(
        theirs
            .iter()
            .take(3)
            .map(|click| Conversion::new(adv, click.id, click.ts + Duration::minutes(5)).event()),
    );
    app.ingest(&conversions).await;

    // What scoring would have set: 40 of the one IP's clicks flooded, 10 of them also from
    // a hosting range; 20 of the spread clicks from VPN ranges (a signal, still counted);
    // the two conversions under 10 s refused as ctit_short.
    sql(
        app,
        "UPDATE clicks SET fraud = '{click_flood}' WHERE id IN (
             SELECT id FROM clicks WHERE ip = '198.51.100.7' ORDER BY ts LIMIT 40)",
    )
    .await;
    sql(
        app,
        "UPDATE clicks SET fraud = '{datacenter_ip,click_flood}' WHERE id IN (
             SELECT id FROM clicks WHERE ip = '198.51.100.7' ORDER BY ts LIMIT 10)",
    )
    .await;
    sql(
        app,
        "UPDATE clicks SET fraud = '{vpn_ip}' WHERE id IN (
             SELECT id FROM clicks WHERE ip << '100.64.0.0/16' ORDER BY ts LIMIT 20)",
    )
    .await;
    sql(
        app,
        "UPDATE conversions SET status = 'rejected_fraud', fraud = '{ctit_short}'
         WHERE ts - click_ts < interval '10 seconds'",
    )
    .await;
    app.eventually(
        "SELECT count(*) FROM conversions WHERE status = 'approved'",
        21,
    )
    .await;

    let path = format!("/v1/fraud/promoters/{}/insight", pat.id);
    let v = insight(app, &path, pat, &r).await;
    assert_eq!(v["promoter_id"], pat.id);
    assert_eq!(v["offer_id"], Value::Null);
    assert_eq!(
        v["clicks"],
        json!({"total": 200, "counted": 120, "filtered": 80, "filtered_share": 0.4,
               "flagged": 40, "flagged_share": 0.2})
    );
    for (reason, n, share, blocking) in [
        ("bot", 20, 0.1, true),
        ("offer_paused", 10, 0.05, true),
        ("geo_blocked", 10, 0.05, true),
        ("expired", 0, 0.0, true),
        ("datacenter_ip", 10, 0.05, true),
        ("vpn_ip", 20, 0.1, false),
        ("click_flood", 40, 0.2, true),
        ("ip_flood", 0, 0.0, true),
        ("suspicious_agent", 0, 0.0, true),
        ("suspended_promoter", 0, 0.0, true),
    ] {
        assert_eq!(share_of(&v, reason), (n, share, blocking), "{reason}");
    }
    assert_eq!(v["filtered"].as_array().map(Vec::len), Some(10));

    let ctit = &v["ctit"];
    assert_eq!(ctit["conversions"], 20);
    let buckets: Vec<i64> = ctit["buckets"]
        .as_array()
        .map(|b| b.iter().filter_map(|x| x["conversions"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(buckets, vec![2, 4, 4, 2, 2, 2, 4]);
    assert_eq!(
        ctit["buckets"][0],
        json!({"label": "under 10 s", "from_seconds": null, "to_seconds": 10,
               "conversions": 2, "share": 0.1})
    );
    assert_eq!(
        ctit["buckets"][6],
        json!({"label": "24 h or more", "from_seconds": 86400, "to_seconds": null,
               "conversions": 4, "share": 0.2})
    );
    assert_eq!(
        (
            &ctit["under_10s"],
            &ctit["under_10s_share"],
            &ctit["over_24h"],
            &ctit["over_24h_share"]
        ),
        (&json!(2), &json!(0.1), &json!(4), &json!(0.2))
    );

    // Pat: 18 approved of 120 counted clicks; Quinn: 3 of 100.
    let rates = v["conversion_rates"].as_array().expect("rates");
    assert_eq!(rates.len(), 1, "{rates:?}");
    let rate = &rates[0];
    assert_eq!(
        (
            &rate["offer_id"],
            &rate["promoter_id"],
            &rate["clicks"],
            &rate["conversions"]
        ),
        (&json!(m.offer), &json!(pat.id), &json!(120), &json!(18))
    );
    assert_eq!(rate["cr"], 0.15);
    // Pat sees that one other promoter is there, not its figures (they would be Quinn's).
    assert_eq!(
        rate["others"],
        json!({"promoters": 1, "clicks": null, "conversions": null, "cr": null})
    );
    assert_eq!(rate["z"], Value::Null);
    assert!(
        rate["z_unavailable"]
            .as_str()
            .is_some_and(|why| why.contains("from 3 on")),
        "{rate}"
    );
    // The advertiser sees them, and the z-score.
    let v = insight(app, &path, &m.adv, &r).await;
    let rate = &v["conversion_rates"][0];
    assert_eq!(
        rate["others"],
        json!({"promoters": 1, "clicks": 100, "conversions": 3, "cr": 0.03})
    );
    let expected_z = z(18.0, 120.0, 3.0, 100.0);
    let got = rate["z"].as_f64().expect("a z-score");
    assert!((got - expected_z).abs() < 1e-9, "{got} vs {expected_z}");
    assert!((got - 3.016).abs() < 1e-3, "{got}");
    assert_eq!(rate["z_unavailable"], Value::Null);

    assert_eq!(
        v["top_ips"][0],
        json!({"ip": "198.51.100.7", "clicks": 50, "share": 0.25})
    );
    // The rest have one click each, in address order.
    assert_eq!(
        v["top_ips"][1],
        json!({"ip": "100.64.0.1", "clicks": 1, "share": 0.005})
    );
    assert_eq!(v["top_ips"].as_array().map(Vec::len), Some(10));
    assert_eq!(
        v["top_subnets"][0],
        json!({"subnet": "198.51.100.0/24", "clicks": 50, "share": 0.25})
    );
    assert_eq!(v["top_subnets"][1]["subnet"], "100.64.0.0/24");

    assert_eq!(v["risk"]["level"], "high");
    let findings: Vec<(String, String, String)> = v["risk"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                f["level"].as_str().unwrap_or("").to_owned(),
                f["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let owned = |(a, b, c): (&str, &str, String)| (a.to_owned(), b.to_owned(), c);
    assert_eq!(
        findings,
        vec![
            owned((
                "flagged_clicks",
                "high",
                "20% of clicks (40 of 200) were flagged click_flood; 20% or more is high risk."
                    .to_owned()
            )),
            owned((
                "flagged_clicks",
                "medium",
                "5% of clicks (10 of 200) were flagged datacenter_ip; 5% or more is medium risk."
                    .to_owned()
            )),
            owned((
                "ip_concentration",
                "medium",
                "25% of clicks (50 of 200) came from one IP, 198.51.100.7; 25% or more is medium risk."
                    .to_owned()
            )),
            owned((
                "ctit_short",
                "medium",
                "10% of conversions (2 of 20) came less than 10 s after their click; 5% or more is medium risk."
                    .to_owned()
            )),
            owned((
                "cr_outlier",
                "medium",
                format!(
                    "On offer {}, promoter {} converted 15% of counted clicks (18 of 120) against 3% (3 of 100) for 1 other promoter: z = 3.0, 5.0 times their rate; a z of 3 or more at 2 times their rate or more is medium risk.",
                    m.offer, pat.id
                )
            )),
        ]
    );
    assert_eq!(v["risk"]["notes"], json!([]));

    // The admin sees the same insight; so does the advertiser, all of it on its offer.
    assert_eq!(insight(app, &path, &m.admin, &r).await, v);
    assert_eq!(insight(app, &path, &m.adv, &r).await, v);
    // On the one offer, the same again.
    let on_offer = insight(app, &format!("{path}?offer_id={}", m.offer), &m.adv, &r).await;
    assert_eq!(on_offer["offer_id"], m.offer);
    assert_eq!(on_offer["clicks"], v["clicks"]);
    assert_eq!(on_offer["risk"], v["risk"]);
    // Pat's own view has every finding but the one comparing it with Quinn alone.
    let own = insight(app, &format!("{path}?offer_id={}", m.offer), pat, &r).await;
    assert_eq!(own["clicks"], v["clicks"]);
    let rules: Vec<&str> = own["risk"]["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        rules,
        [
            "flagged_clicks",
            "flagged_clicks",
            "ip_concentration",
            "ctit_short"
        ]
    );

    // Quinn converts less than Pat: z is negative, and no finding (seen by the advertiser:
    // Quinn itself is not shown the figures of its one competitor).
    let q = insight(
        app,
        &format!("/v1/fraud/promoters/{}/insight", quinn.id),
        &m.adv,
        &r,
    )
    .await;
    let qz = q["conversion_rates"][0]["z"].as_f64().expect("z");
    assert!((qz + expected_z).abs() < 1e-9, "{qz}");
    assert_eq!(q["risk"]["level"], "low");
    assert_eq!(
        q["risk"]["notes"],
        json!(["The click-to-conversion time rules need at least 20 conversions; there were 3."])
    );

    // The offer's insight: both promoters, each compared with the other.
    let o = insight(
        app,
        &format!("/v1/fraud/offers/{}/insight", m.offer),
        &m.adv,
        &r,
    )
    .await;
    assert_eq!(o["promoter_id"], Value::Null);
    assert_eq!(o["clicks"]["total"], 300);
    assert_eq!(o["clicks"]["counted"], 220);
    let ids: Vec<i64> = o["conversion_rates"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r["promoter_id"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ids, vec![pat.id, quinn.id], "highest z first");
    assert_eq!(o["conversion_rates_omitted"], 0);
}

#[tokio::test]
async fn too_little_traffic_is_said_and_z_scores_say_why_they_are_missing() {
    let m = market(json!({})).await;
    let mut clock = Clock::new();
    let few = clicks(&mut clock, m.offer, m.promoter.id, 7, "ok", |i| {
        format!("100.70.{i}.1")
    });
    ingest_clicks(&m.app, &few).await;
    let v = insight(
        &m.app,
        &format!("/v1/fraud/promoters/{}/insight", m.promoter.id),
        &m.promoter,
        &range(),
    )
    .await;
    assert_eq!(v["risk"]["level"], "low");
    assert_eq!(v["risk"]["findings"], json!([]));
    assert_eq!(
        v["risk"]["notes"],
        json!([
            "The click rules need at least 100 clicks; there were 7.",
            "The click-to-conversion time rules need at least 20 conversions; there were 0."
        ])
    );
    let r = &v["conversion_rates"][0];
    assert_eq!(r["z"], Value::Null);
    assert_eq!(
        r["z_unavailable"],
        "the promoter has 7 counted clicks on the offer; a z-score needs at least 50"
    );
    assert_eq!(v["ctit"]["under_10s_share"], 0.0);

    // Nothing in the range: zeros, not errors.
    let empty = m
        .app
        .get_json(
            &format!(
                "/v1/fraud/promoters/{}/insight?from=2020-01-01&to=2020-01-31",
                m.promoter.id
            ),
            &m.promoter.token,
        )
        .await;
    assert_eq!(empty["clicks"]["total"], 0);
    assert_eq!(empty["clicks"]["filtered_share"], 0.0);
    assert_eq!(empty["from"], "2020-01-01T00:00:00Z");
    assert_eq!(empty["to"], "2020-02-01T00:00:00Z");
    assert_eq!(empty["conversion_rates"], json!([]));
    assert_eq!(empty["top_ips"], json!([]));
}

#[tokio::test]
async fn each_tenant_sees_only_its_own_traffic() {
    let m = market(json!({})).await;
    let app = &m.app;
    let pat = &m.promoter;
    let quinn = app.promoter("quinn").await;
    let stranger = app.promoter("stranger").await;
    let globex = app.advertiser("globex").await;
    let theirs = app.approved_offer(&globex, &m.admin, json!({})).await;
    let draft = app.create_offer(&globex, json!({})).await["id"]
        .as_i64()
        .expect("an offer id");
    let mut clock = Clock::new();
    let r = range();

    // Pat: 3 clicks on Acme's offer, 5 on Globex's; Quinn: 2 on Acme's.
    let mut all = clicks(&mut clock, m.offer, pat.id, 3, "ok", |i| {
        format!("100.80.{i}.1")
    });
    all.extend(clicks(&mut clock, theirs, pat.id, 5, "ok", |i| {
        format!("100.81.{i}.1")
    }));
    all.extend(clicks(&mut clock, m.offer, quinn.id, 2, "ok", |i| {
        format!("100.82.{i}.1")
    }));
    ingest_clicks(app, &all).await;

    let pat_path = format!("/v1/fraud/promoters/{}/insight", pat.id);
    let total = |v: &Value| v["clicks"]["total"].as_i64().unwrap_or(-1);
    assert_eq!(total(&insight(app, &pat_path, &m.admin, &r).await), 8);
    assert_eq!(total(&insight(app, &pat_path, pat, &r).await), 8);
    // Each advertiser sees Pat's traffic on its own offers, and nothing else of it.
    let acme_view = insight(app, &pat_path, &m.adv, &r).await;
    assert_eq!(total(&acme_view), 3);
    let ips: Vec<&str> = acme_view["top_ips"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["ip"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ips, vec!["100.80.0.1", "100.80.1.1", "100.80.2.1"]);
    let offers: Vec<i64> = acme_view["conversion_rates"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["offer_id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(offers, vec![m.offer]);
    assert_eq!(
        acme_view["conversion_rates"][0]["others"]["clicks"], 2,
        "Quinn's clicks on the offer"
    );
    assert_eq!(total(&insight(app, &pat_path, &globex, &r).await), 5);
    // Globex's offer asked about through Acme's view of Pat: not Acme's.
    let resp = app
        .get(&format!("{pat_path}?offer_id={theirs}&{r}"))
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;

    // A promoter asking about another promoter, and an advertiser about a promoter who
    // never sent it traffic: as if there were none.
    for (path, who) in [
        (format!("/v1/fraud/promoters/{}/insight", quinn.id), pat),
        (
            format!("/v1/fraud/promoters/{}/insight", stranger.id),
            &m.adv,
        ),
        (
            format!("/v1/fraud/promoters/{}/insight", m.adv.id),
            &m.admin,
        ),
        ("/v1/fraud/promoters/999999/insight".to_owned(), &m.admin),
        (format!("/v1/fraud/offers/{theirs}/insight"), &m.adv),
        (format!("/v1/fraud/offers/{draft}/insight"), pat),
        ("/v1/fraud/offers/999999/insight".to_owned(), &m.admin),
    ] {
        let resp = app
            .get(&format!("{path}?{r}"))
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("request");
        problem(resp, 404, "not_found").await;
    }

    // An offer's insight: the advertiser sees every promoter on it, a promoter only itself.
    let offer_path = format!("/v1/fraud/offers/{}/insight", m.offer);
    let whole = insight(app, &offer_path, &m.adv, &r).await;
    assert_eq!(total(&whole), 5);
    assert_eq!(whole["conversion_rates"].as_array().map(Vec::len), Some(2));
    let mine = insight(app, &offer_path, pat, &r).await;
    assert_eq!(total(&mine), 3);
    assert_eq!(mine["promoter_id"], pat.id);
    let rates = mine["conversion_rates"].as_array().expect("rates");
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0]["promoter_id"], pat.id);
    assert_eq!(
        rates[0]["others"],
        json!({"promoters": 1, "clicks": null, "conversions": null, "cr": null})
    );
    let ips = mine.to_string();
    assert!(!ips.contains("100.82."), "Quinn's IPs are not Pat's to see");
    // Globex's approved offer, on which Pat has traffic, is Pat's to ask about.
    assert_eq!(
        total(&insight(app, &format!("/v1/fraud/offers/{theirs}/insight"), pat, &r).await),
        5
    );
    assert_eq!(total(&insight(app, &offer_path, &m.admin, &r).await), 5);
}

#[tokio::test]
async fn bad_ranges_and_parameters_are_refused() {
    let m = market(json!({})).await;
    let path = format!("/v1/fraud/promoters/{}/insight", m.promoter.id);
    let get = |query: String| {
        m.app
            .get(&format!("{path}?{query}"))
            .bearer_auth(&m.promoter.token)
            .send()
    };
    for (query, field) in [
        ("from=yesterday".to_owned(), "from"),
        ("to=2026-02-30".to_owned(), "to"),
        ("from=1969-12-31".to_owned(), "from"),
        (
            "from=2026-11-24T10:00:00Z&to=2026-11-24T09:00:00Z".to_owned(),
            "from",
        ),
        (
            "from=2026-11-24T10:00:00Z&to=2026-11-24T10:00:00Z".to_owned(),
            "from",
        ),
        ("from=2026-01-01&to=2026-04-03".to_owned(), "to"),
    ] {
        let resp = get(query.clone()).await.expect("request");
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), vec![field], "{query}: {p}");
    }
    // 92 days is the most.
    let resp = get("from=2026-01-01&to=2026-04-02".to_owned())
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    for query in ["offer_id=abc", "granularity=day"] {
        let resp = get(query.to_owned()).await.expect("request");
        problem(resp, 400, "invalid_query").await;
    }
    let resp = m
        .app
        .get("/v1/fraud/promoters/pat/insight")
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_path").await;
    let resp = m
        .app
        .get(&path)
        .send()
        .await
        .expect("request without a token");
    problem(resp, 401, "unauthorized").await;
}
