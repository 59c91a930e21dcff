//! Contests (DESIGN §13): admins make platform-wide ones, advertisers ones on their own
//! offers; a window, a metric (approved conversions, points, unique clean clicks, or payout
//! in one currency), individual or team, optional offers, prizes by rank.
//!
//! draft → scheduled (published) → running (from its start) → finished (its end plus the
//! settle time passed), or cancelled from any but finished. Promoters (or their teams' owners)
//! enter while it is scheduled or running. Standings are computed live from Postgres
//! (`db.rs`), ranked by the pure rules (`rules.rs`: ties go to whoever reached the score
//! first); the tick (`freeze.rs`) freezes them into `contest_results` exactly once, with
//! `contest.finished`, even with several control planes.

mod db;
mod freeze;
pub(super) mod http;
pub mod rules;

pub use freeze::{finish, tick, tick_once};
