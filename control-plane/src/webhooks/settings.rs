//! The `[webhooks]` settings: the retry schedule, the timeout, when a failing endpoint is
//! disabled, the guard's allowances and the worker pool's limits.

use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use crate::app::config::{ConfigError, err};
use crate::webhooks::guard::Guard;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebhooks {
    retry_schedule: String,
    timeout_ms: u64,
    disable_after_secs: u64,
    allow_http: bool,
    allow_networks: String,
    concurrency: u64,
    endpoint_concurrency: u64,
    poll_interval_ms: u64,
    sender: bool,
    log_retention_days: u64,
}

/// Webhook and promoter postback delivery (DESIGN §12).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The pauses after each failed attempt (after the last, the message has failed).
    pub retry_schedule: Vec<Duration>,
    /// How long an attempt may take, connection included.
    pub timeout: Duration,
    /// An endpoint whose attempts have all failed for this long is disabled.
    pub disable_after: Duration,
    /// What targets may be reached.
    pub guard: Guard,
    /// Attempts in flight at once, per control plane.
    pub concurrency: usize,
    /// Attempts in flight at once to one endpoint, per control plane.
    pub endpoint_concurrency: usize,
    /// How often due messages are looked for when nothing told the worker of new ones.
    pub poll_interval: Duration,
    /// Whether this control plane sends (messages are made either way).
    pub sender: bool,
    /// How long delivered and failed messages are kept in the delivery log.
    pub log_retention: Duration,
}

/// Reads the retry schedule: durations like `5s`, `5m`, `2h`, separated by commas or spaces.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let schedule = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            humantime::parse_duration(s)
                .map_err(|_| format!("{s:?} is not a duration like 5s, 5m or 2h"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if schedule.len() > 50 {
        return Err("holds more than 50 retries".to_owned());
    }
    if schedule
        .iter()
        .any(|d| *d > Duration::from_secs(7 * 86_400))
    {
        return Err("a pause is longer than 7 days".to_owned());
    }
    Ok(schedule)
}

pub(crate) fn webhooks(raw: RawWebhooks) -> Result<WebhookSettings, ConfigError> {
    let retry_schedule = parse_schedule(&raw.retry_schedule)
        .map_err(|why| err("AFFTOK_WEBHOOK_RETRY_SCHEDULE", why))?;
    if !(100..=60_000).contains(&raw.timeout_ms) {
        return Err(err("AFFTOK_WEBHOOK_TIMEOUT_MS", "must be 100 to 60000"));
    }
    if !(1..=90 * 86_400).contains(&raw.disable_after_secs) {
        return Err(err(
            "AFFTOK_WEBHOOK_DISABLE_AFTER_SECS",
            "must be 1 to 7776000 (90 days)",
        ));
    }
    let allow = raw
        .allow_networks
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    err(
                        "AFFTOK_WEBHOOK_ALLOW_NETWORKS",
                        format!("{s:?} is not a network like 127.0.0.0/8 or an address"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !(1..=10_000).contains(&raw.concurrency) {
        return Err(err("AFFTOK_WEBHOOK_CONCURRENCY", "must be 1 to 10000"));
    }
    if !(1..=1_000).contains(&raw.endpoint_concurrency) {
        return Err(err(
            "AFFTOK_WEBHOOK_ENDPOINT_CONCURRENCY",
            "must be 1 to 1000",
        ));
    }
    if !(1..=3650).contains(&raw.log_retention_days) {
        return Err(err(
            "AFFTOK_WEBHOOK_LOG_RETENTION_DAYS",
            "must be 1 to 3650",
        ));
    }
    if !(10..=60_000).contains(&raw.poll_interval_ms) {
        return Err(err(
            "AFFTOK_WEBHOOK_POLL_INTERVAL_MS",
            "must be 10 to 60000",
        ));
    }
    Ok(WebhookSettings {
        retry_schedule,
        timeout: Duration::from_millis(raw.timeout_ms),
        disable_after: Duration::from_secs(raw.disable_after_secs),
        guard: Guard {
            allow,
            allow_http: raw.allow_http,
        },
        concurrency: raw.concurrency as usize,
        endpoint_concurrency: raw.endpoint_concurrency as usize,
        poll_interval: Duration::from_millis(raw.poll_interval_ms),
        sender: raw.sender,
        log_retention: Duration::from_secs(raw.log_retention_days * 86_400),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        let s = parse_schedule("5s, 5m 30m,2h 5h 10h 10h").unwrap_or_default();
        assert_eq!(s.len(), 7);
        assert_eq!(s[0], Duration::from_secs(5));
        assert_eq!(s[6], Duration::from_secs(36_000));
        assert_eq!(parse_schedule("").ok(), Some(vec![]));
        assert_eq!(
            parse_schedule("5s, soon").err().as_deref(),
            Some("\"soon\" is not a duration like 5s, 5m or 2h")
        );
        assert!(parse_schedule("8d").is_err());
        assert_eq!(
            parse_schedule("100ms 200ms").ok(),
            Some(vec![Duration::from_millis(100), Duration::from_millis(200)])
        );
    }
}
