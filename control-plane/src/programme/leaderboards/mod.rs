//! Leaderboards (DESIGN §13): promoters and teams by points, for all time, this month and
//! this ISO week (UTC), ties to whoever got there first.
//!
//! - `totals.rs`: the boards in Postgres, moved with the ledger in its transaction (the
//!   truth), recomputed from the ledger by [`rebuild`].
//! - `store.rs`: the boards in Redis sorted sets (the current periods), which the endpoints
//!   read; `sync.rs` ([`sync`]) copies changes there and rebuilds them when Redis lost them.
//! - `rules.rs`: periods, and the order written so Redis keeps it.
//! - `http.rs`: top places with cursor pagination, and the caller's place with neighbours.

mod http;
pub mod rules;
mod store;
mod sync;
pub(crate) mod totals;

pub(crate) use http::router;
pub use sync::{rebuild, sync};
