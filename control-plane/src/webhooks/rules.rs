//! The pure rules of delivery (DESIGN §12): the event types and who may see them, Standard
//! Webhooks v1 signatures and secrets, what an answer means, when the next attempt is, and
//! the promoter postback macros.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::Role;

/// A webhook event type (the `type` of a payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    /// A conversion was attributed (its first decision, whatever the status).
    #[serde(rename = "conversion.created")]
    ConversionCreated,
    /// A conversion's status changed: approved after review, reversed, a fraud rejection
    /// overruled, a slot freed.
    #[serde(rename = "conversion.updated")]
    ConversionUpdated,
    /// An offer's status changed (approved, paused, archived…).
    #[serde(rename = "offer.updated")]
    OfferUpdated,
    /// A promoter joined an offer.
    #[serde(rename = "promoter.joined")]
    PromoterJoined,
    /// A promoter's lifetime points reached a level for the first time.
    #[serde(rename = "points.level_reached")]
    PointsLevelReached,
    /// A contest finished: its final standings and winners.
    #[serde(rename = "contest.finished")]
    ContestFinished,
    /// A test send.
    #[serde(rename = "test.ping")]
    TestPing,
}

impl EventType {
    /// Every type.
    pub const ALL: [EventType; 7] = [
        Self::ConversionCreated,
        Self::ConversionUpdated,
        Self::OfferUpdated,
        Self::PromoterJoined,
        Self::PointsLevelReached,
        Self::ContestFinished,
        Self::TestPing,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversionCreated => "conversion.created",
            Self::ConversionUpdated => "conversion.updated",
            Self::OfferUpdated => "offer.updated",
            Self::PromoterJoined => "promoter.joined",
            Self::PointsLevelReached => "points.level_reached",
            Self::ContestFinished => "contest.finished",
            Self::TestPing => "test.ping",
        }
    }

    /// The type of a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether an endpoint of an owner with `role` may subscribe to it: levels are the
    /// promoters' own (admins see everything).
    pub fn visible_to(self, role: Role) -> bool {
        !(self == Self::PointsLevelReached && role == Role::Advertiser)
    }
}

/// Whether an endpoint subscribed to `types` (empty: all) gets `t`.
pub fn subscribed(types: &[String], t: EventType) -> bool {
    t == EventType::TestPing || types.is_empty() || types.iter().any(|s| s == t.as_str())
}

/// The `webhook-id` of a message.
pub fn message_id(id: Uuid) -> String {
    format!("msg_{}", id.simple())
}

/// The message of a `webhook-id` (or of a bare UUID).
pub fn parse_message_id(text: &str) -> Option<Uuid> {
    let hex = text.strip_prefix("msg_").unwrap_or(text);
    Uuid::try_parse(hex).ok()
}

/// A secret as shown once: `whsec_` + base64 of its 32 bytes.
pub fn format_secret(secret: &[u8]) -> String {
    format!("whsec_{}", STANDARD.encode(secret))
}

/// 32 random bytes.
pub fn new_secret() -> [u8; 32] {
    rand::random()
}

/// One Standard Webhooks v1 signature: `v1,<base64 HMAC-SHA256(secret, "{id}.{ts}.{body}")>`.
pub fn sign(secret: &[u8], msg_id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret (during a rotation the new and
/// the old), space-separated.
pub fn signature_header(secrets: &[&[u8]], msg_id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an attempt's answer (or its absence) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx: delivered.
    Delivered,
    /// 410 Gone: the receiver asks to stop; the endpoint is disabled.
    Gone,
    /// Anything else (another status, no answer): retried on the schedule.
    Failed,
}

/// The verdict on an answer's status (`None`: no answer).
pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ => Verdict::Failed,
    }
}

/// The longest `Retry-After` honoured: a receiver cannot park a message for longer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A `Retry-After` value of a 429 or 503: delay-seconds or an HTTP date, relative to `now`
/// (unix seconds); capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(status: u16, value: &str, now: i64) -> Option<Duration> {
    if status != 429 && status != 503 {
        return None;
    }
    let value = value.trim();
    let secs = match value.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let at =
                time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822)
                    .ok()?;
            u64::try_from(at.unix_timestamp() - now).unwrap_or(0)
        }
    };
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// The delay before the next attempt after `attempts` failed ones, or `None` when the
/// schedule is spent: `schedule[attempts - 1]`, or longer when the receiver asked for it.
pub fn next_delay(
    schedule: &[Duration],
    attempts: u32,
    asked: Option<Duration>,
) -> Option<Duration> {
    let planned = *schedule.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
    Some(asked.map_or(planned, |a| a.max(planned)))
}

/// What a promoter postback's macros are filled with (DESIGN §12).
#[derive(Debug, Clone, Default)]
pub struct PostbackValues {
    /// `{click_id}`.
    pub click_id: String,
    /// `{sub1}`…`{sub5}`.
    pub subs: [Option<String>; 5],
    /// `{payout}` (a decimal).
    pub payout: String,
    /// `{currency}`.
    pub currency: String,
    /// `{offer_id}`.
    pub offer_id: String,
    /// `{status}`.
    pub status: String,
    /// `{txid}`.
    pub txid: String,
}

/// Everything but RFC 3986 unreserved characters is encoded in macro values (as the edge).
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Template text outside macros: only what is not printable ASCII.
const LITERAL: &AsciiSet = &CONTROLS.add(b' ');

/// Fills a postback template: known macros get their values percent-encoded, unknown `{…}`
/// stay as they are, literal characters outside printable ASCII are percent-encoded.
pub fn fill_postback(template: &str, v: &PostbackValues) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.extend(utf8_percent_encode(&rest[..open], LITERAL));
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            let value = match name {
                "click_id" => Some(v.click_id.as_str()),
                "payout" => Some(v.payout.as_str()),
                "currency" => Some(v.currency.as_str()),
                "offer_id" => Some(v.offer_id.as_str()),
                "status" => Some(v.status.as_str()),
                "txid" => Some(v.txid.as_str()),
                "sub1" | "sub2" | "sub3" | "sub4" | "sub5" => {
                    let n = usize::from(name.as_bytes()[3] - b'1');
                    Some(v.subs[n].as_deref().unwrap_or(""))
                }
                _ => None,
            }?;
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                out.extend(utf8_percent_encode(value, VALUE));
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.extend(utf8_percent_encode(rest, LITERAL));
    out
}

/// The first `limit` bytes of an answer as text (cut on a character boundary; bytes that are
/// not UTF-8 replaced).
pub fn answer_excerpt(bytes: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(limit)]);
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_and_match_serde() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap_or_default(),
                serde_json::Value::from(t.as_str())
            );
        }
        assert_eq!(EventType::parse("conversion.Created"), None);
        assert!(!EventType::PointsLevelReached.visible_to(Role::Advertiser));
        assert!(EventType::PointsLevelReached.visible_to(Role::Promoter));
        assert!(EventType::ConversionCreated.visible_to(Role::Advertiser));
    }

    #[test]
    fn subscriptions() {
        let none: Vec<String> = vec![];
        let some = vec!["offer.updated".to_owned()];
        assert!(subscribed(&none, EventType::ConversionCreated));
        assert!(subscribed(&some, EventType::OfferUpdated));
        assert!(!subscribed(&some, EventType::ConversionCreated));
        assert!(
            subscribed(&some, EventType::TestPing),
            "a test send reaches every endpoint"
        );
    }

    #[test]
    fn message_ids_round_trip() {
        let id = Uuid::now_v7();
        let text = message_id(id);
        assert!(text.starts_with("msg_") && text.len() == 36);
        assert_eq!(parse_message_id(&text), Some(id));
        assert_eq!(parse_message_id(&id.to_string()), Some(id));
        assert_eq!(parse_message_id("msg_nope"), None);
    }

    /// The example of the Standard Webhooks specification (its reference libraries' tests).
    #[test]
    fn signs_as_the_specification() {
        let secret = STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap_or_default();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let both = signature_header(&[&secret, b"other"], "msg_1", 1, "{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(&secret, "msg_1", 1, "{}"));
        assert!(format_secret(&[0u8; 32]).starts_with("whsec_AAAA"));
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(Some(200)), Verdict::Delivered);
        assert_eq!(verdict(Some(204)), Verdict::Delivered);
        assert_eq!(verdict(Some(410)), Verdict::Gone);
        assert_eq!(
            verdict(Some(301)),
            Verdict::Failed,
            "redirects are not followed"
        );
        assert_eq!(verdict(Some(500)), Verdict::Failed);
        assert_eq!(verdict(None), Verdict::Failed);
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(retry_after(429, "7", 0), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(503, " 120 ", 0), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(500, "7", 0), None, "only 429 and 503");
        assert_eq!(retry_after(429, "soon", 0), None);
        assert_eq!(retry_after(429, "99999999", 0), Some(MAX_RETRY_AFTER));
        // 1994-11-06T08:49:37Z is 784111777.
        assert_eq!(
            retry_after(503, "Sun, 06 Nov 1994 08:49:37 GMT", 784_111_717),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after(503, "Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800),
            Some(Duration::ZERO),
            "a date in the past: now"
        );
    }

    #[test]
    fn the_schedule() {
        let s = [Duration::from_secs(5), Duration::from_secs(300)];
        assert_eq!(next_delay(&s, 0, None), None);
        assert_eq!(next_delay(&s, 1, None), Some(Duration::from_secs(5)));
        assert_eq!(next_delay(&s, 2, None), Some(Duration::from_secs(300)));
        assert_eq!(next_delay(&s, 3, None), None, "spent");
        assert_eq!(
            next_delay(&s, 1, Some(Duration::from_secs(60))),
            Some(Duration::from_secs(60)),
            "a longer Retry-After wins"
        );
        assert_eq!(
            next_delay(&s, 2, Some(Duration::from_secs(60))),
            Some(Duration::from_secs(300)),
            "never sooner than planned"
        );
    }

    #[test]
    fn postback_macros() {
        let v = PostbackValues {
            click_id: "019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10".into(),
            subs: [Some("a b&c=d/é".into()), None, Some("x".into()), None, None],
            payout: "12.50".into(),
            currency: "USD".into(),
            offer_id: "42".into(),
            status: "approved".into(),
            txid: "T 1".into(),
        };
        assert_eq!(
            fill_postback(
                "https://t.example/pb?cid={click_id}&s1={sub1}&s2={sub2}&s3={sub3}&p={payout}&c={currency}&o={offer_id}&st={status}&tx={txid}&u={unknown}&x={",
                &v
            ),
            "https://t.example/pb?cid=019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10&s1=a%20b%26c%3Dd%2F%C3%A9&s2=&s3=x&p=12.50&c=USD&o=42&st=approved&tx=T%201&u={unknown}&x={"
        );
        assert_eq!(
            fill_postback("https://t.example/ü x", &v),
            "https://t.example/%C3%BC%20x"
        );
    }

    #[test]
    fn excerpts() {
        assert_eq!(answer_excerpt(b"hello", 1024), "hello");
        assert_eq!(answer_excerpt("ééé".as_bytes(), 3), "é");
        assert_eq!(answer_excerpt(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
