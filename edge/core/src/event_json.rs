//! Events as their DESIGN §6 JSON, written straight into a buffer.
//!
//! Every click is serialized once, on the edge's own core, so this is on the hot path.
//! Clicks are written by hand: the same bytes `serde_json::to_string` produces from
//! `afftok_shared::Event` (a test checks it), without the formatting machinery behind the
//! timestamp and id, and with a fast scan for strings that need no escaping (User-Agents
//! almost never do). Conversions, one per postback, go through `serde_json`.

use std::net::IpAddr;

use afftok_shared::{ClickEvent, Event, Subs, Timestamp};

/// Appends `event`'s JSON to `out`.
pub fn write(event: &Event, out: &mut Vec<u8>) {
    match event {
        Event::Click(click) => write_click(click, out),
        // Plain data: serializing into a Vec cannot fail.
        Event::Conversion(_) => {
            let _ = serde_json::to_writer(&mut *out, event);
        }
    }
}

/// `event`'s JSON as a string.
pub fn to_string(event: &Event) -> String {
    let mut out = Vec::with_capacity(512);
    write(event, &mut out);
    // Only UTF-8 text and ASCII are written.
    String::from_utf8(out).unwrap_or_default()
}

fn write_click(c: &ClickEvent, out: &mut Vec<u8>) {
    out.reserve(256 + c.user_agent.len() + c.referer.as_ref().map_or(0, String::len));
    out.extend_from_slice(br#"{"type":"click","id":""#);
    let mut id = uuid::Uuid::encode_buffer();
    out.extend_from_slice(c.id.hyphenated().encode_lower(&mut id).as_bytes());
    out.extend_from_slice(br#"","ts":""#);
    write_timestamp(c.ts, out);
    out.extend_from_slice(br#"","offer_id":"#);
    write_number(c.offer_id, out);
    out.extend_from_slice(br#","promoter_id":"#);
    write_number(c.promoter_id, out);
    out.extend_from_slice(br#","kid":"#);
    write_number(c.kid, out);
    out.extend_from_slice(br#","verdict":""#);
    out.extend_from_slice(c.verdict.as_str().as_bytes());
    out.extend_from_slice(br#"","ip":"#);
    match c.ip {
        Some(ip) => write_ip(ip, out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","user_agent":"#);
    write_string(&c.user_agent, out);
    out.extend_from_slice(br#","referer":"#);
    match &c.referer {
        Some(referer) => write_string(referer, out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","country":"#);
    match c.country {
        Some(country) => write_string(country.as_str(), out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","subs":{"#);
    write_subs(&c.subs, out);
    out.extend_from_slice(br#"},"edge":"#);
    write_string(&c.edge, out);
    out.push(b'}');
}

fn write_subs(subs: &Subs, out: &mut Vec<u8>) {
    let mut first = true;
    for (n, name) in [
        (1, "sub1"),
        (2, "sub2"),
        (3, "sub3"),
        (4, "sub4"),
        (5, "sub5"),
    ] {
        if let Some(value) = subs.get(n) {
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            write_string(value, out);
        }
    }
}

/// `n` in decimal.
fn write_number(n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn write_ip(ip: IpAddr, out: &mut Vec<u8>) {
    match ip {
        IpAddr::V4(v4) => {
            out.push(b'"');
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                write_number(u64::from(octet), out);
            }
            out.push(b'"');
        }
        // IPv6 text has rules of its own (the longest zero run, embedded IPv4): the
        // standard library's Display, which serde uses too.
        IpAddr::V6(v6) => {
            use std::io::Write as _;
            let _ = write!(out, "\"{v6}\"");
        }
    }
}

/// RFC 3339 in UTC with milliseconds, as `Timestamp`'s `Display` writes it.
fn write_timestamp(ts: Timestamp, out: &mut Vec<u8>) {
    // RFC 3339 has four-digit years (the shared type's Display refuses later ones): a clock
    // that far off is written as the last millisecond of 9999.
    let millis = ts.unix_millis().min(LAST_MILLI_OF_9999);
    let secs = millis / 1000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    let two = |n: u64, out: &mut Vec<u8>| {
        // n < 100: both casts fit.
        out.push(b'0' + (n / 10) as u8);
        out.push(b'0' + (n % 10) as u8);
    };
    two(year / 100, out);
    two(year % 100, out);
    out.push(b'-');
    two(month, out);
    out.push(b'-');
    two(day, out);
    out.push(b'T');
    two(of_day / 3600, out);
    out.push(b':');
    two(of_day / 60 % 60, out);
    out.push(b':');
    two(of_day % 60, out);
    out.push(b'.');
    let ms = millis % 1000;
    out.push(b'0' + (ms / 100) as u8);
    two(ms % 100, out);
    out.push(b'Z');
}

const LAST_MILLI_OF_9999: u64 = 253_402_300_799_999;

/// Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// A JSON string with serde_json's escaping: `"` and `\`, the control characters (short
/// forms for \b \f \n \r \t, `\u00XX` for the rest); everything else as it is.
fn write_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Eight bytes at a time while none of them needs escaping.
        if let Some(chunk) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        let b = bytes[at];
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..at]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        at += 1;
        start = at;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any of the eight bytes is a control character, `"` or `\` (bytes ≥ 0x80 never
/// are: they are parts of UTF-8 sequences, written as they are).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    // A byte below 0x20: (b - 0x20) borrows into its high bit, unless b ≥ 0x80.
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let quote = has_zero(word ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
    (control | quote | backslash) != 0
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use afftok_shared::{Country, Verdict};
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn click(
        millis: u64,
        ip: Option<IpAddr>,
        text: &str,
        referer: Option<String>,
        subs: Subs,
    ) -> Event {
        Event::Click(ClickEvent {
            id: Uuid::from_u128(0x019a_b8a4_6d2b_7cc3_9a51_6f1e_5f7d_2a10),
            ts: Timestamp::from_unix_millis(millis),
            offer_id: 42,
            promoter_id: u64::MAX,
            kid: 0,
            verdict: Verdict::GeoBlocked,
            ip,
            user_agent: text.to_owned(),
            referer,
            country: Country::parse("us").ok(),
            subs,
            edge: "native:fra1".to_owned(),
        })
    }

    fn same_as_serde(event: &Event) {
        let expected = serde_json::to_string(event).unwrap_or_default();
        assert_eq!(to_string(event), expected);
    }

    #[test]
    fn clicks_are_what_serde_writes() {
        let mut subs = Subs::default();
        subs.set_first(2, "tik\"tok\\");
        subs.set_first(5, "ünï\u{1}\u{7f}");
        same_as_serde(&click(
            1_795_559_486_123,
            Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9))),
            "Mozilla/5.0 (X11; Linux x86_64)\t\n\r\u{8}\u{c}\u{1f} \"quoted\" é",
            Some("https://t.co/x".into()),
            subs,
        ));
        same_as_serde(&click(0, None, "", None, Subs::default()));
        same_as_serde(&click(
            951_782_400_000, // 2000-02-29
            Some(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))),
            "x",
            None,
            Subs::default(),
        ));
        // The last four-digit year.
        same_as_serde(&click(LAST_MILLI_OF_9999, None, "", None, Subs::default()));
        let far = to_string(&click(u64::MAX, None, "", None, Subs::default()));
        assert!(far.contains(r#""ts":"9999-12-31T23:59:59.999Z""#), "{far}");
    }

    #[test]
    fn every_verdict() {
        for verdict in [
            Verdict::Ok,
            Verdict::Bot,
            Verdict::OfferPaused,
            Verdict::GeoBlocked,
            Verdict::Expired,
        ] {
            let Event::Click(mut c) = click(1, None, "", None, Subs::default()) else {
                unreachable!()
            };
            c.verdict = verdict;
            same_as_serde(&Event::Click(c));
        }
    }

    #[test]
    fn conversions_are_what_serde_writes_with_source_and_test() {
        let conversion = |source, test| {
            Event::Conversion(afftok_shared::ConversionEvent {
                id: Uuid::from_u128(0x019a_b8a4_6d2b_7cc3_9a51_6f1e_5f7d_2a11),
                ts: Timestamp::from_unix_millis(1_795_559_486_123),
                advertiser_id: 5,
                click_id: Uuid::from_u128(0x019a_b8a4_6d2b_7cc3_9a51_6f1e_5f7d_2a10),
                txid: Some("T-1".into()),
                amount: None,
                currency: None,
                event: "conversion".into(),
                ip: Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9))),
                edge: "cloudflare".into(),
                source,
                test,
            })
        };
        let browser = Some(afftok_shared::ConversionSource::Browser);
        for (source, test) in [
            (None, false),
            (browser, false),
            (None, true),
            (browser, true),
        ] {
            let event = conversion(source, test);
            same_as_serde(&event);
            let json = to_string(&event);
            assert_eq!(
                json.contains(r#""source":"browser""#),
                source.is_some(),
                "{json}"
            );
            assert_eq!(json.contains(r#""test":true"#), test, "{json}");
            assert_eq!(
                json.contains(r#""test""#),
                test,
                "absent when false: {json}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_click_is_what_serde_writes(
            millis in 0u64..253_402_300_800_000,
            v4 in any::<u32>(),
            v6 in any::<u128>(),
            which_ip in 0u8..3,
            text in "\\PC{0,80}|[\\x00-\\x7f]{0,80}",
            referer in proptest::option::of("[ -~\\x00-\\x1f]{0,40}"),
            sub in "\\PC{0,20}",
        ) {
            let ip = match which_ip {
                0 => None,
                1 => Some(IpAddr::V4(Ipv4Addr::from(v4))),
                _ => Some(IpAddr::V6(Ipv6Addr::from(v6))),
            };
            let mut subs = Subs::default();
            subs.set_first(1, &sub);
            subs.set_first(3, &text);
            let event = click(millis, ip, &text, referer, subs);
            prop_assert_eq!(to_string(&event), serde_json::to_string(&event).unwrap_or_default());
        }
    }
}
