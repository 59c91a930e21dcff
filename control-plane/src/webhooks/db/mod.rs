//! The webhooks tables: endpoints, messages and their attempts.

pub(super) mod endpoints;
pub(super) mod messages;
pub(super) mod sending;
