//! The pure parts of attribution (DESIGN §7): statuses, the window rule and payouts. The
//! order of the checks and the decisions that need other conversions (duplicates, caps) are
//! in `db::conversions::attribute`.

use std::fmt;
use std::str::FromStr;

use afftok_shared::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::offers::PayoutModel;

/// Where a conversion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversionStatus {
    /// Its click has not arrived yet.
    Pending,
    /// No click arrived within the wait.
    UnknownClick,
    /// The click's offer belongs to another advertiser than the postback key's.
    RejectedAdvertiserMismatch,
    /// Outside the offer's attribution window.
    OutOfWindow,
    /// The same txid (or the same click and event) was attributed first.
    Duplicate,
    /// The offer's cap was reached.
    OverCap,
    /// Counted and paid.
    Approved,
    /// Held for the advertiser's review.
    PendingReview,
    /// Refused by the advertiser after review.
    Rejected,
    /// Reversed by the advertiser after approval.
    Reversed,
}

impl ConversionStatus {
    /// Every status.
    pub const ALL: [ConversionStatus; 10] = [
        Self::Pending,
        Self::UnknownClick,
        Self::RejectedAdvertiserMismatch,
        Self::OutOfWindow,
        Self::Duplicate,
        Self::OverCap,
        Self::Approved,
        Self::PendingReview,
        Self::Rejected,
        Self::Reversed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::UnknownClick => "unknown_click",
            Self::RejectedAdvertiserMismatch => "rejected_advertiser_mismatch",
            Self::OutOfWindow => "out_of_window",
            Self::Duplicate => "duplicate",
            Self::OverCap => "over_cap",
            Self::Approved => "approved",
            Self::PendingReview => "pending_review",
            Self::Rejected => "rejected",
            Self::Reversed => "reversed",
        }
    }

    /// Whether it carries a payout: one that is paid, held for review, or was paid and
    /// reversed. Any other status has none, however it got there (a conversion demoted to
    /// duplicate or over_cap loses the payout it had).
    pub fn keeps_payout(self) -> bool {
        matches!(self, Self::Approved | Self::PendingReview | Self::Reversed)
    }

    /// Whether it holds a txid and a cap slot.
    pub fn claims_slot(self) -> bool {
        matches!(self, Self::Approved | Self::PendingReview)
    }
}

impl FromStr for ConversionStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

impl fmt::Display for ConversionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a conversion at `conversion` is inside `[click, click + window]` (inclusive).
pub(super) fn in_window(
    click: OffsetDateTime,
    conversion: OffsetDateTime,
    window_hours: i32,
) -> bool {
    let delta = conversion - click;
    delta >= Duration::ZERO && delta <= Duration::hours(i64::from(window_hours))
}

/// Decimals a payout in `currency` is rounded to: 2, or 4 for currencies whose minor unit
/// has more than 2 digits or that have none (BHD, KWD, XAU, …).
pub fn payout_scale(currency: &Currency) -> u32 {
    match currency.minor_units() {
        Some(units) if units <= 2 => 2,
        _ => 4,
    }
}

/// An offer's payout terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PayoutTerms {
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
pub(super) struct Payout {
    /// The amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

/// The payout of a conversion: the fixed amount for CPA and CPL; for CPS and RevShare the
/// percentage of the conversion's amount, in the amount's currency (there is no currency
/// conversion), rounded half-even. A share offer's conversion without an amount pays 0.
pub(super) fn payout(
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
}
