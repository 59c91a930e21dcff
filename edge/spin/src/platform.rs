//! The core's [`Platform`] on Spin.

use std::net::{IpAddr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use afftok_edge_core::{EdgeCache, Platform, PlatformError};
use afftok_shared::event::STREAM_FIELD;
use afftok_shared::{Country, Event};
use spin_sdk::key_value::Store;
use spin_sdk::redis::{Connection, RedisParameter};
use spin_sdk::variables;

/// The key-value store label in spin.toml.
pub const STORE: &str = "default";

/// Settings read from Spin variables once per request.
#[derive(Debug, Clone)]
struct Settings {
    redis_address: Option<String>,
    event_stream: String,
    kv_prefix: String,
    edge_name: String,
}

/// The platform of one request.
#[derive(Debug)]
pub struct SpinPlatform {
    settings: Settings,
    cache: EdgeCache,
    ip: Option<IpAddr>,
    country: Option<Country>,
}

async fn variable(name: &str) -> Option<String> {
    variables::get(name)
        .await
        .ok()
        .filter(|v| !v.trim().is_empty())
}

impl SpinPlatform {
    /// Reads the variables; `client_addr` is Spin's `spin-client-addr` header, and `header`
    /// looks up request headers (for the optional country header).
    pub async fn new(client_addr: Option<&str>, header: impl Fn(&str) -> Option<String>) -> Self {
        let settings = Settings {
            redis_address: variable("redis_address").await,
            event_stream: variable("event_stream")
                .await
                .unwrap_or_else(|| "afftok:events".into()),
            kv_prefix: variable("kv_prefix")
                .await
                .unwrap_or_else(|| "afftok:kv:".into()),
            edge_name: variable("edge_name").await.unwrap_or_else(|| "spin".into()),
        };
        let country = match variable("country_header").await {
            Some(name) => header(&name.to_ascii_lowercase()).and_then(|v| Country::from_header(&v)),
            None => None,
        };
        let ip = client_addr.and_then(|addr| {
            addr.parse::<SocketAddr>()
                .map(|s| s.ip())
                .or_else(|_| addr.parse::<IpAddr>())
                .ok()
                .map(|ip| ip.to_canonical())
        });
        Self {
            settings,
            cache: EdgeCache::default(),
            ip,
            country,
        }
    }

    async fn xadd(&self, event: &Event) -> Result<(), PlatformError> {
        xadd(&self.settings, event).await
    }
}

async fn xadd(settings: &Settings, event: &Event) -> Result<(), PlatformError> {
    let address = settings
        .redis_address
        .as_deref()
        .ok_or_else(|| PlatformError("the redis_address variable is not set".into()))?;
    let json = serde_json::to_vec(event)
        .map_err(|e| PlatformError(format!("event does not serialize: {e}")))?;
    let conn = Connection::open(address)
        .await
        .map_err(|e| PlatformError(format!("redis open: {e:?}")))?;
    conn.execute(
        "XADD",
        [
            RedisParameter::Binary(settings.event_stream.as_bytes().to_vec()),
            RedisParameter::Binary(b"*".to_vec()),
            RedisParameter::Binary(STREAM_FIELD.as_bytes().to_vec()),
            RedisParameter::Binary(json),
        ],
    )
    .await
    .map(drop)
    .map_err(|e| PlatformError(format!("redis XADD {}: {e:?}", settings.event_stream)))
}

impl Platform for SpinPlatform {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        let store = Store::open(STORE)
            .await
            .map_err(|e| PlatformError(format!("key-value store {STORE}: {e:?}")))?;
        store
            .get(format!("{}{key}", self.settings.kv_prefix))
            .await
            .map_err(|e| PlatformError(format!("key-value get {key}: {e:?}")))
    }

    fn cache(&self) -> &EdgeCache {
        &self.cache
    }

    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }

    fn fill_random(&self, buf: &mut [u8]) {
        // wasi:random does not fail; zeros would still leave the timestamp part unique-ish.
        let _ = getrandom::fill(buf);
    }

    fn visitor_ip(&self) -> Option<IpAddr> {
        self.ip
    }

    fn visitor_country(&self) -> Option<Country> {
        self.country
    }

    fn edge_name(&self) -> &str {
        &self.settings.edge_name
    }

    fn emit(&self, event: Event) {
        // A task the instance finishes after the response has been sent.
        let settings = self.settings.clone();
        spin_sdk::wasip3::spawn(async move {
            if let Err(e) = xadd(&settings, &event).await {
                eprintln!("click event {} lost: {e}", event.id());
            }
        });
    }

    async fn emit_durable(&self, event: Event) -> Result<(), PlatformError> {
        self.xadd(&event).await
    }

    fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}
