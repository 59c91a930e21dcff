//! Conversion amounts and currencies, kept exact: an amount is the decimal text it arrived as,
//! never a float.

use std::fmt;

/// Most digits before the decimal point: an amount below 10^15 fits any sane column.
pub const MAX_INTEGER_DIGITS: usize = 15;
/// Most digits after the decimal point.
pub const MAX_FRACTION_DIGITS: usize = 4;

/// A non-negative decimal amount matching `^[0-9]+(\.[0-9]{1,4})?$`, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Amount(String);

/// Why an amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not digits with an optional point and 1 to 4 decimals (signs, exponents, commas…).
    #[error(
        "amount must be digits with an optional point and 1 to {MAX_FRACTION_DIGITS} decimals, such as 12.50"
    )]
    Format,
    /// Too many digits before the point.
    #[error("amount must be below 10^{MAX_INTEGER_DIGITS}")]
    TooLarge,
}

impl Amount {
    /// Checks `text` and keeps it as written.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        let (int, frac) = match text.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) {
            return Err(AmountError::Format);
        }
        if let Some(frac) = frac
            && (!digits(frac) || frac.len() > MAX_FRACTION_DIGITS)
        {
            return Err(AmountError::Format);
        }
        if int.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
            return Err(AmountError::TooLarge);
        }
        Ok(Self(text.to_owned()))
    }

    /// The amount as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::serde_as_text!(Amount);

/// An ISO 4217 currency code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

/// The text is not an ISO 4217 currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("currency must be an ISO 4217 code such as USD")]
pub struct CurrencyError;

impl Currency {
    /// Parses a three-letter code in any case (`eur` → `EUR`).
    pub fn parse(text: &str) -> Result<Self, CurrencyError> {
        let bytes = text.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CurrencyError);
        }
        let upper = text.to_ascii_uppercase();
        iso_currency::Currency::from_code(&upper)
            .map(Self)
            .ok_or(CurrencyError)
    }

    /// The upper-case code.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point in the currency's minor unit (2 for USD, 0 for JPY,
    /// 3 for BHD); `None` for codes without one, such as XAU.
    pub fn minor_units(&self) -> Option<u16> {
        self.0.exponent()
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

crate::serde_as_text!(Currency);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_that_match_the_contract() {
        for good in [
            "0",
            "12",
            "12.5",
            "12.50",
            "0.0001",
            "007.1234",
            "999999999999999.9999",
        ] {
            assert_eq!(
                Amount::parse(good).map(|a| a.to_string()),
                Ok(good.to_owned())
            );
        }
    }

    #[test]
    fn amounts_refused() {
        for bad in [
            "", ".", "1.", ".5", "-1", "+1", "1e3", "1,5", "1.23456", " 1", "1 ", "0x10", "١٢",
        ] {
            assert_eq!(Amount::parse(bad), Err(AmountError::Format), "{bad:?}");
        }
        assert_eq!(
            Amount::parse("1000000000000000"),
            Err(AmountError::TooLarge)
        );
        // Leading zeros do not count toward the size.
        assert!(Amount::parse("000999999999999999").is_ok());
    }

    #[test]
    fn currencies() {
        assert_eq!(Currency::parse("usd").map(|c| c.code()), Ok("USD"));
        assert_eq!(Currency::parse("EuR").map(|c| c.code()), Ok("EUR"));
        assert_eq!(Currency::parse("JPY").map(|c| c.minor_units()), Ok(Some(0)));
        assert_eq!(Currency::parse("BHD").map(|c| c.minor_units()), Ok(Some(3)));
        for bad in ["", "US", "USDT", "ZZZ", "U1D", "€€€"] {
            assert_eq!(Currency::parse(bad), Err(CurrencyError), "{bad:?}");
        }
    }
}
