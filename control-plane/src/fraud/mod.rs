//! Trust and fraud (DESIGN §11): the reasons clicks and conversions are flagged for, click
//! scoring at ingest (the imported IP ranges, the flood windows, the agent check, suspended
//! promoters), the ranges themselves, promoter suspensions, insights and the admin's review.
//!
//! Scoring is called by ingest (`tracking`) and attribution (`conversions`); this feature
//! calls neither.

mod cache;
mod counts;
mod db;
mod http;
pub mod insights;
mod ranges;
pub mod rules;
mod scoring;

pub use cache::{Held, ScoringCache};
pub use counts::FloodCounts;
pub use db::ranges::{
    ImportRecord, Imported, KindSummary, import as import_ranges, list as list_ranges,
};
pub use db::suspensions::is_suspended;
pub use http::router;
pub use ranges::{
    BadLine, BadRange, ParsedRanges, PrefixTable, RangeKind, RangeSet, UnknownKind, count_families,
    parse_ranges,
};
pub use rules::{FloodLimits, Reason};
pub use scoring::{
    NewClick, Prepared, Restamped, Scored, Scoring, Windows, counts_not_kept, lock_windows,
    prepare, score_clicks, start_counting,
};
