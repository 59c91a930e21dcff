//! The points API: the levels, a promoter's standing and ledger, and admins' adjustments.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{Principal, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json, Path, Query};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::{OfferId, PromoterId, Tenant, text};
use crate::programme::db::{self, Entry, LedgerRow};
use crate::programme::rules::{Level, progress};

/// A level.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LevelView {
    /// Its name.
    pub name: String,
    /// The lifetime points it starts at.
    pub min_points: i64,
}

impl From<&Level> for LevelView {
    fn from(l: &Level) -> Self {
        Self {
            name: l.name.clone(),
            min_points: l.min,
        }
    }
}

/// The levels, lowest first.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LevelList {
    /// Lowest first.
    pub data: Vec<LevelView>,
}

/// A promoter's standing.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PointsView {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The sum of every entry.
    pub balance: i64,
    /// Everything earned, less what was taken back (levels go by it).
    pub lifetime_points: i64,
    /// The level now.
    pub level: LevelView,
    /// The next level (null at the top).
    pub next_level: Option<LevelView>,
    /// Points still needed for the next level.
    pub points_to_next: Option<i64>,
    /// How far from this level's start to the next's, 0 to 1.
    pub progress: f64,
}

/// A ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LedgerEntryView {
    /// Id.
    pub id: i64,
    /// Points (negative: taken back).
    pub points: i64,
    /// `conversion_approved`, `conversion_unapproved`, `unique_clicks` or `adjustment`.
    pub cause: String,
    /// The conversion (conversion causes).
    pub conversion_id: Option<uuid::Uuid>,
    /// The conversion's offer.
    pub offer_id: Option<OfferId>,
    /// The clicks' UTC day (unique_clicks).
    #[schema(value_type = Option<String>, format = Date)]
    pub day: Option<String>,
    /// An adjustment's reason.
    pub reason: Option<String>,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl From<LedgerRow> for LedgerEntryView {
    fn from(r: LedgerRow) -> Self {
        Self {
            id: r.id,
            points: r.points,
            cause: r.cause,
            conversion_id: r.conversion_id,
            offer_id: r.offer_id,
            day: r.day.map(iso),
            reason: r.reason,
            created_at: r.created_at,
        }
    }
}

/// A page of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LedgerPage {
    /// Newest first.
    pub data: Vec<LedgerEntryView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which ledger to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct LedgerQuery {
    /// The promoter: required for admins; a promoter reads its own ledger and may leave it out
    /// or name itself.
    pub promoter_id: Option<i64>,
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

/// An admin's adjustment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Adjustment {
    /// Points to add (negative: take away), not 0, at most 1,000,000 either way.
    #[schema(schema_with = adjustment_points)]
    pub points: i64,
    /// Why (1–500 characters once trimmed, no control characters): shown to the promoter in
    /// the ledger.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub reason: String,
}

/// The schema of [`Adjustment::points`]: -1,000,000 to 1,000,000 without 0, which one range
/// cannot say.
fn adjustment_points() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    let range = |min: i64, max: i64| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(min))
            .maximum(Some(max))
    };
    OneOfBuilder::new()
        .item(range(-1_000_000, -1))
        .item(range(1, 1_000_000))
        .description(Some(
            "Points to add (negative: take away), not 0, at most 1,000,000 either way.",
        ))
        .build()
        .into()
}

async fn standing(state: &AppState, promoter: PromoterId) -> Result<PointsView, ApiError> {
    let s = db::standing(&state.db, promoter).await?;
    let p = progress(&state.settings.programme.levels, s.lifetime);
    Ok(PointsView {
        promoter_id: promoter,
        balance: s.balance,
        lifetime_points: s.lifetime,
        level: (&p.level).into(),
        points_to_next: p.next.as_ref().map(|(_, n)| *n),
        next_level: p.next.as_ref().map(|(l, _)| l.into()),
        progress: p.fraction,
    })
}

/// The promoter whose points the caller asks for: its own, or (admins) the one named.
async fn whose(
    state: &AppState,
    principal: &Principal,
    asked: Option<i64>,
) -> Result<PromoterId, ApiError> {
    match (principal.tenant(), asked) {
        (Tenant::Promoter(me), None) => Ok(me),
        (Tenant::Promoter(me), Some(id)) if id == me.0 => Ok(me),
        (Tenant::Promoter(_), Some(_)) => Err(ApiError::NotFound("promoter")),
        (Tenant::Admin, Some(id)) => {
            let user = crate::accounts::user_by_id(&state.db, crate::kernel::UserId(id)).await?;
            if user.is_some_and(|u| u.role == crate::accounts::Role::Promoter) {
                Ok(PromoterId(id))
            } else {
                Err(ApiError::NotFound("promoter"))
            }
        }
        (Tenant::Admin, None) => Err(ApiError::field("promoter_id", "is required for admins")),
        (Tenant::Advertiser(_), _) => Err(ApiError::forbidden("points belong to promoters")),
    }
}

/// The levels and the lifetime points each starts at.
#[utoipa::path(get, path = "/v1/points/levels", tag = "programme", security(("bearer" = [])),
    responses((status = 200, body = LevelList)))]
pub(super) async fn levels(
    State(state): State<AppState>,
    Auth(_principal): Auth,
) -> axum::Json<LevelList> {
    axum::Json(LevelList {
        data: state
            .settings
            .programme
            .levels
            .iter()
            .map(Into::into)
            .collect(),
    })
}

/// Your points and level, with the progress to the next.
#[utoipa::path(get, path = "/v1/points/me", tag = "programme", security(("bearer" = [])),
    responses((status = 200, body = PointsView), (status = 403, description = "forbidden: not a promoter")))]
pub(super) async fn mine(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<PointsView>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let me = principal.promoter()?;
    Ok(axum::Json(standing(&state, me).await?))
}

/// A ledger, newest first: yours, or (admins) a promoter's.
#[utoipa::path(get, path = "/v1/points/ledger", tag = "programme", params(LedgerQuery), security(("bearer" = [])),
    responses((status = 200, body = LedgerPage), (status = 403, description = "forbidden"), (status = 404, description = "not_found")))]
pub(super) async fn ledger(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<LedgerQuery>,
) -> Result<axum::Json<LedgerPage>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let (before, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let promoter = whose(&state, &principal, q.promoter_id).await?;
    let rows = db::ledger(&state.db, promoter, before, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id);
    Ok(axum::Json(LedgerPage {
        data: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// A promoter's points and level (admins).
#[utoipa::path(get, path = "/v1/admin/promoters/{id}/points", tag = "programme", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PointsView), (status = 403, description = "forbidden"), (status = 404, description = "not_found")))]
pub(super) async fn of_promoter(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<PointsView>, ApiError> {
    principal.admin()?;
    let promoter = whose(&state, &principal, Some(id)).await?;
    Ok(axum::Json(standing(&state, promoter).await?))
}

/// Adds or takes away points, with a reason the promoter sees (admins; recorded with who).
#[utoipa::path(post, path = "/v1/admin/promoters/{id}/points", tag = "programme", params(("id" = i64, Path)), request_body = Adjustment, security(("bearer" = [])),
    responses((status = 201, body = PointsView), (status = 403, description = "forbidden"), (status = 404, description = "not_found"), (status = 422, description = "validation_failed")))]
pub(super) async fn adjust(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(req): Json<Adjustment>,
) -> Result<impl IntoResponse, ApiError> {
    principal.admin()?;
    let mut errors = Vec::new();
    if req.points == 0 || req.points.unsigned_abs() > 1_000_000 {
        errors.push(FieldError::new(
            "points",
            "must be -1000000 to 1000000, not 0",
        ));
    }
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new(
            "reason",
            "is required: 1 to 500 characters",
        ));
    } else if let Err(why) = text::check(reason, false) {
        errors.push(FieldError::new("reason", why));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let promoter = whose(&state, &principal, Some(id)).await?;
    let mut tx = state.db.begin().await?;
    db::apply(
        &mut tx,
        &[Entry {
            promoter_id: promoter,
            points: req.points,
            cause: "adjustment",
            source_event: None,
            conversion_id: None,
            offer_id: None,
            day: None,
            reason: Some(reason.to_owned()),
            actor_id: Some(principal.user_id),
        }],
        &state.settings.programme.levels,
    )
    .await?;
    tx.commit().await?;
    state.leaderboard_wake.notify_one();
    Ok((
        StatusCode::CREATED,
        axum::Json(standing(&state, promoter).await?),
    ))
}

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(levels))
        .routes(routes!(mine))
        .routes(routes!(ledger))
        .routes(routes!(of_promoter, adjust))
        .merge(crate::programme::teams::http::router())
        .merge(crate::programme::leaderboards::router())
        .merge(crate::programme::contests::http::router())
}
