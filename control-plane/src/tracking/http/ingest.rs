//! `POST /internal/v1/events`: signed event batches from the Cloudflare queue consumer
//! (DESIGN §6). The signature is checked over the raw body; each event then goes through
//! `ingest`, which stores an event once by its id. A batch delivered again (the queue
//! retrying a delivery whose answer it did not see, even with the very same signature) is
//! therefore answered like the first delivery, its events counted as `duplicates`: a
//! redelivery is normal, and refusing it would only make the sender retry again.

use afftok_shared::batch::{self, Batch, SignatureError};
use axum::extract::State;
use axum::http::HeaderMap;
use secrecy::ExposeSecret;
use serde_json::value::RawValue;
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
              (status = 409, description = "raced_delivery: other deliveries of the same clicks kept committing first; send again"),
              (status = 400, description = "not a batch")))]
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
    batch::verify(secret, signature, &body, now_secs()).map_err(|e| match e {
        SignatureError::Malformed => ApiError::Unauthorized("Afftok-Signature is malformed"),
        SignatureError::OutsideWindow => {
            ApiError::Unauthorized("Afftok-Signature is stale: t is more than 300 s away")
        }
        SignatureError::Mismatch => {
            ApiError::Unauthorized("Afftok-Signature does not match the body")
        }
    })?;
    let parsed: Batch<&RawValue> =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            code: "invalid_batch",
            detail: format!("the body is not {{\"events\": [...]}}: {e}").into(),
        })?;
    let texts: Vec<String> = parsed
        .events
        .iter()
        .map(|raw| raw.get().to_owned())
        .collect();
    Ok(axum::Json(ingest::ingest(&state, "http", &texts).await?))
}

/// The ingest route.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}
