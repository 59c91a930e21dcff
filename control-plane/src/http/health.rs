//! `/healthz` (the process answers) and `/readyz` (Postgres and Redis answer too).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::startup::AppState;

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Each dependency: `ok` or what failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

/// Dependency checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    /// Postgres.
    pub postgres: String,
    /// Redis.
    pub redis: String,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        checks: None,
    })
}

/// Postgres and Redis answer within a second each.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let limit = Duration::from_secs(1);
    let ping = sqlx::query_scalar!("SELECT 1 AS one").fetch_one(&state.db);
    let postgres = match tokio::time::timeout(limit, ping).await {
        Ok(Ok(_)) => "ok".to_owned(),
        Ok(Err(_)) => "query failed".to_owned(),
        Err(_) => "timed out".to_owned(),
    };
    let mut conn = state.redis.clone();
    let redis = match tokio::time::timeout(
        limit,
        redis::cmd("PING").query_async::<String>(&mut conn),
    )
    .await
    {
        Ok(Ok(_)) => "ok".to_owned(),
        Ok(Err(_)) => "ping failed".to_owned(),
        Err(_) => "timed out".to_owned(),
    };
    let ready = postgres == "ok" && redis == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(Health {
            status: if ready { "ok" } else { "unavailable" },
            checks: Some(Checks { postgres, redis }),
        }),
    )
        .into_response()
}
