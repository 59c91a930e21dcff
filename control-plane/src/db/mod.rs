//! Postgres access, one file per aggregate. Queries that read tenant data take a
//! [`crate::auth::Tenant`] and apply it in SQL through one helper per aggregate, so a
//! forgotten filter is hard to write.

/// API keys.
pub mod api_keys;
/// Tracking links.
pub mod links;
/// Offers and their history.
pub mod offers;
/// Refresh tokens.
pub mod refresh_tokens;
/// Link signing keys.
pub mod signing_keys;
/// Users and advertisers.
pub mod users;

/// The migrations in `migrations/`, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
