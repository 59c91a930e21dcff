//! The assistant's API: `GET /v1/assistant/overview`, `/suggestions`, `/analysis` and
//! `/tips`, each in English or Arabic (`?lang=`, else `Accept-Language`, else English).
//!
//! Days are UTC days; the window of the suggestions, the analysis and the tips is the 30 UTC
//! days ending today. Only live traffic counts (the rollups never hold sandbox traffic).

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::db::{self, Whose};
use super::rules::{self, Days, Figure, Figures, Span, Sums, Viewer};
use super::texts::{self, Lang};
use crate::accounts::{Principal, Scope};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Query};
use crate::kernel::error::ApiError;
use crate::kernel::money::Money;
use crate::kernel::{OfferId, Tenant};
use crate::offers::PayoutModel;
use crate::programme::rules::progress;

/// The language parameter every assistant route takes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct LangQuery {
    /// `en` or `ar`; without it, the `Accept-Language` header's choice of the two, else `en`.
    #[param(pattern = "^(en|ar)$")]
    pub lang: Option<String>,
}

/// Suggestions parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct SuggestionsQuery {
    /// `en` or `ar`; without it, the `Accept-Language` header's choice of the two, else `en`.
    #[param(pattern = "^(en|ar)$")]
    pub lang: Option<String>,
    /// How many offers, 1–50 (default 10), best fit first.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// Counted traffic of some days.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Numbers {
    /// Clicks (verdict ok, not blocked).
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
    /// Payout by currency.
    #[schema(value_type = BTreeMap<String, String>)]
    pub payout: BTreeMap<String, Money>,
    /// Conversions over clicks, to 4 decimals (0 without clicks).
    pub cr: f64,
    /// Earnings per click by currency (as `/v1/stats`: a currency's payout over the clicks on
    /// offers paying in it), to 4 decimals.
    #[schema(value_type = BTreeMap<String, String>)]
    pub epc: BTreeMap<String, Money>,
}

impl From<&Sums> for Numbers {
    fn from(s: &Sums) -> Self {
        Self {
            clicks: s.total_clicks(),
            unique_clicks: s.unique_clicks,
            conversions: s.conversions,
            payout: s
                .payout
                .iter()
                .map(|(c, v)| (c.clone(), Money::in_code(v.round_dp(4), Some(c))))
                .collect(),
            cr: round4(s.cr()),
            epc: s
                .epc()
                .into_iter()
                .map(|(c, v)| {
                    let m = Money::in_code(v, Some(&c));
                    (c, m)
                })
                .collect(),
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A change in a count.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct CountChange {
    /// Now less before.
    pub abs: i64,
    /// In percent of before, to 2 decimals; null when before was 0.
    pub pct: Option<f64>,
}

/// A change in a rate.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RateChange {
    /// Now less before, to 4 decimals.
    pub abs: f64,
    /// In percent of before, to 2 decimals; null when before was 0.
    pub pct: Option<f64>,
}

/// A change in an amount.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MoneyChange {
    /// Now less before.
    #[schema(value_type = String)]
    pub abs: Money,
    /// In percent of before, to 2 decimals; null when before was 0.
    pub pct: Option<f64>,
}

/// How a period's numbers changed against the period before.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Changes {
    /// Clicks.
    pub clicks: CountChange,
    /// Unique clicks.
    pub unique_clicks: CountChange,
    /// Approved conversions.
    pub conversions: CountChange,
    /// CR.
    pub cr: RateChange,
    /// Payout, by every currency of either period.
    pub payout: BTreeMap<String, MoneyChange>,
    /// EPC, by every currency of either period.
    pub epc: BTreeMap<String, MoneyChange>,
}

fn count_change(now: i64, before: i64) -> CountChange {
    CountChange {
        abs: now - before,
        pct: rules::percent_change(now as f64, before as f64),
    }
}

fn money_changes(
    now: &BTreeMap<String, Decimal>,
    before: &BTreeMap<String, Decimal>,
) -> BTreeMap<String, MoneyChange> {
    let currencies: BTreeSet<&String> = now.keys().chain(before.keys()).collect();
    currencies
        .into_iter()
        .map(|c| {
            let (n, b) = (
                now.get(c).copied().unwrap_or_default(),
                before.get(c).copied().unwrap_or_default(),
            );
            (
                c.clone(),
                MoneyChange {
                    abs: Money::in_code((n - b).round_dp(4), Some(c)),
                    pct: rules::money_change(n, b),
                },
            )
        })
        .collect()
}

fn changes(now: &Sums, before: &Sums) -> Changes {
    Changes {
        clicks: count_change(now.total_clicks(), before.total_clicks()),
        unique_clicks: count_change(now.unique_clicks, before.unique_clicks),
        conversions: count_change(now.conversions, before.conversions),
        cr: RateChange {
            abs: round4(now.cr() - before.cr()),
            pct: rules::percent_change(now.cr(), before.cr()),
        },
        payout: money_changes(&now.payout, &before.payout),
        epc: money_changes(&now.epc(), &before.epc()),
    }
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// One period of the overview.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PeriodView {
    /// `today` (so far, against the whole of yesterday), `7d` or `30d` (the UTC days ending
    /// today, against as many days just before).
    pub period: &'static str,
    /// Its first UTC day.
    pub from: String,
    /// Its last UTC day (today).
    pub to: String,
    /// The first UTC day of the period before.
    pub previous_from: String,
    /// The last UTC day of the period before.
    pub previous_to: String,
    /// Its numbers.
    pub current: Numbers,
    /// The numbers of the period before.
    pub previous: Numbers,
    /// The change.
    pub change: Changes,
}

/// A promoter's level.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AssistantLevel)]
pub(super) struct LevelView {
    /// The level now.
    pub level: String,
    /// Lifetime points (levels go by them).
    pub lifetime_points: i64,
    /// The next level (null at the top).
    pub next_level: Option<String>,
    /// Points still needed for it.
    pub points_to_next: Option<i64>,
    /// How far from this level's start to the next's, 0 to 1.
    pub progress: f64,
}

/// The best offer of the last 30 days.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct BestOffer {
    /// The offer.
    pub offer_id: OfferId,
    /// Its name.
    pub name: String,
    /// What it pays in (the offers compared are those of the currency with the most
    /// conversions).
    pub currency: String,
    /// Payout in that currency.
    #[schema(value_type = String)]
    pub payout: Money,
    /// Approved conversions.
    pub conversions: i64,
    /// Clicks.
    pub clicks: i64,
    /// CR, to 4 decimals.
    pub cr: f64,
    /// EPC in its currency.
    #[schema(value_type = Option<String>)]
    pub epc: Option<Money>,
}

/// The overview.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Overview {
    /// The language of `summary`.
    pub lang: &'static str,
    /// Whose numbers: `promoter`, `advertiser` or `platform` (admins).
    pub scope: &'static str,
    /// Days are UTC days.
    pub time_zone: &'static str,
    /// Today (UTC).
    pub today: String,
    /// Today, 7 and 30 days.
    pub periods: Vec<PeriodView>,
    /// Promoters: their level and the points to the next.
    pub level: Option<LevelView>,
    /// The best offer of the last 30 days: the most payout, then the most conversions
    /// (null when nothing converted).
    pub best_offer: Option<BestOffer>,
    /// The overview in sentences.
    pub summary: Vec<String>,
}

/// The language of an answer: `lang` if given (anything but `en` or `ar` answers 422), else
/// the `Accept-Language` header's choice of the two, else English.
fn language(asked: Option<&str>, headers: &HeaderMap) -> Result<Lang, ApiError> {
    match asked {
        Some(s) => Lang::parse(s).ok_or_else(|| ApiError::field("lang", "must be en or ar")),
        None => Ok(headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Lang::En)),
    }
}

fn scope_name(viewer: Viewer) -> &'static str {
    match viewer {
        Viewer::Promoter => "promoter",
        Viewer::Advertiser => "advertiser",
        Viewer::Platform => "platform",
    }
}

/// Who reads, and whose numbers: promoters and advertisers their own; admins the platform
/// (only where `admins` allows it, else 403).
fn reader(principal: &Principal, admins: bool) -> Result<(Viewer, Whose), ApiError> {
    principal.require(Scope::StatsRead)?;
    let tenant = principal.tenant();
    let viewer = match tenant {
        Tenant::Promoter(_) => Viewer::Promoter,
        Tenant::Advertiser(_) => Viewer::Advertiser,
        Tenant::Admin if admins => Viewer::Platform,
        Tenant::Admin => {
            return Err(ApiError::forbidden(
                "the assistant's analysis and tips are for promoters and advertisers",
            ));
        }
    };
    Ok((viewer, Whose::of(tenant)))
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Today, 7 and 30 days with the change against the period before, a promoter's level and
/// the best offer of the 30 days. Promoters see their links' numbers, advertisers their
/// offers', admins the whole platform's.
#[utoipa::path(get, path = "/v1/assistant/overview", tag = "assistant", params(LangQuery), security(("bearer" = [])),
    responses((status = 200, body = Overview), (status = 401, description = "unauthorized"),
              (status = 403, description = "forbidden: an API key without stats:read"),
              (status = 422, description = "validation_failed: lang")))]
pub(super) async fn overview(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<axum::Json<Overview>, ApiError> {
    let lang = language(q.lang.as_deref(), &headers)?;
    Ok(axum::Json(overview_of(&state, &principal, lang).await?))
}

/// The overview as `principal` sees it (the route's answer, and the chat's tool).
pub(super) async fn overview_of(
    state: &AppState,
    principal: &Principal,
    lang: Lang,
) -> Result<Overview, ApiError> {
    let (viewer, whose) = reader(principal, true)?;
    let today = today();
    let daily = db::daily(&state.db, whose, Days::ending(today, rules::HISTORY_DAYS)).await?;
    let trends = rules::trends(&daily, today);
    let offers = db::offers(&state.db, whose, rules::window(today)).await?;
    let best = rules::best_offer(&offers);
    let level = match principal.tenant() {
        Tenant::Promoter(p) => {
            let lifetime = db::lifetime_points(&state.db, p).await?;
            let progress = progress(&state.settings.programme.levels, lifetime);
            Some(LevelView {
                level: progress.level.name.clone(),
                lifetime_points: lifetime,
                next_level: progress.next.as_ref().map(|(l, _)| l.name.clone()),
                points_to_next: progress.next.as_ref().map(|(_, n)| *n),
                progress: round4(progress.fraction),
            })
        }
        _ => None,
    };

    let mut summary = Vec::new();
    if let Some(week) = trends.iter().find(|t| t.span == Span::Week) {
        summary.push(texts::render(
            lang,
            "overview.summary",
            &vec![
                ("clicks", Figure::Count(week.now.total_clicks())),
                ("conversions", Figure::Count(week.now.conversions)),
                ("cr", Figure::Share(round4(week.now.cr()))),
            ],
        ));
        if let Some(change) = rules::percent_change(
            week.now.total_clicks() as f64,
            week.before.total_clicks() as f64,
        ) {
            summary.push(texts::render(
                lang,
                "overview.trend",
                &vec![("change", Figure::Percent(change))],
            ));
        }
    }
    if let Some(o) = best {
        summary.push(texts::render(
            lang,
            "overview.best_offer",
            &vec![
                ("offer", Figure::Text(o.name.clone())),
                (
                    "payout",
                    Figure::Money(o.sums.payout_in(&o.currency), o.currency.clone()),
                ),
                ("conversions", Figure::Count(o.sums.conversions)),
            ],
        ));
    }
    if let Some(l) = &level {
        summary.push(match (&l.next_level, l.points_to_next) {
            (Some(next), Some(points)) => texts::render(
                lang,
                "overview.level",
                &vec![
                    ("level", Figure::Text(l.level.clone())),
                    ("points", Figure::Count(points)),
                    ("next", Figure::Text(next.clone())),
                ],
            ),
            _ => texts::render(
                lang,
                "overview.level_top",
                &vec![("level", Figure::Text(l.level.clone()))],
            ),
        });
    }

    Ok(Overview {
        lang: lang.as_str(),
        scope: scope_name(viewer),
        time_zone: "UTC",
        today: iso(today),
        periods: trends
            .iter()
            .map(|t| PeriodView {
                period: t.span.as_str(),
                from: iso(t.days.from),
                to: iso(t.days.to),
                previous_from: iso(t.before_days.from),
                previous_to: iso(t.before_days.to),
                current: (&t.now).into(),
                previous: (&t.before).into(),
                change: changes(&t.now, &t.before),
            })
            .collect(),
        level,
        best_offer: best.map(|o| BestOffer {
            offer_id: o.id,
            name: o.name.clone(),
            currency: o.currency.clone(),
            payout: Money::in_code(o.sums.payout_in(&o.currency).round_dp(4), Some(&o.currency)),
            conversions: o.sums.conversions,
            clicks: o.sums.total_clicks(),
            cr: round4(o.sums.cr()),
            epc: o
                .sums
                .epc_in(&o.currency)
                .map(|e| Money::in_code(e, Some(&o.currency))),
        }),
        summary,
    })
}

/// Figures as JSON: counts, shares, changes and ratios as numbers, amounts as decimal
/// strings, names as strings, lists as arrays.
fn figures_json(figures: &Figures) -> Map<String, Value> {
    figures
        .iter()
        .map(|(name, f)| {
            let v = match f {
                Figure::Count(n) => Value::from(*n),
                Figure::Share(x) | Figure::Percent(x) | Figure::Ratio(x) => Value::from(*x),
                Figure::Money(amount, currency) => {
                    Value::from(Money::in_code(*amount, Some(currency)).to_string())
                }
                Figure::Text(t) => Value::from(t.clone()),
                Figure::List(items) => Value::from(items.clone()),
            };
            ((*name).to_owned(), v)
        })
        .collect()
}

/// Why an offer is suggested.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ReasonView {
    /// `category_converts`, `countries_convert`, `platform_epc`, `platform_cr`,
    /// `payout_model` or `not_enough_data`.
    pub code: &'static str,
    /// In words.
    pub text: String,
    /// The numbers behind it (shares and CRs from 0 to 1, amounts as strings).
    #[schema(value_type = Object)]
    pub figures: Map<String, Value>,
}

/// A suggested offer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SuggestionView {
    /// The offer (join it at `POST /v1/marketplace/offers/{id}/join`).
    pub offer_id: OfferId,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// Its payout model.
    pub payout_model: PayoutModel,
    /// A fixed payout (CPA, CPL).
    #[schema(value_type = Option<String>)]
    pub payout_amount: Option<Money>,
    /// A percentage (CPS, RevShare).
    pub payout_percent: Option<String>,
    /// What it pays in.
    pub currency: String,
    /// The fit, 0 to 1 (see the README's Assistant section for the weights).
    pub score: f64,
    /// Why, the largest part of the score first.
    pub reasons: Vec<ReasonView>,
}

/// Offers not suggested, and why.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct LeftOut {
    /// Paused offers not joined (they cannot be joined).
    pub paused: i64,
    /// Approved offers whose total or daily cap is reached.
    pub capped: usize,
    /// Approved offers that refuse visitors from one of the promoter's main countries.
    pub geo_blocked: usize,
}

/// Why the list is empty.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NoteView {
    /// `nothing_to_join` or `all_left_out`.
    pub code: &'static str,
    /// In words.
    pub text: String,
    /// The counts.
    #[schema(value_type = Object)]
    pub figures: Map<String, Value>,
}

/// Offers to join.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SuggestionsAnswer {
    /// The language of the texts.
    pub lang: &'static str,
    /// The window's first UTC day.
    pub from: String,
    /// Its last (today).
    pub to: String,
    /// The promoter's main countries: each with at least 20% of its clicks of a known
    /// country over the window.
    pub main_countries: Vec<String>,
    /// Best fit first, at most `limit`.
    pub data: Vec<SuggestionView>,
    /// How many offers were suggested in all (before `limit`).
    pub total: usize,
    /// Offers left out.
    pub left_out: LeftOut,
    /// Why the list is empty (null when it is not).
    pub note: Option<NoteView>,
}

/// Most offers a page of suggestions holds.
pub(super) const MAX_SUGGESTIONS: u32 = 50;
/// Offers a page of suggestions holds unless asked.
pub(super) const DEFAULT_SUGGESTIONS: u32 = 10;

/// Approved offers the promoter has not joined, ranked by fit from the numbers: the
/// categories and countries where the promoter's traffic converts, the offer's EPC and CR
/// across the platform (each counted from 100 clicks over the window), and the payout model
/// the promoter converts on. Paused offers, offers whose cap is reached and offers closed to
/// the promoter's main countries are left out (counted in `left_out`; `note` says so when
/// the list is empty). Promoters only.
#[utoipa::path(get, path = "/v1/assistant/suggestions", tag = "assistant", params(SuggestionsQuery), security(("bearer" = [])),
    responses((status = 200, body = SuggestionsAnswer), (status = 401, description = "unauthorized"),
              (status = 403, description = "forbidden: not a promoter, or an API key without stats:read and offers:read"),
              (status = 422, description = "validation_failed: lang, limit")))]
pub(super) async fn suggestions(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<SuggestionsQuery>,
    headers: HeaderMap,
) -> Result<axum::Json<SuggestionsAnswer>, ApiError> {
    principal.require(Scope::StatsRead)?;
    principal.require(Scope::OffersRead)?;
    principal.promoter()?;
    let lang = language(q.lang.as_deref(), &headers)?;
    let limit = match q.limit {
        None => DEFAULT_SUGGESTIONS,
        Some(n) if (1..=MAX_SUGGESTIONS).contains(&n) => n,
        Some(_) => return Err(ApiError::field("limit", "must be 1 to 50")),
    };
    Ok(axum::Json(
        suggestions_of(&state, &principal, lang, limit).await?,
    ))
}

/// The suggestions as `principal` sees them, at most `limit` (the route's answer, and the
/// chat's tool).
pub(super) async fn suggestions_of(
    state: &AppState,
    principal: &Principal,
    lang: Lang,
    limit: u32,
) -> Result<SuggestionsAnswer, ApiError> {
    principal.require(Scope::StatsRead)?;
    principal.require(Scope::OffersRead)?;
    let promoter = principal.promoter()?;
    let today = today();
    let window = rules::window(today);
    let own = db::own_traffic(&state.db, promoter, window).await?;
    let (offers, paused) = db::suggestable(&state.db, promoter, window, today).await?;
    let candidates: Vec<rules::Candidate> = offers.iter().map(|o| o.candidate.clone()).collect();
    let s = rules::suggest(&rules::Profile::of(&own), &candidates);
    let by_id: BTreeMap<OfferId, &db::Suggestable> =
        offers.iter().map(|o| (o.candidate.id, o)).collect();
    let note = rules::note(candidates.len(), paused, &s).map(|(code, figures)| NoteView {
        code: code.as_str(),
        text: texts::render(lang, &format!("note.{}", code.as_str()), &figures),
        figures: figures_json(&figures),
    });
    let data = s
        .ranked
        .iter()
        .take(limit as usize)
        .filter_map(|sug| {
            let o = by_id.get(&sug.id)?;
            let currency = o.candidate.currency.clone();
            Some(SuggestionView {
                offer_id: sug.id,
                name: o.name.clone(),
                category: o.candidate.category.clone(),
                payout_model: o.candidate.model,
                payout_amount: o.payout_amount.map(|d| Money::in_code(d, Some(&currency))),
                payout_percent: o.payout_percent.map(|d| d.normalize().to_string()),
                currency,
                score: sug.score,
                reasons: sug
                    .reasons
                    .iter()
                    .map(|r| ReasonView {
                        code: r.code.as_str(),
                        text: texts::render(
                            lang,
                            &format!("reason.{}", r.code.as_str()),
                            &r.figures,
                        ),
                        figures: figures_json(&r.figures),
                    })
                    .collect(),
            })
        })
        .collect();
    Ok(SuggestionsAnswer {
        lang: lang.as_str(),
        from: iso(window.from),
        to: iso(window.to),
        main_countries: s.main_countries.clone(),
        data,
        total: s.ranked.len(),
        left_out: LeftOut {
            paused,
            capped: s.capped,
            geo_blocked: s.geo_blocked,
        },
        note,
    })
}

/// A finding.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AssistantFinding)]
pub(super) struct FindingView {
    /// What it is about (`best_offer_epc`, `cr_below_platform`, `top_countries`, …; the
    /// README lists them).
    pub code: &'static str,
    /// `good`, `info` or `warning`.
    pub severity: &'static str,
    /// In words.
    pub text: String,
    /// The numbers behind it (shares and CRs from 0 to 1, amounts as strings).
    #[schema(value_type = Object)]
    pub figures: Map<String, Value>,
    /// What to do about it.
    pub recommendation: String,
}

/// The analysis of the window.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AnalysisAnswer {
    /// The language of the texts.
    pub lang: &'static str,
    /// `promoter` or `advertiser`.
    pub scope: &'static str,
    /// Days and hours are UTC.
    pub time_zone: &'static str,
    /// The window's first UTC day.
    pub from: String,
    /// Its last (today).
    pub to: String,
    /// Most useful first.
    pub findings: Vec<FindingView>,
}

/// Findings over the last 30 UTC days, each with its numbers and a recommendation: best and
/// worst offers by EPC, the CR against the platform median, top countries and sub-IDs, the
/// hours (UTC) with the most conversions, the filtered share (bots, fraud), conversions
/// waiting for review; for advertisers also their offers against the platform, their best
/// and worst promoters and the statuses of conversions not approved. Nothing of another
/// tenant but platform aggregates (medians). Promoters and advertisers.
#[utoipa::path(get, path = "/v1/assistant/analysis", tag = "assistant", params(LangQuery), security(("bearer" = [])),
    responses((status = 200, body = AnalysisAnswer), (status = 401, description = "unauthorized"),
              (status = 403, description = "forbidden: admins, or an API key without stats:read"),
              (status = 422, description = "validation_failed: lang")))]
pub(super) async fn analysis(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<axum::Json<AnalysisAnswer>, ApiError> {
    let lang = language(q.lang.as_deref(), &headers)?;
    Ok(axum::Json(analysis_of(&state, &principal, lang).await?))
}

/// The analysis as `principal` sees it (the route's answer, and the chat's tool).
pub(super) async fn analysis_of(
    state: &AppState,
    principal: &Principal,
    lang: Lang,
) -> Result<AnalysisAnswer, ApiError> {
    let (viewer, whose) = reader(principal, false)?;
    let window = rules::window(today());
    let facts = db::analysis(&state.db, viewer, whose, window).await?;
    let findings = rules::analyse(&facts)
        .into_iter()
        .map(|f| {
            let code = f.code.as_str();
            FindingView {
                code,
                severity: f.severity.as_str(),
                text: texts::render(lang, &format!("finding.{code}"), &f.figures),
                recommendation: texts::render(lang, &format!("finding.{code}.do"), &f.figures),
                figures: figures_json(&f.figures),
            }
        })
        .collect();
    Ok(AnalysisAnswer {
        lang: lang.as_str(),
        scope: scope_name(viewer),
        time_zone: "UTC",
        from: iso(window.from),
        to: iso(window.to),
        findings,
    })
}

/// A tip.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TipView {
    /// Which (the README lists the catalogue).
    pub code: &'static str,
    /// In words.
    pub text: String,
    /// The number that triggered it: a share from 0 to 1, a count, a change in percent or a
    /// ratio to the median.
    pub figure: f64,
    /// What it was compared against, in the same unit.
    pub threshold: f64,
}

/// The tips that apply.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TipsAnswer {
    /// The language of the texts.
    pub lang: &'static str,
    /// `promoter` or `advertiser`.
    pub scope: &'static str,
    /// The tips whose condition the numbers meet, in catalogue order.
    pub tips: Vec<TipView>,
}

/// Tips from the catalogue, each triggered by a condition on the caller's own numbers (no
/// clicks in 7 days, a high bot or fraud share, links without sub-IDs, close to the next
/// level, a CR far under the platform median, many conversions held for review or refused,
/// no offers, a falling or rising 7-day trend), each with the number that triggered it and
/// its threshold. Promoters and advertisers.
#[utoipa::path(get, path = "/v1/assistant/tips", tag = "assistant", params(LangQuery), security(("bearer" = [])),
    responses((status = 200, body = TipsAnswer), (status = 401, description = "unauthorized"),
              (status = 403, description = "forbidden: admins, or an API key without stats:read"),
              (status = 422, description = "validation_failed: lang")))]
pub(super) async fn tips(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<axum::Json<TipsAnswer>, ApiError> {
    let lang = language(q.lang.as_deref(), &headers)?;
    Ok(axum::Json(tips_of(&state, &principal, lang).await?))
}

/// The tips as `principal` sees them (the route's answer, and the chat's tool).
pub(super) async fn tips_of(
    state: &AppState,
    principal: &Principal,
    lang: Lang,
) -> Result<TipsAnswer, ApiError> {
    let (viewer, whose) = reader(principal, false)?;
    let today = today();
    let window = rules::window(today);
    let daily = db::daily(&state.db, whose, Days::ending(today, 14)).await?;
    let week = Days::ending(today, 7);
    let (now, before) = (
        rules::sum_days(&daily, week),
        rules::sum_days(&daily, week.before()),
    );
    let offers = db::offers(&state.db, whose, window).await?;
    let only = match viewer {
        Viewer::Promoter => Some(offers.iter().map(|o| o.id.0).collect()),
        _ => None,
    };
    let platform = db::platform(&state.db, window, only).await?;
    let points = match principal.tenant() {
        Tenant::Promoter(p) => Some((
            db::lifetime_points(&state.db, p).await?,
            state.settings.programme.levels.clone(),
        )),
        _ => None,
    };
    let facts = rules::TipFacts {
        viewer,
        clicks_7d: (now.total_clicks(), before.total_clicks()),
        conversions_7d: (now.conversions, before.conversions),
        traffic: db::traffic(&state.db, whose, window).await?,
        points,
        cr: rules::cr_vs_platform(viewer, &offers, &platform),
        statuses: db::statuses(&state.db, whose, window).await?,
        offers: db::offer_count(&state.db, whose).await?,
    };
    Ok(TipsAnswer {
        lang: lang.as_str(),
        scope: scope_name(viewer),
        tips: rules::tips(&facts)
            .into_iter()
            .map(|t| TipView {
                code: t.code.as_str(),
                text: texts::render(lang, &format!("tip.{}", t.code.as_str()), &t.figures),
                figure: t.figure,
                threshold: t.threshold,
            })
            .collect(),
    })
}

/// The assistant's routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(suggestions))
        .routes(routes!(analysis))
        .routes(routes!(tips))
}
