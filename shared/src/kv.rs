//! The edge's key-value entries (DESIGN §5): written by `afftok edge push`, read by every edge.
//!
//! | key | value |
//! | --- | --- |
//! | [`KEYS_KEY`] | [`KeysDoc`] |
//! | `offer:{id}` ([`offer_key`]) | [`OfferDoc`] |
//! | `pbk:{sha256-hex of the postback key}` ([`postback_key_key`]) | [`PostbackKeyDoc`] |
//!
//! Each document is checked by its `parse` function, so a bad push is refused by the edge
//! instead of half-applied.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::country::Country;
use crate::link::Keyset;

/// The key of the link keys document.
pub const KEYS_KEY: &str = "keys";

/// The key of an offer's route.
pub fn offer_key(offer_id: u64) -> String {
    format!("offer:{offer_id}")
}

/// SHA-256 of a postback key: the only form in which edges store and look keys up.
pub fn postback_key_hash(postback_key: &str) -> [u8; 32] {
    Sha256::digest(postback_key.as_bytes()).into()
}

/// The key of a postback key's entry, from the key's hash.
pub fn postback_key_key(hash: &[u8; 32]) -> String {
    format!("pbk:{}", hex::encode(hash))
}

/// A KV value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {detail}")]
pub struct KvError {
    /// Which document.
    pub what: &'static str,
    /// What is wrong with it.
    pub detail: String,
}

impl KvError {
    fn new(what: &'static str, detail: impl fmt::Display) -> Self {
        Self {
            what,
            detail: detail.to_string(),
        }
    }
}

/// `keys`: the link keys, by kid, and the revoked kids.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysDoc {
    /// The kid the control plane signs new links with.
    pub active: u64,
    /// Every key an edge should accept, by kid, as standard base64 of 32 bytes.
    pub keys: BTreeMap<u64, String>,
    /// Kids whose links are refused.
    #[serde(default)]
    pub revoked: Vec<u64>,
}

impl fmt::Debug for KeysDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeysDoc")
            .field("active", &self.active)
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .field("revoked", &self.revoked)
            .finish()
    }
}

impl KeysDoc {
    /// An empty document whose active kid is `active`.
    pub fn new(active: u64) -> Self {
        Self {
            active,
            keys: BTreeMap::new(),
            revoked: Vec::new(),
        }
    }

    /// Adds the key `kid` with its raw secret.
    pub fn add_key(&mut self, kid: u64, secret: &[u8]) {
        self.keys.insert(kid, STANDARD.encode(secret));
    }

    /// Parses the JSON text of the document.
    pub fn parse(json: &[u8]) -> Result<Self, KvError> {
        serde_json::from_slice(json).map_err(|e| KvError::new("keys document", e))
    }

    /// The keyset an edge verifies with. Any malformed key fails the whole document: an
    /// edge keeps its previous keys rather than silently dropping one.
    pub fn to_keyset(&self) -> Result<Keyset, KvError> {
        let mut keyset = Keyset::new();
        for (&kid, encoded) in &self.keys {
            let secret = STANDARD
                .decode(encoded)
                .map_err(|_| KvError::new("keys document", format!("key {kid} is not base64")))?;
            keyset
                .insert(kid, &secret)
                .map_err(|e| KvError::new("keys document", format!("key {kid}: {e}")))?;
        }
        for &kid in &self.revoked {
            keyset.revoke(kid);
        }
        Ok(keyset)
    }
}

/// Whether an offer redirects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// Redirects to its URL.
    Active,
    /// Sends visitors to the fallback URL, or refuses them.
    Paused,
}

/// `offer:{id}`: where an offer's clicks go and who may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferDoc {
    /// Active or paused.
    pub status: OfferStatus,
    /// Destination template with `{click_id}`-style macros (DESIGN §4).
    pub url: String,
    /// Where paused or geo-blocked visitors go, also a template.
    #[serde(default)]
    pub fallback_url: Option<String>,
    /// If not empty, only these countries are let through (unknown country included).
    #[serde(default)]
    pub geo_allow: Vec<Country>,
    /// These countries are never let through.
    #[serde(default)]
    pub geo_deny: Vec<Country>,
    /// The advertiser who owns the offer.
    pub advertiser_id: u64,
}

impl OfferDoc {
    /// Parses and checks the JSON text of an offer entry.
    pub fn parse(json: &[u8]) -> Result<Self, KvError> {
        let doc: Self =
            serde_json::from_slice(json).map_err(|e| KvError::new("offer document", e))?;
        doc.validate()?;
        Ok(doc)
    }

    /// Checks the URLs: absolute http(s), no spaces or control characters (they would break
    /// the `Location` header).
    pub fn validate(&self) -> Result<(), KvError> {
        check_url_template(&self.url).map_err(|e| KvError::new("offer url", e))?;
        if let Some(fallback) = &self.fallback_url {
            check_url_template(fallback).map_err(|e| KvError::new("offer fallback_url", e))?;
        }
        Ok(())
    }

    /// Whether a visitor from `country` (None: unknown) may pass the geo rules.
    pub fn allows_country(&self, country: Option<Country>) -> bool {
        match country {
            Some(c) if self.geo_deny.contains(&c) => false,
            Some(c) => self.geo_allow.is_empty() || self.geo_allow.contains(&c),
            None => self.geo_allow.is_empty(),
        }
    }
}

/// Why a URL template cannot be used as a redirect target.
pub fn check_url_template(url: &str) -> Result<(), &'static str> {
    let after_scheme = |scheme: &str| {
        url.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &url[scheme.len()..])
    };
    let rest = after_scheme("https://")
        .or_else(|| after_scheme("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("must name a host");
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain spaces or control characters");
    }
    Ok(())
}

/// `pbk:{hash}`: a postback key's owner, its kind and mode, and who may use it.
///
/// `kind`, `origins` and `mode` came later (DESIGN §16); a document without them is a live
/// secret key, as before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostbackKeyDoc {
    /// The advertiser whose conversions this key reports.
    pub advertiser_id: u64,
    /// Networks allowed to call; empty allows any address.
    #[serde(default)]
    pub ip_allow: IpAllowList,
    /// Secret (servers) or publishable (browsers, from `origins` only).
    #[serde(default)]
    pub kind: PostbackKeyKind,
    /// The web origins a publishable key may be used from (`https://shop.example`), as
    /// [`parse_origin`] writes them. Unused for a secret key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<String>,
    /// Live or test (sandbox): test conversions never reach live figures.
    #[serde(default)]
    pub mode: Mode,
}

impl PostbackKeyDoc {
    /// Parses the JSON text of a postback key entry.
    pub fn parse(json: &[u8]) -> Result<Self, KvError> {
        serde_json::from_slice(json).map_err(|e| KvError::new("postback key document", e))
    }

    /// Whether a browser page at `origin` (the request's `Origin` header) may use this key:
    /// only a publishable key, and only from one of its origins (compared without regard to
    /// ASCII case, as origins are).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.kind == PostbackKeyKind::Publishable
            && self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

/// Who a postback key is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostbackKeyKind {
    /// Kept on the advertiser's servers; refused from browser pages.
    #[default]
    Secret,
    /// Put in web pages (`pk_…`): accepted only from its allowed origins, with CORS.
    Publishable,
}

impl PostbackKeyKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Publishable => "publishable",
        }
    }
}

/// Live traffic, or the sandbox's test traffic (DESIGN §16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Real traffic: counted everywhere.
    #[default]
    Live,
    /// Sandbox traffic: stored and listed as `test`, counted nowhere live.
    Test,
}

impl Mode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }

    /// Whether this is test mode.
    pub fn is_test(self) -> bool {
        self == Self::Test
    }
}

/// Longest origin accepted, in bytes.
pub const MAX_ORIGIN_LEN: usize = 255;

/// Checks a web origin as a browser sends it in `Origin` (`https://shop.example`,
/// `http://localhost:5173`) and returns it in the form stored: scheme and host lowercase, no
/// default port, no path, no trailing slash.
pub fn parse_origin(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.len() > MAX_ORIGIN_LEN {
        return Err("an origin must be at most 255 characters");
    }
    let lower = text.to_ascii_lowercase();
    let (scheme, rest) = lower
        .split_once("://")
        .ok_or("an origin must start with https:// or http://")?;
    if scheme != "https" && scheme != "http" {
        return Err("an origin must start with https:// or http://");
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Err("an origin must name a host");
    }
    if rest.contains(['/', '?', '#', '@']) {
        return Err("an origin is only scheme, host and port: no path, query or user");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => {
            if host.is_empty() || !host.ends_with(']') && host.contains(':') {
                return Err("an origin's host is not valid");
            }
            (host, Some(port))
        }
        _ => (rest, None),
    };
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or("an origin's port must be a number from 1 to 65535")?,
        ),
    };
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '[' | ']' | ':'));
    if !host_ok {
        return Err("an origin's host may hold only letters, digits, '-' and '.'");
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// A list of networks (`203.0.113.0/24`, `2001:db8::/32`, or single addresses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowList(Vec<IpNet>);

impl IpAllowList {
    /// Parses each entry as a CIDR network or a single address.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, KvError> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        KvError::new(
                            "ip_allow",
                            format!("{entry:?} is not an address or CIDR network"),
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The networks as text (`203.0.113.0/24`), as stored and pushed.
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(|net| net.to_string()).collect()
    }

    /// Whether the list is empty (any address allowed).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` may call. An empty list allows everyone, even an unknown address; a
    /// non-empty one never allows an unknown address. IPv4-mapped IPv6 addresses
    /// (`::ffff:203.0.113.9`) match IPv4 networks.
    pub fn allows(&self, ip: Option<IpAddr>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let Some(ip) = ip else {
            return false;
        };
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

impl Serialize for IpAllowList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|net| net.to_string()))
    }
}

impl<'de> Deserialize<'de> for IpAllowList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<String>::deserialize(deserializer)?;
        Self::parse(&entries).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_doc_round_trip_and_keyset() {
        let json = br#"{"active":7,"keys":{"1":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "7":"G4D0zEx/3czsXEUMuxQq2WVTtTwFpdUhCkiKF3AkxEQ="},"revoked":[1]}"#;
        let doc = KeysDoc::parse(json).expect("parses");
        assert_eq!(doc.active, 7);
        let keyset = doc.to_keyset().expect("valid keys");
        assert!(keyset.contains(1) && keyset.contains(7));
        assert!(keyset.is_revoked(1) && !keyset.is_revoked(7));
        assert!(
            !format!("{doc:?}").contains("AAEC"),
            "secrets must not be shown"
        );
    }

    #[test]
    fn keys_doc_with_a_bad_key_is_refused() {
        let short = br#"{"active":1,"keys":{"1":"AAEC"}}"#;
        let err = KeysDoc::parse(short)
            .expect("json ok")
            .to_keyset()
            .expect_err("short key");
        assert!(err.detail.contains("key 1"), "{err}");
        assert!(
            !err.detail.contains("AAEC"),
            "secrets must not be shown: {err}"
        );
        let not_b64 = br#"{"active":1,"keys":{"1":"***"}}"#;
        assert!(
            KeysDoc::parse(not_b64)
                .expect("json ok")
                .to_keyset()
                .is_err()
        );
        assert!(KeysDoc::parse(br#"{"active":1,"keys":{"x":"AAEC"}}"#).is_err());
        assert!(KeysDoc::parse(b"not json").is_err());
    }

    #[test]
    fn offer_doc_parses_with_defaults_and_checks_urls() {
        let doc = OfferDoc::parse(
            br#"{"status":"active","url":"https://shop.example/?c={click_id}","advertiser_id":5}"#,
        )
        .expect("parses");
        assert_eq!(doc.status, OfferStatus::Active);
        assert!(doc.fallback_url.is_none() && doc.geo_allow.is_empty());
        for bad in [
            r#"{"status":"active","url":"javascript:alert(1)","advertiser_id":5}"#,
            r#"{"status":"active","url":"https://","advertiser_id":5}"#,
            r#"{"status":"active","url":"https://a.example/x y","advertiser_id":5}"#,
            r#"{"status":"active","url":"https://a.example/\r\nSet-Cookie: x","advertiser_id":5}"#,
            r#"{"status":"active","url":"https://a.example/","fallback_url":"ftp://x","advertiser_id":5}"#,
            r#"{"status":"running","url":"https://a.example/","advertiser_id":5}"#,
            r#"{"status":"active","url":"https://a.example/","geo_allow":["USA"],"advertiser_id":5}"#,
            r#"{"status":"active","url":"https://a.example/"}"#,
        ] {
            assert!(OfferDoc::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn geo_rules() {
        let us = Country::parse("US").ok();
        let de = Country::parse("DE").ok();
        let mut doc = OfferDoc {
            status: OfferStatus::Active,
            url: "https://a.example/".into(),
            fallback_url: None,
            geo_allow: vec![],
            geo_deny: vec![],
            advertiser_id: 1,
        };
        assert!(doc.allows_country(us) && doc.allows_country(None));
        doc.geo_deny = de.into_iter().collect();
        assert!(doc.allows_country(us) && !doc.allows_country(de) && doc.allows_country(None));
        doc.geo_deny.clear();
        doc.geo_allow = us.into_iter().collect();
        assert!(doc.allows_country(us) && !doc.allows_country(de) && !doc.allows_country(None));
    }

    #[test]
    fn ip_allow_list() {
        let list = IpAllowList::parse(&["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"])
            .expect("valid");
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert!(list.allows(ip("203.0.113.200")));
        assert!(list.allows(ip("::ffff:203.0.113.9")));
        assert!(list.allows(ip("2001:db8:1::5")));
        assert!(list.allows(ip("198.51.100.7")));
        assert!(!list.allows(ip("198.51.100.8")));
        assert!(!list.allows(None));
        assert!(IpAllowList::default().allows(None));
        assert!(IpAllowList::parse(&["10.0.0.0/33"]).is_err());
        assert!(IpAllowList::parse(&["example.com"]).is_err());
        let doc = PostbackKeyDoc::parse(br#"{"advertiser_id":5,"ip_allow":["10.1.2.3/8"]}"#)
            .expect("parses");
        assert!(doc.ip_allow.allows(ip("10.200.0.1")));
        assert!(PostbackKeyDoc::parse(br#"{"advertiser_id":5,"ip_allow":["nope"]}"#).is_err());
    }

    #[test]
    fn postback_key_docs_old_and_new() {
        let old = PostbackKeyDoc::parse(br#"{"advertiser_id":5}"#).expect("parses");
        assert_eq!(old.kind, PostbackKeyKind::Secret);
        assert_eq!(old.mode, Mode::Live);
        assert!(old.origins.is_empty() && !old.allows_origin("https://a.example"));
        let json = serde_json::to_string(&old).expect("serializes");
        assert_eq!(
            json,
            r#"{"advertiser_id":5,"ip_allow":[],"kind":"secret","mode":"live"}"#
        );
        let publishable = PostbackKeyDoc::parse(
            br#"{"advertiser_id":5,"kind":"publishable","origins":["https://shop.example"],
            "mode":"test","later_field":1}"#,
        )
        .expect("parses");
        assert!(publishable.allows_origin("https://shop.example"));
        assert!(publishable.allows_origin("HTTPS://SHOP.example"));
        assert!(!publishable.allows_origin("https://evil.example"));
        assert!(!publishable.allows_origin("https://shop.example.evil.example"));
        assert!(!publishable.allows_origin("null"));
        assert!(publishable.mode.is_test());
        let json = serde_json::to_string(&publishable).expect("serializes");
        let back = PostbackKeyDoc::parse(json.as_bytes());
        assert_eq!(back.ok(), Some(publishable));
        assert!(PostbackKeyDoc::parse(br#"{"advertiser_id":5,"kind":"public"}"#).is_err());
        assert!(PostbackKeyDoc::parse(br#"{"advertiser_id":5,"mode":"staging"}"#).is_err());
    }

    #[test]
    fn origins_are_checked_and_normalised() {
        for (input, stored) in [
            ("https://shop.example", "https://shop.example"),
            ("HTTPS://Shop.Example/", "https://shop.example"),
            ("https://shop.example:443", "https://shop.example"),
            ("http://localhost:5173", "http://localhost:5173"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            (" https://a-b.example ", "https://a-b.example"),
        ] {
            assert_eq!(parse_origin(input).as_deref(), Ok(stored), "{input}");
        }
        for bad in [
            "shop.example",
            "ftp://shop.example",
            "https://",
            "https://shop.example/path",
            "https://shop.example?x=1",
            "https://user@shop.example",
            "https://shop.example:0",
            "https://shop.example:99999",
            "https://shop.example:abc",
            "https://sh op.example",
            "https://shöp.example",
            "null",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        assert!(parse_origin(&format!("https://{}.example", "a".repeat(250))).is_err());
    }

    #[test]
    fn postback_key_entries_are_named_by_hash() {
        let hash = postback_key_hash("abc");
        assert_eq!(
            postback_key_key(&hash),
            "pbk:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(offer_key(42), "offer:42");
    }
}
