//! Account rules without I/O.

/// API key format, generation and hashing.
pub mod api_key;
/// Mailed tokens, the mails' texts, the pause between sending attempts.
pub(crate) mod mail;
/// Password hashing (argon2id).
pub mod password;
/// Roles and API key scopes.
pub(super) mod role;
