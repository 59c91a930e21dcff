//! `GET /metrics` of the native edge, in Prometheus' text format: answers by status, the
//! time to answer (a histogram), click events waiting to be written and dropped, and whether
//! the KV circuit breaker is open. Counters are relaxed atomics: an answer costs two
//! increments and a clock read.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Statuses counted on their own; any other is counted as `other`.
const STATUSES: [u16; 12] = [200, 204, 302, 400, 403, 404, 405, 410, 413, 451, 500, 503];
/// Upper bounds of the answer-time buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 1.0,
];

/// The edge's counters.
#[derive(Debug, Default)]
pub struct EdgeMetrics {
    /// By [`STATUSES`] index; the last one is `other`.
    answers: [AtomicU64; STATUSES.len() + 1],
    /// By [`BUCKETS`] index (not cumulative); the last one is beyond the last bound.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    nanos: AtomicU64,
}

/// What the rest of the edge reports at render time.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// Click events accepted and not yet written to Redis.
    pub events_unsent: usize,
    /// Click events dropped since the start (the queue was full).
    pub events_dropped: u64,
    /// Whether KV reads fail at once (Redis failed lately).
    pub breaker_open: bool,
}

impl EdgeMetrics {
    /// Counts one answer of `status` that took `took`.
    pub fn observe(&self, status: u16, took: Duration) {
        let at = STATUSES
            .iter()
            .position(|&s| s == status)
            .unwrap_or(STATUSES.len());
        self.answers[at].fetch_add(1, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The exposition.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::with_capacity(2048);
        let _ = writeln!(
            out,
            "# HELP afftok_native_edge_answers_total Answers by HTTP status.\n\
             # TYPE afftok_native_edge_answers_total counter"
        );
        for (i, count) in self.answers.iter().enumerate() {
            let status = STATUSES
                .get(i)
                .map_or_else(|| "other".to_owned(), u16::to_string);
            let _ = writeln!(
                out,
                "afftok_native_edge_answers_total{{status=\"{status}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP afftok_native_edge_answer_seconds Time from a request's head to its answer.\n\
             # TYPE afftok_native_edge_answer_seconds histogram"
        );
        let mut cumulative = 0;
        for (i, count) in self.buckets.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            let le = BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), f64::to_string);
            let _ = writeln!(
                out,
                "afftok_native_edge_answer_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        let seconds = self.nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "afftok_native_edge_answer_seconds_sum {seconds}");
        let _ = writeln!(out, "afftok_native_edge_answer_seconds_count {cumulative}");
        let _ = writeln!(
            out,
            "# HELP afftok_native_edge_events_unsent Click events accepted and not yet written to Redis.\n\
             # TYPE afftok_native_edge_events_unsent gauge\n\
             afftok_native_edge_events_unsent {}\n\
             # HELP afftok_native_edge_events_dropped_total Click events dropped (the queue was full).\n\
             # TYPE afftok_native_edge_events_dropped_total counter\n\
             afftok_native_edge_events_dropped_total {}\n\
             # HELP afftok_native_edge_kv_breaker_open 1 while KV reads fail at once (Redis failed lately).\n\
             # TYPE afftok_native_edge_kv_breaker_open gauge\n\
             afftok_native_edge_kv_breaker_open {}",
            gauges.events_unsent,
            gauges.events_dropped,
            u8::from(gauges.breaker_open)
        );
        out
    }

    /// The metric names [`Self::render`] writes (for the ops files' test).
    pub fn names() -> [&'static str; 5] {
        [
            "afftok_native_edge_answers_total",
            "afftok_native_edge_answer_seconds",
            "afftok_native_edge_events_unsent",
            "afftok_native_edge_events_dropped_total",
            "afftok_native_edge_kv_breaker_open",
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIET: Gauges = Gauges {
        events_unsent: 3,
        events_dropped: 0,
        breaker_open: true,
    };

    #[test]
    fn answers_are_counted_by_status_and_time() {
        let m = EdgeMetrics::default();
        m.observe(302, Duration::from_micros(80));
        m.observe(302, Duration::from_millis(3));
        m.observe(404, Duration::from_secs(2));
        m.observe(418, Duration::from_micros(1));
        let text = m.render(QUIET);
        assert!(
            text.contains("afftok_native_edge_answers_total{status=\"302\"} 2"),
            "{text}"
        );
        assert!(text.contains("afftok_native_edge_answers_total{status=\"404\"} 1"));
        assert!(text.contains("afftok_native_edge_answers_total{status=\"other\"} 1"));
        // Cumulative buckets: 2 answers within 0.1 ms, 3 within 5 ms, all 4 in +Inf.
        assert!(text.contains("afftok_native_edge_answer_seconds_bucket{le=\"0.0001\"} 2"));
        assert!(text.contains("afftok_native_edge_answer_seconds_bucket{le=\"0.005\"} 3"));
        assert!(text.contains("afftok_native_edge_answer_seconds_bucket{le=\"1\"} 3"));
        assert!(text.contains("afftok_native_edge_answer_seconds_bucket{le=\"+Inf\"} 4"));
        assert!(text.contains("afftok_native_edge_answer_seconds_count 4"));
        assert!(text.contains("afftok_native_edge_events_unsent 3"));
        assert!(text.contains("afftok_native_edge_kv_breaker_open 1"));
    }

    #[test]
    fn every_named_metric_is_rendered_with_its_type() {
        let text = EdgeMetrics::default().render(QUIET);
        for name in EdgeMetrics::names() {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
        }
    }

    /// Every `afftok_native_edge_*` metric the alert rules and the dashboard in `ops/` name is one
    /// the edge renders (the control plane's test checks the others).
    #[test]
    fn the_ops_files_name_only_rendered_edge_metrics() {
        for (file, text) in [
            (
                "alerts.yml",
                include_str!("../../../ops/prometheus/alerts.yml"),
            ),
            (
                "afftok.json",
                include_str!("../../../ops/grafana/afftok.json"),
            ),
        ] {
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if let Some(rest) = word.strip_prefix("afftok_native_edge_") {
                    let base = ["_bucket", "_sum", "_count"]
                        .iter()
                        .find_map(|s| rest.strip_suffix(s))
                        .unwrap_or(rest);
                    let name = format!("afftok_native_edge_{base}");
                    assert!(
                        EdgeMetrics::names().contains(&name.as_str()),
                        "{file} names {name}, which the edge does not render"
                    );
                }
            }
        }
    }
}
