//! The link token test vectors (`shared/vectors/link-v1.json`, a copy of the design's), for
//! other crates' tests. Only built with the `test-vectors` feature.

use base64::Engine as _;
use serde::Deserialize;

use crate::link::Keyset;

/// The vector file's text.
pub const LINK_V1: &str = include_str!("../vectors/link-v1.json");

#[derive(Deserialize)]
struct Keys {
    keys: std::collections::BTreeMap<u64, String>,
}

/// The vector keys as `(kid, secret)`.
pub fn link_keys() -> Vec<(u64, Vec<u8>)> {
    let file: Keys = serde_json::from_str(LINK_V1).unwrap_or_else(|e| panic!("vector file: {e}"));
    file.keys
        .into_iter()
        .map(|(kid, secret)| {
            let secret = base64::engine::general_purpose::STANDARD
                .decode(secret)
                .unwrap_or_else(|e| panic!("vector key {kid}: {e}"));
            (kid, secret)
        })
        .collect()
}

/// A keyset holding every vector key.
pub fn link_keyset() -> Keyset {
    let mut keyset = Keyset::new();
    for (kid, secret) in link_keys() {
        keyset
            .insert(kid, &secret)
            .unwrap_or_else(|e| panic!("vector key {kid}: {e}"));
    }
    keyset
}

/// A token for the given fields signed with vector key `kid` (1 or 7).
pub fn link_token(kid: u64, offer_id: u64, promoter_id: u64, expires_at: u64) -> String {
    link_keyset()
        .sign(&crate::Link {
            kid,
            offer_id,
            promoter_id,
            expires_at,
        })
        .unwrap_or_else(|e| panic!("signing with vector key {kid}: {e}"))
}
