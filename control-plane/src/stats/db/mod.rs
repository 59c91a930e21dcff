//! Stats in Postgres.

/// Filtered traffic by reason.
pub(crate) mod filtered;
/// Writing the rollups (by dimension and by scope) and rebuilding them.
pub(crate) mod rollups;
/// Stats from the rollups.
pub(crate) mod stats;
