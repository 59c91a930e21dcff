//! The AffTok control plane: the API service and the `afftok` CLI.
//!
//! # Layout
//!
//! The crate is laid out by feature. Each feature is a folder whose `mod.rs` says what the
//! other features may call; its `http` (routes), `db` (Postgres) and `rules` (decisions
//! without I/O) modules are private to it, so the compiler keeps one feature out of
//! another's queries and handlers.
//!
//! - [`app`]: settings, logging, start-up and the shared state, the background jobs under
//!   one stop signal, the `afftok` command line.
//! - [`kernel`]: what every feature shares: the error type and its problem documents, the
//!   tenant, pagination cursors, text checks, money, shared wire values, encryption at rest.
//! - [`http`]: router assembly, OpenAPI, middleware (request ids, metrics, rate limits,
//!   error logging) and the extractors (auth, JSON, client IP) every feature's routes use.
//! - [`events`]: domain events, written in the transaction that makes a change and handed
//!   after commit to consumers that keep their own position.
//! - the features: [`accounts`], [`offers`], [`links`], [`tracking`] (ingest),
//!   [`conversions`] (attribution), [`stats`], [`edge_push`].

/// Users, sessions, API keys and the principal of a request.
pub mod accounts;
/// Running the service: settings, start-up, jobs, the CLI.
pub mod app;
/// Conversions: attribution, review, reversal; postback keys.
pub mod conversions;
/// Pushing keys, offer routes and postback keys to the edges' KV.
pub mod edge_push;
/// Domain events and their dispatcher.
pub mod events;
/// Router, OpenAPI, middleware and extractors.
pub mod http;
/// Shared building blocks: errors, tenant, pagination, text.
pub mod kernel;
/// Tracking links and their signing keys.
pub mod links;
/// Offers, their review and the marketplace.
pub mod offers;
/// Stats rollups and live counters.
pub mod stats;
/// Events from the edges: ingest, the stream consumer, the click log.
pub mod tracking;
