//! The rates of a stats row, without I/O: clicks, conversion rate and earnings per click.
//!
//! Clicks are counted by the currency of the offer they were on (an offer pays in its
//! `currency`). EPC in a currency is that currency's payout over the clicks on offers paying
//! in it, never over clicks on offers paying in another. A CPS/RevShare payout taken in the
//! sale's currency counts over the clicks of the offers whose currency that is; when the
//! row has none, that currency has no EPC (its payout is still in `payout`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

/// Clicks (verdict ok) by the currency of the offers they were on.
pub(crate) type ClicksByCurrency = BTreeMap<String, i64>;

/// What a row's counts come to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rates {
    /// Every counted click, whatever its offer's currency.
    pub clicks: i64,
    /// Conversions over all counted clicks, to 4 decimals (0 without clicks).
    pub cr: f64,
    /// Earnings per click by currency, to 4 decimals (half to even).
    pub epc: BTreeMap<String, Decimal>,
}

/// The rates of a row with these clicks, approved conversions and payout by currency.
pub(crate) fn rates(
    clicks: &ClicksByCurrency,
    conversions: i64,
    payout: &BTreeMap<String, Decimal>,
) -> Rates {
    let total: i64 = clicks.values().sum();
    let cr = if total > 0 {
        conversions as f64 / total as f64
    } else {
        0.0
    };
    Rates {
        clicks: total,
        cr: (cr * 10_000.0).round() / 10_000.0,
        epc: epc(payout, clicks),
    }
}

/// EPC by currency: each currency's payout over the clicks on offers paying in it; a
/// currency without such clicks has none.
pub(crate) fn epc(
    payout: &BTreeMap<String, Decimal>,
    clicks: &ClicksByCurrency,
) -> BTreeMap<String, Decimal> {
    payout
        .iter()
        .filter_map(|(currency, paid)| {
            let n = clicks.get(currency).copied().filter(|n| *n > 0)?;
            Some((currency.clone(), (paid / Decimal::from(n)).round_dp(4)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn map<V: Copy>(pairs: &[(&str, V)]) -> BTreeMap<String, V> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn each_currency_pays_over_its_own_offers_clicks() {
        let clicks = map(&[("USD", 30), ("EUR", 10)]);
        let payout = map(&[("USD", dec("60.00")), ("EUR", dec("17.50"))]);
        let r = rates(&clicks, 8, &payout);
        assert_eq!(r.clicks, 40);
        assert_eq!(r.cr, 0.2);
        assert_eq!(r.epc, map(&[("USD", dec("2")), ("EUR", dec("1.75"))]));
    }

    #[test]
    fn a_payout_in_a_currency_no_offer_pays_in_has_no_epc() {
        // A RevShare sale in GBP on a USD offer: no GBP offer had clicks.
        let clicks = map(&[("USD", 4)]);
        let payout = map(&[("USD", dec("1")), ("GBP", dec("9.99"))]);
        assert_eq!(epc(&payout, &clicks), map(&[("USD", dec("0.25"))]));
        // Zero clicks counts as none.
        let clicks = map(&[("USD", 0), ("GBP", 0)]);
        assert!(epc(&payout, &clicks).is_empty());
        assert_eq!(rates(&clicks, 0, &payout).cr, 0.0);
    }

    #[test]
    fn epc_rounds_to_four_decimals_half_to_even() {
        let clicks = map(&[("USD", 3)]);
        assert_eq!(
            epc(&map(&[("USD", dec("1"))]), &clicks)["USD"],
            dec("0.3333")
        );
        // 0.00025 / 1 -> 0.0002 (half to even), 0.00035 -> 0.0004.
        let one = map(&[("USD", 1)]);
        assert_eq!(
            epc(&map(&[("USD", dec("0.00025"))]), &one)["USD"],
            dec("0.0002")
        );
        assert_eq!(
            epc(&map(&[("USD", dec("0.00035"))]), &one)["USD"],
            dec("0.0004")
        );
    }

    const CURRENCIES: [&str; 4] = ["USD", "EUR", "KWD", "GBP"];

    fn clicks_strategy() -> impl Strategy<Value = ClicksByCurrency> {
        prop::collection::btree_map(
            prop::sample::select(&CURRENCIES[..]).prop_map(str::to_owned),
            0i64..1_000_000,
            0..4,
        )
    }

    fn payout_strategy() -> impl Strategy<Value = BTreeMap<String, Decimal>> {
        prop::collection::btree_map(
            prop::sample::select(&CURRENCIES[..]).prop_map(str::to_owned),
            (-10_000_000_000i64..10_000_000_000).prop_map(|n| Decimal::new(n, 4)),
            0..4,
        )
    }

    proptest! {
        /// EPC in a currency is its payout over its own offers' clicks only: adding clicks
        /// of offers in other currencies changes nothing; clicks stay the sum over all
        /// currencies.
        #[test]
        fn epc_never_counts_clicks_of_offers_in_other_currencies(
            clicks in clicks_strategy(),
            payout in payout_strategy(),
            others in clicks_strategy(),
            conversions in 0i64..1_000,
        ) {
            let r = rates(&clicks, conversions, &payout);
            prop_assert_eq!(r.clicks, clicks.values().sum::<i64>());
            for (currency, paid) in &payout {
                let own = clicks.get(currency).copied().unwrap_or(0);
                match r.epc.get(currency) {
                    Some(e) => {
                        prop_assert!(own > 0);
                        prop_assert_eq!(*e, (paid / Decimal::from(own)).round_dp(4));
                    }
                    None => prop_assert_eq!(own, 0),
                }
            }
            prop_assert!(r.epc.keys().all(|c| payout.contains_key(c)));

            // The same row with more clicks on offers paying in any other currency: this
            // currency's EPC does not move; clicks and CR count them all.
            for currency in payout.keys() {
                let mut more = clicks.clone();
                for (other, n) in others.iter().filter(|(c, _)| *c != currency) {
                    *more.entry(other.clone()).or_default() += n;
                }
                let r2 = rates(&more, conversions, &payout);
                prop_assert_eq!(r2.epc.get(currency), r.epc.get(currency));
                prop_assert_eq!(r2.clicks, more.values().sum::<i64>());
                if r2.clicks > 0 {
                    let cr = conversions as f64 / r2.clicks as f64;
                    prop_assert!((r2.cr - cr).abs() <= 0.00005 + 1e-12);
                }
            }
        }
    }
}
