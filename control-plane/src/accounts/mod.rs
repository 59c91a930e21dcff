//! Accounts: users (promoters, advertisers with their company, admins), sessions (access
//! tokens and rotating refresh tokens), email verification and password resets by mail (the
//! mail outbox and the job that sends it), API keys, and the principal every request resolves
//! to. Other features call what is re-exported here.

mod db;
mod http;
/// Access tokens (JWT).
pub mod jwt;
mod mail;
mod principal;
mod rules;

pub use db::api_keys::{ApiKeyRow, authenticate as authenticate_api_key};
pub use db::users::{
    MarkedVerified, NewUser, UserRow, by_id as user_by_id, create as create_user,
    mark_verified_by_email,
};
pub use http::{public_router, require_verified_email, router};
pub use mail::{enqueue_notice, send_mail};
pub use principal::{Credential, Principal};
pub use rules::api_key;
pub use rules::password;
pub use rules::role::{Role, Scope};
