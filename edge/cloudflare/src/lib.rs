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

use worker::{Context, Env, MessageBatch, event};

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

#[event(fetch)]
async fn fetch(req: worker::Request, env: Env, ctx: Context) -> worker::Result<worker::Response> {
    translate::serve(req, env, ctx).await
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
