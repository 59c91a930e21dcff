//! The flood counts in Redis: how many ok clicks each IP made in each UTC minute, counted by
//! ingest before it stores a batch, so that a batch sees the clicks of batches still in flight
//! on any control plane. A batch's count is one script ([`FloodCounts::count`]), which runs
//! alone: each count sees every count before it.
//!
//! The counts are kept under a generation (`{prefix}flood:{gen}:{minute}`, one hash per
//! minute, IP → clicks, expiring past the horizon) and say in a state hash
//! (`{prefix}flood:state`) since which minute they are whole, which Redis process made them,
//! and up to which epoch. They are not whole, and a count answers [`Count::Lost`] adding
//! nothing, when Redis lost them (emptied, or restarted: a file it loads again may lack its
//! last counts) or when a batch could not count (Redis away: that batch moves the epoch in
//! Postgres before it scores). Counting then starts again ([`FloodCounts::start`]) under a new
//! generation, from the stored clicks, while no batch is in flight
//! (`control-plane/src/fraud/scoring.rs`).
//!
//! Redis must keep these keys until they expire: `maxmemory-policy noeviction` (Redis's
//! default), not an eviction policy, which could drop a minute and leave the counts short.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use time::OffsetDateTime;

use crate::app::redis_guard::{RedisGuard, Unavailable};

/// The clicks counted in some minutes of some IPs (a minute not in it counted none).
pub(crate) type Counts = HashMap<(IpAddr, OffsetDateTime), i64>;

/// What a count saw.
#[derive(Debug)]
pub(crate) enum Count {
    /// The counts are whole: the ones asked for, Redis's clock, and the minute from which
    /// every stored click is counted.
    Whole {
        counts: Counts,
        now: OffsetDateTime,
        since: OffsetDateTime,
    },
    /// The counts are not whole for this batch: nothing was added; counting must start again.
    Lost,
}

/// What a count asks of one minute: the IPs to add to (their text, with their clicks) and the
/// IPs to read (with their text).
type MinuteAsked<'a> = (Vec<(&'a str, i32)>, Vec<(IpAddr, &'a str)>);

/// What the counts are taken against: the epoch and generation read in Postgres under the
/// batch's locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Against {
    pub epoch: i64,
    pub generation: i64,
}

/// The flood counts of a control plane: its Redis connection, key prefix, and a guard of its
/// own (a failed count is not waited on again for a moment; the API's guard is apart).
#[derive(Clone)]
pub struct FloodCounts {
    redis: ConnectionManager,
    prefix: Arc<str>,
    guard: Arc<RedisGuard>,
    /// One start of counting at a time on this instance: batches that find the counts lost
    /// together wait here, not each with a connection waiting for the lock every batch shares.
    pub(crate) starting: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for FloodCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FloodCounts")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// How long a count may take before the batch goes on without it.
const TIMEOUT: Duration = Duration::from_secs(1);

/// How long after a failed count counts are not tried.
const PAUSE: Duration = Duration::from_secs(1);

/// How many fields a call of a start of counting writes at most.
const START_CHUNK: usize = 5_000;

static COUNT: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("flood_count.lua")));

/// Marks the counts whole from `since` under a generation, in the Redis process that runs it.
static STARTED: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        "local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
         redis.call('HSET', KEYS[1], 'run', run, 'gen', ARGV[1], 'since', ARGV[2], 'epoch', ARGV[3])
         return 1",
    )
});

impl FloodCounts {
    /// The counts under `prefix` (`AFFTOK_REDIS_KEY_PREFIX`).
    pub fn new(redis: ConnectionManager, prefix: &str) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            guard: Arc::new(RedisGuard::new(TIMEOUT, PAUSE)),
            starting: Arc::default(),
        }
    }

    fn state_key(&self) -> String {
        format!("{}flood:state", self.prefix)
    }

    fn generations_key(&self) -> String {
        format!("{}flood:generations", self.prefix)
    }

    fn minute_key(&self, generation: i64, minute: i64) -> String {
        format!("{}flood:{generation}:{minute}", self.prefix)
    }

    /// Adds `add` (IP, minute, clicks) unless they were added under this generation already
    /// (`added`), then reads the counts in the `read` spans (IP, first minute, last minute),
    /// the ones just added included. `keep`: how long a minute is kept after it began.
    pub(crate) async fn count(
        &self,
        against: Against,
        added: Option<i64>,
        add: &[(IpAddr, OffsetDateTime, i32)],
        read: &[(IpAddr, OffsetDateTime, OffsetDateTime)],
        keep: time::Duration,
    ) -> Result<Count, Unavailable> {
        // Each IP's text once (an IP is in up to four minutes of a batch's count).
        let mut texts: HashMap<IpAddr, String> = HashMap::new();
        for ip in add.iter().map(|a| a.0).chain(read.iter().map(|r| r.0)) {
            texts.entry(ip).or_insert_with(|| ip.to_string());
        }
        // Per minute: the IPs to add to and the IPs to read.
        let mut minutes: BTreeMap<i64, MinuteAsked<'_>> = BTreeMap::new();
        for (ip, minute, n) in add {
            let m = minutes.entry(minute.unix_timestamp()).or_default();
            m.0.push((&texts[ip], *n));
        }
        for (ip, lo, hi) in read {
            let mut m = *lo;
            while m <= *hi {
                minutes
                    .entry(m.unix_timestamp())
                    .or_default()
                    .1
                    .push((*ip, &texts[ip]));
                m += time::Duration::MINUTE;
            }
        }
        let mut script = COUNT.prepare_invoke();
        script
            .key(self.state_key())
            .arg(against.epoch)
            .arg(against.generation)
            .arg(added.map_or_else(|| "-".to_owned(), |g| g.to_string()))
            .arg(keep.whole_seconds());
        for (minute, (adds, reads)) in &minutes {
            script
                .key(self.minute_key(against.generation, *minute))
                .arg(*minute)
                .arg(adds.len());
            for (ip, n) in adds {
                script.arg(*ip).arg(*n);
            }
            script.arg(reads.len());
            for (_, text) in reads {
                script.arg(*text);
            }
        }
        let mut conn = self.redis.clone();
        let answer: Vec<i64> = self.guard.call(script.invoke_async(&mut conn)).await?;
        let [status, now, since, got @ ..] = answer.as_slice() else {
            return Ok(Count::Lost);
        };
        if *status != 1 {
            return Ok(Count::Lost);
        }
        let at = |secs: i64| {
            OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        let mut counts = Counts::new();
        let mut got = got.iter();
        for (minute, (_, reads)) in &minutes {
            for (ip, _) in reads {
                let n = got.next().copied().unwrap_or(0);
                if n != 0 {
                    counts.insert((*ip, at(*minute)), n);
                }
            }
        }
        Ok(Count::Whole {
            counts,
            now: at(*now),
            since: at(*since),
        })
    }

    /// Starts counting again under a new generation with `counts` (IP, minute, clicks: every
    /// stored ok click from `since` on), whole up to `epoch`, and answers the generation. Call
    /// it while no batch is in flight and none can start (the counts' lock held alone), then
    /// record the generation in Postgres in the same transaction. Generations come from a
    /// counter in Redis, so a new one never meets keys left by another (a database restored
    /// from a backup holds an old one; a Redis that restarts on its file has its counter as
    /// it had the keys). A start that fails half way leaves a generation never marked whole.
    pub(crate) async fn start(
        &self,
        since: OffsetDateTime,
        epoch: i64,
        counts: &[(IpAddr, OffsetDateTime, i64)],
        keep: time::Duration,
    ) -> Result<i64, Unavailable> {
        let mut conn = self.redis.clone();
        let generation: i64 = self
            .guard
            .call(
                redis::cmd("INCR")
                    .arg(self.generations_key())
                    .query_async(&mut conn),
            )
            .await?;
        for chunk in counts.chunks(START_CHUNK) {
            let mut by_minute: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
            for (ip, minute, n) in chunk {
                by_minute
                    .entry(minute.unix_timestamp())
                    .or_default()
                    .push((ip.to_string(), *n));
            }
            let mut pipe = redis::pipe();
            for (minute, fields) in by_minute {
                let key = self.minute_key(generation, minute);
                pipe.hset_multiple(&key, &fields).ignore();
                pipe.expire_at(&key, minute + keep.whole_seconds()).ignore();
            }
            self.guard.call(pipe.query_async::<()>(&mut conn)).await?;
        }
        let mut script = STARTED.prepare_invoke();
        script
            .key(self.state_key())
            .arg(generation)
            .arg(since.unix_timestamp())
            .arg(epoch);
        self.guard
            .call(script.invoke_async::<i64>(&mut conn))
            .await?;
        Ok(generation)
    }
}
