//! Event timestamps: unix milliseconds in memory, RFC 3339 UTC with milliseconds on the wire.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

/// An instant with millisecond precision, serialized as `2026-11-24T22:31:26.123Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The instant `millis` milliseconds after the unix epoch.
    pub const fn from_unix_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the unix epoch.
    pub const fn unix_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the unix epoch.
    pub const fn unix_seconds(self) -> u64 {
        self.0 / 1000
    }

    /// Parses RFC 3339 in UTC (`Z`), any number of fractional digits (cut to milliseconds).
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let at = humantime::parse_rfc3339(text).map_err(|_| TimestampError)?;
        let since = at.duration_since(UNIX_EPOCH).map_err(|_| TimestampError)?;
        u64::try_from(since.as_millis())
            .map(Self)
            .map_err(|_| TimestampError)
    }
}

/// The text is not an RFC 3339 UTC timestamp after 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected an RFC 3339 UTC timestamp such as 2026-11-24T22:31:26.123Z")]
pub struct TimestampError;

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = UNIX_EPOCH + Duration::from_millis(self.0);
        humantime::format_rfc3339_millis(at).fmt(f)
    }
}

crate::serde_as_text!(Timestamp);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_in_utc() {
        let ts = Timestamp::from_unix_millis(1_795_559_486_123);
        assert_eq!(ts.to_string(), "2026-11-24T22:31:26.123Z");
        assert_eq!(
            Timestamp::from_unix_millis(0).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_what_it_formats_and_other_precisions() {
        let ts = Timestamp::from_unix_millis(1_795_559_486_123);
        assert_eq!(Timestamp::parse(&ts.to_string()), Ok(ts));
        assert_eq!(
            Timestamp::parse("2026-11-24T22:31:26Z"),
            Ok(Timestamp::from_unix_millis(1_795_559_486_000))
        );
        assert_eq!(
            Timestamp::parse("2026-11-24T22:31:26.123456Z"),
            Ok(Timestamp::from_unix_millis(1_795_559_486_123))
        );
    }

    #[test]
    fn refuses_other_text() {
        for bad in ["", "yesterday", "2026-11-24", "2026-13-01T00:00:00Z"] {
            assert_eq!(Timestamp::parse(bad), Err(TimestampError), "{bad}");
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        let ts = Timestamp::from_unix_millis(1_795_559_486_123);
        let json = serde_json::to_string(&ts).expect("serializes");
        assert_eq!(json, "\"2026-11-24T22:31:26.123Z\"");
        assert_eq!(
            serde_json::from_str::<Timestamp>(&json).expect("parses"),
            ts
        );
    }
}
