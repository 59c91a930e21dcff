//! API keys: create (secret shown once), list, rotate with a grace period, revoke. Managing
//! keys needs an access token: a key cannot mint or revoke keys.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::accounts::db::api_keys::{self, ApiKeyRow, IpAllowChange, RotateError};
use crate::http::extract::{Auth, Json, Path};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::{ApiKeyId, Mode, ip_allow, text};

use crate::app::startup::AppState;

/// Longest grace period for a rotated key: 30 days.
pub(super) const MAX_GRACE_SECS: i64 = 30 * 86_400;
/// Default grace period: one day.
pub(super) const DEFAULT_GRACE_SECS: i64 = 86_400;

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateKey {
    /// A label, 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What the key may do; each must suit the account's role.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// `live` (default) or `test` (`afk_test_…`): what a test key reports and creates is
    /// sandbox traffic, and what it lists defaults to test traffic.
    #[serde(default)]
    pub mode: Mode,
    /// Networks the key may be used from (CIDR networks or single addresses, at most 100);
    /// empty (the default): anywhere.
    #[serde(default)]
    #[schema(value_type = Vec<crate::kernel::ip_allow::Network>, max_items = 100)]
    pub ip_allow: Vec<String>,
}

/// What to change on a key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateKey {
    /// Networks the key may be used from from now on (CIDR networks or single addresses,
    /// at most 100); empty: anywhere.
    #[schema(value_type = Vec<crate::kernel::ip_allow::Network>, max_items = 100)]
    pub ip_allow: Vec<String>,
}

/// How to rotate.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RotateKey {
    /// How long the old key keeps working, 0 to 2592000 seconds (default 86400).
    #[schema(minimum = 0, maximum = 2592000)]
    pub grace_seconds: Option<i64>,
}

/// Whether a key works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum KeyState {
    /// Works, with no end set.
    Active,
    /// Rotated: works until the end of its grace period.
    Expiring,
    /// Its grace period is over.
    Expired,
    /// Revoked.
    Revoked,
}

/// A key as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct KeyView {
    /// Id.
    pub id: ApiKeyId,
    /// Label.
    pub name: String,
    /// `afk_live_…` or `afk_test_…` public part.
    pub prefix: String,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// `live` or `test`.
    pub mode: Mode,
    /// `active`, `expiring` (rotated, in its grace period), `expired` or `revoked`.
    pub state: KeyState,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last used (to the minute).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it stops or stopped working.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    /// Its successor, after a rotation.
    pub replaced_by: Option<ApiKeyId>,
    /// Networks it may be used from; empty: anywhere.
    pub ip_allow: Vec<String>,
}

impl From<ApiKeyRow> for KeyView {
    fn from(k: ApiKeyRow) -> Self {
        let now = OffsetDateTime::now_utc();
        let state = match (k.revoked_at, k.expires_at) {
            (Some(_), _) => KeyState::Revoked,
            (None, Some(at)) if at <= now => KeyState::Expired,
            (None, Some(_)) => KeyState::Expiring,
            (None, None) => KeyState::Active,
        };
        Self {
            id: k.id,
            scopes: k.scopes,
            mode: Mode::from_stored(&k.mode),
            name: k.name,
            prefix: k.prefix,
            state,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            replaced_by: k.replaced_by,
            ip_allow: k.ip_allow,
        }
    }
}

impl From<RotateError> for ApiError {
    fn from(e: RotateError) -> Self {
        match e {
            RotateError::AlreadyRotated => ApiError::conflict(
                "already_rotated",
                "this key was rotated already: rotate its successor instead",
            ),
            RotateError::Db(e) => e.into(),
        }
    }
}

/// A new key with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NewKeyView {
    /// The whole key: send as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
    pub key: String,
    /// The key's details.
    #[serde(flatten)]
    pub details: KeyView,
}

/// Keys of the caller.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct KeyList {
    /// Newest first.
    pub data: Vec<KeyView>,
}

/// Creates an API key.
#[utoipa::path(post, path = "/v1/api-keys", tag = "api-keys", request_body = CreateKey, security(("bearer" = [])),
    responses((status = 201, body = NewKeyView), (status = 403, description = "not with an API key"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<CreateKey>,
) -> Result<impl IntoResponse, ApiError> {
    principal.access_token()?;
    let mut errors = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    } else if let Err(why) = text::check(name, false) {
        errors.push(FieldError::new("name", why));
    }
    if req.scopes.is_empty() {
        errors.push(FieldError::new("scopes", "must name at least one scope"));
    }
    for (i, scope) in req.scopes.iter().enumerate() {
        if !scope.allowed_for(principal.role) {
            errors.push(FieldError::new(
                format!("scopes[{i}]"),
                format!(
                    "{} is not available to {} accounts",
                    scope.as_str(),
                    principal.role
                ),
            ));
        }
    }
    let allow = ip_allow::parse(&req.ip_allow, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let scopes: Vec<Scope> = req
        .scopes
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let new = api_keys::NewKey {
        name,
        scopes: &scopes,
        mode: req.mode,
        ip_allow: &allow.entries(),
    };
    let (row, key) = api_keys::create(&state.db, principal.user_id, new).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewKeyView {
            key,
            details: row.into(),
        }),
    ))
}

/// Lists the caller's API keys.
#[utoipa::path(get, path = "/v1/api-keys", tag = "api-keys", security(("bearer" = [])),
    responses((status = 200, body = KeyList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<KeyList>, ApiError> {
    principal.access_token()?;
    let rows = api_keys::list(&state.db, principal.user_id).await?;
    Ok(axum::Json(KeyList {
        data: rows.into_iter().map(KeyView::from).collect(),
    }))
}

/// Rotates a key: a new key with the same name and scopes; the old one works for the grace
/// period, then stops.
#[utoipa::path(post, path = "/v1/api-keys/{id}/rotate", tag = "api-keys", request_body = Option<RotateKey>,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 201, body = NewKeyView), (status = 404, description = "no such live key")))]
pub(super) async fn rotate(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ApiKeyId>,
    body: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    principal.access_token()?;
    // The body is optional: no body means the default grace period.
    let options: RotateKey = if body.iter().all(u8::is_ascii_whitespace) {
        RotateKey::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            code: "invalid_body",
            detail: e.to_string().into(),
        })?
    };
    let grace = options.grace_seconds.unwrap_or(DEFAULT_GRACE_SECS);
    if !(0..=MAX_GRACE_SECS).contains(&grace) {
        return Err(ApiError::field("grace_seconds", "must be 0 to 2592000"));
    }
    let (row, key) = api_keys::rotate(
        &state.db,
        principal.user_id,
        id,
        time::Duration::seconds(grace),
    )
    .await?
    .ok_or(ApiError::NotFound("API key"))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewKeyView {
            key,
            details: row.into(),
        }),
    ))
}

/// Changes the networks a key may be used from (a rotated key's successor keeps its own).
#[utoipa::path(patch, path = "/v1/api-keys/{id}", tag = "api-keys", request_body = UpdateKey,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = KeyView), (status = 404, description = "not_found"),
              (status = 409, description = "key_revoked"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn update(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ApiKeyId>,
    Json(req): Json<UpdateKey>,
) -> Result<axum::Json<KeyView>, ApiError> {
    principal.access_token()?;
    let mut errors = Vec::new();
    let allow = ip_allow::parse(&req.ip_allow, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    match api_keys::set_ip_allow(&state.db, principal.user_id, id, &allow.entries()).await? {
        IpAllowChange::Changed(row) => Ok(axum::Json((*row).into())),
        IpAllowChange::Revoked => Err(ApiError::conflict(
            "key_revoked",
            "this key is revoked and can no longer be used: create a new key",
        )),
        IpAllowChange::Missing => Err(ApiError::NotFound("API key")),
    }
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api-keys", params(("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 204, description = "revoked"), (status = 404, description = "not_found")))]
pub(super) async fn revoke(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ApiKeyId>,
) -> Result<StatusCode, ApiError> {
    principal.access_token()?;
    if api_keys::revoke(&state.db, principal.user_id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("API key"))
    }
}

/// The API key routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(rotate))
        .routes(routes!(revoke, update))
}
