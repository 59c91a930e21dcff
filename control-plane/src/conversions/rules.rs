//! Attribution as decisions without I/O (DESIGN §7): statuses and sources, the checks of one conversion
//! against its click and offer ([`screen`]), the assignment of txids and cap slots among the
//! offer's conversions in `(ts, id)` order ([`assign`]), and payouts. `db::conversions` loads
//! the facts these need and writes what they decide.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use afftok_shared::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

pub use crate::kernel::status::ConversionStatus;

use crate::fraud::{self, Reason};
use crate::kernel::money::payout_scale;
use crate::kernel::{AdvertiserId, ClickId, ConversionId};
use crate::offers::PayoutModel;

/// How a conversion was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversionSource {
    /// By postback, through an edge.
    Postback,
    /// By the conversion API (`POST /v1/conversions`).
    Api,
    /// From a web page, through the Web SDK and a publishable key.
    Browser,
}

impl ConversionSource {
    /// Every source.
    pub const ALL: [ConversionSource; 3] = [Self::Postback, Self::Api, Self::Browser];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postback => "postback",
            Self::Api => "api",
            Self::Browser => "browser",
        }
    }
}

crate::stored_as_text!(ConversionSource);

impl FromStr for ConversionSource {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

impl fmt::Display for ConversionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a conversion at `conversion` is inside `[click, click + window]` (inclusive).
pub fn in_window(click: OffsetDateTime, conversion: OffsetDateTime, window_hours: i32) -> bool {
    let delta = conversion - click;
    delta >= Duration::ZERO && delta <= Duration::hours(i64::from(window_hours))
}

/// An offer's payout terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayoutTerms {
    /// The model.
    pub model: PayoutModel,
    /// Fixed amount (cpa, cpl).
    pub amount: Option<Decimal>,
    /// Percentage (cps, revshare).
    pub percent: Option<Decimal>,
    /// The offer's currency.
    pub currency: Currency,
}

/// A computed payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payout {
    /// The amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

/// The payout of a conversion: the fixed amount for CPA and CPL; for CPS and RevShare the
/// percentage of the conversion's amount, in the amount's currency (there is no currency
/// conversion), rounded half-even. A share offer's conversion without an amount pays 0.
pub fn payout(
    terms: &PayoutTerms,
    amount: Option<Decimal>,
    amount_currency: Option<Currency>,
) -> Payout {
    if terms.model.is_fixed() {
        return Payout {
            amount: terms.amount.unwrap_or_default(),
            currency: terms.currency,
        };
    }
    let currency = amount_currency.unwrap_or(terms.currency);
    let share =
        amount.unwrap_or_default() * terms.percent.unwrap_or_default() / Decimal::ONE_HUNDRED;
    Payout {
        amount: share.round_dp_with_strategy(
            payout_scale(&currency),
            RoundingStrategy::MidpointNearestEven,
        ),
        currency,
    }
}

/// An offer's terms as attribution applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// The offer's advertiser: a conversion reported by another is refused.
    pub advertiser_id: AdvertiserId,
    /// How payouts are computed.
    pub payout: PayoutTerms,
    /// The attribution window, in hours after the click (inclusive).
    pub window_hours: i32,
    /// Conversions per UTC day (by conversion time), if capped.
    pub daily_cap: Option<i32>,
    /// Conversions in all, if capped.
    pub total_cap: Option<i32>,
    /// Whether conversions are held for the advertiser's review.
    pub hold: bool,
    /// The shortest click-to-conversion time accepted (`ctit_short` below it).
    pub min_ctit: Duration,
    /// What becomes of a conversion flagged as fraud: held for review (`true`) or rejected.
    pub review_fraud: bool,
    /// Conversions from web pages (the Web SDK) are held for review.
    pub review_browser: bool,
}

/// The first checks of a pending conversion whose click is known, in DESIGN §7's order with
/// §11's fraud step after the advertiser's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The click's offer belongs to another advertiser (or is unknown here).
    AdvertiserMismatch,
    /// Flagged as fraud, on an offer that rejects it (`rejected_fraud`).
    Fraud,
    /// Outside the offer's window.
    OutOfWindow,
    /// It competes for the offer's txids and cap slots ([`assign`]).
    Contends,
}

/// A conversion's fraud facts: what its click was flagged for, whether its promoter is
/// suspended now, and whether an admin or the advertiser overruled its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FraudFacts {
    /// The click's reasons.
    pub click: Vec<Reason>,
    /// The promoter is suspended.
    pub suspended: bool,
    /// A reviewer approved it despite its reasons.
    pub overruled: bool,
}

/// A conversion's fraud reasons (DESIGN §11): its click's (a signal like `vpn_ip` included),
/// `ctit_short` when it came sooner after the click than the offer's minimum, and
/// `suspended_promoter`.
pub fn fraud_reasons(
    facts: &FraudFacts,
    click_ts: OffsetDateTime,
    conversion_ts: OffsetDateTime,
    min_ctit: Duration,
) -> Vec<Reason> {
    let mut reasons = facts.click.clone();
    if fraud::rules::ctit_short(click_ts, conversion_ts, min_ctit) {
        reasons.push(Reason::CtitShort);
    }
    if facts.suspended {
        reasons.push(Reason::SuspendedPromoter);
    }
    fraud::rules::normalized(reasons)
}

/// Whether a conversion with `reasons` is held back as fraud (its flags block and nobody
/// overruled them).
pub fn flagged(reasons: &[Reason], overruled: bool) -> bool {
    !overruled && fraud::rules::blocked(reasons)
}

/// Screens a conversion of `advertiser_id` at `conversion_ts` whose click was at `click_ts`
/// on an offer with `terms` (none: the offer is unknown), flagged or not (see [`flagged`]).
pub fn screen(
    advertiser_id: AdvertiserId,
    conversion_ts: OffsetDateTime,
    click_ts: OffsetDateTime,
    terms: Option<&Terms>,
    is_flagged: bool,
) -> Screen {
    match terms {
        Some(t) if t.advertiser_id == advertiser_id => {
            if is_flagged && !t.review_fraud {
                Screen::Fraud
            } else if in_window(click_ts, conversion_ts, t.window_hours) {
                Screen::Contends
            } else {
                Screen::OutOfWindow
            }
        }
        _ => Screen::AdvertiserMismatch,
    }
}

/// What makes two conversions of an offer duplicates: the same txid, or without txids the
/// same click and event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DuplicateKey {
    /// The transaction id.
    Txid(String),
    /// The click and event name of a conversion without txid.
    ClickEvent(ClickId, String),
}

impl DuplicateKey {
    /// The key of a conversion.
    pub fn of(txid: Option<&str>, click_id: ClickId, event: &str) -> Self {
        match txid {
            Some(t) => Self::Txid(t.to_owned()),
            None => Self::ClickEvent(click_id, event.to_owned()),
        }
    }
}

/// A conversion that competes for the offer's txids and cap slots: one being attributed
/// (status `pending`) or one already decided `approved`, `pending_review`, `duplicate` or
/// `over_cap`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contender {
    /// Its id (ties of `ts` are ordered by it).
    pub id: ConversionId,
    /// When it happened.
    pub ts: OffsetDateTime,
    /// Its duplicate key.
    pub key: DuplicateKey,
    /// Its sale amount.
    pub amount: Option<Decimal>,
    /// The amount's currency.
    pub currency: Option<Currency>,
    /// Its status now.
    pub status: ConversionStatus,
    /// Its payout now, if it holds a slot.
    pub payout: Option<Payout>,
    /// Whether it is held for review when it takes a slot: the offer holds conversions, or
    /// it is flagged as fraud on an offer that reviews those (and nobody overruled either).
    pub hold: bool,
}

/// What conversions before the first contender already hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Before {
    /// Slots taken in all.
    pub total: i64,
    /// Slots taken per UTC day.
    pub per_day: HashMap<Date, i64>,
    /// Duplicate keys held.
    pub held: HashSet<DuplicateKey>,
}

/// A contender's place after [`assign`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    /// Its status.
    pub status: ConversionStatus,
    /// Its payout (when it holds a slot).
    pub payout: Option<Payout>,
}

/// Assigns txids and cap slots to `contenders` (in `(ts, id)` order), after what `before`
/// holds: the result is what deciding every conversion in conversion-time order gives,
/// whatever order they arrived in. Each in turn: its key already held → `duplicate`; no
/// room under the daily or total cap → `over_cap`; otherwise it takes its key and a slot,
/// keeping its status and payout if it held one already (a reviewed conversion stays
/// approved; a payout is not recomputed), else `approved` (or `pending_review` when the
/// contender is held) with its payout computed now.
pub fn assign(terms: &Terms, before: &Before, contenders: &[Contender]) -> Vec<Assigned> {
    let mut held = before.held.clone();
    let mut per_day = before.per_day.clone();
    let mut total = before.total;
    contenders
        .iter()
        .map(|c| {
            if held.contains(&c.key) {
                return Assigned {
                    status: ConversionStatus::Duplicate,
                    payout: None,
                };
            }
            let day = c.ts.to_offset(time::UtcOffset::UTC).date();
            let used = per_day.entry(day).or_default();
            let fits = terms.daily_cap.is_none_or(|cap| *used < i64::from(cap))
                && terms.total_cap.is_none_or(|cap| total < i64::from(cap));
            if !fits {
                return Assigned {
                    status: ConversionStatus::OverCap,
                    payout: None,
                };
            }
            *used += 1;
            total += 1;
            held.insert(c.key.clone());
            match (c.status.claims_slot(), c.payout) {
                (true, Some(kept)) => Assigned {
                    status: c.status,
                    payout: Some(kept),
                },
                _ => Assigned {
                    status: if c.hold {
                        ConversionStatus::PendingReview
                    } else {
                        ConversionStatus::Approved
                    },
                    payout: Some(payout(&terms.payout, c.amount, c.currency)),
                },
            }
        })
        .collect()
}

/// Whether an advertiser (or an admin) may move a conversion from `from` to `to`: approve or
/// reject one held for review, reverse an approved one. The one table every review path uses.
pub fn review_allows(from: ConversionStatus, to: ConversionStatus) -> bool {
    use ConversionStatus::*;
    matches!(
        (from, to),
        (PendingReview, Approved)
            | (PendingReview, Rejected)
            | (Approved, Reversed)
            | (RejectedFraud, Approved)
    )
}

/// Why a contender's status changed, for the audit trail.
pub fn reason(from: ConversionStatus, to: ConversionStatus) -> Option<&'static str> {
    match (from.claims_slot(), to) {
        (true, ConversionStatus::Duplicate) => Some("an earlier conversion took its txid"),
        (true, ConversionStatus::OverCap) => Some("earlier conversions took the cap"),
        (false, to) if to.claims_slot() && from == ConversionStatus::OverCap => {
            Some("a cap slot freed up")
        }
        (false, to) if to.claims_slot() && from == ConversionStatus::Duplicate => {
            Some("its txid is free again")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap_or_else(|_| unreachable!())
    }

    fn terms(model: PayoutModel, amount: Option<&str>, percent: Option<&str>) -> PayoutTerms {
        PayoutTerms {
            model,
            amount: amount.and_then(|a| a.parse().ok()),
            percent: percent.and_then(|p| p.parse().ok()),
            currency: usd(),
        }
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn fixed_payouts_ignore_the_amount() {
        let p = payout(
            &terms(PayoutModel::Cpa, Some("12.50"), None),
            Some(dec("999")),
            None,
        );
        assert_eq!((p.amount, p.currency), (dec("12.50"), usd()));
        let p = payout(&terms(PayoutModel::Cpl, Some("3"), None), None, None);
        assert_eq!(p.amount, dec("3"));
    }

    #[test]
    fn shares_round_half_even_to_the_cent() {
        let rs = terms(PayoutModel::Revshare, None, Some("10"));
        // 10% of 0.125 = 0.0125 -> 0.01 (0.0125 is below the midpoint of 0.01 and 0.02).
        assert_eq!(payout(&rs, Some(dec("0.125")), None).amount, dec("0.01"));
        assert_eq!(
            payout(&rs, Some(dec("0.35")), None).amount,
            dec("0.04"),
            "0.035 -> 0.04"
        );
        assert_eq!(
            payout(&rs, Some(dec("0.25")), None).amount,
            dec("0.02"),
            "0.025 -> 0.02"
        );
        let cps = terms(PayoutModel::Cps, None, Some("7.5"));
        assert_eq!(payout(&cps, Some(dec("100.00")), None).amount, dec("7.50"));
        assert_eq!(
            payout(&cps, Some(dec("19.99")), None).amount,
            dec("1.50"),
            "1.49925 -> 1.50"
        );
        assert_eq!(payout(&cps, None, None).amount, Decimal::ZERO);
    }

    #[test]
    fn shares_are_in_the_amounts_currency_with_its_precision() {
        let rs = terms(PayoutModel::Revshare, None, Some("10"));
        let bhd = Currency::parse("BHD").ok();
        let p = payout(&rs, Some(dec("1.2345")), bhd);
        assert_eq!(p.currency, bhd.unwrap_or_else(usd));
        assert_eq!(p.amount, dec("0.1234"), "0.12345 -> 0.1234 at 4 decimals");
        let jpy = Currency::parse("JPY").ok();
        assert_eq!(payout(&rs, Some(dec("1005")), jpy).amount, dec("100.50"));
    }

    #[test]
    fn the_window_is_inclusive() {
        let click = datetime!(2026-11-01 12:00 UTC);
        assert!(in_window(click, click, 1));
        assert!(in_window(click, datetime!(2026-11-01 13:00 UTC), 1));
        assert!(!in_window(click, datetime!(2026-11-01 13:00:00.001 UTC), 1));
        assert!(
            !in_window(click, datetime!(2026-11-01 11:59:59 UTC), 1),
            "before the click"
        );
    }

    fn cpa_terms(review_fraud: bool) -> Terms {
        Terms {
            advertiser_id: AdvertiserId(5),
            payout: terms(PayoutModel::Cpa, Some("1"), None),
            window_hours: 24,
            daily_cap: None,
            total_cap: None,
            hold: false,
            min_ctit: Duration::seconds(10),
            review_fraud,
            review_browser: false,
        }
    }

    #[test]
    fn the_fraud_step_comes_after_the_advertiser_check_and_before_the_window() {
        let click = datetime!(2026-11-01 12:00 UTC);
        let late = click + Duration::hours(48);
        let reject = cpa_terms(false);
        assert_eq!(
            screen(AdvertiserId(6), late, click, Some(&reject), true),
            Screen::AdvertiserMismatch
        );
        assert_eq!(
            screen(AdvertiserId(5), late, click, Some(&reject), true),
            Screen::Fraud
        );
        assert_eq!(
            screen(AdvertiserId(5), late, click, Some(&reject), false),
            Screen::OutOfWindow
        );
        // An offer that reviews fraud lets it contend (held for review by `assign`).
        let review = cpa_terms(true);
        assert_eq!(
            screen(
                AdvertiserId(5),
                click + Duration::hours(1),
                click,
                Some(&review),
                true
            ),
            Screen::Contends
        );
    }

    #[test]
    fn conversion_reasons_add_short_ctit_and_suspension_to_the_clicks() {
        let click = datetime!(2026-11-01 12:00 UTC);
        let min = Duration::seconds(10);
        let clean = FraudFacts::default();
        assert!(fraud_reasons(&clean, click, click + min, min).is_empty());
        assert_eq!(
            fraud_reasons(&clean, click, click + Duration::milliseconds(9_999), min),
            vec![Reason::CtitShort]
        );
        let facts = FraudFacts {
            click: vec![Reason::VpnIp],
            suspended: true,
            overruled: false,
        };
        let reasons = fraud_reasons(&facts, click, click + Duration::hours(1), min);
        assert_eq!(reasons, vec![Reason::VpnIp, Reason::SuspendedPromoter]);
        assert!(flagged(&reasons, false) && !flagged(&reasons, true));
        assert!(!flagged(&[Reason::VpnIp], false), "a signal is not a flag");
    }

    #[test]
    fn a_flagged_contender_on_a_reviewing_offer_is_held() {
        let terms = cpa_terms(true);
        let c = |n: u128, hold: bool| Contender {
            id: ConversionId(uuid::Uuid::from_u128(n)),
            ts: datetime!(2026-11-01 12:00 UTC),
            key: DuplicateKey::Txid(format!("T{n}")),
            amount: None,
            currency: None,
            status: ConversionStatus::Pending,
            payout: None,
            hold,
        };
        let placed = assign(&terms, &Before::default(), &[c(1, true), c(2, false)]);
        assert_eq!(placed[0].status, ConversionStatus::PendingReview);
        assert_eq!(placed[1].status, ConversionStatus::Approved);
        assert!(placed.iter().all(|p| p.payout.is_some()));
        assert!(review_allows(
            ConversionStatus::RejectedFraud,
            ConversionStatus::Approved
        ));
        assert!(!review_allows(
            ConversionStatus::RejectedFraud,
            ConversionStatus::Rejected
        ));
    }

    #[test]
    fn status_names_round_trip() {
        for s in ConversionStatus::ALL {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        assert!(
            ConversionStatus::Approved.claims_slot()
                && ConversionStatus::PendingReview.claims_slot()
        );
        assert!(!ConversionStatus::Duplicate.claims_slot());
    }

    #[test]
    fn source_names_round_trip_and_are_the_wire_names() {
        for s in ConversionSource::ALL {
            assert_eq!(s.as_str().parse(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).ok(),
                Some(format!("\"{}\"", s.as_str()))
            );
        }
    }

    mod properties {
        use proptest::prelude::*;
        use uuid::Uuid;

        use super::super::*;

        const T0: i64 = 1_795_000_000; // 2026-11-18, a UTC midnight give or take

        fn usd() -> Currency {
            Currency::parse("USD").unwrap_or_else(|_| unreachable!())
        }

        /// A conversion as the generator makes it: ts in minutes after T0, a small pool of
        /// txids (or none: then the key is its click and event), an amount in cents.
        #[derive(Debug, Clone)]
        struct Gen {
            n: u128,
            minute: i64,
            txid: Option<u8>,
            click: u8,
            event: u8,
            cents: i64,
        }

        fn contender(g: &Gen) -> Contender {
            let click = ClickId(Uuid::from_u128(1000 + u128::from(g.click)));
            Contender {
                id: ConversionId(Uuid::from_u128(g.n)),
                ts: OffsetDateTime::from_unix_timestamp(T0 + g.minute * 60)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                key: DuplicateKey::of(
                    g.txid.map(|t| format!("T{t}")).as_deref(),
                    click,
                    if g.event == 0 { "sale" } else { "lead" },
                ),
                amount: Some(Decimal::new(g.cents, 2)),
                currency: Some(usd()),
                status: ConversionStatus::Pending,
                payout: None,
                hold: false,
            }
        }

        fn conversions() -> impl Strategy<Value = Vec<Gen>> {
            prop::collection::vec(
                (
                    0i64..3 * 24 * 60,
                    prop::option::of(0u8..3),
                    0u8..3,
                    0u8..2,
                    0i64..100_000,
                ),
                1..14,
            )
            .prop_map(|v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (minute, txid, click, event, cents))| Gen {
                        n: i as u128 + 1,
                        // Some share a ts, so ties go by id.
                        minute: minute - minute % 7,
                        txid,
                        click,
                        event,
                        cents,
                    })
                    .collect()
            })
        }

        fn terms() -> impl Strategy<Value = Terms> {
            (
                prop::option::of(1i32..4),
                prop::option::of(1i32..6),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(daily_cap, total_cap, hold, share)| Terms {
                    advertiser_id: AdvertiserId(5),
                    payout: PayoutTerms {
                        model: if share {
                            PayoutModel::Revshare
                        } else {
                            PayoutModel::Cpa
                        },
                        amount: Some(Decimal::new(1250, 2)),
                        percent: Some(Decimal::new(75, 1)),
                        currency: usd(),
                    },
                    window_hours: 720,
                    daily_cap,
                    total_cap,
                    hold,
                    min_ctit: Duration::ZERO,
                    review_fraud: false,
                    review_browser: false,
                })
        }

        fn order(c: &Contender) -> (OffsetDateTime, ConversionId) {
            (c.ts, c.id)
        }

        /// What deciding every conversion in conversion-time order gives.
        fn reference(terms: &Terms, all: &[Contender]) -> Vec<(ConversionId, Assigned)> {
            let mut sorted = all.to_vec();
            sorted.sort_by_key(order);
            let placed = assign(terms, &Before::default(), &sorted);
            sorted.iter().map(|c| c.id).zip(placed).collect()
        }

        /// Arrival one at a time, as `db::conversions` does it: the facts before the new
        /// conversion (counted only for the caps the offer has, the day's only on its day,
        /// keys only those of the contenders), then its place and every later contender's.
        fn arrive(terms: &Terms, store: &mut Vec<Contender>, new: &Contender) {
            let competing = |c: &Contender| {
                matches!(
                    c.status,
                    ConversionStatus::Approved
                        | ConversionStatus::PendingReview
                        | ConversionStatus::Duplicate
                        | ConversionStatus::OverCap
                )
            };
            let mut contenders = vec![new.clone()];
            let mut later: Vec<Contender> = store
                .iter()
                .filter(|c| competing(c) && order(c) > order(new))
                .cloned()
                .collect();
            later.sort_by_key(order);
            contenders.extend(later);
            let earlier_holders: Vec<&Contender> = store
                .iter()
                .filter(|c| c.status.claims_slot() && order(c) < order(new))
                .collect();
            let mut before = Before::default();
            if terms.total_cap.is_some() {
                before.total = earlier_holders.len() as i64;
            }
            let day = new.ts.date();
            if terms.daily_cap.is_some() {
                let n = earlier_holders
                    .iter()
                    .filter(|c| c.ts.date() == day)
                    .count();
                before.per_day.insert(day, n as i64);
            }
            before.held = earlier_holders
                .iter()
                .map(|c| c.key.clone())
                .filter(|k| contenders.iter().any(|c| &c.key == k))
                .collect();
            let placed = assign(terms, &before, &contenders);
            store.push(new.clone());
            for (c, place) in contenders.iter().zip(placed) {
                if let Some(stored) = store.iter_mut().find(|s| s.id == c.id) {
                    stored.status = place.status;
                    stored.payout = place.payout;
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Caps and duplicates are decided in conversion-time order, whatever order the
            /// conversions arrive in.
            #[test]
            fn any_arrival_order_gives_the_time_order_result(
                terms in terms(),
                (gens, arrival) in conversions().prop_flat_map(|g| {
                    let n = g.len();
                    (Just(g), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
                }),
            ) {
                let all: Vec<Contender> = gens
                    .iter()
                    .map(|g| Contender { hold: terms.hold, ..contender(g) })
                    .collect();
                let mut store = Vec::new();
                for &i in &arrival {
                    arrive(&terms, &mut store, &all[i]);
                }
                let mut got: Vec<(ConversionId, Assigned)> = store
                    .iter()
                    .map(|c| (c.id, Assigned { status: c.status, payout: c.payout }))
                    .collect();
                got.sort_by_key(|(id, _)| *id);
                let mut want = reference(&terms, &all);
                want.sort_by_key(|(id, _)| *id);
                prop_assert_eq!(got, want);
            }

            /// No cap is ever exceeded, no key is held twice, and only slot holders are paid.
            #[test]
            fn caps_hold_and_keys_are_held_once(terms in terms(), gens in conversions()) {
                let all: Vec<Contender> = gens
                    .iter()
                    .map(|g| Contender { hold: terms.hold, ..contender(g) })
                    .collect();
                let placed = reference(&terms, &all);
                let holders: Vec<&Contender> = placed
                    .iter()
                    .filter(|(_, a)| a.status.claims_slot())
                    .filter_map(|(id, _)| all.iter().find(|c| c.id == *id))
                    .collect();
                if let Some(cap) = terms.total_cap {
                    prop_assert!(holders.len() as i64 <= i64::from(cap));
                }
                if let Some(cap) = terms.daily_cap {
                    let mut days: HashMap<Date, i64> = HashMap::new();
                    for h in &holders {
                        *days.entry(h.ts.date()).or_default() += 1;
                    }
                    prop_assert!(days.values().all(|n| *n <= i64::from(cap)));
                }
                let keys: HashSet<&DuplicateKey> = holders.iter().map(|h| &h.key).collect();
                prop_assert_eq!(keys.len(), holders.len());
                for (_, a) in &placed {
                    prop_assert_eq!(a.payout.is_some(), a.status.claims_slot());
                    prop_assert!(a.status != ConversionStatus::PendingReview || terms.hold);
                }
            }

            /// A conversion outside `[click, click + window]` never contends, one inside always
            /// does (for the offer's own advertiser).
            #[test]
            fn the_window_decides_who_contends(
                click in 0i64..1_000_000,
                delta in -100_000i64..100_000,
                hours in 1i32..48,
                other_advertiser in any::<bool>(),
            ) {
                let at = |s: i64| OffsetDateTime::from_unix_timestamp(T0 + s)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                let terms = Terms {
                    advertiser_id: AdvertiserId(5),
                    payout: PayoutTerms {
                        model: PayoutModel::Cpa,
                        amount: Some(Decimal::ONE),
                        percent: None,
                        currency: usd(),
                    },
                    window_hours: hours,
                    daily_cap: None,
                    total_cap: None,
                    hold: false,
                    min_ctit: Duration::ZERO,
                    review_fraud: false,
                    review_browser: false,
                };
                let advertiser = if other_advertiser { 6 } else { 5 };
                let got = screen(AdvertiserId(advertiser), at(click + delta), at(click), Some(&terms), false);
                let want = if other_advertiser {
                    Screen::AdvertiserMismatch
                } else if (0..=i64::from(hours) * 3600).contains(&delta) {
                    Screen::Contends
                } else {
                    Screen::OutOfWindow
                };
                prop_assert_eq!(got, want);
                prop_assert_eq!(
                    screen(AdvertiserId(5), at(click), at(click), None, false),
                    Screen::AdvertiserMismatch
                );
            }

            /// Share payouts are exact and rounded half to even at the currency's scale:
            /// checked against integer arithmetic.
            #[test]
            fn share_payouts_round_half_even_exactly(
                amount in 0i64..10_000_000_000,
                percent in 0i64..10_000,
                four in any::<bool>(),
            ) {
                // amount in ten-thousandths, percent in hundredths.
                let currency = Currency::parse(if four { "KWD" } else { "USD" })
                    .unwrap_or_else(|_| unreachable!());
                let terms = PayoutTerms {
                    model: PayoutModel::Cps,
                    amount: None,
                    percent: Some(Decimal::new(percent, 2)),
                    currency,
                };
                let got = payout(&terms, Some(Decimal::new(amount, 4)), None).amount;
                // amount * percent / 100 in units of 1e-8; round to 1e-2 (or 1e-4).
                let exact = i128::from(amount) * i128::from(percent);
                let unit: i128 = if four { 10_000 } else { 1_000_000 };
                let (q, r) = (exact / unit, exact % unit);
                let rounded = if r * 2 > unit || (r * 2 == unit && q % 2 == 1) { q + 1 } else { q };
                let want = Decimal::from_i128_with_scale(rounded, if four { 4 } else { 2 });
                prop_assert_eq!(got, want);
            }
        }
    }
}
