//! Tracking links and the keys that sign them: a promoter's link per offer (made when they
//! join it), and the signing keys (created, activated, revoked; encrypted at rest).

mod db;
mod http;

pub use db::links::{LinkRow, ReadError, join, list};
pub use db::signing_keys;
pub use http::{LinkView, for_mode, router};
