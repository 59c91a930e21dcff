//! One measured row of the report, as a line of JSON in the results file (the format
//! scripts/bench-edge writes too), and the statistics the rows share.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What was measured, or what it is compared with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// What ran: `afftok-edge`, `COPY with psql`, ...
    pub name: String,
    /// The headline number, in the row's `metric`.
    pub value: f64,
    /// Other numbers worth printing (p50_ms, p99_ms, peak_rss_mib, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Figure {
    /// A figure with no extra numbers.
    pub fn new(name: impl Into<String>, value: f64) -> Self {
        Self {
            name: name.into(),
            value,
            extra: Map::new(),
        }
    }

    /// Adds an extra number, rounded to 3 decimals.
    pub fn with(mut self, key: &str, value: f64) -> Self {
        self.extra.insert(key.to_owned(), round3(value).into());
        self
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// Stable id, e.g. `ingest-http`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Unit of the figures' values: `events/s`, `ms (p50)`, `MiB`, ...
    pub metric: String,
    /// What was measured.
    pub subject: Figure,
    /// What it is compared with, run in the same script on the same machine.
    pub baseline: Option<Figure>,
    /// How many times the baseline (throughput: subject / baseline; latency: baseline /
    /// subject, so above 1 is better either way).
    pub ratio: Option<f64>,
    /// The target, in words.
    pub target: String,
    /// Whether the target was met.
    pub met: bool,
    /// How it was measured: tools, sizes, durations, concurrency, placement.
    pub how: String,
    /// Anything else a reader needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Further figures a row's script adds (kept in results.json as they came).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Appends rows to the results file (JSON Lines) and prints them.
pub fn append(path: &Path, rows: &[Row]) -> Result<(), String> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    for row in rows {
        let line = serde_json::to_string(row).map_err(|e| e.to_string())?;
        writeln!(file, "{line}").map_err(|e| format!("writing {}: {e}", path.display()))?;
        let baseline = row
            .baseline
            .as_ref()
            .map(|b| format!(" vs {} {:.1}", b.name, b.value))
            .unwrap_or_default();
        let ratio = row.ratio.map(|r| format!(" ({r:.2}x)")).unwrap_or_default();
        println!(
            "    {}: {} {:.1} {}{baseline}{ratio}; target {}: {}",
            row.title,
            row.subject.name,
            row.subject.value,
            row.metric,
            row.target,
            if row.met { "met" } else { "MISSED" }
        );
    }
    Ok(())
}

/// Rounds to 3 decimals (figures are printed, not computed with).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Percentiles {
    /// Median, ms.
    pub p50: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Largest, ms.
    pub max: f64,
    /// How many samples.
    pub n: usize,
}

/// Nearest-rank percentiles of `samples` (empty: all zero).
pub fn percentiles(samples: &[Duration]) -> Percentiles {
    let mut v: Vec<f64> = samples.iter().map(|d| ms(*d)).collect();
    v.sort_by(f64::total_cmp);
    let at = |p: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    };
    Percentiles {
        p50: at(50.0),
        p99: at(99.0),
        max: v.last().copied().unwrap_or(0.0),
        n: v.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = percentiles(&samples);
        assert_eq!((p.p50, p.p99, p.max, p.n), (50.0, 99.0, 100.0, 100));
        let one = percentiles(&[Duration::from_millis(7)]);
        assert_eq!((one.p50, one.p99), (7.0, 7.0));
        assert_eq!(percentiles(&[]).n, 0);
    }
}
