//! Prometheus metrics: requests by route template, method and status, and their latency;
//! events ingested by source and outcome; edge config entries pushed by target and outcome;
//! webhook and postback attempts by outcome, and their latency; how far behind ingest is;
//! the event stream's length and pending entries. `ops/` holds the alert rules and the
//! dashboard built on them (the README's runbook says what to do for each alert).
//! One registry per application (tests run several in one process).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::app::startup::AppState;

/// The registry and the request metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    events: IntCounterVec,
    edge_push: IntCounterVec,
    webhook_attempts: IntCounterVec,
    webhook_latency: HistogramVec,
    ingest_lag: HistogramVec,
    stream_length: IntGauge,
    stream_pending: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with the request metrics.
    pub fn new() -> Self {
        let registry = Registry::new();
        let labels = &["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            labels,
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer HTTP requests",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            labels,
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let events = IntCounterVec::new(
            Opts::new(
                "afftok_events_total",
                "Events from the edges by source (http, stream) and outcome (stored, duplicate, dead_lettered)",
            ),
            &["source", "outcome"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let edge_push = IntCounterVec::new(
            Opts::new(
                "afftok_edge_push_total",
                "Queued edge config pushes by target: entries pushed (outcome pushed) and failed rounds (outcome failed; a round fails for every target at once)",
            ),
            &["target", "outcome"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "afftok_webhook_attempts_total",
                "Webhook (kind webhook) and promoter postback (kind postback) attempts by outcome: delivered, retry (failed, tried again later), failed (for good), gone (410: the endpoint is disabled)",
            ),
            &["kind", "outcome"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let webhook_latency = HistogramVec::new(
            HistogramOpts::new(
                "afftok_webhook_attempt_duration_seconds",
                "Time from the start of an attempt to the end of its answer's first KiB (or its failure)",
            )
            .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0]),
            &["kind"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let ingest_lag = HistogramVec::new(
            HistogramOpts::new(
                "afftok_ingest_lag_seconds",
                "Per stored batch, by source: the age of its newest event when it was stored (how far behind ingest is)",
            )
            .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0]),
            &["source"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let stream_length = IntGauge::new(
            "afftok_stream_length",
            "Entries in the event stream (read and unread; entries are deleted once stored), sampled by the reader",
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let stream_pending = IntGauge::new(
            "afftok_stream_pending",
            "Entries read by the consumer group and not yet acknowledged (being stored, or left by a dead reader), sampled by the reader",
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let _ = registry.register(Box::new(ingest_lag.clone()));
        let _ = registry.register(Box::new(stream_length.clone()));
        let _ = registry.register(Box::new(stream_pending.clone()));
        // Registering fresh metrics in a fresh registry cannot collide.
        let _ = registry.register(Box::new(webhook_attempts.clone()));
        let _ = registry.register(Box::new(webhook_latency.clone()));
        let _ = registry.register(Box::new(requests.clone()));
        let _ = registry.register(Box::new(latency.clone()));
        let _ = registry.register(Box::new(events.clone()));
        let _ = registry.register(Box::new(edge_push.clone()));
        Self {
            registry,
            requests,
            latency,
            events,
            edge_push,
            webhook_attempts,
            webhook_latency,
            ingest_lag,
            stream_length,
            stream_pending,
        }
    }

    /// Records how old the newest event of a stored batch was.
    pub fn observe_ingest_lag(&self, source: &str, seconds: f64) {
        self.ingest_lag
            .with_label_values(&[source])
            .observe(seconds.max(0.0));
    }

    /// Records the event stream's length and pending entries.
    pub fn set_stream(&self, length: i64, pending: i64) {
        self.stream_length.set(length);
        self.stream_pending.set(pending);
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Counts what became of a batch of events.
    pub fn count_events(&self, source: &str, report: &crate::tracking::Report) {
        for (outcome, n) in [
            ("stored", report.stored),
            ("duplicate", report.duplicates),
            ("dead_lettered", report.dead_lettered),
        ] {
            self.events
                .with_label_values(&[source, outcome])
                .inc_by(n as u64);
        }
    }

    /// Counts queued edge config entries pushed to (or failed on) a target.
    pub fn count_edge_push(&self, target: &str, outcome: &str, entries: usize) {
        self.edge_push
            .with_label_values(&[target, outcome])
            .inc_by(entries as u64);
    }

    /// Counts a finished webhook or postback attempt.
    pub fn count_webhook_attempt(&self, kind: &str, outcome: &str, seconds: f64) {
        self.webhook_attempts
            .with_label_values(&[kind, outcome])
            .inc();
        self.webhook_latency
            .with_label_values(&[kind])
            .observe(seconds);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Records every request under its route template (`/v1/offers/{id}`), so ids do not create
/// a series each; the web app's answers share the label `web`, other unmatched paths
/// `unmatched`.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let response = next.run(req).await;
    let route =
        matched.unwrap_or_else(
            || match response.extensions().get::<crate::web::WebAnswer>() {
                Some(_) => "web".to_owned(),
                None => "unmatched".to_owned(),
            },
        );
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`.
pub async fn exposition(State(state): State<AppState>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every metric the alert rules and the dashboard in `ops/` name is one this registry
    /// exports (or the scrape's own `up`, the blackbox exporter's `probe_*`, and the native
    /// edge's `afftok_native_edge_*`, which its own test checks).
    #[test]
    fn the_ops_files_name_only_exported_metrics() {
        let exported: BTreeSet<String> = {
            let m = super::Metrics::new();
            m.count_events("http", &crate::tracking::Report::default());
            m.count_edge_push("redis", "pushed", 0);
            m.count_webhook_attempt("webhook", "delivered", 0.1);
            m.observe("GET", "/x", 200, 0.1);
            m.observe_ingest_lag("http", 1.0);
            m.set_stream(0, 0);
            m.render()
                .lines()
                .filter_map(|l| l.strip_prefix("# TYPE "))
                .filter_map(|l| l.split(' ').next())
                .map(str::to_owned)
                .collect()
        };
        assert!(exported.contains("afftok_stream_pending"), "{exported:?}");
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
            let mut named = BTreeSet::new();
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                // The native edge's own metrics are checked by its test (edge/native).
                if word.starts_with("afftok_native_edge_") {
                    continue;
                }
                if word.starts_with("afftok_") || word.starts_with("http_") {
                    let base = ["_bucket", "_sum", "_count"]
                        .iter()
                        .find_map(|s| word.strip_suffix(s))
                        .unwrap_or(word);
                    named.insert(base.to_owned());
                }
            }
            assert!(named.len() >= 6, "{file}: {named:?}");
            let unknown: Vec<_> = named.difference(&exported).collect();
            assert!(
                unknown.is_empty(),
                "{file} names metrics nobody exports: {unknown:?}"
            );
        }
    }
}
