//! The marketplace: promoters browse approved offers, join them and get their links.

use afftok_shared::{Country, Currency, Link};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Path, Query};
use crate::kernel::cursor;
use crate::kernel::error::ApiError;
use crate::kernel::money::Money;
use crate::kernel::text;
use crate::kernel::{OfferId, PromoterId, Tenant};
use crate::links::LinkView;
use crate::links::{self, signing_keys};
use crate::offers::db::{self, MarketFilter, MarketSort, OfferRow};
use crate::offers::rules::PayoutModel;

/// An approved offer as promoters see it (not the advertiser's destination URL).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MarketOffer {
    /// Id.
    pub id: OfferId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// A page to look at before joining.
    pub preview_url: Option<String>,
    /// Payout model.
    pub payout_model: PayoutModel,
    /// Fixed amount (cpa, cpl), a decimal string with the currency's decimals ("12.50").
    pub payout_amount: Option<Money>,
    /// Percentage (cps, revshare).
    pub payout_percent: Option<String>,
    /// Currency.
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Attribution window in hours.
    pub attribution_window_hours: i32,
    /// Allowed countries (empty: all).
    #[schema(value_type = Vec<String>)]
    pub geo_allow: Vec<Country>,
    /// Denied countries.
    #[schema(value_type = Vec<String>)]
    pub geo_deny: Vec<Country>,
}

impl From<OfferRow> for MarketOffer {
    fn from(o: OfferRow) -> Self {
        let f = o.fields;
        Self {
            payout_amount: f.payout_amount.map(|d| Money::new(d, &f.currency)),
            payout_percent: f.payout_percent.map(|d| d.normalize().to_string()),
            id: o.id,
            name: f.name,
            description: f.description,
            category: f.category,
            preview_url: f.preview_url,
            payout_model: f.payout_model,
            currency: f.currency,
            attribution_window_hours: f.attribution_window_hours,
            geo_allow: f.geo_allow,
            geo_deny: f.geo_deny,
        }
    }
}

/// A page of the marketplace.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MarketPage {
    /// The offers, in the requested order.
    pub data: Vec<MarketOffer>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Sort orders.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum SortBy {
    /// Newest first.
    #[default]
    Newest,
    /// Highest payout first: fixed amounts, then percentages.
    Payout,
}

impl SortBy {
    fn as_str(self) -> &'static str {
        match self {
            SortBy::Newest => "newest",
            SortBy::Payout => "payout",
        }
    }
}

/// Marketplace filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct MarketQuery {
    /// Only this category.
    pub category: Option<String>,
    /// Only this payout model.
    pub payout_model: Option<PayoutModel>,
    /// Only offers open to visitors from this country.
    pub country: Option<String>,
    /// Words to look for, 1–100 characters: only offers whose name or description contains
    /// every whitespace-separated word, in any case (`%` and `_` match themselves). A cursor
    /// continues the same search.
    pub q: Option<String>,
    /// `newest` (default) or `payout`.
    #[param(inline)]
    pub sort: Option<SortBy>,
    /// From `next_cursor` (of the same sort), as it was given (any other text is refused).
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Serialize, Deserialize)]
struct MarketCursor {
    /// The sort the cursor belongs to: `newest` or `payout`, kept as text (a cursor naming any
    /// other sort is answered as belonging to another sort order, not as no cursor at all).
    sort: String,
    key: Decimal,
    id: OfferId,
}

fn market_reader(principal: &crate::accounts::Principal) -> Result<(), ApiError> {
    principal.require(Scope::OffersRead)?;
    match principal.tenant() {
        Tenant::Advertiser(_) => Err(ApiError::forbidden("the marketplace is for promoters")),
        _ => Ok(()),
    }
}

/// Browses approved offers.
#[utoipa::path(get, path = "/v1/marketplace/offers", tag = "marketplace", params(MarketQuery), security(("bearer" = [])),
    responses((status = 200, body = MarketPage), (status = 422, description = "validation_failed")))]
pub(super) async fn browse(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<MarketQuery>,
) -> Result<axum::Json<MarketPage>, ApiError> {
    market_reader(&principal)?;
    let limit = cursor::limit(q.limit).map_err(|why| ApiError::field("limit", why))?;
    let country = match q.country.as_deref() {
        None => None,
        Some(c) => Some(
            Country::parse(c)
                .map_err(|_| ApiError::field("country", "must be a two-letter country code"))?,
        ),
    };
    let sort_by = q.sort.unwrap_or_default();
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => {
            let pos: MarketCursor = cursor::decode(c)
                .ok_or_else(|| ApiError::field("cursor", "is not a cursor this API gave out"))?;
            if pos.sort != sort_by.as_str() {
                return Err(ApiError::field("cursor", "belongs to another sort order"));
            }
            Some((pos.key, pos.id))
        }
    };
    let category = match q.category.map(|c| c.trim().to_ascii_lowercase()) {
        Some(c) if c.is_empty() || c.len() > 50 || text::check(&c, false).is_err() => {
            return Err(ApiError::field("category", "must be a category slug"));
        }
        other => other,
    };
    let words = match q.q.as_deref() {
        None => Vec::new(),
        Some(q) => text::search(q)
            .map_err(|why| ApiError::field("q", why))?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    };
    let sort = match sort_by {
        SortBy::Newest => MarketSort::Newest,
        SortBy::Payout => MarketSort::Payout,
    };
    let rows = db::marketplace(
        &state.db,
        &MarketFilter {
            category,
            payout_model: q.payout_model,
            country,
            words,
            sort,
            after,
            limit,
        },
    )
    .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| rows.last())
        .flatten()
        .map(|last| {
            cursor::encode(&MarketCursor {
                sort: sort_by.as_str().to_owned(),
                key: db::market_key(last, sort),
                id: last.id,
            })
        });
    Ok(axum::Json(MarketPage {
        data: rows.into_iter().map(MarketOffer::from).collect(),
        next_cursor,
    }))
}

/// One approved offer.
#[utoipa::path(get, path = "/v1/marketplace/offers/{id}", tag = "marketplace", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = MarketOffer), (status = 404, description = "not_found")))]
pub(super) async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
) -> Result<axum::Json<MarketOffer>, ApiError> {
    market_reader(&principal)?;
    let row = db::get(
        &state.db,
        Tenant::Promoter(PromoterId(principal.user_id.0)),
        id,
    )
    .await?
    .ok_or(ApiError::NotFound("offer"))?;
    Ok(axum::Json(row.into()))
}

/// Joins an approved offer: the promoter's tracking link, signed with the active key.
/// Joining again returns the same link (200 instead of 201).
#[utoipa::path(post, path = "/v1/marketplace/offers/{id}/join", tag = "marketplace", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 201, body = LinkView), (status = 200, body = LinkView, description = "already joined"),
              (status = 403, description = "email_unverified: AFFTOK_REQUIRE_VERIFIED_EMAIL is set and the promoter's email is not verified"),
              (status = 404, description = "not_found"), (status = 503, description = "no signing key yet")))]
pub(super) async fn join(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let promoter = principal.promoter()?;
    crate::accounts::require_verified_email(&state, &principal).await?;
    let offer = db::get(&state.db, Tenant::Promoter(promoter), id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    let kek = secrecy::ExposeSecret::expose_secret(state.settings.key_encryption_key.as_ref());
    let (keyset, active) = signing_keys::keyset(&state.db, kek).await?;
    let kid = active.ok_or(ApiError::Unavailable(
        "no link signing key exists yet: an operator must run `afftok keys create`",
    ))?;
    let link = Link {
        kid: u64::try_from(kid.0).map_err(ApiError::internal)?,
        offer_id: u64::try_from(offer.id.0).map_err(ApiError::internal)?,
        promoter_id: u64::try_from(promoter.0).map_err(ApiError::internal)?,
        expires_at: 0,
    };
    let token = keyset.sign(&link).map_err(ApiError::internal)?;
    let (row, created) = links::join(&state.db, promoter, offer.id, kid, &token).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let view = LinkView::new(row, &state.settings.edge_base_url);
    let mut views = links::for_mode(&state, principal.mode, vec![view]).await?;
    let view = views.pop().ok_or(ApiError::NotFound("link"))?;
    Ok((status, axum::Json(view)))
}

/// The marketplace routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(browse))
        .routes(routes!(show))
        .routes(routes!(join))
}
