//! Pushing the edge config (DESIGN §5) from Postgres to the KV every edge reads.
//!
//! - [`documents`] computes the entries Postgres says the edges should have;
//! - [`plan`] compares them with what a target holds (by SHA-256 of each value);
//! - [`target`] writes and deletes entries in Redis, Cloudflare KV or a local `wrangler dev`;
//! - [`push`] runs a full push (`afftok edge push`) and the queued pushes of single
//!   entries that the push job ([`job`]) and the key commands make.

use std::fmt;

use sha2::{Digest as _, Sha256};

/// The Cloudflare API target.
pub mod cloudflare;
/// The entries the edges should have.
pub mod documents;
/// The push job.
mod job;
/// Differences between what should be and what is.
pub mod plan;
/// Full and queued pushes.
pub mod push;
/// The Redis target.
pub mod redis;
/// Every target behind one type.
pub mod target;

pub use job::push_edge_config;
/// The local `wrangler dev` target.
pub mod wrangler;

/// One KV entry: its key and its JSON value.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// `keys`, `offer:{id}` or `pbk:{hash}`.
    pub key: String,
    /// The JSON document.
    pub value: String,
}

impl fmt::Debug for Entry {
    // The `keys` value holds secrets: only the key and a digest are ever shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("sha256", &digest(&self.value))
            .finish()
    }
}

impl Entry {
    /// The SHA-256 of the value, as lowercase hex.
    pub fn digest(&self) -> String {
        digest(&self.value)
    }
}

/// SHA-256 of a value, as lowercase hex: how targets tell whether an entry changed.
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// An entry as a bulk write carries it, with its digest as metadata (Cloudflare and
/// wrangler-local).
pub fn bulk_pair(entry: &Entry) -> serde_json::Value {
    serde_json::json!({"key": entry.key, "value": entry.value, "metadata": {"sha256": entry.digest()}})
}

/// The digest recorded in an entry's metadata; empty when there is none (so it is rewritten).
pub fn recorded_digest(metadata: Option<&serde_json::Value>) -> String {
    metadata
        .and_then(|m| m.get("sha256"))
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Whether a KV key is one the control plane manages (so a full push may delete it).
pub fn is_edge_key(key: &str) -> bool {
    key == afftok_shared::kv::KEYS_KEY || key.starts_with("offer:") || key.starts_with("pbk:")
}

/// A push that did not complete. The message names the target and never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PushError(pub String);

impl From<sqlx::Error> for PushError {
    fn from(e: sqlx::Error) -> Self {
        let cause = if crate::kernel::error::is_unavailable(&e) {
            "the database is unavailable; try again shortly".to_owned()
        } else {
            format!("database: {e}")
        };
        Self(format!("reading the edge config from Postgres: {cause}"))
    }
}

impl From<crate::links::signing_keys::OpenError> for PushError {
    fn from(e: crate::links::signing_keys::OpenError) -> Self {
        use crate::links::signing_keys::OpenError;
        match e {
            OpenError::Unusable(cause) => {
                Self(format!("reading the edge config from Postgres: {cause}"))
            }
            OpenError::Db(e) => e.into(),
        }
    }
}
