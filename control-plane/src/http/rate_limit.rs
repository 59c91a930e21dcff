//! Rate limits in Redis with GCRA (generic cell rate algorithm): one key per subject holding
//! the "theoretical arrival time"; each request moves it by one emission interval, and a
//! request is refused while it is more than the burst ahead of now. Redis's clock is used,
//! so several control-plane instances share one limit.
//!
//! Subjects: login, register, refresh and password changes per client IP; other API requests per API key, per
//! signed-in user, or per client IP when they carry no usable credential. Every limited
//! answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a refusal is
//! 429 with `Retry-After`. If Redis is unreachable requests are let through (and logged):
//! the API stays up when the limiter is down.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use redis::aio::ConnectionManager;

use crate::accounts::api_key;
use crate::app::startup::AppState;
use crate::http::extract::presented_credential;
use crate::kernel::error::ApiError;

const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, allow_at - now, 0, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
local remaining = math.floor((now - allow_at) / interval)
return {1, 0, remaining, new_tat - now}
";

/// Checks and records requests against limits.
#[derive(Clone)]
pub struct RateLimiter {
    redis: ConnectionManager,
    script: Arc<redis::Script>,
    prefix: String,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The limit per minute.
    pub limit: u32,
    /// Requests left in the current burst.
    pub remaining: u64,
    /// Milliseconds until a refused request would be allowed.
    pub retry_after_ms: u64,
    /// Milliseconds until the burst is fully available again.
    pub reset_ms: u64,
}

impl RateLimiter {
    /// A limiter on `redis` whose keys start with `prefix`.
    pub fn new(redis: ConnectionManager, prefix: &str) -> Self {
        Self {
            redis,
            script: Arc::new(redis::Script::new(GCRA)),
            prefix: format!("{prefix}ratelimit:"),
        }
    }

    /// Counts one request of `subject` against `per_minute` (bursts up to `per_minute`).
    pub async fn check(
        &self,
        subject: &str,
        per_minute: u32,
    ) -> Result<Decision, redis::RedisError> {
        let interval_ms = (60_000 / u64::from(per_minute.max(1))).max(1);
        let mut conn = self.redis.clone();
        let (allowed, retry, remaining, reset): (i64, i64, i64, i64) = self
            .script
            .key(format!("{}{subject}", self.prefix))
            .arg(interval_ms)
            .arg(per_minute)
            .invoke_async(&mut conn)
            .await?;
        let ms = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Decision {
            allowed: allowed == 1,
            limit: per_minute,
            remaining: ms(remaining),
            retry_after_ms: ms(retry),
            reset_ms: ms(reset),
        })
    }
}

/// The caller's IP: the configured trusted header, else the peer.
pub fn client_ip(
    headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    state: &AppState,
) -> Option<IpAddr> {
    if let Some(header) = &state.settings.client_ip_header
        && let Some(ip) = headers
            .get(header.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').map(str::trim).find(|s| !s.is_empty()))
            .and_then(|v| v.parse::<IpAddr>().ok())
    {
        return Some(ip.to_canonical());
    }
    peer.map(|addr| addr.ip().to_canonical())
}

/// The caller's IP of a request's parts: the configured trusted header, else the peer.
pub fn client_ip_of(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    client_ip(&parts.headers, peer(parts), state)
}

fn peer(parts: &Parts) -> Option<SocketAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}

async fn apply(
    state: &AppState,
    subject: String,
    per_minute: u32,
    req: Request,
    next: Next,
) -> Response {
    let decision = match state
        .redis_guard
        .call(state.limiter.check(&subject, per_minute))
        .await
    {
        Ok(decision) => decision,
        // Logged once a pause, not once a request.
        Err(crate::app::redis_guard::Unavailable::Recently) => return next.run(req).await,
        Err(e) => {
            tracing::warn!(error = %e, "rate limiter unavailable; letting requests through");
            return next.run(req).await;
        }
    };
    let mut response = if decision.allowed {
        next.run(req).await
    } else {
        ApiError::RateLimited {
            retry_after_secs: decision.retry_after_ms.div_ceil(1000).max(1),
        }
        .into_response()
    };
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(decision.remaining));
    headers.insert(
        "ratelimit-reset",
        HeaderValue::from(decision.reset_ms.div_ceil(1000)),
    );
    response
}

/// Login, register, refresh and password changes: per client IP.
pub async fn limit_auth(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let ip = client_ip(&parts.headers, peer(&parts), &state)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let req = Request::from_parts(parts, body);
    let per_minute = state.settings.rate_limits.auth_per_minute;
    apply(&state, format!("auth:{ip}"), per_minute, req, next).await
}

/// Every other API request: per API key, per user, or per IP.
pub async fn limit_api(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let limits = state.settings.rate_limits;
    let (subject, per_minute) = match presented_credential(&parts) {
        // The whole key, hashed: knowing a key's public prefix does not let anyone spend
        // its budget.
        Some(key) if api_key::prefix_of(key).is_some() => (
            format!("key:{}", hex::encode(&api_key::hash(key)[..16])),
            limits.api_key_per_minute,
        ),
        Some(token) => match state.jwt.verify(token) {
            Some(claims) => (format!("user:{}", claims.sub), limits.user_per_minute),
            None => (ip_subject(&parts, &state), limits.user_per_minute),
        },
        None => (ip_subject(&parts, &state), limits.user_per_minute),
    };
    let req = Request::from_parts(parts, body);
    apply(&state, subject, per_minute, req, next).await
}

fn ip_subject(parts: &Parts, state: &AppState) -> String {
    let ip = client_ip(&parts.headers, peer(parts), state)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    format!("ip:{ip}")
}
