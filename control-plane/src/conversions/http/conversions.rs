//! Conversions: reported by advertisers' servers (`POST /v1/conversions`, the same
//! parameters and aliases as the edge's postback), listed, exported as CSV, reviewed and
//! reversed by their advertiser.

use afftok_shared::postback::{self, BodyFormat};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::conversions::db::conversions::NewConversion;
use crate::conversions::db::conversions::{
    self, AttributeError, ConversionRow, DecideError, ListFilter,
};
use crate::conversions::rules::{ConversionSource, ConversionStatus};
use crate::fraud::Reason;
use crate::fraud::rules::{self as fraud_rules, FraudFilter};
use crate::http::csv::{Csv, wants_csv};
use crate::http::extract::{Auth, Body, Path, Query, json_body};
use crate::http::idempotency::{Claim, IdempotencyKeyHeader, Idempotent};
use crate::http::rate_limit::client_ip;
use crate::kernel::error::ApiError;
use crate::kernel::money::Money;
use crate::kernel::page::{instant, next_time_cursor, page_limit, time_cursor};
use crate::kernel::status::listing_mode;
use crate::kernel::text;
use crate::kernel::{AdvertiserId, ClickId, ConversionId, OfferId, PromoterId, UserId};

impl From<AttributeError> for ApiError {
    fn from(e: AttributeError) -> Self {
        match e {
            AttributeError::Db(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<DecideError> for ApiError {
    fn from(e: DecideError) -> Self {
        match e {
            DecideError::NotFound => ApiError::NotFound("conversion"),
            DecideError::IllegalTransition { from, to } => ApiError::conflict(
                "illegal_transition",
                format!("a conversion that is {from} cannot become {to}"),
            ),
            DecideError::Db(e) => e.into(),
        }
    }
}

/// A conversion.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ConversionView {
    /// Id.
    pub id: ConversionId,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ts: OffsetDateTime,
    /// Attribution status.
    pub status: ConversionStatus,
    /// The reporting advertiser.
    pub advertiser_id: AdvertiserId,
    /// The click it claims.
    pub click_id: ClickId,
    /// The click's offer, once found.
    pub offer_id: Option<OfferId>,
    /// The click's promoter, once found.
    pub promoter_id: Option<PromoterId>,
    /// Transaction id.
    pub txid: Option<String>,
    /// Sale amount, with its currency's decimals ("999.99").
    pub amount: Option<Money>,
    /// Amount currency.
    pub currency: Option<String>,
    /// Event name.
    pub event: String,
    /// The promoter's payout, with its currency's decimals ("12.50", "0.1234" KWD).
    pub payout: Option<Money>,
    /// Payout currency.
    pub payout_currency: Option<String>,
    /// `postback` or `api`.
    pub source: ConversionSource,
    /// The click's country.
    pub country: Option<String>,
    /// The click's sub1.
    pub sub1: Option<String>,
    /// When attribution decided.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub attributed_at: Option<OffsetDateTime>,
    /// Fraud reasons, empty when clean: the click's, `ctit_short`, `suspended_promoter`.
    pub fraud: Vec<Reason>,
    /// Approved by a reviewer despite its fraud reasons.
    pub fraud_overruled: bool,
    /// Sandbox traffic (a test key's, or on a test click): counted nowhere live.
    pub test: bool,
}

impl From<ConversionRow> for ConversionView {
    fn from(c: ConversionRow) -> Self {
        Self {
            status: c.status,
            // An amount without a currency is in the payout's (as the stats count it).
            amount: c
                .amount
                .map(|a| Money::in_code(a, c.currency.as_deref().or(c.payout_currency.as_deref()))),
            payout: c
                .payout
                .map(|p| Money::in_code(p, c.payout_currency.as_deref())),
            id: c.id,
            ts: c.ts,
            advertiser_id: c.advertiser_id,
            click_id: c.click_id,
            offer_id: c.offer_id,
            promoter_id: c.promoter_id,
            txid: c.txid,
            currency: c.currency,
            event: c.event,
            payout_currency: c.payout_currency,
            source: c.source,
            country: c.country,
            sub1: c.sub1,
            attributed_at: c.attributed_at,
            fraud: fraud_rules::from_texts(&c.fraud),
            fraud_overruled: c.fraud_overruled,
            test: c.test,
        }
    }
}

/// A page of conversions.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ConversionPage {
    /// Newest first.
    pub data: Vec<ConversionView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Only this status.
    pub status: Option<ConversionStatus>,
    /// Only this offer.
    pub offer_id: Option<OfferId>,
    /// `any` (flagged), `none` (clean) or a fraud reason.
    pub fraud: Option<String>,
    /// `live`, `test` (sandbox) or `all`; default: the caller's mode (a test API key's or
    /// `Afftok-Mode`'s test, else live).
    pub mode: Option<String>,
    /// From this instant (RFC 3339, inclusive; years 1970 to 9000 in UTC).
    #[param(format = DateTime, pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub from: Option<String>,
    /// Before this instant (RFC 3339; years 1970 to 9000 in UTC).
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

/// Lists the caller's conversions (advertisers: reported by them; promoters: attributed to
/// them; admins: all), newest first. JSON, or CSV with `format=csv` / `Accept: text/csv`
/// (the next page's cursor in `X-Next-Cursor`).
#[utoipa::path(get, path = "/v1/conversions", tag = "conversions", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = ConversionPage), (status = 422, description = "validation_failed")))]
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    principal.require(Scope::StatsRead)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let limit = page_limit(q.limit, csv)?;
    let before = time_cursor(q.cursor.as_deref())?.map(|(ts, id)| (ts, ConversionId(id)));
    let fraud = q
        .fraud
        .as_deref()
        .map(|f| FraudFilter::parse(f).map_err(|why| ApiError::field("fraud", why)))
        .transpose()?;
    let test = listing_mode(q.mode.as_deref(), principal.mode)
        .map_err(|why| ApiError::field("mode", why))?;
    let filter = ListFilter {
        status: q.status,
        offer_id: q.offer_id,
        fraud,
        test,
        from: instant("from", q.from.as_deref())?,
        to: instant("to", q.to.as_deref())?,
        before,
        limit,
    };
    let rows = conversions::list(&state.db, principal.tenant(), &filter).await?;
    let next_cursor = next_time_cursor(rows.last().map(|r| (r.ts, r.id.0)), rows.len(), limit);
    let data: Vec<ConversionView> = rows.into_iter().map(ConversionView::from).collect();
    if csv {
        let mut out = Csv::new(&[
            "id",
            "ts",
            "status",
            "advertiser_id",
            "click_id",
            "offer_id",
            "promoter_id",
            "txid",
            "amount",
            "currency",
            "event",
            "payout",
            "payout_currency",
            "source",
            "country",
            "sub1",
            "fraud",
            "test",
        ]);
        for c in &data {
            out.row(&[
                c.id.to_string(),
                c.ts.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                c.status.as_str().to_owned(),
                c.advertiser_id.to_string(),
                c.click_id.to_string(),
                c.offer_id.map(|v| v.to_string()).unwrap_or_default(),
                c.promoter_id.map(|v| v.to_string()).unwrap_or_default(),
                c.txid.clone().unwrap_or_default(),
                c.amount.map(|a| a.to_string()).unwrap_or_default(),
                c.currency.clone().unwrap_or_default(),
                c.event.clone(),
                c.payout.map(|p| p.to_string()).unwrap_or_default(),
                c.payout_currency.clone().unwrap_or_default(),
                c.source.as_str().to_owned(),
                c.country.clone().unwrap_or_default(),
                c.sub1.clone().unwrap_or_default(),
                fraud_rules::to_texts(&c.fraud).join(" "),
                c.test.to_string(),
            ]);
        }
        return Ok(out.into_response("conversions.csv", next_cursor));
    }
    Ok(axum::Json(ConversionPage { data, next_cursor }).into_response())
}

/// One conversion.
#[utoipa::path(get, path = "/v1/conversions/{id}", tag = "conversions", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ConversionView), (status = 404, description = "not_found")))]
pub(super) async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ConversionId>,
) -> Result<axum::Json<ConversionView>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let row = conversions::get(&state.db, principal.tenant(), id)
        .await?
        .ok_or(ApiError::NotFound("conversion"))?;
    Ok(axum::Json(row.into()))
}

/// The answer to a reported conversion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(super) struct Reported {
    /// `accepted`.
    pub status: String,
    /// The conversion's id.
    pub event_id: ConversionId,
    /// Its attribution status now (`pending` until its click arrives).
    pub attribution: ConversionStatus,
}

/// A conversion as `POST /v1/conversions` takes it, in a JSON or a form body (or the query);
/// the document's shape only: the body is read as the edge's postback reads it.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub(super) struct ConversionReport {
    /// The click converted (`cid`, `clickid` and `transaction_id` are taken too). A click
    /// not seen yet is no error: the conversion waits for it (`attribution: pending`).
    #[schema(value_type = String, format = Uuid)]
    click_id: String,
    /// The advertiser's transaction id: at most 128 bytes, no control characters (the
    /// pattern describes printable ASCII; other text is taken as well).
    #[schema(pattern = "^[ -~]{0,128}$")]
    txid: Option<String>,
    /// The sale amount: a non-negative decimal with at most 4 decimals (a JSON string, or
    /// a number in a JSON body).
    #[schema(pattern = r"^[0-9]+(\.[0-9]{1,4})?$")]
    amount: Option<String>,
    /// The amount's currency.
    #[schema(value_type = Option<crate::offers::CurrencyCode>)]
    currency: Option<String>,
    /// The kind of conversion, at most 64 of `A-Z a-z 0-9 _ . -`.
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    event: Option<String>,
}

/// Reports a conversion from a server, like the edge's postback: parameters in the query or
/// a form or JSON body, with the same aliases and checks. With an `Idempotency-Key` header, a
/// retry with the same key and request gets the first answer again.
#[utoipa::path(post, path = "/v1/conversions", tag = "conversions", security(("bearer" = [])),
    params(IdempotencyKeyHeader),
    request_body(content((ConversionReport = "application/json"), (ConversionReport = "application/x-www-form-urlencoded")),
        description = "click_id, txid, amount, currency, event (and their aliases)"),
    responses((status = 201, body = Reported, description = "accepted; a repeated Idempotency-Key gets the first answer again, with `Idempotent-Replayed: true`"),
              (status = 400, description = "missing_click_id, invalid_amount, …"), (status = 409, description = "idempotency_key_reused: the key came with another request")))]
pub(super) async fn report(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Idempotent(idempotency, Body(body)): Idempotent<Body>,
) -> Result<Response, ApiError> {
    principal.require(Scope::ConversionsWrite)?;
    let advertiser = principal.advertiser()?;
    let query = uri.query().unwrap_or("");
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let body_part =
        (!body.is_empty()).then(|| (BodyFormat::detect(content_type, &body), body.as_ref()));
    let params = postback::parse(query, body_part).map_err(|e| ApiError::BadRequest {
        code: e.code.as_str(),
        detail: e.detail.into(),
    })?;

    let mut tx = state.db.begin().await?;
    let pending = match idempotency.claim(&mut tx).await? {
        Claim::Replay(answer) => return Ok(answer),
        Claim::Fresh(pending) => pending,
    };
    let id = ConversionId(Uuid::now_v7());
    let new = NewConversion {
        id,
        ts: OffsetDateTime::now_utc(),
        advertiser_id: advertiser,
        click_id: ClickId(params.click_id),
        txid: params.txid,
        amount: params.amount.as_ref().and_then(|a| a.as_str().parse().ok()),
        currency: params.currency.map(|c| c.code().to_owned()),
        event: params.event,
        ip: client_ip(&headers, Some(peer), &state).map(|ip| ip.to_string()),
        edge: "api".to_owned(),
        source: ConversionSource::Api,
        // A test API key's conversions are sandbox traffic.
        test: principal.mode.is_test(),
    };
    conversions::insert_conversions(&mut tx, std::slice::from_ref(&new)).await?;
    // Stored before attribution: the answer replayed is the acceptance, not a later status.
    let accepted = |attribution| Reported {
        status: "accepted".to_owned(),
        event_id: id,
        attribution,
    };
    pending
        .store(
            &mut tx,
            StatusCode::CREATED,
            &accepted(ConversionStatus::Pending),
        )
        .await?;
    tx.commit().await?;
    let outcome = conversions::attribute(&state.db, state.settings.fraud.min_ctit, id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(accepted(
            outcome.status.unwrap_or(ConversionStatus::Pending),
        )),
    )
        .into_response())
}

/// Why an advertiser decides.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Decision {
    /// Recorded in the audit trail, up to 1000 characters once trimmed, no control
    /// characters but line breaks and tabs.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub reason: Option<String>,
}

async fn decide(
    state: &AppState,
    principal: &crate::accounts::Principal,
    id: ConversionId,
    to: ConversionStatus,
    body: Option<Decision>,
) -> Result<axum::Json<ConversionView>, ApiError> {
    principal.require(Scope::ConversionsWrite)?;
    // An admin decides on any advertiser's conversions; an advertiser on its own.
    let advertiser = match principal.tenant() {
        crate::kernel::Tenant::Admin => None,
        _ => Some(principal.advertiser()?),
    };
    let reason = body
        .and_then(|b| b.reason)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason {
        if r.chars().count() > 1000 {
            return Err(ApiError::field("reason", "must be at most 1000 characters"));
        }
        text::check(r, true).map_err(|why| ApiError::field("reason", why))?;
    }
    let (row, _) = conversions::decide(
        &state.db,
        advertiser,
        (id, to),
        principal.user_id,
        reason.as_deref(),
        state.settings.fraud.min_ctit,
    )
    .await?;
    Ok(axum::Json(row.into()))
}

fn optional_decision(body: &axum::body::Bytes) -> Result<Option<Decision>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    json_body(body).map(Some)
}

/// Reverses an approved conversion (refund, chargeback, fraud): it leaves the stats.
#[utoipa::path(post, path = "/v1/conversions/{id}/reverse", tag = "conversions", params(("id" = Uuid, Path)),
    request_body = Decision, security(("bearer" = [])),
    responses((status = 200, body = ConversionView), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition")))]
pub(super) async fn reverse(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ConversionId>,
    Body(body): Body,
) -> Result<axum::Json<ConversionView>, ApiError> {
    decide(
        &state,
        &principal,
        id,
        ConversionStatus::Reversed,
        optional_decision(&body)?,
    )
    .await
}

/// Approves a conversion held for review.
#[utoipa::path(post, path = "/v1/conversions/{id}/approve", tag = "conversions", params(("id" = Uuid, Path)),
    request_body = Decision, security(("bearer" = [])),
    responses((status = 200, body = ConversionView), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition")))]
pub(super) async fn approve(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ConversionId>,
    Body(body): Body,
) -> Result<axum::Json<ConversionView>, ApiError> {
    decide(
        &state,
        &principal,
        id,
        ConversionStatus::Approved,
        optional_decision(&body)?,
    )
    .await
}

/// Rejects a conversion held for review.
#[utoipa::path(post, path = "/v1/conversions/{id}/reject", tag = "conversions", params(("id" = Uuid, Path)),
    request_body = Decision, security(("bearer" = [])),
    responses((status = 200, body = ConversionView), (status = 404, description = "not_found"), (status = 409, description = "illegal_transition")))]
pub(super) async fn reject(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ConversionId>,
    Body(body): Body,
) -> Result<axum::Json<ConversionView>, ApiError> {
    decide(
        &state,
        &principal,
        id,
        ConversionStatus::Rejected,
        optional_decision(&body)?,
    )
    .await
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AuditView {
    /// The user who did it; `null` when attribution did.
    pub actor_id: Option<UserId>,
    /// Before.
    pub from_status: ConversionStatus,
    /// After.
    pub to_status: ConversionStatus,
    /// Why.
    pub reason: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// A conversion's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AuditTrail {
    /// Oldest first.
    pub data: Vec<AuditView>,
}

/// Every status change of a conversion after its attribution.
#[utoipa::path(get, path = "/v1/conversions/{id}/audit", tag = "conversions", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = AuditTrail), (status = 404, description = "not_found")))]
pub(super) async fn audit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<ConversionId>,
) -> Result<axum::Json<AuditTrail>, ApiError> {
    principal.require(Scope::StatsRead)?;
    conversions::get(&state.db, principal.tenant(), id)
        .await?
        .ok_or(ApiError::NotFound("conversion"))?;
    let rows = conversions::audit(&state.db, id).await?;
    Ok(axum::Json(AuditTrail {
        data: rows
            .into_iter()
            .map(|a| AuditView {
                actor_id: a.actor_id,
                from_status: a.from_status,
                to_status: a.to_status,
                reason: a.reason,
                at: a.at,
            })
            .collect(),
    }))
}

/// The conversion routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, report))
        .routes(routes!(get))
        .routes(routes!(reverse))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(audit))
}
