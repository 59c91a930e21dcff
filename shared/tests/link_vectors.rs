//! The link token vectors of `../shared/vectors/link-v1.json` (copied into `shared/vectors/`
//! so a clone is self-contained; `upstream_copy_is_unchanged` catches drift).

use std::collections::BTreeMap;

use afftok_shared::link::{Field, Keyset, Link, LinkError};
use afftok_shared::varint::VarintError;
use base64::Engine as _;
use serde::Deserialize;

const VECTORS: &str = include_str!("../vectors/link-v1.json");

#[derive(Deserialize)]
struct Vectors {
    now: u64,
    keys: BTreeMap<u64, String>,
    valid: Vec<Valid>,
    invalid: Vec<Invalid>,
}

#[derive(Deserialize)]
struct Valid {
    kid: u64,
    offer: u64,
    promoter: u64,
    expires: u64,
    expired: bool,
    token: String,
}

#[derive(Deserialize)]
struct Invalid {
    token: String,
    why: String,
}

fn load() -> (Vectors, Keyset) {
    let vectors: Vectors = serde_json::from_str(VECTORS).expect("vector file parses");
    let mut keyset = Keyset::new();
    for (kid, secret) in &vectors.keys {
        let secret = base64::engine::general_purpose::STANDARD
            .decode(secret)
            .expect("vector key is base64");
        keyset
            .insert(*kid, &secret)
            .expect("vector key is 32 bytes");
    }
    (vectors, keyset)
}

#[test]
fn valid_tokens_verify_and_re_sign_identically() {
    let (vectors, keyset) = load();
    assert!(!vectors.valid.is_empty());
    for v in &vectors.valid {
        let link = Link {
            kid: v.kid,
            offer_id: v.offer,
            promoter_id: v.promoter,
            expires_at: v.expires,
        };
        let expected = if v.expired {
            Err(LinkError::Expired(link))
        } else {
            Ok(link)
        };
        assert_eq!(
            keyset.verify(&v.token, vectors.now),
            expected,
            "{}",
            v.token
        );
        assert_eq!(
            keyset.sign(&link).as_deref(),
            Ok(v.token.as_str()),
            "re-signing {link:?}"
        );
        // Expiry aside, the token is valid for ever before its expiry.
        assert_eq!(keyset.verify(&v.token, 0), Ok(link));
    }
}

#[test]
fn invalid_tokens_are_refused_for_their_reason() {
    let (vectors, keyset) = load();
    assert!(!vectors.invalid.is_empty());
    for v in &vectors.invalid {
        let got = keyset.verify(&v.token, vectors.now);
        let expected = match v.why.as_str() {
            "tag bit flipped" | "body bit flipped" => Some(LinkError::BadTag),
            "unknown kid 3" => Some(LinkError::UnknownKid(3)),
            "unknown version 2" => Some(LinkError::Version(2)),
            "non-minimal varint" => Some(LinkError::Varint {
                field: Field::OfferId,
                error: VarintError::NonMinimal,
            }),
            "varint runs into the tag" => Some(LinkError::Varint {
                field: Field::PromoterId,
                error: VarintError::Truncated,
            }),
            "trailing byte after expires" => Some(LinkError::TrailingBytes(1)),
            "padding is not allowed" => Some(LinkError::Encoding),
            "empty" => Some(LinkError::Empty),
            "longer than 64 characters" => Some(LinkError::TooLong),
            // Any refusal will do for reasons this test does not know yet.
            _ => None,
        };
        match expected {
            Some(expected) => assert_eq!(got, Err(expected), "{:?}: {}", v.why, v.token),
            None => assert!(got.is_err(), "{:?} should be refused: {}", v.why, v.token),
        }
    }
}

#[test]
fn revoking_a_vector_kid_refuses_its_tokens() {
    let (vectors, mut keyset) = load();
    keyset.revoke(7);
    for v in vectors.valid.iter().filter(|v| v.kid == 7) {
        assert_eq!(
            keyset.verify(&v.token, vectors.now),
            Err(LinkError::RevokedKid(7))
        );
    }
    for v in vectors.valid.iter().filter(|v| v.kid == 1 && !v.expired) {
        assert!(keyset.verify(&v.token, vectors.now).is_ok());
    }
}

/// The copy must match the design's vectors when they are reachable (next to a checkout,
/// as on the machines this project is developed on, or named by `AFFTOK_VECTORS_DIR`).
#[test]
fn upstream_copy_is_unchanged() {
    let dir = std::env::var("AFFTOK_VECTORS_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors").to_owned()
    });
    match std::fs::read_to_string(format!("{dir}/link-v1.json")) {
        Ok(upstream) => assert_eq!(upstream, VECTORS, "shared/vectors/link-v1.json is stale"),
        Err(_) => eprintln!("no upstream vectors at {dir}; checked the copy only"),
    }
}
