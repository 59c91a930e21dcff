//! Synthetic traffic as an edge would send it: click events (DESIGN §6) from a pool of
//! returning visitors, with the verdicts, countries, sub-IDs and referers of real traffic,
//! and conversions for about 2% of the ok clicks a little later. Seeded, so every run (and
//! every path of one run) gets the same events. The same rows are also written as CSV for
//! the `COPY` baseline.

use std::fmt::Write as _;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

const USER_AGENTS: [&str; 6] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 musical_ly_2023600040",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 355.0.0.0",
];
const COUNTRIES: [&str; 12] = [
    "US", "US", "US", "GB", "DE", "FR", "BR", "IN", "CA", "ES", "MX", "ID",
];
const REFERERS: [Option<&str>; 4] = [
    Some("https://www.tiktok.com/"),
    Some("https://l.instagram.com/"),
    Some("https://www.youtube.com/"),
    None,
];

/// The events of a run and the same rows as CSV.
#[derive(Debug, Default)]
pub struct Generated {
    /// Event JSON texts in the order the edge emitted them.
    pub events: Vec<String>,
    /// `clicks` rows for COPY (columns: [`CLICK_COLUMNS`]).
    pub clicks_csv: String,
    /// `conversions` rows for COPY (columns: [`CONVERSION_COLUMNS`]).
    pub conversions_csv: String,
    /// How many clicks.
    pub clicks: usize,
    /// How many conversions.
    pub conversions: usize,
}

/// The `clicks` columns the CSV holds.
pub const CLICK_COLUMNS: &str = "id, ts, offer_id, promoter_id, advertiser_id, kid, verdict, ip, user_agent, referer, country, sub1, sub2, sub3, sub4, sub5, edge";
/// The `conversions` columns the CSV holds.
pub const CONVERSION_COLUMNS: &str =
    "id, ts, advertiser_id, click_id, txid, amount, currency, event, ip, edge, source";

fn rfc3339_millis(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn csv_text(out: &mut String, value: Option<&str>) {
    match value {
        None => {}
        Some(v) => {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
        }
    }
}

/// A skewed pick in `0..n`: log-uniform, so the first few take most of the traffic (the top
/// promoter about 9% of 2,000), as in real affiliate programmes.
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let x = (rng.random::<f64>() * (n as f64).ln()).exp();
    (x as usize).saturating_sub(1).min(n - 1)
}

struct PendingConversion {
    due: usize,
    text: String,
    csv: String,
}

/// `n` events (clicks and about 2% conversions) over the `span_secs` before `end_ms`, on the
/// given (offer, advertiser) pairs and `promoters` promoter ids from `first_promoter`.
pub fn generate(
    n: usize,
    offers: &[(i64, i64)],
    (first_promoter, promoters): (i64, usize),
    end_ms: i64,
    span_secs: i64,
) -> Generated {
    let mut rng = StdRng::seed_from_u64(0x00af_f70c);
    let mut out = Generated::default();
    let visitors = (n * 4 / 5).max(1);
    let mut later: Vec<PendingConversion> = Vec::new();
    let start_ms = end_ms - span_secs * 1000;
    let mut i = 0;
    while out.events.len() < n {
        // Conversions come in a little after their click, between other clicks.
        if let Some(pos) = later.iter().position(|c| c.due <= i) {
            let conversion = later.swap_remove(pos);
            out.events.push(conversion.text);
            out.conversions_csv.push_str(&conversion.csv);
            out.conversions += 1;
            continue;
        }
        i += 1;
        let ms = start_ms + (i as i64 * span_secs * 1000) / n as i64;
        let mut random = [0u8; 10];
        rng.fill(&mut random);
        let id = uuid::Builder::from_unix_timestamp_millis(ms as u64, &random).into_uuid();
        let (offer, advertiser) = offers[skewed(&mut rng, offers.len())];
        let promoter = first_promoter + skewed(&mut rng, promoters) as i64;
        let visitor = rng.random_range(0..visitors);
        let ip = format!(
            "10.{}.{}.{}",
            (visitor >> 16) & 255,
            (visitor >> 8) & 255,
            visitor & 255
        );
        let ua = USER_AGENTS[visitor % USER_AGENTS.len()];
        let verdict = match rng.random_range(0..100) {
            0..90 => "ok",
            90..97 => "bot",
            97..99 => "geo_blocked",
            _ => "offer_paused",
        };
        let country = COUNTRIES[visitor % COUNTRIES.len()];
        let referer = REFERERS[rng.random_range(0..REFERERS.len())];
        let sub1 = format!("p{}", rng.random_range(0..5));
        let sub2 = (rng.random_range(0..4) == 0).then(|| format!("c{}", rng.random_range(0..40)));
        let ts = rfc3339_millis(ms);
        let mut subs = serde_json::Map::new();
        subs.insert("sub1".into(), sub1.clone().into());
        if let Some(s2) = &sub2 {
            subs.insert("sub2".into(), s2.clone().into());
        }
        out.events.push(
            json!({"type": "click", "id": id, "ts": ts, "offer_id": offer, "promoter_id": promoter,
                   "kid": 1, "verdict": verdict, "ip": ip, "user_agent": ua, "referer": referer,
                   "country": country, "subs": subs, "edge": "native"})
            .to_string(),
        );
        out.clicks += 1;
        let c = &mut out.clicks_csv;
        let _ = write!(
            c,
            "{id},{ts},{offer},{promoter},{advertiser},1,{verdict},{ip},"
        );
        csv_text(c, Some(ua));
        c.push(',');
        csv_text(c, referer);
        let _ = writeln!(
            c,
            ",{country},{sub1},{},,,,native",
            sub2.as_deref().unwrap_or("")
        );

        if verdict == "ok" && rng.random_range(0..50) == 0 {
            let mut random = [0u8; 10];
            rng.fill(&mut random);
            // Conversions sooner than 10 s after their click are rejected as fraud.
            let delay_ms = rng.random_range(1_000..60_000);
            let conv_ms = ms + delay_ms;
            let conv_id =
                uuid::Builder::from_unix_timestamp_millis(conv_ms as u64, &random).into_uuid();
            let cts = rfc3339_millis(conv_ms);
            let txid = format!("tx-{conv_id}");
            let amount = format!(
                "{}.{:02}",
                rng.random_range(5..200),
                rng.random_range(0..100)
            );
            later.push(PendingConversion {
                due: i + rng.random_range(20..400),
                text: json!({"type": "conversion", "id": conv_id, "ts": cts, "advertiser_id": advertiser,
                             "click_id": id, "txid": txid, "amount": amount, "currency": "USD",
                             "event": "conversion", "ip": "198.51.100.7", "edge": "native"})
                .to_string(),
                csv: format!(
                    "{conv_id},{cts},{advertiser},{id},{txid},{amount},USD,conversion,198.51.100.7,native,postback\n"
                ),
            });
        }
    }
    out
}

/// The click id of a generated click event (for checks).
pub fn click_id(event: &str) -> Option<Uuid> {
    let v: serde_json::Value = serde_json::from_str(event).ok()?;
    (v["type"] == "click").then(|| v["id"].as_str()?.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_valid_and_match_the_csv() {
        let g = generate(
            5_000,
            &[(1, 1), (2, 1), (3, 2)],
            (100, 50),
            1_800_000_000_000,
            600,
        );
        assert_eq!(g.events.len(), 5_000);
        assert_eq!(g.clicks + g.conversions, 5_000);
        assert!(g.conversions > 20, "about 2% of ok clicks convert");
        assert_eq!(g.clicks_csv.lines().count(), g.clicks);
        assert_eq!(g.conversions_csv.lines().count(), g.conversions);
        for text in &g.events {
            let event: afftok_shared::Event = serde_json::from_str(text).expect(text);
            if let afftok_shared::Event::Click(c) = &event {
                let (secs, nanos) = c.id.get_timestamp().expect("v7").to_unix();
                assert_eq!(
                    secs * 1000 + u64::from(nanos / 1_000_000),
                    c.ts.unix_millis()
                );
            }
        }
        assert!(click_id(&g.events[0]).is_some());
        // Seeded: the same every time.
        let again = generate(
            5_000,
            &[(1, 1), (2, 1), (3, 2)],
            (100, 50),
            1_800_000_000_000,
            600,
        );
        assert_eq!(again.events, g.events);
    }
}
