//! Tracking: events from the edges (signed HTTP batches and the Redis Stream) stored as
//! clicks and conversions, unique clicks, the click log, monthly click partitions.

mod db;
mod http;
mod ingest;
pub mod partitions;
mod rescore;
pub mod retention;
mod stream;
mod uniques;

pub use http::router;
pub use ingest::{IngestError, Report, ingest};
pub use stream::consume_stream;
