//! Money as the API reads and writes it, in one place.
//!
//! - Out: [`Money`] writes an amount with its currency's decimals ([`payout_scale`]: 2, or 4
//!   for currencies with more than 2 minor digits or none), so an offer's payout, a
//!   conversion's payout and the stats' sums of them read alike (`12.50`, `5.00`,
//!   `0.1234` KWD). Digits past that scale are written, never rounded away.
//! - In: [`DecimalText`] takes a decimal as a JSON string (`"12.50"`) or a JSON number
//!   (`12.5`) and keeps the number's own text, so nothing passes through a float: a number
//!   a float would round (`0.30000000000000004`) is refused by the decimals check instead
//!   of being silently changed.

use std::fmt;

use afftok_shared::Currency;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// Decimals a payout in `currency` is rounded to: 2, or 4 for currencies whose minor unit
/// has more than 2 digits or that have none (BHD, KWD, XAU, …).
pub fn payout_scale(currency: &Currency) -> u32 {
    match currency.minor_units() {
        Some(units) if units <= 2 => 2,
        _ => 4,
    }
}

/// Decimals written for an amount whose currency is unknown or not ISO 4217.
const DEFAULT_SCALE: u32 = 2;

/// An amount in a currency, as the API writes it: a decimal string with at least the
/// currency's decimals (`"12.50"` USD, `"100.50"` JPY, `"0.1234"` KWD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    /// The exact amount.
    amount: Decimal,
    /// The currency's decimals, from [`payout_scale`].
    scale: u32,
}

impl Money {
    /// `amount` in `currency`.
    pub fn new(amount: Decimal, currency: &Currency) -> Self {
        Self {
            amount,
            scale: payout_scale(currency),
        }
    }

    /// `amount` in the currency named `code` (2 decimals when the code is not ISO 4217).
    pub fn in_code(amount: Decimal, code: Option<&str>) -> Self {
        Self {
            amount,
            scale: code
                .and_then(|c| Currency::parse(c).ok())
                .map_or(DEFAULT_SCALE, |c| payout_scale(&c)),
        }
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = self.amount.normalize();
        if d.scale() < self.scale {
            // Adding zeros only: never rounds.
            d.rescale(self.scale);
        }
        fmt::Display::fmt(&d, f)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Both are decimal strings in the API description (a request may also send a number).
fn decimal_string_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9]+(\\.[0-9]+)?$"))
        .examples(["12.50"])
        .into()
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        decimal_string_schema()
    }
}

impl ToSchema for Money {}

impl PartialSchema for DecimalText {
    fn schema() -> RefOr<Schema> {
        decimal_string_schema()
    }
}

impl ToSchema for DecimalText {}

/// A decimal as a request gives it: a JSON string (`"12.50"`) or a JSON number (`12.5`),
/// kept as the text it was written with until [`DecimalText::parse`] checks it, so that a bad
/// value is reported with the request's other fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalText(String);

/// Why a decimal was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    /// Not digits with an optional point and decimals (exponents, commas, spaces, signs…).
    Format,
    /// More decimals than allowed.
    TooManyDecimals,
}

impl DecimalText {
    /// Checks the text: digits, an optional point followed by at most `max_scale` decimals;
    /// no sign, exponent, comma or space. A JSON number is checked as written, so `1e3` and
    /// `0.30000000000000004` (more decimals than any amount has) are refused, not rounded.
    pub fn parse(&self, max_scale: u32) -> Result<Decimal, DecimalError> {
        let text = self.0.as_str();
        let (int, frac) = match text.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.is_some_and(|f| !digits(f)) {
            return Err(DecimalError::Format);
        }
        if frac.map_or(0, str::len) > max_scale as usize {
            return Err(DecimalError::TooManyDecimals);
        }
        // Over 28 significant digits does not fit: callers bound amounts far below that.
        Decimal::from_str_exact(text).map_err(|_| DecimalError::Format)
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for DecimalText {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl From<Decimal> for DecimalText {
    fn from(d: Decimal) -> Self {
        Self(d.normalize().to_string())
    }
}

/// What a decimal field that is neither a string nor a number is told.
pub const DECIMAL_EXPECTED: &str = "must be a decimal, as a string such as \"12.50\" or a number";

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The raw JSON text of the value: a number's digits exactly as sent.
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let raw = raw.get().trim();
        if raw.starts_with('"') {
            let text: String = serde_json::from_str(raw).map_err(D::Error::custom)?;
            Ok(Self(text))
        } else if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(D::Error::custom(DECIMAL_EXPECTED))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn money_is_written_with_the_currencys_decimals() {
        let usd = currency("USD");
        assert_eq!(Money::new(dec("12.5000"), &usd).to_string(), "12.50");
        assert_eq!(Money::new(dec("5"), &usd).to_string(), "5.00");
        assert_eq!(Money::new(dec("0"), &usd).to_string(), "0.00");
        assert_eq!(Money::new(dec("1020.7050"), &usd).to_string(), "1020.705");
        assert_eq!(
            Money::new(dec("100.5"), &currency("JPY")).to_string(),
            "100.50"
        );
        assert_eq!(
            Money::new(dec("0.1"), &currency("KWD")).to_string(),
            "0.1000"
        );
        assert_eq!(Money::in_code(dec("7"), Some("EUR")).to_string(), "7.00");
        assert_eq!(Money::in_code(dec("7"), None).to_string(), "7.00");
        assert_eq!(
            Money::new(dec("3000000000000000"), &usd).to_string(),
            "3000000000000000.00"
        );
        assert_eq!(
            serde_json::to_string(&Money::new(dec("2.5"), &usd)).ok(),
            Some("\"2.50\"".to_owned())
        );
    }

    fn read(json: &str) -> Result<DecimalText, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn decimals_come_as_strings_or_exact_numbers() {
        for (json, text) in [
            (r#""12.50""#, "12.50"),
            ("12.50", "12.50"),
            ("12.5", "12.5"),
            ("7", "7"),
            ("0.30000000000000004", "0.30000000000000004"),
        ] {
            assert_eq!(read(json).map(|d| d.0), Ok(text.to_owned()), "{json}");
        }
        for bad in ["true", "null", "[1]", "{}"] {
            assert!(read(bad).is_err(), "{bad}");
        }
        // Inside a struct read by serde_json, the number's own text arrives.
        #[derive(Deserialize)]
        struct Body {
            a: DecimalText,
        }
        let body: Result<Body, _> = serde_json::from_str(r#"{"a": 0.1000000000000000000001}"#);
        assert_eq!(
            body.map(|b| b.a.0).ok().as_deref(),
            Some("0.1000000000000000000001")
        );
    }

    #[test]
    fn decimals_are_checked_as_written() {
        let parse = |s: &str| DecimalText::from(s).parse(2);
        assert_eq!(parse("12.50"), Ok(dec("12.50")));
        assert_eq!(parse("12.5"), Ok(dec("12.5")));
        assert_eq!(
            parse("0.30000000000000004"),
            Err(DecimalError::TooManyDecimals)
        );
        assert_eq!(parse("12.345"), Err(DecimalError::TooManyDecimals));
        for bad in [
            "", ".", "1.", ".5", "-1", "+1", "1e3", "1E3", "1,5", " 1", "0x10",
        ] {
            assert_eq!(parse(bad), Err(DecimalError::Format), "{bad:?}");
        }
        assert_eq!(
            DecimalText::from(dec("12.5000")).as_str(),
            "12.5",
            "a stored figure is given back as its shortest text"
        );
    }
}
