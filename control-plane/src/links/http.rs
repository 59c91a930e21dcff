//! A promoter's tracking links.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Path, Query};
use crate::kernel::error::ApiError;
use crate::kernel::page::{next_cursor, page_params};
use crate::kernel::status::OfferStatus;
use crate::kernel::{Kid, LinkId, Mode, OfferId, PromoterId};
use crate::links::db::links::{self, LinkRow, ReadError};
use crate::links::db::signing_keys::{self, ChangeError, OpenError};
use afftok_shared::{Keyset, Link};

/// A tracking link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// Id.
    pub id: LinkId,
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The offer.
    pub offer_id: OfferId,
    /// The offer's name.
    pub offer_name: String,
    /// The offer's status (a paused or archived offer's link stops redirecting to it).
    pub offer_status: OfferStatus,
    /// The key that signed it.
    pub kid: Kid,
    /// The signed token.
    pub token: String,
    /// The link to share; add `?sub1=…` up to `sub5` to label traffic.
    pub url: String,
    /// A test link (asked for in test mode: a test API key or `Afftok-Mode: test`): signed
    /// with a test key, its clicks are sandbox traffic, counted nowhere live.
    pub test: bool,
    /// Created (joined).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl LinkView {
    /// The view of a link on the edge at `edge_base_url`.
    pub fn new(row: LinkRow, edge_base_url: &str) -> Self {
        Self {
            url: format!("{edge_base_url}/c/{}", row.token),
            id: row.id,
            promoter_id: row.promoter_id,
            offer_id: row.offer_id,
            offer_name: row.offer_name,
            offer_status: row.offer_status,
            kid: row.kid,
            token: row.token,
            test: false,
            created_at: row.created_at,
        }
    }

    /// The same link signed with the test signer: its test link.
    fn into_test(mut self, signer: &TestSigner, edge_base_url: &str) -> Result<Self, ApiError> {
        let link = Link {
            kid: u64::try_from(signer.kid.0).map_err(ApiError::internal)?,
            offer_id: u64::try_from(self.offer_id.0).map_err(ApiError::internal)?,
            promoter_id: u64::try_from(self.promoter_id.0).map_err(ApiError::internal)?,
            expires_at: 0,
        };
        self.token = signer.keyset.sign(&link).map_err(ApiError::internal)?;
        self.url = format!("{edge_base_url}/c/{}", self.token);
        self.kid = signer.kid;
        self.test = true;
        Ok(self)
    }
}

/// The test key and a keyset to sign test links with.
struct TestSigner {
    kid: Kid,
    keyset: Keyset,
}

/// The links a caller in `mode` is shown: test mode turns each into its test link.
pub async fn for_mode(
    state: &AppState,
    mode: Mode,
    views: Vec<LinkView>,
) -> Result<Vec<LinkView>, ApiError> {
    if !mode.is_test() || views.is_empty() {
        return Ok(views);
    }
    let kek = secrecy::ExposeSecret::expose_secret(state.settings.key_encryption_key.as_ref());
    let kid = signing_keys::test_kid(&state.db, kek).await?;
    let (keyset, _) = signing_keys::keyset(&state.db, kek).await?;
    let signer = TestSigner { kid, keyset };
    let base = &state.settings.edge_base_url;
    views
        .into_iter()
        .map(|v| v.into_test(&signer, base))
        .collect()
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Db(e) => e.into(),
            ChangeError::NoKidLeft => ApiError::Unavailable(
                "every link key id is used: an operator must revoke old signing keys",
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<ReadError> for ApiError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::NotForAdvertisers => ApiError::forbidden("links belong to promoters"),
            ReadError::Db(e) => e.into(),
        }
    }
}

impl From<OpenError> for ApiError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Unusable(cause) => ApiError::Internal(cause),
            OpenError::Db(e) => e.into(),
        }
    }
}

/// A page of links.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LinkPage {
    /// By id.
    pub data: Vec<LinkView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Page through links.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkQuery {
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

/// The caller's links (an admin: all links).
#[utoipa::path(get, path = "/v1/links", tag = "links", params(LinkQuery), security(("bearer" = [])),
    responses((status = 200, body = LinkPage), (status = 403, description = "forbidden")))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<LinkQuery>,
) -> Result<axum::Json<LinkPage>, ApiError> {
    principal.require(Scope::LinksRead)?;
    let (after_id, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let rows = links::list(&state.db, principal.tenant(), after_id.map(LinkId), limit).await?;
    let next_cursor = next_cursor(&rows, limit, |l| l.id.0);
    let base = &state.settings.edge_base_url;
    let views = rows.into_iter().map(|r| LinkView::new(r, base)).collect();
    Ok(axum::Json(LinkPage {
        data: for_mode(&state, principal.mode, views).await?,
        next_cursor,
    }))
}

/// One of the caller's links.
#[utoipa::path(get, path = "/v1/links/{id}", tag = "links", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = LinkView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<LinkId>,
) -> Result<axum::Json<LinkView>, ApiError> {
    principal.require(Scope::LinksRead)?;
    let row = links::get(&state.db, principal.tenant(), id)
        .await?
        .ok_or(ApiError::NotFound("link"))?;
    let view = LinkView::new(row, &state.settings.edge_base_url);
    let mut views = for_mode(&state, principal.mode, vec![view]).await?;
    views
        .pop()
        .map(axum::Json)
        .ok_or(ApiError::NotFound("link"))
}

/// The link routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
}
