//! Visitor countries as two-character codes (ISO 3166-1 alpha-2, plus what CDNs add, such as
//! Cloudflare's `T1` for Tor).

use std::fmt;

/// A country code: two upper-case ASCII letters or digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

/// The text is not a two-character country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected a two-letter country code such as US")]
pub struct CountryError;

impl Country {
    /// Parses a code in any case (`us` → `US`).
    pub fn parse(text: &str) -> Result<Self, CountryError> {
        match text.as_bytes() {
            &[a, b] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(CountryError),
        }
    }

    /// Reads a country header set by a proxy or CDN; `XX` (Cloudflare's "unknown"), an empty
    /// or malformed value all mean unknown.
    pub fn from_header(value: &str) -> Option<Self> {
        Self::parse(value.trim())
            .ok()
            .filter(|c| c.as_str() != "XX")
    }

    /// The upper-case code.
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::serde_as_text!(Country);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_upper_cases() {
        assert_eq!(Country::parse("us").map(|c| c.to_string()), Ok("US".into()));
        assert_eq!(Country::parse("T1").map(|c| c.to_string()), Ok("T1".into()));
        for bad in ["", "U", "USA", "U$", "é1"] {
            assert_eq!(Country::parse(bad), Err(CountryError), "{bad}");
        }
    }

    #[test]
    fn header_unknowns() {
        assert_eq!(Country::from_header("XX"), None);
        assert_eq!(Country::from_header(""), None);
        assert_eq!(Country::from_header("garbage"), None);
        assert_eq!(
            Country::from_header(" de ").map(|c| c.to_string()),
            Some("DE".into())
        );
    }
}
