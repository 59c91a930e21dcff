//! Admins: the users of the platform.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::sessions::UserView;
use crate::accounts::Role;
use crate::accounts::db::users::{self, ListFilter};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Query};
use crate::kernel::UserId;
use crate::kernel::error::ApiError;
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::text;

/// Page through users.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct UserQuery {
    /// Only this role: `promoter`, `advertiser` or `admin`.
    // Inline: a `$ref` from a parameter is not collected into the document's schemas.
    #[param(inline)]
    pub role: Option<Role>,
    /// Text the email or the display name contains, in any case, 1–100 characters (`%` and
    /// `_` match themselves).
    pub q: Option<String>,
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

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct UserPage {
    /// The users, newest first.
    pub data: Vec<UserView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Lists users, newest first.
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", params(UserQuery), security(("bearer" = [])),
    responses((status = 200, body = UserPage), (status = 403, description = "admins only, with an access token"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn list_users(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<UserQuery>,
) -> Result<axum::Json<UserPage>, ApiError> {
    principal.admin()?;
    // No API key scope covers people's accounts: an admin reads them signed in.
    principal.access_token()?;
    let (before_id, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let text =
        q.q.as_deref()
            .map(text::search)
            .transpose()
            .map_err(|why| ApiError::field("q", why))?;
    let rows = users::list(
        &state.db,
        &ListFilter {
            role: q.role,
            text,
            before_id: before_id.map(UserId),
            limit,
        },
    )
    .await?;
    let next_cursor = next_cursor(&rows, limit, |u| u.id.0);
    Ok(axum::Json(UserPage {
        data: rows.into_iter().map(UserView::from).collect(),
        next_cursor,
    }))
}

/// The admin routes of accounts.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users))
}
