//! The `[programme]` settings: the contract's numbers (DESIGN §13) are their defaults.

use std::time::Duration;

use serde::Deserialize;

use crate::app::config::{ConfigError, err};
use crate::programme::rules::{Level, parse_levels};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgramme {
    points_per_conversion: i64,
    points_per_unique_click: i64,
    click_points_daily_cap: i64,
    levels: String,
    team_max_members: i64,
    points_consumer: bool,
    points_gather_ms: i64,
    contest_settle_secs: i64,
    contest_tick_ms: i64,
}

/// Points and levels, teams, contests.
#[derive(Debug, Clone)]
pub struct ProgrammeSettings {
    /// Points for an approved conversion (taken back when it stops being approved).
    pub points_per_conversion: i64,
    /// Points for a unique clean click.
    pub points_per_unique_click: i64,
    /// Click points a promoter may earn per UTC day.
    pub click_points_daily_cap: i64,
    /// Levels by lifetime points, the first at 0.
    pub levels: Vec<Level>,
    /// Members a team may have, its owner included.
    pub team_max_members: i64,
    /// Whether this control plane runs the points consumer.
    pub points_consumer: bool,
    /// How long the points consumer lets a busy stream's events gather into one round.
    pub points_gather: Duration,
    /// How long after a contest's end its standings are frozen (late postbacks still count).
    pub contest_settle: Duration,
    /// How often the contests tick starts and finishes contests.
    pub contest_tick: Duration,
}

pub(crate) fn programme(raw: RawProgramme) -> Result<ProgrammeSettings, ConfigError> {
    if !(0..=1_000_000).contains(&raw.points_per_conversion) {
        return Err(err("AFFTOK_POINTS_PER_CONVERSION", "must be 0 to 1000000"));
    }
    if !(0..=1_000_000).contains(&raw.points_per_unique_click) {
        return Err(err(
            "AFFTOK_POINTS_PER_UNIQUE_CLICK",
            "must be 0 to 1000000",
        ));
    }
    if !(0..=1_000_000_000).contains(&raw.click_points_daily_cap) {
        return Err(err(
            "AFFTOK_CLICK_POINTS_DAILY_CAP",
            "must be 0 to 1000000000",
        ));
    }
    let levels = parse_levels(&raw.levels).map_err(|why| err("AFFTOK_LEVELS", why))?;
    if !(1..=10_000).contains(&raw.team_max_members) {
        return Err(err("AFFTOK_TEAM_MAX_MEMBERS", "must be 1 to 10000"));
    }
    if !(0..=60_000).contains(&raw.points_gather_ms) {
        return Err(err("AFFTOK_POINTS_GATHER_MS", "must be 0 to 60000"));
    }
    if !(0..=86_400).contains(&raw.contest_settle_secs) {
        return Err(err("AFFTOK_CONTEST_SETTLE_SECS", "must be 0 to 86400"));
    }
    if !(100..=60_000).contains(&raw.contest_tick_ms) {
        return Err(err("AFFTOK_CONTEST_TICK_MS", "must be 100 to 60000"));
    }
    Ok(ProgrammeSettings {
        points_per_conversion: raw.points_per_conversion,
        points_per_unique_click: raw.points_per_unique_click,
        click_points_daily_cap: raw.click_points_daily_cap,
        levels,
        team_max_members: raw.team_max_members,
        points_consumer: raw.points_consumer,
        points_gather: Duration::from_millis(raw.points_gather_ms.unsigned_abs()),
        contest_settle: Duration::from_secs(raw.contest_settle_secs.unsigned_abs()),
        contest_tick: Duration::from_millis(raw.contest_tick_ms.unsigned_abs()),
    })
}
