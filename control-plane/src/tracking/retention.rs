//! What is kept of visitors, and for how long (the README's Privacy section).
//!
//! - Visitor IPs on clicks and conversions are kept whole for `ip_days` (default 30: fraud
//!   scoring, insights and disputes need them), then cut to their network: IPv4 to the /24,
//!   IPv6 to the /48 (`203.0.113.0/24`), which is what the fraud insights group by anyway.
//! - Raw clicks are kept `raw_months` whole UTC months before the current one (default 13:
//!   a year of comparisons and a month of disputes), then their monthly partition is dropped,
//!   with what the default partition holds of that time and the daily unique-visitor marks.
//!   The rollups the stats read are not touched: every figure stays what it was.
//!
//! `afftok retention run [--dry-run]` does it (or says what it would do) by hand; the service
//! does it every hour (the first time 5 minutes after it starts). Both are idempotent: a cut IP is not cut again, a dropped partition is
//! gone.

use serde::Deserialize;
use sqlx::PgPool;
use time::{Date, Duration, Month, OffsetDateTime};

use crate::app::config::{ConfigError, err};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetention {
    ip_days: u32,
    raw_months: u32,
}

/// How long visitor data is kept whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Days visitor IPs are kept whole.
    pub ip_days: u32,
    /// Whole months of raw clicks kept before the current month.
    pub raw_months: u32,
}

pub(crate) fn retention(raw: RawRetention) -> Result<RetentionSettings, ConfigError> {
    if !(1..=3650).contains(&raw.ip_days) {
        return Err(err("AFFTOK_IP_RETENTION_DAYS", "must be 1 to 3650"));
    }
    if !(1..=120).contains(&raw.raw_months) {
        return Err(err("AFFTOK_RAW_RETENTION_MONTHS", "must be 1 to 120"));
    }
    Ok(RetentionSettings {
        ip_days: raw.ip_days,
        raw_months: raw.raw_months,
    })
}

/// Rows cut per statement, so a first run over a large table never holds a long lock.
const CHUNK: i64 = 10_000;

/// What a run did (or, dry, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Before this instant, IPs are cut.
    pub ip_cutoff: Option<OffsetDateTime>,
    /// Before this UTC day (the first of a month), raw clicks go.
    pub raw_cutoff: Option<Date>,
    /// Clicks whose IP was cut.
    pub click_ips: u64,
    /// Conversions whose IP was cut.
    pub conversion_ips: u64,
    /// Monthly click partitions dropped.
    pub partitions: Vec<String>,
    /// Clicks of those months held by the default partition, deleted.
    pub stray_clicks: u64,
    /// Daily unique-visitor marks of those months, deleted.
    pub unique_marks: u64,
}

/// The first day of the month `months` whole months before `today`'s.
pub fn raw_cutoff(today: Date, months: u32) -> Date {
    let index = today.year() * 12 + i32::from(u8::from(today.month())) - 1 - months as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u8 + 1);
    Date::from_calendar_date(year, Month::try_from(month).unwrap_or(Month::January), 1)
        .unwrap_or(today)
}

/// The month a partition named `clicks_yYYYYmMM` holds, and the first day of the next.
pub fn partition_month(name: &str) -> Option<(Date, Date)> {
    let rest = name.strip_prefix("clicks_y")?;
    let (year, month) = rest.split_once('m')?;
    let (year, month): (i32, u8) = (year.parse().ok()?, month.parse().ok()?);
    let start = Date::from_calendar_date(year, Month::try_from(month).ok()?, 1).ok()?;
    let (next_year, next_month) = if month == 12 {
        (year + 1, Month::January)
    } else {
        (year, start.month().next())
    };
    let next = Date::from_calendar_date(next_year, next_month, 1).ok()?;
    Some((start, next))
}

/// Whether `ip` is whole (longer than its cut).
const WHOLE: &str = "ip IS NOT NULL AND masklen(ip) > CASE WHEN family(ip) = 4 THEN 24 ELSE 48 END";

/// Cuts (or, dry, counts) the whole IPs of `table` before `cutoff`, a chunk at a time.
async fn cut_ips(
    db: &PgPool,
    table: &str,
    key: &str,
    cutoff: OffsetDateTime,
    dry_run: bool,
) -> sqlx::Result<u64> {
    if dry_run {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE ts < $1 AND {WHOLE}"
        ))
        .bind(cutoff)
        .fetch_one(db)
        .await?;
        return Ok(n as u64);
    }
    let mut total = 0;
    loop {
        // Table, key and expressions are constants of this file; only values are bound.
        let done = sqlx::query(&format!(
            "WITH picked AS (SELECT {key} FROM {table} WHERE ts < $1 AND {WHOLE} LIMIT $2)
             UPDATE {table} t SET ip = network(set_masklen(t.ip, CASE WHEN family(t.ip) = 4 THEN 24 ELSE 48 END))::inet
             FROM picked p WHERE ({}) = ({})",
            key.split(", ").map(|k| format!("t.{k}")).collect::<Vec<_>>().join(", "),
            key.split(", ").map(|k| format!("p.{k}")).collect::<Vec<_>>().join(", "),
        ))
        .bind(cutoff)
        .bind(CHUNK)
        .execute(db)
        .await?
        .rows_affected();
        total += done;
        if done < CHUNK as u64 {
            return Ok(total);
        }
    }
}

/// Applies the retention at `now` (or, with `dry_run`, only counts what would go).
pub async fn run(
    db: &PgPool,
    settings: RetentionSettings,
    now: OffsetDateTime,
    dry_run: bool,
) -> sqlx::Result<Report> {
    let ip_cutoff = now - Duration::days(i64::from(settings.ip_days));
    let raw_cutoff = raw_cutoff(now.date(), settings.raw_months);
    let mut report = Report {
        ip_cutoff: Some(ip_cutoff),
        raw_cutoff: Some(raw_cutoff),
        ..Report::default()
    };
    report.click_ips = cut_ips(db, "clicks", "id, ts", ip_cutoff, dry_run).await?;
    report.conversion_ips = cut_ips(db, "conversions", "id", ip_cutoff, dry_run).await?;

    let partitions: Vec<String> = sqlx::query_scalar!(
        r#"SELECT c.relname::text AS "name!" FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'clicks'::regclass ORDER BY 1"#
    )
    .fetch_all(db)
    .await?;
    let old: Vec<String> = partitions
        .into_iter()
        .filter(|name| partition_month(name).is_some_and(|(_, end)| end <= raw_cutoff))
        .collect();
    let raw_cutoff_ts = raw_cutoff.midnight().assume_utc();
    if dry_run {
        report.stray_clicks = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM clicks_default WHERE ts < $1"#,
            raw_cutoff_ts
        )
        .fetch_one(db)
        .await? as u64;
        report.unique_marks = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM click_uniques WHERE day < $1"#,
            raw_cutoff
        )
        .fetch_one(db)
        .await? as u64;
        report.partitions = old;
        return Ok(report);
    }
    for name in &old {
        // The name came from the catalogue and matched clicks_yYYYYmMM: digits only.
        sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
            .execute(db)
            .await?;
        tracing::info!(partition = %name, "raw clicks past their retention dropped");
    }
    report.partitions = old;
    report.stray_clicks = sqlx::query!("DELETE FROM clicks_default WHERE ts < $1", raw_cutoff_ts)
        .execute(db)
        .await?
        .rows_affected();
    report.unique_marks = sqlx::query!("DELETE FROM click_uniques WHERE day < $1", raw_cutoff)
        .execute(db)
        .await?
        .rows_affected();
    Ok(report)
}

/// The service's retention job: every hour, the first 5 minutes after the start (a
/// restart loop does not turn into a retention loop).
pub async fn maintain(state: crate::app::AppState, mut stop: crate::app::jobs::Stop) {
    if stop.after(std::time::Duration::from_secs(300)).await {
        return;
    }
    loop {
        let settings = state.settings.retention;
        match run(&state.db, settings, OffsetDateTime::now_utc(), false).await {
            Ok(r)
                if r.click_ips + r.conversion_ips + r.stray_clicks > 0
                    || !r.partitions.is_empty() =>
            {
                tracing::info!(
                    click_ips = r.click_ips,
                    conversion_ips = r.conversion_ips,
                    partitions = r.partitions.len(),
                    stray_clicks = r.stray_clicks,
                    "retention applied"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention run failed"),
        }
        if stop.after(std::time::Duration::from_secs(3600)).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_raw_cutoff_is_whole_months_back() {
        assert_eq!(raw_cutoff(date!(2026 - 12 - 06), 13), date!(2025 - 11 - 01));
        assert_eq!(raw_cutoff(date!(2026 - 01 - 31), 1), date!(2025 - 12 - 01));
        assert_eq!(raw_cutoff(date!(2026 - 03 - 01), 0), date!(2026 - 03 - 01));
        assert_eq!(raw_cutoff(date!(2026 - 03 - 15), 26), date!(2024 - 01 - 01));
    }

    #[test]
    fn partition_names_give_their_month() {
        assert_eq!(
            partition_month("clicks_y2025m10"),
            Some((date!(2025 - 10 - 01), date!(2025 - 11 - 01)))
        );
        assert_eq!(
            partition_month("clicks_y2025m12"),
            Some((date!(2025 - 12 - 01), date!(2026 - 01 - 01)))
        );
        for other in [
            "clicks_default",
            "clicks_y2025m13",
            "clicks_y2025",
            "offers",
        ] {
            assert_eq!(partition_month(other), None, "{other}");
        }
    }

    #[test]
    fn settings_are_bounded() {
        let raw = |ip_days, raw_months| RawRetention {
            ip_days,
            raw_months,
        };
        assert!(retention(raw(30, 13)).is_ok());
        assert_eq!(
            retention(raw(0, 13)).err().map(|e| e.setting),
            Some("AFFTOK_IP_RETENTION_DAYS".to_owned())
        );
        assert_eq!(
            retention(raw(30, 0)).err().map(|e| e.setting),
            Some("AFFTOK_RAW_RETENTION_MONTHS".to_owned())
        );
    }
}
