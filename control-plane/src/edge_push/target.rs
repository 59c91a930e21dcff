//! Every edge target behind one type.

use std::collections::BTreeMap;

use redis::aio::ConnectionManager;

use super::cloudflare::CloudflareTarget;
use super::redis::RedisTarget;
use super::wrangler::WranglerTarget;
use super::{Entry, PushError};
use crate::app::config::{EdgePushSettings, TargetKind};

/// An edge KV to push to.
#[derive(Debug, Clone)]
pub enum Target {
    /// Redis (native and Spin edges).
    Redis(RedisTarget),
    /// Cloudflare KV through the API.
    Cloudflare(CloudflareTarget),
    /// The local KV of `wrangler dev`.
    Wrangler(WranglerTarget),
}

impl Target {
    /// The target `kind` as the settings describe it.
    pub fn build(
        kind: TargetKind,
        settings: &EdgePushSettings,
        redis: Option<&ConnectionManager>,
    ) -> Result<Self, PushError> {
        settings
            .check_target(kind)
            .map_err(|e| PushError(e.to_string()))?;
        Ok(match kind {
            TargetKind::Redis => {
                let redis =
                    redis.ok_or_else(|| PushError("redis: no connection (REDIS_URL)".into()))?;
                Self::Redis(RedisTarget::new(redis.clone(), &settings.kv_prefix))
            }
            TargetKind::Cloudflare => {
                Self::Cloudflare(CloudflareTarget::new(&settings.cloudflare)?)
            }
            TargetKind::WranglerLocal => Self::Wrangler(WranglerTarget::new(&settings.wrangler)),
        })
    }

    /// Whether it still holds a complete push: false only for a Redis KV that lost its
    /// data (other targets do not lose theirs).
    pub async fn holds_a_push(&self) -> Result<bool, PushError> {
        match self {
            Self::Redis(t) => t.is_marked().await,
            Self::Cloudflare(_) | Self::Wrangler(_) => Ok(true),
        }
    }

    /// Records that it holds a complete push (see [`Target::holds_a_push`]).
    pub async fn mark_pushed(&self) -> Result<(), PushError> {
        match self {
            Self::Redis(t) => t.mark().await,
            Self::Cloudflare(_) | Self::Wrangler(_) => Ok(()),
        }
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Which kind it is.
    pub fn kind(&self) -> TargetKind {
        match self {
            Self::Redis(_) => TargetKind::Redis,
            Self::Cloudflare(_) => TargetKind::Cloudflare,
            Self::Wrangler(_) => TargetKind::WranglerLocal,
        }
    }

    /// The managed entries it holds, as key → SHA-256 hex of the value.
    pub async fn snapshot(&self) -> Result<BTreeMap<String, String>, PushError> {
        match self {
            Self::Redis(t) => t.snapshot().await,
            Self::Cloudflare(t) => t.snapshot().await,
            Self::Wrangler(t) => t.snapshot().await,
        }
    }

    /// Writes entries.
    pub async fn put(&self, entries: &[Entry]) -> Result<(), PushError> {
        if entries.is_empty() {
            return Ok(());
        }
        match self {
            Self::Redis(t) => t.put(entries).await,
            Self::Cloudflare(t) => t.put(entries).await,
            Self::Wrangler(t) => t.put(entries).await,
        }
    }

    /// Deletes keys.
    pub async fn delete(&self, keys: &[String]) -> Result<(), PushError> {
        if keys.is_empty() {
            return Ok(());
        }
        match self {
            Self::Redis(t) => t.delete(keys).await,
            Self::Cloudflare(t) => t.delete(keys).await,
            Self::Wrangler(t) => t.delete(keys).await,
        }
    }

    /// How many entries one write should carry, so progress can be shown between writes.
    pub fn batch(&self) -> usize {
        match self {
            Self::Redis(_) => 500,
            Self::Cloudflare(_) | Self::Wrangler(_) => 10_000,
        }
    }
}
