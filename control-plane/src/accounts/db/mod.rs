//! Accounts in Postgres.

/// API keys.
pub(crate) mod api_keys;
/// The mail outbox.
pub(crate) mod outbox;
/// Refresh tokens.
pub(crate) mod refresh_tokens;
/// Single-use tokens mailed in links.
pub(crate) mod tokens;
/// Users and advertisers.
pub(crate) mod users;
