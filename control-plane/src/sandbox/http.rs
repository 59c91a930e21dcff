//! `POST /v1/sandbox/click`: a test click on an offer, stored as if an edge had sent it.

use std::net::SocketAddr;

use afftok_shared::event::{MAX_USER_AGENT_LEN, Subs, truncate};
use afftok_shared::{ClickEvent, Country, Event, Timestamp, Verdict};
use axum::extract::{ConnectInfo, State};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{Role, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json};
use crate::http::rate_limit::client_ip;
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::{ClickId, OfferId, PromoterId, Tenant};
use crate::links::signing_keys;

/// The `edge` name of minted clicks.
const EDGE: &str = "sandbox";

/// A test click to mint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SandboxClick {
    /// The offer (an advertiser's own, an approved one for a promoter, any for an admin).
    pub offer_id: OfferId,
    /// The promoter credited, not negative: a promoter's own id (the default for promoters;
    /// a promoter may name no other); for an advertiser or admin any promoter id, default 0
    /// (the sandbox's own).
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub promoter_id: Option<PromoterId>,
    /// The visitor's country (two letters), as an edge would have seen it.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// Sub-IDs (longer values are cut to 128 bytes, as on the edge).
    #[serde(default)]
    pub subs: SubsInput,
}

/// The sub-IDs of a minted click.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SubsInput {
    /// `sub1`.
    pub sub1: Option<String>,
    /// `sub2`.
    pub sub2: Option<String>,
    /// `sub3`.
    pub sub3: Option<String>,
    /// `sub4`.
    pub sub4: Option<String>,
    /// `sub5`.
    pub sub5: Option<String>,
}

/// The minted click.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MintedClick {
    /// The click id to report conversions with (`click_id`).
    pub click_id: ClickId,
    /// The offer.
    pub offer_id: OfferId,
    /// The promoter credited.
    pub promoter_id: PromoterId,
    /// Always true: a test click, listed with `mode=test`, counted nowhere live.
    pub test: bool,
    /// A postback URL for this click: put in one of your postback keys (any key reports
    /// test conversions on a test click; a `pbk_test_…` or `pk_test_…` key keeps even a
    /// mistake off live figures).
    pub postback_url: String,
}

/// Mints a test click for an offer, so an integration can be tried end to end (its
/// conversions are attributed like live ones and marked `test`).
#[utoipa::path(post, path = "/v1/sandbox/click", tag = "sandbox", request_body = SandboxClick,
    security(("bearer" = [])),
    responses((status = 201, body = MintedClick), (status = 404, description = "not_found: no such offer the caller may use"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn mint(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<SandboxClick>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = match principal.role {
        Role::Promoter => Scope::LinksRead,
        Role::Advertiser | Role::Admin => Scope::ConversionsWrite,
    };
    principal.require(scope)?;
    let tenant = principal.tenant();
    let promoter = match (tenant, req.promoter_id) {
        (Tenant::Promoter(me), None) => me,
        (Tenant::Promoter(me), Some(given)) if given == me => me,
        (Tenant::Promoter(_), Some(_)) => {
            return Err(ApiError::field(
                "promoter_id",
                "a promoter mints test clicks for itself only",
            ));
        }
        (_, Some(given)) if given.0 < 0 => {
            return Err(ApiError::field("promoter_id", "must not be negative"));
        }
        (_, given) => given.unwrap_or(PromoterId(0)),
    };
    let country = match req.country.as_deref() {
        None | Some("") => None,
        Some(code) => Some(Country::parse(code).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "country",
                "must be a two-letter country code",
            )])
        })?),
    };
    let offer = crate::offers::get(&state.db, tenant, req.offer_id)
        .await?
        .ok_or(ApiError::NotFound("offer"))?;
    let kek = secrecy::ExposeSecret::expose_secret(state.settings.key_encryption_key.as_ref());
    let kid = signing_keys::test_kid(&state.db, kek).await?;

    let now = time::OffsetDateTime::now_utc();
    let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let id =
        uuid::Builder::from_unix_timestamp_millis(millis, &rand::random::<[u8; 10]>()).into_uuid();
    let mut subs = Subs::default();
    let given = [
        &req.subs.sub1,
        &req.subs.sub2,
        &req.subs.sub3,
        &req.subs.sub4,
        &req.subs.sub5,
    ];
    for (n, sub) in (1..=5).zip(given) {
        if let Some(sub) = sub {
            subs.set_first(n, sub);
        }
    }
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| truncate(ua, MAX_USER_AGENT_LEN).to_owned())
        .unwrap_or_default();
    let click = Event::Click(ClickEvent {
        id,
        ts: Timestamp::from_unix_millis(millis),
        offer_id: u64::try_from(offer.id.0).map_err(ApiError::internal)?,
        promoter_id: u64::try_from(promoter.0).map_err(ApiError::internal)?,
        kid: u64::try_from(kid.0).map_err(ApiError::internal)?,
        verdict: Verdict::Ok,
        ip: client_ip(&headers, Some(peer), &state),
        user_agent,
        referer: None,
        country,
        subs,
        edge: EDGE.to_owned(),
    });
    let text = serde_json::to_string(&click).map_err(ApiError::internal)?;
    crate::tracking::ingest(&state, EDGE, &[text]).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(MintedClick {
            click_id: ClickId(id),
            offer_id: offer.id,
            promoter_id: promoter,
            test: true,
            postback_url: format!(
                "{}/postback/{{postback_key}}?click_id={id}",
                state.settings.edge_base_url
            ),
        }),
    ))
}

/// The sandbox routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mint))
}
