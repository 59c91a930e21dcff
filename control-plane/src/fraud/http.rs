//! Fraud insights and the admins' review: a promoter's or an offer's traffic over a range
//! (filtered share by reason, the click-to-conversion times, the conversion rate against the
//! offer's other promoters, the busiest IPs and subnets, a risk level with its figures), the
//! queue of promoters by risk, and suspending and reinstating a promoter.
//!
//! Tenancy as everywhere: a promoter sees its own traffic, an advertiser the traffic on its
//! offers, an admin all. IPs are shown to each of them: a promoter sees its visitors' IPs
//! (trackers usually show them), an advertiser the IPs of the clicks on its own offers.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Scope as ApiScope;
use crate::app::startup::AppState;
use crate::fraud::db::insights::{self as stored, Loaded, Scope};
use crate::fraud::db::suspensions::{self, Action, Change, ChangeError};
use crate::fraud::insights::{
    self, CTIT_BUCKETS, CTIT_EDGES, CTIT_LABELS, CrComparison, Figures, Filter, Level, Rank, Risk,
    Rule, Top, share,
};
use crate::http::extract::{Auth, Json, Path, Query};
use crate::kernel::cursor;
use crate::kernel::error::ApiError;
use crate::kernel::page::{in_range, next_cursor, page_params};
use crate::kernel::text;
use crate::kernel::{OfferId, PromoterId, Tenant, UserId};

/// The range an insight covers when none is given.
const DEFAULT_DAYS: i64 = 30;
/// The longest range one request may cover (the facts are read from the raw clicks).
const MAX_DAYS: i64 = 92;
/// Most conversion-rate comparisons an insight lists (an offer's with most clicks first);
/// the risk level weighs them all.
const MAX_RATES: usize = 100;
/// Longest suspension or reinstatement reason, in characters.
const MAX_REASON_CHARS: usize = 500;

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound => ApiError::NotFound("promoter"),
            ChangeError::AlreadySuspended => {
                ApiError::conflict("already_suspended", "the promoter is already suspended")
            }
            ChangeError::NotSuspended => {
                ApiError::conflict("not_suspended", "the promoter is not suspended")
            }
            ChangeError::Db(e) => e.into(),
        }
    }
}

/// A range and, for a promoter, one offer.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct PromoterInsightQuery {
    /// From this instant (RFC 3339) or the start of this UTC day (YYYY-MM-DD); default: 30
    /// days before `to`.
    #[param(
        pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub from: Option<String>,
    /// Before this instant (RFC 3339), or to the end of this UTC day (YYYY-MM-DD); default:
    /// now. At most 92 days after `from`.
    #[param(
        pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub to: Option<String>,
    /// Only the promoter's traffic on this offer.
    #[param(value_type = Option<i64>)]
    pub offer_id: Option<OfferId>,
}

/// A range.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct RangeQuery {
    /// From this instant (RFC 3339) or the start of this UTC day (YYYY-MM-DD); default: 30
    /// days before `to`.
    #[param(
        pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub from: Option<String>,
    /// Before this instant (RFC 3339), or to the end of this UTC day (YYYY-MM-DD); default:
    /// now. At most 92 days after `from`.
    #[param(
        pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub to: Option<String>,
}

/// The clicks of the scope.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ClicksView {
    /// Every stored click, whatever its verdict and reasons.
    pub total: i64,
    /// Counted clicks: verdict `ok` without a blocking reason.
    pub counted: i64,
    /// Filtered clicks: every other one (`total − counted`).
    pub filtered: i64,
    /// `filtered / total` (0 without clicks).
    pub filtered_share: f64,
    /// `ok` clicks with a blocking fraud reason.
    pub flagged: i64,
    /// `flagged / total`.
    pub flagged_share: f64,
}

/// Clicks under one verdict or reason.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct FilterView {
    /// `bot`, `offer_paused`, `geo_blocked`, `expired` (the edge's verdicts) or a fraud
    /// reason of ok clicks (`datacenter_ip`, `vpn_ip`, `click_flood`, `ip_flood`,
    /// `suspicious_agent`, `suspended_promoter`).
    pub reason: &'static str,
    /// Whether it keeps a click out of the counts (all but `vpn_ip`, a signal).
    pub blocking: bool,
    /// Clicks under it (a click with two reasons is under both).
    pub clicks: i64,
    /// Their share of all clicks.
    pub share: f64,
}

/// One bar of the click-to-conversion time histogram.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct BucketView {
    /// For people: `under 10 s`, `10 s to 1 min`, … `24 h or more`.
    pub label: &'static str,
    /// Lower bound in seconds, inclusive (none for the first, which takes negative times).
    pub from_seconds: Option<i64>,
    /// Upper bound in seconds, exclusive (none for the last).
    pub to_seconds: Option<i64>,
    /// Conversions in it.
    pub conversions: i64,
    /// Their share of the histogram's conversions.
    pub share: f64,
}

/// Click-to-conversion times (`conversion.ts − click.ts`) of the conversions approved, held
/// for review or rejected as fraud in the range.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct CtitView {
    /// Conversions in the histogram.
    pub conversions: i64,
    /// The histogram.
    pub buckets: Vec<BucketView>,
    /// Conversions less than 10 s after their click (click injection).
    pub under_10s: i64,
    /// Their share.
    pub under_10s_share: f64,
    /// Conversions 24 h or more after their click (click spamming).
    pub over_24h: i64,
    /// Their share.
    pub over_24h_share: f64,
}

/// The other promoters of an offer, together.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OthersView {
    /// How many have traffic on the offer in the range.
    pub promoters: i64,
    /// Their counted clicks (null for a promoter while there are fewer than 3 others: their
    /// figures together would give one away).
    pub clicks: Option<i64>,
    /// Their approved conversions (null likewise).
    pub conversions: Option<i64>,
    /// Their conversion rate (null likewise).
    pub cr: Option<f64>,
}

/// A promoter's conversion rate on an offer against the offer's other promoters.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RateView {
    /// The offer.
    pub offer_id: OfferId,
    /// The promoter.
    pub promoter_id: PromoterId,
    /// Its counted clicks.
    pub clicks: i64,
    /// Its approved conversions (by conversion time).
    pub conversions: i64,
    /// Its conversion rate.
    pub cr: f64,
    /// The other promoters, together (never who they are).
    pub others: OthersView,
    /// Two-proportion z-score (pooled) of its rate against the others': positive when it
    /// converts better. Null with `z_unavailable` when there is too little data.
    pub z: Option<f64>,
    /// Why there is no z-score.
    pub z_unavailable: Option<String>,
}

/// An IP and its clicks.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct IpView {
    /// The IP.
    pub ip: String,
    /// Its clicks (every verdict).
    pub clicks: i64,
    /// Their share of all clicks.
    pub share: f64,
}

/// A subnet and its clicks.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SubnetView {
    /// IPv4 /24 or IPv6 /48: `203.0.113.0/24`.
    pub subnet: String,
    /// Its clicks (every verdict).
    pub clicks: i64,
    /// Their share of all clicks.
    pub share: f64,
}

/// A rule that fired.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct FindingView {
    /// The rule.
    pub rule: Rule,
    /// The level it sets.
    pub level: Level,
    /// Its figures and threshold, in English.
    pub text: String,
}

/// The risk level and what decided it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RiskView {
    /// `low` (no rule fired), `medium` or `high`: the highest finding's.
    pub level: Level,
    /// The rules that fired, highest level first.
    pub findings: Vec<FindingView>,
    /// Rules not applied for want of data, and why.
    pub notes: Vec<String>,
}

impl From<Risk> for RiskView {
    fn from(r: Risk) -> Self {
        Self {
            level: r.level,
            findings: r
                .findings
                .into_iter()
                .map(|f| FindingView {
                    rule: f.rule,
                    level: f.level,
                    text: f.text,
                })
                .collect(),
            notes: r.notes,
        }
    }
}

/// The insight of a promoter's or an offer's traffic over a range.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct InsightView {
    /// The promoter, for a promoter's insight (or a promoter's own view of an offer).
    pub promoter_id: Option<PromoterId>,
    /// The offer, for an offer's insight (or a promoter's insight on one offer).
    pub offer_id: Option<OfferId>,
    /// From, inclusive.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    /// To, exclusive.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: OffsetDateTime,
    /// The clicks.
    pub clicks: ClicksView,
    /// Clicks by verdict and reason, every one listed (zeros included), in a fixed order.
    pub filtered: Vec<FilterView>,
    /// Click-to-conversion times.
    pub ctit: CtitView,
    /// Conversion rates on each offer against the offer's other promoters, by offer then
    /// highest z first; at most 100.
    pub conversion_rates: Vec<RateView>,
    /// Comparisons left out of `conversion_rates` (the risk level weighs them).
    pub conversion_rates_omitted: usize,
    /// The 10 IPs with the most clicks.
    pub top_ips: Vec<IpView>,
    /// The 10 subnets (IPv4 /24, IPv6 /48) with the most clicks.
    pub top_subnets: Vec<SubnetView>,
    /// The risk level and its findings.
    pub risk: RiskView,
}

fn clicks_view(f: &Figures) -> ClicksView {
    let c = &f.clicks;
    ClicksView {
        total: c.total,
        counted: c.counted,
        filtered: c.total - c.counted,
        filtered_share: share(c.total - c.counted, c.total),
        flagged: c.flagged,
        flagged_share: share(c.flagged, c.total),
    }
}

fn ctit_view(f: &Figures) -> CtitView {
    let h = &f.ctit;
    let total = h.total();
    let edge = |i: usize| CTIT_EDGES.get(i).map(|e| *e as i64);
    CtitView {
        conversions: total,
        buckets: (0..CTIT_BUCKETS)
            .map(|i| BucketView {
                label: CTIT_LABELS[i],
                from_seconds: i.checked_sub(1).and_then(edge),
                to_seconds: edge(i),
                conversions: h.buckets[i],
                share: share(h.buckets[i], total),
            })
            .collect(),
        under_10s: h.short(),
        under_10s_share: share(h.short(), total),
        over_24h: h.long(),
        over_24h_share: share(h.long(), total),
    }
}

fn rate_view(c: &CrComparison) -> RateView {
    let shown = !matches!(c.z, Err(insights::NoZ::PrivateOthers { .. }));
    RateView {
        offer_id: c.offer_id,
        promoter_id: c.promoter_id,
        clicks: c.clicks,
        conversions: c.conversions,
        cr: c.cr(),
        others: OthersView {
            promoters: c.others_promoters,
            clicks: shown.then_some(c.others_clicks),
            conversions: shown.then_some(c.others_conversions),
            cr: shown.then(|| c.others_cr()),
        },
        z: c.z.ok(),
        z_unavailable: c.z.err().map(|why| why.explain()),
    }
}

fn insight_view(
    scope: &Scope,
    loaded: Loaded,
    promoter_id: Option<PromoterId>,
    offer_id: Option<OfferId>,
    for_promoter: bool,
) -> InsightView {
    let mut loaded = loaded;
    if for_promoter {
        loaded.figures.rates = std::mem::take(&mut loaded.figures.rates)
            .into_iter()
            .map(insights::for_promoter)
            .collect();
    }
    let f = &loaded.figures;
    let total = f.clicks.total;
    let mut rates: Vec<&CrComparison> = f.rates.iter().collect();
    // Per offer, the most telling first: highest z, then those without one by clicks.
    rates.sort_by(|a, b| {
        a.offer_id.cmp(&b.offer_id).then_with(|| {
            match (a.z, b.z) {
                (Ok(x), Ok(y)) => y.total_cmp(&x),
                (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                (Err(_), Err(_)) => b.clicks.cmp(&a.clicks),
            }
            .then_with(|| a.promoter_id.cmp(&b.promoter_id))
        })
    });
    let omitted = rates.len().saturating_sub(MAX_RATES);
    InsightView {
        promoter_id,
        offer_id,
        from: scope.from,
        to: scope.to,
        clicks: clicks_view(f),
        filtered: Filter::ALL
            .into_iter()
            .map(|filter| FilterView {
                reason: filter.as_str(),
                blocking: filter.blocks(),
                clicks: f.clicks.under(filter),
                share: share(f.clicks.under(filter), total),
            })
            .collect(),
        ctit: ctit_view(f),
        conversion_rates: rates.into_iter().take(MAX_RATES).map(rate_view).collect(),
        conversion_rates_omitted: omitted,
        top_ips: loaded
            .top_ips
            .iter()
            .map(|t| IpView {
                ip: t.key.clone(),
                clicks: t.clicks,
                share: share(t.clicks, total),
            })
            .collect(),
        top_subnets: loaded
            .top_subnets
            .iter()
            .map(|t| SubnetView {
                subnet: t.key.clone(),
                clicks: t.clicks,
                share: share(t.clicks, total),
            })
            .collect(),
        risk: insights::assess(f).into(),
    }
}

/// One end of a range: an RFC 3339 instant, or a UTC date (the start of that day for
/// `from`, the end of it for `to`, so `from=2026-11-01&to=2026-11-30` is all of November).
fn bound(field: &str, value: Option<&str>, end: bool) -> Result<Option<OffsetDateTime>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let instant = OffsetDateTime::parse(value, &Rfc3339)
        .ok()
        .and_then(in_range);
    let day = || {
        let d = Date::parse(
            value,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
        .filter(|d| (1970..=9000).contains(&d.year()))?;
        let d = if end { d.next_day()? } else { d };
        Some(d.midnight().assume_utc())
    };
    instant.or_else(day).map(Some).ok_or_else(|| {
        ApiError::field(
            field,
            "must be an RFC 3339 instant or a UTC date between 1970 and 9000, such as 2026-11-24T00:00:00Z or 2026-11-24",
        )
    })
}

/// The range of a query: `[from, to)`, 30 days up to now by default, at most 92 days.
fn range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    let to_at = bound("to", to, true)?;
    let from_at = bound("from", from, false)?;
    let to_at = to_at.unwrap_or_else(OffsetDateTime::now_utc);
    // `to` is at least in 1970, so 30 days before it exists.
    let from_at = from_at.unwrap_or_else(|| {
        to_at
            .checked_sub(Duration::days(DEFAULT_DAYS))
            .unwrap_or(to_at)
    });
    if from_at >= to_at {
        return Err(ApiError::field("from", "must be before to"));
    }
    if to_at - from_at > Duration::days(MAX_DAYS) {
        return Err(ApiError::field(
            "to",
            format!("must be at most {MAX_DAYS} days after from"),
        ));
    }
    Ok((from_at, to_at))
}

/// A promoter's traffic over a range: what it sent (promoters: their own only; advertisers:
/// its traffic on their offers only; admins: all), optionally on one offer.
#[utoipa::path(get, path = "/v1/fraud/promoters/{id}/insight", tag = "fraud",
    params(("id" = i64, Path, description = "The promoter"), PromoterInsightQuery), security(("bearer" = [])),
    responses((status = 200, body = InsightView), (status = 404, description = "not_found: no such promoter (or offer) the caller may see"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn promoter_insight(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<PromoterId>,
    Query(q): Query<PromoterInsightQuery>,
) -> Result<axum::Json<InsightView>, ApiError> {
    principal.require(ApiScope::StatsRead)?;
    let (from, to) = range(q.from.as_deref(), q.to.as_deref())?;
    let tenant = principal.tenant();
    let (advertiser, caller_promoter) = match tenant {
        Tenant::Admin => (None, None),
        Tenant::Advertiser(a) => (Some(a), None),
        Tenant::Promoter(me) => (None, Some(me)),
    };
    // Another promoter's id is answered like one that does not exist.
    let visible = match caller_promoter {
        Some(me) => me == id,
        None => stored::promoter_visible(&state.db, id, advertiser, from, to).await?,
    };
    if !visible {
        return Err(ApiError::NotFound("promoter"));
    }
    if let Some(offer) = q.offer_id
        && !stored::offer_visible(&state.db, offer, advertiser, caller_promoter, from, to).await?
    {
        return Err(ApiError::NotFound("offer"));
    }
    let scope = Scope {
        promoter: Some(id),
        offer: q.offer_id,
        advertiser,
        from,
        to,
    };
    let loaded = stored::load(&state.db, &scope).await?;
    Ok(axum::Json(insight_view(
        &scope,
        loaded,
        Some(id),
        q.offer_id,
        caller_promoter.is_some(),
    )))
}

/// An offer's traffic over a range (advertisers: their own offers; admins: any; promoters:
/// their own traffic on it, compared with the offer's other promoters taken together).
#[utoipa::path(get, path = "/v1/fraud/offers/{id}/insight", tag = "fraud",
    params(("id" = i64, Path, description = "The offer"), RangeQuery), security(("bearer" = [])),
    responses((status = 200, body = InsightView), (status = 404, description = "not_found: no such offer the caller may see"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn offer_insight(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<OfferId>,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<InsightView>, ApiError> {
    principal.require(ApiScope::StatsRead)?;
    let (from, to) = range(q.from.as_deref(), q.to.as_deref())?;
    let (advertiser, promoter) = match principal.tenant() {
        Tenant::Admin => (None, None),
        Tenant::Advertiser(a) => (Some(a), None),
        Tenant::Promoter(me) => (None, Some(me)),
    };
    if !stored::offer_visible(&state.db, id, advertiser, promoter, from, to).await? {
        return Err(ApiError::NotFound("offer"));
    }
    let scope = Scope {
        promoter,
        offer: Some(id),
        advertiser,
        from,
        to,
    };
    let loaded = stored::load(&state.db, &scope).await?;
    Ok(axum::Json(insight_view(
        &scope,
        loaded,
        promoter,
        Some(id),
        promoter.is_some(),
    )))
}

/// Page through the review queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueQuery {
    /// From this instant (RFC 3339) or the start of this UTC day (YYYY-MM-DD); default: 30
    /// days before `to`.
    #[param(
        pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub from: Option<String>,
    /// Before this instant (RFC 3339), or to the end of this UTC day (YYYY-MM-DD); default:
    /// now. At most 92 days after `from`.
    #[param(
        pattern = r"^(19[7-9][0-9]|[2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub to: Option<String>,
    /// Only promoters at this level: `low`, `medium` or `high`.
    #[param(pattern = "^(low|medium|high)$")]
    pub risk: Option<String>,
    /// From `next_cursor`, as it was given (any other text is refused).
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A promoter in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct QueuePromoter {
    /// Its id.
    pub id: PromoterId,
    /// Its email.
    pub email: String,
    /// Its display name.
    pub display_name: String,
}

/// An IP or a subnet with the most clicks.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TopView {
    /// The IP, or the subnet (IPv4 /24, IPv6 /48).
    pub key: String,
    /// Its clicks.
    pub clicks: i64,
    /// Their share of all clicks.
    pub share: f64,
}

/// The key figures of a promoter in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SummaryView {
    /// The clicks.
    pub clicks: ClicksView,
    /// Conversions in the click-to-conversion time histogram.
    pub conversions: i64,
    /// Their share less than 10 s after the click.
    pub under_10s_share: f64,
    /// Their share 24 h or more after the click.
    pub over_24h_share: f64,
    /// The highest z-score of its conversion rate on any offer.
    pub max_z: Option<f64>,
    /// Its busiest IP.
    pub top_ip: Option<TopView>,
    /// Its busiest subnet.
    pub top_subnet: Option<TopView>,
}

/// A promoter in the review queue, with its insight's summary.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct QueueItem {
    /// The promoter.
    pub promoter: QueuePromoter,
    /// Since when it is suspended (null: it is not).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub suspended_at: Option<OffsetDateTime>,
    /// Why it is suspended.
    pub suspended_reason: Option<String>,
    /// Its risk level and findings.
    pub risk: RiskView,
    /// Its key figures.
    pub figures: SummaryView,
}

/// A page of the review queue.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct QueuePage {
    /// From, inclusive.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    /// To, exclusive.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: OffsetDateTime,
    /// Highest risk first, then the largest share of flagged clicks, then by id.
    pub data: Vec<QueueItem>,
    /// Pass as `cursor` (with the same range and filter) for the next page; `null` on the
    /// last page.
    pub next_cursor: Option<String>,
}

fn top_view(top: &Option<Top>, total: i64) -> Option<TopView> {
    top.as_ref().map(|t| TopView {
        key: t.key.clone(),
        clicks: t.clicks,
        share: share(t.clicks, total),
    })
}

/// Promoters with traffic in the range, by risk (admins).
#[utoipa::path(get, path = "/v1/admin/fraud/queue", tag = "fraud", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = QueuePage), (status = 403, description = "admins only"),
              (status = 422, description = "validation_failed")))]
pub(super) async fn review_queue(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<QueueQuery>,
) -> Result<axum::Json<QueuePage>, ApiError> {
    principal.admin()?;
    principal.require(ApiScope::StatsRead)?;
    let (from, to) = range(q.from.as_deref(), q.to.as_deref())?;
    let wanted: Option<Level> = q
        .risk
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|()| ApiError::field("risk", "must be low, medium or high"))?;
    let limit = cursor::limit(q.limit).map_err(|why| ApiError::field("limit", why))? as usize;
    let after: Option<Rank> = q
        .cursor
        .as_deref()
        .map(|c| {
            cursor::decode::<Rank>(c)
                .ok_or_else(|| ApiError::field("cursor", "is not a cursor this API gave out"))
        })
        .transpose()?;
    let scope = Scope {
        promoter: None,
        offer: None,
        advertiser: None,
        from,
        to,
    };
    let each = stored::load_each(&state.db, &scope).await?;
    let ids: Vec<PromoterId> = each.keys().copied().collect();
    let mut people = stored::promoters(&state.db, &ids).await?;
    // Clicks name promoters the edge vouched for; one that is not a promoter account here
    // (a token for an id that was never one) has nobody to review.
    let mut ranked: Vec<(Rank, Figures, Risk)> = each
        .into_iter()
        .filter(|(id, _)| people.contains_key(id))
        .map(|(id, f)| {
            let risk = insights::assess(&f);
            let rank = Rank {
                level: risk.level,
                flagged: f.clicks.flagged,
                total: f.clicks.total,
                promoter_id: id,
            };
            (rank, f, risk)
        })
        .filter(|(rank, _, _)| wanted.is_none_or(|w| rank.level == w))
        .filter(|(rank, _, _)| after.is_none_or(|a| *rank > a))
        .collect();
    ranked.sort_by_key(|(rank, _, _)| *rank);
    let more = ranked.len() > limit;
    ranked.truncate(limit);
    let next_cursor = more
        .then(|| ranked.last().map(|(rank, _, _)| cursor::encode(rank)))
        .flatten();
    let data = ranked
        .into_iter()
        .filter_map(|(rank, f, risk)| {
            let person = people.remove(&rank.promoter_id)?;
            let total = f.clicks.total;
            Some(QueueItem {
                promoter: QueuePromoter {
                    id: person.id,
                    email: person.email,
                    display_name: person.display_name,
                },
                suspended_at: person.suspended_at,
                suspended_reason: person.suspended_reason,
                risk: risk.into(),
                figures: SummaryView {
                    clicks: clicks_view(&f),
                    conversions: f.ctit.total(),
                    under_10s_share: share(f.ctit.short(), f.ctit.total()),
                    over_24h_share: share(f.ctit.long(), f.ctit.total()),
                    max_z: f.rates.iter().filter_map(|c| c.z.ok()).reduce(f64::max),
                    top_ip: top_view(&f.top_ip, total),
                    top_subnet: top_view(&f.top_subnet, total),
                },
            })
        })
        .collect();
    Ok(axum::Json(QueuePage {
        from,
        to,
        data,
        next_cursor,
    }))
}

/// Why a promoter is suspended or reinstated.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonRequest {
    /// Recorded in the promoter's history (and, for a suspension, on its account): required,
    /// 1–500 characters once trimmed, no control characters but line breaks and tabs.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub reason: Option<String>,
}

/// One suspension or reinstatement.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ChangeView {
    /// Its id.
    pub id: i64,
    /// `suspend` or `reinstate`.
    pub action: Action,
    /// Why.
    pub reason: String,
    /// The admin who did it.
    pub actor_id: Option<UserId>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

impl From<Change> for ChangeView {
    fn from(c: Change) -> Self {
        Self {
            id: c.id,
            action: c.action,
            reason: c.reason,
            actor_id: c.actor_id,
            at: c.at,
        }
    }
}

/// A promoter's suspension state after a change.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SuspensionView {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// Whether it is suspended: its new clicks are flagged `suspended_promoter`, its
    /// conversions rejected as fraud (its links still redirect).
    pub suspended: bool,
    /// Since when.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub suspended_at: Option<OffsetDateTime>,
    /// Why.
    pub suspended_reason: Option<String>,
    /// The change just recorded.
    pub change: ChangeView,
}

/// The reason of a suspension or reinstatement: required, 1–500 characters once trimmed.
fn reason(given: Option<&str>) -> Result<&str, ApiError> {
    let reason = given.map(str::trim).unwrap_or_default();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::field(
            "reason",
            format!("is required: 1 to {MAX_REASON_CHARS} characters"),
        ));
    }
    text::check(reason, true).map_err(|why| ApiError::field("reason", why))?;
    Ok(reason)
}

async fn change(
    state: &AppState,
    principal: &crate::accounts::Principal,
    id: PromoterId,
    action: Action,
    req: &ReasonRequest,
) -> Result<axum::Json<SuspensionView>, ApiError> {
    principal.admin()?;
    // A suspension is a person's decision, with their name on it: no API key.
    principal.access_token()?;
    let why = reason(req.reason.as_deref())?;
    let (now, change) = suspensions::change(&state.db, id, principal.user_id, action, why).await?;
    tracing::info!(promoter = %id, actor = %principal.user_id, %action, "promoter suspension changed");
    Ok(axum::Json(SuspensionView {
        promoter_id: id,
        suspended: now.suspended_at.is_some(),
        suspended_at: now.suspended_at,
        suspended_reason: now.suspended_reason,
        change: change.into(),
    }))
}

/// Suspends a promoter, with a reason: its new clicks are flagged `suspended_promoter` and
/// its conversions rejected as fraud; its links still redirect (nothing goes to the edge).
#[utoipa::path(post, path = "/v1/admin/promoters/{id}/suspend", tag = "fraud",
    params(("id" = i64, Path, description = "The promoter")), request_body = ReasonRequest, security(("bearer" = [])),
    responses((status = 200, body = SuspensionView), (status = 403, description = "admins only, with an access token"),
              (status = 404, description = "not_found: no such promoter"),
              (status = 409, description = "already_suspended"), (status = 422, description = "validation_failed")))]
pub(super) async fn suspend(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<PromoterId>,
    Json(req): Json<ReasonRequest>,
) -> Result<axum::Json<SuspensionView>, ApiError> {
    change(&state, &principal, id, Action::Suspend, &req).await
}

/// Reinstates a suspended promoter, with a reason: its clicks count again from now on.
#[utoipa::path(post, path = "/v1/admin/promoters/{id}/reinstate", tag = "fraud",
    params(("id" = i64, Path, description = "The promoter")), request_body = ReasonRequest, security(("bearer" = [])),
    responses((status = 200, body = SuspensionView), (status = 403, description = "admins only, with an access token"),
              (status = 404, description = "not_found: no such promoter"),
              (status = 409, description = "not_suspended"), (status = 422, description = "validation_failed")))]
pub(super) async fn reinstate(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<PromoterId>,
    Json(req): Json<ReasonRequest>,
) -> Result<axum::Json<SuspensionView>, ApiError> {
    change(&state, &principal, id, Action::Reinstate, &req).await
}

/// Page through a promoter's suspensions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct HistoryQuery {
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

/// A promoter's suspension history.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct HistoryPage {
    /// Whether it is suspended now.
    pub suspended: bool,
    /// Since when.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub suspended_at: Option<OffsetDateTime>,
    /// Why.
    pub suspended_reason: Option<String>,
    /// Its suspensions and reinstatements, newest first.
    pub data: Vec<ChangeView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A promoter's suspensions and reinstatements, newest first (admins).
#[utoipa::path(get, path = "/v1/admin/promoters/{id}/suspensions", tag = "fraud",
    params(("id" = i64, Path, description = "The promoter"), HistoryQuery), security(("bearer" = [])),
    responses((status = 200, body = HistoryPage), (status = 403, description = "admins only"),
              (status = 404, description = "not_found: no such promoter"), (status = 422, description = "validation_failed")))]
pub(super) async fn suspension_history(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<PromoterId>,
    Query(q): Query<HistoryQuery>,
) -> Result<axum::Json<HistoryPage>, ApiError> {
    principal.admin()?;
    principal.require(ApiScope::StatsRead)?;
    let (before, limit) = page_params(q.cursor.as_deref(), q.limit)?;
    let now = suspensions::state(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("promoter"))?;
    let rows = suspensions::history(&state.db, id, before, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |c| c.id);
    Ok(axum::Json(HistoryPage {
        suspended: now.suspended_at.is_some(),
        suspended_at: now.suspended_at,
        suspended_reason: now.suspended_reason,
        data: rows.into_iter().map(ChangeView::from).collect(),
        next_cursor,
    }))
}

/// The fraud routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(promoter_insight))
        .routes(routes!(offer_insight))
        .routes(routes!(review_queue))
        .routes(routes!(suspend))
        .routes(routes!(reinstate))
        .routes(routes!(suspension_history))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn range_ends_are_instants_or_whole_utc_days() {
        assert_eq!(
            bound("from", Some("2026-11-24"), false).ok().flatten(),
            Some(datetime!(2026-11-24 00:00 UTC))
        );
        assert_eq!(
            bound("to", Some("2026-11-24"), true).ok().flatten(),
            Some(datetime!(2026-11-25 00:00 UTC))
        );
        assert_eq!(
            bound("to", Some("2026-11-24T10:00:00+02:00"), true)
                .ok()
                .flatten(),
            Some(datetime!(2026-11-24 08:00 UTC))
        );
        assert!(bound("from", None, false).is_ok_and(|b| b.is_none()));
        for bad in ["yesterday", "2026-13-01", "1969-12-31", "2026-11-24T10:00"] {
            assert!(bound("from", Some(bad), false).is_err(), "{bad}");
        }
        // A month as two dates; the same instant twice; 92 days and a bit.
        let (from, to) = range(Some("2026-11-01"), Some("2026-11-30"))
            .unwrap_or((OffsetDateTime::UNIX_EPOCH, OffsetDateTime::UNIX_EPOCH));
        assert_eq!((to - from).whole_days(), 30);
        assert!(range(Some("2026-11-24"), Some("2026-11-24T00:00:00Z")).is_err());
        assert!(range(Some("2026-01-01"), Some("2026-04-02")).is_ok());
        assert!(range(Some("2026-01-01"), Some("2026-04-03")).is_err());
        let (from, to) =
            range(None, None).unwrap_or((OffsetDateTime::UNIX_EPOCH, OffsetDateTime::UNIX_EPOCH));
        assert_eq!(to - from, Duration::days(DEFAULT_DAYS));
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(reason(Some("  spam  ")).ok(), Some("spam"));
        assert!(reason(None).is_err());
        assert!(reason(Some("   ")).is_err());
        assert!(reason(Some(&"é".repeat(500))).is_ok());
        assert!(reason(Some(&"é".repeat(501))).is_err());
        assert!(reason(Some("a\0b")).is_err());
    }
}
