//! Pagination and query values shared by every list: id-keyed and time-keyed cursors (one
//! opaque scheme, `kernel::cursor`), page sizes, and RFC 3339 instants.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::kernel::ApiError;
use crate::kernel::cursor::{self, AfterId};

/// Parses an RFC 3339 instant from a query value.
pub fn instant(field: &str, value: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    value
        .map(|v| {
            OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .ok()
                .and_then(in_range)
                .ok_or_else(|| {
                    ApiError::field(
                        field,
                        "must be an RFC 3339 instant between 1970 and 9000, such as 2026-11-24T00:00:00Z",
                    )
                })
        })
        .transpose()
}

/// `t` in UTC when it lies between the years 1970 and 9000 (what Postgres and the time
/// crate both represent with room to spare for ranges around it).
pub fn in_range(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(time::UtcOffset::UTC)
        .filter(|t| (1970..=9000).contains(&t.year()))
}

/// A position in a list ordered by (time, id), newest first.
#[derive(Serialize, Deserialize)]
struct TimePosition {
    #[serde(with = "time::serde::rfc3339")]
    ts: OffsetDateTime,
    id: Uuid,
}

/// Reads a `cursor` given out by [`next_time_cursor`].
pub fn time_cursor(cursor: Option<&str>) -> Result<Option<(OffsetDateTime, Uuid)>, ApiError> {
    cursor
        .map(|c| {
            cursor::decode::<TimePosition>(c)
                .and_then(|p| Some((in_range(p.ts)?, p.id)))
                .ok_or_else(|| ApiError::field("cursor", "is not a cursor this API gave out"))
        })
        .transpose()
}

/// The cursor of the page after one that ended at `last` with `len` rows of `limit`.
pub fn next_time_cursor(
    last: Option<(OffsetDateTime, Uuid)>,
    len: usize,
    limit: i64,
) -> Option<String> {
    if len as i64 != limit {
        return None;
    }
    last.map(|(ts, id)| cursor::encode(&TimePosition { ts, id }))
}

/// The page size: 1–200 for JSON, up to 10000 for CSV.
pub fn page_limit(limit: Option<u32>, csv: bool) -> Result<i64, ApiError> {
    let max = if csv { 10_000 } else { cursor::MAX_LIMIT };
    match limit {
        None => Ok(i64::from(cursor::DEFAULT_LIMIT)),
        Some(n) if (1..=max).contains(&n) => Ok(i64::from(n)),
        Some(_) => Err(ApiError::field("limit", format!("must be 1 to {max}"))),
    }
}

/// Reads an id-keyed `cursor` and a page size.
pub fn page_params(
    cursor_text: Option<&str>,
    limit: Option<u32>,
) -> Result<(Option<i64>, u32), ApiError> {
    let limit = cursor::limit(limit).map_err(|why| ApiError::field("limit", why))?;
    let after = match cursor_text {
        None => None,
        Some(c) => Some(
            cursor::decode::<AfterId>(c)
                .ok_or_else(|| ApiError::field("cursor", "is not a cursor this API gave out"))?
                .id,
        ),
    };
    Ok((after, limit))
}

/// The id-keyed cursor of the page after `rows`, when the page was full.
pub fn next_cursor<T>(rows: &[T], limit: u32, id: impl Fn(&T) -> i64) -> Option<String> {
    (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| cursor::encode(&AfterId { id: id(r) })))
        .flatten()
}
