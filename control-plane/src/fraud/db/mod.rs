//! Postgres: the imported ranges, suspensions, the version of what scoring holds, the
//! windows scoring reads, the facts insights read.

pub(super) mod insights;
pub(super) mod ranges;
pub(super) mod state;
pub(super) mod suspensions;
pub(super) mod windows;
