//! Who is calling: access tokens (JWT), API keys, and the principal they resolve to.

/// Access tokens.
pub mod jwt;
/// The authenticated caller and its tenant.
pub mod principal;

pub use principal::{Credential, Principal, Tenant};
