//! The teams API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json, Path};
use crate::kernel::PromoterId;
use crate::kernel::error::ApiError;
use crate::programme::teams::db::{self, TeamError, TeamRow};
use crate::programme::teams::rules;

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::AlreadyInTeam => ApiError::conflict(
                "already_in_team",
                "you are in a team already: leave it first",
            ),
            TeamError::NameTaken => {
                ApiError::conflict("team_name_taken", "a team has that name already")
            }
            TeamError::UnknownCode => {
                ApiError::field("invite_code", "is not the invite code of a team")
            }
            TeamError::Full => ApiError::conflict(
                "team_full",
                "the team has as many members as a team may have",
            ),
            TeamError::NoTeam => ApiError::NotFound("team"),
            TeamError::NotOwner => ApiError::forbidden("only the team's owner can do this"),
            TeamError::OwnerMustHandOver => ApiError::conflict(
                "owner_must_hand_over",
                "the owner cannot leave a team with members: hand it over (or disband it) first",
            ),
            TeamError::NotMember => ApiError::NotFound("member"),
            TeamError::Db(e) => e.into(),
        }
    }
}

/// A member.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MemberView {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// Their name.
    pub display_name: String,
    /// When they joined.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
    /// Points earned since joining.
    pub points: i64,
}

/// A team as its members see it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TeamView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The owner.
    pub owner_id: PromoterId,
    /// The code others join with (members only; null for others).
    pub invite_code: Option<String>,
    /// What its members, current and past, earned while members.
    pub points: i64,
    /// How many members it has.
    pub member_count: usize,
    /// The members, first joined first (members only; empty for others).
    pub members: Vec<MemberView>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

async fn view(state: &AppState, team: TeamRow, member: bool) -> Result<TeamView, ApiError> {
    let (members, points) = db::members(&state.db, team.id).await?;
    Ok(TeamView {
        id: team.id,
        name: team.name,
        owner_id: team.owner_id,
        invite_code: member.then_some(team.invite_code),
        points,
        member_count: members.len(),
        members: if member {
            members
                .into_iter()
                .map(|m| MemberView {
                    promoter_id: m.promoter_id,
                    display_name: m.display_name,
                    joined_at: m.joined_at,
                    points: m.points,
                })
                .collect()
        } else {
            vec![]
        },
        created_at: team.created_at,
    })
}

/// A team to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateTeam {
    /// 2 to 60 characters, unique whatever the case.
    #[schema(min_length = 2, max_length = 60)]
    pub name: String,
}

/// An invite code to join with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct JoinTeam {
    /// The code the team's members share.
    pub invite_code: String,
}

/// The member to hand the team to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct HandOver {
    /// A current member.
    pub promoter_id: PromoterId,
}

/// Creates a team; you become its owner and first member.
#[utoipa::path(post, path = "/v1/teams", tag = "teams", request_body = CreateTeam, security(("bearer" = [])),
    responses((status = 201, body = TeamView), (status = 409, description = "already_in_team, team_name_taken"), (status = 422, description = "validation_failed")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<CreateTeam>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let me = principal.promoter()?;
    let name = rules::team_name(&req.name).map_err(|why| ApiError::field("name", why))?;
    if let Err(why) = crate::kernel::text::check(&name, false) {
        return Err(ApiError::field("name", why));
    }
    let team = db::create(&state.db, me, &name, &rules::invite_code()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&state, team, true).await?),
    ))
}

/// Your team.
#[utoipa::path(get, path = "/v1/teams/mine", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 404, description = "not_found: not in a team")))]
pub(super) async fn mine(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<TeamView>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let me = principal.promoter()?;
    let team = db::mine(&state.db, me)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    Ok(axum::Json(view(&state, team, true).await?))
}

/// A team: its name, points and size (its members see the members and the code).
#[utoipa::path(get, path = "/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<TeamView>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let team = db::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("team"))?;
    let member = match principal.tenant() {
        crate::kernel::Tenant::Promoter(me) => {
            db::mine(&state.db, me).await?.is_some_and(|t| t.id == id)
        }
        crate::kernel::Tenant::Admin => true,
        crate::kernel::Tenant::Advertiser(_) => false,
    };
    Ok(axum::Json(view(&state, team, member).await?))
}

/// Joins a team by its invite code.
#[utoipa::path(post, path = "/v1/teams/join", tag = "teams", request_body = JoinTeam, security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 409, description = "already_in_team, team_full"), (status = 422, description = "validation_failed: an unknown code")))]
pub(super) async fn join(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<JoinTeam>,
) -> Result<axum::Json<TeamView>, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let me = principal.promoter()?;
    let code = rules::normalise_code(&req.invite_code);
    let team = db::join(
        &state.db,
        me,
        &code,
        state.settings.programme.team_max_members,
    )
    .await?;
    Ok(axum::Json(view(&state, team, true).await?))
}

/// Leaves your team (an owner only as its last member: the team then ends).
#[utoipa::path(post, path = "/v1/teams/mine/leave", tag = "teams", security(("bearer" = [])),
    responses((status = 204, description = "left"), (status = 404, description = "not_found: not in a team"), (status = 409, description = "owner_must_hand_over")))]
pub(super) async fn leave(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::LinksWrite)?;
    db::leave(&state.db, principal.promoter()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member (the owner).
#[utoipa::path(delete, path = "/v1/teams/mine/members/{promoter_id}", tag = "teams", params(("promoter_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "removed"), (status = 403, description = "forbidden: not the owner"), (status = 404, description = "not_found")))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(member): Path<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::LinksWrite)?;
    db::remove(&state.db, principal.promoter()?, PromoterId(member)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hands the team over to a member (the owner).
#[utoipa::path(post, path = "/v1/teams/mine/owner", tag = "teams", request_body = HandOver, security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 403, description = "forbidden: not the owner"), (status = 404, description = "not_found")))]
pub(super) async fn hand_over(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<HandOver>,
) -> Result<axum::Json<TeamView>, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let team = db::hand_over(&state.db, principal.promoter()?, req.promoter_id).await?;
    Ok(axum::Json(view(&state, team, true).await?))
}

/// Replaces the invite code (the owner); the old one stops working.
#[utoipa::path(post, path = "/v1/teams/mine/invite-code/rotate", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 403, description = "forbidden: not the owner")))]
pub(super) async fn rotate_code(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<TeamView>, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let team = db::rotate_code(&state.db, principal.promoter()?, &rules::invite_code()).await?;
    Ok(axum::Json(view(&state, team, true).await?))
}

/// Disbands the team (the owner): every membership ends; the name is free again.
#[utoipa::path(delete, path = "/v1/teams/mine", tag = "teams", security(("bearer" = [])),
    responses((status = 204, description = "disbanded"), (status = 403, description = "forbidden: not the owner")))]
pub(super) async fn disband(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::LinksWrite)?;
    db::disband(&state.db, principal.promoter()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The team routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(mine, disband))
        .routes(routes!(get))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(remove))
        .routes(routes!(hand_over))
        .routes(routes!(rotate_code))
}
