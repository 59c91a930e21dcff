//! Admins: the review queue, approving and rejecting offers.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::offers::{OfferPage, OfferView, act};
use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json, Path, Query};
use crate::kernel::OfferId;
use crate::kernel::error::ApiError;
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::text;
use crate::offers::db;
use crate::offers::rules::Action;

/// Page through the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueQuery {
    /// From `next_cursor`, as it was given (any other text is refused).
    #[param(
        min_length = 1,
        pattern = "^[A-Za-z0-9_-]+$",
        example = "eyJpZCI6MTAwfQ"
    )]
    pub cursor: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Why an offer is refused.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RejectRequest {
    /// Shown to the advertiser, 1–1000 characters once trimmed, no control characters but
    /// line breaks and tabs.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub reason: String,
}

/// Offers waiting for review, oldest first.
#[utoipa::path(get, path = "/v1/admin/review-queue", tag = "admin", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = OfferPage), (status = 403, description = "admins only")))]
pub(super) async fn review_queue(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<QueueQuery>,
) -> Result<axum::Json<OfferPage>, ApiError> {
    principal.admin()?;
    principal.require(Scope::OffersRead)?;
    let (after_id, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let rows = db::review_queue(&state.db, after_id.map(OfferId), limit).await?;
    let next_cursor = next_cursor(&rows, limit, |o| o.id.0);
    Ok(axum::Json(OfferPage {
        data: rows.into_iter().map(OfferView::from).collect(),
        next_cursor,
    }))
}

/// Approves an offer under review: it goes live.
#[utoipa::path(post, path = "/v1/admin/offers/{id}/approve", tag = "admin", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = OfferView), (status = 403, description = "admins only"),
              (status = 404, description = "not_found"), (status = 409, description = "illegal_transition")))]
pub(super) async fn approve(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
) -> Result<axum::Json<OfferView>, ApiError> {
    principal.admin()?;
    act(&state, &principal, id, Action::Approve, None).await
}

/// Rejects an offer under review, with a reason for the advertiser.
#[utoipa::path(post, path = "/v1/admin/offers/{id}/reject", tag = "admin", params(("id" = i64, Path)), request_body = RejectRequest,
    security(("bearer" = [])),
    responses((status = 200, body = OfferView), (status = 403, description = "admins only"),
              (status = 404, description = "not_found"), (status = 409, description = "illegal_transition"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn reject(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
    Json(req): Json<RejectRequest>,
) -> Result<axum::Json<OfferView>, ApiError> {
    principal.admin()?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::field("reason", "must be 1 to 1000 characters"));
    }
    text::check(reason, true).map_err(|why| ApiError::field("reason", why))?;
    act(&state, &principal, id, Action::Reject, Some(reason)).await
}

/// The admin routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(review_queue))
        .routes(routes!(approve))
        .routes(routes!(reject))
}
