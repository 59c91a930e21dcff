//! `POST /internal/v1/events`: signed event batches from the Cloudflare queue consumer
//! (DESIGN §6). The signature is checked over the raw body; a signature seen before (a
//! replay inside the 300 s window) is refused; each event then goes through `ingest`.

use afftok_shared::batch::{self, Batch, SignatureError};
use axum::extract::State;
use axum::http::HeaderMap;
use redis::AsyncCommands as _;
use secrecy::ExposeSecret;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::jwt::now_secs;
use crate::app::startup::AppState;
use crate::http::extract::Body;
use crate::kernel::error::ApiError;
use crate::tracking::ingest::{self, IngestError, Report};

/// Largest batch body accepted (a queue batch of 100 events is about 50 KiB).
pub(super) const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Raced => ApiError::conflict(
                "raced_delivery",
                "another delivery stored these clicks first",
            ),
            IngestError::Db(e) => e.into(),
        }
    }
}

/// Stores a signed batch of events.
#[utoipa::path(post, path = "/internal/v1/events", tag = "ingest",
    params(("Afftok-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"t.body\")>")),
    request_body(content = String, description = "{\"events\": [...]}", content_type = "application/json"),
    responses((status = 200, body = Report), (status = 401, description = "bad or stale signature"),
              (status = 409, description = "replayed"), (status = 400, description = "not a batch")))]
pub(super) async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<axum::Json<Report>, ApiError> {
    let signature = headers
        .get(batch::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized("Afftok-Signature is required"))?;
    let secret = state.settings.ingest_secret.expose_secret().as_bytes();
    let t = batch::verify(secret, signature, &body, now_secs()).map_err(|e| match e {
        SignatureError::Malformed => ApiError::Unauthorized("Afftok-Signature is malformed"),
        SignatureError::OutsideWindow => {
            ApiError::Unauthorized("Afftok-Signature is stale: t is more than 300 s away")
        }
        SignatureError::Mismatch => {
            ApiError::Unauthorized("Afftok-Signature does not match the body")
        }
    })?;
    // A signed (t, body) is accepted once: a replay within the window is refused, however
    // its header is spelled (the key is what was signed, not the header's text).
    let signed = {
        let mut h = Sha256::new();
        h.update(t.to_string().as_bytes());
        h.update(b".");
        h.update(&body);
        hex::encode(h.finalize())
    };
    let mut conn = state.redis.clone();
    let seen_key = format!("{}ingest:seen:{signed}", state.settings.redis_key_prefix);
    let first: bool = redis::cmd("SET")
        .arg(&seen_key)
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(2 * batch::TOLERANCE_SECS + 60)
        .query_async::<Option<String>>(&mut conn)
        .await
        .map(|reply| reply.is_some())?;
    if !first {
        return Err(ApiError::conflict(
            "replayed",
            "this signed batch was received already",
        ));
    }
    let parsed: Result<Batch<&RawValue>, ApiError> =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            code: "invalid_batch",
            detail: format!("the body is not {{\"events\": [...]}}: {e}").into(),
        });
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // Let a corrected resend through.
            let _: Result<(), _> = conn.del(&seen_key).await;
            return Err(e);
        }
    };
    let texts: Vec<String> = parsed
        .events
        .iter()
        .map(|raw| raw.get().to_owned())
        .collect();
    match ingest::ingest(&state, "http", &texts).await {
        Ok(report) => Ok(axum::Json(report)),
        Err(e) => {
            // Not stored: the sender retries with a new signature, but forget this one too.
            let _: Result<(), _> = conn.del(&seen_key).await;
            Err(e.into())
        }
    }
}

/// The ingest route.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}
