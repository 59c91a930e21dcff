//! Events to the Redis Stream (DESIGN §6): one `XADD {stream} * event {json}` per event.
//!
//! Clicks are queued in memory and written by a background task in pipelined batches, so a
//! redirect never waits for Redis; the task has a connection of its own for them
//! ([`crate::resp`]). While Redis is slow or down the task retries with
//! backoff and the queue (`AFFTOK_EVENT_BUFFER` events) absorbs the clicks; past that, click
//! events are dropped and counted in the logs. With a spool (`AFFTOK_EVENT_SPOOL`,
//! [`crate::spool`]) a batch Redis does not take goes to a file on disk instead, and so does
//! every batch after it until the file is replayed: the queue never fills, and a restart
//! loses nothing. Conversions are written before the postback is answered, so an accepted
//! conversion is in Redis already.
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
use crate::spool::{Spool, SpoolError};

/// Most events written in one pipeline.
const BATCH: usize = 512;
/// Longest wait between retries of a failed write.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often spooled events are offered to Redis again.
const REPLAY_EVERY: Duration = Duration::from_secs(1);

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

/// Starts the writer for `stream`; click events queue up to `capacity`, and go to `spool`
/// when Redis does not take them. Conversions go through `conn`; clicks through a
/// connection of the writer's own to what `info` names.
pub fn start(
    conn: ConnectionManager,
    info: ConnectionInfo,
    stream: String,
    capacity: usize,
    spool: Option<Spool>,
) -> (EventSink, EventPump) {
    let (queue, rx) = mpsc::channel(capacity);
    let counters = Arc::new(Counters::default());
    let stream: Arc<str> = stream.into();
    let task = tokio::spawn(pump(
        rx,
        resp::Connection::new(info),
        stream.clone(),
        counters.clone(),
        spool,
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
    /// Click events accepted and not yet written to Redis.
    pub fn unsent(&self) -> usize {
        self.counters.unsent.load(Ordering::Relaxed)
    }

    /// Click events dropped since the start (the queue was full, or the spool).
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }

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
    mut spool: Option<Spool>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut last_replay: Option<tokio::time::Instant> = None;
    loop {
        let pending = spool.as_ref().is_some_and(Spool::is_pending);
        // recv_many returns as soon as one event is there: batches grow only under load.
        // With events spooled, the writer wakes at least once a second to replay them.
        let received = if pending {
            tokio::time::timeout(REPLAY_EVERY, rx.recv_many(&mut batch, BATCH))
                .await
                .unwrap_or(usize::MAX)
        } else {
            rx.recv_many(&mut batch, BATCH).await
        };
        if received == 0 {
            // Closed and drained; what is spooled waits in the file for the next run.
            return;
        }
        if !batch.is_empty() {
            let count = batch.len();
            let jsons: Vec<Vec<u8>> = batch
                .drain(..)
                .map(|event| {
                    let mut json = Vec::with_capacity(640);
                    event_json::write(&event, &mut json);
                    json
                })
                .collect();
            match spool.as_mut() {
                Some(spool) => write_or_spool(&mut conn, &stream, &jsons, spool, &counters).await,
                None => write_retrying(&mut conn, &stream, &jsons).await,
            }
            counters.unsent.fetch_sub(count, Ordering::Relaxed);
        }
        if let Some(spool) = spool.as_mut()
            && spool.is_pending()
            && last_replay.is_none_or(|at| at.elapsed() >= REPLAY_EVERY)
        {
            last_replay = Some(tokio::time::Instant::now());
            replay(&mut conn, &stream, spool).await;
        }
    }
}

/// `XADD` commands for events, pipelined.
fn commands(stream: &str, jsons: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(jsons.iter().map(|j| j.len() + 64).sum());
    for json in jsons {
        resp::encode(
            &mut out,
            &[
                b"XADD",
                stream.as_bytes(),
                b"*",
                STREAM_FIELD.as_bytes(),
                json,
            ],
        );
    }
    out
}

/// Without a spool: retries with backoff until Redis takes the batch.
async fn write_retrying(conn: &mut resp::Connection, stream: &str, jsons: &[Vec<u8>]) {
    let commands = commands(stream, jsons);
    let mut backoff = Duration::from_millis(50);
    while let Err(e) = conn.send(&commands, jsons.len()).await {
        // The whole batch is sent again: entries Redis took before the failure are then
        // in the stream twice, which readers deduplicate by event id (DESIGN §6).
        tracing::warn!(error = %e, events = jsons.len(), "writing events to Redis failed; retrying");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// With a spool: to Redis when nothing waits in the spool and Redis takes it, else to the
/// spool (in order behind what waits there); to Redis with retries if the spool fails.
async fn write_or_spool(
    conn: &mut resp::Connection,
    stream: &str,
    jsons: &[Vec<u8>],
    spool: &mut Spool,
    counters: &Counters,
) {
    if !spool.is_pending() {
        match conn.send(&commands(stream, jsons), jsons.len()).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, events = jsons.len(), "writing events to Redis failed; spooling them to disk");
            }
        }
    }
    match spool.append(jsons).await {
        Ok(()) => {}
        Err(SpoolError::Full { bytes, max }) => {
            let dropped = counters
                .dropped
                .fetch_add(jsons.len() as u64, Ordering::Relaxed)
                + jsons.len() as u64;
            tracing::error!(
                dropped,
                bytes,
                max,
                "event spool full: click events are being dropped"
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot spool events; holding them until Redis takes them");
            write_retrying(conn, stream, jsons).await;
        }
    }
}

/// Offers the spooled events to Redis, a batch at a time, until the file is replayed or
/// Redis fails (then the next round goes on from there).
async fn replay(conn: &mut resp::Connection, stream: &str, spool: &mut Spool) {
    let mut sent = 0usize;
    while spool.is_pending() {
        let (jsons, offset) = match spool.next_batch(BATCH).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the event spool");
                return;
            }
        };
        if !jsons.is_empty() {
            if let Err(e) = conn.send(&commands(stream, &jsons), jsons.len()).await {
                tracing::debug!(error = %e, "Redis does not take spooled events yet");
                return;
            }
            sent += jsons.len();
        }
        if let Err(e) = spool.replayed_to(offset).await {
            tracing::error!(error = %e, "cannot mark spooled events as replayed");
            return;
        }
    }
    if sent > 0 {
        tracing::info!(events = sent, "spooled events replayed to Redis");
    }
}
