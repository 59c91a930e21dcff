//! A few weeks of demo traffic, so that every chart and table of the web app has something
//! to show on a new machine: clicks on the demo link and conversions of some of them, sent as
//! signed event batches to the control plane's ingest (`POST /internal/v1/events`, the path
//! the Cloudflare queue consumer takes) with the times they would have had.
//!
//! Deterministic: a day always yields the same events, ids included, so running the seed again
//! sends events the ingest already holds, and it stores none of them twice. The traffic stops
//! two days before today: `afftok dev check` counts yesterday to tomorrow, where the demo's
//! own clicks land.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

/// What the traffic is for.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The demo offer.
    pub offer_id: i64,
    /// The demo promoter (its links' `promoter_id`).
    pub promoter_id: i64,
    /// The key that signed the demo link.
    pub kid: i64,
    /// The demo advertiser (company), owner of the offer.
    pub advertiser_id: i64,
    /// First day with traffic (UTC).
    pub first_day: Date,
    /// Last day with traffic (UTC).
    pub last_day: Date,
    /// What the traffic looks like.
    pub shape: Shape,
}

/// What a stream of demo traffic looks like.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Clicks on the first day, before the trend (2 more a day), busier weekends (20 more)
    /// and noise (up to 24 more).
    pub base_clicks: u64,
    /// The share of human clicks that convert, in percent.
    pub conversion_percent: u64,
    /// The visitors' countries (a repeated one weighs more).
    pub countries: &'static [&'static str],
    /// Whether floods, too-quick conversions and scripted browsers are mixed in, for the
    /// fraud pages (the demo promoter's first link only).
    pub fraud: bool,
}

impl Shape {
    /// The demo promoter's traffic on the demo offer.
    pub const DEMO: Shape = Shape {
        base_clicks: 25,
        conversion_percent: 7,
        countries: COUNTRIES,
        fraud: true,
    };
}

/// The days of traffic ending two days before `today`.
pub fn days_before(today: Date, days: u16) -> (Date, Date) {
    let last = today - Duration::days(2);
    (last - Duration::days(i64::from(days.max(1)) - 1), last)
}

/// splitmix64: small, fast, good enough for made-up traffic, and seeded per day.
struct Rng(u64);

impl Rng {
    fn for_day(plan: &Plan, day: Date) -> Self {
        let digest = Sha256::new()
            .chain_update(b"afftok-demo-traffic")
            .chain_update(plan.offer_id.to_be_bytes())
            .chain_update(plan.promoter_id.to_be_bytes())
            .chain_update(day.to_string())
            .finalize();
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&digest[..8]);
        Self(u64::from_be_bytes(seed))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` in 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn uuid_v7(&mut self, at: OffsetDateTime) -> uuid::Uuid {
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&self.next().to_be_bytes());
        random[8..].copy_from_slice(&self.next().to_be_bytes()[..2]);
        let millis = (at.unix_timestamp_nanos() / 1_000_000) as u64;
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }
}

const COUNTRIES: &[&str] = &[
    "SA", "SA", "SA", "AE", "AE", "EG", "EG", "US", "GB", "DE", "MA",
];
const SUBS: &[&str] = &["tiktok", "tiktok", "instagram", "youtube", "snapchat"];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 15; SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
];
const BOT: &str = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";
/// A browser driven by a script, which the edge lets through and scoring flags.
const SCRIPTED: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Selenium/4.27";

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Every event of the plan's days, clicks before the conversions that claim them.
pub fn events(plan: &Plan) -> Vec<Value> {
    let mut out = Vec::new();
    let mut day = plan.first_day;
    let mut n = 0u64;
    // Txids are the offer's: each promoter's own (the demo's first stream keeps the ones it
    // has always had).
    let tag = if plan.shape.fraud {
        String::new()
    } else {
        format!("p{}-", plan.promoter_id)
    };
    while day <= plan.last_day {
        let mut rng = Rng::for_day(plan, day);
        // A growing trend, busier weekends, and noise.
        let weekend = matches!(
            day.weekday(),
            time::Weekday::Friday | time::Weekday::Saturday
        );
        let clicks = plan.shape.base_clicks + 2 * n + if weekend { 20 } else { 0 } + rng.below(25);
        let mut conversions = Vec::new();
        for i in 0..clicks {
            // Evenings are busier: two draws, the later one wins half the time.
            let a = rng.below(86_400);
            let b = rng.below(86_400);
            let secs = if rng.chance(50) { a.max(b) } else { a };
            let at = day.with_time(Time::MIDNIGHT).assume_utc()
                + Duration::seconds(secs as i64)
                + Duration::milliseconds(rng.below(1000) as i64);
            let id = rng.uuid_v7(at);
            let bot = rng.chance(6);
            // A pool of visitors per day: some click twice (unique clicks < clicks).
            let visitor = rng.below(clicks * 3 / 4 + 1);
            let ip = format!("203.0.113.{}", visitor % 250 + 1);
            let agent = if bot {
                BOT
            } else {
                AGENTS[(visitor % AGENTS.len() as u64) as usize]
            };
            let country = *rng.pick(plan.shape.countries);
            let sub1 = *rng.pick(SUBS);
            out.push(json!({
                "type": "click", "id": id, "ts": rfc3339(at),
                "offer_id": plan.offer_id, "promoter_id": plan.promoter_id, "kid": plan.kid,
                "verdict": if bot { "bot" } else { "ok" },
                "ip": ip, "user_agent": agent, "referer": null, "country": country,
                "subs": {"sub1": sub1}, "edge": "native:demo",
            }));
            // Converted within the same UTC day, so no event lands on the days `dev check`
            // counts.
            let left = 86_399 - secs;
            if !bot && left > 120 && rng.chance(plan.shape.conversion_percent) {
                let later =
                    at + Duration::seconds(60 + rng.below((left - 60).min(6 * 3600)) as i64);
                let cents = 1999 + rng.below(13_000);
                conversions.push(json!({
                    "type": "conversion", "id": rng.uuid_v7(later), "ts": rfc3339(later),
                    "advertiser_id": plan.advertiser_id, "click_id": id,
                    "txid": format!("demo-{tag}{day}-{i}"),
                    "amount": format!("{}.{:02}", cents / 100, cents % 100), "currency": "USD",
                    "event": "conversion", "ip": "198.51.100.7", "edge": "native:demo",
                }));
            }
        }
        // Every third day a visitor hammers the link (the sixth click on is a click flood),
        // and its first click "converts" 4 s later (too soon: ctit_short); once a week a
        // scripted browser clicks. The fraud pages have something to show.
        if plan.shape.fraud && n.is_multiple_of(3) {
            let start = day.with_time(Time::MIDNIGHT).assume_utc()
                + Duration::hours(14)
                + Duration::seconds(rng.below(3_600) as i64);
            let ip = format!("198.18.0.{}", n % 250 + 1);
            for k in 0..8 {
                let at = start + Duration::seconds(5 * k);
                let id = rng.uuid_v7(at);
                out.push(json!({
                    "type": "click", "id": id, "ts": rfc3339(at),
                    "offer_id": plan.offer_id, "promoter_id": plan.promoter_id, "kid": plan.kid,
                    "verdict": "ok", "ip": ip, "user_agent": AGENTS[0], "referer": null,
                    "country": "SA", "subs": {"sub1": "tiktok"}, "edge": "native:demo",
                }));
                if k == 0 {
                    let soon = at + Duration::seconds(4);
                    conversions.push(json!({
                        "type": "conversion", "id": rng.uuid_v7(soon), "ts": rfc3339(soon),
                        "advertiser_id": plan.advertiser_id, "click_id": id,
                        "txid": format!("demo-{day}-burst"), "amount": "49.00", "currency": "USD",
                        "event": "conversion", "ip": "198.51.100.7", "edge": "native:demo",
                    }));
                }
            }
        }
        if plan.shape.fraud && n % 7 == 3 {
            let at = day.with_time(Time::MIDNIGHT).assume_utc()
                + Duration::hours(3)
                + Duration::seconds(rng.below(3_600) as i64);
            out.push(json!({
                "type": "click", "id": rng.uuid_v7(at), "ts": rfc3339(at),
                "offer_id": plan.offer_id, "promoter_id": plan.promoter_id, "kid": plan.kid,
                "verdict": "ok", "ip": format!("198.18.1.{}", n % 250 + 1),
                "user_agent": SCRIPTED, "referer": null, "country": "US",
                "subs": {"sub1": "youtube"}, "edge": "native:demo",
            }));
        }
        out.extend(conversions);
        day = day.next_day().unwrap_or(day);
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn plan() -> Plan {
        let (first_day, last_day) = days_before(date!(2026 - 12 - 05), 21);
        Plan {
            offer_id: 7,
            promoter_id: 9,
            kid: 1,
            advertiser_id: 3,
            first_day,
            last_day,
            shape: Shape::DEMO,
        }
    }

    #[test]
    fn the_days_end_two_days_before_today() {
        assert_eq!(
            days_before(date!(2026 - 12 - 05), 21),
            (date!(2026 - 11 - 13), date!(2026 - 12 - 03))
        );
    }

    #[test]
    fn the_same_days_make_the_same_events() {
        assert_eq!(events(&plan()), events(&plan()));
    }

    #[test]
    fn events_are_valid_and_conversions_follow_their_clicks() {
        let events = events(&plan());
        let mut clicks = std::collections::HashMap::new();
        let mut conversions = 0;
        for e in &events {
            let parsed: afftok_shared::event::Event =
                serde_json::from_value(e.clone()).expect("a DESIGN §6 event");
            match parsed {
                afftok_shared::event::Event::Click(c) => {
                    let day = c.ts.to_string();
                    assert!(
                        day.as_str() >= "2026-11-13" && day.as_str() < "2026-12-04",
                        "{day}"
                    );
                    clicks.insert(c.id, c.ts.to_string());
                }
                afftok_shared::event::Event::Conversion(c) => {
                    let click_ts = clicks.get(&c.click_id).expect("its click came first");
                    let ts = c.ts.to_string();
                    assert!(ts > *click_ts);
                    assert_eq!(ts[..10], click_ts[..10], "converted the same day");
                    conversions += 1;
                }
            }
        }
        assert!(clicks.len() > 21 * 25, "{}", clicks.len());
        assert!(conversions > 10, "{conversions}");
        let ids: std::collections::HashSet<_> = events.iter().map(|e| e["id"].clone()).collect();
        assert_eq!(ids.len(), events.len(), "ids are unique");
    }
}
