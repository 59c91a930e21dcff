//! The HTTP server: every request goes to the core; the server only translates.

use std::borrow::Cow;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use afftok_edge_core::{EdgeCache, MAX_BODY_BYTES, Method, Request, Response};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, REFERER, USER_AGENT};
use axum::http::{HeaderMap, HeaderName};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::net::TcpListener;

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
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redis(e) => write!(f, "cannot reach Redis (REDIS_URL): {e}"),
            Self::Bind(e) => write!(f, "cannot listen on AFFTOK_EDGE_LISTEN: {e}"),
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
        let conn = ConnectionManager::new_with_config(client, redis_config)
            .await
            .map_err(StartError::Redis)?;
        let (events, pump) = events::start(
            conn.clone(),
            config.event_stream.clone(),
            config.event_buffer,
        );
        let shared = Arc::new(Shared {
            cache: EdgeCache::new(config.kv_cache_ttl),
            kv: RedisKv::new(conn, config.kv_prefix.clone()),
            events,
            edge_name: config.edge_name.clone(),
            country_header: config.country_header.clone(),
            client_ip_header: config.client_ip_header.clone(),
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
        let app = axum::Router::new().fallback(serve).with_state(self.shared);
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        // The router, and with it the last event sink, is gone: the queue drains.
        let unsent = self.pump.finish(SHUTDOWN_GRACE).await;
        if unsent > 0 {
            tracing::error!(unsent, "shutting down with events not written to Redis");
        } else {
            tracing::info!("all events written; stopped");
        }
        Ok(())
    }
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let method = Method::from_name(parts.method.as_str());
    let body = if method == Method::Post {
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return into_axum(Response::body_too_large());
        }
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => return into_axum(Response::body_too_large()),
        }
    } else {
        Default::default()
    };
    let req = Request {
        method,
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        user_agent: header(&parts.headers, &USER_AGENT),
        referer: header(&parts.headers, &REFERER),
        content_type: header(&parts.headers, &CONTENT_TYPE),
        body: &body,
    };
    let platform = shared.for_request(&parts.headers, peer);
    into_axum(afftok_edge_core::handle(&req, &platform).await)
}

fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

fn into_axum(resp: Response) -> axum::response::Response {
    let mut builder = axum::http::Response::builder().status(resp.status);
    for (name, value) in resp.headers() {
        builder = builder.header(name, value.as_ref());
    }
    let body = match resp.body {
        Cow::Borrowed(text) => Body::from(text),
        Cow::Owned(text) => Body::from(text),
    };
    builder.body(body).unwrap_or_else(|e| {
        // The core only produces printable ASCII headers; this is a bug, not bad input.
        tracing::error!(error = %e, "response could not be built");
        let mut fallback = axum::response::Response::new(Body::from("internal error\n"));
        *fallback.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
