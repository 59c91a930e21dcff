//! Stats in Postgres.

/// Writing the rollups (by dimension and by scope) and rebuilding them.
pub(crate) mod rollups;
/// Stats from the rollups.
pub(crate) mod stats;
