//! Postgres: the imported ranges, suspensions, the windows scoring reads.

pub(super) mod ranges;
pub(super) mod suspensions;
pub(super) mod windows;
