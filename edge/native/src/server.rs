//! The HTTP server: every request goes to the core; the server only translates.
//!
//! It is hyper's HTTP/1.1 connection driver with one service function, without a router or
//! extractors: the edge has three paths, all routed by the core, and on one core the
//! framework layers cost a noticeable share of a redirect (scripts/bench-edge).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use afftok_edge_core::{Cors, EdgeCache, MAX_BODY_BYTES, Method, Request, Response};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue,
    LOCATION, ORIGIN, REFERER, RETRY_AFTER, USER_AGENT,
};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::net::{TcpListener, TcpStream};

use crate::config::Config;
use crate::events::{self, EventPump};
use crate::kv::RedisKv;
use crate::platform::Shared;

/// How long shutdown waits for queued events to reach Redis.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why the edge could not start.
#[derive(Debug)]
pub enum StartError {
    /// Redis could not be reached.
    Redis(redis::RedisError),
    /// The listen address could not be bound.
    Bind(io::Error),
    /// The event spool could not be opened.
    Spool(crate::spool::SpoolError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redis(e) => write!(f, "cannot reach Redis (REDIS_URL): {e}"),
            Self::Bind(e) => write!(f, "cannot listen on AFFTOK_EDGE_LISTEN: {e}"),
            Self::Spool(e) => write!(f, "cannot use AFFTOK_EVENT_SPOOL: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A started edge: connected to Redis, bound, not yet serving.
#[derive(Debug)]
pub struct Edge {
    shared: Arc<Shared>,
    pump: EventPump,
    listener: TcpListener,
}

impl Edge {
    /// Connects to Redis and binds the listener.
    pub async fn build(config: &Config) -> Result<Self, StartError> {
        let client = redis::Client::open(config.redis_url.as_str()).map_err(StartError::Redis)?;
        let redis_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(3);
        let conn = ConnectionManager::new_with_config(client.clone(), redis_config)
            .await
            .map_err(StartError::Redis)?;
        let spool = match &config.event_spool {
            Some(dir) => {
                let spool = crate::spool::Spool::open(dir, config.event_spool_max_bytes)
                    .await
                    .map_err(StartError::Spool)?;
                if spool.is_pending() {
                    tracing::info!(
                        bytes = spool.pending_bytes(),
                        "events spooled by an earlier run will be replayed"
                    );
                }
                Some(spool)
            }
            None => None,
        };
        let (events, pump) = events::start(
            conn.clone(),
            client.get_connection_info().clone(),
            config.event_stream.clone(),
            config.event_buffer,
            spool,
        );
        let shared = Arc::new(Shared {
            cache: EdgeCache::new(config.kv_cache_ttl),
            kv: RedisKv::new(conn, config.kv_prefix.clone(), config.kv_read_timeout),
            events,
            edge_name: config.edge_name.clone(),
            country_header: config.country_header.clone(),
            client_ip_header: config.client_ip_header.clone(),
            metrics: crate::metrics::EdgeMetrics::default(),
        });
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(StartError::Bind)?;
        Ok(Self {
            shared,
            pump,
            listener,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, lets open requests finish, then flushes queued
    /// events to Redis (for at most [`SHUTDOWN_GRACE`]).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let Self {
            shared,
            pump,
            listener,
        } = self;
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => serve_connection(stream, peer, &shared, &graceful),
                    Err(e) => accept_failed(e).await,
                },
                () = &mut shutdown => break,
            }
        }
        // No new connections; open ones finish their request in flight, idle ones close.
        drop(listener);
        graceful.shutdown().await;
        // The connections, and with them every other event sink, are gone: the queue
        // drains once this last one goes.
        drop(shared);
        let unsent = pump.finish(SHUTDOWN_GRACE).await;
        if unsent > 0 {
            tracing::error!(unsent, "shutting down with events not written to Redis");
        } else {
            tracing::info!("all events written; stopped");
        }
        Ok(())
    }
}

fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    graceful: &GracefulShutdown,
) {
    // Answers are one small write each: sending them at once beats waiting for an ACK.
    let _ = stream.set_nodelay(true);
    let shared = shared.clone();
    let service = service_fn(move |request| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(serve(&shared, peer, request).await) }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, %peer, "connection ended with an error");
        }
    });
}

/// Accepting fails for a connection reset before it was accepted (nothing to do) or for a
/// lack of resources such as file descriptors (wait, so that connections close).
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn serve(
    shared: &Shared,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let began = std::time::Instant::now();
    let (parts, body) = request.into_parts();
    if parts.uri.path() == "/metrics" && parts.method == hyper::Method::GET {
        return metrics(shared);
    }
    let method = Method::from_name(parts.method.as_str());
    // An oversized body is not read; the core answers 413 once the postback key is checked.
    let (body, body_too_large) = if method == Method::Post {
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            (Bytes::new(), true)
        } else {
            match Limited::new(body, MAX_BODY_BYTES).collect().await {
                Ok(collected) => (collected.to_bytes(), false),
                Err(_) => (Bytes::new(), true),
            }
        }
    } else {
        (Bytes::new(), false)
    };
    let path = parts.uri.path();
    let req = Request {
        method,
        path,
        query: parts.uri.query().unwrap_or(""),
        user_agent: header(&parts.headers, &USER_AGENT),
        referer: header(&parts.headers, &REFERER),
        content_type: header(&parts.headers, &CONTENT_TYPE),
        // Only postbacks look at it: a click skips the lookup.
        origin: path
            .starts_with("/postback/")
            .then(|| header(&parts.headers, &ORIGIN))
            .flatten(),
        body: &body,
        body_too_large,
    };
    let platform = shared.for_request(&parts.headers, peer);
    let resp = afftok_edge_core::handle(&req, &platform).await;
    shared.metrics.observe(resp.status, began.elapsed());
    into_hyper(resp)
}

/// `GET /metrics`: the edge's counters in Prometheus' text format.
fn metrics(shared: &Shared) -> hyper::Response<Full<Bytes>> {
    let text = shared.metrics.render(crate::metrics::Gauges {
        events_unsent: shared.events.unsent(),
        events_dropped: shared.events.dropped(),
        breaker_open: shared.kv.breaker_open(),
    });
    let mut out = hyper::Response::new(Full::new(Bytes::from(text)));
    out.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    out
}

fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

/// The core's answer as hyper's. The header names and the fixed values of every click's
/// answer are constants, so only a redirect's `Location` is copied (and checked); the CORS
/// headers of a postback from a web page are copied too, rarely.
fn into_hyper(resp: Response) -> hyper::Response<Full<Bytes>> {
    let body = match resp.body {
        std::borrow::Cow::Borrowed(text) => Bytes::from_static(text.as_bytes()),
        std::borrow::Cow::Owned(text) => Bytes::from(text),
    };
    let mut out = hyper::Response::new(Full::new(body));
    *out.status_mut() = hyper::StatusCode::from_u16(resp.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    if !resp.content_type.is_empty() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(resp.content_type));
    }
    if let Some(location) = resp.location {
        match HeaderValue::from_maybe_shared(Bytes::from(location)) {
            Ok(value) => {
                headers.insert(LOCATION, value);
            }
            Err(e) => {
                // The core only produces printable ASCII locations; this is a bug, not bad
                // input.
                tracing::error!(error = %e, "redirect location is not a header value");
                return internal_error();
            }
        }
    }
    if resp.no_store {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(allow) = resp.allow {
        headers.insert(ALLOW, HeaderValue::from_static(allow));
    }
    if let Some(seconds) = resp.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    for (name, value) in resp.cors.iter().flat_map(Cors::headers) {
        // Fixed names and values, and an origin that matched one of the key's (visible
        // ASCII): this cannot fail unless the core has a bug.
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            tracing::error!(header = name, "CORS header is not a valid header");
            return internal_error();
        };
        headers.insert(name, value);
    }
    out
}

/// 500, for a bug (an answer the core should never produce), not for bad input.
fn internal_error() -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(Bytes::from_static(b"internal error\n")));
    *out.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
    out
}
