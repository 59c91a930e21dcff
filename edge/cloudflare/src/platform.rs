//! The core's [`Platform`] on Workers: the `EDGE_KV` namespace, the `EVENTS` queue (sent
//! after the response through `waitUntil`), `cf.country`, `CF-Connecting-IP`, the JS clock,
//! `crypto.getRandomValues`, and the isolate's memory for the KV cache.

use std::cell::RefCell;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use afftok_edge_core::{EdgeCache, Platform, PlatformError, event_json};
use afftok_shared::{Country, Event};
use wasm_bindgen::prelude::*;
use worker::Env;
use worker::worker_sys::Context;

use crate::{KV_BINDING, QUEUE_BINDING, glue, ingest};

/// One cache per isolate: it lives as long as the isolate serves requests.
static CACHE: OnceLock<EdgeCache> = OnceLock::new();

/// Random bytes drawn from `crypto.getRandomValues` a few kilobytes at a time (a click id
/// takes ten), so a click does not cross into the runtime for them.
struct RandomPool {
    bytes: [u8; 4096],
    used: usize,
}

thread_local! {
    static RANDOM: RefCell<RandomPool> = const {
        RefCell::new(RandomPool { bytes: [0; 4096], used: 4096 })
    };
    /// What the runtime calls when the queue refuses an event: made once per isolate.
    static FALLBACK: Closure<dyn Fn(Env, String, String) -> js_sys::Promise> =
        Closure::new(|env: Env, json: String, error: String| {
            js_sys::futures::future_to_promise(async move {
                if let Err(lost) = post_directly(&env, json, &error).await {
                    worker::console_error!("click event lost: {lost}");
                }
                Ok(JsValue::UNDEFINED)
            })
        });
}

/// The platform of one request.
pub struct WorkerPlatform<'a> {
    env: &'a Env,
    ctx: &'a Context,
    ip: Option<IpAddr>,
    country: Option<Country>,
    edge_name: String,
    /// The request's time: the runtime's clock does not move while a request computes.
    now_millis: u64,
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
            // Milliseconds since the epoch fit a u64 for the next 500 million years.
            now_millis: js_sys::Date::now() as u64,
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
        self.now_millis
    }

    fn fill_random(&self, buf: &mut [u8]) {
        RANDOM.with_borrow_mut(|pool| {
            if buf.len() > pool.bytes.len() {
                fill_from_runtime(buf);
                return;
            }
            if pool.used + buf.len() > pool.bytes.len() {
                fill_from_runtime(&mut pool.bytes);
                pool.used = 0;
            }
            let end = pool.used + buf.len();
            buf.copy_from_slice(&pool.bytes[pool.used..end]);
            // Bytes handed out are never handed out again.
            pool.bytes[pool.used..end].fill(0);
            pool.used = end;
        });
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
        let json = event_json::to_string(&event);
        FALLBACK.with(|fallback| {
            glue::send_after_response(self.ctx, self.env, &json, fallback.as_ref());
        });
    }

    async fn emit_durable(&self, event: Event) -> Result<(), PlatformError> {
        send_event(self.env, &event).await.map_err(PlatformError)
    }

    fn warn(&self, message: &str) {
        worker::console_warn!("{message}");
    }
}

fn fill_from_runtime(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        // crypto.getRandomValues does not fail in Workers; if it ever did, a click id would
        // still be unique by its timestamp and the JS Math.random fallback.
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

/// An event the queue refused, sent straight to the control plane as a batch of one
/// instead of being dropped.
async fn post_directly(env: &Env, json: String, queue_error: &str) -> Result<(), String> {
    worker::console_warn!("queue send failed ({queue_error}); posting the event directly");
    ingest::post_batch(env, &[json])
        .await
        .map_err(|direct| format!("queue: {queue_error}; direct: {direct}"))
}

/// Queues an event; if the queue refuses it, sends it straight to the control plane as a
/// batch of one instead of dropping it.
async fn send_event(env: &Env, event: &Event) -> Result<(), String> {
    let json = event_json::to_string(event);
    let queued = match env.queue(QUEUE_BINDING) {
        Ok(queue) => queue.send(json.clone()).await.map_err(|e| e.to_string()),
        Err(e) => Err(format!("queue binding {QUEUE_BINDING}: {e}")),
    };
    match queued {
        Ok(()) => Ok(()),
        Err(queue_error) => post_directly(env, json, &queue_error).await,
    }
}
