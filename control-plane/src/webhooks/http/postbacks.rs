//! Promoter postbacks: a promoter's URL template, for one offer it joined or for all its
//! offers, fired with GET when a conversion of theirs is approved (and, if asked, reversed),
//! with the macros of DESIGN §12 filled in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{Principal, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json, Path, Query};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::{OfferId, PromoterId};
use crate::webhooks::db::endpoints::{self, Changes, EndpointRow, Kind, NewEndpoint};
use crate::webhooks::http::check_target;
use crate::webhooks::http::endpoints::{TestSent, create_error, queue_test};
use crate::webhooks::http::messages::{
    MessagePage, MessageQuery, Queued, RedeliverRange, list_of, redeliver_range,
};
use crate::webhooks::rules::{PostbackValues, fill_postback};

/// A promoter postback.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PostbackView {
    /// Id.
    pub id: i64,
    /// The promoter.
    pub promoter_id: Option<PromoterId>,
    /// Its offer; null: every offer without a postback of its own.
    pub offer_id: Option<OfferId>,
    /// The URL template: `{click_id}` `{sub1}`…`{sub5}` `{payout}` `{currency}` `{offer_id}`
    /// `{status}` `{txid}` are filled in, percent-encoded.
    pub url: String,
    /// Fired on reversals too (`{status}` = `reversed`).
    pub on_reversal: bool,
    /// Whether it fires.
    pub enabled: bool,
    /// Why it is disabled: `owner`, `gone` (410) or `failing`.
    pub disabled_reason: Option<String>,
    /// When it was disabled.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    /// The first failed attempt since the last delivery.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<OffsetDateTime>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<EndpointRow> for PostbackView {
    fn from(e: EndpointRow) -> Self {
        Self {
            id: e.id,
            promoter_id: e.promoter_id,
            offer_id: e.offer_id,
            url: e.url,
            on_reversal: e.on_reversal,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            disabled_at: e.disabled_at,
            failing_since: e.failing_since,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A postback to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreatePostback {
    /// The URL template (https; http only where the operator allows it), up to 2048
    /// characters, a public address once its macros are filled (the pattern describes https with a host name: http where the operator allows it, and a
    /// public IP address, are taken too).
    #[schema(
        max_length = 2048,
        pattern = r#"^https://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$"#
    )]
    pub url: String,
    /// An offer you joined; absent or null: all your offers without a postback of their own.
    pub offer_id: Option<OfferId>,
    /// Fire on reversals too.
    #[serde(default)]
    pub on_reversal: bool,
}

/// Changes to a postback; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdatePostback {
    /// A new URL template, as for a new postback.
    #[schema(
        max_length = 2048,
        pattern = r#"^https://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$"#
    )]
    pub url: Option<String>,
    /// Fire on reversals too.
    pub on_reversal: Option<bool>,
    /// Whether it fires.
    pub enabled: Option<bool>,
}

/// A page of postbacks.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PostbackPage {
    /// By id.
    pub data: Vec<PostbackView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which postbacks to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct PostbackQuery {
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

/// The values of a test send (and of the check of a template).
fn sample(offer_id: Option<OfferId>) -> PostbackValues {
    PostbackValues {
        click_id: uuid::Uuid::now_v7().to_string(),
        subs: [Some("test".into()), None, None, None, None],
        payout: "0.00".into(),
        currency: "USD".into(),
        offer_id: offer_id
            .map(|o| o.0.to_string())
            .unwrap_or_else(|| "0".into()),
        status: "test".into(),
        txid: "test".into(),
    }
}

/// Checks a template: within bounds, and once filled, a URL the guard lets through.
async fn template(state: &AppState, raw: &str, errors: &mut Vec<FieldError>) -> String {
    let t = raw.trim();
    if t.is_empty() || t.len() > 2048 {
        errors.push(FieldError::new("url", "must be 1 to 2048 characters"));
    } else if let Err(ApiError::Validation(mut e)) =
        check_target(state, "url", &fill_postback(t, &sample(None))).await
    {
        errors.append(&mut e);
    }
    t.to_owned()
}

/// Creates a postback for one offer you joined, or for all your offers.
#[utoipa::path(post, path = "/v1/promoter-postbacks", tag = "promoter-postbacks", request_body = CreatePostback, security(("bearer" = [])),
    responses((status = 201, body = PostbackView), (status = 409, description = "postback_exists"), (status = 422, description = "validation_failed")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<CreatePostback>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    let promoter = principal.promoter()?;
    let mut errors = Vec::new();
    let url = template(&state, &req.url, &mut errors).await;
    if let Some(offer) = req.offer_id {
        let joined = sqlx::query_scalar!(
            "SELECT EXISTS (SELECT 1 FROM links WHERE promoter_id = $1 AND offer_id = $2) AS \"joined!\"",
            promoter.0,
            offer.0,
        )
        .fetch_one(&state.db)
        .await?;
        if !joined {
            errors.push(FieldError::new("offer_id", "is not an offer you joined"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let new = NewEndpoint {
        kind: Kind::Postback,
        url,
        description: String::new(),
        event_types: vec![],
        offer_id: req.offer_id,
        on_reversal: req.on_reversal,
    };
    // A postback has no secret: the key-encryption key is not needed.
    let (row, _) = endpoints::create(
        &state.db,
        principal.tenant(),
        principal.user_id,
        &new,
        &[0; 32],
    )
    .await
    .map_err(create_error)?;
    Ok((StatusCode::CREATED, axum::Json(PostbackView::from(row))))
}

/// Your postbacks (an admin: every promoter's).
#[utoipa::path(get, path = "/v1/promoter-postbacks", tag = "promoter-postbacks", params(PostbackQuery), security(("bearer" = [])),
    responses((status = 200, body = PostbackPage)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<PostbackQuery>,
) -> Result<axum::Json<PostbackPage>, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    readable(&principal)?;
    let (after, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let rows = endpoints::list(
        &state.db,
        principal.tenant(),
        Kind::Postback,
        q.enabled,
        after,
        limit,
    )
    .await?;
    let next_cursor = next_cursor(&rows, limit, |e| e.id);
    Ok(axum::Json(PostbackPage {
        data: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Promoters own postbacks; admins read them; advertisers have none.
fn readable(principal: &Principal) -> Result<(), ApiError> {
    match principal.tenant() {
        crate::kernel::Tenant::Advertiser(_) => Err(ApiError::forbidden(
            "promoter postbacks belong to promoters",
        )),
        _ => Ok(()),
    }
}

async fn find(state: &AppState, principal: &Principal, id: i64) -> Result<EndpointRow, ApiError> {
    readable(principal)?;
    endpoints::get(&state.db, principal.tenant(), Kind::Postback, id)
        .await?
        .ok_or(ApiError::NotFound("promoter postback"))
}

/// One postback.
#[utoipa::path(get, path = "/v1/promoter-postbacks/{id}", tag = "promoter-postbacks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PostbackView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<PostbackView>, ApiError> {
    principal.require(Scope::WebhooksRead)?;
    Ok(axum::Json(find(&state, &principal, id).await?.into()))
}

/// Changes a postback's URL, whether it fires on reversals, or whether it fires at all.
#[utoipa::path(patch, path = "/v1/promoter-postbacks/{id}", tag = "promoter-postbacks", params(("id" = i64, Path)), request_body = UpdatePostback, security(("bearer" = [])),
    responses((status = 200, body = PostbackView), (status = 404, description = "not_found"), (status = 422, description = "validation_failed")))]
pub(super) async fn update(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(req): Json<UpdatePostback>,
) -> Result<axum::Json<PostbackView>, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    principal.promoter()?;
    let mut errors = Vec::new();
    let mut changes = Changes {
        on_reversal: req.on_reversal,
        enabled: req.enabled,
        ..Changes::default()
    };
    if let Some(u) = &req.url {
        changes.url = Some(template(&state, u, &mut errors).await);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = endpoints::update(&state.db, principal.tenant(), Kind::Postback, id, &changes)
        .await?
        .ok_or(ApiError::NotFound("promoter postback"))?;
    if req.enabled == Some(true) {
        state.webhook_wake.notify_one();
    }
    Ok(axum::Json(row.into()))
}

/// Deletes a postback with its delivery log.
#[utoipa::path(delete, path = "/v1/promoter-postbacks/{id}", tag = "promoter-postbacks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 404, description = "not_found")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    principal.promoter()?;
    if endpoints::delete(&state.db, principal.tenant(), Kind::Postback, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("promoter postback"))
    }
}

/// Fires the postback once with test values (`{status}` = `test`, `{sub1}` = `test`, a new
/// click id, a payout of 0.00 USD).
#[utoipa::path(post, path = "/v1/promoter-postbacks/{id}/test", tag = "promoter-postbacks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 202, body = TestSent), (status = 404, description = "not_found"), (status = 409, description = "endpoint_disabled")))]
pub(super) async fn send_test(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::WebhooksWrite)?;
    principal.promoter()?;
    let postback = find(&state, &principal, id).await?;
    if !postback.enabled {
        return Err(ApiError::conflict(
            "endpoint_disabled",
            "the postback is disabled: enable it first",
        ));
    }
    let url = fill_postback(&postback.url, &sample(postback.offer_id));
    let message_id = queue_test(&state, id, "test", url).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(TestSent { message_id })))
}

/// The postback's delivery log.
#[utoipa::path(get, path = "/v1/promoter-postbacks/{id}/messages", tag = "promoter-postbacks", params(("id" = i64, Path), MessageQuery), security(("bearer" = [])),
    responses((status = 200, body = MessagePage), (status = 404, description = "not_found")))]
pub(super) async fn list_messages(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Query(q): Query<MessageQuery>,
) -> Result<axum::Json<MessagePage>, ApiError> {
    readable(&principal)?;
    Ok(axum::Json(
        list_of(&state, &principal, Kind::Postback, id, q).await?,
    ))
}

/// Fires every failed message of the postback made in a range once more.
#[utoipa::path(post, path = "/v1/promoter-postbacks/{id}/redeliver", tag = "promoter-postbacks", params(("id" = i64, Path)), request_body = RedeliverRange, security(("bearer" = [])),
    responses((status = 200, body = Queued), (status = 404, description = "not_found")))]
pub(super) async fn redeliver_failed(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(range): Json<RedeliverRange>,
) -> Result<axum::Json<Queued>, ApiError> {
    readable(&principal)?;
    Ok(axum::Json(
        redeliver_range(&state, &principal, Kind::Postback, id, range).await?,
    ))
}

/// The postback routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(send_test))
        .routes(routes!(list_messages))
        .routes(routes!(redeliver_failed))
}
