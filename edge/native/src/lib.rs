//! `afftok-edge`: the self-hosted AffTok edge (DESIGN §5). The platform-neutral core
//! (`afftok-edge-core`) behind an HTTP server, with Redis as its KV store and event stream.
//!
//! # Layout

/// The circuit breaker of KV reads.
pub mod breaker;
/// Settings from the environment.
pub mod config;
/// Events to the Redis Stream.
pub mod events;
/// KV entries in Redis.
pub mod kv;
/// `GET /metrics`.
pub mod metrics;
/// The core's platform on a server.
pub mod platform;
/// The click writer's raw RESP connection to Redis.
pub mod resp;
/// The HTTP server and its lifecycle.
pub mod server;
/// The click spool on disk.
pub mod spool;
/// Logging.
pub mod telemetry;

pub use config::Config;
pub use server::Edge;
