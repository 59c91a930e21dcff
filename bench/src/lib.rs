//! `afftok-bench`: the control plane's rows of `scripts/bench` and the report of all rows.
//!
//! # Layout
//! - `ingest`: events/s persisted through signed HTTP batches and the Redis Stream, against
//!   `COPY` of the same rows with psql; the control plane's peak memory meanwhile.
//! - `stats`: a 30-day daily breakdown for one promoter and one advertiser over a generated
//!   data set, through the API, against a `GROUP BY` over the raw rows.
//! - `postback`: time from a postback at the native edge to the conversion in
//!   `/v1/stats/live`, and to the advertiser's `conversion.created` webhook.
//! - `ranges`: the memory of the imported hosting and VPN ranges (the shared snapshot of
//!   the public lists) in the control plane's prefix tables and the cost of one lookup,
//!   against a hash set per prefix length.
//! - `webhooks`: webhook deliveries per second from `afftok serve` to a receiver in this
//!   process, against a plain HTTP client posting the same bodies to it.
//! - `report`: the table of every row of a run (these and scripts/bench-edge's), as text,
//!   Markdown and JSON.
//!
//! Each measuring command appends its rows as JSON Lines to `--out`.

use std::path::PathBuf;

/// The control plane's API.
pub mod api;
/// Row 3 (and the control plane's part of row 6).
pub mod ingest;
/// Row 9: the leaderboards at scale.
pub mod leaderboards;
/// The bench's databases.
pub mod pg;
/// Row 5.
pub mod postback;
/// The processes a row starts and what is read off them.
pub mod procs;
/// Row 7: the fraud ranges in memory.
pub mod ranges;
/// The webhook receiver rows 5 and 8 send to.
pub mod receiver;
/// The report.
pub mod report;
/// Rows and their statistics.
pub mod results;
/// Row 4.
pub mod stats;
/// Synthetic edge traffic.
pub mod traffic;
/// Row 6: the web app's stats page in headless Chromium.
pub mod web;
/// Row 8: webhook deliveries per second.
pub mod webhooks;

/// What every row needs to know.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Small sizes.
    pub quick: bool,
    /// Results file.
    pub out: PathBuf,
    /// `afftok`.
    pub afftok: PathBuf,
    /// `afftok-edge`.
    pub edge: PathBuf,
    /// Log directory.
    pub logs: PathBuf,
    /// Postgres server URL.
    pub database_url: String,
    /// Redis URL.
    pub redis_url: String,
    /// Unique per run: names databases and Redis prefixes.
    pub run: String,
    /// Keep the run's databases (for a look at them afterwards).
    pub keep: bool,
}

impl Ctx {
    /// Checks the settings and makes the log and results directories.
    pub fn new(c: Common) -> Result<Self, String> {
        if !c.afftok.exists() {
            return Err(format!(
                "--afftok {} does not exist: build it first",
                c.afftok.display()
            ));
        }
        std::fs::create_dir_all(&c.logs).map_err(|e| format!("{}: {e}", c.logs.display()))?;
        if let Some(dir) = c.out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        Ok(Self {
            quick: c.quick,
            out: c.out,
            afftok: std::fs::canonicalize(&c.afftok).map_err(|e| e.to_string())?,
            // Checked by the row that starts it.
            edge: std::fs::canonicalize(&c.edge).unwrap_or(c.edge),
            logs: c.logs,
            database_url: c.database_url,
            redis_url: c.redis_url,
            run: format!("{}", std::process::id()),
            keep: c.keep,
        })
    }

    /// Drops a database of this run, unless asked to keep them.
    pub async fn drop_database(&self, name: &str) {
        if self.keep {
            println!("    kept database {name}");
        } else if let Err(e) = pg::drop(self, name).await {
            println!("    could not drop database {name}: {e}");
        }
    }

    /// A log file of this run.
    pub fn log(&self, name: &str) -> PathBuf {
        self.logs.join(format!("{name}.log"))
    }

    /// A Redis prefix of this run.
    pub fn redis_prefix(&self, row: &str) -> String {
        format!("afftok-bench:{}:{row}:", self.run)
    }

    /// Deletes every Redis key of this run.
    pub async fn clean_redis(&self) {
        let Ok(client) = redis::Client::open(self.redis_url.as_str()) else {
            return;
        };
        let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
            return;
        };
        let pattern = format!("afftok-bench:{}:*", self.run);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        for chunk in keys.chunks(500) {
            let _: Result<(), _> = redis::cmd("DEL").arg(chunk).query_async(&mut conn).await;
        }
    }
}

/// Settings every measuring command takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Small sizes: every row in seconds (a smoke run; figures are indicative only).
    #[arg(long)]
    pub quick: bool,
    /// The results file (JSON Lines) rows are appended to.
    #[arg(
        long,
        env = "AFFTOK_BENCH_OUT",
        default_value = "bench-results/results.jsonl"
    )]
    pub out: PathBuf,
    /// The `afftok` binary.
    #[arg(long, default_value = "target/release/afftok")]
    pub afftok: PathBuf,
    /// The `afftok-edge` binary.
    #[arg(long, default_value = "target/release/afftok-edge")]
    pub edge: PathBuf,
    /// Where service logs go.
    #[arg(long, default_value = "bench-results/logs")]
    pub logs: PathBuf,
    /// Postgres (the server; the bench creates its own databases on it).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub database_url: String,
    /// Keep the databases of the run (they are dropped otherwise; the stats data set is kept
    /// anyway).
    #[arg(long)]
    pub keep: bool,
    /// Redis (keys and streams under a prefix of this run, deleted afterwards).
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
}
