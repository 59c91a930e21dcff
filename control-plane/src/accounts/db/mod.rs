//! Accounts in Postgres.

/// API keys.
pub(crate) mod api_keys;
/// Refresh tokens.
pub(crate) mod refresh_tokens;
/// Users and advertisers.
pub(crate) mod users;
