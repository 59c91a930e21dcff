//! The leaderboards API: a board's top places, page by page, and the caller's place with its
//! neighbours. Redis answers while its boards are complete; otherwise (Redis away, emptied or
//! being rebuilt) Postgres does, with the same numbers, more slowly; if both are away, 503
//! with `Retry-After`. Redis is read through the request path's guard (`app/redis_guard.rs`):
//! a read that fails or is slow sends the next second's reads straight to Postgres.

use std::collections::HashMap;

use axum::extract::State;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::redis_guard::Unavailable;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Path, Query};
use crate::kernel::cursor;
use crate::kernel::error::ApiError;
use crate::programme::leaderboards::rules::{Board, Period};
use crate::programme::leaderboards::store::{self, Keys, Place};
use crate::programme::leaderboards::totals::{self, Row};

/// Which board and period.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct BoardQuery {
    /// `all` (default), `month` (this calendar month, UTC) or `week` (this ISO week, UTC).
    pub period: Option<Period>,
    /// Places per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Which period, and how many neighbours.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct MineQuery {
    /// `all` (default), `month` or `week`.
    pub period: Option<Period>,
    /// Neighbours on each side, 0 to 10 (default 2).
    pub around: Option<u32>,
}

/// A place on a board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct PlaceView {
    /// 1 for the first.
    pub rank: i64,
    /// The promoter or team.
    pub id: i64,
    /// Its display name (a team's name).
    pub name: String,
    /// Points in the period.
    pub points: i64,
    /// When the points last changed (ties go to the earlier).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub reached_at: OffsetDateTime,
}

/// A page of a board.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct BoardPage {
    /// `promoters` or `teams`.
    pub board: Board,
    /// `all`, `month` or `week`.
    pub period: Period,
    /// The period: `all`, `month:2026-12` or `week:2026-W49`.
    pub period_key: String,
    /// Who answered: `redis`, or `postgres` while Redis cannot.
    pub source: String,
    /// How many are on the board.
    pub size: i64,
    /// Best first.
    pub data: Vec<PlaceView>,
    /// The next page, if any.
    pub next_cursor: Option<String>,
}

/// The caller's place (a promoter's own, or its team's).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MyPlace {
    /// `promoters` or `teams`.
    pub board: Board,
    /// `all`, `month` or `week`.
    pub period: Period,
    /// The period: `all`, `month:2026-12` or `week:2026-W49`.
    pub period_key: String,
    /// Who answered: `redis` or `postgres`.
    pub source: String,
    /// How many are on the board.
    pub size: i64,
    /// The promoter, or its team (null: not in a team).
    pub subject_id: Option<i64>,
    /// Its place (null: no points in the period yet).
    pub entry: Option<PlaceView>,
    /// The places around it, itself included, best first.
    pub neighbours: Vec<PlaceView>,
}

/// A position in a board.
#[derive(Serialize, Deserialize)]
struct Offset {
    /// The 0-based position of the next place.
    at: i64,
    /// The period it belongs to.
    period: String,
}

/// A board's places, best first: points, then whoever got there first.
#[utoipa::path(get, path = "/v1/leaderboards/{board}", tag = "leaderboards",
    params(("board" = Board, Path, description = "promoters or teams"), BoardQuery), security(("bearer" = [])),
    responses((status = 200, body = BoardPage), (status = 400, description = "invalid_query"),
              (status = 503, description = "unavailable: Redis and Postgres both away (Retry-After)")))]
pub(super) async fn board(
    State(state): State<AppState>,
    Auth(_principal): Auth,
    Path(board): Path<Board>,
    Query(q): Query<BoardQuery>,
) -> Result<axum::Json<BoardPage>, ApiError> {
    let period = q.period.unwrap_or_default();
    let period_key = period.key_at(OffsetDateTime::now_utc());
    let limit = i64::from(cursor::limit(q.limit).map_err(|why| ApiError::field("limit", why))?);
    let from = match q.cursor.as_deref() {
        None => 0,
        Some(c) => cursor::decode::<Offset>(c)
            .filter(|o| o.at >= 0 && o.period == period_key)
            .map(|o| o.at)
            .ok_or_else(|| {
                ApiError::field(
                    "cursor",
                    "is not a cursor of this board's current period (a new period starts from the top)",
                )
            })?,
    };
    let keys = Keys::new(&state.settings.redis_key_prefix);
    let mut redis = state.redis.clone();
    let cached = state
        .redis_guard
        .call(store::page(
            &mut redis,
            &keys,
            board,
            &period_key,
            from,
            limit,
        ))
        .await;
    let (source, size, places) = match cached {
        Ok(Some((size, places))) => ("redis", size, places),
        other => {
            note_fallback(&state, other.map(|_| ()));
            let size = totals::count(&state.db, board, &period_key).await?;
            let rows = totals::page(&state.db, board, &period_key, from, limit).await?;
            ("postgres", size, rows.into_iter().map(place_of).collect())
        }
    };
    let next_cursor = (from + limit < size && places.len() as i64 == limit).then(|| {
        cursor::encode(&Offset {
            at: from + limit,
            period: period_key.clone(),
        })
    });
    let data = views(&state, board, from, places).await?;
    Ok(axum::Json(BoardPage {
        board,
        period,
        period_key,
        source: source.to_owned(),
        size,
        data,
        next_cursor,
    }))
}

/// Your place (promoters) on the promoters' board, or your team's on the teams' board, with
/// the places around it.
#[utoipa::path(get, path = "/v1/leaderboards/{board}/me", tag = "leaderboards",
    params(("board" = Board, Path, description = "promoters or teams"), MineQuery), security(("bearer" = [])),
    responses((status = 200, body = MyPlace), (status = 400, description = "invalid_query"),
              (status = 403, description = "forbidden: not a promoter"),
              (status = 503, description = "unavailable: Redis and Postgres both away (Retry-After)")))]
pub(super) async fn mine(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(board): Path<Board>,
    Query(q): Query<MineQuery>,
) -> Result<axum::Json<MyPlace>, ApiError> {
    let me = principal.promoter()?;
    let period = q.period.unwrap_or_default();
    let period_key = period.key_at(OffsetDateTime::now_utc());
    let n = match q.around {
        None => 2,
        Some(n) if n <= 10 => i64::from(n),
        Some(_) => return Err(ApiError::field("around", "must be 0 to 10")),
    };
    let subject = match board {
        Board::Promoters => Some(me.0),
        Board::Teams => totals::current_team(&state.db, me.0).await?,
    };
    let Some(subject) = subject else {
        let size = totals::count(&state.db, board, &period_key).await?;
        return Ok(axum::Json(MyPlace {
            board,
            period,
            period_key,
            source: "postgres".to_owned(),
            size,
            subject_id: None,
            entry: None,
            neighbours: vec![],
        }));
    };
    let keys = Keys::new(&state.settings.redis_key_prefix);
    let mut redis = state.redis.clone();
    let cached = state
        .redis_guard
        .call(store::around(
            &mut redis,
            &keys,
            board,
            &period_key,
            subject,
            n,
        ))
        .await;
    let (source, size, at, from, places) = match cached {
        Ok(Some((size, at, from, places))) => ("redis", size, at, from, places),
        other => {
            note_fallback(&state, other.map(|_| ()));
            let size = totals::count(&state.db, board, &period_key).await?;
            match totals::position(&state.db, board, &period_key, subject).await? {
                None => ("postgres", size, None, 0, vec![]),
                Some((_, at)) => {
                    let from = (at - n).max(0);
                    let rows = totals::page(&state.db, board, &period_key, from, at - from + n + 1)
                        .await?;
                    (
                        "postgres",
                        size,
                        Some(at),
                        from,
                        rows.into_iter().map(place_of).collect(),
                    )
                }
            }
        }
    };
    let neighbours = if at.is_some() {
        views(&state, board, from, places).await?
    } else {
        vec![]
    };
    let entry = at.and_then(|at| {
        neighbours
            .iter()
            .find(|p| p.rank == at + 1 && p.id == subject)
            .cloned()
    });
    Ok(axum::Json(MyPlace {
        board,
        period,
        period_key,
        source: source.to_owned(),
        size,
        subject_id: Some(subject),
        entry,
        neighbours,
    }))
}

fn place_of(r: Row) -> Place {
    Place {
        subject_id: r.subject_id,
        points: r.points,
        reached_at: r.reached_at,
    }
}

/// Logs why Redis did not answer (once per pause of the Redis guard, not per request), and
/// wakes the syncer when its boards are incomplete.
fn note_fallback(state: &AppState, outcome: Result<(), Unavailable>) {
    match outcome {
        Ok(()) => state.leaderboard_wake.notify_one(),
        Err(Unavailable::Recently) => {}
        Err(e) => {
            tracing::warn!(error = %e, "leaderboards: Redis cannot answer; answering from Postgres")
        }
    }
}

async fn views(
    state: &AppState,
    board: Board,
    from: i64,
    places: Vec<Place>,
) -> Result<Vec<PlaceView>, ApiError> {
    let ids: Vec<i64> = places.iter().map(|p| p.subject_id).collect();
    let mut names: HashMap<i64, String> = totals::names(&state.db, board, &ids).await?;
    Ok(places
        .into_iter()
        .zip(from + 1..)
        .map(|(p, rank)| PlaceView {
            rank,
            id: p.subject_id,
            name: names.remove(&p.subject_id).unwrap_or_default(),
            points: p.points,
            reached_at: p.reached_at,
        })
        .collect())
}

/// The routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board))
        .routes(routes!(mine))
}
