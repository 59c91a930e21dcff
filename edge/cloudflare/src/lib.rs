//! The AffTok edge on Cloudflare Workers: `afftok-edge-core` behind the `fetch` event, and the
//! queue consumer that forwards events to the control plane.
//!
//! # Layout
//! - [`fetch`]: every HTTP request, answered by the core with a [`platform::WorkerPlatform`].
//! - [`queue`]: batches of events from the `EVENTS` queue, POSTed to the control plane's
//!   `/internal/v1/events`, signed ([`ingest`]); a batch that fails is retried, and after the
//!   last retry goes to the dead-letter queue (wrangler.toml).
//!
//! Bindings (wrangler.toml): KV namespace `EDGE_KV`, queue producer `EVENTS`, vars
//! `CONTROL_PLANE_URL` and `KV_CACHE_SECS`, secret `INGEST_SECRET`.

use std::future::Future as _;
use std::task::{Context as TaskContext, Poll, Waker};

use wasm_bindgen::prelude::*;
use worker::worker_sys::{self, web_sys};
use worker::{Context, Env, MessageBatch, event};

/// The JavaScript helpers of a request (js/glue.js).
mod glue;
/// Sending signed batches to the control plane.
pub mod ingest;
/// The core's platform on Workers.
pub mod platform;
/// Translating requests and responses.
mod translate;

/// The KV namespace binding.
pub const KV_BINDING: &str = "EDGE_KV";
/// The queue producer binding.
pub const QUEUE_BINDING: &str = "EVENTS";

/// The `fetch` handler (exported to the runtime as `fetch`; worker-build's shim calls it).
///
/// A click whose KV entries are cached needs nothing asynchronous, so the answer is computed
/// right away and returned as a `Response`; only when the core has to wait (a KV read, a
/// request body, a conversion being queued) is a `Promise` returned, driven by the
/// `wasm-bindgen` executor. Both are what the runtime accepts from a fetch handler, and the
/// fast path skips the promise, its microtasks and the executor's scheduling.
#[wasm_bindgen(js_name = fetch)]
pub fn fetch(req: web_sys::Request, env: Env, ctx: worker_sys::Context) -> JsValue {
    let mut answer = Box::pin(translate::serve(req, env, ctx));
    // Polled once with a waker that does nothing: if it is pending, the executor polls it
    // again at once (registering its own waker) before anything it waits for can complete.
    match answer
        .as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
    {
        Poll::Ready(response) => response.into(),
        Poll::Pending => {
            js_sys::futures::future_to_promise(async move { Ok(answer.await.into()) }).into()
        }
    }
}

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    // Each message is one event's JSON text, as `platform::send_event` queued it.
    let mut events = Vec::new();
    for message in batch.raw_iter() {
        match message.body().as_string() {
            Some(json) if ingest::is_json_object(&json) => events.push(json),
            // Retrying cannot repair a message that is not an event: log it and let it go.
            _ => worker::console_error!("dropping a queue message that is not an event"),
        }
    }
    if events.is_empty() {
        batch.ack_all();
        return Ok(());
    }
    match ingest::post_batch(&env, &events).await {
        Ok(()) => batch.ack_all(),
        Err(e) => {
            worker::console_warn!(
                "event batch of {} not stored, will retry: {e}",
                events.len()
            );
            batch.retry_all();
        }
    }
    Ok(())
}
