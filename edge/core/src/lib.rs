//! The AffTok edge, independent of any platform: `handle(request, &impl Platform)`.
//!
//! # Layout
//! - [`handle`] routes a request: `/c/{token}` (redirect), `/postback/{key}` (conversions,
//!   from servers with a secret key or from allowed web pages, with CORS, with a publishable
//!   one), `/healthz`.
//! - [`Platform`] is everything the core needs from where it runs: KV reads, the clock,
//!   randomness, the visitor's IP and country, and event emission. Adapters (Cloudflare,
//!   Spin, native) implement it and nothing else.
//! - [`EdgeCache`] keeps parsed KV entries between requests (TTL and failure behaviour are
//!   documented there).
//!
//! No tokio, no worker, no spin here: the crate builds for `wasm32-unknown-unknown`,
//! `wasm32-wasip2` and native targets, and is tested natively with a fake platform.

/// Bot and link-preview detection.
pub mod bot;
/// The cache of parsed KV entries.
pub mod cache;
/// The redirect.
mod click;
/// Events as JSON, fast.
pub mod event_json;
/// Requests and responses.
pub mod http;
/// Destination URL macros.
mod macros;
/// The platform interface.
pub mod platform;
/// Postbacks.
mod postback;
/// KV entries through the cache.
mod routes;

pub use cache::EdgeCache;
pub use http::{Cors, MAX_BODY_BYTES, Method, Request, Response};
pub use platform::{Platform, PlatformError};

/// Answers one request.
pub async fn handle<P: Platform>(req: &Request<'_>, platform: &P) -> Response {
    if let Some(token) = req.path.strip_prefix("/c/") {
        return match req.method {
            Method::Get | Method::Head => click::handle(req, token, platform).await,
            _ => Response::method_not_allowed("GET, HEAD"),
        };
    }
    if let Some(key) = req.path.strip_prefix("/postback/") {
        return match req.method {
            Method::Get | Method::Post | Method::Options => {
                postback::handle(req, key, platform).await
            }
            _ => Response::method_not_allowed("GET, POST, OPTIONS"),
        };
    }
    match (req.path, req.method) {
        ("/healthz", Method::Get | Method::Head) => Response::healthy(),
        ("/healthz", _) => Response::method_not_allowed("GET, HEAD"),
        _ => Response::no_such_path(),
    }
}
