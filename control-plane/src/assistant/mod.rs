//! The assistant (DESIGN §14): what a promoter's or an advertiser's own numbers say, with no
//! model: an overview (today, 7 and 30 days with trends, level progress, the best offer),
//! offers to join ranked by fit, findings with recommendations, and tips, in English and
//! Arabic.
//!
//! - `rules.rs`: the reading of the numbers, without I/O: trends, the best offer, the fit
//!   score of suggestions, findings and tips, with their minimums and thresholds.
//! - `texts.rs`: the catalogue of texts in both languages, filled with the rules' figures.
//! - `db.rs`: the facts, from the stats rollups (live traffic only), offers, links,
//!   conversions and points.
//! - [`router`]: `GET /v1/assistant/overview`, `/suggestions`, `/analysis`, `/tips`.
//!
//! The bring-your-own-key chat is not built yet.

mod db;
mod http;
mod rules;
mod texts;

pub use http::router;
