//! Stats: a generated data set (thousands of clicks over month ends, conversions arriving in
//! any order), and `/v1/stats` compared with a recount from the raw rows for day, week, month
//! and hour periods in several time zones, per tenant.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use afftok_control_plane::stats as rollups;

use crate::helpers::{Account, Options, fields, problem};
use crate::tracking::{Click, Conversion, Market, at, market, market_with};

/// xorshift64*: a fixed, seeded sequence so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a period adds up to.
#[derive(Debug, Default, PartialEq)]
struct Numbers {
    clicks: i64,
    unique_clicks: i64,
    filtered_clicks: i64,
    conversions: i64,
    payout: BTreeMap<String, String>,
    revenue: BTreeMap<String, String>,
    epc: BTreeMap<String, String>,
}

fn from_api(row: &Value) -> Numbers {
    let money = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    Numbers {
        clicks: row["clicks"].as_i64().unwrap_or(-1),
        unique_clicks: row["unique_clicks"].as_i64().unwrap_or(-1),
        filtered_clicks: row["filtered_clicks"].as_i64().unwrap_or(-1),
        conversions: row["conversions"].as_i64().unwrap_or(-1),
        payout: money(&row["payout"]),
        revenue: money(&row["revenue"]),
        epc: money(&row["epc"]),
    }
}

/// The scope of a recount, as the API scopes a caller.
#[derive(Clone, Copy, Default)]
struct Scope {
    advertiser: Option<i64>,
    promoter: Option<i64>,
}

/// `/v1/stats` recounted from `clicks` and `conversions`: (period label, group) → numbers.
async fn recount(
    db: &sqlx::PgPool,
    (from, to): (&str, &str),
    tz: &str,
    granularity: &str,
    group: &str,
    scope: Scope,
) -> BTreeMap<(String, String), Numbers> {
    let label = if granularity == "hour" {
        "YYYY-MM-DD\"T\"HH24:00"
    } else {
        "YYYY-MM-DD"
    };
    let group_sql = match group {
        "" => "''",
        "offer" => "offer_id::text",
        "promoter" => "promoter_id::text",
        "advertiser" => "advertiser_id::text",
        "country" => "coalesce(country, '')",
        other => panic!("no recount for {other}"),
    };
    let prelude = format!(
        "WITH b AS (SELECT ($1::date::timestamp AT TIME ZONE $3) AS lo,
                           (($2::date + 1)::timestamp AT TIME ZONE $3) AS hi)
         SELECT to_char(date_trunc('{granularity}', ts AT TIME ZONE $3), '{label}') AS period,
                {group_sql} AS grp"
    );
    let scoped = "ts >= b.lo AND ts < b.hi
        AND ($4::bigint IS NULL OR advertiser_id = $4) AND ($5::bigint IS NULL OR promoter_id = $5)";
    let mut out: BTreeMap<(String, String), Numbers> = BTreeMap::new();
    // Ok clicks by the currency of their offer, for EPC.
    let mut by_currency: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
    let mut payouts: BTreeMap<(String, String), BTreeMap<String, Decimal>> = BTreeMap::new();

    let clicks: Vec<(String, String, String, i64, i64)> = sqlx::query_as(&format!(
        "{prelude}, (SELECT o.currency::text FROM offers o WHERE o.id = offer_id),
                count(*) FILTER (WHERE verdict = 'ok'), count(*) FILTER (WHERE verdict <> 'ok')
         FROM clicks, b WHERE {scoped} AND advertiser_id IS NOT NULL GROUP BY 1, 2, 3"
    ))
    .bind(from)
    .bind(to)
    .bind(tz)
    .bind(scope.advertiser)
    .bind(scope.promoter)
    .fetch_all(db)
    .await
    .expect("click recount");
    for (period, grp, currency, ok, filtered) in clicks {
        *by_currency
            .entry((period.clone(), grp.clone()))
            .or_default()
            .entry(currency)
            .or_default() += ok;
        let n = out.entry((period, grp)).or_default();
        n.clicks += ok;
        n.filtered_clicks += filtered;
    }
    // Unique: the first ok click of each (UTC day, offer, promoter, ip, user agent).
    let uniques: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "{prelude}, count(*) FROM (
             SELECT DISTINCT ON ((ts AT TIME ZONE 'UTC')::date, offer_id, promoter_id, ip, user_agent)
                    ts, offer_id, promoter_id, advertiser_id, country
             FROM clicks WHERE verdict = 'ok'
             ORDER BY (ts AT TIME ZONE 'UTC')::date, offer_id, promoter_id, ip, user_agent, ts, id) firsts, b
         WHERE {scoped} GROUP BY 1, 2"
    ))
    .bind(from)
    .bind(to)
    .bind(tz)
    .bind(scope.advertiser)
    .bind(scope.promoter)
    .fetch_all(db)
    .await
    .expect("unique recount");
    for (period, grp, n) in uniques {
        out.entry((period, grp)).or_default().unique_clicks += n;
    }
    let conversions: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "{prelude}, count(*) FROM conversions, b WHERE status = 'approved' AND {scoped} GROUP BY 1, 2"
    ))
    .bind(from)
    .bind(to)
    .bind(tz)
    .bind(scope.advertiser)
    .bind(scope.promoter)
    .fetch_all(db)
    .await
    .expect("conversion recount");
    for (period, grp, n) in conversions {
        out.entry((period, grp)).or_default().conversions += n;
    }
    for (column, currency, is_payout) in [
        ("payout", "payout_currency", true),
        (
            "coalesce(amount, 0)",
            "coalesce(currency, payout_currency)",
            false,
        ),
    ] {
        let sums: Vec<(String, String, String, Decimal)> = sqlx::query_as(&format!(
            "{prelude}, {currency}, sum({column}) FROM conversions, b
             WHERE status = 'approved' AND {scoped} GROUP BY 1, 2, 3"
        ))
        .bind(from)
        .bind(to)
        .bind(tz)
        .bind(scope.advertiser)
        .bind(scope.promoter)
        .fetch_all(db)
        .await
        .expect("money recount");
        for (period, grp, cur, sum) in sums {
            if sum.is_zero() {
                continue;
            }
            if is_payout {
                payouts
                    .entry((period.clone(), grp.clone()))
                    .or_default()
                    .insert(cur.clone(), sum);
            }
            let n = out.entry((period, grp)).or_default();
            let map = if is_payout {
                &mut n.payout
            } else {
                &mut n.revenue
            };
            let text = written(sum, &cur);
            map.insert(cur, text);
        }
    }
    // EPC: each currency's payout over the clicks on offers paying in it.
    for (key, payout) in payouts {
        let clicks = by_currency.remove(&key).unwrap_or_default();
        out.entry(key).or_default().epc = epc_of(&payout, &clicks);
    }
    out
}

/// EPC by currency as the API writes it: the payout over the clicks of offers in that
/// currency, to 4 decimals (none without such clicks).
fn epc_of(
    payout: &BTreeMap<String, Decimal>,
    clicks: &BTreeMap<String, i64>,
) -> BTreeMap<String, String> {
    payout
        .iter()
        .filter(|(_, sum)| !sum.is_zero())
        .filter_map(|(currency, sum)| {
            let n = clicks.get(currency).copied().filter(|n| *n > 0)?;
            let epc = (sum / Decimal::from(n)).round_dp(4);
            Some((currency.clone(), written(epc, currency)))
        })
        .collect()
}

/// A sum as the API writes money: at least its currency's decimals (2, or 4 for a currency
/// whose minor unit has more than 2 digits or none), and every digit it has.
fn written(sum: Decimal, currency: &str) -> String {
    let scale = match afftok_shared::Currency::parse(currency).map(|c| c.minor_units()) {
        Ok(Some(units)) if units <= 2 => 2,
        Ok(_) => 4,
        Err(_) => 2,
    };
    let mut d = sum.normalize();
    if d.scale() < scale {
        d.rescale(scale);
    }
    d.to_string()
}

async fn stats(m: &Market, who: &Account, query: &str) -> Value {
    let resp = m
        .app
        .get(&format!("/v1/stats?{query}"))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("stats");
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn rows_of(answer: &Value) -> BTreeMap<(String, String), Numbers> {
    answer["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                (
                    r["period"].as_str().unwrap_or("").to_owned(),
                    r["group"].as_str().unwrap_or("").to_owned(),
                ),
                from_api(r),
            )
        })
        .collect()
}

struct Data {
    clicks: usize,
    conversions: usize,
}

/// Three offers of two advertisers, three promoters, clicks from 2026-01-28 to 2026-03-03
/// (UTC) plus some placed on month ends, conversions up to two days after their clicks, all
/// sent shuffled in batches.
async fn generate(m: &Market, globex: &Account, promoters: &[i64]) -> Data {
    let acme = m.advertiser_id();
    let globex_id = globex.advertiser_id.expect("advertiser");
    let revshare = m
        .app
        .approved_offer(
            &m.adv,
            &m.admin,
            json!({"payout_model": "revshare", "payout_amount": null, "payout_percent": "12.5",
                   "attribution_window_hours": 720}),
        )
        .await;
    let euro = m
        .app
        .approved_offer(
            globex,
            &m.admin,
            json!({"payout_amount": "1.75", "currency": "EUR", "attribution_window_hours": 720}),
        )
        .await;
    let offers = [(m.offer, acme), (revshare, acme), (euro, globex_id)];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let start = at("2026-01-28T00:00:00Z");
    let span_ms = (at("2026-03-04T00:00:00Z") - start).whole_milliseconds() as u64;
    let edges = [
        "2026-01-31T23:30:00Z", // Feb 1 in Kolkata, Jan 31 in New York
        "2026-02-01T00:15:00Z",
        "2026-02-01T04:59:59.999Z", // Jan 31 in New York
        "2026-02-28T23:50:00Z",
        "2026-03-01T04:59:00Z",     // Feb 28 in New York
        "2026-01-31T18:31:00Z",     // Feb 1 00:01 in Kolkata
        "2026-02-28T10:14:59.999Z", // Mar 1 00:00 in Chatham (+13:45)
        "2026-02-28T10:15:00Z",
    ];
    let countries = [Some("US"), Some("DE"), Some("IN"), None];
    let mut events = Vec::new();
    let (mut n_clicks, mut n_conversions) = (0, 0);
    for i in 0..3000usize {
        let ts = match edges.get(i) {
            Some(edge) => at(edge),
            None => start + Duration::milliseconds(rng.below(span_ms) as i64),
        };
        let (offer, advertiser) = offers[rng.below(3) as usize];
        let promoter = promoters[rng.below(promoters.len() as u64) as usize];
        let mut click = Click::new(offer, promoter, ts);
        click.verdict = match rng.below(100) {
            0..=84 => "ok",
            85..=92 => "bot",
            93..=96 => "geo_blocked",
            _ => "offer_paused",
        };
        // 400 visitors: the same visitor comes back, on the same day or another.
        let visitor = rng.below(400);
        click.ip = format!("198.18.{}.{}", visitor / 200, visitor % 200);
        click.user_agent = format!("agent-{}", visitor % 7);
        click.country = countries[rng.below(4) as usize].map(str::to_owned);
        click.sub1 = ["", "spring", "tiktok"][rng.below(3) as usize]
            .to_owned()
            .into();
        if click.sub1.as_deref() == Some("") {
            click.sub1 = None;
        }
        events.push(click.event());
        n_clicks += 1;
        if click.verdict == "ok" && rng.below(100) < 12 {
            let after = Duration::milliseconds(rng.below(48 * 3_600_000) as i64);
            let cents = 1 + rng.below(50_000);
            let amount = format!("{}.{:02}", cents / 100, cents % 100);
            let currency = if advertiser == globex_id {
                "EUR"
            } else {
                "USD"
            };
            let conv = Conversion::new(advertiser, click.id, ts + after)
                .txid(&format!("G-{i}"))
                .amount(&amount, currency);
            events.push(conv.event());
            n_conversions += 1;
        }
    }
    // Shuffled: many conversions arrive before their clicks.
    for i in (1..events.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        events.swap(i, j);
    }
    for chunk in events.chunks(500) {
        m.app.ingest(chunk).await;
    }
    Data {
        clicks: n_clicks,
        conversions: n_conversions,
    }
}

#[tokio::test]
async fn stats_match_a_recount_from_raw_rows_across_time_zones_and_month_ends() {
    let m = market(json!({"payout_amount": "2.00", "attribution_window_hours": 720})).await;
    let globex = m.app.advertiser("globex").await;
    let quinn = m.app.promoter("quinn").await;
    let rae = m.app.promoter("rae").await;
    let data = generate(&m, &globex, &[m.promoter.id, quinn.id, rae.id]).await;

    // Everything landed and was attributed (no caps, unique txids, inside the window).
    let (clicks, approved): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM clicks), (SELECT count(*) FROM conversions WHERE status = 'approved')",
    )
    .fetch_one(&m.app.db)
    .await
    .expect("counts");
    assert_eq!(clicks as usize, data.clicks);
    assert_eq!(approved as usize, data.conversions);
    assert!(data.conversions > 200, "{} conversions", data.conversions);

    let range = ("2026-01-27", "2026-03-06");
    for (tz, granularity) in [
        ("UTC", "day"),
        ("UTC", "week"),
        ("UTC", "month"),
        ("America/New_York", "day"),
        ("America/New_York", "month"),
        ("Asia/Kolkata", "day"),
        ("Asia/Kolkata", "week"),
        ("Asia/Kolkata", "month"),
        ("Pacific/Chatham", "month"),
        ("America/Los_Angeles", "week"),
    ] {
        let query = format!(
            "from={}&to={}&granularity={granularity}&tz={tz}",
            range.0, range.1
        );
        let answer = stats(&m, &m.admin, &query).await;
        let expected = recount(&m.app.db, range, tz, granularity, "", Scope::default()).await;
        assert!(expected.len() > 1, "{tz} {granularity}");
        assert_eq!(rows_of(&answer), expected, "{tz} {granularity}");
        // Totals are the sums of all rows.
        let total = from_api(&answer["totals"]);
        assert_eq!(
            total.clicks,
            expected.values().map(|n| n.clicks).sum::<i64>()
        );
        assert_eq!(
            total.conversions,
            expected.values().map(|n| n.conversions).sum::<i64>()
        );
    }
    // Month ends really moved between zones: January's totals differ.
    let january = |answer: &Value| {
        answer["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["period"] == "2026-01-01"))
            .map(|r| r["clicks"].as_i64().unwrap_or(0))
    };
    let utc = stats(
        &m,
        &m.admin,
        "from=2026-01-01&to=2026-03-31&granularity=month",
    )
    .await;
    let ny = stats(
        &m,
        &m.admin,
        "from=2026-01-01&to=2026-03-31&granularity=month&tz=America/New_York",
    )
    .await;
    assert_ne!(january(&utc), january(&ny));

    // Hours (up to 31 days), around a US daylight-saving change.
    let hours = ("2026-02-20", "2026-03-03");
    let answer = stats(
        &m,
        &m.admin,
        &format!(
            "from={}&to={}&granularity=hour&tz=America/Los_Angeles",
            hours.0, hours.1
        ),
    )
    .await;
    assert_eq!(
        rows_of(&answer),
        recount(
            &m.app.db,
            hours,
            "America/Los_Angeles",
            "hour",
            "",
            Scope::default()
        )
        .await
    );

    // Per tenant: an advertiser sees its offers, a promoter their own traffic.
    let acme = Scope {
        advertiser: Some(m.advertiser_id()),
        promoter: None,
    };
    let answer = stats(
        &m,
        &m.adv,
        &format!(
            "from={}&to={}&group_by=offer&tz=Asia/Kolkata",
            range.0, range.1
        ),
    )
    .await;
    let expected = recount(&m.app.db, range, "Asia/Kolkata", "day", "offer", acme).await;
    assert_eq!(rows_of(&answer), expected);
    let groups: std::collections::BTreeSet<String> =
        expected.keys().map(|(_, g)| g.clone()).collect();
    assert_eq!(groups.len(), 2, "acme's two offers only");
    let globex_scope = Scope {
        advertiser: globex.advertiser_id,
        promoter: None,
    };
    let answer = stats(
        &m,
        &globex,
        &format!(
            "from={}&to={}&granularity=month&group_by=advertiser",
            range.0, range.1
        ),
    )
    .await;
    let expected = recount(&m.app.db, range, "UTC", "month", "advertiser", globex_scope).await;
    assert_eq!(rows_of(&answer), expected);
    assert!(
        expected
            .keys()
            .all(|(_, g)| g == &globex.advertiser_id.unwrap_or(0).to_string())
    );
    let quinn_scope = Scope {
        advertiser: None,
        promoter: Some(quinn.id),
    };
    let answer = stats(
        &m,
        &quinn,
        &format!(
            "from={}&to={}&granularity=week&group_by=country&tz=America/New_York",
            range.0, range.1
        ),
    )
    .await;
    assert_eq!(
        rows_of(&answer),
        recount(
            &m.app.db,
            range,
            "America/New_York",
            "week",
            "country",
            quinn_scope
        )
        .await
    );
    // A promoter filtering on another promoter gets nothing, not their numbers.
    let answer = stats(
        &m,
        &quinn,
        &format!("from={}&to={}&promoter_id={}", range.0, range.1, rae.id),
    )
    .await;
    assert_eq!(answer["rows"], json!([]));
    assert_eq!(answer["totals"]["clicks"], 0);

    // CR and EPC follow from the totals.
    let answer = stats(
        &m,
        &m.adv,
        &format!("from={}&to={}&offer_id={}", range.0, range.1, m.offer),
    )
    .await;
    let t = &answer["totals"];
    let (clicks, conversions) = (
        t["clicks"].as_i64().unwrap_or(0),
        t["conversions"].as_i64().unwrap_or(0),
    );
    assert!(clicks > 0 && conversions > 0);
    let cr = t["cr"].as_f64().unwrap_or(-1.0);
    assert!(
        (cr - conversions as f64 / clicks as f64).abs() < 0.0001,
        "{t}"
    );
    let payout: Decimal = t["payout"]["USD"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .expect("decimal");
    assert_eq!(
        payout,
        Decimal::from(conversions) * Decimal::new(200, 2),
        "CPA 2.00 each"
    );
    let epc: Decimal = t["epc"]["USD"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .expect("decimal");
    assert_eq!(epc, (payout / Decimal::from(clicks)).round_dp(4));
}

/// EPC in a currency is that currency's payout over the clicks on offers paying in it, in
/// every rollup (per tenant, by dimension, folded or not, rebuilt); clicks and CR count every
/// click.
#[tokio::test]
async fn epc_divides_each_currency_by_the_clicks_of_offers_paying_in_it() {
    let opts = Options {
        env: vec![("AFFTOK_STATS_FOLD_INTERVAL_MS", "3600000".to_owned())],
        ..Options::default()
    };
    let m = market_with(
        opts,
        json!({"payout_amount": "2.00", "attribution_window_hours": 720}),
    )
    .await;
    let euro = m
        .app
        .approved_offer(
            &m.adv,
            &m.admin,
            json!({"payout_amount": "1.75", "currency": "EUR", "attribution_window_hours": 720}),
        )
        .await;
    // A USD RevShare offer whose sale comes in EUR: its payout is in EUR.
    let revshare = m
        .app
        .approved_offer(
            &m.adv,
            &m.admin,
            json!({"payout_model": "revshare", "payout_amount": null, "payout_percent": "12.5",
                   "attribution_window_hours": 720}),
        )
        .await;
    let advertiser = m.advertiser_id();
    let t = at("2026-02-10T10:00:00Z");
    let mut events = Vec::new();
    let mut n = 0;
    let mut click = |offer: i64, events: &mut Vec<Value>| {
        n += 1;
        let mut c = Click::new(offer, m.promoter.id, t + Duration::minutes(n));
        c.ip = format!("198.18.0.{n}");
        events.push(c.event());
        c.id
    };
    // USD offers: 3 + 1 clicks; the EUR offer: 2.
    let usd = click(m.offer, &mut events);
    click(m.offer, &mut events);
    click(m.offer, &mut events);
    let share = click(revshare, &mut events);
    let eur = click(euro, &mut events);
    click(euro, &mut events);
    for (i, (click_id, amount)) in [(usd, None), (eur, None), (share, Some("100.00"))]
        .into_iter()
        .enumerate()
    {
        let mut conv =
            Conversion::new(advertiser, click_id, t + Duration::hours(1)).txid(&format!("EPC-{i}"));
        if let Some(amount) = amount {
            conv = conv.amount(amount, "EUR");
        }
        events.push(conv.event());
    }
    m.app.ingest(&events).await;

    let check = async |when: &str| {
        for (who, query) in [
            (&m.admin, "from=2026-02-10&to=2026-02-10"),
            (&m.adv, "from=2026-02-10&to=2026-02-10"),
            (&m.promoter, "from=2026-02-10&to=2026-02-10&tz=Asia/Kolkata"),
            (&m.adv, "from=2026-02-10&to=2026-02-10&group_by=sub1"),
            (&m.admin, "from=2026-02-01&to=2026-02-28&granularity=month"),
        ] {
            let answer = stats(&m, who, query).await;
            let rows = answer["rows"].as_array().expect("rows");
            assert_eq!(rows.len(), 1, "{when} {query}: {answer}");
            for row in [&rows[0], &answer["totals"]] {
                assert_eq!(row["clicks"], 6, "{when} {query}: {row}");
                assert_eq!(row["conversions"], 3, "{when} {query}: {row}");
                assert_eq!(row["cr"], 0.5, "{when} {query}: {row}");
                assert_eq!(
                    row["payout"],
                    json!({"EUR": "14.25", "USD": "2.00"}),
                    "{when} {query}: {row}"
                );
                // USD: 2.00 over the 4 clicks of USD offers; EUR: 1.75 + 12.50 over the EUR
                // offer's 2 (not 2.00 / 6 and 14.25 / 6).
                assert_eq!(
                    row["epc"],
                    json!({"EUR": "7.125", "USD": "0.50"}),
                    "{when} {query}: {row}"
                );
            }
        }
        // Split by offer: each offer's EPC over its own clicks; the USD RevShare offer's
        // EUR payout has no EUR clicks behind it.
        let answer = stats(&m, &m.adv, "from=2026-02-10&to=2026-02-10&group_by=offer").await;
        let epc: BTreeMap<String, Value> = answer["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["group"].as_str().unwrap_or("").to_owned(),
                    r["epc"].clone(),
                )
            })
            .collect();
        assert_eq!(
            epc,
            BTreeMap::from([
                (m.offer.to_string(), json!({"USD": "0.6667"})),
                (euro.to_string(), json!({"EUR": "0.875"})),
                (revshare.to_string(), json!({})),
            ]),
            "{when}: {answer}"
        );
        assert_eq!(
            answer["totals"]["epc"],
            json!({"EUR": "7.125", "USD": "0.50"})
        );
    };
    check("appended").await;
    // The rule is in the API's description.
    let doc: Value = m
        .app
        .get("/openapi.json")
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let epc = doc["components"]["schemas"]["StatsRow"]["properties"]["epc"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        epc.contains("over the clicks on offers") && epc.contains("paying in that currency"),
        "{epc}"
    );
    assert!(rollups::compact(&m.app.db).await.expect("fold") > 0);
    check("folded").await;
    rollups::rebuild(&m.app.db).await.expect("rebuild");
    check("rebuilt").await;
}

#[tokio::test]
async fn stats_parameters_are_checked() {
    let m = market(json!({})).await;
    for (query, field) in [
        ("to=2026-01-02", None),
        ("from=2026-01-02&to=2026-01-01", Some("to")),
        ("from=2026-13-01&to=2026-12-02", Some("from")),
        (
            "from=2026-01-01&to=2026-01-02&granularity=minute",
            Some("granularity"),
        ),
        (
            "from=2026-01-01&to=2026-01-02&group_by=colour",
            Some("group_by"),
        ),
        ("from=2026-01-01&to=2026-01-02&tz=Mars/Olympus", Some("tz")),
        ("from=2026-01-01&to=2026-03-01&granularity=hour", Some("to")),
        ("from=2020-01-01&to=2026-01-01", Some("to")),
        ("from=2026-01-01&to=2026-01-02&country=USA", Some("country")),
        ("from=2026-01-01&to=2026-01-02&offer_id=x", None),
        // Dates whose day after would be year 10000.
        ("from=9999-12-30&to=9999-12-31", Some("from")),
        ("from=1969-12-31&to=1970-01-01", Some("from")),
    ] {
        let resp = m
            .app
            .get(&format!("/v1/stats?{query}"))
            .bearer_auth(&m.adv.token)
            .send()
            .await
            .expect("request");
        match field {
            Some(field) => {
                let p = problem(resp, 422, "validation_failed").await;
                assert_eq!(fields(&p), [field], "{query}");
            }
            None => assert_eq!(resp.status(), 400, "{query}"),
        }
    }
    // Live: a promoter cannot pick an offer; an advertiser only its own.
    let resp = m
        .app
        .get(&format!("/v1/stats/live?offer_id={}", m.offer))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 422, "validation_failed").await;
    let globex = m.app.advertiser("globex").await;
    let resp = m
        .app
        .get(&format!("/v1/stats/live?offer_id={}", m.offer))
        .bearer_auth(&globex.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = m
        .app
        .get("/v1/stats?from=2026-01-01&to=2026-01-02")
        .send()
        .await
        .expect("request");
    problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn live_counters_follow_events_per_scope() {
    let m = market(json!({})).await;
    let quinn = m.app.promoter("quinn").await;
    let now = OffsetDateTime::now_utc();
    let t = (now - Duration::minutes(2)).max(now.replace_time(time::Time::MIDNIGHT));
    let a = Click::new(m.offer, m.promoter.id, t);
    let mut b = Click::new(m.offer, quinn.id, t);
    b.ip = "198.51.100.1".to_owned();
    let repeat = Click::new(m.offer, m.promoter.id, t + Duration::seconds(1));
    let conv = Conversion::new(m.advertiser_id(), a.id, t + Duration::seconds(20));
    m.app
        .ingest(&[a.event(), b.event(), repeat.event(), conv.event()])
        .await;
    let live = |who: Account, query: String| {
        let app = &m.app;
        async move {
            app.settled().await;
            let v: Value = app
                .get_json(&format!("/v1/stats/live{query}"), &who.token)
                .await;
            v
        }
    };
    let pat = live(m.promoter.clone(), String::new()).await;
    assert_eq!(
        (
            &pat["scope"],
            &pat["clicks"],
            &pat["unique_clicks"],
            &pat["conversions"]
        ),
        (
            &json!(format!("promoter:{}", m.promoter.id)),
            &json!(2),
            &json!(1),
            &json!(1)
        ),
        "{pat}"
    );
    assert_eq!(pat["payout"], json!({"USD": "12.50"}));
    let q = live(quinn.clone(), String::new()).await;
    assert_eq!((&q["clicks"], &q["conversions"]), (&json!(1), &json!(0)));
    let adv = live(m.adv.clone(), String::new()).await;
    assert_eq!(
        (&adv["clicks"], &adv["unique_clicks"]),
        (&json!(3), &json!(2))
    );
    let offer = live(m.adv.clone(), format!("?offer_id={}", m.offer)).await;
    assert_eq!(offer["scope"], format!("offer:{}", m.offer));
    assert_eq!(offer["clicks"], 3);
    let globex = m.app.advertiser("globex").await;
    let theirs = live(globex, String::new()).await;
    assert_eq!(theirs["clicks"], 0);
}

/// Sums by currency.
type Money = BTreeMap<String, Decimal>;

/// Per period, the sum of every group's numbers (an answer split by offer added back up;
/// `currencies` gives each offer's currency, for EPC).
fn per_period(answer: &Value, currencies: &BTreeMap<String, String>) -> BTreeMap<String, Numbers> {
    let mut out: BTreeMap<String, (Numbers, Money, Money, BTreeMap<String, i64>)> = BTreeMap::new();
    for ((period, offer), n) in rows_of(answer) {
        let (sum, payout, revenue, clicks) = out.entry(period).or_default();
        *clicks
            .entry(currencies.get(&offer).cloned().unwrap_or_default())
            .or_default() += n.clicks;
        sum.clicks += n.clicks;
        sum.unique_clicks += n.unique_clicks;
        sum.filtered_clicks += n.filtered_clicks;
        sum.conversions += n.conversions;
        for (into, from) in [(&mut *payout, &n.payout), (&mut *revenue, &n.revenue)] {
            for (currency, amount) in from {
                *into.entry(currency.clone()).or_default() +=
                    amount.parse::<Decimal>().expect("a decimal");
            }
        }
    }
    out.into_iter()
        .map(|(period, (mut n, payout, revenue, clicks))| {
            n.epc = epc_of(&payout, &clicks);
            let text = |m: BTreeMap<String, Decimal>| {
                m.into_iter()
                    .filter(|(_, v)| !v.is_zero())
                    .map(|(k, v)| {
                        let text = written(v, &k);
                        (k, text)
                    })
                    .collect()
            };
            n.payout = text(payout);
            n.revenue = text(revenue);
            (period, n)
        })
        .collect()
}

async fn count(m: &Market, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&m.app.db)
        .await
        .expect("count")
}

/// The per-tenant rollups (quarter-hour and hourly, their sums before and after folding)
/// and the rollups by dimension answer the same, and so do all of them after a rebuild.
#[tokio::test]
async fn every_rollup_answers_the_same_folded_or_not_and_after_a_rebuild() {
    // Folding waits an hour: the sums stay appended until the test folds them.
    let opts = Options {
        env: vec![("AFFTOK_STATS_FOLD_INTERVAL_MS", "3600000".to_owned())],
        ..Options::default()
    };
    let m = market_with(
        opts,
        json!({"payout_amount": "2.00", "attribution_window_hours": 720}),
    )
    .await;
    let globex = m.app.advertiser("globex").await;
    let quinn = m.app.promoter("quinn").await;
    generate(&m, &globex, &[m.promoter.id, quinn.id]).await;
    // Around New York's change to summer time (2026-03-08 07:00 UTC): local days are 23
    // hours long there, and hourly rollups still fit them.
    let dst: Vec<Value> = [
        "2026-03-08T06:30:00Z", // 01:30 EST, March 8
        "2026-03-08T07:30:00Z", // 03:30 EDT, March 8
        "2026-03-09T03:59:00Z", // 23:59 EDT, March 8
        "2026-03-09T04:00:00Z", // 00:00 EDT, March 9
        "2026-03-09T05:14:00Z",
    ]
    .iter()
    .map(|t| Click::new(m.offer, m.promoter.id, at(t)).event())
    .collect();
    m.app.ingest(&dst).await;
    assert!(count(&m, "SELECT count(*) FROM stats_scope_clicks_delta").await > 0);
    assert!(count(&m, "SELECT count(*) FROM stats_scope_conversions_delta").await > 0);

    let range = "from=2026-01-27&to=2026-03-10";
    let asks: Vec<(&Account, String)> = vec![
        (&m.admin, format!("{range}&granularity=day")),
        (
            &m.admin,
            format!("{range}&granularity=week&tz=Asia/Kolkata"),
        ),
        (
            &m.adv,
            format!("{range}&granularity=month&tz=America/New_York"),
        ),
        (
            &m.adv,
            "from=2026-03-06&to=2026-03-10&tz=America/New_York".to_owned(),
        ),
        (&m.promoter, format!("{range}&tz=Pacific/Chatham")),
        (&quinn, format!("{range}&granularity=week&tz=Europe/Paris")),
        (
            &m.promoter,
            "from=2026-03-07&to=2026-03-09&granularity=hour&tz=America/New_York".to_owned(),
        ),
    ];
    let currencies: BTreeMap<String, String> =
        sqlx::query_as("SELECT id::text, currency::text FROM offers")
            .fetch_all(&m.app.db)
            .await
            .expect("offers")
            .into_iter()
            .collect();
    let answers = async || {
        let mut all = Vec::new();
        for (who, query) in &asks {
            let whole = stats(&m, who, query).await;
            // The same numbers split by offer (read from the rollups by dimension).
            let split = stats(&m, who, &format!("{query}&group_by=offer")).await;
            let whole_rows: BTreeMap<String, Numbers> = rows_of(&whole)
                .into_iter()
                .map(|((period, _), n)| (period, n))
                .collect();
            assert!(!whole_rows.is_empty(), "{query}");
            assert_eq!(
                whole_rows,
                per_period(&split, &currencies),
                "{query}: per tenant vs by dimension"
            );
            all.push(whole_rows);
        }
        all
    };
    let appended = answers().await;

    let folded = rollups::compact(&m.app.db).await.expect("fold");
    assert!(folded > 0);
    assert_eq!(
        count(&m, "SELECT count(*) FROM stats_scope_clicks_delta").await,
        0
    );
    assert_eq!(
        count(&m, "SELECT count(*) FROM stats_scope_conversions_delta").await,
        0
    );
    assert!(count(&m, "SELECT count(*) FROM stats_scope_clicks_hourly").await > 0);
    assert_eq!(answers().await, appended, "after folding");
    // Folding again finds nothing and changes nothing.
    assert_eq!(rollups::compact(&m.app.db).await.expect("fold"), 0);

    let rebuilt = rollups::rebuild(&m.app.db).await.expect("rebuild");
    assert!(rebuilt.click_rows > 0 && rebuilt.conversion_rows > 0);
    assert_eq!(answers().await, appended, "after a rebuild");

    // The hourly rows add up to the quarter-hour ones.
    let (quarter, hourly): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT sum(clicks)::bigint FROM stats_scope_clicks),
                (SELECT sum(clicks)::bigint FROM stats_scope_clicks_hourly)",
    )
    .fetch_one(&m.app.db)
    .await
    .expect("sums");
    assert_eq!(quarter, hourly);
}
