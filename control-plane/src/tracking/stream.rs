//! The Redis Stream consumer: events from the Spin and native edges, read with a consumer
//! group, stored through `ingest`, acknowledged after commit; entries a stopped consumer left
//! pending are taken over.

use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply,
};

use crate::app::jobs::Stop;
use crate::app::{AppState, startup};
use crate::tracking::ingest;

/// Entries read per batch.
const BATCH: usize = 500;

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
pub async fn consume_stream(state: AppState, mut stop: Stop) {
    // Blocking reads need a connection of their own: they would hold up everyone else's
    // commands on the shared one.
    let mut conn = loop {
        match startup::connect_redis(&state.settings).await {
            Ok(conn) => break conn,
            Err(e) => {
                tracing::warn!(error = %format_args!("{e:#}"), "stream consumer cannot reach Redis; retrying");
                if stop.after(Duration::from_secs(2)).await {
                    return;
                }
            }
        }
    };
    let stream = state.settings.event_stream.clone();
    let group = state.settings.stream_group.clone();
    let consumer = format!("cp-{}", uuid::Uuid::new_v4().simple());
    create_group(&mut conn, &stream, &group).await;
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
        if stop.is_stopped() {
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
                () = stop.stopped() => {}
                Some(done) = batches.join_next() => wait |= settle(done, &mut read_pending, &mut backoff),
            }
        }
        if wait {
            // A whole batch failed (the database is likely away): wait before retrying.
            if stop.after(backoff).await {
                continue;
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
        if busy {
            continue;
        }
        if last_claim.is_none_or(|at| at.elapsed() >= claim_every) {
            last_claim = Some(tokio::time::Instant::now());
            sample(&state, &mut conn, &stream, &group).await;
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
                Err(e) if is_nogroup(&e) => {
                    recreate_group(&mut conn, &stream, &group).await;
                    continue;
                }
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
            Err(e) if is_nogroup(&e) => {
                recreate_group(&mut conn, &stream, &group).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the event stream failed");
                if stop.after(backoff).await {
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

/// Samples the stream's length and pending entries into the metrics.
async fn sample(state: &AppState, conn: &mut ConnectionManager, stream: &str, group: &str) {
    let mut pipe = redis::pipe();
    pipe.cmd("XLEN").arg(stream);
    pipe.cmd("XPENDING").arg(stream).arg(group);
    match pipe
        .query_async::<(i64, redis::streams::StreamPendingReply)>(conn)
        .await
    {
        Ok((length, pending)) => state.metrics.set_stream(length, pending.count() as i64),
        Err(e) => tracing::debug!(error = %e, "cannot sample the event stream"),
    }
}

/// Creates the consumer group (and the stream) if missing, reading from the start of the
/// stream: events written before the group existed are not skipped.
async fn create_group(conn: &mut ConnectionManager, stream: &str, group: &str) {
    let created: Result<(), _> = conn.xgroup_create_mkstream(stream, group, "0").await;
    if let Err(e) = created
        && e.code() != Some("BUSYGROUP")
    {
        tracing::warn!(error = %e, "cannot create the stream consumer group");
    }
}

/// Whether Redis answered that the stream or its group does not exist: Redis lost its data
/// (restarted without persistence, flushed) or someone deleted the stream.
fn is_nogroup(e: &redis::RedisError) -> bool {
    e.code() == Some("NOGROUP")
}

/// The group is gone with the stream: made again, from the start of whatever the stream
/// holds now (entries the edges wrote since are read; what Redis lost is lost).
async fn recreate_group(conn: &mut ConnectionManager, stream: &str, group: &str) {
    tracing::warn!(
        stream,
        group,
        "the event stream's consumer group is gone (Redis lost its data?): creating it again"
    );
    create_group(conn, stream, group).await;
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
            Err(e) if e.is_unavailable() => break,
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
