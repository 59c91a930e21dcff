//! Webhook endpoints: advertisers, promoters and admins create them (the secret is shown
//! once), list, change, disable, delete them, rotate the secret, send a test event, read the
//! delivery log and redeliver.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{Principal, Role, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json, Path, Query};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::{AdvertiserId, PromoterId, text};
use crate::webhooks::db::endpoints::{self, Changes, CreateError, EndpointRow, Kind, NewEndpoint};
use crate::webhooks::db::messages::{self, NewMessage};
use crate::webhooks::http::messages::{
    MessagePage, MessageQuery, Queued, RedeliverRange, list_of, redeliver_range,
};
use crate::webhooks::http::{check_target, kek};
use crate::webhooks::payloads::{self, PingData};
use crate::webhooks::rules::{self, EventType};

/// How long the previous secret keeps signing after a rotation.
const ROTATION_GRACE: time::Duration = time::Duration::hours(24);

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EndpointView {
    /// Id.
    pub id: i64,
    /// Where events are POSTed.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The event types it gets; empty: every type its owner may see.
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<String>,
    /// Whether events are sent.
    pub enabled: bool,
    /// Why it is disabled: `owner`, `gone` (the receiver answered 410) or `failing`
    /// (every attempt failed for 5 days).
    pub disabled_reason: Option<String>,
    /// When it was disabled.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    /// The first failed attempt since the last delivery (null while delivering).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<OffsetDateTime>,
    /// During a secret rotation: when the previous secret stops signing.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_until: Option<OffsetDateTime>,
    /// The owning advertiser (null for a promoter's or the platform's).
    pub advertiser_id: Option<AdvertiserId>,
    /// The owning promoter.
    pub promoter_id: Option<PromoterId>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<EndpointRow> for EndpointView {
    fn from(e: EndpointRow) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            id: e.id,
            url: e.url,
            description: e.description,
            event_types: e.event_types,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            disabled_at: e.disabled_at,
            failing_since: e.failing_since,
            previous_secret_until: e.previous_secret_until.filter(|t| *t > now),
            advertiser_id: e.advertiser_id,
            promoter_id: e.promoter_id,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A new endpoint: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NewEndpointView {
    /// The signing secret (`whsec_…`): keep it; it is not shown again.
    pub secret: String,
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointView,
}

/// An endpoint to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateEndpoint {
    /// https URL (http only where the operator allows it), up to 2048 characters; public
    /// addresses only (the pattern describes https with a host name: http where the operator allows it, and a
    /// public IP address, are taken too).
    #[schema(
        max_length = 2048,
        pattern = r#"^https://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$"#
    )]
    pub url: String,
    /// What it is for (up to 500 characters once trimmed, no control characters).
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub description: String,
    /// The event types to send; empty or absent: every type the owner may see. Only the
    /// types `GET /v1/webhooks/event-types` lists for the caller's role (an advertiser cannot
    /// take `points.level_reached`, for one).
    #[serde(default)]
    pub event_types: Vec<EventType>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateEndpoint {
    /// A new URL, as for a new endpoint.
    #[schema(
        max_length = 2048,
        pattern = r#"^https://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$"#
    )]
    pub url: Option<String>,
    /// A new description (up to 500 characters once trimmed, no control characters).
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub description: Option<String>,
    /// New event types (empty: all), as for a new endpoint.
    pub event_types: Option<Vec<EventType>>,
    /// `false` stops sending; `true` sends again (messages left pending go out, and the
    /// failure record starts afresh).
    pub enabled: Option<bool>,
}

/// A page of endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EndpointPage {
    /// By id.
    pub data: Vec<EndpointView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which endpoints to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct EndpointQuery {
    /// Only enabled (true) or disabled (false) ones.
    pub enabled: Option<bool>,
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

/// A new secret.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RotatedSecret {
    /// The new secret (`whsec_…`), shown once.
    pub secret: String,
    /// Until then, attempts carry a signature with the previous secret too.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub previous_secret_until: OffsetDateTime,
}

/// A test send.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TestSent {
    /// The message (`msg_…`): its attempts are in the endpoint's delivery log.
    pub message_id: String,
}

/// An event type and what it means.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EventTypeView {
    /// The type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When it is sent.
    pub description: &'static str,
}

/// The event types.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EventTypeList {
    /// Those the caller's endpoints may subscribe to.
    pub data: Vec<EventTypeView>,
}

fn describe(t: EventType) -> &'static str {
    match t {
        EventType::ConversionCreated => {
            "A conversion was attributed: its first decision, whatever the status."
        }
        EventType::ConversionUpdated => {
            "A conversion's status changed: approved after review, reversed, a fraud rejection overruled."
        }
        EventType::OfferUpdated => {
            "An offer's status changed (approved, paused, archived…); promoters get those of offers they joined."
        }
        EventType::PromoterJoined => "A promoter joined an offer.",
        EventType::PointsLevelReached => {
            "A promoter reached a level (once the promoter programme exists)."
        }
        EventType::ContestFinished => "A contest finished: its final standings and winners.",
        EventType::TestPing => "A test send (every endpoint gets those it asks for).",
    }
}

/// Validates the event types for the caller's role; returns their names, sorted and once each.
fn event_types(role: Role, types: &[EventType]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if !t.visible_to(role) {
            errors.push(FieldError::new(
                format!("event_types[{i}]"),
                format!("{} accounts cannot receive {}", role, t.as_str()),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut names: Vec<String> = types.iter().map(|t| t.as_str().to_owned()).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn description(text_in: &str, errors: &mut Vec<FieldError>) -> String {
    let d = text_in.trim();
    if d.chars().count() > 500 {
        errors.push(FieldError::new(
            "description",
            "must be at most 500 characters",
        ));
    } else if let Err(why) = text::check(d, false) {
        errors.push(FieldError::new("description", why));
    }
    d.to_owned()
}

async fn url(state: &AppState, raw: &str, errors: &mut Vec<FieldError>) -> String {
    let u = raw.trim();
    if u.is_empty() || u.len() > 2048 {
        errors.push(FieldError::new("url", "must be 1 to 2048 characters"));
    } else if let Err(ApiError::Validation(mut e)) = check_target(state, "url", u).await {
        errors.append(&mut e);
    }
    u.to_owned()
}

/// The event types the caller's endpoints may subscribe to.
#[utoipa::path(get, path = "/v1/webhooks/event-types", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = EventTypeList)))]
pub(super) async fn list_event_types(
    Auth(principal): Auth,
) -> Result<axum::Json<EventTypeList>, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    Ok(axum::Json(EventTypeList {
        data: EventType::ALL
            .into_iter()
            .filter(|t| t.visible_to(principal.role))
            .map(|t| EventTypeView {
                kind: t,
                description: describe(t),
            })
            .collect(),
    }))
}

/// Creates an endpoint; its secret is in this answer only.
#[utoipa::path(post, path = "/v1/webhooks/endpoints", tag = "webhooks", request_body = CreateEndpoint, security(("bearer" = [])),
    responses((status = 201, body = NewEndpointView), (status = 422, description = "validation_failed: a URL the guard refuses, an event type the role cannot receive")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<CreateEndpoint>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let mut errors = Vec::new();
    let url = url(&state, &req.url, &mut errors).await;
    let description = description(&req.description, &mut errors);
    let types = event_types(principal.role, &req.event_types).unwrap_or_else(|mut e| {
        errors.append(&mut e);
        vec![]
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let kek = kek(&state)?;
    let new = NewEndpoint {
        kind: Kind::Webhook,
        url,
        description,
        event_types: types,
        offer_id: None,
        on_reversal: false,
    };
    let (row, secret) =
        endpoints::create(&state.db, principal.tenant(), principal.user_id, &new, kek)
            .await
            .map_err(create_error)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewEndpointView {
            secret: secret.map(|s| rules::format_secret(&s)).unwrap_or_default(),
            endpoint: row.into(),
        }),
    ))
}

pub(super) fn create_error(e: CreateError) -> ApiError {
    match e {
        CreateError::PostbackExists => ApiError::conflict(
            "postback_exists",
            "you have a postback for that offer already (or for all offers): change that one",
        ),
        CreateError::Seal(why) => ApiError::Internal(why),
        CreateError::Db(e) => e.into(),
    }
}

/// The caller's endpoints (an admin: every endpoint).
#[utoipa::path(get, path = "/v1/webhooks/endpoints", tag = "webhooks", params(EndpointQuery), security(("bearer" = [])),
    responses((status = 200, body = EndpointPage)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<EndpointQuery>,
) -> Result<axum::Json<EndpointPage>, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    let (after, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let rows = endpoints::list(
        &state.db,
        principal.tenant(),
        Kind::Webhook,
        q.enabled,
        after,
        limit,
    )
    .await?;
    let next_cursor = next_cursor(&rows, limit, |e| e.id);
    Ok(axum::Json(EndpointPage {
        data: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

async fn find(state: &AppState, principal: &Principal, id: i64) -> Result<EndpointRow, ApiError> {
    endpoints::get(&state.db, principal.tenant(), Kind::Webhook, id)
        .await?
        .ok_or(ApiError::NotFound("webhook endpoint"))
}

/// One of the caller's endpoints.
#[utoipa::path(get, path = "/v1/webhooks/endpoints/{id}", tag = "webhooks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = EndpointView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<EndpointView>, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    Ok(axum::Json(find(&state, &principal, id).await?.into()))
}

/// Changes an endpoint: its URL, description, event types, or whether it is enabled.
#[utoipa::path(patch, path = "/v1/webhooks/endpoints/{id}", tag = "webhooks", params(("id" = i64, Path)), request_body = UpdateEndpoint, security(("bearer" = [])),
    responses((status = 200, body = EndpointView), (status = 404, description = "not_found"), (status = 422, description = "validation_failed")))]
pub(super) async fn update(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(req): Json<UpdateEndpoint>,
) -> Result<axum::Json<EndpointView>, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let mut errors = Vec::new();
    let mut changes = Changes {
        enabled: req.enabled,
        ..Changes::default()
    };
    if let Some(u) = &req.url {
        changes.url = Some(url(&state, u, &mut errors).await);
    }
    if let Some(d) = &req.description {
        changes.description = Some(description(d, &mut errors));
    }
    if let Some(t) = &req.event_types {
        match event_types(principal.role, t) {
            Ok(names) => changes.event_types = Some(names),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = endpoints::update(&state.db, principal.tenant(), Kind::Webhook, id, &changes)
        .await?
        .ok_or(ApiError::NotFound("webhook endpoint"))?;
    if req.enabled == Some(true) {
        state.webhook_wake.notify_one();
    }
    Ok(axum::Json(row.into()))
}

/// Deletes an endpoint with its delivery log.
#[utoipa::path(delete, path = "/v1/webhooks/endpoints/{id}", tag = "webhooks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 404, description = "not_found")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    if endpoints::delete(&state.db, principal.tenant(), Kind::Webhook, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("webhook endpoint"))
    }
}

/// Gives the endpoint a new secret (shown once); for 24 hours every attempt is signed with
/// both, so the receiver can switch without losing a delivery.
#[utoipa::path(post, path = "/v1/webhooks/endpoints/{id}/secret/rotate", tag = "webhooks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RotatedSecret), (status = 404, description = "not_found")))]
pub(super) async fn rotate_secret(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<RotatedSecret>, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let kek = kek(&state)?;
    let (row, secret) =
        endpoints::rotate_secret(&state.db, principal.tenant(), id, kek, ROTATION_GRACE)
            .await
            .map_err(create_error)?
            .ok_or(ApiError::NotFound("webhook endpoint"))?;
    Ok(axum::Json(RotatedSecret {
        secret: rules::format_secret(&secret),
        previous_secret_until: row
            .previous_secret_until
            .unwrap_or_else(|| OffsetDateTime::now_utc() + ROTATION_GRACE),
    }))
}

/// Sends a `test.ping` event to the endpoint (whatever types it subscribes to).
#[utoipa::path(post, path = "/v1/webhooks/endpoints/{id}/test", tag = "webhooks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 202, body = TestSent), (status = 404, description = "not_found"), (status = 409, description = "endpoint_disabled")))]
pub(super) async fn send_test(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let endpoint = find(&state, &principal, id).await?;
    if !endpoint.enabled {
        return Err(ApiError::conflict(
            "endpoint_disabled",
            "the endpoint is disabled: enable it first",
        ));
    }
    let body = payloads::body(
        EventType::TestPing,
        OffsetDateTime::now_utc(),
        PingData {
            endpoint_id: id,
            message: "A test event from AffTok: your endpoint is reachable.",
        },
    );
    let message_id = queue_test(&state, id, EventType::TestPing.as_str(), body).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(TestSent { message_id })))
}

/// Queues a test message and wakes the sender; returns its `webhook-id`.
pub(super) async fn queue_test(
    state: &AppState,
    endpoint_id: i64,
    event_type: &'static str,
    body: String,
) -> Result<String, ApiError> {
    let mut conn = state.db.acquire().await?;
    let made = messages::insert_many(
        &mut conn,
        &[NewMessage {
            endpoint_id,
            source_event: None,
            event_type,
            body,
        }],
    )
    .await?;
    let id = made
        .first()
        .copied()
        .ok_or_else(|| ApiError::internal("the test message was not made"))?;
    state.webhook_wake.notify_one();
    Ok(rules::message_id(id))
}

/// The endpoint's delivery log: messages, newest first, with their attempts.
#[utoipa::path(get, path = "/v1/webhooks/endpoints/{id}/messages", tag = "webhooks", params(("id" = i64, Path), MessageQuery), security(("bearer" = [])),
    responses((status = 200, body = MessagePage), (status = 404, description = "not_found")))]
pub(super) async fn list_messages(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Query(q): Query<MessageQuery>,
) -> Result<axum::Json<MessagePage>, ApiError> {
    Ok(axum::Json(
        list_of(&state, &principal, Kind::Webhook, id, q).await?,
    ))
}

/// Sends every failed message of the endpoint made in a range once more.
#[utoipa::path(post, path = "/v1/webhooks/endpoints/{id}/redeliver", tag = "webhooks", params(("id" = i64, Path)), request_body = RedeliverRange, security(("bearer" = [])),
    responses((status = 200, body = Queued), (status = 404, description = "not_found")))]
pub(super) async fn redeliver_failed(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(range): Json<RedeliverRange>,
) -> Result<axum::Json<Queued>, ApiError> {
    Ok(axum::Json(
        redeliver_range(&state, &principal, Kind::Webhook, id, range).await?,
    ))
}

/// The endpoint routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_event_types))
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(rotate_secret))
        .routes(routes!(send_test))
        .routes(routes!(list_messages))
        .routes(routes!(redeliver_failed))
}
