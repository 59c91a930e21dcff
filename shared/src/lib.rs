//! The contracts between AffTok's edge and its control plane (DESIGN §3–6).
//!
//! # Layout
//! Pure Rust, no I/O: everything here builds for native targets, `wasm32-unknown-unknown`
//! (Cloudflare Workers) and `wasm32-wasip2` (Spin).

/// Serde as text for the value types here: serialized with `Display`, read back with the
/// type's own `parse`, so the wire form is validated exactly like any other input.
macro_rules! serde_as_text {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text =
                    <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                <$ty>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_as_text;

/// Event batches sent over HTTP and their `Afftok-Signature`.
pub mod batch;
/// Visitor countries.
pub mod country;
/// Click and conversion events.
pub mod event;
/// The edge KV entries: link keys, offer routes, postback keys.
pub mod kv;
/// Tracking link tokens v1: signing and verification.
pub mod link;
/// Exact amounts and ISO 4217 currencies.
pub mod money;
/// Postback parameters: aliases, precedence and validation.
pub mod postback;
/// Timestamps in events.
pub mod timestamp;
/// Strict LEB128 varints, as link tokens use them.
pub mod varint;
/// The link token test vectors, for tests elsewhere.
#[cfg(feature = "test-vectors")]
pub mod vectors;

pub use country::Country;
pub use event::{ClickEvent, ConversionEvent, ConversionSource, Event, Subs, Verdict};
pub use link::{Keyset, Link, LinkError};
pub use money::{Amount, Currency};
pub use timestamp::Timestamp;
