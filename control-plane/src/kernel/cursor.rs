//! Opaque cursors for keyset pagination: the sort key and id of the last item returned, as
//! base64url JSON. Clients pass them back unchanged; a tampered cursor is a 400, never a 500.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// Encodes a position.
pub fn encode<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

/// Decodes a position; `None` for anything that is not one of ours.
pub fn decode<T: DeserializeOwned>(cursor: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A page size from a query value.
pub fn limit(requested: Option<u32>) -> Result<u32, &'static str> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err("must be 1 to 200"),
    }
}

/// A position in a list sorted by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfterId {
    /// The last id returned.
    pub id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let c = encode(&AfterId { id: 42 });
        assert_eq!(decode::<AfterId>(&c), Some(AfterId { id: 42 }));
        assert_eq!(decode::<AfterId>("!!"), None);
        assert_eq!(
            decode::<AfterId>(&URL_SAFE_NO_PAD.encode(b"{\"x\":1}")),
            None
        );
        assert_eq!(limit(None), Ok(50));
        assert!(limit(Some(0)).is_err() && limit(Some(201)).is_err());
    }
}
