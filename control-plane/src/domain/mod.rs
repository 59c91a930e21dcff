//! Rules that need no I/O: roles and scopes, passwords, emails, API key format, the offer
//! workflow and its validation, pagination cursors. Unit-tested here.

/// API key format, generation and hashing.
pub mod api_key;
/// Attribution statuses, the window rule and payouts.
pub mod attribution;
/// Opaque pagination cursors.
pub mod cursor;
/// Email address checks.
pub mod email;
/// Offers: the status workflow and input validation.
pub mod offer;
/// Password hashing (argon2id).
pub mod password;
/// Roles and API key scopes.
pub mod role;
/// Free-text checks.
pub mod text;
