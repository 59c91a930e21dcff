//! The contests API: admins and advertisers make and run contests, promoters enter them and
//! everyone who sees one reads its standings (live, then frozen).
//!
//! Scopes (API keys): reading takes `stats:read`, making and running contests
//! `offers:write` (advertisers and admins), entering `links:write` (promoters), as the
//! programme's other routes do.

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
use crate::kernel::money::{DecimalText, Money};
use crate::kernel::page::{instant, next_cursor, page_params};
use crate::kernel::{AdvertiserId, PromoterId, Tenant, UserId, text};
use crate::programme::contests::db::{
    self, ContestError, ContestRow, EntryRow, Filter, PrizeRow, StandingRow,
};
use crate::programme::contests::rules::{self, Draft, Kind, Metric, Prize, Status};

impl From<ContestError> for ApiError {
    fn from(e: ContestError) -> Self {
        match e {
            ContestError::NotFound => ApiError::NotFound("contest"),
            ContestError::Illegal(why) => ApiError::conflict("illegal_transition", why),
            ContestError::EndsInPast => ApiError::conflict(
                "contest_ended",
                "the contest's end has passed: move ends_at into the future to publish it",
            ),
            ContestError::NoTeam => ApiError::conflict(
                "no_team",
                "this is a team contest: join or create a team first",
            ),
            ContestError::NotTeamOwner => {
                ApiError::forbidden("only the team's owner can enter or withdraw the team")
            }
            ContestError::NotEntered => ApiError::NotFound("entry"),
            ContestError::Db(e) => e.into(),
        }
    }
}

/// A prize.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PrizeView {
    /// The rank that wins it.
    pub rank: i32,
    /// What it is.
    pub prize: String,
    /// Its amount, when it has one.
    pub amount: Option<Money>,
    /// The amount's currency.
    pub currency: Option<String>,
}

impl From<&PrizeRow> for PrizeView {
    fn from(p: &PrizeRow) -> Self {
        Self {
            rank: p.rank,
            prize: p.prize.clone(),
            amount: p.amount.map(|a| Money::in_code(a, p.currency.as_deref())),
            currency: p.currency.clone(),
        }
    }
}

/// A contest.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ContestView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The advertiser whose contest it is (null: platform-wide).
    pub advertiser_id: Option<AdvertiserId>,
    /// The user who made it.
    pub created_by: UserId,
    /// Who competes.
    pub kind: Kind,
    /// What counts.
    pub metric: Metric,
    /// The payout metric's currency.
    pub currency: Option<String>,
    /// Counted from (included).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    /// Counted until (not included).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    /// Where it is in its life.
    pub status: Status,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The offers counted (empty: every offer).
    pub offer_ids: Vec<i64>,
    /// Prizes by rank.
    pub prizes: Vec<PrizeView>,
    /// How many entered.
    pub entrants: i64,
    /// Whether you (or your team) entered (promoters).
    pub entered: bool,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Published.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<OffsetDateTime>,
    /// Started.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<OffsetDateTime>,
    /// Finished (its results frozen).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
    /// Cancelled.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cancelled_at: Option<OffsetDateTime>,
}

fn view(c: ContestRow, prizes: &[PrizeRow]) -> ContestView {
    ContestView {
        id: c.id,
        name: c.name,
        description: c.description,
        advertiser_id: c.advertiser_id,
        created_by: c.created_by,
        kind: c.kind,
        metric: c.metric,
        currency: c.currency,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        status: c.status,
        cancel_reason: c.cancel_reason,
        offer_ids: c.offer_ids,
        prizes: prizes.iter().map(Into::into).collect(),
        entrants: c.entrants,
        entered: c.entered,
        created_at: c.created_at,
        published_at: c.published_at,
        started_at: c.started_at,
        finished_at: c.finished_at,
        cancelled_at: c.cancelled_at,
    }
}

/// A page of contests.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ContestPage {
    /// Newest first.
    pub data: Vec<ContestView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A prize to award.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PrizeInput {
    /// 1 to 100, one prize per rank.
    #[schema(minimum = 1, maximum = 100)]
    pub rank: i32,
    /// 1 to 200 characters once trimmed, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub prize: String,
    /// An amount (a decimal string, up to 4 decimals), with `currency` (both or neither).
    #[schema(value_type = Option<String>, pattern = r"^[0-9]+(\.[0-9]{1,4})?$")]
    pub amount: Option<DecimalText>,
    /// The amount's currency code (three capital letters), with `amount` (both or neither).
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
}

/// A contest to create (a draft).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewContest {
    /// 2 to 100 characters once trimmed, no control characters.
    #[schema(
        min_length = 2,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// Up to 2000 characters, no control characters but line breaks and tabs.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    /// `individual` or `team`.
    #[schema(value_type = Kind)]
    pub kind: String,
    /// `conversions`, `points`, `unique_clicks` or `payout`.
    #[schema(value_type = Metric)]
    pub metric: String,
    /// Required for (and only for) the payout metric: payouts in this currency (three
    /// capital letters) are summed.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// RFC 3339 (years 1970 to 9000 in UTC): counted from this instant.
    #[schema(value_type = String, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$", example = "2026-12-01T00:00:00Z")]
    pub starts_at: String,
    /// RFC 3339 (years 1970 to 9000 in UTC): counted until this instant (not included);
    /// after the start, at most 366 days after it.
    #[schema(value_type = String, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$", example = "2026-12-31T00:00:00Z")]
    pub ends_at: String,
    /// The offers counted (empty: every offer), at most 100, each named once. Advertisers name
    /// their own (required); admins any offer; the points metric takes none.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub offer_ids: Vec<i64>,
    /// Prizes, at most 100, one per rank.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub prizes: Vec<PrizeInput>,
}

/// Changes to a draft (what is left out stays).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ContestChanges {
    /// 2 to 100 characters once trimmed, no control characters.
    #[schema(
        min_length = 2,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// Up to 2000 characters, no control characters but line breaks and tabs; an empty
    /// text removes it.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    /// `individual` or `team`.
    #[schema(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// `conversions`, `points`, `unique_clicks` or `payout`.
    #[schema(value_type = Option<Metric>)]
    pub metric: Option<String>,
    /// The payout metric's currency (three capital letters); an empty text removes it.
    #[schema(pattern = "^([A-Z]{3})?$")]
    pub currency: Option<String>,
    /// RFC 3339 (years 1970 to 9000 in UTC).
    #[schema(value_type = Option<String>, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub starts_at: Option<String>,
    /// RFC 3339 (years 1970 to 9000 in UTC); the result's end is after its start, at most
    /// 366 days after it.
    #[schema(value_type = Option<String>, format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub ends_at: Option<String>,
    /// Replaces the offers (as for a new contest).
    #[schema(max_items = 100)]
    pub offer_ids: Option<Vec<i64>>,
    /// Replaces the prizes (as for a new contest).
    #[schema(max_items = 100)]
    pub prizes: Option<Vec<PrizeInput>>,
}

/// Why the contest is called off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Cancel {
    /// 1 to 500 characters once trimmed, no control characters; shown with the contest.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub reason: String,
}

/// Which contests to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Only in this state.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Only of this kind.
    #[param(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// Only with this metric.
    #[param(value_type = Option<Metric>)]
    pub metric: Option<String>,
    /// Promoters: only those you (or your team) entered.
    pub mine: Option<bool>,
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

/// A page of the standings.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct StandingsQuery {
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

/// An entry.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EntryView {
    /// The contest.
    pub contest_id: i64,
    /// The entry.
    pub entry_id: i64,
    /// The promoter (individual contests).
    pub promoter_id: Option<PromoterId>,
    /// The team (team contests).
    pub team_id: Option<i64>,
    /// When it entered.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub entered_at: OffsetDateTime,
}

fn entry_view(contest: i64, e: EntryRow) -> EntryView {
    EntryView {
        contest_id: contest,
        entry_id: e.id,
        promoter_id: e.promoter_id,
        team_id: e.team_id,
        entered_at: e.entered_at,
    }
}

/// A place in the standings.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct StandingView {
    /// 1 for the leader; no two share a rank (ties go to whoever reached the score first).
    pub rank: i32,
    /// The promoter (individual contests).
    pub promoter_id: Option<PromoterId>,
    /// The team (team contests).
    pub team_id: Option<i64>,
    /// The promoter's display name or the team's name.
    pub name: String,
    /// The score, a decimal string: a count, points, or a payout sum in the contest's
    /// currency.
    pub score: String,
    /// When the score was reached (the last counted contribution; null: none yet).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reached_at: Option<OffsetDateTime>,
    /// When it entered.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub entered_at: OffsetDateTime,
    /// The prize of the rank (won, once the contest is finished).
    pub prize: Option<PrizeView>,
}

fn standing_view(c: &ContestRow, s: &StandingRow) -> StandingView {
    let score = if c.metric == Metric::Payout {
        Money::in_code(s.score, c.currency.as_deref()).to_string()
    } else {
        s.score.normalize().to_string()
    };
    StandingView {
        rank: s.rank,
        promoter_id: s.promoter_id,
        team_id: s.team_id,
        name: s.name.clone(),
        score,
        reached_at: s.reached_at,
        entered_at: s.entered_at,
        prize: s.prize.as_ref().map(Into::into),
    }
}

/// The standings.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct StandingsPage {
    /// The contest.
    pub contest_id: i64,
    /// Its state.
    pub status: Status,
    /// True once finished: the standings are the final results.
    pub frozen: bool,
    /// By rank.
    pub data: Vec<StandingView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Your (or your team's) place, when you entered (promoters).
    pub mine: Option<StandingView>,
}

fn caller_promoter(principal: &Principal) -> Option<PromoterId> {
    match principal.tenant() {
        Tenant::Promoter(p) => Some(p),
        _ => None,
    }
}

/// A contest the caller may see: admins all, advertisers their own, promoters every one
/// that is not a draft. Anything else is not found.
async fn visible(state: &AppState, principal: &Principal, id: i64) -> Result<ContestRow, ApiError> {
    let c = db::get(&state.db, id, caller_promoter(principal))
        .await?
        .ok_or(ApiError::NotFound("contest"))?;
    let sees = match principal.tenant() {
        Tenant::Admin => true,
        Tenant::Advertiser(a) => c.advertiser_id == Some(a),
        Tenant::Promoter(_) => c.status != Status::Draft,
    };
    if sees {
        Ok(c)
    } else {
        Err(ApiError::NotFound("contest"))
    }
}

/// A contest the caller manages: admins any, advertisers their own.
async fn managed(state: &AppState, principal: &Principal, id: i64) -> Result<ContestRow, ApiError> {
    principal.require(Scope::OffersWrite)?;
    visible(state, principal, id).await
}

async fn full_view(state: &AppState, c: ContestRow) -> Result<ContestView, ApiError> {
    let mut conn = state.db.acquire().await?;
    let prizes = db::prizes(&mut conn, c.id).await?;
    Ok(view(c, &prizes))
}

fn parse_kind(field: &str, v: &str, errors: &mut Vec<FieldError>) -> Kind {
    Kind::parse(v).unwrap_or_else(|why| {
        errors.push(FieldError::new(field, why));
        Kind::Individual
    })
}

fn parse_metric(field: &str, v: &str, errors: &mut Vec<FieldError>) -> Metric {
    Metric::parse(v).unwrap_or_else(|why| {
        errors.push(FieldError::new(field, why));
        Metric::Conversions
    })
}

fn parse_time(field: &str, v: &str, errors: &mut Vec<FieldError>) -> OffsetDateTime {
    match instant(field, Some(v)) {
        Ok(Some(t)) => t,
        Ok(None) => OffsetDateTime::UNIX_EPOCH,
        Err(ApiError::Validation(mut e)) => {
            errors.append(&mut e);
            OffsetDateTime::UNIX_EPOCH
        }
        Err(_) => {
            errors.push(FieldError::new(field, "must be an RFC 3339 instant"));
            OffsetDateTime::UNIX_EPOCH
        }
    }
}

fn parse_prizes(input: &[PrizeInput], errors: &mut Vec<FieldError>) -> Vec<Prize> {
    if input.len() > rules::MAX_PRIZE_RANK as usize {
        errors.push(FieldError::new("prizes", "may list at most 100 prizes"));
    }
    input
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let amount = match (&p.amount, &p.currency) {
                (Some(a), Some(c)) => match a.parse(4) {
                    Ok(a) if a.mantissa() < 10_i128.pow(19) => Some((a, c.clone())),
                    _ => {
                        errors.push(FieldError::new(
                            format!("prizes[{i}].amount"),
                            "must be a decimal with at most 4 decimals, such as \"100.00\"",
                        ));
                        None
                    }
                },
                (Some(_), None) => {
                    errors.push(FieldError::new(
                        format!("prizes[{i}].currency"),
                        "is required with an amount",
                    ));
                    None
                }
                (None, Some(_)) => {
                    errors.push(FieldError::new(
                        format!("prizes[{i}].amount"),
                        "is required with a currency",
                    ));
                    None
                }
                (None, None) => None,
            };
            if let Err(why) = text::check(p.prize.trim(), false) {
                errors.push(FieldError::new(format!("prizes[{i}].prize"), why));
            }
            Prize {
                rank: p.rank,
                prize: p.prize.clone(),
                amount,
            }
        })
        .collect()
}

/// Checks a contest and its offers; the first problems found, field by field.
async fn checked(
    state: &AppState,
    d: Draft,
    advertiser: Option<AdvertiserId>,
    mut errors: Vec<FieldError>,
) -> Result<Draft, ApiError> {
    if let Err(why) = text::check(&d.name, false) {
        errors.push(FieldError::new("name", why));
    }
    if let Some(Err(why)) = d.description.as_deref().map(|t| text::check(t, true)) {
        errors.push(FieldError::new("description", why));
    }
    // A field that did not parse stands in as a default: the checks across fields would
    // then speak of a value the client never sent.
    let unparsed = !errors.is_empty();
    errors.extend(
        rules::validate(&d, advertiser.is_some())
            .into_iter()
            .filter(|e| {
                !unparsed
                    || !matches!(
                        e.field.as_str(),
                        "ends_at" | "currency" | "offer_ids" | "metric"
                    )
            }),
    );
    if errors.is_empty() {
        let foreign = db::foreign_offers(&state.db, &d.offer_ids, advertiser).await?;
        if !foreign.is_empty() {
            let ids: Vec<String> = foreign.iter().map(i64::to_string).collect();
            errors.push(FieldError::new(
                "offer_ids",
                if advertiser.is_some() {
                    format!("are not offers of yours: {}", ids.join(", "))
                } else {
                    format!("are not offers: {}", ids.join(", "))
                },
            ));
        }
    }
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Whose contest the caller makes: an admin's is platform-wide, an advertiser's its own.
fn owner(principal: &Principal) -> Result<Option<AdvertiserId>, ApiError> {
    principal.require(Scope::OffersWrite)?;
    match principal.tenant() {
        Tenant::Admin => Ok(None),
        Tenant::Advertiser(a) => Ok(Some(a)),
        Tenant::Promoter(_) => Err(ApiError::forbidden(
            "only admins and advertisers create contests",
        )),
    }
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Creates a contest, as a draft: an admin's is platform-wide (any offers, or none), an
/// advertiser's counts its own offers.
#[utoipa::path(post, path = "/v1/contests", tag = "contests", request_body = NewContest, security(("bearer" = [])),
    responses((status = 201, body = ContestView), (status = 403, description = "forbidden: promoters"), (status = 422, description = "validation_failed")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<NewContest>,
) -> Result<impl IntoResponse, ApiError> {
    let advertiser = owner(&principal)?;
    let mut errors = Vec::new();
    let d = Draft {
        name: req.name.trim().to_owned(),
        description: trimmed(req.description),
        kind: parse_kind("kind", &req.kind, &mut errors),
        metric: parse_metric("metric", &req.metric, &mut errors),
        currency: trimmed(req.currency),
        starts_at: parse_time("starts_at", &req.starts_at, &mut errors),
        ends_at: parse_time("ends_at", &req.ends_at, &mut errors),
        offer_ids: req.offer_ids,
        prizes: parse_prizes(&req.prizes, &mut errors),
    };
    let d = checked(&state, d, advertiser, errors).await?;
    let id = db::create(&state.db, principal.user_id, advertiser, &d).await?;
    let c = db::get(&state.db, id, None)
        .await?
        .ok_or(ApiError::NotFound("contest"))?;
    Ok((StatusCode::CREATED, axum::Json(full_view(&state, c).await?)))
}

/// Contests, newest first: admins see all, advertisers their own, promoters every published
/// one.
#[utoipa::path(get, path = "/v1/contests", tag = "contests", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = ContestPage), (status = 422, description = "validation_failed")))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<ContestPage>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let (before, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let mut errors = Vec::new();
    let status = q.status.as_deref().and_then(|s| {
        Status::parse(s)
            .map_err(|why| errors.push(FieldError::new("status", why)))
            .ok()
    });
    let kind = q.kind.as_deref().and_then(|s| {
        Kind::parse(s)
            .map_err(|why| errors.push(FieldError::new("kind", why)))
            .ok()
    });
    let metric = q.metric.as_deref().and_then(|s| {
        Metric::parse(s)
            .map_err(|why| errors.push(FieldError::new("metric", why)))
            .ok()
    });
    let me = caller_promoter(&principal);
    if q.mine == Some(true) && me.is_none() {
        errors.push(FieldError::new(
            "mine",
            "is for promoters: the contests they entered",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = Filter {
        advertiser: match principal.tenant() {
            Tenant::Advertiser(a) => Some(a),
            _ => None,
        },
        published_only: me.is_some(),
        status,
        kind,
        metric,
        entered_by: me.filter(|_| q.mine == Some(true)),
        caller: me,
    };
    let rows = db::list(&state.db, &filter, before, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |c| c.id);
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let prizes = db::prizes_of(&state.db, &ids).await?;
    Ok(axum::Json(ContestPage {
        data: rows
            .into_iter()
            .map(|c| {
                let mine: Vec<PrizeRow> = prizes
                    .iter()
                    .filter(|(id, _)| *id == c.id)
                    .map(|(_, p)| p.clone())
                    .collect();
                view(c, &mine)
            })
            .collect(),
        next_cursor,
    }))
}

/// A contest.
#[utoipa::path(get, path = "/v1/contests/{id}", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ContestView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<ContestView>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let c = visible(&state, &principal, id).await?;
    Ok(axum::Json(full_view(&state, c).await?))
}

/// Changes a draft (its owner, or an admin).
#[utoipa::path(patch, path = "/v1/contests/{id}", tag = "contests", params(("id" = i64, Path)), request_body = ContestChanges, security(("bearer" = [])),
    responses((status = 200, body = ContestView), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition: not a draft"), (status = 422, description = "validation_failed")))]
pub(super) async fn update(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(req): Json<ContestChanges>,
) -> Result<axum::Json<ContestView>, ApiError> {
    let c = managed(&state, &principal, id).await?;
    rules::allowed(c.status, rules::Action::Edit)
        .map_err(|why| ApiError::conflict("illegal_transition", why))?;
    let mut conn = state.db.acquire().await?;
    let prizes = db::prizes(&mut conn, id).await?;
    drop(conn);
    let mut errors = Vec::new();
    let d = Draft {
        name: req.name.map_or(c.name, |n| n.trim().to_owned()),
        description: match req.description {
            Some(t) => trimmed(Some(t)),
            None => c.description,
        },
        kind: req
            .kind
            .map_or(c.kind, |k| parse_kind("kind", &k, &mut errors)),
        metric: req
            .metric
            .map_or(c.metric, |m| parse_metric("metric", &m, &mut errors)),
        currency: match req.currency {
            Some(t) => trimmed(Some(t)),
            None => c.currency,
        },
        starts_at: req
            .starts_at
            .map_or(c.starts_at, |t| parse_time("starts_at", &t, &mut errors)),
        ends_at: req
            .ends_at
            .map_or(c.ends_at, |t| parse_time("ends_at", &t, &mut errors)),
        offer_ids: req.offer_ids.unwrap_or(c.offer_ids),
        prizes: match req.prizes {
            Some(p) => parse_prizes(&p, &mut errors),
            None => prizes
                .into_iter()
                .map(|p| Prize {
                    rank: p.rank,
                    prize: p.prize,
                    amount: p.amount.zip(p.currency),
                })
                .collect(),
        },
    };
    let d = checked(&state, d, c.advertiser_id, errors).await?;
    db::update(&state.db, id, &d).await?;
    let c = visible(&state, &principal, id).await?;
    Ok(axum::Json(full_view(&state, c).await?))
}

/// Deletes a draft.
#[utoipa::path(delete, path = "/v1/contests/{id}", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition: not a draft")))]
pub(super) async fn delete(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    managed(&state, &principal, id).await?;
    db::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes a draft whose end is ahead: promoters see it and may enter; it runs from its
/// start.
#[utoipa::path(post, path = "/v1/contests/{id}/publish", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ContestView), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition, contest_ended"), (status = 422, description = "validation_failed")))]
pub(super) async fn publish(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<axum::Json<ContestView>, ApiError> {
    let c = managed(&state, &principal, id).await?;
    rules::allowed(c.status, rules::Action::Publish)
        .map_err(|why| ApiError::conflict("illegal_transition", why))?;
    // The offers may have changed hands or gone since the draft was written.
    if !c.offer_ids.is_empty() {
        let foreign = db::foreign_offers(&state.db, &c.offer_ids, c.advertiser_id).await?;
        if !foreign.is_empty() {
            let ids: Vec<String> = foreign.iter().map(i64::to_string).collect();
            return Err(ApiError::field(
                "offer_ids",
                format!("are not offers of the contest's owner: {}", ids.join(", ")),
            ));
        }
    }
    db::publish(&state.db, id).await?;
    let c = visible(&state, &principal, id).await?;
    Ok(axum::Json(full_view(&state, c).await?))
}

/// Calls a contest off (a draft, scheduled or running one): no results, no prizes.
#[utoipa::path(post, path = "/v1/contests/{id}/cancel", tag = "contests", params(("id" = i64, Path)), request_body = Cancel, security(("bearer" = [])),
    responses((status = 200, body = ContestView), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition"), (status = 422, description = "validation_failed")))]
pub(super) async fn cancel(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Json(req): Json<Cancel>,
) -> Result<axum::Json<ContestView>, ApiError> {
    managed(&state, &principal, id).await?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::field(
            "reason",
            "is required: 1 to 500 characters",
        ));
    }
    if let Err(why) = text::check(reason, false) {
        return Err(ApiError::field("reason", why));
    }
    db::cancel(&state.db, id, reason).await?;
    let c = visible(&state, &principal, id).await?;
    Ok(axum::Json(full_view(&state, c).await?))
}

/// Enters a published contest before its end: yourself (individual contests) or your team
/// (team contests; its owner). Entering again answers the entry there is.
#[utoipa::path(post, path = "/v1/contests/{id}/entries", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = EntryView), (status = 200, body = EntryView, description = "entered already"), (status = 403, description = "forbidden: not a promoter, not the team's owner"), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition: not open; no_team")))]
pub(super) async fn enter(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let me = principal.promoter()?;
    let c = visible(&state, &principal, id).await?;
    let (entry, new) = db::enter(&state.db, id, c.kind, me).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(entry_view(id, entry))))
}

/// Withdraws your entry (or your team's, its owner) before the end.
#[utoipa::path(delete, path = "/v1/contests/{id}/entries/mine", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "withdrawn"), (status = 403, description = "forbidden"), (status = 404, description = "not_found: no such contest, or not entered"), (status = 409, description = "illegal_transition: over")))]
pub(super) async fn leave(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::LinksWrite)?;
    let me = principal.promoter()?;
    let c = visible(&state, &principal, id).await?;
    db::leave(&state.db, id, c.kind, me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The standings by rank: live (from Postgres) until the contest finishes, then its frozen
/// results; with your place when you entered.
#[utoipa::path(get, path = "/v1/contests/{id}/standings", tag = "contests", params(("id" = i64, Path), StandingsQuery), security(("bearer" = [])),
    responses((status = 200, body = StandingsPage), (status = 404, description = "not_found"), (status = 409, description = "contest_cancelled")))]
pub(super) async fn standings(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
    Query(q): Query<StandingsQuery>,
) -> Result<axum::Json<StandingsPage>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let (after, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let after = after.unwrap_or(0);
    let c = visible(&state, &principal, id).await?;
    let me = caller_promoter(&principal);
    let (rows, mine) = match c.status {
        Status::Cancelled => {
            return Err(ApiError::conflict(
                "contest_cancelled",
                "the contest was cancelled: it has no standings",
            ));
        }
        Status::Finished => {
            let rows = db::results(&state.db, id, after, limit).await?;
            let mine = match me {
                Some(me) => match db::my_result(&state.db, id, me).await? {
                    Some(rank) => db::results(&state.db, id, rank - 1, 1).await?.pop(),
                    None => None,
                },
                None => None,
            };
            (rows, mine)
        }
        Status::Draft | Status::Scheduled | Status::Running => {
            let mut conn = state.db.acquire().await?;
            let all = db::live(&mut conn, &c).await?;
            drop(conn);
            let team = match (me, c.kind) {
                (Some(me), Kind::Team) => crate::programme::teams::db::mine(&state.db, me)
                    .await?
                    .map(|t| t.id),
                _ => None,
            };
            let mine = me.and_then(|me| {
                all.iter()
                    .find(|s| s.promoter_id == Some(me) || (team.is_some() && s.team_id == team))
                    .cloned()
            });
            let rows = all
                .into_iter()
                .filter(|s| i64::from(s.rank) > after)
                .take(limit as usize)
                .collect();
            (rows, mine)
        }
    };
    let next_cursor = next_cursor(&rows, limit, |s| i64::from(s.rank));
    Ok(axum::Json(StandingsPage {
        contest_id: id,
        status: c.status,
        frozen: c.status == Status::Finished,
        data: rows.iter().map(|s| standing_view(&c, s)).collect(),
        next_cursor,
        mine: mine.as_ref().map(|s| standing_view(&c, s)),
    }))
}

/// The contest routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(publish))
        .routes(routes!(cancel))
        .routes(routes!(enter))
        .routes(routes!(leave))
        .routes(routes!(standings))
}
