//! `Idempotency-Key` for any POST route: a retry with the same key and the same request gets
//! the first answer again, marked `Idempotent-Replayed: true`, instead of making the change
//! twice.
//!
//! A route takes [`Idempotent<T>`] where it took its body extractor `T`, documents the header
//! with `params(IdempotencyKeyHeader)`, and brackets its change in its own transaction:
//!
//! ```rust,ignore
//! let mut tx = state.db.begin().await?;
//! let pending = match idempotency.claim(&mut tx).await? {
//!     Claim::Replay(answer) => return Ok(answer),
//!     Claim::Fresh(pending) => pending,
//! };
//! // ... the change, in `tx` ...
//! pending.store(&mut tx, StatusCode::CREATED, &answer).await?;
//! tx.commit().await?;
//! ```
//!
//! Why this is enough:
//! - The answer is stored in the transaction of the change, so both commit or neither does: a
//!   crash before the commit leaves no change and no answer, and the retry makes the change.
//!   (A layer around the handler could only store the answer after the handler's own commit,
//!   and a crash in between would let the retry make the change twice.)
//! - [`Idempotency::claim`] takes a transaction-scoped advisory lock on (caller, route, key)
//!   before it looks the key up. A concurrent request with the same key waits there until the
//!   first one commits (then it reads and replays the stored answer: under READ COMMITTED, the
//!   default, the look-up's snapshot is taken after the lock) or rolls back (then it makes the
//!   change itself). The primary key (scope, route, key) backs the lock up: were two requests
//!   ever to get past it, the second one's insert would fail and its change roll back.
//! - Only 2xx answers are stored. A handler that fails returns its error and its transaction
//!   rolls back with nothing stored, so a corrected retry with the same key is made.
//! - A key belongs to its caller ([`scope_of`]: an advertiser's company, or else the user) and
//!   its route (method and path): the same key from another caller or on another route is
//!   another key.
//! - The request is identified by the SHA-256 of its query and body; the same key with another
//!   request answers 409 `idempotency_key_reused`.
//! - Keys are remembered for [`KEY_HOURS`] hours ([`expire_keys`], hourly).

use std::time::Duration;

use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::accounts::Principal;
use crate::app::jobs::Stop;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Body};
use crate::kernel::error::is_unique_violation;
use crate::kernel::{ApiError, Tenant, text};

/// How long a key is remembered.
pub const KEY_HOURS: i32 = 24;

/// The request header.
const HEADER: &str = "idempotency-key";

/// A body extractor `T` with the request's `Idempotency-Key`: `Idempotent(idempotency, T)`.
///
/// It authenticates the caller (like [`Auth`], whose result it shares) and reads the body
/// once to identify the request, then hands the same body to `T`. A malformed header is not
/// refused here but by [`Idempotency::claim`], so a route's own checks answer first.
#[derive(Debug)]
pub struct Idempotent<T>(pub Idempotency, pub T);

/// What a request says about its idempotency: its key, if any, and what it is scoped by.
#[derive(Debug)]
pub struct Idempotency {
    /// The header's key; `Ok(None)` without the header, the 422 to answer when it is malformed.
    key: Result<Option<String>, ApiError>,
    /// Whose key it is ([`scope_of`]).
    scope: String,
    /// Which route it is for: `POST /v1/conversions`.
    route: String,
    /// SHA-256 of the query and the body, to tell a retry from another request.
    request_hash: Vec<u8>,
}

/// The outcome of [`Idempotency::claim`].
#[derive(Debug)]
pub enum Claim {
    /// The key has an answer: send it (it carries `Idempotent-Replayed: true`).
    Replay(Response),
    /// Make the change, then [`Pending::store`] the answer in the same transaction.
    Fresh(Pending),
}

/// A claimed key (or no key) waiting for the answer to the change.
#[derive(Debug)]
#[must_use = "store the answer in the transaction of the change"]
pub struct Pending(Option<Claimed>);

#[derive(Debug)]
struct Claimed {
    scope: String,
    route: String,
    key: String,
    request_hash: Vec<u8>,
}

/// Whose keys a caller uses: an advertiser's users and API keys share their company's (as
/// they share its conversions); anyone else has their own.
pub fn scope_of(principal: &Principal) -> String {
    match principal.tenant() {
        Tenant::Advertiser(advertiser) => format!("advertiser:{advertiser}"),
        Tenant::Admin | Tenant::Promoter(_) => format!("user:{}", principal.user_id),
    }
}

fn parse_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()) && text::check(k, false).is_ok())
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| ApiError::field("Idempotency-Key", "must be 1 to 255 printable characters"))
}

fn request_hash(query: &str, body: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(query.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().to_vec()
}

impl<T> FromRequest<AppState> for Idempotent<T>
where
    T: FromRequest<AppState>,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Auth(principal) = Auth::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // The path as sent, also when the route is nested.
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(parts.uri.path(), |uri| uri.path());
        let route = format!("{} {path}", parts.method);
        let Body(bytes) = Body::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let idempotency = Idempotency {
            key: parse_key(&parts.headers),
            scope: scope_of(&principal),
            route,
            request_hash: request_hash(parts.uri.query().unwrap_or(""), &bytes),
        };
        let inner = T::from_request(
            Request::from_parts(parts, axum::body::Body::from(bytes)),
            state,
        )
        .await
        .map_err(IntoResponse::into_response)?;
        Ok(Idempotent(idempotency, inner))
    }
}

impl Idempotency {
    /// In the transaction that will make the change (READ COMMITTED): waits for any other
    /// request with the same key, then answers with the stored answer to replay, or lets the
    /// change go ahead. A malformed key answers 422, the key used with another request 409.
    pub async fn claim(self, conn: &mut PgConnection) -> Result<Claim, ApiError> {
        let Some(key) = self.key? else {
            return Ok(Claim::Fresh(Pending(None)));
        };
        // The two-key form: a key space of its own, apart from the other advisory locks. A
        // hash collision only makes two unrelated requests wait for each other.
        sqlx::query!(
            "SELECT pg_advisory_xact_lock(hashtext('afftok:idempotency'),
                                          hashtext($1 || E'\\n' || $2 || E'\\n' || $3))",
            self.scope,
            self.route,
            key,
        )
        .execute(&mut *conn)
        .await?;
        let prior = sqlx::query!(
            r#"SELECT request_hash, status, response AS "response: serde_json::Value"
             FROM idempotency_keys WHERE scope = $1 AND route = $2 AND key = $3"#,
            self.scope,
            self.route,
            key,
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(prior) = prior else {
            return Ok(Claim::Fresh(Pending(Some(Claimed {
                scope: self.scope,
                route: self.route,
                key,
                request_hash: self.request_hash,
            }))));
        };
        let (status, response) = (prior.status, prior.response);
        if prior.request_hash != self.request_hash {
            return Err(ApiError::conflict(
                "idempotency_key_reused",
                "this Idempotency-Key was used with another request",
            ));
        }
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .ok_or_else(|| ApiError::internal(format!("stored idempotent status {status}")))?;
        Ok(Claim::Replay(
            (
                status,
                [("idempotent-replayed", "true")],
                axum::Json(response),
            )
                .into_response(),
        ))
    }
}

impl Pending {
    /// Stores the answer to the change, in its transaction, for retries to get again. Only a
    /// 2xx answer is stored: a route that commits a change must answer 2xx.
    pub async fn store(
        self,
        conn: &mut PgConnection,
        status: StatusCode,
        answer: &impl Serialize,
    ) -> Result<(), ApiError> {
        let Some(claimed) = self.0 else {
            return Ok(());
        };
        if !status.is_success() {
            return Ok(());
        }
        let response = serde_json::to_value(answer).map_err(ApiError::internal)?;
        sqlx::query!(
            "INSERT INTO idempotency_keys (scope, route, key, request_hash, status, response)
             VALUES ($1, $2, $3, $4, $5, $6)",
            claimed.scope,
            claimed.route,
            claimed.key,
            claimed.request_hash,
            i32::from(status.as_u16()),
            // jsonb has no built-in mapping without sqlx's `json` feature: the type is given.
            response as serde_json::Value,
        )
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            // Only when the lock was bypassed (a transaction above READ COMMITTED).
            if is_unique_violation(&e, None) {
                ApiError::conflict(
                    "idempotency_key_in_use",
                    "a request with this Idempotency-Key was answered meanwhile; retry it",
                )
            } else {
                e.into()
            }
        })?;
        Ok(())
    }
}

/// The `Idempotency-Key` header in a route's OpenAPI description: `params(IdempotencyKeyHeader)`.
#[derive(Debug)]
pub struct IdempotencyKeyHeader;

impl IntoParams for IdempotencyKeyHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "1-255 printable characters. A retry with the same key and request within 24 h \
                     gets the first (2xx) answer again, with `Idempotent-Replayed: true`; the same \
                     key with another request answers 409 `idempotency_key_reused`. Keys are the \
                     caller's (an advertiser's company's) and the route's own.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255)),
                ))
                .build(),
        ]
    }
}

/// Forgets the keys older than [`KEY_HOURS`]; returns how many.
pub async fn expire(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
        KEY_HOURS,
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// The job: forgets old keys at start and then hourly.
pub async fn expire_keys(state: AppState, mut stop: Stop) {
    loop {
        match expire(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "old idempotency keys forgotten"),
            Err(e) => tracing::warn!(error = %e, "forgetting old idempotency keys failed"),
        }
        if stop.after(Duration::from_secs(3600)).await {
            return;
        }
    }
}
