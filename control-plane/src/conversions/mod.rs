//! Conversions: attribution (DESIGN §7), reported by postback (through the edges) or by the
//! API, reviewed and reversed by advertisers; and the postback keys advertisers report with.

mod db;
mod http;
mod jobs;
pub mod rules;

pub use db::conversions::{
    NewConversion, attribute_all, insert_conversions, pending_among, reconsider_flagged,
};
pub use http::router;
pub use jobs::sweep;
pub use rules::{ConversionSource, ConversionStatus};
