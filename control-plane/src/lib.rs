//! The AffTok control plane: the API service and the `afftok` CLI.
//!
//! # Layout

/// Who is calling: access tokens, API keys, principals and tenants.
pub mod auth;
/// The `afftok` command line.
pub mod cli;
/// Settings from the defaults file and the environment.
pub mod config;
/// Encryption at rest of link signing keys.
pub mod crypto;
/// Postgres access, one module per aggregate.
pub mod db;
/// Rules without I/O: roles, passwords, offers, API keys, cursors.
pub mod domain;
/// Pushing keys, offer routes and postback keys to the edges' KV.
pub mod edge_push;
/// The error type and its problem documents.
pub mod error;
/// The HTTP API.
pub mod http;
/// Event ingestion: one path for HTTP batches and the Redis Stream.
pub mod ingest;
/// Background work: the stream consumer, the pending-conversion sweeper, partitions.
pub mod jobs;
/// Live counters in Redis.
pub mod live;
/// Monthly click partitions.
pub mod partitions;
/// Building and running the service.
pub mod startup;
/// Logging.
pub mod telemetry;
/// Unique clicks, whatever order clicks arrive in.
pub mod uniques;
