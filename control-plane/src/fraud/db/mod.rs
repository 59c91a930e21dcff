//! Postgres: the imported ranges, suspensions, the windows scoring reads, the facts insights
//! read.

pub(super) mod insights;
pub(super) mod ranges;
pub(super) mod suspensions;
pub(super) mod windows;
