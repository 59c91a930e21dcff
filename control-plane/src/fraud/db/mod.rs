//! Postgres: the imported ranges, suspensions, the facts insights read.

pub(super) mod insights;
pub(super) mod ranges;
pub(super) mod suspensions;
