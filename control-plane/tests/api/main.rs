//! The control plane over HTTP: every test gets its own Postgres database, its own Redis key
//! prefix and a server on a free port (`helpers::spawn_app`).

mod helpers;

mod api_keys;
mod auth;
mod cli;
mod errors;
mod hardening;
mod health;
mod marketplace;
mod offers;
mod rate_limits;
