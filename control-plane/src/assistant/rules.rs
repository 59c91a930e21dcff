//! The assistant's reading of a user's numbers, without I/O (DESIGN §14): trends by period,
//! the best offer, suggestions ranked by fit, findings and tips. `db` loads the facts; this
//! module only reads them, and `texts` puts the results into words.
//!
//! The minimums and thresholds are constants, not settings: a finding or a tip says which
//! number triggered it and against what, and a person must be able to tell what it would take
//! to change it. Shares are compared on the counts themselves (`part × 100 > percent ×
//! whole`), so a threshold is met exactly at its boundary, never a rounding error away.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use time::{Date, Duration};

use crate::fraud::insights::two_proportion_z;
use crate::kernel::{OfferId, PromoterId};
use crate::offers::PayoutModel;
use crate::programme::rules::{Level, Progress, progress};

/// Clicks an offer needs across the platform over the window before its platform EPC and CR
/// count (in suggestions, medians and comparisons).
pub(super) const PLATFORM_MIN_CLICKS: i64 = 100;
/// Clicks one of the user's own offers, promoters or countries needs over the window before it
/// is ranked (best and worst by EPC, the CR comparison).
pub(super) const OWN_MIN_CLICKS: i64 = 30;
/// A country is one of a promoter's main countries from this share (percent) of its clicks
/// with a known country.
pub(super) const MAIN_COUNTRY_PERCENT: i64 = 20;
/// Conversions the window needs before the hours of the day are read.
pub(super) const MIN_CONVERSIONS_FOR_HOURS: i64 = 10;
/// The window of the suggestions, the analysis and most tips, in UTC days (today included).
pub(super) const WINDOW_DAYS: i64 = 30;
/// How many days of history the overview reads: 30 and the 30 before.
pub(super) const HISTORY_DAYS: i64 = 60;
/// Offers a median across other advertisers' offers (an advertiser's comparisons) needs, so
/// that it never gives away one other offer's number (the median of two is their mean).
pub(super) const MIN_MEDIAN_OFFERS: usize = 3;
/// A CR under this fraction of the platform median is far under it.
pub(super) const FAR_BELOW: f64 = 0.5;
/// A CR over this multiple of the platform median is far over it.
pub(super) const FAR_ABOVE: f64 = 1.5;

/// The weights of a suggestion's fit score (they add up to 1).
pub(super) mod weights {
    /// The promoter's conversions in the offer's category.
    pub(in crate::assistant) const CATEGORY: f64 = 0.30;
    /// The promoter's conversions from countries the offer is open to.
    pub(in crate::assistant) const COUNTRIES: f64 = 0.20;
    /// The offer's platform EPC against the best suggested one in its currency.
    pub(in crate::assistant) const EPC: f64 = 0.25;
    /// The offer's platform CR against the best suggested one.
    pub(in crate::assistant) const CR: f64 = 0.15;
    /// The promoter's conversions on offers of the same payout model.
    pub(in crate::assistant) const MODEL: f64 = 0.10;
}

/// Thresholds of the tips, as the numbers they are compared on.
pub(super) mod thresholds {
    /// Bot clicks over all clicks, percent (above it: a tip).
    pub(in crate::assistant) const BOT_PERCENT: i64 = 20;
    /// Clicks blocked for fraud over all clicks, percent.
    pub(in crate::assistant) const FRAUD_PERCENT: i64 = 10;
    /// Clicks without a sub1 over counted clicks, percent.
    pub(in crate::assistant) const NO_SUB1_PERCENT: i64 = 80;
    /// Points still needed over the span to the next level, percent (at most: a tip).
    pub(in crate::assistant) const NEXT_LEVEL_PERCENT: i64 = 10;
    /// Conversions held for review over approved and held ones, percent.
    pub(in crate::assistant) const PENDING_PERCENT: i64 = 30;
    /// Conversions refused (not approved, not held) over decided ones, percent.
    pub(in crate::assistant) const REJECTED_PERCENT: i64 = 25;
    /// A 7-day fall in clicks of more than this, percent.
    pub(in crate::assistant) const FALL_PERCENT: i64 = 30;
    /// A 7-day rise in conversions of more than this, percent.
    pub(in crate::assistant) const RISE_PERCENT: i64 = 30;
    /// A share of filtered traffic above this (percent) makes the analysis warn.
    pub(in crate::assistant) const FILTERED_PERCENT: i64 = 20;
}

/// Rounds to `dp` decimals.
fn round(x: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    (x * f).round() / f
}

/// `part / whole`, 0 without a whole.
fn ratio(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

/// Whose numbers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Viewer {
    /// A promoter: their links' traffic.
    Promoter,
    /// An advertiser: their offers' traffic.
    Advertiser,
    /// An admin: the whole platform (the overview only).
    Platform,
}

/// Counted traffic and what it earned.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Sums {
    /// Clicks (verdict ok, not blocked) by the currency of their offer.
    pub clicks: BTreeMap<String, i64>,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
    /// Payout by currency.
    pub payout: BTreeMap<String, Decimal>,
}

impl Sums {
    /// Adds another's numbers.
    pub(super) fn add(&mut self, other: &Sums) {
        for (c, n) in &other.clicks {
            *self.clicks.entry(c.clone()).or_default() += n;
        }
        self.unique_clicks += other.unique_clicks;
        self.conversions += other.conversions;
        for (c, v) in &other.payout {
            *self.payout.entry(c.clone()).or_default() += v;
        }
    }

    /// Every counted click.
    pub(super) fn total_clicks(&self) -> i64 {
        self.clicks.values().sum()
    }

    /// Conversions over clicks (0 without clicks), unrounded.
    pub(super) fn cr(&self) -> f64 {
        ratio(self.conversions, self.total_clicks())
    }

    /// EPC in `currency`: its payout over the clicks on offers paying in it (as `/v1/stats`),
    /// to 4 decimals; none without such clicks.
    pub(super) fn epc_in(&self, currency: &str) -> Option<Decimal> {
        let n = self.clicks.get(currency).copied().filter(|n| *n > 0)?;
        let paid = self.payout.get(currency).copied().unwrap_or_default();
        Some((paid / Decimal::from(n)).round_dp(4))
    }

    /// EPC by currency, for every currency with payout and clicks.
    pub(super) fn epc(&self) -> BTreeMap<String, Decimal> {
        self.payout
            .keys()
            .filter_map(|c| Some((c.clone(), self.epc_in(c)?)))
            .collect()
    }

    /// Payout in `currency`.
    pub(super) fn payout_in(&self, currency: &str) -> Decimal {
        self.payout.get(currency).copied().unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------
// The overview: periods and their trends.

/// A period of the overview, in UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Span {
    /// Today so far, against the whole of yesterday.
    Today,
    /// The 7 days ending today, against the 7 before.
    Week,
    /// The 30 days ending today, against the 30 before.
    Month,
}

impl Span {
    /// Every period, shortest first.
    pub(super) const ALL: [Span; 3] = [Span::Today, Span::Week, Span::Month];

    /// Its length in days.
    pub(super) fn days(self) -> i64 {
        match self {
            Span::Today => 1,
            Span::Week => 7,
            Span::Month => WINDOW_DAYS,
        }
    }

    /// The wire name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Span::Today => "today",
            Span::Week => "7d",
            Span::Month => "30d",
        }
    }
}

/// UTC days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Days {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
}

impl Days {
    /// `n` days ending on `last`.
    pub(super) fn ending(last: Date, n: i64) -> Self {
        Self {
            from: last - Duration::days(n - 1),
            to: last,
        }
    }

    /// The same number of days just before.
    pub(super) fn before(self) -> Self {
        let n = (self.to - self.from).whole_days() + 1;
        Self::ending(self.from - Duration::days(1), n)
    }
}

/// The window of the suggestions and the analysis: the 30 UTC days ending today.
pub(super) fn window(today: Date) -> Days {
    Days::ending(today, WINDOW_DAYS)
}

/// A period's numbers and the period before's.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Trend {
    /// Which period.
    pub span: Span,
    /// Its days.
    pub days: Days,
    /// The days before it.
    pub before_days: Days,
    /// Its numbers.
    pub now: Sums,
    /// The numbers of the days before.
    pub before: Sums,
}

/// Sums of the days of `days` in a daily series.
pub(super) fn sum_days(daily: &BTreeMap<Date, Sums>, days: Days) -> Sums {
    let mut out = Sums::default();
    for (_, s) in daily.range(days.from..=days.to) {
        out.add(s);
    }
    out
}

/// Today, 7 and 30 days with the periods before, from a daily series of the last
/// [`HISTORY_DAYS`].
pub(super) fn trends(daily: &BTreeMap<Date, Sums>, today: Date) -> Vec<Trend> {
    Span::ALL
        .into_iter()
        .map(|span| {
            let days = Days::ending(today, span.days());
            let before_days = days.before();
            Trend {
                span,
                days,
                before_days,
                now: sum_days(daily, days),
                before: sum_days(daily, before_days),
            }
        })
        .collect()
}

/// A change in percent of the value before, to 2 decimals; none when it was 0.
pub(super) fn percent_change(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| round((now - before) / before * 100.0, 2))
}

/// The change in percent of two amounts, to 2 decimals; none when the first was 0.
pub(super) fn money_change(now: Decimal, before: Decimal) -> Option<f64> {
    if before.is_zero() {
        return None;
    }
    ((now - before) / before * Decimal::from(100))
        .round_dp(2)
        .to_f64()
}

// ---------------------------------------------------------------------------------------
// Offers: the main currency, the best offer, best and worst by EPC.

/// One offer's numbers over the window, as the caller may see them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OfferFacts {
    /// The offer.
    pub id: OfferId,
    /// Its name.
    pub name: String,
    /// What it pays in.
    pub currency: String,
    /// The caller's traffic on it (promoters: theirs; advertisers and admins: all of it).
    pub sums: Sums,
}

/// The currency offers are compared in: that of the offers with the most conversions (then
/// clicks; then the first code alphabetically); none without any click or conversion.
pub(super) fn main_currency(offers: &[OfferFacts]) -> Option<String> {
    let mut by: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for o in offers {
        let e = by.entry(o.currency.as_str()).or_default();
        e.0 += o.sums.conversions;
        e.1 += o.sums.total_clicks();
    }
    by.into_iter()
        .filter(|(_, (conv, clicks))| *conv > 0 || *clicks > 0)
        // The first of the largest: `max_by_key` keeps the last, so codes are reversed.
        .min_by_key(|(code, (conv, clicks))| (Reverse(*conv), Reverse(*clicks), *code))
        .map(|(code, _)| code.to_owned())
}

/// The best offer of the window: the most payout in the main currency, then the most
/// conversions, then the lowest id; none when no offer converted.
pub(super) fn best_offer(offers: &[OfferFacts]) -> Option<&OfferFacts> {
    let currency = main_currency(offers)?;
    offers
        .iter()
        .filter(|o| o.currency == currency && o.sums.conversions > 0)
        .min_by_key(|o| {
            (
                Reverse(o.sums.payout_in(&currency)),
                Reverse(o.sums.conversions),
                o.id,
            )
        })
}

/// The offers of the main currency with at least [`OWN_MIN_CLICKS`], best EPC first (then
/// more clicks, then the lowest id).
pub(super) fn by_epc(offers: &[OfferFacts]) -> Vec<(&OfferFacts, Decimal)> {
    let Some(currency) = main_currency(offers) else {
        return vec![];
    };
    let mut ranked: Vec<(&OfferFacts, Decimal)> = offers
        .iter()
        .filter(|o| o.currency == currency && o.sums.total_clicks() >= OWN_MIN_CLICKS)
        .filter_map(|o| Some((o, o.sums.epc_in(&currency)?)))
        .collect();
    ranked.sort_by_key(|(o, epc)| (Reverse(*epc), Reverse(o.sums.total_clicks()), o.id));
    ranked
}

/// The median of some values (the mean of the middle two for an even count); none of none.
pub(super) fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The median of some amounts, exactly, to 4 decimals.
pub(super) fn median_money(mut values: Vec<Decimal>) -> Option<Decimal> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2].round_dp(4)),
        _ => Some(((values[n / 2 - 1] + values[n / 2]) / Decimal::from(2)).round_dp(4)),
    }
}

/// One offer's numbers across the whole platform over the window.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PlatformOffer {
    /// What it pays in.
    pub currency: String,
    /// Every promoter's traffic on it.
    pub sums: Sums,
}

impl PlatformOffer {
    /// Whether it has enough clicks for its rates to count.
    pub(super) fn has_data(&self) -> bool {
        self.sums.total_clicks() >= PLATFORM_MIN_CLICKS
    }
}

/// How a CR compares with the platform median.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// Under [`FAR_BELOW`] × the median.
    FarBelow,
    /// Between.
    Near,
    /// Over [`FAR_ABOVE`] × the median.
    FarAbove,
}

/// Where a CR stands against a median.
pub(super) fn standing(cr: f64, median: f64) -> Standing {
    if cr < median * FAR_BELOW {
        Standing::FarBelow
    } else if cr > median * FAR_ABOVE {
        Standing::FarAbove
    } else {
        Standing::Near
    }
}

/// The caller's CR against the platform's median CR.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CrComparison {
    /// The caller's conversions over clicks on the offers compared.
    pub cr: f64,
    /// Its clicks there.
    pub clicks: i64,
    /// Its conversions there.
    pub conversions: i64,
    /// The median of the offers' platform CRs.
    pub median: f64,
    /// How many offers the median is over.
    pub offers: usize,
    /// The caller's CR against the rest of the platform's traffic on the same offers
    /// (promoters) or on the other offers with data (advertisers), as a two-proportion
    /// z-score; none when that rest has fewer than [`PLATFORM_MIN_CLICKS`] clicks or no
    /// variance.
    pub z: Option<f64>,
}

impl CrComparison {
    /// The caller's CR over the median.
    pub(super) fn ratio(&self) -> f64 {
        self.cr / self.median
    }
}

/// The caller's CR against the platform median CR:
/// - promoters: over their offers with [`OWN_MIN_CLICKS`] of theirs and
///   [`PLATFORM_MIN_CLICKS`] in all, against the median of those offers' platform CRs;
/// - advertisers: over their offers with [`OWN_MIN_CLICKS`], against the median CR of every
///   offer of the platform with [`PLATFORM_MIN_CLICKS`].
///
/// None without such offers, when an advertiser's median would be over fewer than
/// [`MIN_MEDIAN_OFFERS`], or when the median is 0 (nothing converts: nothing to compare).
pub(super) fn cr_vs_platform(
    viewer: Viewer,
    own: &[OfferFacts],
    platform: &BTreeMap<OfferId, PlatformOffer>,
) -> Option<CrComparison> {
    let compared: Vec<&OfferFacts> = own
        .iter()
        .filter(|o| o.sums.total_clicks() >= OWN_MIN_CLICKS)
        .filter(|o| viewer != Viewer::Promoter || platform.get(&o.id).is_some_and(|p| p.has_data()))
        .collect();
    if compared.is_empty() {
        return None;
    }
    let medians: Vec<f64> = match viewer {
        Viewer::Promoter => compared
            .iter()
            .filter_map(|o| platform.get(&o.id))
            .map(|p| p.sums.cr())
            .collect(),
        _ => platform
            .values()
            .filter(|p| p.has_data())
            .map(|p| p.sums.cr())
            .collect(),
    };
    let offers = medians.len();
    if viewer != Viewer::Promoter && offers < MIN_MEDIAN_OFFERS {
        return None;
    }
    let median = median(medians).filter(|m| *m > 0.0)?;
    let clicks: i64 = compared.iter().map(|o| o.sums.total_clicks()).sum();
    let conversions: i64 = compared.iter().map(|o| o.sums.conversions).sum();
    let rest = match viewer {
        // The platform's traffic on the promoter's compared offers, less the promoter's.
        Viewer::Promoter => compared
            .iter()
            .filter_map(|o| platform.get(&o.id).map(|p| (&p.sums, &o.sums)))
            .fold(Rest::default(), |r, (all, own)| {
                r.add(
                    all.total_clicks() - own.total_clicks(),
                    all.conversions - own.conversions,
                )
            }),
        _ => other_offers(platform, own),
    };
    Some(CrComparison {
        cr: ratio(conversions, clicks),
        clicks,
        conversions,
        median,
        offers,
        z: rest.z_of(clicks, conversions),
    })
}

/// The platform's offers with data that are not among `own`, together.
fn other_offers(platform: &BTreeMap<OfferId, PlatformOffer>, own: &[OfferFacts]) -> Rest {
    platform
        .iter()
        .filter(|(id, p)| p.has_data() && !own.iter().any(|o| o.id == **id))
        .fold(Rest::default(), |r, (_, p)| {
            r.add(p.sums.total_clicks(), p.sums.conversions)
        })
}

/// The clicks and conversions a rate is compared against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Rest {
    /// Clicks.
    pub clicks: i64,
    /// Conversions.
    pub conversions: i64,
}

impl Rest {
    fn add(self, clicks: i64, conversions: i64) -> Self {
        Self {
            clicks: self.clicks + clicks.max(0),
            conversions: self.conversions + conversions.max(0),
        }
    }

    /// The z-score of `conversions` in `clicks` against this rest, rounded to 2 decimals;
    /// none under [`PLATFORM_MIN_CLICKS`] in the rest.
    pub(super) fn z_of(self, clicks: i64, conversions: i64) -> Option<f64> {
        if self.clicks < PLATFORM_MIN_CLICKS {
            return None;
        }
        two_proportion_z(clicks, conversions, self.clicks, self.conversions).map(|z| round(z, 2))
    }
}

// ---------------------------------------------------------------------------------------
// Figures: the numbers behind a text.

/// A number (or a name) behind a text: written into the text by `texts`, and given as is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Figure {
    /// A count.
    Count(i64),
    /// A fraction from 0 to 1 (a share or a CR), written as a percentage.
    Share(f64),
    /// A change in percent, written with its sign.
    Percent(f64),
    /// A multiple (your CR over the median).
    Ratio(f64),
    /// An amount, written with the currency code beside it.
    Money(Decimal, String),
    /// A name: a country, a sub-ID, an offer, a level.
    Text(String),
    /// Several names.
    List(Vec<String>),
}

/// Named figures, in the order they are listed.
pub(super) type Figures = Vec<(&'static str, Figure)>;

fn money(amount: Decimal, currency: &str) -> Figure {
    Figure::Money(amount, currency.to_owned())
}

fn share(x: f64) -> Figure {
    Figure::Share(round(x, 4))
}

// ---------------------------------------------------------------------------------------
// Suggestions.

/// A promoter's traffic over the window on one offer from one country.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OwnTraffic {
    /// The offer's category.
    pub category: String,
    /// The offer's payout model.
    pub model: PayoutModel,
    /// The visitors' country ('' unknown).
    pub country: String,
    /// Counted clicks.
    pub clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
}

/// What a promoter's own traffic says about them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Profile {
    /// Every counted click.
    pub clicks: i64,
    /// Every approved conversion.
    pub conversions: i64,
    /// Clicks and conversions by category.
    pub by_category: BTreeMap<String, (i64, i64)>,
    /// Clicks and conversions by country ('' unknown).
    pub by_country: BTreeMap<String, (i64, i64)>,
    /// Conversions by payout model.
    pub by_model: BTreeMap<&'static str, i64>,
}

impl Profile {
    /// The profile of some traffic.
    pub(super) fn of(rows: &[OwnTraffic]) -> Self {
        let mut p = Profile::default();
        for r in rows {
            p.clicks += r.clicks;
            p.conversions += r.conversions;
            let c = p.by_category.entry(r.category.clone()).or_default();
            c.0 += r.clicks;
            c.1 += r.conversions;
            let c = p.by_country.entry(r.country.clone()).or_default();
            c.0 += r.clicks;
            c.1 += r.conversions;
            *p.by_model.entry(r.model.as_str()).or_default() += r.conversions;
        }
        p
    }

    /// The countries with at least [`MAIN_COUNTRY_PERCENT`] of the clicks whose country is
    /// known, most clicks first (then by code).
    pub(super) fn main_countries(&self) -> Vec<String> {
        let known: i64 = self
            .by_country
            .iter()
            .filter(|(c, _)| !c.is_empty())
            .map(|(_, (clicks, _))| clicks)
            .sum();
        let mut main: Vec<(&String, i64)> = self
            .by_country
            .iter()
            .filter(|(c, (clicks, _))| {
                !c.is_empty() && *clicks > 0 && clicks * 100 >= MAIN_COUNTRY_PERCENT * known
            })
            .map(|(c, (clicks, _))| (c, *clicks))
            .collect();
        main.sort_by_key(|(c, clicks)| (Reverse(*clicks), *c));
        main.into_iter().map(|(c, _)| c.clone()).collect()
    }
}

/// An approved offer the promoter has not joined.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Candidate {
    /// The offer.
    pub id: OfferId,
    /// Its category.
    pub category: String,
    /// Its payout model.
    pub model: PayoutModel,
    /// What it pays in.
    pub currency: String,
    /// Countries it is limited to (empty: all).
    pub geo_allow: Vec<String>,
    /// Countries it refuses.
    pub geo_deny: Vec<String>,
    /// Its daily cap on conversions (UTC days).
    pub daily_cap: Option<i64>,
    /// Its total cap.
    pub total_cap: Option<i64>,
    /// Conversions holding a cap slot today (approved or held, live).
    pub held_today: i64,
    /// Conversions holding a cap slot in all.
    pub held_total: i64,
    /// Its traffic across the platform over the window.
    pub platform: Sums,
}

impl Candidate {
    /// Whether a cap is already reached.
    pub(super) fn capped(&self) -> bool {
        self.total_cap.is_some_and(|cap| self.held_total >= cap)
            || self.daily_cap.is_some_and(|cap| self.held_today >= cap)
    }

    /// Whether visitors from `country` get through.
    pub(super) fn open_to(&self, country: &str) -> bool {
        (self.geo_allow.is_empty() || self.geo_allow.iter().any(|c| c == country))
            && !self.geo_deny.iter().any(|c| c == country)
    }

    fn has_data(&self) -> bool {
        self.platform.total_clicks() >= PLATFORM_MIN_CLICKS
    }
}

/// Why an offer is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReasonCode {
    /// The promoter's traffic converts in the offer's category.
    CategoryConverts,
    /// The offer is open to the countries where the promoter's traffic converts.
    CountriesConvert,
    /// The offer's EPC across the platform.
    PlatformEpc,
    /// The offer's CR across the platform.
    PlatformCr,
    /// The promoter converts on offers of this payout model.
    PayoutModel,
    /// Too few platform clicks for the offer's EPC and CR to count yet.
    NotEnoughData,
}

impl ReasonCode {
    /// Every reason. (the texts' test checks each has its words).
    #[cfg(test)]
    pub(super) const ALL: [ReasonCode; 6] = [
        Self::CategoryConverts,
        Self::CountriesConvert,
        Self::PlatformEpc,
        Self::PlatformCr,
        Self::PayoutModel,
        Self::NotEnoughData,
    ];

    /// The wire name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::CategoryConverts => "category_converts",
            Self::CountriesConvert => "countries_convert",
            Self::PlatformEpc => "platform_epc",
            Self::PlatformCr => "platform_cr",
            Self::PayoutModel => "payout_model",
            Self::NotEnoughData => "not_enough_data",
        }
    }
}

/// A reason with its figures.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reason {
    /// Which.
    pub code: ReasonCode,
    /// The numbers behind it.
    pub figures: Figures,
}

/// A suggested offer.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Suggestion {
    /// The offer.
    pub id: OfferId,
    /// Its fit, 0 to 1, to 4 decimals.
    pub score: f64,
    /// Why, strongest part of the score first.
    pub reasons: Vec<Reason>,
}

/// Suggestions and what was left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Suggestions {
    /// Every offer suggested, best fit first.
    pub ranked: Vec<Suggestion>,
    /// Offers left out because a cap is reached.
    pub capped: usize,
    /// Offers left out because they refuse one of the promoter's main countries.
    pub geo_blocked: usize,
    /// The promoter's main countries.
    pub main_countries: Vec<String>,
}

/// Ranks the candidates by fit for the promoter of `profile`. Offers whose cap is reached
/// and offers closed to any of the promoter's main countries are left out. The score (0 to
/// 1, to 4 decimals) adds up, with the [`weights`]:
/// - the share of the promoter's conversions in the offer's category;
/// - the share of its conversions from a known country that come from countries the offer
///   is open to;
/// - the offer's platform EPC in its currency over the best among the suggested offers of
///   that currency, and its platform CR over the best among the suggested offers (each only
///   with [`PLATFORM_MIN_CLICKS`], else 0);
/// - the share of its conversions on offers of the same payout model.
///
/// Ties go to the offer with more platform clicks, then the lower id.
pub(super) fn suggest(profile: &Profile, candidates: &[Candidate]) -> Suggestions {
    let main_countries = profile.main_countries();
    let mut out = Suggestions {
        main_countries: main_countries.clone(),
        ..Suggestions::default()
    };
    let mut eligible = Vec::new();
    for c in candidates {
        if c.capped() {
            out.capped += 1;
        } else if main_countries.iter().any(|m| !c.open_to(m)) {
            out.geo_blocked += 1;
        } else {
            eligible.push(c);
        }
    }
    // The best platform EPC of each currency and the best CR among the offers suggested.
    let mut best_epc: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut best_cr = 0.0f64;
    for c in eligible.iter().filter(|c| c.has_data()) {
        if let Some(epc) = c.platform.epc_in(&c.currency) {
            let e = best_epc.entry(c.currency.as_str()).or_default();
            *e = (*e).max(epc);
        }
        best_cr = best_cr.max(c.platform.cr());
    }
    let known_conversions: i64 = profile
        .by_country
        .iter()
        .filter(|(c, _)| !c.is_empty())
        .map(|(_, (_, conv))| conv)
        .sum();
    let mut ranked: Vec<(Suggestion, i64)> = eligible
        .into_iter()
        .map(|c| {
            let mut reasons = Vec::new();
            let mut parts = Vec::new();
            // The category.
            let (cat_clicks, cat_conv) = profile
                .by_category
                .get(&c.category)
                .copied()
                .unwrap_or_default();
            let category = ratio(cat_conv, profile.conversions);
            if cat_conv > 0 {
                parts.push((weights::CATEGORY * category, reasons.len()));
                reasons.push(Reason {
                    code: ReasonCode::CategoryConverts,
                    figures: vec![
                        ("category", Figure::Text(c.category.clone())),
                        ("share", share(category)),
                        ("conversions", Figure::Count(cat_conv)),
                        ("cr", share(ratio(cat_conv, cat_clicks))),
                    ],
                });
            }
            // The countries.
            let mut open: Vec<(&String, i64)> = profile
                .by_country
                .iter()
                .filter(|(country, (_, conv))| {
                    !country.is_empty() && *conv > 0 && c.open_to(country)
                })
                .map(|(country, (_, conv))| (country, *conv))
                .collect();
            open.sort_by_key(|(country, conv)| (Reverse(*conv), *country));
            let open_conv: i64 = open.iter().map(|(_, n)| n).sum();
            let countries = ratio(open_conv, known_conversions);
            if open_conv > 0 {
                parts.push((weights::COUNTRIES * countries, reasons.len()));
                reasons.push(Reason {
                    code: ReasonCode::CountriesConvert,
                    figures: vec![
                        (
                            "countries",
                            Figure::List(open.iter().map(|(c, _)| (*c).clone()).collect()),
                        ),
                        ("share", share(countries)),
                    ],
                });
            }
            // The platform's numbers.
            let (mut epc_part, mut cr_part) = (0.0, 0.0);
            let clicks = c.platform.total_clicks();
            if c.has_data() {
                let epc = c.platform.epc_in(&c.currency).unwrap_or_default();
                let best = best_epc
                    .get(c.currency.as_str())
                    .copied()
                    .unwrap_or_default();
                if !best.is_zero() {
                    epc_part = (epc / best).to_f64().unwrap_or(0.0);
                }
                if best_cr > 0.0 {
                    cr_part = c.platform.cr() / best_cr;
                }
                parts.push((weights::EPC * epc_part, reasons.len()));
                reasons.push(Reason {
                    code: ReasonCode::PlatformEpc,
                    figures: vec![
                        ("epc", money(epc, &c.currency)),
                        ("currency", Figure::Text(c.currency.clone())),
                        ("clicks", Figure::Count(clicks)),
                    ],
                });
                parts.push((weights::CR * cr_part, reasons.len()));
                reasons.push(Reason {
                    code: ReasonCode::PlatformCr,
                    figures: vec![
                        ("cr", share(c.platform.cr())),
                        ("conversions", Figure::Count(c.platform.conversions)),
                        ("clicks", Figure::Count(clicks)),
                    ],
                });
            }
            // The payout model.
            let model_conv = profile.by_model.get(c.model.as_str()).copied().unwrap_or(0);
            let model = ratio(model_conv, profile.conversions);
            if model_conv > 0 {
                parts.push((weights::MODEL * model, reasons.len()));
                reasons.push(Reason {
                    code: ReasonCode::PayoutModel,
                    figures: vec![
                        ("model", Figure::Text(c.model.as_str().to_ascii_uppercase())),
                        ("share", share(model)),
                    ],
                });
            }
            if !c.has_data() {
                parts.push((-1.0, reasons.len()));
                reasons.push(Reason {
                    code: ReasonCode::NotEnoughData,
                    figures: vec![
                        ("clicks", Figure::Count(clicks)),
                        ("minimum", Figure::Count(PLATFORM_MIN_CLICKS)),
                    ],
                });
            }
            let score = round(
                weights::CATEGORY * category
                    + weights::COUNTRIES * countries
                    + weights::EPC * epc_part
                    + weights::CR * cr_part
                    + weights::MODEL * model,
                4,
            );
            // The reasons, strongest part first (stable: ties keep the order above).
            parts.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut slots: Vec<Option<Reason>> = reasons.into_iter().map(Some).collect();
            let reasons = parts
                .into_iter()
                .filter_map(|(_, i)| slots.get_mut(i).and_then(Option::take))
                .collect();
            (
                Suggestion {
                    id: c.id,
                    score,
                    reasons,
                },
                clicks,
            )
        })
        .collect();
    ranked.sort_by(|(a, a_clicks), (b, b_clicks)| {
        b.score
            .total_cmp(&a.score)
            .then(b_clicks.cmp(a_clicks))
            .then(a.id.cmp(&b.id))
    });
    out.ranked = ranked.into_iter().map(|(s, _)| s).collect();
    out
}

/// Why a list of suggestions is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoteCode {
    /// The promoter has joined every approved offer (paused ones cannot be joined).
    NothingToJoin,
    /// Every approved offer not joined was left out (caps, countries).
    AllLeftOut,
}

impl NoteCode {
    /// Every note. (the texts' test checks each has its words).
    #[cfg(test)]
    pub(super) const ALL: [NoteCode; 2] = [Self::NothingToJoin, Self::AllLeftOut];

    /// The wire name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::NothingToJoin => "nothing_to_join",
            Self::AllLeftOut => "all_left_out",
        }
    }
}

/// The note of an empty list: why it is empty, with the counts (none when it is not).
pub(super) fn note(candidates: usize, paused: i64, s: &Suggestions) -> Option<(NoteCode, Figures)> {
    if !s.ranked.is_empty() {
        return None;
    }
    let figures = vec![
        ("capped", Figure::Count(s.capped as i64)),
        ("geo_blocked", Figure::Count(s.geo_blocked as i64)),
        ("paused", Figure::Count(paused)),
        ("countries", Figure::List(s.main_countries.clone())),
    ];
    Some(if candidates == 0 {
        (NoteCode::NothingToJoin, figures)
    } else {
        (NoteCode::AllLeftOut, figures)
    })
}

// ---------------------------------------------------------------------------------------
// The analysis.

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Severity {
    /// Good news.
    Good,
    /// Worth knowing.
    Info,
    /// Needs attention.
    Warning,
}

impl Severity {
    /// The wire name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Info => "info",
            Self::Warning => "warning",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FindingCode {
    /// The offer with the best EPC.
    BestOfferEpc,
    /// The offer with the worst EPC.
    WorstOfferEpc,
    /// The caller's CR far under the platform median.
    CrBelowPlatform,
    /// Near it.
    CrNearPlatform,
    /// Far over it.
    CrAbovePlatform,
    /// An advertiser's offer far under the platform median CR.
    OfferBelowPlatform,
    /// Near it.
    OfferNearPlatform,
    /// Far over it.
    OfferAbovePlatform,
    /// The best promoter by EPC (advertisers).
    BestPromoter,
    /// The worst promoter by EPC (advertisers).
    WorstPromoter,
    /// The countries with the most conversions.
    TopCountries,
    /// The sub1 values with the most conversions.
    TopSub1,
    /// Clicks without sub-IDs.
    NoSub1,
    /// The hours of the day (UTC) with the most conversions.
    BestHours,
    /// A high share of filtered traffic.
    FilteredHigh,
    /// The share of filtered traffic, low.
    FilteredLow,
    /// Conversions waiting for review.
    PendingReview,
    /// Conversions not approved, by status (advertisers).
    RejectedReasons,
    /// No traffic over the window.
    NoData,
}

impl FindingCode {
    /// Every finding. (the texts' test checks each has its words).
    #[cfg(test)]
    pub(super) const ALL: [FindingCode; 19] = [
        Self::BestOfferEpc,
        Self::WorstOfferEpc,
        Self::CrBelowPlatform,
        Self::CrNearPlatform,
        Self::CrAbovePlatform,
        Self::OfferBelowPlatform,
        Self::OfferNearPlatform,
        Self::OfferAbovePlatform,
        Self::BestPromoter,
        Self::WorstPromoter,
        Self::TopCountries,
        Self::TopSub1,
        Self::NoSub1,
        Self::BestHours,
        Self::FilteredHigh,
        Self::FilteredLow,
        Self::PendingReview,
        Self::RejectedReasons,
        Self::NoData,
    ];

    /// The wire name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::BestOfferEpc => "best_offer_epc",
            Self::WorstOfferEpc => "worst_offer_epc",
            Self::CrBelowPlatform => "cr_below_platform",
            Self::CrNearPlatform => "cr_near_platform",
            Self::CrAbovePlatform => "cr_above_platform",
            Self::OfferBelowPlatform => "offer_below_platform",
            Self::OfferNearPlatform => "offer_near_platform",
            Self::OfferAbovePlatform => "offer_above_platform",
            Self::BestPromoter => "best_promoter",
            Self::WorstPromoter => "worst_promoter",
            Self::TopCountries => "top_countries",
            Self::TopSub1 => "top_sub1",
            Self::NoSub1 => "no_sub1",
            Self::BestHours => "best_hours",
            Self::FilteredHigh => "filtered_high",
            Self::FilteredLow => "filtered_low",
            Self::PendingReview => "pending_review",
            Self::RejectedReasons => "rejected_reasons",
            Self::NoData => "no_data",
        }
    }
}

/// A finding with its numbers.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Finding {
    /// What about.
    pub code: FindingCode,
    /// How much it matters.
    pub severity: Severity,
    /// The numbers behind it.
    pub figures: Figures,
}

/// Counted clicks and conversions of one value of a dimension (a country, a sub1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DimRow {
    /// The value ('' unknown or unset).
    pub value: String,
    /// Counted clicks.
    pub clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
}

/// Every click of the window, counted and filtered, and why the filtered ones were.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Traffic {
    /// Counted clicks.
    pub counted: i64,
    /// Filtered clicks (the edge's verdicts other than ok, and clicks blocked for fraud).
    pub filtered: i64,
    /// Counted clicks without a sub1.
    pub without_sub1: i64,
    /// Filtered clicks by reason (`stats_filtered`: a verdict, or each fraud reason of an
    /// ok click).
    pub reasons: BTreeMap<String, i64>,
}

/// The edge's verdicts other than ok (each filtered click has one, or a fraud reason).
const VERDICTS: [&str; 4] = ["bot", "offer_paused", "geo_blocked", "expired"];

impl Traffic {
    /// Every click, counted or filtered.
    pub(super) fn all(&self) -> i64 {
        self.counted + self.filtered
    }

    /// Clicks the edge called bots.
    pub(super) fn bots(&self) -> i64 {
        self.reasons.get("bot").copied().unwrap_or(0)
    }

    /// Clicks blocked for fraud: the filtered clicks without a verdict of the edge (a click
    /// with two fraud reasons counts once).
    pub(super) fn fraud(&self) -> i64 {
        let verdicts: i64 = VERDICTS.iter().filter_map(|v| self.reasons.get(*v)).sum();
        (self.filtered - verdicts).max(0)
    }
}

/// Everything the analysis reads, over the window.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AnalysisFacts {
    /// Whose.
    pub viewer: Viewer,
    /// The caller's offers (promoters: the offers of their traffic).
    pub offers: Vec<OfferFacts>,
    /// Platform numbers: promoters, of their offers; advertisers, of every offer with
    /// traffic.
    pub platform: BTreeMap<OfferId, PlatformOffer>,
    /// By country.
    pub countries: Vec<DimRow>,
    /// The sub1 values (not empty) with the most conversions, then clicks.
    pub sub1: Vec<DimRow>,
    /// Conversions by hour of the day (UTC).
    pub hours: [i64; 24],
    /// Counted and filtered clicks.
    pub traffic: Traffic,
    /// Conversions by status over the window (live).
    pub statuses: BTreeMap<String, i64>,
    /// Conversions waiting for review now (live, of any time).
    pub pending_review: i64,
    /// Advertisers: their promoters' numbers on their offers.
    pub promoters: Vec<(PromoterId, Sums)>,
}

fn offer_figures(o: &OfferFacts, epc: Decimal) -> Figures {
    vec![
        ("offer_id", Figure::Count(o.id.0)),
        ("offer", Figure::Text(o.name.clone())),
        ("epc", money(epc, &o.currency)),
        ("clicks", Figure::Count(o.sums.total_clicks())),
        ("conversions", Figure::Count(o.sums.conversions)),
        ("cr", share(o.sums.cr())),
    ]
}

/// The top values of a dimension: most conversions, then clicks, then the value; the
/// unknown ('') left out.
fn top(rows: &[DimRow], n: usize) -> Vec<&DimRow> {
    let mut rows: Vec<&DimRow> = rows
        .iter()
        .filter(|r| !r.value.is_empty() && (r.clicks > 0 || r.conversions > 0))
        .collect();
    rows.sort_by_key(|r| (Reverse(r.conversions), Reverse(r.clicks), r.value.as_str()));
    rows.truncate(n);
    rows
}

/// The hours of the day with the most conversions (then the earliest), at most `n`, with
/// conversions.
pub(super) fn best_hours(hours: &[i64; 24], n: usize) -> Vec<(usize, i64)> {
    let mut ranked: Vec<(usize, i64)> = hours
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .collect();
    ranked.sort_by_key(|(h, c)| (Reverse(*c), *h));
    ranked.truncate(n);
    ranked
}

/// The share of decided conversions that were held for review (pending_review over approved
/// and pending_review), as counts.
fn held(statuses: &BTreeMap<String, i64>) -> (i64, i64) {
    let get = |s: &str| statuses.get(s).copied().unwrap_or(0);
    let pending = get("pending_review");
    (pending, pending + get("approved"))
}

/// Statuses that refuse a conversion (every decided status but approved and held).
const REFUSED: [&str; 8] = [
    "rejected",
    "rejected_fraud",
    "rejected_advertiser_mismatch",
    "duplicate",
    "out_of_window",
    "over_cap",
    "unknown_click",
    "reversed",
];

/// Refused conversions and every decided one (refused, approved, held).
fn refused(statuses: &BTreeMap<String, i64>) -> (i64, i64) {
    let get = |s: &str| statuses.get(s).copied().unwrap_or(0);
    let refused: i64 = REFUSED.iter().map(|s| get(s)).sum();
    (refused, refused + get("approved") + get("pending_review"))
}

/// The findings of the window's numbers, most useful first.
pub(super) fn analyse(f: &AnalysisFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let traffic_seen = f.traffic.all() > 0 || f.offers.iter().any(|o| o.sums.conversions > 0);
    if !traffic_seen && f.pending_review == 0 && f.statuses.is_empty() {
        out.push(Finding {
            code: FindingCode::NoData,
            severity: Severity::Info,
            figures: vec![("days", Figure::Count(WINDOW_DAYS))],
        });
        return out;
    }
    // Best and worst offers by EPC.
    let ranked = by_epc(&f.offers);
    if let Some((best, epc)) = ranked.first() {
        out.push(Finding {
            code: FindingCode::BestOfferEpc,
            severity: Severity::Good,
            figures: offer_figures(best, *epc),
        });
    }
    if ranked.len() >= 2
        && let Some((worst, epc)) = ranked.last()
    {
        out.push(Finding {
            code: FindingCode::WorstOfferEpc,
            severity: Severity::Info,
            figures: offer_figures(worst, *epc),
        });
    }
    // The CR against the platform median.
    if let Some(c) = cr_vs_platform(f.viewer, &f.offers, &f.platform) {
        let (code, severity) = match standing(c.cr, c.median) {
            Standing::FarBelow => (FindingCode::CrBelowPlatform, Severity::Warning),
            Standing::Near => (FindingCode::CrNearPlatform, Severity::Info),
            Standing::FarAbove => (FindingCode::CrAbovePlatform, Severity::Good),
        };
        out.push(Finding {
            code,
            severity,
            figures: vec![
                ("cr", share(c.cr)),
                ("platform_median_cr", share(c.median)),
                ("ratio", Figure::Ratio(round(c.ratio(), 2))),
                ("offers", Figure::Count(c.offers as i64)),
                ("clicks", Figure::Count(c.clicks)),
                ("conversions", Figure::Count(c.conversions)),
            ]
            .into_iter()
            .chain(c.z.map(|z| ("z_score", Figure::Ratio(z))))
            .collect(),
        });
    }
    if f.viewer == Viewer::Advertiser {
        out.extend(offers_vs_platform(f));
        out.extend(promoters(f));
    }
    // Countries.
    let countries = top(&f.countries, 3);
    if let Some(first) = countries.first() {
        out.push(Finding {
            code: FindingCode::TopCountries,
            severity: Severity::Info,
            figures: vec![
                (
                    "countries",
                    Figure::List(countries.iter().map(|r| r.value.clone()).collect()),
                ),
                ("top_country", Figure::Text(first.value.clone())),
                ("conversions", Figure::Count(first.conversions)),
                ("clicks", Figure::Count(first.clicks)),
                ("cr", share(ratio(first.conversions, first.clicks))),
            ],
        });
    }
    // Sub-IDs (a promoter's own tags).
    if f.viewer == Viewer::Promoter && f.traffic.counted > 0 {
        let empty = share(ratio(f.traffic.without_sub1, f.traffic.counted));
        let subs = top(&f.sub1, 3);
        match subs.first() {
            Some(first) => out.push(Finding {
                code: FindingCode::TopSub1,
                severity: Severity::Info,
                figures: vec![
                    (
                        "sub_ids",
                        Figure::List(subs.iter().map(|r| r.value.clone()).collect()),
                    ),
                    ("top_sub1", Figure::Text(first.value.clone())),
                    ("conversions", Figure::Count(first.conversions)),
                    ("clicks", Figure::Count(first.clicks)),
                    ("cr", share(ratio(first.conversions, first.clicks))),
                    ("empty_share", empty),
                ],
            }),
            None => out.push(Finding {
                code: FindingCode::NoSub1,
                severity: Severity::Warning,
                figures: vec![
                    ("empty_share", empty),
                    ("clicks", Figure::Count(f.traffic.counted)),
                ],
            }),
        }
    }
    // Hours of the day.
    let conversions: i64 = f.hours.iter().sum();
    if conversions >= MIN_CONVERSIONS_FOR_HOURS {
        let best = best_hours(&f.hours, 3);
        if let Some((hour, n)) = best.first() {
            let in_best: i64 = best.iter().map(|(_, n)| n).sum();
            out.push(Finding {
                code: FindingCode::BestHours,
                severity: Severity::Info,
                figures: vec![
                    (
                        "hours",
                        Figure::List(best.iter().map(|(h, _)| format!("{h:02}:00")).collect()),
                    ),
                    ("top_hour", Figure::Text(format!("{hour:02}:00"))),
                    ("conversions", Figure::Count(*n)),
                    ("share", share(ratio(in_best, conversions))),
                ],
            });
        }
    }
    // Filtered traffic.
    let t = &f.traffic;
    if t.all() > 0 {
        let high = t.filtered * 100 > thresholds::FILTERED_PERCENT * t.all();
        out.push(Finding {
            code: if high {
                FindingCode::FilteredHigh
            } else {
                FindingCode::FilteredLow
            },
            severity: if high {
                Severity::Warning
            } else {
                Severity::Good
            },
            figures: vec![
                ("share", share(ratio(t.filtered, t.all()))),
                ("filtered", Figure::Count(t.filtered)),
                ("clicks", Figure::Count(t.all())),
                ("bots", Figure::Count(t.bots())),
                ("bot_share", share(ratio(t.bots(), t.all()))),
                ("fraud", Figure::Count(t.fraud())),
                ("fraud_share", share(ratio(t.fraud(), t.all()))),
            ],
        });
    }
    // Refused conversions (advertisers).
    if f.viewer == Viewer::Advertiser {
        let (refused, decided) = refused(&f.statuses);
        if refused > 0 {
            let mut by: Vec<(&str, i64)> = REFUSED
                .iter()
                .map(|s| (*s, f.statuses.get(*s).copied().unwrap_or(0)))
                .filter(|(_, n)| *n > 0)
                .collect();
            by.sort_by_key(|(s, n)| (Reverse(*n), *s));
            let high = refused * 100 > thresholds::REJECTED_PERCENT * decided;
            let mut figures = vec![
                ("refused", Figure::Count(refused)),
                ("share", share(ratio(refused, decided))),
                ("top_status", Figure::Text(by[0].0.to_owned())),
                ("top_count", Figure::Count(by[0].1)),
            ];
            figures.extend(by.iter().map(|(s, n)| (*s, Figure::Count(*n))));
            out.push(Finding {
                code: FindingCode::RejectedReasons,
                severity: if high {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                figures,
            });
        }
    }
    // Waiting for review.
    if f.pending_review > 0 {
        let (pending, decided) = held(&f.statuses);
        let high = pending * 100 > thresholds::PENDING_PERCENT * decided;
        out.push(Finding {
            code: FindingCode::PendingReview,
            severity: if high {
                Severity::Warning
            } else {
                Severity::Info
            },
            figures: vec![
                ("pending", Figure::Count(f.pending_review)),
                ("share", share(ratio(pending, decided))),
            ],
        });
    }
    out
}

/// How many of an advertiser's offers the analysis compares one by one.
const OFFERS_COMPARED: usize = 10;

/// An advertiser's offers with [`OWN_MIN_CLICKS`] against the platform's median CR (and
/// EPC in their currency), most clicks first; each median over at least
/// [`MIN_MEDIAN_OFFERS`] offers with data.
fn offers_vs_platform(f: &AnalysisFacts) -> Vec<Finding> {
    let with_data: Vec<&PlatformOffer> = f.platform.values().filter(|p| p.has_data()).collect();
    if with_data.len() < MIN_MEDIAN_OFFERS {
        return vec![];
    }
    let Some(median_cr) = median(with_data.iter().map(|p| p.sums.cr()).collect()) else {
        return vec![];
    };
    let others = other_offers(&f.platform, &f.offers);
    let mut own: Vec<&OfferFacts> = f
        .offers
        .iter()
        .filter(|o| o.sums.total_clicks() >= OWN_MIN_CLICKS)
        .collect();
    own.sort_by_key(|o| (Reverse(o.sums.total_clicks()), o.id));
    own.truncate(OFFERS_COMPARED);
    own.into_iter()
        .map(|o| {
            let cr = o.sums.cr();
            let (code, severity) = match standing(cr, median_cr) {
                Standing::FarBelow => (FindingCode::OfferBelowPlatform, Severity::Warning),
                Standing::Near => (FindingCode::OfferNearPlatform, Severity::Info),
                Standing::FarAbove => (FindingCode::OfferAbovePlatform, Severity::Good),
            };
            let epcs: Vec<Decimal> = with_data
                .iter()
                .filter(|p| p.currency == o.currency)
                .filter_map(|p| p.sums.epc_in(&p.currency))
                .collect();
            let median_epc = if epcs.len() >= MIN_MEDIAN_OFFERS {
                median_money(epcs)
            } else {
                None
            };
            let mut figures = vec![
                ("offer_id", Figure::Count(o.id.0)),
                ("offer", Figure::Text(o.name.clone())),
                ("cr", share(cr)),
                ("platform_median_cr", share(median_cr)),
                ("clicks", Figure::Count(o.sums.total_clicks())),
            ];
            if let Some(z) = others.z_of(o.sums.total_clicks(), o.sums.conversions) {
                figures.push(("z_score", Figure::Ratio(z)));
            }
            if let Some(epc) = o.sums.epc_in(&o.currency) {
                figures.push(("epc", money(epc, &o.currency)));
            }
            if let Some(m) = median_epc {
                figures.push(("platform_median_epc", money(m, &o.currency)));
            }
            Finding {
                code,
                severity,
                figures,
            }
        })
        .collect()
}

/// An advertiser's best and worst promoters by EPC in the main currency of its offers, among
/// those with [`OWN_MIN_CLICKS`] there (then more clicks, then the lower id).
fn promoters(f: &AnalysisFacts) -> Vec<Finding> {
    let Some(currency) = main_currency(&f.offers) else {
        return vec![];
    };
    let mut ranked: Vec<(PromoterId, &Sums, Decimal, i64)> = f
        .promoters
        .iter()
        .filter_map(|(p, s)| {
            let clicks = s.clicks.get(&currency).copied().unwrap_or(0);
            (clicks >= OWN_MIN_CLICKS).then_some((*p, s, s.epc_in(&currency)?, clicks))
        })
        .collect();
    ranked.sort_by_key(|(p, _, epc, clicks)| (Reverse(*epc), Reverse(*clicks), *p));
    let figures = |(p, s, epc, clicks): &(PromoterId, &Sums, Decimal, i64)| -> Figures {
        vec![
            ("promoter_id", Figure::Count(p.0)),
            ("epc", money(*epc, &currency)),
            ("clicks", Figure::Count(*clicks)),
            ("conversions", Figure::Count(s.conversions)),
        ]
    };
    let mut out = Vec::new();
    if let Some(best) = ranked.first() {
        out.push(Finding {
            code: FindingCode::BestPromoter,
            severity: Severity::Good,
            figures: figures(best),
        });
    }
    if ranked.len() >= 2
        && let Some(worst) = ranked.last()
    {
        out.push(Finding {
            code: FindingCode::WorstPromoter,
            severity: Severity::Info,
            figures: figures(worst),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tips.

/// A tip of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TipCode {
    /// No clicks in the last 7 days.
    NoClicks7d,
    /// More than 20% of the clicks are bots.
    HighBotShare,
    /// More than 10% of the clicks are blocked for fraud.
    HighFraudShare,
    /// More than 80% of the clicks carry no sub1 (promoters).
    LinksWithoutSubIds,
    /// Within 10% of the next level (promoters).
    CloseToNextLevel,
    /// A CR under half the platform median.
    CrFarBelowMedian,
    /// More than 30% of the conversions held for review.
    ManyPendingReview,
    /// More than 25% of decided conversions refused (advertisers).
    ManyRefused,
    /// No joined offers (promoters).
    NoJoinedOffers,
    /// No approved offers (advertisers).
    NoApprovedOffers,
    /// Clicks of the last 7 days down more than 30% on the 7 before.
    FallingTrend,
    /// Conversions of the last 7 days up more than 30% on the 7 before.
    RisingConversions,
}

impl TipCode {
    /// The catalogue.
    pub(super) const ALL: [TipCode; 12] = [
        Self::NoClicks7d,
        Self::HighBotShare,
        Self::HighFraudShare,
        Self::LinksWithoutSubIds,
        Self::CloseToNextLevel,
        Self::CrFarBelowMedian,
        Self::ManyPendingReview,
        Self::ManyRefused,
        Self::NoJoinedOffers,
        Self::NoApprovedOffers,
        Self::FallingTrend,
        Self::RisingConversions,
    ];

    /// The wire name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::NoClicks7d => "no_clicks_7d",
            Self::HighBotShare => "high_bot_share",
            Self::HighFraudShare => "high_fraud_share",
            Self::LinksWithoutSubIds => "links_without_sub_ids",
            Self::CloseToNextLevel => "close_to_next_level",
            Self::CrFarBelowMedian => "cr_far_below_median",
            Self::ManyPendingReview => "many_pending_review",
            Self::ManyRefused => "many_refused",
            Self::NoJoinedOffers => "no_joined_offers",
            Self::NoApprovedOffers => "no_approved_offers",
            Self::FallingTrend => "falling_trend",
            Self::RisingConversions => "rising_conversions",
        }
    }
}

/// What the tips read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TipFacts {
    /// Whose.
    pub viewer: Viewer,
    /// Counted clicks of the last 7 days and of the 7 before.
    pub clicks_7d: (i64, i64),
    /// Approved conversions of the last 7 days and of the 7 before.
    pub conversions_7d: (i64, i64),
    /// Clicks of the window.
    pub traffic: Traffic,
    /// Promoters: lifetime points and the levels.
    pub points: Option<(i64, Vec<Level>)>,
    /// The CR against the platform median.
    pub cr: Option<CrComparison>,
    /// Conversions by status over the window.
    pub statuses: BTreeMap<String, i64>,
    /// Promoters: offers joined; advertisers: offers approved.
    pub offers: i64,
}

/// A tip that applies, with the number that triggered it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tip {
    /// Which.
    pub code: TipCode,
    /// The number compared (a share from 0 to 1, a count, a change in percent, a ratio).
    pub figure: f64,
    /// What it was compared against, in the same unit.
    pub threshold: f64,
    /// The numbers its text says.
    pub figures: Figures,
}

fn percent(p: i64) -> f64 {
    p as f64 / 100.0
}

/// The tips whose condition the numbers meet, in catalogue order.
pub(super) fn tips(f: &TipFacts) -> Vec<Tip> {
    TipCode::ALL
        .into_iter()
        .filter_map(|code| tip(code, f))
        .collect()
}

/// One tip, if its condition holds.
pub(super) fn tip(code: TipCode, f: &TipFacts) -> Option<Tip> {
    use thresholds::*;
    let promoter = f.viewer == Viewer::Promoter;
    let advertiser = f.viewer == Viewer::Advertiser;
    let t = &f.traffic;
    let share_tip = |part: i64, whole: i64, p: i64| -> Option<Tip> {
        (whole > 0 && part * 100 > p * whole).then(|| Tip {
            code,
            figure: round(ratio(part, whole), 4),
            threshold: percent(p),
            figures: vec![
                ("figure", share(ratio(part, whole))),
                ("threshold", Figure::Share(percent(p))),
                ("count", Figure::Count(part)),
                ("total", Figure::Count(whole)),
            ],
        })
    };
    match code {
        TipCode::NoClicks7d => (f.clicks_7d.0 == 0).then(|| Tip {
            code,
            figure: 0.0,
            threshold: 0.0,
            figures: vec![("figure", Figure::Count(0)), ("days", Figure::Count(7))],
        }),
        TipCode::HighBotShare => share_tip(t.bots(), t.all(), BOT_PERCENT),
        TipCode::HighFraudShare => share_tip(t.fraud(), t.all(), FRAUD_PERCENT),
        TipCode::LinksWithoutSubIds if promoter => {
            share_tip(t.without_sub1, t.counted, NO_SUB1_PERCENT)
        }
        TipCode::CloseToNextLevel if promoter => {
            let (lifetime, levels) = f.points.as_ref()?;
            let p: Progress = progress(levels, *lifetime);
            let (next, to_go) = p.next?;
            let span = next.min - p.level.min;
            (span > 0 && to_go * 100 <= NEXT_LEVEL_PERCENT * span).then(|| Tip {
                code,
                figure: round(ratio(to_go, span), 4),
                threshold: percent(NEXT_LEVEL_PERCENT),
                figures: vec![
                    ("figure", share(ratio(to_go, span))),
                    ("points", Figure::Count(to_go)),
                    ("level", Figure::Text(next.name.clone())),
                ],
            })
        }
        TipCode::CrFarBelowMedian => {
            let c = f.cr.as_ref()?;
            (standing(c.cr, c.median) == Standing::FarBelow).then(|| Tip {
                code,
                figure: round(c.ratio(), 4),
                threshold: FAR_BELOW,
                figures: vec![
                    ("figure", Figure::Ratio(round(c.ratio(), 2))),
                    ("cr", share(c.cr)),
                    ("median", share(c.median)),
                ],
            })
        }
        TipCode::ManyPendingReview => {
            let (pending, decided) = held(&f.statuses);
            share_tip(pending, decided, PENDING_PERCENT)
        }
        TipCode::ManyRefused if advertiser => {
            let (refused, decided) = refused(&f.statuses);
            share_tip(refused, decided, REJECTED_PERCENT)
        }
        TipCode::NoJoinedOffers if promoter => (f.offers == 0).then(|| Tip {
            code,
            figure: 0.0,
            threshold: 0.0,
            figures: vec![("figure", Figure::Count(0))],
        }),
        TipCode::NoApprovedOffers if advertiser => (f.offers == 0).then(|| Tip {
            code,
            figure: 0.0,
            threshold: 0.0,
            figures: vec![("figure", Figure::Count(0))],
        }),
        TipCode::FallingTrend => {
            let (now, before) = f.clicks_7d;
            (before > 0 && now * 100 < (100 - FALL_PERCENT) * before).then(|| {
                let change = percent_change(now as f64, before as f64).unwrap_or(0.0);
                Tip {
                    code,
                    figure: change,
                    threshold: -(FALL_PERCENT as f64),
                    figures: vec![
                        ("figure", Figure::Percent(change)),
                        ("now", Figure::Count(now)),
                        ("before", Figure::Count(before)),
                    ],
                }
            })
        }
        TipCode::RisingConversions => {
            let (now, before) = f.conversions_7d;
            (before > 0 && now * 100 > (100 + RISE_PERCENT) * before).then(|| {
                let change = percent_change(now as f64, before as f64).unwrap_or(0.0);
                Tip {
                    code,
                    figure: change,
                    threshold: RISE_PERCENT as f64,
                    figures: vec![
                        ("figure", Figure::Percent(change)),
                        ("now", Figure::Count(now)),
                        ("before", Figure::Count(before)),
                    ],
                }
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn sums(currency: &str, clicks: i64, conversions: i64, payout: &str) -> Sums {
        Sums {
            clicks: BTreeMap::from([(currency.to_owned(), clicks)]),
            unique_clicks: clicks,
            conversions,
            payout: BTreeMap::from([(currency.to_owned(), payout.parse().unwrap_or_default())]),
        }
    }

    fn offer(id: i64, currency: &str, s: Sums) -> OfferFacts {
        OfferFacts {
            id: OfferId(id),
            name: format!("offer {id}"),
            currency: currency.to_owned(),
            sums: s,
        }
    }

    fn levels() -> Vec<Level> {
        crate::programme::rules::parse_levels("Bronze:0, Silver:500, Gold:2000").unwrap_or_default()
    }

    fn facts() -> TipFacts {
        TipFacts {
            viewer: Viewer::Promoter,
            clicks_7d: (100, 100),
            conversions_7d: (10, 10),
            traffic: Traffic {
                counted: 100,
                ..Traffic::default()
            },
            points: Some((0, levels())),
            cr: None,
            statuses: BTreeMap::new(),
            offers: 3,
        }
    }

    fn fired(code: TipCode, f: &TipFacts) -> bool {
        tip(code, f).is_some()
    }

    #[test]
    fn periods_are_utc_days_ending_today_against_as_many_before() {
        let today = date!(2026 - 03 - 01);
        let t = trends(&BTreeMap::new(), today);
        assert_eq!(t.len(), 3);
        assert_eq!(
            t[0].days,
            Days {
                from: today,
                to: today
            }
        );
        assert_eq!(t[0].before_days.to, date!(2026 - 02 - 28));
        assert_eq!(t[1].days.from, date!(2026 - 02 - 23));
        assert_eq!(
            t[1].before_days,
            Days {
                from: date!(2026 - 02 - 16),
                to: date!(2026 - 02 - 22)
            }
        );
        assert_eq!(t[2].days.from, date!(2026 - 01 - 31));
        assert_eq!(t[2].before_days.from, date!(2026 - 01 - 01));
        // Sums take exactly their days.
        let daily = BTreeMap::from([
            (date!(2026 - 02 - 22), sums("USD", 5, 1, "2")),
            (date!(2026 - 02 - 23), sums("USD", 7, 0, "0")),
            (today, sums("USD", 1, 1, "3")),
        ]);
        let t = trends(&daily, today);
        assert_eq!(t[1].now.total_clicks(), 8);
        assert_eq!(t[1].before.total_clicks(), 5);
        assert_eq!(t[0].now.payout_in("USD"), Decimal::from(3));
    }

    #[test]
    fn changes_are_null_against_nothing() {
        assert_eq!(percent_change(5.0, 0.0), None);
        assert_eq!(percent_change(15.0, 10.0), Some(50.0));
        assert_eq!(percent_change(2.0, 3.0), Some(-33.33));
        assert_eq!(money_change(Decimal::from(1), Decimal::ZERO), None);
        assert_eq!(
            money_change(Decimal::from(3), Decimal::from(4)),
            Some(-25.0)
        );
    }

    #[test]
    fn the_best_offer_goes_by_payout_then_conversions_in_the_main_currency() {
        let offers = vec![
            offer(1, "USD", sums("USD", 100, 4, "40")),
            offer(2, "USD", sums("USD", 100, 2, "40")),
            offer(3, "USD", sums("USD", 10, 1, "10")),
            // More payout, but in the currency with fewer conversions.
            offer(4, "EUR", sums("EUR", 100, 5, "500")),
        ];
        assert_eq!(main_currency(&offers).as_deref(), Some("USD"));
        assert_eq!(best_offer(&offers).map(|o| o.id), Some(OfferId(1)));
        // The same payout and conversions: the lower id.
        let tie = vec![
            offer(9, "USD", sums("USD", 1, 1, "5")),
            offer(8, "USD", sums("USD", 1, 1, "5")),
        ];
        assert_eq!(best_offer(&tie).map(|o| o.id), Some(OfferId(8)));
        // Nothing converted: no best offer.
        let none = vec![offer(1, "USD", sums("USD", 50, 0, "0"))];
        assert_eq!(best_offer(&none), None);
    }

    #[test]
    fn epc_ranking_needs_the_minimum_of_clicks() {
        let offers = vec![
            offer(1, "USD", sums("USD", OWN_MIN_CLICKS, 3, "30")),
            offer(2, "USD", sums("USD", OWN_MIN_CLICKS - 1, 29, "290")),
            offer(3, "USD", sums("USD", 60, 1, "6")),
        ];
        let ranked: Vec<i64> = by_epc(&offers).iter().map(|(o, _)| o.id.0).collect();
        assert_eq!(ranked, vec![1, 3]);
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![0.3, 0.1, 0.2]), Some(0.2));
        assert_eq!(median(vec![0.4, 0.1, 0.2, 0.3]), Some(0.25));
        assert_eq!(
            median_money(vec![Decimal::from(1), Decimal::from(2)]),
            Some("1.5".parse().unwrap_or_default())
        );
    }

    #[test]
    fn a_promoters_cr_is_compared_with_the_median_of_its_offers() {
        let own = vec![
            offer(1, "USD", sums("USD", 100, 2, "0")),
            offer(2, "USD", sums("USD", 100, 4, "0")),
            // Too few of the promoter's clicks: not compared.
            offer(3, "USD", sums("USD", 10, 10, "0")),
        ];
        let platform = BTreeMap::from([
            (
                OfferId(1),
                PlatformOffer {
                    currency: "USD".into(),
                    sums: sums("USD", 1000, 100, "0"),
                },
            ),
            (
                OfferId(2),
                PlatformOffer {
                    currency: "USD".into(),
                    sums: sums("USD", 1000, 60, "0"),
                },
            ),
            (
                OfferId(3),
                PlatformOffer {
                    currency: "USD".into(),
                    sums: sums("USD", 1000, 500, "0"),
                },
            ),
            // Another offer: not in a promoter's median.
            (
                OfferId(4),
                PlatformOffer {
                    currency: "USD".into(),
                    sums: sums("USD", 1000, 900, "0"),
                },
            ),
        ]);
        let c = cr_vs_platform(Viewer::Promoter, &own, &platform);
        let c = c.as_ref().map(|c| (c.cr, c.median, c.offers, c.clicks));
        assert_eq!(c, Some((0.03, 0.08, 2, 200)));
        // An advertiser's against every offer with data: 0.06, 0.1, 0.5, 0.9 -> 0.3.
        let c = cr_vs_platform(Viewer::Advertiser, &own, &platform);
        assert_eq!(c.map(|c| (c.median, c.offers)), Some((0.3, 4)));
        // Over two offers, an advertiser's median would give away the other's CR.
        let two: BTreeMap<OfferId, PlatformOffer> = platform.clone().into_iter().take(2).collect();
        assert!(cr_vs_platform(Viewer::Advertiser, &own, &two).is_none());
        assert!(cr_vs_platform(Viewer::Promoter, &own, &two).is_some());
        assert_eq!(standing(0.04, 0.08), Standing::Near);
        assert_eq!(standing(0.0399, 0.08), Standing::FarBelow);
    }

    /// The z-score written out from its definition, for the tests.
    fn z(n1: f64, c1: f64, n2: f64, c2: f64) -> f64 {
        let pooled = (c1 + c2) / (n1 + n2);
        let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
        ((c1 / n1 - c2 / n2) / se * 100.0).round() / 100.0
    }

    #[test]
    fn the_cr_comparison_has_a_z_score_against_the_rest_of_the_platform() {
        let own = vec![
            offer(1, "USD", sums("USD", 100, 2, "0")),
            offer(2, "USD", sums("USD", 100, 4, "0")),
            offer(3, "USD", sums("USD", 10, 10, "0")),
        ];
        let platform_offer = |clicks, conversions| PlatformOffer {
            currency: "USD".into(),
            sums: sums("USD", clicks, conversions, "0"),
        };
        let platform = BTreeMap::from([
            (OfferId(1), platform_offer(1000, 100)),
            (OfferId(2), platform_offer(1000, 60)),
            (OfferId(3), platform_offer(1000, 500)),
            (OfferId(4), platform_offer(1000, 900)),
        ]);
        // A promoter: 6 in 200 against the others on offers 1 and 2: 98 + 56 in 900 + 900.
        let c = cr_vs_platform(Viewer::Promoter, &own, &platform);
        let expected = z(200.0, 6.0, 1800.0, 154.0);
        assert!(expected < -2.0, "{expected}");
        assert_eq!(c.and_then(|c| c.z), Some(expected));
        // An advertiser: against the offers not its own (offer 4: 900 in 1000).
        let c = cr_vs_platform(Viewer::Advertiser, &own, &platform);
        assert_eq!(c.and_then(|c| c.z), Some(z(200.0, 6.0, 1000.0, 900.0)));
        // Others with fewer than 100 clicks: no z-score.
        let thin = BTreeMap::from([
            (OfferId(1), platform_offer(150, 3)),
            (OfferId(2), platform_offer(149, 5)),
        ]);
        let c = cr_vs_platform(Viewer::Promoter, &own, &thin);
        assert_eq!(c.as_ref().map(|c| (c.clicks, c.z)), Some((200, None)));
        // No variance (nothing converts anywhere): none either.
        let flat = BTreeMap::from([(OfferId(1), platform_offer(1000, 2))]);
        let none = vec![offer(1, "USD", sums("USD", 100, 0, "0"))];
        let flat_none = BTreeMap::from([(OfferId(1), platform_offer(1000, 0))]);
        assert!(cr_vs_platform(Viewer::Promoter, &own, &flat).is_some_and(|c| c.z.is_some()));
        assert!(cr_vs_platform(Viewer::Promoter, &none, &flat_none).is_none_or(|c| c.z.is_none()));
        assert_eq!(standing(0.12, 0.08), Standing::Near);
        assert_eq!(standing(0.1201, 0.08), Standing::FarAbove);
    }

    fn candidate(id: i64, category: &str, model: PayoutModel, platform: Sums) -> Candidate {
        Candidate {
            id: OfferId(id),
            category: category.to_owned(),
            model,
            currency: "USD".to_owned(),
            geo_allow: vec![],
            geo_deny: vec![],
            daily_cap: None,
            total_cap: None,
            held_today: 0,
            held_total: 0,
            platform,
        }
    }

    fn traffic(
        category: &str,
        model: PayoutModel,
        country: &str,
        clicks: i64,
        conv: i64,
    ) -> OwnTraffic {
        OwnTraffic {
            category: category.to_owned(),
            model,
            country: country.to_owned(),
            clicks,
            conversions: conv,
        }
    }

    #[test]
    fn suggestions_rank_by_the_weighted_fit() {
        use PayoutModel::*;
        let profile = Profile::of(&[
            traffic("games", Cpa, "US", 300, 6),
            traffic("games", Cpa, "DE", 100, 2),
            traffic("finance", Cpl, "US", 100, 2),
        ]);
        assert_eq!(profile.main_countries(), vec!["US", "DE"]);
        let candidates = vec![
            // games, CPA, the best EPC and CR: everything.
            candidate(10, "games", Cpa, sums("USD", 200, 20, "100")),
            // finance, CPL, half the EPC, half the CR.
            candidate(11, "finance", Cpl, sums("USD", 200, 10, "50")),
            // games, but too little platform data.
            candidate(12, "games", Cpa, sums("USD", 99, 99, "990")),
            // closed to DE (a main country): left out.
            Candidate {
                geo_deny: vec!["DE".into()],
                ..candidate(13, "games", Cpa, sums("USD", 500, 50, "500"))
            },
            // capped today: left out.
            Candidate {
                daily_cap: Some(5),
                held_today: 5,
                ..candidate(14, "games", Cpa, sums("USD", 500, 50, "500"))
            },
        ];
        let s = suggest(&profile, &candidates);
        assert_eq!((s.capped, s.geo_blocked), (1, 1));
        let got: Vec<(i64, f64)> = s.ranked.iter().map(|x| (x.id.0, x.score)).collect();
        // 10: 0.3*0.8 + 0.2*1 + 0.25*1 + 0.15*1 + 0.1*0.8 = 0.92
        // 12: 0.3*0.8 + 0.2*1 + 0 + 0 + 0.1*0.8 = 0.52
        // 11: 0.3*0.2 + 0.2*1 + 0.25*0.5 + 0.15*0.5 + 0.1*0.2 = 0.48
        assert_eq!(got, vec![(10, 0.92), (12, 0.52), (11, 0.48)]);
        let codes: Vec<&str> = s.ranked[1]
            .reasons
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(
            codes,
            vec![
                "category_converts",
                "countries_convert",
                "payout_model",
                "not_enough_data"
            ]
        );
        assert_eq!(note(5, 0, &s), None);
    }

    #[test]
    fn an_emptied_list_says_why() {
        let profile = Profile::of(&[traffic("games", PayoutModel::Cpa, "US", 10, 1)]);
        let capped = Candidate {
            total_cap: Some(3),
            held_total: 3,
            ..candidate(1, "games", PayoutModel::Cpa, Sums::default())
        };
        let s = suggest(&profile, std::slice::from_ref(&capped));
        assert!(s.ranked.is_empty());
        assert_eq!(note(1, 2, &s).map(|n| n.0), Some(NoteCode::AllLeftOut));
        assert_eq!(
            note(0, 2, &suggest(&profile, &[])).map(|n| n.0),
            Some(NoteCode::NothingToJoin)
        );
        // Just under the cap it stays.
        let open = Candidate {
            held_total: 2,
            ..capped
        };
        assert_eq!(suggest(&profile, &[open]).ranked.len(), 1);
    }

    #[test]
    fn main_countries_from_twenty_percent_of_known_clicks() {
        let p = Profile::of(&[
            traffic("x", PayoutModel::Cpa, "US", 80, 0),
            traffic("x", PayoutModel::Cpa, "DE", 20, 0),
            traffic("x", PayoutModel::Cpa, "FR", 19, 0),
            traffic("x", PayoutModel::Cpa, "", 500, 0),
        ]);
        // 119 known clicks: DE's 20 is 16.8%, under 20%.
        assert_eq!(p.main_countries(), vec!["US"]);
        let p = Profile::of(&[
            traffic("x", PayoutModel::Cpa, "US", 80, 0),
            traffic("x", PayoutModel::Cpa, "DE", 20, 0),
        ]);
        assert_eq!(p.main_countries(), vec!["US", "DE"]);
    }

    #[test]
    fn no_clicks_in_seven_days() {
        let mut f = facts();
        f.clicks_7d = (1, 0);
        assert!(!fired(TipCode::NoClicks7d, &f));
        f.clicks_7d = (0, 5);
        assert!(fired(TipCode::NoClicks7d, &f));
    }

    #[test]
    fn bot_share_above_twenty_percent() {
        let mut f = facts();
        f.traffic = Traffic {
            counted: 80,
            filtered: 20,
            reasons: BTreeMap::from([("bot".into(), 20)]),
            ..Traffic::default()
        };
        assert!(!fired(TipCode::HighBotShare, &f), "exactly 20%");
        f.traffic = Traffic {
            counted: 79,
            filtered: 21,
            reasons: BTreeMap::from([("bot".into(), 21)]),
            ..Traffic::default()
        };
        let t = tip(TipCode::HighBotShare, &f);
        assert_eq!(t.map(|t| (t.figure, t.threshold)), Some((0.21, 0.2)));
    }

    #[test]
    fn fraud_share_counts_blocked_clicks_once() {
        let mut f = facts();
        // 10 filtered: 0 bots, 10 blocked for fraud (two reasons each: 20 reason rows).
        f.traffic = Traffic {
            counted: 90,
            filtered: 10,
            reasons: BTreeMap::from([("click_flood".into(), 10), ("datacenter_ip".into(), 10)]),
            ..Traffic::default()
        };
        assert_eq!(f.traffic.fraud(), 10);
        assert!(!fired(TipCode::HighFraudShare, &f), "exactly 10%");
        f.traffic.counted = 89;
        f.traffic.filtered = 11;
        assert!(fired(TipCode::HighFraudShare, &f));
    }

    #[test]
    fn links_without_sub_ids_above_eighty_percent() {
        let mut f = facts();
        f.traffic = Traffic {
            counted: 100,
            without_sub1: 80,
            ..Traffic::default()
        };
        assert!(!fired(TipCode::LinksWithoutSubIds, &f));
        f.traffic.without_sub1 = 81;
        assert!(fired(TipCode::LinksWithoutSubIds, &f));
        f.viewer = Viewer::Advertiser;
        assert!(!fired(TipCode::LinksWithoutSubIds, &f), "a promoter's tip");
    }

    #[test]
    fn close_to_the_next_level_within_ten_percent() {
        let mut f = facts();
        // Silver 500 -> Gold 2000: a span of 1500; within 150 points.
        f.points = Some((1849, levels()));
        assert!(!fired(TipCode::CloseToNextLevel, &f));
        f.points = Some((1850, levels()));
        let t = tip(TipCode::CloseToNextLevel, &f);
        assert_eq!(t.map(|t| (t.figure, t.threshold)), Some((0.1, 0.1)));
        f.points = Some((2500, levels()));
        assert!(!fired(TipCode::CloseToNextLevel, &f), "the top level");
    }

    #[test]
    fn cr_far_below_the_median() {
        let mut f = facts();
        let cmp = |cr: f64| CrComparison {
            cr,
            clicks: 100,
            conversions: 0,
            median: 0.1,
            offers: 3,
            z: None,
        };
        f.cr = Some(cmp(0.05));
        assert!(!fired(TipCode::CrFarBelowMedian, &f), "exactly half");
        f.cr = Some(cmp(0.04));
        assert!(fired(TipCode::CrFarBelowMedian, &f));
    }

    #[test]
    fn pending_review_above_thirty_percent() {
        let mut f = facts();
        f.statuses = BTreeMap::from([("approved".into(), 7), ("pending_review".into(), 3)]);
        assert!(!fired(TipCode::ManyPendingReview, &f));
        f.statuses = BTreeMap::from([("approved".into(), 69), ("pending_review".into(), 31)]);
        assert!(fired(TipCode::ManyPendingReview, &f));
    }

    #[test]
    fn refused_above_twenty_five_percent_for_advertisers() {
        let mut f = facts();
        f.viewer = Viewer::Advertiser;
        f.statuses = BTreeMap::from([
            ("approved".into(), 75),
            ("duplicate".into(), 20),
            ("over_cap".into(), 5),
        ]);
        assert!(!fired(TipCode::ManyRefused, &f));
        f.statuses.insert("rejected".into(), 1);
        assert!(fired(TipCode::ManyRefused, &f));
    }

    #[test]
    fn no_offers() {
        let mut f = facts();
        f.offers = 1;
        assert!(!fired(TipCode::NoJoinedOffers, &f));
        f.offers = 0;
        assert!(fired(TipCode::NoJoinedOffers, &f));
        assert!(!fired(TipCode::NoApprovedOffers, &f), "an advertiser's tip");
        f.viewer = Viewer::Advertiser;
        assert!(fired(TipCode::NoApprovedOffers, &f));
    }

    #[test]
    fn trends_past_thirty_percent() {
        let mut f = facts();
        f.clicks_7d = (70, 100);
        assert!(!fired(TipCode::FallingTrend, &f), "exactly 30% down");
        f.clicks_7d = (69, 100);
        assert_eq!(
            tip(TipCode::FallingTrend, &f).map(|t| t.figure),
            Some(-31.0)
        );
        f.clicks_7d = (5, 0);
        assert!(!fired(TipCode::FallingTrend, &f));
        f.conversions_7d = (13, 10);
        assert!(!fired(TipCode::RisingConversions, &f), "exactly 30% up");
        f.conversions_7d = (14, 10);
        assert!(fired(TipCode::RisingConversions, &f));
    }

    #[test]
    fn an_empty_window_is_one_finding() {
        let f = AnalysisFacts {
            viewer: Viewer::Promoter,
            offers: vec![],
            platform: BTreeMap::new(),
            countries: vec![],
            sub1: vec![],
            hours: [0; 24],
            traffic: Traffic::default(),
            statuses: BTreeMap::new(),
            pending_review: 0,
            promoters: vec![],
        };
        let found = analyse(&f);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, FindingCode::NoData);
    }

    #[test]
    fn hours_need_ten_conversions() {
        let mut hours = [0; 24];
        hours[13] = 5;
        hours[2] = 4;
        let mut f = AnalysisFacts {
            viewer: Viewer::Promoter,
            offers: vec![],
            platform: BTreeMap::new(),
            countries: vec![],
            sub1: vec![],
            hours,
            traffic: Traffic {
                counted: 10,
                ..Traffic::default()
            },
            statuses: BTreeMap::new(),
            pending_review: 0,
            promoters: vec![],
        };
        let has_hours =
            |f: &AnalysisFacts| analyse(f).iter().any(|x| x.code == FindingCode::BestHours);
        assert!(!has_hours(&f));
        f.hours[20] = 1;
        assert!(has_hours(&f));
        assert_eq!(best_hours(&f.hours, 3), vec![(13, 5), (2, 4), (20, 1)]);
    }
}
