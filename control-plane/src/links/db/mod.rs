//! Links and signing keys in Postgres.

/// Tracking links.
pub(crate) mod links;
/// Link signing keys.
pub mod signing_keys;
