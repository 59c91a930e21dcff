//! Stats: rollups written with the clicks and conversions they count, read by period in the
//! caller's time zone; today's live counters in Redis.

mod db;
mod http;
mod jobs;
pub mod live;
/// CR and EPC of a stats row, without I/O.
mod rules;

pub use live::LiveCounters;

pub use db::rollups::{
    ClickCounts, ClickKey, ConversionCount, FilteredKey, Rebuilt, add_clicks, add_conversions,
    add_filtered, compact, rebuild,
};
pub use http::{StatsRow, router, totals};
pub use jobs::compact_rollups;
