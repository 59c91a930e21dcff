//! Configuration from the environment (DESIGN §5, the native edge's contract).
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `AFFTOK_EDGE_LISTEN` | `127.0.0.1:8787` | address to serve on (port 0: any free port) |
//! | `REDIS_URL` | `redis://127.0.0.1:6379` | Redis holding the KV entries and the stream |
//! | `AFFTOK_KV_PREFIX` | `afftok:kv:` | prefix of KV keys (`offer:42` → `afftok:kv:offer:42`) |
//! | `AFFTOK_EVENT_STREAM` | `afftok:events` | the Redis Stream events are added to |
//! | `AFFTOK_COUNTRY_HEADER` | unset: country unknown | header a trusted proxy sets to the visitor's country |
//! | `AFFTOK_CLIENT_IP_HEADER` | unset: the peer address | header a trusted proxy sets to the visitor's IP |
//! | `AFFTOK_EDGE_NAME` | `native` | the `edge` field of events, e.g. `native:fra1` |
//! | `AFFTOK_KV_CACHE_SECS` | `10` | how long KV entries are cached (0–30) |
//! | `AFFTOK_KV_READ_TIMEOUT_MS` | `50` | a KV read slower than this counts as failed and opens the circuit breaker (1–5000) |
//! | `AFFTOK_EVENT_BUFFER` | `100000` | click events held in memory while Redis is slow or down |
//! | `AFFTOK_EVENT_SPOOL` | unset: no spool | a directory where click events wait on disk while Redis is down |
//! | `AFFTOK_EVENT_SPOOL_MAX_MB` | `1024` | the spool file's bound, in MiB |
//! | `AFFTOK_LOG_FORMAT` | `text` | `json` for one JSON object per log line |
//! | `RUST_LOG` | `info` | log filter |

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::header::HeaderName;

/// The edge's settings.
#[derive(Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The Redis URL (may hold a password: never logged).
    pub redis_url: String,
    /// Prefix of every KV key in Redis.
    pub kv_prefix: String,
    /// Stream the events go to.
    pub event_stream: String,
    /// Header carrying the visitor's country.
    pub country_header: Option<HeaderName>,
    /// Header carrying the visitor's IP.
    pub client_ip_header: Option<HeaderName>,
    /// The `edge` field of events.
    pub edge_name: String,
    /// KV cache TTL.
    pub kv_cache_ttl: Duration,
    /// A KV read slower than this counts as failed (and opens the breaker).
    pub kv_read_timeout: Duration,
    /// Capacity of the in-memory click event queue.
    pub event_buffer: usize,
    /// Where click events wait on disk while Redis is down (none: in memory only).
    pub event_spool: Option<std::path::PathBuf>,
    /// The spool's bound, in bytes.
    pub event_spool_max_bytes: u64,
    /// Logs as JSON lines.
    pub json_logs: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("redis_url", &"<redacted>")
            .field("kv_prefix", &self.kv_prefix)
            .field("event_stream", &self.event_stream)
            .field("country_header", &self.country_header)
            .field("client_ip_header", &self.client_ip_header)
            .field("edge_name", &self.edge_name)
            .field("kv_cache_ttl", &self.kv_cache_ttl)
            .field("kv_read_timeout", &self.kv_read_timeout)
            .field("event_buffer", &self.event_buffer)
            .field("event_spool", &self.event_spool)
            .field("event_spool_max_bytes", &self.event_spool_max_bytes)
            .field("json_logs", &self.json_logs)
            .finish()
    }
}

/// A variable with a value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests). Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let err = |variable: &'static str, problem: String| ConfigError { variable, problem };

        let listen = match get("AFFTOK_EDGE_LISTEN") {
            None => SocketAddr::from(([127, 0, 0, 1], 8787)),
            Some(v) => v.trim().parse().map_err(|_| {
                err(
                    "AFFTOK_EDGE_LISTEN",
                    format!("{v:?} is not an address such as 127.0.0.1:8787"),
                )
            })?,
        };
        let redis_url = get("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        if !(redis_url.starts_with("redis://")
            || redis_url.starts_with("rediss://")
            || redis_url.starts_with("unix://")
            || redis_url.starts_with("redis+unix://"))
        {
            return Err(err(
                "REDIS_URL",
                "must start with redis://, rediss:// or unix://".into(),
            ));
        }
        let header = |variable: &'static str| -> Result<Option<HeaderName>, ConfigError> {
            get(variable)
                .map(|v| {
                    HeaderName::try_from(v.trim().to_ascii_lowercase())
                        .map_err(|_| err(variable, format!("{v:?} is not a header name")))
                })
                .transpose()
        };
        let kv_cache_secs = match get("AFFTOK_KV_CACHE_SECS") {
            None => 10,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|&s| s <= 30)
                .ok_or_else(|| {
                    err(
                        "AFFTOK_KV_CACHE_SECS",
                        format!("{v:?} is not a number of seconds from 0 to 30"),
                    )
                })?,
        };
        let kv_read_timeout_ms = match get("AFFTOK_KV_READ_TIMEOUT_MS") {
            None => 50,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|&ms| (1..=5000).contains(&ms))
                .ok_or_else(|| {
                    err(
                        "AFFTOK_KV_READ_TIMEOUT_MS",
                        format!("{v:?} is not a number of milliseconds from 1 to 5000"),
                    )
                })?,
        };
        let event_buffer = match get("AFFTOK_EVENT_BUFFER") {
            None => 100_000,
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    err(
                        "AFFTOK_EVENT_BUFFER",
                        format!("{v:?} is not a positive number"),
                    )
                })?,
        };
        let event_spool_mb = match get("AFFTOK_EVENT_SPOOL_MAX_MB") {
            None => 1024,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|&n| (1..=1_048_576).contains(&n))
                .ok_or_else(|| {
                    err(
                        "AFFTOK_EVENT_SPOOL_MAX_MB",
                        format!("{v:?} is not a number of MiB from 1 to 1048576"),
                    )
                })?,
        };
        let json_logs = match get("AFFTOK_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(err(
                    "AFFTOK_LOG_FORMAT",
                    format!("{other:?} is neither text nor json"),
                ));
            }
        };
        Ok(Self {
            listen,
            redis_url,
            kv_prefix: get("AFFTOK_KV_PREFIX").unwrap_or_else(|| "afftok:kv:".into()),
            event_stream: get("AFFTOK_EVENT_STREAM").unwrap_or_else(|| "afftok:events".into()),
            country_header: header("AFFTOK_COUNTRY_HEADER")?,
            client_ip_header: header("AFFTOK_CLIENT_IP_HEADER")?,
            edge_name: get("AFFTOK_EDGE_NAME").unwrap_or_else(|| "native".into()),
            kv_cache_ttl: Duration::from_secs(kv_cache_secs),
            kv_read_timeout: Duration::from_millis(kv_read_timeout_ms),
            event_buffer,
            event_spool: get("AFFTOK_EVENT_SPOOL").map(std::path::PathBuf::from),
            event_spool_max_bytes: event_spool_mb * 1024 * 1024,
            json_logs,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(c.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(c.kv_prefix, "afftok:kv:");
        assert_eq!(c.event_stream, "afftok:events");
        assert!(c.country_header.is_none() && c.client_ip_header.is_none());
        assert_eq!(c.edge_name, "native");
        assert_eq!(c.kv_cache_ttl, Duration::from_secs(10));
        assert_eq!(c.event_spool, None);
        assert_eq!(c.event_spool_max_bytes, 1 << 30);
    }

    #[test]
    fn values_are_read() {
        let c = config(&[
            ("AFFTOK_EDGE_LISTEN", "0.0.0.0:80"),
            ("AFFTOK_COUNTRY_HEADER", "CF-IPCountry"),
            ("AFFTOK_CLIENT_IP_HEADER", "X-Real-IP"),
            ("AFFTOK_KV_CACHE_SECS", "0"),
            ("AFFTOK_KV_READ_TIMEOUT_MS", "120"),
            ("AFFTOK_KV_PREFIX", ""),
        ])
        .expect("valid");
        assert_eq!(c.kv_read_timeout, Duration::from_millis(120));
        assert_eq!(c.listen.port(), 80);
        assert_eq!(
            c.country_header.map(|h| h.to_string()),
            Some("cf-ipcountry".into())
        );
        assert_eq!(
            c.client_ip_header.map(|h| h.to_string()),
            Some("x-real-ip".into())
        );
        assert_eq!(c.kv_cache_ttl, Duration::ZERO);
        assert_eq!(c.kv_prefix, "afftok:kv:", "empty means unset");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("AFFTOK_EDGE_LISTEN", "localhost"),
            ("REDIS_URL", "http://x"),
            ("AFFTOK_COUNTRY_HEADER", "bad header"),
            ("AFFTOK_KV_CACHE_SECS", "31"),
            ("AFFTOK_KV_READ_TIMEOUT_MS", "0"),
            ("AFFTOK_EVENT_BUFFER", "0"),
            ("AFFTOK_EVENT_SPOOL_MAX_MB", "0"),
            ("AFFTOK_LOG_FORMAT", "xml"),
        ] {
            let e = config(&[(var, value)]).expect_err(var);
            assert_eq!(e.variable, var);
        }
    }

    #[test]
    fn debug_hides_the_redis_url() {
        let c = config(&[("REDIS_URL", "redis://:hunter2@db:6379")]).expect("valid");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
