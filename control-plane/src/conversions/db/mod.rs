//! Conversions and postback keys in Postgres.

/// Conversions: attribution, review, lists.
pub(crate) mod conversions;
/// Postback keys.
pub(crate) mod postback_keys;
