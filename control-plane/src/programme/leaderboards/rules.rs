//! The pure part of the leaderboards: boards, periods and their keys, and the order of a
//! board written so that Redis keeps it: points first, then whoever got there first.
//!
//! A Redis sorted set orders equal scores by member, byte by byte. The score is the points;
//! the member is the time the points last changed and the subject id, both counted down
//! from a maximum and zero-padded, so that the reverse order (`ZREVRANGE`) puts the earlier
//! time, then the lower id, first: the same order Postgres gives with
//! `points DESC, reached_at, subject_id`.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, Time, Weekday};
use utoipa::ToSchema;

/// Who is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Board {
    /// Promoters by their points.
    Promoters,
    /// Teams by what their members earned while members.
    Teams,
}

impl Board {
    /// Both boards.
    pub const ALL: [Board; 2] = [Board::Promoters, Board::Teams];

    /// The board a `board` column names.
    pub fn from_column(s: &str) -> Option<Board> {
        Board::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The wire value (and the `board` column).
    pub fn as_str(self) -> &'static str {
        match self {
            Board::Promoters => "promoters",
            Board::Teams => "teams",
        }
    }
}

/// Which points count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Every point ever.
    #[default]
    All,
    /// This calendar month (UTC).
    Month,
    /// This ISO week (UTC, Monday to Sunday).
    Week,
}

impl Period {
    /// Every period.
    pub const ALL: [Period; 3] = [Period::All, Period::Month, Period::Week];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::All => "all",
            Period::Month => "month",
            Period::Week => "week",
        }
    }

    /// The key of the period holding `at` (the `period` column): `all`, `month:2026-12`,
    /// `week:2026-W49` (ISO week-numbering year).
    pub fn key_at(self, at: OffsetDateTime) -> String {
        let at = at.to_offset(time::UtcOffset::UTC);
        match self {
            Period::All => "all".to_owned(),
            Period::Month => format!("month:{:04}-{:02}", at.year(), u8::from(at.month())),
            Period::Week => {
                let (year, week, _) = at.date().to_iso_week_date();
                format!("week:{year:04}-W{week:02}")
            }
        }
    }

    /// When the period holding `at` ends (none for `all`).
    pub fn end_after(self, at: OffsetDateTime) -> Option<OffsetDateTime> {
        let date = at.to_offset(time::UtcOffset::UTC).date();
        let next = match self {
            Period::All => return None,
            Period::Month => {
                let (year, month) = match date.month() {
                    Month::December => (date.year() + 1, Month::January),
                    m => (date.year(), m.next()),
                };
                Date::from_calendar_date(year, month, 1).ok()?
            }
            Period::Week => {
                let days = 7 - i64::from(date.weekday().number_days_from_monday());
                date.checked_add(time::Duration::days(days))?
            }
        };
        debug_assert!(next.weekday() == Weekday::Monday || self == Period::Month);
        Some(next.with_time(Time::MIDNIGHT).assume_utc())
    }
}

/// The largest time a member holds, in milliseconds since 1970 (the year 2286).
const LAST_MS: i64 = 9_999_999_999_999;

/// The sorted-set member of `subject` whose points last changed at `reached_at`.
pub fn member(subject: i64, reached_at: OffsetDateTime) -> String {
    let ms = i64::try_from(reached_at.unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(0)
        .clamp(0, LAST_MS);
    format!("{:013}{:019}", LAST_MS - ms, i64::MAX - subject.max(0))
}

/// The subject and time a [`member`] holds.
pub fn parse_member(member: &str) -> Option<(i64, OffsetDateTime)> {
    if member.len() != 32 || !member.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ms = LAST_MS - member[..13].parse::<i64>().ok()?;
    let subject = i64::MAX - member[13..].parse::<i64>().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    Some((subject, at))
}

/// A points total as a sorted-set score (exact: points stay far below 2^53).
pub fn score(points: i64) -> f64 {
    points as f64
}

/// Points from a sorted-set score.
pub fn points_of(score: f64) -> i64 {
    score.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn period_keys_are_utc_calendar_months_and_iso_weeks() {
        let at = datetime!(2026-12-05 23:59:59.999 UTC);
        assert_eq!(Period::All.key_at(at), "all");
        assert_eq!(Period::Month.key_at(at), "month:2026-12");
        assert_eq!(Period::Week.key_at(at), "week:2026-W49");
        // 1 January 2027 is a Friday of 2026's 53rd ISO week.
        let new_year = datetime!(2027-01-01 00:00 UTC);
        assert_eq!(Period::Week.key_at(new_year), "week:2026-W53");
        assert_eq!(Period::Month.key_at(new_year), "month:2027-01");
        // Another offset is the same instant, in UTC.
        let tokyo = datetime!(2027-01-01 08:00 +09:00);
        assert_eq!(Period::Month.key_at(tokyo), "month:2026-12");
    }

    #[test]
    fn periods_end_at_the_next_utc_midnight_of_a_month_or_monday() {
        let at = datetime!(2026-12-05 12:00 UTC); // a Saturday
        assert_eq!(Period::All.end_after(at), None);
        assert_eq!(
            Period::Month.end_after(at),
            Some(datetime!(2027-01-01 00:00 UTC))
        );
        assert_eq!(
            Period::Week.end_after(at),
            Some(datetime!(2026-12-07 00:00 UTC))
        );
        let monday = datetime!(2026-12-07 00:00 UTC);
        assert_eq!(
            Period::Week.end_after(monday),
            Some(datetime!(2026-12-14 00:00 UTC))
        );
    }

    #[test]
    fn members_order_like_postgres_earlier_then_lower_id_first() {
        let t = datetime!(2026-12-05 10:00:00.123 UTC);
        let later = t + time::Duration::milliseconds(1);
        // Descending member order = the board's order among equal points.
        let mut members = [
            member(7, later),
            member(9, t),
            member(3, t),
            member(1, later),
        ];
        members.sort_unstable_by(|a, b| b.cmp(a));
        let order: Vec<i64> = members
            .iter()
            .map(|m| parse_member(m).expect("ours").0)
            .collect();
        assert_eq!(order, vec![3, 9, 1, 7]);
    }

    #[test]
    fn members_round_trip_to_the_millisecond() {
        let t = datetime!(2026-12-05 10:00:00.123456 UTC);
        let (id, at) = parse_member(&member(42, t)).expect("ours");
        assert_eq!(id, 42);
        assert_eq!(at, datetime!(2026-12-05 10:00:00.123 UTC));
        assert_eq!(parse_member("garbage"), None);
        assert_eq!(parse_member(&"x".repeat(32)), None);
    }

    #[test]
    fn scores_are_exact_for_any_plausible_total() {
        for p in [0, 1, -20, 50_000, 9_007_199_254_740_000] {
            assert_eq!(points_of(score(p)), p);
        }
    }
}
