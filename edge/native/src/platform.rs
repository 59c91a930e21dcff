//! The core's [`Platform`] on a server: Redis for KV and events, the process clock and RNG,
//! and the visitor's address from the connection or a trusted proxy's headers.

use std::net::{IpAddr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use afftok_edge_core::{EdgeCache, Platform, PlatformError};
use afftok_shared::{Country, Event};
use hyper::header::{HeaderMap, HeaderName};
use rand::RngCore as _;

use crate::events::EventSink;
use crate::kv::RedisKv;

/// What every request shares: built once at start.
#[derive(Debug)]
pub struct Shared {
    /// Parsed KV entries.
    pub cache: EdgeCache,
    /// KV reads.
    pub kv: RedisKv,
    /// Event emission.
    pub events: EventSink,
    /// The `edge` field of events.
    pub edge_name: String,
    /// Header with the visitor's country, if a trusted proxy sets one.
    pub country_header: Option<HeaderName>,
    /// Header with the visitor's IP, if a trusted proxy sets one.
    pub client_ip_header: Option<HeaderName>,
    /// What `GET /metrics` reports.
    pub metrics: crate::metrics::EdgeMetrics,
}

impl Shared {
    /// The platform for one request from `peer` with `headers`.
    pub fn for_request(&self, headers: &HeaderMap, peer: SocketAddr) -> RequestPlatform<'_> {
        let header = |name: &Option<HeaderName>| {
            name.as_ref()
                .and_then(|n| headers.get(n))
                .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        };
        RequestPlatform {
            shared: self,
            ip: header(&self.client_ip_header)
                .and_then(ip_from_header)
                .unwrap_or_else(|| peer.ip().to_canonical()),
            country: header(&self.country_header).and_then(Country::from_header),
            now_millis: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        }
    }
}

/// Reads a client-IP header: a single address, or a list (as in `X-Forwarded-For`) whose
/// last entry is the one the nearest, trusted proxy added. `1.2.3.4:5678` and
/// `[2001:db8::1]:443` forms are accepted too.
fn ip_from_header(value: &str) -> Option<IpAddr> {
    let last = value.rsplit(',').map(str::trim).find(|s| !s.is_empty())?;
    last.parse::<IpAddr>()
        .or_else(|_| last.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The platform of one request.
#[derive(Debug)]
pub struct RequestPlatform<'a> {
    shared: &'a Shared,
    ip: IpAddr,
    country: Option<Country>,
    /// The request's time, read once: a redirect takes microseconds, and the core asks for
    /// the time several times (cache freshness, the click id, the event).
    now_millis: u64,
}

impl Platform for RequestPlatform<'_> {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        self.shared.kv.get(key).await
    }

    fn cache(&self) -> &EdgeCache {
        &self.shared.cache
    }

    fn now_millis(&self) -> u64 {
        self.now_millis
    }

    fn fill_random(&self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }

    fn visitor_ip(&self) -> Option<IpAddr> {
        Some(self.ip)
    }

    fn visitor_country(&self) -> Option<Country> {
        self.country
    }

    fn edge_name(&self) -> &str {
        &self.shared.edge_name
    }

    fn emit(&self, event: Event) {
        self.shared.events.emit(event);
    }

    async fn emit_durable(&self, event: Event) -> Result<(), PlatformError> {
        self.shared.events.emit_durable(&event).await
    }

    fn warn(&self, message: &str) {
        tracing::warn!("{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_headers() {
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(ip_from_header("203.0.113.9"), ip("203.0.113.9"));
        assert_eq!(
            ip_from_header(" 10.0.0.1 , 203.0.113.9 "),
            ip("203.0.113.9")
        );
        assert_eq!(ip_from_header("203.0.113.9,"), ip("203.0.113.9"));
        assert_eq!(ip_from_header("203.0.113.9:4711"), ip("203.0.113.9"));
        assert_eq!(ip_from_header("[2001:db8::1]:443"), ip("2001:db8::1"));
        assert_eq!(ip_from_header("::ffff:203.0.113.9"), ip("203.0.113.9"));
        assert_eq!(ip_from_header("unknown"), None);
        assert_eq!(ip_from_header(""), None);
    }
}
