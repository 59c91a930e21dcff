//! Events from the edge to the control plane (DESIGN §6, a contract).
//!
//! One JSON object per click or postback, tagged by `type`. Readers ignore fields they do not
//! know, so fields can be added without a new version.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::country::Country;
use crate::money::{Amount, Currency};
use crate::timestamp::Timestamp;

/// The name of the single field that holds an event's JSON in a Redis Stream entry.
pub const STREAM_FIELD: &str = "event";

/// A click or a conversion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A visitor followed a tracking link.
    Click(ClickEvent),
    /// An advertiser reported a conversion.
    Conversion(ConversionEvent),
}

impl Event {
    /// The event's id: the click id of a click, the conversion's own id otherwise.
    pub fn id(&self) -> Uuid {
        match self {
            Event::Click(click) => click.id,
            Event::Conversion(conversion) => conversion.id,
        }
    }

    /// When the edge saw it.
    pub fn ts(&self) -> Timestamp {
        match self {
            Event::Click(click) => click.ts,
            Event::Conversion(conversion) => conversion.ts,
        }
    }
}

/// What the edge decided about a click (DESIGN §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Redirected to the offer and counted.
    Ok,
    /// A known bot, a link-preview agent or a HEAD request: redirected, never counted.
    Bot,
    /// The offer is paused: sent to its fallback URL or refused.
    OfferPaused,
    /// The visitor's country is not allowed: sent to the fallback URL or refused.
    GeoBlocked,
    /// The link had expired. The v1 edge answers 410 without an event (only rules 4 and
    /// later of DESIGN §4 emit), so readers should accept this value but no edge sends it yet.
    Expired,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 5] = [
        Verdict::Ok,
        Verdict::Bot,
        Verdict::OfferPaused,
        Verdict::GeoBlocked,
        Verdict::Expired,
    ];

    /// The wire name (as serde writes it): the one place each name is spelled.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Bot => "bot",
            Verdict::OfferPaused => "offer_paused",
            Verdict::GeoBlocked => "geo_blocked",
            Verdict::Expired => "expired",
        }
    }

    /// The verdict of a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// Whether a click with this verdict counts in stats.
    pub fn is_counted(self) -> bool {
        self == Verdict::Ok
    }
}

/// One click on a tracking link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClickEvent {
    /// The click id (UUIDv7) minted by the edge and passed to the offer as `{click_id}`.
    pub id: Uuid,
    /// When the edge answered.
    pub ts: Timestamp,
    /// The offer of the link.
    pub offer_id: u64,
    /// The promoter of the link.
    pub promoter_id: u64,
    /// The key that signed the link (for key rotation reports).
    pub kid: u64,
    /// What the edge decided.
    pub verdict: Verdict,
    /// The visitor's IP address, when the platform knows it.
    pub ip: Option<IpAddr>,
    /// The visitor's User-Agent (cut to [`MAX_USER_AGENT_LEN`] bytes; empty when absent).
    pub user_agent: String,
    /// The Referer header (cut to [`MAX_REFERER_LEN`] bytes).
    pub referer: Option<String>,
    /// The visitor's country, when known.
    pub country: Option<Country>,
    /// The promoter's sub-IDs (`sub1`…`sub5`) that were set.
    #[serde(default)]
    pub subs: Subs,
    /// Which edge recorded it: `cloudflare`, `spin` or `native`, optionally `:location`.
    pub edge: String,
}

/// Longest User-Agent kept in a click event, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 512;
/// Longest Referer kept in a click event, in bytes.
pub const MAX_REFERER_LEN: usize = 1024;
/// Longest sub-ID kept, in bytes (DESIGN §3: longer values are cut, never refused).
pub const MAX_SUB_LEN: usize = 128;

/// The promoter's free-form labels for a click; an absent or empty label is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subs {
    /// `sub1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub1: Option<String>,
    /// `sub2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub2: Option<String>,
    /// `sub3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub3: Option<String>,
    /// `sub4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub4: Option<String>,
    /// `sub5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub5: Option<String>,
}

impl Subs {
    /// The label for `n` in 1..=5.
    pub fn get(&self, n: usize) -> Option<&str> {
        self.slot(n).and_then(|s| s.as_deref())
    }

    /// Sets label `n` (1..=5) unless already set: the first occurrence in a query wins.
    /// Empty values are ignored; long ones are cut to [`MAX_SUB_LEN`] bytes on a character
    /// boundary. Returns false for an `n` outside 1..=5.
    pub fn set_first(&mut self, n: usize, value: &str) -> bool {
        let Some(slot) = self.slot_mut(n) else {
            return false;
        };
        if slot.is_none() && !value.is_empty() {
            *slot = Some(truncate(value, MAX_SUB_LEN).to_owned());
        }
        true
    }

    fn slot(&self, n: usize) -> Option<&Option<String>> {
        match n {
            1 => Some(&self.sub1),
            2 => Some(&self.sub2),
            3 => Some(&self.sub3),
            4 => Some(&self.sub4),
            5 => Some(&self.sub5),
            _ => None,
        }
    }

    fn slot_mut(&mut self, n: usize) -> Option<&mut Option<String>> {
        match n {
            1 => Some(&mut self.sub1),
            2 => Some(&mut self.sub2),
            3 => Some(&mut self.sub3),
            4 => Some(&mut self.sub4),
            5 => Some(&mut self.sub5),
            _ => None,
        }
    }
}

/// `text` cut to at most `max` bytes without splitting a character.
pub fn truncate(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}

/// One conversion reported by an advertiser's postback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionEvent {
    /// The conversion event's own id (UUIDv7), answered to the postback as `event_id`.
    pub id: Uuid,
    /// When the edge accepted it.
    pub ts: Timestamp,
    /// The advertiser who owns the postback key.
    pub advertiser_id: u64,
    /// The click it claims.
    pub click_id: Uuid,
    /// The advertiser's transaction id, when given.
    pub txid: Option<String>,
    /// The sale amount, when given.
    pub amount: Option<Amount>,
    /// The amount's currency, when given.
    pub currency: Option<Currency>,
    /// The kind of conversion (`conversion` unless named).
    pub event: String,
    /// The address the postback came from.
    pub ip: Option<IpAddr>,
    /// Which edge accepted it.
    pub edge: String,
    /// `browser` when posted from a web page with a publishable key (DESIGN §16); absent
    /// for servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ConversionSource>,
    /// Sent with a test-mode postback key: sandbox traffic, never counted live.
    #[serde(default, skip_serializing_if = "is_false")]
    pub test: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// Where an edge's conversion came from, when it is not a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionSource {
    /// A web page, through the Web SDK and a publishable key.
    Browser,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_names_are_serdes() {
        for v in Verdict::ALL {
            assert_eq!(
                serde_json::to_value(v).ok(),
                Some(serde_json::Value::from(v.as_str()))
            );
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("OK"), None);
    }

    #[test]
    fn click_matches_the_contract_shape() {
        let json = r#"{"type":"click","id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10",
            "ts":"2026-11-24T22:31:26.123Z","offer_id":42,"promoter_id":1001,"kid":1,
            "verdict":"geo_blocked","ip":"203.0.113.9","user_agent":"Mozilla/5.0",
            "referer":null,"country":"US","subs":{"sub1":"tiktok"},"edge":"native",
            "a_future_field":true}"#;
        let event: Event = serde_json::from_str(json).expect("parses");
        let Event::Click(click) = &event else {
            panic!("not a click: {event:?}")
        };
        assert_eq!(click.verdict, Verdict::GeoBlocked);
        assert_eq!(click.subs.get(1), Some("tiktok"));
        assert_eq!(click.country.map(|c| c.to_string()), Some("US".into()));
        let back = serde_json::to_value(&event).expect("serializes");
        assert_eq!(back["type"], "click");
        assert_eq!(back["ts"], "2026-11-24T22:31:26.123Z");
        assert_eq!(back["subs"], serde_json::json!({"sub1": "tiktok"}));
        assert_eq!(back["referer"], serde_json::Value::Null);
        assert!(back.get("a_future_field").is_none());
    }

    #[test]
    fn conversion_round_trips() {
        let json = r#"{"type":"conversion","id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a11",
            "ts":"2026-11-24T22:31:27.000Z","advertiser_id":5,
            "click_id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10","txid":"A-1","amount":"12.50",
            "currency":"USD","event":"sale","ip":"2001:db8::1","edge":"cloudflare:AMS"}"#;
        let event: Event = serde_json::from_str(json).expect("parses");
        let again: Event =
            serde_json::from_str(&serde_json::to_string(&event).expect("serializes"))
                .expect("parses again");
        assert_eq!(event, again);
        let Event::Conversion(c) = event else {
            panic!("not a conversion")
        };
        assert_eq!(c.amount.map(|a| a.to_string()), Some("12.50".into()));
    }

    #[test]
    fn browser_and_test_conversions_add_fields_that_default_away() {
        let json = r#"{"type":"conversion","id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a11",
            "ts":"2026-11-24T22:31:27.000Z","advertiser_id":5,
            "click_id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10","txid":null,"amount":null,
            "currency":null,"event":"conversion","ip":null,"edge":"native"}"#;
        let Ok(Event::Conversion(mut c)) = serde_json::from_str::<Event>(json) else {
            panic!("an old conversion event must parse")
        };
        assert_eq!((c.source, c.test), (None, false));
        let plain = serde_json::to_value(Event::Conversion(c.clone())).expect("serializes");
        assert!(plain.get("source").is_none() && plain.get("test").is_none());
        c.source = Some(ConversionSource::Browser);
        c.test = true;
        let marked = serde_json::to_value(Event::Conversion(c)).expect("serializes");
        assert_eq!(marked["source"], "browser");
        assert_eq!(marked["test"], true);
    }

    #[test]
    fn invalid_fields_are_refused_by_readers() {
        let bad_amount = r#"{"type":"conversion","id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a11",
            "ts":"2026-11-24T22:31:27.000Z","advertiser_id":5,
            "click_id":"019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10","txid":null,"amount":"1e9",
            "currency":null,"event":"sale","ip":null,"edge":"native"}"#;
        assert!(serde_json::from_str::<Event>(bad_amount).is_err());
        assert!(serde_json::from_str::<Event>(r#"{"type":"refund"}"#).is_err());
    }

    #[test]
    fn subs_keep_the_first_value_and_cut_long_ones() {
        let mut subs = Subs::default();
        assert!(subs.set_first(2, ""));
        assert!(subs.set_first(2, "first"));
        assert!(subs.set_first(2, "second"));
        assert!(!subs.set_first(6, "nope"));
        assert_eq!(subs.get(2), Some("first"));
        let long = "é".repeat(100); // 200 bytes
        subs.set_first(3, &long);
        let kept = subs.get(3).expect("set");
        assert_eq!(kept.len(), 128);
        assert!(long.starts_with(kept));
    }
}
