//! The contracts between AffTok's edge and its control plane (DESIGN §3–6).
//!
//! # Layout
//! Pure Rust, no I/O: everything here builds for native targets, `wasm32-unknown-unknown`
//! (Cloudflare Workers) and `wasm32-wasip2` (Spin).

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

pub use country::Country;
pub use event::{ClickEvent, ConversionEvent, Event, Subs, Verdict};
pub use link::{Keyset, Link, LinkError};
pub use money::{Amount, Currency};
pub use timestamp::Timestamp;
