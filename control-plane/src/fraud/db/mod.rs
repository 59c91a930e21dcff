//! Postgres: the imported ranges, suspensions, the windows scoring reads.

pub(super) mod ranges;
