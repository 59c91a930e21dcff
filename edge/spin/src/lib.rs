//! The AffTok edge as a Spin component (wasm32-wasip2, `wasi:http` 0.3): `afftok-edge-core`
//! with Spin's key-value store for the edge KV and an outbound Redis connection for events.
//!
//! # Layout
//! - [`handle`]: the HTTP entry point; translates the request, runs the core, translates back.
//! - [`platform::SpinPlatform`]: the core's platform (KV, `XADD`, clock, randomness,
//!   visitor address).
//!
//! Spin variables (spin.toml): `redis_address` (where events go), `event_stream` (default
//! `afftok:events`), `kv_prefix` (default `afftok:kv:`, so the store reads the same keys
//! `afftok edge push --target redis` writes for the native edge), `country_header`
//! (optional: a header a trusted proxy sets to the visitor's country), `edge_name` (default
//! `spin`).
//!
//! Spin runs a new component instance per request, so the core's KV cache lives for one
//! request only: every click reads `keys` and its `offer:{id}` from the store.

use afftok_edge_core::{MAX_BODY_BYTES, Method, Request, Response};
use bytes::Bytes;
use spin_sdk::http::body::IncomingBodyExt as _;
use spin_sdk::http::{FullBody, IntoResponse};
use spin_sdk::http_service;

/// The core's platform on Spin.
pub mod platform;

/// Answers one request.
#[http_service]
async fn handle(req: spin_sdk::http::Request) -> impl IntoResponse {
    let (parts, body) = req.into_parts();
    let method = Method::from_name(parts.method.as_str());
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    };
    // An oversized body is not read; the core answers 413 once the postback key is checked.
    let (body, body_too_large) = if method == Method::Post {
        let declared = header("content-length").and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            (Bytes::new(), true)
        } else {
            match body.bytes().await {
                Ok(bytes) => (bytes, false),
                Err(_) => (Bytes::new(), true),
            }
        }
    } else {
        (Bytes::new(), false)
    };
    let platform = platform::SpinPlatform::new(header("spin-client-addr"), |name| {
        header(name).map(str::to_owned)
    })
    .await;
    let path = parts.uri.path();
    let core_req = Request {
        method,
        path,
        query: parts.uri.query().unwrap_or(""),
        user_agent: header("user-agent"),
        referer: header("referer"),
        content_type: header("content-type"),
        origin: path
            .starts_with("/postback/")
            .then(|| header("origin"))
            .flatten(),
        body: &body,
        body_too_large,
    };
    into_http(afftok_edge_core::handle(&core_req, &platform).await)
}

fn into_http(resp: Response) -> http::Response<FullBody<Bytes>> {
    let mut builder = http::Response::builder().status(resp.status);
    for (name, value) in resp.headers() {
        builder = builder.header(name, value.as_ref());
    }
    let body = FullBody::new(Bytes::from(resp.body.into_owned()));
    builder.body(body).unwrap_or_else(|_| {
        // The core only produces printable ASCII headers; this cannot happen.
        let mut fallback =
            http::Response::new(FullBody::new(Bytes::from_static(b"internal error\n")));
        *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
