//! Postgres access, one file per aggregate. Queries that read tenant data take a
//! [`crate::auth::Tenant`] and apply it in SQL through one helper per aggregate, so a
//! forgotten filter is hard to write.

/// API keys.
pub mod api_keys;
/// Clicks: lists.
pub mod clicks;
/// Conversions: attribution, review, lists.
pub mod conversions;
/// Tracking links.
pub mod links;
/// Offers and their history.
pub mod offers;
/// Postback keys.
pub mod postback_keys;
/// Refresh tokens.
pub mod refresh_tokens;
/// Writing the stats rollups (by dimension and by scope) and rebuilding them.
pub mod rollups;
/// Link signing keys.
pub mod signing_keys;
/// Stats from the rollups.
pub mod stats;
/// Users and advertisers.
pub mod users;

/// The migrations in `migrations/`, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
