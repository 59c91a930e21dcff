//! What the core needs from the platform it runs on. Each adapter (Cloudflare, Spin, native)
//! implements this and nothing else.

use std::fmt;
use std::net::IpAddr;

use afftok_shared::{Country, Event};

use crate::cache::EdgeCache;

/// A platform operation failed (the KV store or the event transport is unreachable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformError(pub String);

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlatformError {}

/// The services one request is handled with.
///
/// An adapter builds one per request (it carries the visitor's address and country) around
/// state that lives as long as the process or isolate (the KV client, the [`EdgeCache`]).
/// The core is single-request and never spawns, so it makes no `Send` demands; an adapter on
/// a multi-threaded runtime gets `Send` futures as long as its own methods are.
#[allow(async_fn_in_trait)]
pub trait Platform {
    /// Reads an edge KV entry by its DESIGN §5 key (`keys`, `offer:42`, `pbk:…`), without
    /// any platform prefix. `Ok(None)` when the key does not exist.
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError>;

    /// The process-wide cache of parsed KV entries.
    fn cache(&self) -> &EdgeCache;

    /// Wall-clock time, unix milliseconds.
    fn now_millis(&self) -> u64;

    /// Fills `buf` with unpredictable bytes (click ids must not be guessable).
    fn fill_random(&self, buf: &mut [u8]);

    /// The visitor's IP address, when known.
    fn visitor_ip(&self) -> Option<IpAddr>;

    /// The visitor's country, when known.
    fn visitor_country(&self) -> Option<Country>;

    /// This edge's name in events: `cloudflare`, `spin` or `native`, optionally `:location`.
    fn edge_name(&self) -> &str;

    /// Sends a click event without delaying the response (queued, or sent after it).
    fn emit(&self, event: Event);

    /// Sends a conversion event and waits until the transport has it, so a postback is only
    /// answered `accepted` once its conversion cannot be lost.
    async fn emit_durable(&self, event: Event) -> Result<(), PlatformError>;

    /// Reports a problem an operator must fix (a malformed KV entry, an unreachable store).
    fn warn(&self, message: &str);
}
