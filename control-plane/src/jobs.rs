//! Background work, started with the server and stopped with it:
//! - the Redis Stream consumer (events from Spin and native edges),
//! - the sweeper that finishes interrupted attributions and marks conversions whose click
//!   never came as `unknown_click`,
//! - click partitions for the coming months,
//! - the edge config push: queued changes (offers, keys, postback keys) reach every edge
//!   target within a second or so, retried with backoff while a target fails,
//! - folding the per-scope stats sums appended by ingestion into the scope rollups.

use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::conversions;
use crate::ingest;
use crate::startup::{self, AppState};

/// Entries read per batch.
const BATCH: usize = 500;

/// The running jobs.
pub struct Jobs {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("running", &self.handles.len())
            .finish()
    }
}

impl Jobs {
    /// Starts every job.
    pub fn start(state: AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let handles = vec![
            tokio::spawn(consume_stream(state.clone(), stopped.clone())),
            tokio::spawn(sweep(state.clone(), stopped.clone())),
            tokio::spawn(compact_rollups(state.clone(), stopped.clone())),
            tokio::spawn(push_edge_config(state, stopped)),
        ];
        Self { stop, handles }
    }

    /// Asks every job to stop and waits for them (a batch being stored is finished).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        }
    }
}

async fn stopped_or_after(stop: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = stop.changed() => true,
        () = tokio::time::sleep(wait) => *stop.borrow(),
    }
}

/// Pushes queued edge config changes to the configured targets. A failed round is retried
/// after a growing pause (up to a minute); the changes stay queued in Postgres meanwhile.
async fn push_edge_config(state: AppState, mut stop: watch::Receiver<bool>) {
    use secrecy::ExposeSecret as _;

    use crate::edge_push::{push, target::Target};

    let settings = &state.settings.edge_push;
    let mut targets = Vec::new();
    for &kind in &settings.targets {
        match Target::build(kind, settings, Some(&state.redis)) {
            Ok(target) => targets.push(target),
            Err(e) => {
                tracing::error!(target_name = kind.name(), error = %e, "edge target unusable")
            }
        }
    }
    let kek = *state.settings.key_encryption_key.expose_secret();
    let mut failures: u32 = 0;
    loop {
        let wait = match push::queued(&state.db, &kek, &targets).await {
            Ok(round) => {
                failures = 0;
                for target in &targets {
                    state
                        .metrics
                        .count_edge_push(target.name(), "pushed", round.keys);
                }
                if round.keys > 0 {
                    tracing::info!(entries = round.keys, "edge config pushed");
                }
                if round.more {
                    Duration::ZERO
                } else {
                    settings.interval
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                for target in &targets {
                    state.metrics.count_edge_push(target.name(), "failed", 1);
                }
                tracing::warn!(error = %e, failures, "edge config push failed; it stays queued");
                (settings.interval * 2u32.saturating_pow(failures.min(8)))
                    .min(Duration::from_secs(60))
            }
        };
        if stopped_or_after(&mut stop, wait).await {
            return;
        }
    }
}

/// Folds the per-scope sums appended by ingestion and attribution into the scope rollups,
/// every `stats_fold_interval`.
async fn compact_rollups(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = crate::db::rollups::compact(&state.db).await {
            tracing::warn!(error = %e, "folding the stats sums failed; they are folded next time");
        }
        if stopped_or_after(&mut stop, state.settings.stats_fold_interval).await {
            return;
        }
    }
}

/// Attributes pending conversions whose click is already stored (a process stopped between
/// storing and attributing).
async fn retry_attribution(state: &AppState) -> Result<usize, crate::error::ApiError> {
    let ids = conversions::pending_with_click(&state.db, 1000).await?;
    let bumps = conversions::attribute_all(&state.db, &ids).await;
    crate::live::apply(&state.redis, &state.settings.redis_key_prefix, &bumps).await;
    Ok(ids.len())
}

/// Every 30 s (sooner with a short wait): interrupted attributions are finished; pending
/// conversions older than the wait become unknown_click. Hourly: partitions for the next
/// months exist; idempotency keys older than a day are forgotten.
async fn sweep(state: AppState, mut stop: watch::Receiver<bool>) {
    // Often enough that a conversion is marked within a quarter of the wait after it expires.
    let every = (state.settings.attribution_wait / 4)
        .clamp(Duration::from_millis(250), Duration::from_secs(30));
    let mut partitions_checked: Option<tokio::time::Instant> = None;
    loop {
        if partitions_checked.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)) {
            partitions_checked = Some(tokio::time::Instant::now());
            if let Err(e) = crate::partitions::ensure(&state.db, 2).await {
                tracing::warn!(error = %e, "partition maintenance failed");
            }
            if let Err(e) = conversions::expire_idempotency_keys(&state.db).await {
                tracing::warn!(error = %e, "forgetting old idempotency keys failed");
            }
        }
        match retry_attribution(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(conversions = n, "interrupted attributions finished"),
            Err(e) => tracing::warn!(error = %e, "retrying attribution failed"),
        }
        match conversions::expire_pending(&state.db, state.settings.attribution_wait).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                conversions = n,
                "conversions without a click marked unknown_click"
            ),
            Err(e) => tracing::warn!(error = %e, "expiring pending conversions failed"),
        }
        if stopped_or_after(&mut stop, every).await {
            return;
        }
    }
}

/// Batches the stream consumer stores at once: while one batch is in Postgres, the next is
/// read and parsed, and three keep both the database and this process busy.
const IN_FLIGHT: usize = 3;

/// How a batch went.
enum BatchOutcome {
    /// Stored and acknowledged.
    Stored,
    /// Not (wholly) stored: its entries stay pending and are read again.
    Failed {
        /// Entries stored (or set aside) one by one after the batch failed.
        rescued: usize,
    },
}

/// Stores one batch and acknowledges what was stored; a batch that fails is stored entry by
/// entry, so one entry the store keeps refusing does not hold up the stream.
async fn store_batch(
    state: AppState,
    (stream, group): (String, String),
    entries: Vec<StreamId>,
) -> BatchOutcome {
    let mut conn = state.redis.clone();
    let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    let texts: Vec<String> = entries.iter().map(entry_text).collect();
    match ingest::ingest(&state, "stream", &texts).await {
        Ok(report) => {
            tracing::debug!(?report, "stream batch stored");
            acknowledge(&mut conn, &stream, &group, &ids).await;
            BatchOutcome::Stored
        }
        Err(e) => {
            tracing::warn!(error = %e, entries = ids.len(), "storing a stream batch failed; it stays pending");
            let rescued = one_by_one(&state, &mut conn, (&stream, &group), &entries, &texts).await;
            BatchOutcome::Failed { rescued }
        }
    }
}

/// Takes in a finished batch; returns whether to wait before reading again.
fn settle(
    done: Result<BatchOutcome, tokio::task::JoinError>,
    read_pending: &mut bool,
    backoff: &mut Duration,
) -> bool {
    match done {
        Ok(BatchOutcome::Stored) => {
            *backoff = Duration::from_millis(100);
            false
        }
        Ok(BatchOutcome::Failed { rescued }) => {
            *read_pending = true;
            rescued == 0
        }
        Err(e) => {
            tracing::error!(error = %e, "a stream batch task failed");
            *read_pending = true;
            false
        }
    }
}

/// Reads the event stream with the consumer group and stores up to [`IN_FLIGHT`] batches at
/// once: own pending entries first (at start, and after a batch failed), then new ones; takes
/// over entries a dead consumer left pending; acknowledges and deletes entries once stored.
async fn consume_stream(state: AppState, mut stop: watch::Receiver<bool>) {
    // Blocking reads need a connection of their own: they would hold up everyone else's
    // commands on the shared one.
    let mut conn = loop {
        match startup::connect_redis(&state.settings).await {
            Ok(conn) => break conn,
            Err(e) => {
                tracing::warn!(error = %e, "stream consumer cannot reach Redis; retrying");
                if stopped_or_after(&mut stop, Duration::from_secs(2)).await {
                    return;
                }
            }
        }
    };
    let stream = state.settings.event_stream.clone();
    let group = state.settings.stream_group.clone();
    let consumer = format!("cp-{}", uuid::Uuid::new_v4().simple());
    // From the start of the stream: events written before the first start are not skipped.
    let created: Result<(), _> = conn.xgroup_create_mkstream(&stream, &group, "0").await;
    if let Err(e) = created
        && !e.to_string().contains("BUSYGROUP")
    {
        tracing::warn!(error = %e, "cannot create the stream consumer group");
    }
    let mut backoff = Duration::from_millis(100);
    let claim_idle = state.settings.stream_claim_idle;
    let claim_every = claim_idle.min(Duration::from_secs(10));
    let claim_idle_ms = u64::try_from(claim_idle.as_millis()).unwrap_or(u64::MAX);
    let mut last_claim: Option<tokio::time::Instant> = None;
    let mut batches: tokio::task::JoinSet<BatchOutcome> = tokio::task::JoinSet::new();
    // Own pending entries are read (from "0") only with no batch in flight, so an entry is
    // never in two batches at once.
    let mut read_pending = true;
    loop {
        if *stop.borrow() {
            // Batches being stored are finished.
            while batches.join_next().await.is_some() {}
            return;
        }
        // Finished batches; a failed one means its entries are to be read again.
        let mut wait = false;
        while let Some(done) = batches.try_join_next() {
            wait |= settle(done, &mut read_pending, &mut backoff);
        }
        let busy = batches.len() >= IN_FLIGHT || (read_pending && !batches.is_empty());
        if busy {
            tokio::select! {
                _ = stop.changed() => {}
                Some(done) = batches.join_next() => wait |= settle(done, &mut read_pending, &mut backoff),
            }
        }
        if wait {
            // A whole batch failed (the database is likely away): wait before retrying.
            if stopped_or_after(&mut stop, backoff).await {
                continue;
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
        if busy {
            continue;
        }
        if last_claim.is_none_or(|at| at.elapsed() >= claim_every) {
            last_claim = Some(tokio::time::Instant::now());
            let claimed: Result<StreamAutoClaimReply, _> = conn
                .xautoclaim_options(
                    &stream,
                    &group,
                    &consumer,
                    claim_idle_ms,
                    "0-0",
                    StreamAutoClaimOptions::default().count(BATCH),
                )
                .await;
            match claimed {
                Ok(reply) if !reply.claimed.is_empty() => {
                    tracing::info!(
                        entries = reply.claimed.len(),
                        "took over entries a stopped consumer left pending"
                    );
                    read_pending = true;
                    if !batches.is_empty() {
                        continue;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "taking over pending stream entries failed"),
            }
        }
        let entries = if read_pending {
            match read(&mut conn, &stream, &group, &consumer, "0", None).await {
                Ok(entries) if entries.is_empty() => {
                    read_pending = false;
                    continue;
                }
                other => other,
            }
        } else {
            read(&mut conn, &stream, &group, &consumer, ">", Some(1000)).await
        };
        let entries = match entries {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(error = %e, "reading the event stream failed");
                if stopped_or_after(&mut stop, backoff).await {
                    continue;
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if entries.is_empty() {
            continue;
        }
        batches.spawn(store_batch(
            state.clone(),
            (stream.clone(), group.clone()),
            entries,
        ));
    }
}

/// Deliveries after which an entry that cannot be stored becomes a dead letter.
const MAX_DELIVERIES: usize = 5;

async fn acknowledge(conn: &mut ConnectionManager, stream: &str, group: &str, ids: &[String]) {
    let mut pipe = redis::pipe();
    pipe.cmd("XACK").arg(stream).arg(group).arg(ids).ignore();
    pipe.cmd("XDEL").arg(stream).arg(ids).ignore();
    if let Err(e) = pipe.query_async::<()>(conn).await {
        // Not acknowledged: they will be read again and stored again, harmlessly.
        tracing::warn!(error = %e, "acknowledging stream entries failed");
    }
}

/// Stores entries one at a time after their batch failed; returns how many were stored or
/// set aside (0: everything failed, likely the database is away).
async fn one_by_one(
    state: &AppState,
    conn: &mut ConnectionManager,
    (stream, group): (&str, &str),
    entries: &[StreamId],
    texts: &[String],
) -> usize {
    let mut done = 0;
    for (entry, text) in entries.iter().zip(texts) {
        let id = std::slice::from_ref(&entry.id);
        match ingest::ingest(state, "stream", std::slice::from_ref(text)).await {
            Ok(_) => {
                acknowledge(conn, stream, group, id).await;
                done += 1;
            }
            // The database is away: nothing can be stored now, nothing is set aside.
            Err(crate::error::ApiError::Unavailable(_)) => break,
            Err(e) => {
                let deliveries: usize = conn
                    .xpending_count::<_, _, _, _, _, redis::streams::StreamPendingCountReply>(
                        stream, group, &entry.id, &entry.id, 1,
                    )
                    .await
                    .ok()
                    .and_then(|r| r.ids.first().map(|p| p.times_delivered))
                    .unwrap_or(0);
                if deliveries < MAX_DELIVERIES {
                    continue;
                }
                let reason = format!("could not be stored after {deliveries} deliveries: {e}");
                match ingest::dead_letter(state, "stream", text, &reason).await {
                    Ok(()) => {
                        tracing::error!(entry = %entry.id, error = %e, "stream entry set aside as a dead letter");
                        acknowledge(conn, stream, group, id).await;
                        done += 1;
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot set a stream entry aside"),
                }
            }
        }
    }
    done
}

async fn read(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
    consumer: &str,
    from: &str,
    block_ms: Option<usize>,
) -> Result<Vec<StreamId>, redis::RedisError> {
    let mut options = StreamReadOptions::default()
        .group(group, consumer)
        .count(BATCH);
    if let Some(ms) = block_ms {
        options = options.block(ms);
    }
    let reply: Option<StreamReadReply> = conn.xread_options(&[stream], &[from], &options).await?;
    Ok(reply
        .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect())
        .unwrap_or_default())
}

/// The `event` field of an entry as text; an entry without one becomes a dead letter through
/// the normal path (its text is not an event).
fn entry_text(entry: &StreamId) -> String {
    match entry.map.get(afftok_shared::event::STREAM_FIELD) {
        Some(redis::Value::BulkString(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(redis::Value::SimpleString(s)) => s.clone(),
        _ => format!("stream entry {} has no `event` field", entry.id),
    }
}
