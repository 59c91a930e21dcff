//! The core's [`Platform`] on Workers: the `EDGE_KV` namespace, the `EVENTS` queue (sent
//! after the response through `wait_until`), `cf.country`, `CF-Connecting-IP`, the JS clock,
//! `crypto.getRandomValues`, and the isolate's memory for the KV cache.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use afftok_edge_core::{EdgeCache, Platform, PlatformError};
use afftok_shared::{Country, Event};
use worker::{Context, Env};

use crate::{KV_BINDING, QUEUE_BINDING, ingest};

/// One cache per isolate: it lives as long as the isolate serves requests.
static CACHE: OnceLock<EdgeCache> = OnceLock::new();

/// The platform of one request.
pub struct WorkerPlatform<'a> {
    env: &'a Env,
    ctx: &'a Context,
    ip: Option<IpAddr>,
    country: Option<Country>,
    edge_name: String,
}

impl std::fmt::Debug for WorkerPlatform<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPlatform")
            .field("ip", &self.ip)
            .field("country", &self.country)
            .field("edge_name", &self.edge_name)
            .finish_non_exhaustive()
    }
}

impl<'a> WorkerPlatform<'a> {
    /// The platform for a request that came with these `cf` properties and IP header.
    pub fn new(
        env: &'a Env,
        ctx: &'a Context,
        connecting_ip: Option<&str>,
        cf_country: Option<&str>,
        colo: Option<&str>,
    ) -> Self {
        Self {
            env,
            ctx,
            ip: connecting_ip.and_then(|ip| ip.trim().parse::<IpAddr>().ok()),
            country: cf_country.and_then(Country::from_header),
            edge_name: match colo {
                Some(colo) if !colo.is_empty() => format!("cloudflare:{colo}"),
                _ => "cloudflare".to_owned(),
            },
        }
    }

    fn cache_ttl(&self) -> Duration {
        let secs = self
            .env
            .var("KV_CACHE_SECS")
            .ok()
            .and_then(|v| v.to_string().trim().parse::<u64>().ok());
        secs.map_or(afftok_edge_core::cache::DEFAULT_TTL, Duration::from_secs)
    }
}

impl Platform for WorkerPlatform<'_> {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        let kv = self
            .env
            .kv(KV_BINDING)
            .map_err(|e| PlatformError(format!("KV binding {KV_BINDING}: {e}")))?;
        kv.get(key)
            .bytes()
            .await
            .map_err(|e| PlatformError(format!("KV get {key}: {e}")))
    }

    fn cache(&self) -> &EdgeCache {
        CACHE.get_or_init(|| EdgeCache::new(self.cache_ttl()))
    }

    fn now_millis(&self) -> u64 {
        worker::Date::now().as_millis()
    }

    fn fill_random(&self, buf: &mut [u8]) {
        if getrandom::fill(buf).is_err() {
            // crypto.getRandomValues does not fail in Workers; if it ever did, a click id
            // would still be unique by its timestamp and the JS Math.random fallback.
            for b in buf.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }

    fn visitor_ip(&self) -> Option<IpAddr> {
        self.ip
    }

    fn visitor_country(&self) -> Option<Country> {
        self.country
    }

    fn edge_name(&self) -> &str {
        &self.edge_name
    }

    fn emit(&self, event: Event) {
        let env = self.env.clone();
        self.ctx.wait_until(async move {
            if let Err(e) = send_event(&env, &event).await {
                worker::console_error!("click event {} lost: {e}", event.id());
            }
        });
    }

    async fn emit_durable(&self, event: Event) -> Result<(), PlatformError> {
        send_event(self.env, &event).await.map_err(PlatformError)
    }

    fn warn(&self, message: &str) {
        worker::console_warn!("{message}");
    }
}

/// Queues an event; if the queue refuses it, sends it straight to the control plane as a
/// batch of one instead of dropping it.
async fn send_event(env: &Env, event: &Event) -> Result<(), String> {
    let json =
        serde_json::to_string(event).map_err(|e| format!("event does not serialize: {e}"))?;
    let queued = match env.queue(QUEUE_BINDING) {
        Ok(queue) => queue.send(json.clone()).await.map_err(|e| e.to_string()),
        Err(e) => Err(format!("queue binding {QUEUE_BINDING}: {e}")),
    };
    match queued {
        Ok(()) => Ok(()),
        Err(queue_error) => {
            worker::console_warn!("queue send failed ({queue_error}); posting the event directly");
            ingest::post_batch(env, &[json])
                .await
                .map_err(|direct| format!("queue: {queue_error}; direct: {direct}"))
        }
    }
}
