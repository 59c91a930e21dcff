//! Clicks: the raw click log of the caller's tenant, paginated, as JSON or CSV.

use afftok_shared::Verdict;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::fraud::Reason;
use crate::fraud::rules::{self as fraud_rules, FraudFilter};
use crate::http::csv::{Csv, wants_csv};
use crate::http::extract::{Auth, Query};
use crate::kernel::error::ApiError;
use crate::kernel::page::{instant, next_time_cursor, page_limit, time_cursor};
use crate::kernel::status::listing_mode;
use crate::kernel::{ClickId, OfferId, PromoterId};
use crate::tracking::db::{self as clicks, ClickRow, ListFilter};

/// Longest range one request may cover.
const MAX_RANGE_DAYS: i64 = 93;

/// A click.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ClickView {
    /// Click id.
    pub id: ClickId,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// `ok`, `bot`, `offer_paused`, `geo_blocked`.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// First click of its visitor that UTC day.
    pub unique: bool,
    /// Country.
    pub country: Option<String>,
    /// sub1–sub5.
    pub subs: Vec<Option<String>>,
    /// Referer.
    pub referer: Option<String>,
    /// Which edge.
    pub edge: String,
    /// Fraud reasons, empty when clean (`vpn_ip` is a signal; the others keep the click out of
    /// the counts, like a bot).
    pub fraud: Vec<Reason>,
    /// Sandbox traffic (from a test link): counted nowhere live.
    pub test: bool,
}

impl From<ClickRow> for ClickView {
    fn from(c: ClickRow) -> Self {
        Self {
            id: c.id,
            ts: c.ts,
            offer_id: c.offer_id,
            promoter_id: c.promoter_id,
            verdict: c.verdict.0,
            unique: c.is_unique,
            country: c.country,
            subs: vec![c.sub1, c.sub2, c.sub3, c.sub4, c.sub5],
            referer: c.referer,
            edge: c.edge,
            fraud: fraud_rules::from_texts(&c.fraud),
            test: c.test,
        }
    }
}

/// A page of clicks.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ClickPage {
    /// Newest first.
    pub data: Vec<ClickView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ClickQuery {
    /// Only this offer.
    pub offer_id: Option<OfferId>,
    /// Only this verdict.
    pub verdict: Option<String>,
    /// `any` (flagged), `none` (clean) or a fraud reason.
    pub fraud: Option<String>,
    /// `live`, `test` (sandbox) or `all`; default: the caller's mode (a test API key's or
    /// `Afftok-Mode`'s test, else live).
    pub mode: Option<String>,
    /// From this instant (RFC 3339, years 1970 to 9000 in UTC; default: 7 days before `to`).
    #[param(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub from: Option<String>,
    /// Before this instant (RFC 3339, years 1970 to 9000 in UTC; default: now). At most 93
    /// days after `from`.
    #[param(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub to: Option<String>,
    /// From `next_cursor`, as it was given (any other text is refused).
    #[param(
        min_length = 1,
        pattern = "^[A-Za-z0-9_-]+$",
        example = "eyJ0cyI6IjIwMjYtMTEtMjRUMDA6MDA6MDBaIiwiaWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ"
    )]
    pub cursor: Option<String>,
    /// 1–200 (JSON) or 1–10000 (CSV); default 50.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
    /// `csv` for text/csv (or send `Accept: text/csv`), or `json`.
    #[param(pattern = "^(csv|json)$")]
    pub format: Option<String>,
}

/// The caller's clicks (promoters: on their links; advertisers: on their offers; admins:
/// all), newest first, in a time range.
#[utoipa::path(get, path = "/v1/clicks", tag = "clicks", params(ClickQuery), security(("bearer" = [])),
    responses((status = 200, body = ClickPage), (status = 422, description = "validation_failed")))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Query(q): Query<ClickQuery>,
) -> Result<Response, ApiError> {
    principal.require(Scope::StatsRead)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let limit = page_limit(q.limit, csv)?;
    let to = instant("to", q.to.as_deref())?.unwrap_or_else(OffsetDateTime::now_utc);
    let from = match instant("from", q.from.as_deref())? {
        Some(from) => from,
        // `to` is at least in 1970, so a week before it exists.
        None => to.checked_sub(Duration::days(7)).unwrap_or(to),
    };
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ApiError::field("to", "must be at most 93 days after from"));
    }
    let verdict = q
        .verdict
        .as_deref()
        .map(|v| {
            Verdict::parse(v).ok_or_else(|| {
                ApiError::field("verdict", "must be ok, bot, offer_paused or geo_blocked")
            })
        })
        .transpose()?;
    let fraud = q
        .fraud
        .as_deref()
        .map(|f| FraudFilter::parse(f).map_err(|why| ApiError::field("fraud", why)))
        .transpose()?;
    let test = listing_mode(q.mode.as_deref(), principal.mode)
        .map_err(|why| ApiError::field("mode", why))?;
    let before = time_cursor(q.cursor.as_deref())?.map(|(ts, id)| (ts, ClickId(id)));
    let rows = clicks::list(
        &state.db,
        principal.tenant(),
        &ListFilter {
            offer_id: q.offer_id,
            verdict,
            fraud,
            test,
            from,
            to,
            before,
            limit,
        },
    )
    .await?;
    let next_cursor = next_time_cursor(rows.last().map(|r| (r.ts, r.id.0)), rows.len(), limit);
    let data: Vec<ClickView> = rows.into_iter().map(ClickView::from).collect();
    if csv {
        let mut out = Csv::new(&[
            "id",
            "ts",
            "offer_id",
            "promoter_id",
            "verdict",
            "unique",
            "country",
            "sub1",
            "sub2",
            "sub3",
            "sub4",
            "sub5",
            "referer",
            "edge",
            "fraud",
            "test",
        ]);
        for c in &data {
            let mut cells = vec![
                c.id.to_string(),
                c.ts.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                c.offer_id.to_string(),
                c.promoter_id.to_string(),
                c.verdict.as_str().to_owned(),
                c.unique.to_string(),
                c.country.clone().unwrap_or_default(),
            ];
            cells.extend(c.subs.iter().map(|s| s.clone().unwrap_or_default()));
            cells.push(c.referer.clone().unwrap_or_default());
            cells.push(c.edge.clone());
            cells.push(fraud_rules::to_texts(&c.fraud).join(" "));
            cells.push(c.test.to_string());
            out.row(&cells);
        }
        return Ok(out.into_response("clicks.csv", next_cursor));
    }
    Ok(axum::Json(ClickPage { data, next_cursor }).into_response())
}

/// The click routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}
