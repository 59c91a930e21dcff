//! Tracking link tokens, version 1 (DESIGN §3, a contract).
//!
//! ```text
//! token = base64url_nopad( body || tag )        at most 64 characters
//! body  = 0x01 || kid || offer_id || promoter_id || expires_at     (strict LEB128 varints)
//! tag   = HMAC-SHA256(key[kid], "afftok-link-v1" || body)[..16]
//! ```
//!
//! Decoding is split in two so that garbage is refused before any key is looked up:
//! [`decode`] checks the structure without a key, [`Keyset::check`] then checks the kid, the
//! tag (in constant time) and the expiry. [`Keyset::verify`] does both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::varint::{self, VarintError};

/// The only token version this module reads and writes.
pub const VERSION: u8 = 1;
/// Longest token accepted or produced, in characters.
pub const MAX_TOKEN_LEN: usize = 64;
/// Length of the truncated HMAC tag, in bytes.
pub const TAG_LEN: usize = 16;
/// Length of a signing secret, in bytes.
pub const SECRET_LEN: usize = 32;

/// Domain separation: a key used for links cannot be tricked into signing anything else.
const DOMAIN: &[u8] = b"afftok-link-v1";
/// 64 base64 characters carry 48 bytes.
const MAX_RAW_LEN: usize = MAX_TOKEN_LEN / 4 * 3;
/// A version byte and the tag; missing fields are then reported as truncated varints.
const MIN_RAW_LEN: usize = 1 + TAG_LEN;

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// Which key signed it.
    pub kid: u64,
    /// The offer the link promotes.
    pub offer_id: u64,
    /// The promoter credited for its clicks.
    pub promoter_id: u64,
    /// Unix seconds after which the link answers 410; 0 means never.
    pub expires_at: u64,
}

impl Link {
    /// Whether the link has expired at `now` (unix seconds).
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at != 0 && now >= self.expires_at
    }
}

/// A field of the token body, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The key id.
    Kid,
    /// The offer id.
    OfferId,
    /// The promoter id.
    PromoterId,
    /// The expiry.
    ExpiresAt,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Kid => "kid",
            Field::OfferId => "offer_id",
            Field::PromoterId => "promoter_id",
            Field::ExpiresAt => "expires_at",
        })
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The token is the empty string.
    #[error("token is empty")]
    Empty,
    /// The token is longer than [`MAX_TOKEN_LEN`].
    #[error("token is longer than {MAX_TOKEN_LEN} characters")]
    TooLong,
    /// Padding, a character outside the URL-safe alphabet, an impossible length or non-zero
    /// trailing bits.
    #[error("token is not strict unpadded base64url")]
    Encoding,
    /// Too few bytes for a version and a tag.
    #[error("token is too short")]
    TooShort,
    /// A version other than [`VERSION`].
    #[error("unsupported token version {0}")]
    Version(u8),
    /// A field is truncated (runs into the tag), overflows u64 or is not minimally encoded.
    #[error("malformed {field}: {error:?}")]
    Varint {
        /// Which field.
        field: Field,
        /// What is wrong with it.
        error: VarintError,
    },
    /// Bytes left between the last field and the tag.
    #[error("{0} unexpected byte(s) after the fields")]
    TrailingBytes(usize),
    /// No key with this id.
    #[error("unknown key id {0}")]
    UnknownKid(u64),
    /// The key with this id was revoked.
    #[error("key id {0} is revoked")]
    RevokedKid(u64),
    /// The tag does not match the body.
    #[error("signature does not match")]
    BadTag,
    /// Authentic, but past its expiry; carries what the token says.
    #[error("link expired at {}", .0.expires_at)]
    Expired(Link),
}

/// Why a link could not be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// No key with the link's kid.
    #[error("unknown key id {0}")]
    UnknownKid(u64),
    /// The link's kid is revoked; new links must use a live key.
    #[error("key id {0} is revoked")]
    RevokedKid(u64),
    /// The fields are too large to fit in [`MAX_TOKEN_LEN`] characters.
    #[error("the link's fields do not fit in {MAX_TOKEN_LEN} characters")]
    TooLong,
}

/// Why a key could not be added to a [`Keyset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Secrets are exactly [`SECRET_LEN`] bytes.
    #[error("a link secret is {SECRET_LEN} bytes, not {0}")]
    Length(usize),
}

/// A structurally valid token whose tag has not been checked yet.
#[derive(Debug, Clone, Copy)]
pub struct Decoded {
    /// The fields as the token states them (not yet authenticated).
    pub link: Link,
    raw: [u8; MAX_RAW_LEN],
    body_len: usize,
}

impl Decoded {
    fn body(&self) -> &[u8] {
        &self.raw[..self.body_len]
    }

    fn tag(&self) -> &[u8] {
        &self.raw[self.body_len..self.body_len + TAG_LEN]
    }
}

/// Checks a token's structure without any key: encoding, length, version and fields.
pub fn decode(token: &str) -> Result<Decoded, LinkError> {
    if token.is_empty() {
        return Err(LinkError::Empty);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(LinkError::TooLong);
    }
    let mut raw = [0u8; MAX_RAW_LEN];
    let len = URL_SAFE_NO_PAD
        .decode_slice(token, &mut raw)
        .map_err(|_| LinkError::Encoding)?;
    if len < MIN_RAW_LEN {
        return Err(LinkError::TooShort);
    }
    let body_len = len - TAG_LEN;
    let body = &raw[..body_len];
    if body[0] != VERSION {
        return Err(LinkError::Version(body[0]));
    }
    let mut at = 1;
    let mut field = |name: Field| -> Result<u64, LinkError> {
        let (value, used) = varint::decode(&body[at..])
            .map_err(|error| LinkError::Varint { field: name, error })?;
        at += used;
        Ok(value)
    };
    let link = Link {
        kid: field(Field::Kid)?,
        offer_id: field(Field::OfferId)?,
        promoter_id: field(Field::PromoterId)?,
        expires_at: field(Field::ExpiresAt)?,
    };
    if at != body_len {
        return Err(LinkError::TrailingBytes(body_len - at));
    }
    Ok(Decoded {
        link,
        raw,
        body_len,
    })
}

/// The link keys an edge accepts (and the control plane signs with), plus revoked kids.
///
/// Each key's HMAC state is prepared once, with the domain prefix absorbed, so a check costs
/// one clone and one short update.
#[derive(Clone, Default)]
pub struct Keyset {
    keys: BTreeMap<u64, Hmac<Sha256>>,
    revoked: BTreeSet<u64>,
}

impl fmt::Debug for Keyset {
    // Secrets never reach a log: only the kids are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyset")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .field("revoked", &self.revoked)
            .finish()
    }
}

impl Keyset {
    /// An empty keyset: every token is refused with [`LinkError::UnknownKid`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the key `kid`.
    pub fn insert(&mut self, kid: u64, secret: &[u8]) -> Result<(), KeyError> {
        if secret.len() != SECRET_LEN {
            return Err(KeyError::Length(secret.len()));
        }
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret).map_err(|_| KeyError::Length(secret.len()))?;
        mac.update(DOMAIN);
        self.keys.insert(kid, mac);
        Ok(())
    }

    /// Marks `kid` revoked: its links are refused from now on, known key or not.
    pub fn revoke(&mut self, kid: u64) {
        self.revoked.insert(kid);
    }

    /// Whether a key with this id is present (revoked or not).
    pub fn contains(&self, kid: u64) -> bool {
        self.keys.contains_key(&kid)
    }

    /// Whether `kid` is revoked.
    pub fn is_revoked(&self, kid: u64) -> bool {
        self.revoked.contains(&kid)
    }

    /// Signs `link` with the key named by `link.kid`.
    pub fn sign(&self, link: &Link) -> Result<String, SignError> {
        let mac = self.live_key(link.kid).map_err(|e| match e {
            LinkError::RevokedKid(kid) => SignError::RevokedKid(kid),
            _ => SignError::UnknownKid(link.kid),
        })?;
        let mut raw = Vec::with_capacity(MAX_RAW_LEN + 2 * varint::MAX_LEN);
        raw.push(VERSION);
        for value in [link.kid, link.offer_id, link.promoter_id, link.expires_at] {
            varint::encode(value, &mut raw);
        }
        if raw.len() + TAG_LEN > MAX_RAW_LEN {
            return Err(SignError::TooLong);
        }
        let tag = mac.clone().chain_update(&raw).finalize().into_bytes();
        raw.extend_from_slice(&tag[..TAG_LEN]);
        Ok(URL_SAFE_NO_PAD.encode(&raw))
    }

    /// Decodes and checks `token` at `now` (unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<Link, LinkError> {
        self.check(&decode(token)?, now)
    }

    /// Checks a decoded token: known and unrevoked kid, matching tag, not expired.
    pub fn check(&self, decoded: &Decoded, now: u64) -> Result<Link, LinkError> {
        let mac = self.live_key(decoded.link.kid)?;
        mac.clone()
            .chain_update(decoded.body())
            .verify_truncated_left(decoded.tag())
            .map_err(|_| LinkError::BadTag)?;
        if decoded.link.is_expired(now) {
            return Err(LinkError::Expired(decoded.link));
        }
        Ok(decoded.link)
    }

    fn live_key(&self, kid: u64) -> Result<&Hmac<Sha256>, LinkError> {
        if self.revoked.contains(&kid) {
            return Err(LinkError::RevokedKid(kid));
        }
        self.keys.get(&kid).ok_or(LinkError::UnknownKid(kid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyset() -> Keyset {
        let mut keys = Keyset::new();
        keys.insert(1, &[7u8; SECRET_LEN]).expect("valid key");
        keys
    }

    fn link(offer_id: u64) -> Link {
        Link {
            kid: 1,
            offer_id,
            promoter_id: 9,
            expires_at: 0,
        }
    }

    #[test]
    fn sign_then_verify() {
        let keys = keyset();
        let token = keys.sign(&link(42)).expect("fits");
        assert_eq!(keys.verify(&token, 0), Ok(link(42)));
    }

    #[test]
    fn secrets_have_a_fixed_length() {
        assert_eq!(Keyset::new().insert(1, &[0; 31]), Err(KeyError::Length(31)));
        assert_eq!(Keyset::new().insert(1, &[0; 33]), Err(KeyError::Length(33)));
    }

    #[test]
    fn revoked_kid_is_refused_even_with_a_valid_tag() {
        let mut keys = keyset();
        let token = keys.sign(&link(1)).expect("fits");
        keys.revoke(1);
        assert_eq!(keys.verify(&token, 0), Err(LinkError::RevokedKid(1)));
        assert_eq!(keys.sign(&link(1)), Err(SignError::RevokedKid(1)));
    }

    #[test]
    fn expiry_is_inclusive_of_the_instant() {
        let keys = keyset();
        let expiring = Link {
            expires_at: 100,
            ..link(1)
        };
        let token = keys.sign(&expiring).expect("fits");
        assert_eq!(keys.verify(&token, 99), Ok(expiring));
        assert_eq!(keys.verify(&token, 100), Err(LinkError::Expired(expiring)));
    }

    #[test]
    fn largest_fields_fit_exactly_with_a_small_kid() {
        let keys = keyset();
        let largest = Link {
            kid: 1,
            offer_id: u64::MAX,
            promoter_id: u64::MAX,
            expires_at: u64::MAX,
        };
        let token = keys.sign(&largest).expect("fits");
        assert_eq!(token.len(), MAX_TOKEN_LEN);
        assert_eq!(keys.verify(&token, 0), Ok(largest));
    }

    #[test]
    fn oversized_fields_are_refused_when_signing() {
        let mut keys = keyset();
        keys.insert(200, &[9u8; SECRET_LEN]).expect("valid key");
        let huge = Link {
            kid: 200,
            offer_id: u64::MAX,
            promoter_id: u64::MAX,
            expires_at: u64::MAX,
        };
        assert_eq!(keys.sign(&huge), Err(SignError::TooLong));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let shown = format!("{:?}", keyset());
        assert_eq!(shown, "Keyset { kids: [1], revoked: {} }");
    }
}
