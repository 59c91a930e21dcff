//! The promoter programme (DESIGN §13), its first part: points and levels.
//!
//! - [`Points`], a consumer of the domain events, writes the ledger: +20 for an approved
//!   conversion (taken back when it stops being approved), +1 per unique clean click up to
//!   100 a promoter and UTC day; every entry with its cause, unique per cause so a replayed
//!   event pays nothing; the promoters' sums with it, and `points.level_reached` when a
//!   promoter first reaches a level (`db.rs`, `consumer.rs`; the numbers are settings).
//! - `rules.rs`: the pure rules (what a change is worth, the cap, levels, progress).
//! - [`router`]: the levels, a promoter's standing and ledger, admins' adjustments, and
//!   teams (`teams/`).
//!
//! - `leaderboards/`: promoters and teams ranked by points (Redis, rebuilt from Postgres).
//! - Contests (`contests/`): made by admins and advertisers, entered by promoters and teams,
//!   live standings, frozen exactly once at the end by a tick ([`contests::tick`]).

mod consumer;
pub mod contests;
mod db;
mod http;
pub mod leaderboards;
pub mod rules;
pub mod settings;
mod teams;

pub use consumer::Points;
pub use http::router;
pub use settings::ProgrammeSettings;
