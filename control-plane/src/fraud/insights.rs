//! Fraud insights without I/O (DESIGN §11): the figures of a promoter's or an offer's traffic
//! over a range, the conversion rate against the offer's other promoters as a z-score, and
//! the risk level with every figure that decided it written out in English.
//!
//! `db::insights` loads the figures; this module only reads them. The thresholds are
//! constants (not settings) because they explain a risk level to a person: an admin reading a
//! finding must be able to tell what it would take to change it, and each finding says so.
//!
//! Every share is compared on the counts themselves (`part × 100 ≥ percent × whole`), so a
//! threshold is met exactly at its boundary, never a rounding error away from it.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::fraud::rules::Reason;
use crate::kernel::{OfferId, PromoterId};

/// Why a click is kept out of the counts, or flagged: the edge's verdicts other than `ok`,
/// and the fraud reasons of `ok` clicks. A click with two reasons is under both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Filter {
    /// A known bot, a link preview or a HEAD request (the edge's verdict).
    Bot,
    /// The offer was paused (the edge's verdict).
    OfferPaused,
    /// The visitor's country was not allowed (the edge's verdict).
    GeoBlocked,
    /// The link had expired (the edge's verdict).
    Expired,
    /// A fraud reason of an `ok` click.
    Fraud(Reason),
}

impl Filter {
    /// Every filter a click can carry, in the order insights list them (`ctit_short` is a
    /// conversion's reason, never a click's).
    pub const ALL: [Filter; 10] = [
        Self::Bot,
        Self::OfferPaused,
        Self::GeoBlocked,
        Self::Expired,
        Self::Fraud(Reason::DatacenterIp),
        Self::Fraud(Reason::VpnIp),
        Self::Fraud(Reason::ClickFlood),
        Self::Fraud(Reason::IpFlood),
        Self::Fraud(Reason::SuspiciousAgent),
        Self::Fraud(Reason::SuspendedPromoter),
    ];

    /// The wire name: the verdict's or the reason's.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::OfferPaused => "offer_paused",
            Self::GeoBlocked => "geo_blocked",
            Self::Expired => "expired",
            Self::Fraud(reason) => reason.as_str(),
        }
    }

    /// Whether a click under it is left out of the counts (every verdict but `ok`, and every
    /// reason but `vpn_ip`, a signal).
    pub fn blocks(self) -> bool {
        match self {
            Self::Fraud(reason) => reason.blocks(),
            _ => true,
        }
    }

    /// The filter of a stored name (a verdict or a click reason); `None` for a name this
    /// version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The clicks of a scope over a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clicks {
    /// Every stored click, whatever its verdict and reasons.
    pub total: i64,
    /// Clicks counted in stats: verdict `ok` without a blocking reason.
    pub counted: i64,
    /// `ok` clicks with a blocking fraud reason.
    pub flagged: i64,
    /// Clicks under each filter (absent: none).
    pub by_filter: BTreeMap<Filter, i64>,
}

impl Clicks {
    /// Clicks under `filter`.
    pub fn under(&self, filter: Filter) -> i64 {
        self.by_filter.get(&filter).copied().unwrap_or(0)
    }
}

/// The lower bounds, in seconds, of the click-to-conversion time buckets after the first:
/// `[0, 10)` (and anything negative), `[10, 60)`, `[60, 600)`, `[600, 3600)`,
/// `[3600, 21600)`, `[21600, 86400)`, `[86400, ∞)`. Postgres's `width_bucket` over these
/// gives a conversion's bucket index directly.
pub const CTIT_EDGES: [f64; 6] = [10.0, 60.0, 600.0, 3_600.0, 21_600.0, 86_400.0];

/// How many buckets the histogram has.
pub const CTIT_BUCKETS: usize = CTIT_EDGES.len() + 1;

/// The buckets' names, for people.
pub const CTIT_LABELS: [&str; CTIT_BUCKETS] = [
    "under 10 s",
    "10 s to 1 min",
    "1 to 10 min",
    "10 to 60 min",
    "1 to 6 h",
    "6 to 24 h",
    "24 h or more",
];

/// Conversions by click-to-conversion time (`conversion.ts − click.ts`), bucketed at
/// [`CTIT_EDGES`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctit {
    /// Conversions per bucket.
    pub buckets: [i64; CTIT_BUCKETS],
}

impl Ctit {
    /// Adds `n` conversions to bucket `index` (as `width_bucket` numbers them); an index
    /// outside the histogram is clamped to its nearest end.
    pub fn add(&mut self, index: i32, n: i64) {
        let i = usize::try_from(index.max(0))
            .unwrap_or(0)
            .min(CTIT_BUCKETS - 1);
        self.buckets[i] += n;
    }

    /// Every conversion.
    pub fn total(&self) -> i64 {
        self.buckets.iter().sum()
    }

    /// Conversions less than 10 s after their click.
    pub fn short(&self) -> i64 {
        self.buckets[0]
    }

    /// Conversions 24 h or more after their click.
    pub fn long(&self) -> i64 {
        self.buckets[CTIT_BUCKETS - 1]
    }
}

/// One promoter's counted clicks and approved conversions on one offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferTraffic {
    /// The offer.
    pub offer_id: OfferId,
    /// The promoter.
    pub promoter_id: PromoterId,
    /// Counted clicks (verdict `ok`, no blocking reason).
    pub clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
}

/// Fewest counted clicks a promoter needs on an offer (and its other promoters together)
/// before its conversion rate is compared.
pub const MIN_CR_CLICKS: i64 = 50;

/// Why a conversion rate has no z-score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoZ {
    /// The promoter has too few counted clicks on the offer.
    TooFewClicks {
        /// Its counted clicks.
        clicks: i64,
    },
    /// No other promoter has traffic on the offer in the range.
    NoOtherPromoters,
    /// The other promoters together have too few counted clicks.
    TooFewOtherClicks {
        /// Their counted clicks.
        clicks: i64,
    },
    /// Nobody converted, or every click did: the rates do not vary.
    NoVariance,
    /// Shown to a promoter: so few other promoters that their figures together would give one
    /// of them away.
    PrivateOthers {
        /// How many other promoters have traffic on the offer.
        promoters: i64,
    },
}

/// Fewest other promoters on an offer before a promoter is shown their figures together.
pub const MIN_OTHERS_SHOWN: i64 = 3;

/// What a promoter may see of a comparison: with fewer than [`MIN_OTHERS_SHOWN`] other
/// promoters, no z-score (nor a finding from one) and, in the view, none of their figures.
pub fn for_promoter(mut c: CrComparison) -> CrComparison {
    if c.others_promoters > 0 && c.others_promoters < MIN_OTHERS_SHOWN {
        c.z = Err(NoZ::PrivateOthers {
            promoters: c.others_promoters,
        });
    }
    c
}

impl NoZ {
    /// Why, in a sentence.
    pub fn explain(&self) -> String {
        match self {
            Self::TooFewClicks { clicks } => format!(
                "the promoter has {} counted clicks on the offer; a z-score needs at least {MIN_CR_CLICKS}",
                count(*clicks)
            ),
            Self::NoOtherPromoters => "no other promoter has traffic on the offer".to_owned(),
            Self::TooFewOtherClicks { clicks } => format!(
                "the other promoters have {} counted clicks on the offer; a z-score needs at least {MIN_CR_CLICKS}",
                count(*clicks)
            ),
            Self::NoVariance => {
                "the conversion rates do not vary (no click converted, or every one did)".to_owned()
            }
            Self::PrivateOthers { promoters } => format!(
                "{} other promoters have traffic on the offer; their figures are shown from {MIN_OTHERS_SHOWN} on",
                count(*promoters)
            ),
        }
    }
}

/// The z-score of a promoter's conversion rate against the other promoters of the same
/// offer taken together: a two-proportion z-test with a pooled rate,
/// `z = (p₁ − p₂) / √(p (1 − p) (1/n₁ + 1/n₂))` where `p₁ = c₁/n₁` is the promoter's rate,
/// `p₂ = c₂/n₂` the others', `p = (c₁ + c₂)/(n₁ + n₂)`.
///
/// Chosen over the mean and deviation of the other promoters' rates because most offers have
/// few promoters: the test needs one other promoter with enough clicks, not a crowd. It
/// measures how unlikely the difference is, not how large, so the risk rule also asks for a
/// rate several times the others' (see [`assess`]).
pub fn z_score(
    clicks: i64,
    conversions: i64,
    others_promoters: i64,
    others_clicks: i64,
    others_conversions: i64,
) -> Result<f64, NoZ> {
    if clicks < MIN_CR_CLICKS {
        return Err(NoZ::TooFewClicks { clicks });
    }
    if others_promoters == 0 {
        return Err(NoZ::NoOtherPromoters);
    }
    if others_clicks < MIN_CR_CLICKS {
        return Err(NoZ::TooFewOtherClicks {
            clicks: others_clicks,
        });
    }
    two_proportion_z(clicks, conversions, others_clicks, others_conversions).ok_or(NoZ::NoVariance)
}

/// The two-proportion z-test with a pooled rate of `c₁` conversions in `n₁` clicks against
/// `c₂` in `n₂`: `(p₁ − p₂) / √(p (1 − p) (1/n₁ + 1/n₂))`, `p = (c₁ + c₂)/(n₁ + n₂)`. None
/// when there is no variance to compare against (no click, no conversion, or every click
/// converting) or no clicks on a side. The minimums of data are the caller's.
pub fn two_proportion_z(n1: i64, c1: i64, n2: i64, c2: i64) -> Option<f64> {
    if n1 <= 0 || n2 <= 0 {
        return None;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let (p1, p2) = (c1 as f64 / n1, c2 as f64 / n2);
    let p = (c1 + c2) as f64 / (n1 + n2);
    let variance = p * (1.0 - p) * (1.0 / n1 + 1.0 / n2);
    // Conversions are bucketed by their own time and clicks by theirs, so a rate can pass
    // 1: the pooled variance is then not positive, and there is nothing to compare.
    if variance.is_nan() || variance <= 0.0 {
        return None;
    }
    Some((p1 - p2) / variance.sqrt())
}

/// A promoter's conversion rate on an offer against the offer's other promoters.
#[derive(Debug, Clone, PartialEq)]
pub struct CrComparison {
    /// The offer.
    pub offer_id: OfferId,
    /// The promoter.
    pub promoter_id: PromoterId,
    /// Its counted clicks.
    pub clicks: i64,
    /// Its approved conversions.
    pub conversions: i64,
    /// How many other promoters have traffic on the offer.
    pub others_promoters: i64,
    /// Their counted clicks, together.
    pub others_clicks: i64,
    /// Their approved conversions, together.
    pub others_conversions: i64,
    /// The z-score ([`z_score`]), or why there is none.
    pub z: Result<f64, NoZ>,
}

impl CrComparison {
    /// The promoter's conversion rate (0 without clicks).
    pub fn cr(&self) -> f64 {
        share(self.conversions, self.clicks)
    }

    /// The other promoters' conversion rate (0 without clicks).
    pub fn others_cr(&self) -> f64 {
        share(self.others_conversions, self.others_clicks)
    }
}

/// The comparisons of the rows `subject` picks, each against every other promoter of its
/// offer in `traffic` (which must hold every promoter of those offers), ordered by offer
/// then promoter.
pub fn compare(
    traffic: &[OfferTraffic],
    subject: impl Fn(&OfferTraffic) -> bool,
) -> Vec<CrComparison> {
    // Per offer: promoters with traffic, clicks, conversions.
    let mut offers: BTreeMap<OfferId, (i64, i64, i64)> = BTreeMap::new();
    for t in traffic {
        let o = offers.entry(t.offer_id).or_default();
        o.0 += i64::from(t.clicks > 0 || t.conversions > 0);
        o.1 += t.clicks;
        o.2 += t.conversions;
    }
    let mut out: Vec<CrComparison> = traffic
        .iter()
        .filter(|t| (t.clicks > 0 || t.conversions > 0) && subject(t))
        .map(|t| {
            let (promoters, clicks, conversions) =
                offers.get(&t.offer_id).copied().unwrap_or_default();
            let others_promoters = promoters - 1;
            let others_clicks = clicks - t.clicks;
            let others_conversions = conversions - t.conversions;
            CrComparison {
                offer_id: t.offer_id,
                promoter_id: t.promoter_id,
                clicks: t.clicks,
                conversions: t.conversions,
                others_promoters,
                others_clicks,
                others_conversions,
                z: z_score(
                    t.clicks,
                    t.conversions,
                    others_promoters,
                    others_clicks,
                    others_conversions,
                ),
            }
        })
        .collect();
    out.sort_by_key(|c| (c.offer_id, c.promoter_id));
    out
}

/// The largest group of clicks by one key (an IP, a subnet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Top {
    /// The IP (`203.0.113.9`) or subnet (`203.0.113.0/24`, `2001:db8:1::/48`).
    pub key: String,
    /// Its clicks.
    pub clicks: i64,
}

/// Everything a risk level is decided from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// The clicks.
    pub clicks: Clicks,
    /// The conversions' click-to-conversion times.
    pub ctit: Ctit,
    /// The conversion rates on each offer against the offer's other promoters.
    pub rates: Vec<CrComparison>,
    /// The IP with the most clicks.
    pub top_ip: Option<Top>,
    /// The subnet (IPv4 /24, IPv6 /48) with the most clicks.
    pub top_subnet: Option<Top>,
}

/// A risk level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No rule fired.
    Low,
    /// A rule fired at its medium threshold.
    Medium,
    /// A rule fired at its high threshold.
    High,
}

impl Level {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl FromStr for Level {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        [Self::Low, Self::Medium, Self::High]
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or(())
    }
}

/// The rules a risk level is decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Clicks flagged with one blocking reason (datacenter_ip, click_flood, ip_flood,
    /// suspicious_agent), each reason on its own: 5% medium, 20% high.
    FlaggedClicks,
    /// Clicks from VPN ranges: 50% medium.
    VpnShare,
    /// Bots: 30% medium.
    BotShare,
    /// Conversions less than 10 s after their click: 5% medium, 20% high.
    CtitShort,
    /// Conversions 24 h or more after their click: 50% medium.
    CtitLong,
    /// A conversion rate above the offer's other promoters': z ≥ 3 at twice their rate
    /// medium, z ≥ 5 at three times high.
    CrOutlier,
    /// Clicks from one IP: 25% medium, 50% high.
    IpConcentration,
    /// Clicks from one subnet (IPv4 /24, IPv6 /48): 50% medium.
    SubnetConcentration,
}

/// A rule that fired, with its figures written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// The level it sets.
    pub level: Level,
    /// The figures and the threshold, in English.
    pub text: String,
}

/// A risk level and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk {
    /// The highest level of the findings; low without any.
    pub level: Level,
    /// The rules that fired, highest level first.
    pub findings: Vec<Finding>,
    /// The rules that could not be applied, and why (too little data).
    pub notes: Vec<String>,
}

/// Fewest clicks before the click rules (flagged reasons, VPN, bots, IP and subnet
/// concentration) apply.
pub const MIN_CLICKS: i64 = 100;
/// Fewest conversions before the click-to-conversion time rules apply.
pub const MIN_CONVERSIONS: i64 = 20;

/// The blocking reasons the flagged-clicks rule weighs. `suspended_promoter` is left out: it
/// follows from a suspension, and is no evidence for one.
const WEIGHED_REASONS: [Reason; 4] = [
    Reason::DatacenterIp,
    Reason::ClickFlood,
    Reason::IpFlood,
    Reason::SuspiciousAgent,
];

/// Thresholds of a share rule, in percent.
#[derive(Debug, Clone, Copy)]
struct Thresholds {
    medium: i64,
    high: Option<i64>,
}

const FLAGGED: Thresholds = Thresholds {
    medium: 5,
    high: Some(20),
};
const VPN: Thresholds = Thresholds {
    medium: 50,
    high: None,
};
const BOTS: Thresholds = Thresholds {
    medium: 30,
    high: None,
};
const CTIT_SHORT: Thresholds = Thresholds {
    medium: 5,
    high: Some(20),
};
const CTIT_LONG: Thresholds = Thresholds {
    medium: 50,
    high: None,
};
const ONE_IP: Thresholds = Thresholds {
    medium: 25,
    high: Some(50),
};
const ONE_SUBNET: Thresholds = Thresholds {
    medium: 50,
    high: None,
};

/// z-score and rate multiple (of the others' rate) of a medium and a high CR outlier.
const CR_MEDIUM: (f64, i64) = (3.0, 2);
const CR_HIGH: (f64, i64) = (5.0, 3);

/// The level `part` of `whole` reaches, and the threshold it reached (in percent).
fn share_level(part: i64, whole: i64, t: Thresholds) -> Option<(Level, i64)> {
    if whole <= 0 {
        return None;
    }
    match t.high {
        Some(high) if at_least(part, whole, high) => Some((Level::High, high)),
        _ if at_least(part, whole, t.medium) => Some((Level::Medium, t.medium)),
        _ => None,
    }
}

/// Whether `part` is at least `percent`% of `whole`, exactly.
fn at_least(part: i64, whole: i64, percent: i64) -> bool {
    i128::from(part) * 100 >= i128::from(percent) * i128::from(whole)
}

/// The risk of `f`: every rule with enough data, each finding with its figures.
pub fn assess(f: &Figures) -> Risk {
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let clicks = f.clicks.total;
    let of_clicks = |part: i64| {
        format!(
            "{} of clicks ({} of {})",
            percent(part, clicks),
            count(part),
            count(clicks)
        )
    };
    if clicks < MIN_CLICKS {
        notes.push(format!(
            "The click rules need at least {MIN_CLICKS} clicks; there were {}.",
            count(clicks)
        ));
    } else {
        for reason in WEIGHED_REASONS {
            let n = f.clicks.under(Filter::Fraud(reason));
            if let Some((level, t)) = share_level(n, clicks, FLAGGED) {
                findings.push(Finding {
                    rule: Rule::FlaggedClicks,
                    level,
                    text: format!(
                        "{} were flagged {reason}; {t}% or more is {} risk.",
                        of_clicks(n),
                        level.as_str()
                    ),
                });
            }
        }
        let vpn = f.clicks.under(Filter::Fraud(Reason::VpnIp));
        if let Some((level, t)) = share_level(vpn, clicks, VPN) {
            findings.push(Finding {
                rule: Rule::VpnShare,
                level,
                text: format!(
                    "{} came from VPN ranges (vpn_ip); {t}% or more is {} risk.",
                    of_clicks(vpn),
                    level.as_str()
                ),
            });
        }
        let bots = f.clicks.under(Filter::Bot);
        if let Some((level, t)) = share_level(bots, clicks, BOTS) {
            findings.push(Finding {
                rule: Rule::BotShare,
                level,
                text: format!(
                    "{} were bots; {t}% or more is {} risk.",
                    of_clicks(bots),
                    level.as_str()
                ),
            });
        }
        for (rule, top, what, t) in [
            (Rule::IpConcentration, &f.top_ip, "one IP", ONE_IP),
            (
                Rule::SubnetConcentration,
                &f.top_subnet,
                "one subnet",
                ONE_SUBNET,
            ),
        ] {
            if let Some(top) = top
                && let Some((level, t)) = share_level(top.clicks, clicks, t)
            {
                findings.push(Finding {
                    rule,
                    level,
                    text: format!(
                        "{} came from {what}, {}; {t}% or more is {} risk.",
                        of_clicks(top.clicks),
                        top.key,
                        level.as_str()
                    ),
                });
            }
        }
    }

    let conversions = f.ctit.total();
    if conversions < MIN_CONVERSIONS {
        notes.push(format!(
            "The click-to-conversion time rules need at least {MIN_CONVERSIONS} conversions; there were {}.",
            count(conversions)
        ));
    } else {
        let of_conversions = |part: i64| {
            format!(
                "{} of conversions ({} of {})",
                percent(part, conversions),
                count(part),
                count(conversions)
            )
        };
        if let Some((level, t)) = share_level(f.ctit.short(), conversions, CTIT_SHORT) {
            findings.push(Finding {
                rule: Rule::CtitShort,
                level,
                text: format!(
                    "{} came less than 10 s after their click; {t}% or more is {} risk.",
                    of_conversions(f.ctit.short()),
                    level.as_str()
                ),
            });
        }
        if let Some((level, t)) = share_level(f.ctit.long(), conversions, CTIT_LONG) {
            findings.push(Finding {
                rule: Rule::CtitLong,
                level,
                text: format!(
                    "{} came 24 h or more after their click (click spamming); {t}% or more is {} risk.",
                    of_conversions(f.ctit.long()),
                    level.as_str()
                ),
            });
        }
    }

    for c in &f.rates {
        if let Some(finding) = cr_finding(c) {
            findings.push(finding);
        }
    }

    // Highest level first; the rules' order otherwise (a stable sort).
    findings.sort_by_key(|f| std::cmp::Reverse(f.level));
    Risk {
        level: findings.iter().map(|f| f.level).max().unwrap_or(Level::Low),
        findings,
        notes,
    }
}

/// The CR outlier finding of one comparison, if it is one.
fn cr_finding(c: &CrComparison) -> Option<Finding> {
    let z = *c.z.as_ref().ok()?;
    // The promoter's rate is at least `k` times the others': c₁/n₁ ≥ k·c₂/n₂, on counts.
    let times = |k: i64| {
        i128::from(c.conversions) * i128::from(c.others_clicks)
            >= i128::from(k) * i128::from(c.others_conversions) * i128::from(c.clicks)
    };
    let (level, (zt, kt)) = if z >= CR_HIGH.0 && times(CR_HIGH.1) {
        (Level::High, CR_HIGH)
    } else if z >= CR_MEDIUM.0 && times(CR_MEDIUM.1) {
        (Level::Medium, CR_MEDIUM)
    } else {
        return None;
    };
    let multiple = if c.others_conversions == 0 {
        "while they had no conversion".to_owned()
    } else {
        format!("{} times their rate", one_decimal(c.cr() / c.others_cr()))
    };
    let others = match c.others_promoters {
        1 => "1 other promoter".to_owned(),
        n => format!("{} other promoters", count(n)),
    };
    Some(Finding {
        rule: Rule::CrOutlier,
        level,
        text: format!(
            "On offer {}, promoter {} converted {} of counted clicks ({} of {}) against {} ({} of {}) for {others}: z = {}, {multiple}; a z of {zt} or more at {kt} times their rate or more is {} risk.",
            c.offer_id,
            c.promoter_id,
            percent(c.conversions, c.clicks),
            count(c.conversions),
            count(c.clicks),
            percent(c.others_conversions, c.others_clicks),
            count(c.others_conversions),
            count(c.others_clicks),
            one_decimal(z),
            level.as_str()
        ),
    })
}

/// `part / whole` (0 when `whole` is 0).
pub fn share(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// `part` of `whole` as a percentage with at most one decimal, rounded down, so that a share
/// just under a threshold never reads as the threshold: `37.5%`, `20%`, `0%`.
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    let tenths = i128::from(part) * 1000 / i128::from(whole);
    let (units, tenth) = (tenths / 10, (tenths % 10).abs());
    if tenth == 0 {
        format!("{units}%")
    } else if tenths < 0 && units == 0 {
        format!("-0.{tenth}%")
    } else {
        format!("{units}.{tenth}%")
    }
}

/// A count with thousands separators: `1,084`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A number with one decimal: `3.8`.
fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

/// A promoter's place in the review queue: higher risk first, then a larger share of
/// flagged clicks, then the lower id. Kept in the queue's cursor, so the next page starts
/// after it even if the ranks around it moved.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Rank {
    /// The risk level.
    pub level: Level,
    /// `ok` clicks with a blocking reason.
    pub flagged: i64,
    /// Every click.
    pub total: i64,
    /// The promoter.
    pub promoter_id: PromoterId,
}

impl Ord for Rank {
    fn cmp(&self, other: &Self) -> Ordering {
        // flagged/total against other.flagged/other.total, exactly (no clicks: share 0).
        let share = |r: &Rank| (i128::from(r.flagged), i128::from(r.total.max(1)));
        let ((a, an), (b, bn)) = (share(self), share(other));
        other
            .level
            .cmp(&self.level)
            .then_with(|| (b * an).cmp(&(a * bn)))
            .then_with(|| self.promoter_id.cmp(&other.promoter_id))
    }
}

impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Rank {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Rank {}

#[cfg(test)]
mod tests {
    use super::*;

    fn clicks(total: i64, by: &[(Filter, i64)]) -> Clicks {
        Clicks {
            total,
            counted: total,
            flagged: 0,
            by_filter: by.iter().copied().collect(),
        }
    }

    fn figures(c: Clicks) -> Figures {
        Figures {
            clicks: c,
            ..Figures::default()
        }
    }

    fn rules(r: &Risk) -> Vec<(Rule, Level)> {
        r.findings.iter().map(|f| (f.rule, f.level)).collect()
    }

    #[test]
    fn filters_round_trip_and_only_vpn_does_not_block() {
        for f in Filter::ALL {
            assert_eq!(Filter::parse(f.as_str()), Some(f));
            assert_eq!(f.blocks(), f != Filter::Fraud(Reason::VpnIp));
        }
        assert_eq!(Filter::parse("ok"), None);
        assert_eq!(Filter::parse("ctit_short"), None);
        assert_eq!(Filter::parse("from_the_future"), None);
    }

    #[test]
    fn the_histogram_has_a_label_per_bucket_and_ascending_edges() {
        assert_eq!(CTIT_LABELS.len(), CTIT_EDGES.len() + 1);
        assert!(CTIT_EDGES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(CTIT_EDGES[0], 10.0);
        assert_eq!(CTIT_EDGES[CTIT_EDGES.len() - 1], 86_400.0);
        let mut h = Ctit::default();
        h.add(0, 2);
        h.add(6, 3);
        h.add(9, 1);
        h.add(-1, 1);
        assert_eq!(h.buckets, [3, 0, 0, 0, 0, 0, 4]);
        assert_eq!((h.total(), h.short(), h.long()), (7, 3, 4));
    }

    #[test]
    fn percentages_round_down_and_counts_group_thousands() {
        assert_eq!(percent(412, 1084), "38%");
        assert_eq!(percent(3, 8), "37.5%");
        assert_eq!(percent(1, 5), "20%");
        // 19.99…% never reads 20%.
        assert_eq!(percent(1999, 10_000), "19.9%");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.6%");
        assert_eq!(percent(0, 0), "0%");
        assert_eq!(percent(1, 100_000), "0%");
        assert_eq!(percent(5, 4), "125%");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1084), "1,084");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1234), "-1,234");
        assert_eq!(share(1, 4), 0.25);
        assert_eq!(share(3, 0), 0.0);
    }

    #[test]
    fn no_rule_applies_below_the_minimum_data() {
        // 99 clicks, all flagged: too few to judge.
        let mut f = figures(clicks(99, &[(Filter::Fraud(Reason::ClickFlood), 99)]));
        f.ctit.buckets[0] = 19;
        let r = assess(&f);
        assert_eq!(r.level, Level::Low);
        assert!(r.findings.is_empty());
        assert_eq!(
            r.notes,
            vec![
                "The click rules need at least 100 clicks; there were 99.".to_owned(),
                "The click-to-conversion time rules need at least 20 conversions; there were 19."
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn flagged_reasons_count_each_on_its_own_at_their_boundaries() {
        let flood = Filter::Fraud(Reason::ClickFlood);
        // 4.9% nothing; exactly 5% medium; 19.9% medium; exactly 20% high.
        for (n, total, expected) in [
            (49, 1000, None),
            (50, 1000, Some(Level::Medium)),
            (199, 1000, Some(Level::Medium)),
            (200, 1000, Some(Level::High)),
            (1000, 1000, Some(Level::High)),
        ] {
            let r = assess(&figures(clicks(total, &[(flood, n)])));
            assert_eq!(
                rules(&r),
                expected
                    .map(|l| vec![(Rule::FlaggedClicks, l)])
                    .unwrap_or_default(),
                "{n} of {total}"
            );
            assert_eq!(r.level, expected.unwrap_or(Level::Low));
        }
        let r = assess(&figures(clicks(1084, &[(flood, 412)])));
        assert_eq!(
            r.findings[0].text,
            "38% of clicks (412 of 1,084) were flagged click_flood; 20% or more is high risk."
        );
        // Two reasons each under the threshold do not add up; suspended_promoter and
        // vpn_ip are not weighed by this rule.
        let r = assess(&figures(clicks(
            100,
            &[
                (Filter::Fraud(Reason::DatacenterIp), 4),
                (Filter::Fraud(Reason::IpFlood), 4),
                (Filter::Fraud(Reason::SuspendedPromoter), 100),
                (Filter::Fraud(Reason::VpnIp), 49),
            ],
        )));
        assert_eq!(r.level, Level::Low, "{r:?}");
        let r = assess(&figures(clicks(
            100,
            &[
                (Filter::Fraud(Reason::DatacenterIp), 5),
                (Filter::Fraud(Reason::SuspiciousAgent), 25),
            ],
        )));
        assert_eq!(
            rules(&r),
            vec![
                (Rule::FlaggedClicks, Level::High),
                (Rule::FlaggedClicks, Level::Medium)
            ]
        );
        assert_eq!(
            r.findings[1].text,
            "5% of clicks (5 of 100) were flagged datacenter_ip; 5% or more is medium risk."
        );
    }

    #[test]
    fn vpn_and_bots_are_medium_at_most() {
        let vpn = Filter::Fraud(Reason::VpnIp);
        assert!(
            assess(&figures(clicks(200, &[(vpn, 99)])))
                .findings
                .is_empty()
        );
        let r = assess(&figures(clicks(200, &[(vpn, 200)])));
        assert_eq!(rules(&r), vec![(Rule::VpnShare, Level::Medium)]);
        assert_eq!(
            r.findings[0].text,
            "100% of clicks (200 of 200) came from VPN ranges (vpn_ip); 50% or more is medium risk."
        );
        assert!(
            assess(&figures(clicks(1000, &[(Filter::Bot, 299)])))
                .findings
                .is_empty()
        );
        let r = assess(&figures(clicks(1000, &[(Filter::Bot, 300)])));
        assert_eq!(rules(&r), vec![(Rule::BotShare, Level::Medium)]);
        assert_eq!(
            r.findings[0].text,
            "30% of clicks (300 of 1,000) were bots; 30% or more is medium risk."
        );
        // Paused offers and geo blocks are not the promoter's doing.
        let r = assess(&figures(clicks(
            100,
            &[(Filter::OfferPaused, 100), (Filter::GeoBlocked, 100)],
        )));
        assert_eq!(r.level, Level::Low);
    }

    #[test]
    fn one_ip_or_one_subnet_with_much_of_the_traffic() {
        let mut f = figures(clicks(200, &[]));
        f.top_ip = Some(Top {
            key: "203.0.113.9".to_owned(),
            clicks: 49,
        });
        f.top_subnet = Some(Top {
            key: "203.0.113.0/24".to_owned(),
            clicks: 99,
        });
        assert_eq!(assess(&f).level, Level::Low);
        f.top_ip = Some(Top {
            key: "203.0.113.9".to_owned(),
            clicks: 50,
        });
        f.top_subnet = Some(Top {
            key: "203.0.113.0/24".to_owned(),
            clicks: 100,
        });
        let r = assess(&f);
        assert_eq!(
            rules(&r),
            vec![
                (Rule::IpConcentration, Level::Medium),
                (Rule::SubnetConcentration, Level::Medium)
            ]
        );
        assert_eq!(
            r.findings[0].text,
            "25% of clicks (50 of 200) came from one IP, 203.0.113.9; 25% or more is medium risk."
        );
        assert_eq!(
            r.findings[1].text,
            "50% of clicks (100 of 200) came from one subnet, 203.0.113.0/24; 50% or more is medium risk."
        );
        f.top_ip = Some(Top {
            key: "2001:db8::1".to_owned(),
            clicks: 100,
        });
        assert_eq!(rules(&assess(&f))[0], (Rule::IpConcentration, Level::High));
    }

    #[test]
    fn ctit_rules_at_their_boundaries() {
        let with = |buckets: [i64; CTIT_BUCKETS]| Figures {
            ctit: Ctit { buckets },
            ..figures(clicks(0, &[]))
        };
        // 20 conversions: 1 short (5%) is medium, 4 (20%) high, 0 nothing.
        assert!(assess(&with([0, 20, 0, 0, 0, 0, 0])).findings.is_empty());
        let r = assess(&with([1, 19, 0, 0, 0, 0, 0]));
        assert_eq!(rules(&r), vec![(Rule::CtitShort, Level::Medium)]);
        assert_eq!(
            r.findings[0].text,
            "5% of conversions (1 of 20) came less than 10 s after their click; 5% or more is medium risk."
        );
        let r = assess(&with([4, 16, 0, 0, 0, 0, 0]));
        assert_eq!(rules(&r), vec![(Rule::CtitShort, Level::High)]);
        // Long: 9 of 20 nothing; 10 of 20 medium.
        assert!(assess(&with([0, 11, 0, 0, 0, 0, 9])).findings.is_empty());
        let r = assess(&with([0, 0, 0, 0, 0, 10, 10]));
        assert_eq!(rules(&r), vec![(Rule::CtitLong, Level::Medium)]);
        assert_eq!(
            r.findings[0].text,
            "50% of conversions (10 of 20) came 24 h or more after their click (click spamming); 50% or more is medium risk."
        );
        // No clicks: only the click rules are noted as not applied.
        assert_eq!(r.notes.len(), 1);
    }

    #[test]
    fn z_scores_need_data_and_variance() {
        assert_eq!(
            z_score(49, 10, 1, 100, 1),
            Err(NoZ::TooFewClicks { clicks: 49 })
        );
        assert_eq!(z_score(50, 10, 0, 0, 0), Err(NoZ::NoOtherPromoters));
        assert_eq!(
            z_score(50, 10, 2, 49, 1),
            Err(NoZ::TooFewOtherClicks { clicks: 49 })
        );
        assert_eq!(z_score(50, 0, 1, 50, 0), Err(NoZ::NoVariance));
        assert_eq!(z_score(50, 50, 1, 50, 50), Err(NoZ::NoVariance));
        // Rates above 1 (conversions counted by their own time) leave no variance either.
        assert_eq!(z_score(50, 80, 1, 50, 40), Err(NoZ::NoVariance));
        // 15/50 against 1/50: p = 0.16, se = √(0.16·0.84·0.04) ≈ 0.0733, z ≈ 3.819.
        let z = z_score(50, 15, 1, 50, 1).unwrap_or_default();
        assert!((z - 3.8188).abs() < 1e-3, "{z}");
        // Symmetric, and zero for equal rates.
        let low = z_score(50, 1, 1, 50, 15).unwrap_or_default();
        assert!((low + z).abs() < 1e-12);
        assert_eq!(z_score(100, 10, 3, 200, 20), Ok(0.0));
        assert!(
            NoZ::TooFewClicks { clicks: 7 }
                .explain()
                .contains("7 counted clicks")
        );
    }

    fn traffic(offer: i64, promoter: i64, clicks: i64, conversions: i64) -> OfferTraffic {
        OfferTraffic {
            offer_id: OfferId(offer),
            promoter_id: PromoterId(promoter),
            clicks,
            conversions,
        }
    }

    #[test]
    fn each_promoter_is_compared_with_the_rest_of_its_offer() {
        let all = [
            traffic(1, 10, 50, 15),
            traffic(1, 11, 30, 1),
            traffic(1, 12, 20, 0),
            traffic(1, 13, 0, 0),
            traffic(2, 10, 60, 1),
        ];
        let mine = compare(&all, |t| t.promoter_id == PromoterId(10));
        assert_eq!(mine.len(), 2);
        let on1 = &mine[0];
        assert_eq!(
            (
                on1.offer_id,
                on1.others_promoters,
                on1.others_clicks,
                on1.others_conversions
            ),
            (OfferId(1), 2, 50, 1)
        );
        assert_eq!(on1.z, z_score(50, 15, 2, 50, 1));
        assert_eq!(on1.cr(), 0.3);
        assert_eq!(on1.others_cr(), 0.02);
        assert_eq!(mine[1].z, Err(NoZ::NoOtherPromoters));
        // A promoter without traffic is neither compared nor counted among the others.
        let everyone = compare(&all, |_| true);
        assert_eq!(everyone.len(), 4);
        assert!(everyone.iter().all(|c| c.promoter_id != PromoterId(13)));
    }

    fn comparison(clicks: i64, conv: i64, others_clicks: i64, others_conv: i64) -> CrComparison {
        CrComparison {
            offer_id: OfferId(7),
            promoter_id: PromoterId(3),
            clicks,
            conversions: conv,
            others_promoters: 1,
            others_clicks,
            others_conversions: others_conv,
            z: z_score(clicks, conv, 1, others_clicks, others_conv),
        }
    }

    #[test]
    fn a_conversion_rate_far_above_the_others_is_an_outlier() {
        let assess_one = |c: CrComparison| {
            assess(&Figures {
                rates: vec![c],
                ..Figures::default()
            })
        };
        // z ≈ 3.8 at 15 times the others' rate: medium.
        let r = assess_one(comparison(50, 15, 50, 1));
        assert_eq!(rules(&r), vec![(Rule::CrOutlier, Level::Medium)]);
        assert_eq!(
            r.findings[0].text,
            "On offer 7, promoter 3 converted 30% of counted clicks (15 of 50) against 2% (1 of 50) for 1 other promoter: z = 3.8, 15.0 times their rate; a z of 3 or more at 2 times their rate or more is medium risk."
        );
        // Very significant but under twice the others' rate: volume, not an outlier.
        let c = comparison(100_000, 11_000, 100_000, 10_000);
        assert!(c.z.unwrap_or_default() > 5.0);
        assert!(assess_one(c).findings.is_empty());
        // Exactly twice their rate at z ≥ 3 is medium; exactly three times at z ≥ 5 high.
        let c = comparison(1000, 200, 1000, 100);
        assert!(c.z.unwrap_or_default() > 5.0);
        assert_eq!(
            rules(&assess_one(c)),
            vec![(Rule::CrOutlier, Level::Medium)]
        );
        let c = comparison(1000, 300, 1000, 100);
        let r = assess_one(c);
        assert_eq!(rules(&r), vec![(Rule::CrOutlier, Level::High)]);
        // No conversions among the others.
        let r = assess_one(comparison(100, 20, 1000, 0));
        assert!(
            r.findings[0].text.contains("while they had no conversion"),
            "{r:?}"
        );
        // A low rate is not an outlier of this rule; no z-score, no finding.
        assert!(assess_one(comparison(100, 0, 100, 30)).findings.is_empty());
        assert!(assess_one(comparison(49, 40, 100, 1)).findings.is_empty());
    }

    #[test]
    fn the_level_is_the_highest_finding_and_findings_come_highest_first() {
        let mut f = figures(clicks(
            100,
            &[(Filter::Bot, 30), (Filter::Fraud(Reason::ClickFlood), 20)],
        ));
        f.ctit.buckets = [0, 20, 0, 0, 0, 0, 0];
        let r = assess(&f);
        assert_eq!(r.level, Level::High);
        assert_eq!(
            rules(&r),
            vec![
                (Rule::FlaggedClicks, Level::High),
                (Rule::BotShare, Level::Medium)
            ]
        );
        assert!(r.notes.is_empty());
    }

    #[test]
    fn levels_parse_and_order() {
        assert!(Level::High > Level::Medium && Level::Medium > Level::Low);
        for l in [Level::Low, Level::Medium, Level::High] {
            assert_eq!(l.as_str().parse(), Ok(l));
        }
        assert_eq!("HIGH".parse::<Level>(), Err(()));
    }

    fn rank(level: Level, flagged: i64, total: i64, id: i64) -> Rank {
        Rank {
            level,
            flagged,
            total,
            promoter_id: PromoterId(id),
        }
    }

    #[test]
    fn the_queue_ranks_by_level_then_flagged_share_then_id() {
        let mut ranks = [
            rank(Level::Low, 90, 100, 1),
            rank(Level::High, 1, 100, 9),
            rank(Level::Medium, 1, 2, 5),
            rank(Level::Medium, 2, 4, 4),
            rank(Level::Medium, 3, 4, 6),
            rank(Level::High, 0, 0, 2),
            rank(Level::Medium, 0, 0, 3),
        ];
        ranks.sort();
        let ids: Vec<i64> = ranks.iter().map(|r| r.promoter_id.0).collect();
        assert_eq!(ids, vec![9, 2, 6, 4, 5, 3, 1]);
        // The same share written differently ties, and the id decides.
        assert_eq!(
            rank(Level::Medium, 1, 2, 5).cmp(&rank(Level::Medium, 2, 4, 4)),
            Ordering::Greater
        );
        let cursor = serde_json::to_string(&ranks[2]).unwrap_or_default();
        let back: Rank = serde_json::from_str(&cursor).unwrap_or(ranks[0]);
        assert_eq!(back, ranks[2]);
        assert_eq!(back.promoter_id, PromoterId(6));
    }
}
