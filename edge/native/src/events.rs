//! Events to the Redis Stream (DESIGN §6): one `XADD {stream} * event {json}` per event.
//!
//! Clicks are queued in memory and written by a background task in pipelined batches, so a
//! redirect never waits for Redis; the task has a connection of its own for them
//! ([`crate::resp`]). While Redis is slow or down the task retries with
//! backoff and the queue (`AFFTOK_EVENT_BUFFER` events) absorbs the clicks; past that, click
//! events are dropped and counted in the logs. Conversions are written before the postback
//! is answered, so an accepted conversion is in Redis already.
//!
//! The stream is never trimmed here: the control plane trims what it has consumed, so an
//! edge cannot delete events nobody has read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use afftok_edge_core::{PlatformError, event_json};
use afftok_shared::Event;
use afftok_shared::event::STREAM_FIELD;
use redis::ConnectionInfo;
use redis::aio::ConnectionManager;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::task::JoinHandle;

use crate::resp;

/// Most events written in one pipeline.
const BATCH: usize = 512;
/// Longest wait between retries of a failed write.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct Counters {
    /// Events accepted by `emit` and not yet written.
    unsent: AtomicUsize,
    /// Click events dropped because the queue was full.
    dropped: AtomicU64,
}

/// Where the request path sends events.
#[derive(Clone)]
pub struct EventSink {
    queue: mpsc::Sender<Event>,
    conn: ConnectionManager,
    stream: Arc<str>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSink")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

/// The background writer; [`EventPump::finish`] waits for the queue to drain.
#[derive(Debug)]
pub struct EventPump {
    task: JoinHandle<()>,
    counters: Arc<Counters>,
}

/// Starts the writer for `stream`; click events queue up to `capacity`. Conversions go
/// through `conn`; clicks through a connection of the writer's own to what `info` names.
pub fn start(
    conn: ConnectionManager,
    info: ConnectionInfo,
    stream: String,
    capacity: usize,
) -> (EventSink, EventPump) {
    let (queue, rx) = mpsc::channel(capacity);
    let counters = Arc::new(Counters::default());
    let stream: Arc<str> = stream.into();
    let task = tokio::spawn(pump(
        rx,
        resp::Connection::new(info),
        stream.clone(),
        counters.clone(),
    ));
    (
        EventSink {
            queue,
            conn,
            stream,
            counters: counters.clone(),
        },
        EventPump { task, counters },
    )
}

impl EventSink {
    /// Queues a click event; never waits.
    pub fn emit(&self, event: Event) {
        match self.queue.try_send(event) {
            Ok(()) => {
                self.counters.unsent.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_) | TrySendError::Closed(_)) => {
                let dropped = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Log the 1st, 2nd, 4th, 8th… drop, not every one.
                if dropped.is_power_of_two() {
                    tracing::error!(dropped, "event queue full: click events are being dropped");
                }
            }
        }
    }

    /// Writes a conversion event now; `Ok` once Redis has it.
    pub async fn emit_durable(&self, event: &Event) -> Result<(), PlatformError> {
        let json = event_json::to_string(event);
        let mut conn = self.conn.clone();
        redis::cmd("XADD")
            .arg(&*self.stream)
            .arg("*")
            .arg(STREAM_FIELD)
            .arg(json)
            .query_async::<String>(&mut conn)
            .await
            .map(drop)
            .map_err(|e| PlatformError(format!("redis XADD {}: {e}", self.stream)))
    }
}

impl EventPump {
    /// Waits up to `grace` for every queued event to be written (call after the last
    /// [`EventSink`] is dropped); returns how many were still unwritten.
    pub async fn finish(self, grace: Duration) -> usize {
        let _ = tokio::time::timeout(grace, self.task).await;
        self.counters.unsent.load(Ordering::Relaxed)
    }
}

async fn pump(
    mut rx: mpsc::Receiver<Event>,
    mut conn: resp::Connection,
    stream: Arc<str>,
    counters: Arc<Counters>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut commands = Vec::with_capacity(BATCH * 640);
    let mut json = Vec::with_capacity(1024);
    // recv_many returns as soon as one event is there: batches grow only under load.
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        commands.clear();
        let count = batch.len();
        for event in batch.drain(..) {
            json.clear();
            event_json::write(&event, &mut json);
            resp::encode(
                &mut commands,
                &[
                    b"XADD",
                    stream.as_bytes(),
                    b"*",
                    STREAM_FIELD.as_bytes(),
                    &json,
                ],
            );
        }
        let mut backoff = Duration::from_millis(50);
        while let Err(e) = conn.send(&commands, count).await {
            // The whole batch is sent again: entries Redis took before the failure are then
            // in the stream twice, which readers deduplicate by event id (DESIGN §6).
            tracing::warn!(error = %e, events = count, "writing events to Redis failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        counters.unsent.fetch_sub(count, Ordering::Relaxed);
    }
}
