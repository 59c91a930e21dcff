//! Properties of link tokens over the whole input space.

use afftok_shared::link::{self, Keyset, Link, LinkError, MAX_TOKEN_LEN, SignError};
use afftok_shared::varint;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;

fn keyset_with(kid: u64) -> Keyset {
    let mut keys = Keyset::new();
    keys.insert(kid, &[0x5a; 32]).expect("valid key");
    keys
}

fn any_link() -> impl Strategy<Value = Link> {
    (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
        |(kid, offer_id, promoter_id, expires_at)| Link {
            kid,
            offer_id,
            promoter_id,
            expires_at,
        },
    )
}

/// Links whose fields are small enough to always fit (what the control plane signs).
fn fitting_link() -> impl Strategy<Value = Link> {
    (0..=127u64, any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
        |(kid, offer_id, promoter_id, expires_at)| Link {
            kid,
            offer_id,
            promoter_id,
            expires_at,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn round_trip_over_the_u64_range(link in any_link()) {
        let keys = keyset_with(link.kid);
        let body_len = 1 + [link.kid, link.offer_id, link.promoter_id, link.expires_at]
            .iter()
            .map(|&v| varint::encoded_len(v))
            .sum::<usize>();
        match keys.sign(&link) {
            Ok(token) => {
                prop_assert!(token.len() <= MAX_TOKEN_LEN);
                // now = 0 is before any non-zero expiry.
                prop_assert_eq!(keys.verify(&token, 0), Ok(link));
                let at_expiry = keys.verify(&token, link.expires_at);
                if link.expires_at == 0 {
                    prop_assert_eq!(at_expiry, Ok(link));
                } else {
                    prop_assert_eq!(at_expiry, Err(LinkError::Expired(link)));
                }
            }
            Err(SignError::TooLong) => prop_assert!(body_len + 16 > 48),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn any_single_bit_flip_is_refused(link in fitting_link(), bit in any::<prop::sample::Index>()) {
        let keys = keyset_with(link.kid);
        let token = keys.sign(&link).expect("fits");
        let mut raw = URL_SAFE_NO_PAD.decode(&token).expect("own encoding");
        let bit = bit.index(raw.len() * 8);
        raw[bit / 8] ^= 1 << (bit % 8);
        let flipped = URL_SAFE_NO_PAD.encode(&raw);
        prop_assert!(keys.verify(&flipped, 0).is_err(), "bit {bit} of {token}");
    }

    #[test]
    fn any_changed_character_is_refused(
        link in fitting_link(),
        at in any::<prop::sample::Index>(),
        with in "[A-Za-z0-9_-]",
    ) {
        let keys = keyset_with(link.kid);
        let token = keys.sign(&link).expect("fits");
        let at = at.index(token.len());
        prop_assume!(token[at..at + 1] != with);
        let changed = format!("{}{with}{}", &token[..at], &token[at + 1..]);
        prop_assert!(keys.verify(&changed, 0).is_err(), "{changed} from {token}");
    }

    #[test]
    fn any_truncation_is_refused(link in fitting_link(), cut in any::<prop::sample::Index>()) {
        let keys = keyset_with(link.kid);
        let token = keys.sign(&link).expect("fits");
        let cut = cut.index(token.len());
        prop_assert!(keys.verify(&token[..cut], 0).is_err());
        // And the same on the decoded bytes.
        let raw = URL_SAFE_NO_PAD.decode(&token).expect("own encoding");
        let short = URL_SAFE_NO_PAD.encode(&raw[..cut.min(raw.len() - 1)]);
        prop_assert!(keys.verify(&short, 0).is_err());
    }

    #[test]
    fn arbitrary_text_never_panics_and_only_canonical_tokens_pass(text in ".{0,80}") {
        let keys = keyset_with(1);
        if let Ok(link) = keys.verify(&text, 0) {
            prop_assert_eq!(keys.sign(&link).expect("fits"), text.clone());
        }
        let _ = link::decode(&text);
    }

    #[test]
    fn arbitrary_bytes_with_a_valid_tag_decode_canonically(body in prop::collection::vec(any::<u8>(), 0..40)) {
        // Sign arbitrary bodies the way a forger with the key could: whatever verifies must
        // still be exactly what `sign` would produce for its fields.
        use hmac::{Hmac, Mac};
        let mut raw = vec![link::VERSION];
        raw.extend_from_slice(&body);
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&[0x5a; 32]).expect("any key length");
        mac.update(b"afftok-link-v1");
        mac.update(&raw);
        let tag = mac.finalize().into_bytes();
        raw.extend_from_slice(&tag[..16]);
        let token = URL_SAFE_NO_PAD.encode(&raw);
        let mut keys = Keyset::new();
        for kid in 0..=255 {
            keys.insert(kid, &[0x5a; 32]).expect("valid key");
        }
        if let Ok(link) = keys.verify(&token, 0) {
            prop_assert_eq!(keys.sign(&link).expect("fits"), token);
        }
    }
}
