//! Advertisers' offers: create, edit, list, read, move through the workflow, history.
//! Admins can read, edit and move any offer; promoters use the marketplace instead.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{Role, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json, Path, Query};
use crate::kernel::error::ApiError;
use crate::kernel::money::Money;
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::{AdvertiserId, OfferId, UserId};
use crate::offers::db::{self, EditError, ListFilter, MoveError, OfferEventRow, OfferRow};
use crate::offers::rules::{Action, Actor, Change, NewOffer, OfferFields, OfferInput, OfferStatus};
use crate::{accounts::Principal, kernel::Tenant};

/// An offer as its advertiser (and admins) see it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OfferView {
    /// Id (the `offer_id` in tracking links).
    pub id: OfferId,
    /// Owner.
    pub advertiser_id: AdvertiserId,
    /// What the advertiser wrote (but the payout amount, below).
    #[serde(flatten)]
    pub fields: OfferFields,
    /// Fixed amount (cpa, cpl), a decimal string with the currency's decimals ("12.50").
    pub payout_amount: Option<Money>,
    /// Workflow status.
    pub status: OfferStatus,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// Who paused it (`advertiser` or `admin`); only an admin resumes an admin's pause.
    pub paused_by: Option<Actor>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<OfferRow> for OfferView {
    fn from(o: OfferRow) -> Self {
        Self {
            payout_amount: o
                .fields
                .payout_amount
                .map(|d| Money::new(d, &o.fields.currency)),
            id: o.id,
            advertiser_id: o.advertiser_id,
            fields: o.fields,
            status: o.status,
            rejection_reason: o.rejection_reason,
            paused_by: o.paused_by,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NotFound => ApiError::NotFound("offer"),
            EditError::NotEditable(_) => ApiError::conflict("offer_not_editable", e.to_string()),
            EditError::Invalid(errors) => ApiError::Validation(errors),
            EditError::Db(e) => e.into(),
        }
    }
}

impl From<MoveError> for ApiError {
    fn from(e: MoveError) -> Self {
        match e {
            MoveError::NotFound => ApiError::NotFound("offer"),
            MoveError::Refused(why) => ApiError::conflict("illegal_transition", why.to_string()),
            MoveError::Db(e) => e.into(),
        }
    }
}

/// A page of offers.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OfferPage {
    /// The offers, by id.
    pub data: Vec<OfferView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Page through offers.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Only this status.
    pub status: Option<OfferStatus>,
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

/// One entry of an offer's history.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OfferEventView {
    /// create, edit, submit, withdraw, approve, reject, pause, resume or archive.
    #[schema(value_type = String)]
    pub action: Change,
    /// The user who did it.
    pub actor_id: Option<UserId>,
    /// Status before.
    pub from_status: Option<OfferStatus>,
    /// Status after.
    pub to_status: Option<OfferStatus>,
    /// The reason of a rejection.
    pub detail: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

impl From<OfferEventRow> for OfferEventView {
    fn from(e: OfferEventRow) -> Self {
        Self {
            action: e.action,
            actor_id: e.actor_id,
            from_status: e.from_status,
            to_status: e.to_status,
            detail: e.detail,
            at: e.at,
        }
    }
}

/// An offer's history.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OfferHistory {
    /// Oldest first.
    pub data: Vec<OfferEventView>,
}

/// Advertisers and admins only: promoters browse the marketplace.
fn offer_tenant(principal: &Principal) -> Result<Tenant, ApiError> {
    match principal.tenant() {
        Tenant::Promoter(_) => Err(ApiError::forbidden(
            "promoters see offers in the marketplace",
        )),
        tenant => Ok(tenant),
    }
}

/// Lists the caller's offers (an admin: all offers).
#[utoipa::path(get, path = "/v1/offers", tag = "offers", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = OfferPage), (status = 403, description = "forbidden")))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<OfferPage>, ApiError> {
    principal.require(Scope::OffersRead)?;
    let tenant = offer_tenant(&principal)?;
    let (after_id, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let rows = db::list(
        &state.db,
        tenant,
        &ListFilter {
            status: q.status,
            after_id: after_id.map(OfferId),
            limit,
        },
    )
    .await?;
    let next_cursor = next_cursor(&rows, limit, |o| o.id.0);
    Ok(axum::Json(OfferPage {
        data: rows.into_iter().map(OfferView::from).collect(),
        next_cursor,
    }))
}

/// Creates a draft offer.
#[utoipa::path(post, path = "/v1/offers", tag = "offers", request_body = NewOffer, security(("bearer" = [])),
    responses((status = 201, body = OfferView), (status = 422, description = "validation_failed")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(input): Json<OfferInput>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::OffersWrite)?;
    let advertiser = principal.advertiser()?;
    let fields = input.into_new().map_err(ApiError::Validation)?;
    let row = db::insert(&state.db, advertiser, &fields, principal.user_id).await?;
    Ok((StatusCode::CREATED, axum::Json(OfferView::from(row))))
}

/// One offer.
#[utoipa::path(get, path = "/v1/offers/{id}", tag = "offers", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = OfferView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
) -> Result<axum::Json<OfferView>, ApiError> {
    principal.require(Scope::OffersRead)?;
    let row = db::get(&state.db, offer_tenant(&principal)?, id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    Ok(axum::Json(row.into()))
}

/// Edits an offer (draft, rejected, approved or paused). Absent fields keep their value;
/// `null` clears a nullable one. Changing what was reviewed (destination, payout, currency,
/// window, geo) of an approved or paused offer sends it back to review.
#[utoipa::path(patch, path = "/v1/offers/{id}", tag = "offers", params(("id" = i64, Path)), request_body = OfferInput,
    security(("bearer" = [])),
    responses((status = 200, body = OfferView), (status = 404, description = "not_found"),
              (status = 409, description = "offer_not_editable"), (status = 422, description = "validation_failed")))]
pub(super) async fn update(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
    Json(input): Json<OfferInput>,
) -> Result<axum::Json<OfferView>, ApiError> {
    principal.require(Scope::OffersWrite)?;
    let tenant = offer_tenant(&principal)?;
    let row = db::update(&state.db, tenant, id, principal.user_id, |current| {
        input.apply_to(Some(current))
    })
    .await?;
    Ok(axum::Json(row.into()))
}

/// Runs a workflow action as the caller.
pub(crate) async fn act(
    state: &AppState,
    principal: &Principal,
    id: OfferId,
    action: Action,
    reason: Option<&str>,
) -> Result<axum::Json<OfferView>, ApiError> {
    principal.require(Scope::OffersWrite)?;
    let tenant = offer_tenant(principal)?;
    if action == Action::Submit {
        crate::accounts::require_verified_email(state, principal).await?;
    }
    let actor = if principal.role == Role::Admin {
        Actor::Admin
    } else {
        Actor::Advertiser
    };
    let row = db::transition(
        &state.db,
        tenant,
        id,
        action,
        (principal.user_id, actor),
        reason,
    )
    .await?;
    Ok(axum::Json(row.into()))
}

macro_rules! transition_handler {
    ($name:ident, $action:expr, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "offers", params(("id" = i64, Path)), security(("bearer" = [])),
            responses((status = 200, body = OfferView), (status = 404, description = "not_found"),
                      (status = 409, description = "illegal_transition")))]
        pub(super) async fn $name(State(state): State<AppState>, Auth(principal): Auth, Path(id): Path<OfferId>) -> Result<axum::Json<OfferView>, ApiError> {
            act(&state, &principal, id, $action, None).await
        }
    };
}

transition_handler!(
    submit,
    Action::Submit,
    "/v1/offers/{id}/submit",
    "Sends a draft or rejected offer for review. With AFFTOK_REQUIRE_VERIFIED_EMAIL set, an advertiser whose email is not verified is refused (403 email_unverified)."
);
transition_handler!(
    withdraw,
    Action::Withdraw,
    "/v1/offers/{id}/withdraw",
    "Takes an offer back from review to draft."
);
transition_handler!(
    pause,
    Action::Pause,
    "/v1/offers/{id}/pause",
    "Pauses an approved offer."
);
transition_handler!(
    resume,
    Action::Resume,
    "/v1/offers/{id}/resume",
    "Resumes a paused offer."
);
transition_handler!(
    archive,
    Action::Archive,
    "/v1/offers/{id}/archive",
    "Archives an offer for good."
);

/// Every transition and edit of an offer, with who and when.
#[utoipa::path(get, path = "/v1/offers/{id}/history", tag = "offers", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = OfferHistory), (status = 404, description = "not_found")))]
pub(super) async fn history(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
) -> Result<axum::Json<OfferHistory>, ApiError> {
    principal.require(Scope::OffersRead)?;
    let events = db::history(&state.db, offer_tenant(&principal)?, id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    Ok(axum::Json(OfferHistory {
        data: events.into_iter().map(OfferEventView::from).collect(),
    }))
}

/// The offer routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(submit))
        .routes(routes!(withdraw))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(archive))
        .routes(routes!(history))
}
