//! The delivery log (messages with their attempts) and redelivery, for webhooks and
//! promoter postbacks alike.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Path};
use crate::kernel::error::ApiError;
use crate::kernel::page::{instant, next_time_cursor, page_limit, time_cursor};
use crate::webhooks::db::endpoints::{self, Kind};
use crate::webhooks::db::messages::{self, AttemptRow, Filter, MessageRow, Redeliver};
use crate::webhooks::rules;

/// One attempt.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AttemptView {
    /// Its number (from 1).
    pub attempt: i32,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    /// The answer's status (null: no answer).
    pub status_code: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// The first 1 KiB of the answer.
    pub response: String,
    /// Why there was no answer (the guard refused, a timeout, a connection error).
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> Self {
        Self {
            attempt: a.attempt,
            started_at: a.started_at,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response: a.response,
            error: a.error,
        }
    }
}

/// A message: one event for one endpoint, and its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MessageView {
    /// The `webhook-id` of every attempt (`msg_…`).
    pub id: String,
    /// The endpoint or postback.
    pub endpoint_id: i64,
    /// The event type (`conversion.approved` or `conversion.reversed` for a postback).
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts started.
    pub attempts: i32,
    /// When the next attempt is due (pending messages).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The latest attempt's start.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// The latest answer's status.
    pub last_status: Option<i32>,
    /// A webhook's JSON body as sent; a postback's URL.
    pub payload: String,
    /// The attempts, first first.
    pub attempt_log: Vec<AttemptView>,
}

impl MessageView {
    fn new(m: MessageRow, attempts: Vec<AttemptView>) -> Self {
        Self {
            id: rules::message_id(m.id),
            endpoint_id: m.endpoint_id,
            event_type: m.event_type,
            next_attempt_at: (m.status == "pending").then_some(m.next_attempt_at),
            status: m.status,
            attempts: m.attempts,
            created_at: m.created_at,
            last_attempt_at: m.last_attempt_at,
            last_status: m.last_status,
            payload: m.body,
            attempt_log: attempts,
        }
    }
}

/// A page of messages.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MessagePage {
    /// Newest first.
    pub data: Vec<MessageView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which messages to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct MessageQuery {
    /// `pending`, `delivered` or `failed`.
    #[param(pattern = "^(pending|delivered|failed)$")]
    pub status: Option<String>,
    /// One event type.
    pub event_type: Option<String>,
    /// Made at or after this instant (RFC 3339, years 1970 to 9000 in UTC).
    #[param(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub from: Option<String>,
    /// Made before this instant (RFC 3339, years 1970 to 9000 in UTC).
    #[param(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub to: Option<String>,
    /// From `next_cursor`, as it was given (any other text is refused).
    #[param(
        min_length = 1,
        pattern = "^[A-Za-z0-9_-]+$",
        example = "eyJ0cyI6IjIwMjYtMTEtMjRUMDA6MDA6MDBaIiwiaWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ"
    )]
    pub cursor: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Lists the messages of endpoint `id` of `kind`, if the caller may see it.
pub(super) async fn list_of(
    state: &AppState,
    principal: &crate::accounts::Principal,
    kind: Kind,
    id: i64,
    q: MessageQuery,
) -> Result<MessagePage, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    if let Some(s) = q.status.as_deref()
        && !matches!(s, "pending" | "delivered" | "failed")
    {
        return Err(ApiError::field(
            "status",
            "must be pending, delivered or failed",
        ));
    }
    let filter = Filter {
        status: q.status,
        event_type: q.event_type,
        from: instant("from", q.from.as_deref())?,
        to: instant("to", q.to.as_deref())?,
    };
    let after = time_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit, false)?;
    endpoints::get(&state.db, principal.tenant(), kind, id)
        .await?
        .ok_or(ApiError::NotFound(not_found(kind)))?;
    let (rows, attempts) = messages::list(&state.db, id, &filter, after, limit).await?;
    let last = rows.last().map(|m| (m.created_at, m.id));
    let count = rows.len();
    let mut by_message: HashMap<uuid::Uuid, Vec<AttemptView>> = HashMap::new();
    for a in attempts {
        by_message.entry(a.message_id).or_default().push(a.into());
    }
    Ok(MessagePage {
        data: rows
            .into_iter()
            .map(|m| {
                let attempts = by_message.remove(&m.id).unwrap_or_default();
                MessageView::new(m, attempts)
            })
            .collect(),
        next_cursor: next_time_cursor(last, count, limit),
    })
}

/// The range of failed messages to redeliver.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RedeliverRange {
    /// Made at or after this instant (RFC 3339, years 1970 to 9000 in UTC); absent: since
    /// the first.
    #[schema(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$", example = "2026-11-01T00:00:00Z")]
    pub from: Option<String>,
    /// Made before this instant (RFC 3339, years 1970 to 9000 in UTC), after `from`;
    /// absent: until now.
    #[schema(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$", example = "2026-12-01T00:00:00Z")]
    pub to: Option<String>,
}

/// How many messages were queued.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Queued {
    /// Failed messages queued for one more attempt.
    pub queued: u64,
}

/// Queues one more attempt of every failed message of endpoint `id` of `kind` in a range.
pub(super) async fn redeliver_range(
    state: &AppState,
    principal: &crate::accounts::Principal,
    kind: Kind,
    id: i64,
    range: RedeliverRange,
) -> Result<Queued, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let from = instant("from", range.from.as_deref())?;
    let to = instant("to", range.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(ApiError::field("to", "must be after from"));
    }
    endpoints::get(&state.db, principal.tenant(), kind, id)
        .await?
        .ok_or(ApiError::NotFound(not_found(kind)))?;
    let queued = messages::redeliver_failed(&state.db, id, from, to).await?;
    state.webhook_wake.notify_one();
    Ok(Queued { queued })
}

pub(super) fn not_found(kind: Kind) -> &'static str {
    match kind {
        Kind::Webhook => "webhook endpoint",
        Kind::Postback => "promoter postback",
    }
}

fn message_path(id: &str) -> Result<uuid::Uuid, ApiError> {
    rules::parse_message_id(id).ok_or(ApiError::NotFound("message"))
}

/// A message of one of the caller's endpoints or postbacks, with its attempts.
#[utoipa::path(get, path = "/v1/webhooks/messages/{id}", tag = "webhooks", params(("id" = String, Path, description = "msg_…")), security(("bearer" = [])),
    responses((status = 200, body = MessageView), (status = 404, description = "not_found")))]
pub(super) async fn get_message(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<MessageView>, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    let id = message_path(&id)?;
    let (m, attempts) = messages::get(&state.db, principal.tenant(), id)
        .await?
        .ok_or(ApiError::NotFound("message"))?;
    Ok(axum::Json(MessageView::new(
        m,
        attempts.into_iter().map(Into::into).collect(),
    )))
}

/// Sends a delivered or failed message once more (one attempt, no retries; the same
/// `webhook-id`).
#[utoipa::path(post, path = "/v1/webhooks/messages/{id}/redeliver", tag = "webhooks", params(("id" = String, Path, description = "msg_…")), security(("bearer" = [])),
    responses((status = 202, description = "queued"), (status = 404, description = "not_found"), (status = 409, description = "already_pending")))]
pub(super) async fn redeliver_message(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let id = message_path(&id)?;
    match messages::redeliver(&state.db, principal.tenant(), id).await? {
        Redeliver::Queued => {
            state.webhook_wake.notify_one();
            Ok(StatusCode::ACCEPTED)
        }
        Redeliver::Pending => Err(ApiError::conflict(
            "already_pending",
            "the message is waiting for an attempt already",
        )),
        Redeliver::Missing => Err(ApiError::NotFound("message")),
    }
}

/// The message routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_message))
        .routes(routes!(redeliver_message))
}
