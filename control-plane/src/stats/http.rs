//! Stats: `GET /v1/stats` from the rollups, by period in the caller's time zone and by a
//! dimension; `GET /v1/stats/live` from today's Redis counters.

use std::collections::BTreeMap;

use axum::extract::State;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope;
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Query};
use crate::kernel::error::ApiError;
use crate::kernel::money::Money;
use crate::kernel::{OfferId, PromoterId, Tenant};
use crate::stats::db::stats::{self, Granularity, GroupBy, Query as StatsQuery, Row};
use crate::stats::live::{self, LiveScope};
use crate::stats::rules;

/// Stats parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct StatsParams {
    /// First day (YYYY-MM-DD, in `tz`).
    #[param(format = Date)]
    pub from: String,
    /// Last day, inclusive (YYYY-MM-DD, in `tz`).
    #[param(format = Date)]
    pub to: String,
    /// `hour`, `day` (default), `week` (ISO, Monday) or `month`.
    #[param(value_type = Option<Granularity>)]
    pub granularity: Option<String>,
    /// `offer`, `promoter`, `advertiser`, `country` or `sub1`; none: one row per period.
    #[param(value_type = Option<GroupBy>)]
    pub group_by: Option<String>,
    /// IANA time zone (default UTC).
    pub tz: Option<String>,
    /// Only this offer.
    #[param(value_type = Option<i64>)]
    pub offer_id: Option<OfferId>,
    /// Only this promoter.
    #[param(value_type = Option<i64>)]
    pub promoter_id: Option<PromoterId>,
    /// Only this country.
    pub country: Option<String>,
}

/// Numbers of one period (and group).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRow {
    /// The period's start in the time zone: `2026-11-24` or `2026-11-24T13:00`.
    pub period: String,
    /// The group (offer id, promoter id, advertiser id, country, sub1), absent without `group_by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Clicks (verdict ok).
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Filtered traffic: bots, paused offers, geo-blocked visitors.
    pub filtered_clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
    /// Payout by currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub payout: BTreeMap<String, Money>,
    /// Revenue (approved conversion amounts) by currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub revenue: BTreeMap<String, Money>,
    /// Conversion rate: conversions / clicks, over every counted click (0 without clicks).
    pub cr: f64,
    /// Earnings per click by currency: the currency's payout over the clicks on offers
    /// paying in that currency (an offer pays in its `currency`), never over clicks on
    /// offers paying in another. A CPS/RevShare payout in the sale's currency counts over
    /// the clicks of the offers whose currency that is; a currency without such clicks has
    /// no EPC. Rounded to 4 decimals.
    #[schema(value_type = BTreeMap<String, String>)]
    pub epc: BTreeMap<String, Money>,
}

/// A stats answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct StatsAnswer {
    /// The time zone of the periods.
    pub tz: String,
    /// The period length.
    pub granularity: Granularity,
    /// The grouping, if any.
    pub group_by: Option<GroupBy>,
    /// Periods (and groups) with activity, in order.
    pub rows: Vec<StatsRow>,
    /// The whole range.
    pub totals: StatsRow,
}

/// Sums by currency, each written with its currency's decimals (like a conversion's payout).
fn money(map: &BTreeMap<String, Decimal>) -> BTreeMap<String, Money> {
    map.iter()
        .map(|(k, v)| (k.clone(), Money::in_code(v.round_dp(4), Some(k))))
        .collect()
}

fn view(period: String, group: Option<String>, r: &Row) -> StatsRow {
    let rates = rules::rates(&r.clicks, r.conversions, &r.payout);
    let epc = rates
        .epc
        .iter()
        .map(|(k, v)| (k.clone(), Money::in_code(*v, Some(k))))
        .collect();
    StatsRow {
        period,
        group,
        clicks: rates.clicks,
        unique_clicks: r.unique_clicks,
        filtered_clicks: r.filtered_clicks,
        conversions: r.conversions,
        payout: money(&r.payout),
        revenue: money(&r.revenue),
        cr: rates.cr,
        epc,
    }
}

fn date(field: &str, value: &str) -> Result<Date, ApiError> {
    Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .filter(|d| (1970..=9000).contains(&d.year()))
    .ok_or_else(|| {
        ApiError::field(
            field,
            "must be a date between 1970 and 9000, such as 2026-11-24",
        )
    })
}

/// Stats by period in the caller's time zone; scoped to the caller (promoters: their links;
/// advertisers: their offers; admins: all).
#[utoipa::path(get, path = "/v1/stats", tag = "stats", params(StatsParams), security(("bearer" = [])),
    responses((status = 200, body = StatsAnswer), (status = 422, description = "validation_failed")))]
pub(super) async fn stats(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(p): Query<StatsParams>,
) -> Result<axum::Json<StatsAnswer>, ApiError> {
    principal.require(Scope::StatsRead)?;
    // Read as text and parsed here, so that a name we do not know answers 422 naming the
    // field (a query that does not decode answers 400).
    let granularity: Granularity = p
        .granularity
        .as_deref()
        .unwrap_or("day")
        .parse()
        .map_err(|()| ApiError::field("granularity", "must be hour, day, week or month"))?;
    let group_by: Option<GroupBy> =
        p.group_by
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|()| {
                ApiError::field(
                    "group_by",
                    "must be offer, promoter, advertiser, country or sub1",
                )
            })?;
    let tz = p.tz.clone().unwrap_or_else(|| "UTC".to_owned());
    if tz.len() > 64 || !stats::valid_tz(&state.db, &tz).await? {
        return Err(ApiError::field(
            "tz",
            "must be an IANA time zone such as Europe/Paris",
        ));
    }
    let from_day = date("from", &p.from)?;
    let to_day = date("to", &p.to)?;
    if to_day < from_day {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let max_days = if granularity == Granularity::Hour {
        31
    } else {
        732
    };
    if (to_day - from_day).whole_days() >= max_days {
        return Err(ApiError::field(
            "to",
            format!("must be within {max_days} days of from at this granularity"),
        ));
    }
    if let Some(c) = &p.country
        && afftok_shared::Country::parse(c).is_err()
    {
        return Err(ApiError::field(
            "country",
            "must be a two-letter country code",
        ));
    }
    // The range in the caller's zone, as instants, and its periods.
    let periods = stats::periods(&state.db, (from_day, to_day), &tz, granularity).await?;
    let q = StatsQuery {
        periods,
        tz: tz.clone(),
        granularity,
        group_by,
        offer_id: p.offer_id,
        promoter_id: p.promoter_id,
        country: p.country.as_deref().map(str::to_ascii_uppercase),
    };
    let rows = stats::query(&state.db, principal.tenant(), &q).await?;
    let mut totals = Row::default();
    let mut out = Vec::with_capacity(rows.len());
    for ((period, group), row) in &rows {
        totals.add(row);
        out.push(view(
            label(*period, granularity),
            group_by.is_some().then(|| group.clone()),
            row,
        ));
    }
    Ok(axum::Json(StatsAnswer {
        tz,
        granularity,
        group_by,
        rows: out,
        totals: view(format!("{}/{}", p.from, p.to), None, &totals),
    }))
}

/// The totals of UTC days `from` to `to` (inclusive) that `tenant` may see: what `GET
/// /v1/stats` answers as `totals` (for other features: the assistant's tools).
pub async fn totals(
    db: &sqlx::PgPool,
    tenant: Tenant,
    from: Date,
    to: Date,
) -> sqlx::Result<StatsRow> {
    let periods = stats::periods(db, (from, to), "UTC", Granularity::Day).await?;
    let q = StatsQuery {
        periods,
        tz: "UTC".to_owned(),
        granularity: Granularity::Day,
        group_by: None,
        offer_id: None,
        promoter_id: None,
        country: None,
    };
    let rows = stats::query(db, tenant, &q).await?;
    let mut sum = Row::default();
    for row in rows.values() {
        sum.add(row);
    }
    Ok(view(format!("{from}/{to}"), None, &sum))
}

fn label(period: PrimitiveDateTime, g: Granularity) -> String {
    let d = period.date();
    let day = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    match g {
        Granularity::Hour => format!("{day}T{:02}:00", period.hour()),
        _ => day,
    }
}

/// Filtered-traffic parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct FilteredParams {
    /// First UTC day (YYYY-MM-DD).
    #[param(format = Date)]
    pub from: String,
    /// Last UTC day, inclusive (YYYY-MM-DD); at most 366 days after `from`.
    #[param(format = Date)]
    pub to: String,
    /// Only this offer.
    #[param(value_type = Option<i64>)]
    pub offer_id: Option<OfferId>,
    /// Only this promoter.
    #[param(value_type = Option<i64>)]
    pub promoter_id: Option<PromoterId>,
}

/// Filtered clicks of one reason.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct FilteredReason {
    /// An edge verdict (`bot`, `offer_paused`, `geo_blocked`, `expired`) or a fraud reason
    /// (`datacenter_ip`, `vpn_ip`, `click_flood`, `ip_flood`, `suspicious_agent`,
    /// `suspended_promoter`). A click with two reasons counts under both; `vpn_ip` clicks
    /// are also counted clicks (a signal, not a block).
    pub reason: String,
    /// Clicks.
    pub clicks: i64,
    /// Their share of all clicks of the range (0 to 1).
    pub share: f64,
}

/// Filtered traffic by reason.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct FilteredAnswer {
    /// First UTC day.
    pub from: String,
    /// Last UTC day.
    pub to: String,
    /// Every click of the range, counted and filtered.
    pub clicks: i64,
    /// By reason, most first.
    pub reasons: Vec<FilteredReason>,
}

/// Filtered traffic by reason over UTC days: the edge's verdicts and the fraud reasons,
/// scoped to the caller (promoters: their links; advertisers: their offers; admins: all).
#[utoipa::path(get, path = "/v1/stats/filtered", tag = "stats", params(FilteredParams), security(("bearer" = [])),
    responses((status = 200, body = FilteredAnswer), (status = 422, description = "validation_failed")))]
pub(super) async fn filtered(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(p): Query<FilteredParams>,
) -> Result<axum::Json<FilteredAnswer>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let from = date("from", &p.from)?;
    let to = date("to", &p.to)?;
    if to < from {
        return Err(ApiError::field("to", "must not be before from"));
    }
    if (to - from).whole_days() > 366 {
        return Err(ApiError::field("to", "must be within 366 days of from"));
    }
    let (reasons, clicks) = crate::stats::db::filtered::by_reason(
        &state.db,
        principal.tenant(),
        (from, to),
        p.offer_id,
        p.promoter_id,
    )
    .await?;
    let share = |n: i64| {
        if clicks > 0 {
            n as f64 / clicks as f64
        } else {
            0.0
        }
    };
    Ok(axum::Json(FilteredAnswer {
        from: p.from,
        to: p.to,
        clicks,
        reasons: reasons
            .into_iter()
            .map(|r| FilteredReason {
                share: share(r.clicks),
                reason: r.reason,
                clicks: r.clicks,
            })
            .collect(),
    }))
}

/// Today's live numbers.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LiveAnswer {
    /// The UTC day they cover.
    pub day: String,
    /// What they cover: `all`, `advertiser:{id}`, `promoter:{id}` or `offer:{id}`.
    pub scope: String,
    /// Clicks (verdict ok).
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Filtered clicks.
    pub filtered_clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
    /// Payout by currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub payout: BTreeMap<String, Money>,
    /// Revenue by currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub revenue: BTreeMap<String, Money>,
}

/// Live parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct LiveParams {
    /// One of the caller's offers (advertisers and admins).
    #[param(value_type = Option<i64>)]
    pub offer_id: Option<OfferId>,
}

/// Today's (UTC) counters, updated as events land.
#[utoipa::path(get, path = "/v1/stats/live", tag = "stats", params(LiveParams), security(("bearer" = [])),
    responses((status = 200, body = LiveAnswer), (status = 404, description = "not_found")))]
pub(super) async fn live_stats(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(p): Query<LiveParams>,
) -> Result<axum::Json<LiveAnswer>, ApiError> {
    principal.require(Scope::StatsRead)?;
    let tenant = principal.tenant();
    let scope = match (p.offer_id, tenant) {
        (Some(_), Tenant::Promoter(_)) => {
            return Err(ApiError::field("offer_id", "is for advertisers and admins"));
        }
        (Some(offer), tenant) => {
            crate::offers::get(&state.db, tenant, offer)
                .await?
                .ok_or(ApiError::NotFound("offer"))?;
            LiveScope::Offer(offer)
        }
        (None, Tenant::Admin) => LiveScope::All,
        (None, Tenant::Advertiser(a)) => LiveScope::Advertiser(a),
        (None, Tenant::Promoter(id)) => LiveScope::Promoter(id),
    };
    let c = state
        .redis_guard
        .call(live::read(
            &state.redis,
            &state.settings.redis_key_prefix,
            scope,
        ))
        .await
        .map_err(|e| {
            if !matches!(e, crate::app::redis_guard::Unavailable::Recently) {
                tracing::warn!(error = %e, "live counters unavailable");
            }
            ApiError::Unavailable("the live counters are unavailable (Redis); try again shortly")
        })?;
    let today = OffsetDateTime::now_utc().date();
    Ok(axum::Json(LiveAnswer {
        day: format!(
            "{:04}-{:02}-{:02}",
            today.year(),
            u8::from(today.month()),
            today.day()
        ),
        scope: scope.to_string(),
        clicks: c.clicks,
        unique_clicks: c.unique_clicks,
        filtered_clicks: c.filtered_clicks,
        conversions: c.conversions,
        payout: money(&c.payout),
        revenue: money(&c.revenue),
    }))
}

/// The stats routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(filtered))
        .routes(routes!(live_stats))
}
