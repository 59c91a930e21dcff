//! Postback keys: advertisers create (shown once, with the ready-made postback URL), list and
//! revoke them.

use afftok_shared::kv::{self, PostbackKeyKind};
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
use crate::conversions::db::postback_keys::{self, PostbackKeyRow};
use crate::http::extract::{Auth, Json, Path};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::{Mode, PostbackKeyId, ip_allow, text};

/// The query every postback URL carries: the macros the advertiser's system fills in.
pub(super) const POSTBACK_QUERY: &str =
    "click_id={click_id}&txid={txid}&amount={amount}&currency={currency}";

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreatePostbackKey {
    /// A label, 1–100 characters once trimmed, no control characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// Networks allowed to call (CIDR or single addresses), at most 100; empty: any.
    #[serde(default)]
    #[schema(value_type = Vec<crate::kernel::ip_allow::Network>, max_items = 100)]
    pub ip_allow: Vec<String>,
    /// `secret` (default: for servers) or `publishable` (for web pages, with `origins`).
    #[serde(default)]
    pub kind: KeyKind,
    /// The web origins a publishable key may be used from (`https://shop.example`), 1–20;
    /// none for a secret key.
    #[serde(default)]
    pub origins: Vec<String>,
    /// `live` (default) or `test`: a test key's conversions are sandbox traffic.
    #[serde(default)]
    pub mode: Mode,
}

/// Who a postback key is for (DESIGN §16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum KeyKind {
    /// Kept on servers (`pbk_…`); refused from web pages.
    #[default]
    Secret,
    /// Put in web pages (`pk_live_…`, `pk_test_…`); accepted only from its origins.
    Publishable,
}

impl From<KeyKind> for PostbackKeyKind {
    fn from(kind: KeyKind) -> Self {
        match kind {
            KeyKind::Secret => Self::Secret,
            KeyKind::Publishable => Self::Publishable,
        }
    }
}

/// Most origins one publishable key may list.
const MAX_ORIGINS: usize = 20;

/// Whether a postback key works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum PostbackKeyState {
    /// The edges accept it.
    Active,
    /// Revoked: the edges refuse it once they see the change.
    Revoked,
}

/// A key as listed.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PostbackKeyView {
    /// Id.
    pub id: PostbackKeyId,
    /// Label.
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    /// Allowed networks.
    pub ip_allow: Vec<String>,
    /// `secret` or `publishable`.
    pub kind: KeyKind,
    /// A publishable key's allowed web origins.
    pub origins: Vec<String>,
    /// `live` or `test`.
    pub mode: Mode,
    /// `active` or `revoked`.
    pub state: PostbackKeyState,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<PostbackKeyRow> for PostbackKeyView {
    fn from(k: PostbackKeyRow) -> Self {
        Self {
            state: if k.revoked_at.is_some() {
                PostbackKeyState::Revoked
            } else {
                PostbackKeyState::Active
            },
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            ip_allow: k.ip_allow,
            kind: if k.kind == "publishable" {
                KeyKind::Publishable
            } else {
                KeyKind::Secret
            },
            origins: k.origins,
            mode: Mode::from_stored(&k.mode),
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A new key: the only time the key and its full URL are shown.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NewPostbackKey {
    /// The key.
    pub key: String,
    /// The URL to give the advertiser's system; replace the `{…}` macros per conversion.
    pub postback_url: String,
    /// The key's details.
    #[serde(flatten)]
    pub details: PostbackKeyView,
}

/// The caller's keys.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PostbackKeyList {
    /// Newest first.
    pub data: Vec<PostbackKeyView>,
}

/// Creates a postback key.
#[utoipa::path(post, path = "/v1/postback-keys", tag = "postback-keys", request_body = CreatePostbackKey, security(("bearer" = [])),
    responses((status = 201, body = NewPostbackKey), (status = 422, description = "validation_failed")))]
pub(super) async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<CreatePostbackKey>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Scope::ConversionsWrite)?;
    let advertiser = principal.advertiser()?;
    let mut errors = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    } else if let Err(why) = text::check(name, false) {
        errors.push(FieldError::new("name", why));
    }
    let allow = ip_allow::parse(&req.ip_allow, &mut errors);
    let mut origins = Vec::new();
    match req.kind {
        KeyKind::Secret if !req.origins.is_empty() => errors.push(FieldError::new(
            "origins",
            "only a publishable key has origins: a secret key is never used from a web page",
        )),
        KeyKind::Secret => {}
        KeyKind::Publishable if req.origins.is_empty() => errors.push(FieldError::new(
            "origins",
            "a publishable key needs the web origins it may be used from, e.g. https://shop.example",
        )),
        KeyKind::Publishable if req.origins.len() > MAX_ORIGINS => errors.push(FieldError::new(
            "origins",
            format!("must list at most {MAX_ORIGINS} origins"),
        )),
        KeyKind::Publishable => {
            for (i, entry) in req.origins.iter().enumerate() {
                match kv::parse_origin(entry) {
                    Ok(origin) if !origins.contains(&origin) => origins.push(origin),
                    Ok(_) => {}
                    Err(why) => errors.push(FieldError::new(format!("origins[{i}]"), why)),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let new = postback_keys::NewPostbackKey {
        name,
        ip_allow: &allow,
        kind: req.kind.into(),
        origins: &origins,
        mode: req.mode,
    };
    let (row, key) = postback_keys::create(&state.db, advertiser, &new).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewPostbackKey {
            postback_url: format!(
                "{}/postback/{key}?{POSTBACK_QUERY}",
                state.settings.edge_base_url
            ),
            key,
            details: row.into(),
        }),
    ))
}

/// Lists the caller's postback keys.
#[utoipa::path(get, path = "/v1/postback-keys", tag = "postback-keys", security(("bearer" = [])),
    responses((status = 200, body = PostbackKeyList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<PostbackKeyList>, ApiError> {
    principal.require(Scope::ConversionsWrite)?;
    let rows = postback_keys::list(&state.db, principal.advertiser()?).await?;
    Ok(axum::Json(PostbackKeyList {
        data: rows.into_iter().map(PostbackKeyView::from).collect(),
    }))
}

/// Revokes a postback key.
#[utoipa::path(delete, path = "/v1/postback-keys/{id}", tag = "postback-keys", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 404, description = "not_found")))]
pub(super) async fn revoke(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<PostbackKeyId>,
) -> Result<StatusCode, ApiError> {
    principal.require(Scope::ConversionsWrite)?;
    if postback_keys::revoke(&state.db, principal.advertiser()?, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("postback key"))
    }
}

/// The postback key routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(revoke))
}
