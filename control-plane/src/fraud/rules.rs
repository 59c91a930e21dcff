//! Fraud decisions without I/O (DESIGN §11, a contract): the reason codes and which of them
//! block, the automation check on user agents, and the flood windows.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// Why a click or a conversion is suspected. Stored as text (`as_str`) in the `fraud` lists
/// of clicks and conversions, in this order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The visitor IP lies in an imported hosting range.
    DatacenterIp,
    /// The visitor IP lies in an imported VPN range (a signal: it does not block).
    VpnIp,
    /// More ok clicks by one visitor (IP + user agent) on one offer and promoter within the
    /// window than the limit: the clicks past the limit.
    ClickFlood,
    /// More ok clicks from one IP within the window than the limit, across user agents.
    IpFlood,
    /// An empty user agent, or one naming an automation tool.
    SuspiciousAgent,
    /// The link's promoter is suspended.
    SuspendedPromoter,
    /// A conversion sooner after its click than the offer's minimum (conversions only).
    CtitShort,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 7] = [
        Self::DatacenterIp,
        Self::VpnIp,
        Self::ClickFlood,
        Self::IpFlood,
        Self::SuspiciousAgent,
        Self::SuspendedPromoter,
        Self::CtitShort,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DatacenterIp => "datacenter_ip",
            Self::VpnIp => "vpn_ip",
            Self::ClickFlood => "click_flood",
            Self::IpFlood => "ip_flood",
            Self::SuspiciousAgent => "suspicious_agent",
            Self::SuspendedPromoter => "suspended_promoter",
            Self::CtitShort => "ctit_short",
        }
    }

    /// Whether it keeps a click out of every count a clean click is in (and gets its
    /// conversions rejected). Only `vpn_ip` does not.
    pub fn blocks(self) -> bool {
        self != Self::VpnIp
    }
}

impl FromStr for Reason {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether any of `reasons` blocks.
pub fn blocked(reasons: &[Reason]) -> bool {
    reasons.iter().any(|r| r.blocks())
}

/// Reasons in their stored order, each once.
pub fn normalized(mut reasons: Vec<Reason>) -> Vec<Reason> {
    reasons.sort();
    reasons.dedup();
    reasons
}

/// Reasons as stored (`TEXT[]`).
pub fn to_texts(reasons: &[Reason]) -> Vec<String> {
    reasons.iter().map(|r| r.as_str().to_owned()).collect()
}

/// Stored reasons read back; a name this version does not know is left out (a newer control
/// plane may have written it).
pub fn from_texts(texts: &[String]) -> Vec<Reason> {
    normalized(texts.iter().filter_map(|t| t.parse().ok()).collect())
}

/// A list filter on fraud reasons: `any` (flagged for something, a signal included), `none`
/// (clean), or one reason code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FraudFilter {
    /// At least one reason.
    Any,
    /// No reason.
    None,
    /// This reason among others.
    Reason(Reason),
}

impl FraudFilter {
    /// Reads a `fraud` query parameter; the error says what is allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "any" => Ok(Self::Any),
            "none" => Ok(Self::None),
            other => other.parse().map(Self::Reason).map_err(|()| {
                let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
                format!("must be any, none or a reason: {}", names.join(", "))
            }),
        }
    }

    /// The filter as the one SQL parameter the lists take: `any`, `none` or the reason name
    /// (`fraud_matches` in the list queries).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::None => "none",
            Self::Reason(r) => r.as_str(),
        }
    }
}

/// Markers of automation tools, matched case-insensitively anywhere in a user agent.
const AUTOMATION: [&str; 7] = [
    "headlesschrome",
    "phantomjs",
    "selenium",
    "puppeteer",
    "playwright",
    "python-requests",
    "go-http-client",
];

/// Whether a user agent is empty or names an automation tool: the markers above, or OkHttp
/// with nothing else (an Android app's requests carry its own name beside OkHttp's).
pub fn suspicious_agent(user_agent: &str) -> bool {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return true;
    }
    let lower = ua.to_ascii_lowercase();
    if AUTOMATION.iter().any(|m| lower.contains(m)) {
        return true;
    }
    // Product tokens are separated by spaces; comments in parentheses (nested too) do not
    // name an app.
    let mut outside = String::with_capacity(lower.len());
    let mut depth = 0usize;
    for ch in lower.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => outside.push(ch),
            _ => outside.push(' '),
        }
    }
    let mut products = outside.split_whitespace().peekable();
    products.peek().is_some() && products.all(|p| p.split('/').next() == Some("okhttp"))
}

/// A click in a flood window, ordered by `(ts, id)` (the order every window counts in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timed {
    /// The click's time.
    pub ts: OffsetDateTime,
    /// Its id (orders clicks of the same millisecond).
    pub id: Uuid,
}

/// For clicks of one group (one IP, or one visitor on one offer and promoter) sorted by
/// `(ts, id)`: whether each is past `limit` within `window`, that is whether more than
/// `limit` clicks of the group, itself included, lie in `(its ts − window, its ts]` up to
/// it. The answer for a click depends only on the clicks of its group, not on the order they
/// arrived in, and a click added to the group can only flag others, never clear them.
pub fn flooded(sorted: &[Timed], window: Duration, limit: usize) -> Vec<bool> {
    let mut first = 0;
    sorted
        .iter()
        .enumerate()
        .map(|(i, click)| {
            while first < i && sorted[first].ts <= click.ts - window {
                first += 1;
            }
            i - first + 1 > limit
        })
        .collect()
}

/// The flood settings (DESIGN §11's defaults: 60 s, 5 per visitor, 60 per IP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    /// The sliding window.
    pub window: Duration,
    /// Ok clicks one visitor may make on one offer and promoter within the window.
    pub per_visitor: usize,
    /// Ok clicks one IP may make within the window.
    pub per_ip: usize,
}

impl Default for FloodLimits {
    fn default() -> Self {
        Self {
            window: Duration::seconds(60),
            per_visitor: 5,
            per_ip: 60,
        }
    }
}

/// Whether a conversion `conversion` after its click `click` came sooner than `min` (a
/// conversion before its click did too).
pub fn ctit_short(click: OffsetDateTime, conversion: OffsetDateTime, min: Duration) -> bool {
    conversion - click < min
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn reason_names_round_trip_and_only_vpn_is_a_signal() {
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse(), Ok(r));
            assert_eq!(
                serde_json::to_string(&r).ok(),
                Some(format!("\"{}\"", r.as_str()))
            );
            assert_eq!(r.blocks(), r != Reason::VpnIp);
        }
        assert_eq!("DATACENTER_IP".parse::<Reason>(), Err(()));
        assert!(!blocked(&[Reason::VpnIp]));
        assert!(blocked(&[Reason::VpnIp, Reason::IpFlood]));
        assert!(!blocked(&[]));
    }

    #[test]
    fn stored_lists_are_sorted_once_and_skip_unknown_names() {
        let texts = vec![
            "ip_flood".to_owned(),
            "datacenter_ip".to_owned(),
            "ip_flood".to_owned(),
            "from_the_future".to_owned(),
        ];
        let reasons = from_texts(&texts);
        assert_eq!(reasons, vec![Reason::DatacenterIp, Reason::IpFlood]);
        assert_eq!(to_texts(&reasons), vec!["datacenter_ip", "ip_flood"]);
    }

    #[test]
    fn fraud_filters_read_any_none_and_reasons() {
        assert_eq!(FraudFilter::parse("any"), Ok(FraudFilter::Any));
        assert_eq!(FraudFilter::parse("none"), Ok(FraudFilter::None));
        for r in Reason::ALL {
            let f = FraudFilter::parse(r.as_str());
            assert_eq!(f, Ok(FraudFilter::Reason(r)));
            assert_eq!(f.map(FraudFilter::as_str), Ok(r.as_str()));
        }
        let err = FraudFilter::parse("bots").err().unwrap_or_default();
        assert!(err.contains("click_flood"), "{err}");
    }

    #[test]
    fn the_sql_blocking_list_is_the_reasons_that_block() {
        let sql = include_str!("../../../migrations/20261207000017_fraud.sql");
        let start = sql.find("RETURN reasons && ARRAY[").unwrap_or(0);
        let list = &sql[start..start + sql[start..].find(']').unwrap_or(0)];
        for r in Reason::ALL {
            assert_eq!(
                list.contains(&format!("'{}'", r.as_str())),
                r.blocks(),
                "{r}"
            );
        }
    }

    #[test]
    fn automation_agents_are_suspicious_and_browsers_and_apps_are_not() {
        for ua in [
            "",
            "   ",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
            "Mozilla/5.0 Selenium/4.1",
            "Mozilla/5.0 (compatible; puppeteer)",
            "Playwright/1.40 Chrome",
            "python-requests/2.31.0",
            "Go-http-client/1.1",
            "okhttp/4.9.0",
            "OkHttp/3.12.1",
            "okhttp",
            "okhttp/4.9.0 (Linux; Android 14)",
            "okhttp/4.9.0 (Linux; (nested) Android 14)",
        ] {
            assert!(suspicious_agent(ua), "{ua:?}");
        }
        for ua in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "ShopApp/5.2.1 (Android 14; Pixel 8) okhttp/4.9.0",
            "MyApp/1.0 okhttp/4.12.0",
            "okhttp/4.12.0 (Linux; Android 14) MyApp/1.0",
            "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile Safari/537.36",
        ] {
            assert!(!suspicious_agent(ua), "{ua:?}");
        }
    }

    fn at(offsets_ms: &[i64]) -> Vec<Timed> {
        let t0 = datetime!(2026-12-01 12:00 UTC);
        let mut v: Vec<Timed> = offsets_ms
            .iter()
            .enumerate()
            .map(|(i, ms)| Timed {
                ts: t0 + Duration::milliseconds(*ms),
                id: Uuid::from_u128(i as u128 + 1),
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_click_past_the_limit_within_the_window_is_flagged() {
        let w = Duration::seconds(60);
        // Six clicks within a minute: the sixth is flagged.
        let six = at(&[0, 1_000, 2_000, 3_000, 4_000, 5_000]);
        assert_eq!(
            flooded(&six, w, 5),
            vec![false, false, false, false, false, true]
        );
        // The same six over more than a minute: the sixth comes exactly 60 s after the first,
        // which has left its window.
        let spread = at(&[0, 1_000, 2_000, 3_000, 4_000, 60_000]);
        assert_eq!(flooded(&spread, w, 5), vec![false; 6]);
        let just_inside = at(&[0, 1_000, 2_000, 3_000, 4_000, 59_999]);
        assert!(flooded(&just_inside, w, 5)[5]);
        // Clicks of the same millisecond count in id order.
        let same = at(&[0, 0, 0]);
        assert_eq!(flooded(&same, w, 2), vec![false, false, true]);
        assert!(flooded(&[], w, 5).is_empty());
        // A window of nothing holds each click alone.
        assert_eq!(flooded(&same, Duration::ZERO, 1), vec![false; 3]);
    }

    #[test]
    fn a_late_click_only_adds_flags() {
        // Clicks arriving in any order end with the flags of the whole set; adding one can
        // only flag more.
        let w = Duration::seconds(60);
        let all = at(&[0, 10_000, 20_000, 30_000, 40_000, 50_000, 70_000, 75_000]);
        let full = flooded(&all, w, 5);
        for left_out in 0..all.len() {
            let fewer: Vec<Timed> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != left_out)
                .map(|(_, t)| *t)
                .collect();
            let partial = flooded(&fewer, w, 5);
            let mut j = 0;
            for (i, flag) in full.iter().enumerate() {
                if i == left_out {
                    continue;
                }
                assert!(
                    *flag || !partial[j],
                    "click {i} lost a flag when {left_out} came"
                );
                j += 1;
            }
        }
        assert_eq!(
            full,
            vec![false, false, false, false, false, true, false, true]
        );
    }

    #[test]
    fn ctit_below_the_minimum_is_short_and_exactly_the_minimum_is_not() {
        let click = datetime!(2026-12-01 12:00 UTC);
        let min = Duration::seconds(10);
        assert!(ctit_short(
            click,
            click + Duration::milliseconds(9_999),
            min
        ));
        assert!(!ctit_short(click, click + min, min));
        assert!(ctit_short(click, click - Duration::seconds(1), min));
        assert!(!ctit_short(click, click, Duration::ZERO));
    }
}
