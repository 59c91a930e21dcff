//! The Cloudflare target: Workers KV through the Cloudflare API (v4), under
//! `/accounts/{account}/storage/kv/namespaces/{namespace}`:
//!
//! - `GET …/keys?limit=1000&cursor=…` lists the keys with their metadata (each entry this
//!   target writes carries `{"sha256": <hex of its value>}` as metadata, so a push knows what
//!   changed without reading every value);
//! - `PUT …/bulk` writes up to 10,000 entries (`[{"key", "value", "metadata"}]`);
//! - `POST …/bulk/delete` deletes up to 10,000 keys (`["key", …]`).
//!
//! Every request carries `Authorization: Bearer <token>`. Rate limits (429) and server errors
//! are retried with backoff, honouring `Retry-After`; other failures stop the push with the
//! API's own error messages (never the token).

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::{Entry, PushError, bulk_pair, is_edge_key, recorded_digest};
use crate::app::config::CloudflareSettings;

/// Entries per bulk request (the API's limit).
const BULK: usize = 10_000;
/// Bytes of values per bulk request (the API allows 100 MB).
const BULK_BYTES: usize = 50 * 1024 * 1024;
/// Attempts per request.
const ATTEMPTS: u32 = 5;

/// Workers KV through the Cloudflare API.
#[derive(Clone)]
pub struct CloudflareTarget {
    client: reqwest::Client,
    namespace_url: String,
    token: SecretString,
}

impl std::fmt::Debug for CloudflareTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudflareTarget")
            .field("namespace_url", &self.namespace_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiMessage>,
    result: Option<T>,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

#[derive(Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct ResultInfo {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct KeyInfo {
    name: String,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

impl CloudflareTarget {
    /// The target from the settings (checked by `EdgePushSettings::check_target`).
    pub fn new(settings: &CloudflareSettings) -> Result<Self, PushError> {
        let missing = |what: &str| PushError(format!("cloudflare: {what} is not configured"));
        let account = settings
            .account_id
            .as_deref()
            .ok_or_else(|| missing("AFFTOK_CLOUDFLARE_ACCOUNT_ID"))?;
        let namespace = settings
            .namespace_id
            .as_deref()
            .ok_or_else(|| missing("AFFTOK_CLOUDFLARE_KV_NAMESPACE_ID"))?;
        let token = settings
            .api_token
            .clone()
            .ok_or_else(|| missing("AFFTOK_CLOUDFLARE_API_TOKEN"))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("afftok/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PushError(format!("cloudflare: HTTP client: {e}")))?;
        Ok(Self {
            client,
            namespace_url: format!(
                "{}/accounts/{account}/storage/kv/namespaces/{namespace}",
                settings.api_base
            ),
            token,
        })
    }

    /// Every managed key with the SHA-256 its metadata records (empty when it has none, so
    /// such an entry is rewritten).
    pub async fn snapshot(&self) -> Result<BTreeMap<String, String>, PushError> {
        let mut out = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{}/keys?limit=1000", self.namespace_url);
            if let Some(c) = &cursor {
                url.push_str("&cursor=");
                url.push_str(
                    &percent_encoding::utf8_percent_encode(c, percent_encoding::NON_ALPHANUMERIC)
                        .to_string(),
                );
            }
            let page: Envelope<Vec<KeyInfo>> =
                self.send("list keys", || self.client.get(&url)).await?;
            for key in page.result.unwrap_or_default() {
                if !is_edge_key(&key.name) {
                    continue;
                }
                let sha = recorded_digest(key.metadata.as_ref());
                out.insert(key.name, sha);
            }
            cursor = page
                .result_info
                .and_then(|i| i.cursor)
                .filter(|c| !c.is_empty());
            if cursor.is_none() {
                return Ok(out);
            }
        }
    }

    /// Writes entries with bulk requests.
    pub async fn put(&self, entries: &[Entry]) -> Result<(), PushError> {
        let url = format!("{}/bulk", self.namespace_url);
        let mut start = 0;
        while start < entries.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < entries.len() && end - start < BULK {
                bytes += entries[end].value.len();
                if bytes > BULK_BYTES && end > start {
                    break;
                }
                end += 1;
            }
            let body: Vec<_> = entries[start..end].iter().map(bulk_pair).collect();
            let _: Envelope<serde_json::Value> = self
                .send("bulk write", || self.client.put(&url).json(&body))
                .await?;
            start = end;
        }
        Ok(())
    }

    /// Deletes keys with bulk requests.
    pub async fn delete(&self, keys: &[String]) -> Result<(), PushError> {
        let url = format!("{}/bulk/delete", self.namespace_url);
        for chunk in keys.chunks(BULK) {
            let _: Envelope<serde_json::Value> = self
                .send("bulk delete", || self.client.post(&url).json(chunk))
                .await?;
        }
        Ok(())
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Envelope<T>, PushError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let answer = request()
                .bearer_auth(self.token.expose_secret())
                .send()
                .await;
            let retry_in = match answer {
                Err(e) => {
                    if attempt >= ATTEMPTS {
                        return Err(PushError(format!(
                            "cloudflare: {what}: {}",
                            e.without_url()
                        )));
                    }
                    None
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(|s| Duration::from_secs(s.min(60)));
                    let text = response.text().await.unwrap_or_default();
                    let retryable = status.as_u16() == 429 || status.is_server_error();
                    if retryable && attempt < ATTEMPTS {
                        retry_after
                    } else {
                        let envelope: Option<Envelope<T>> = serde_json::from_str(&text).ok();
                        return match envelope {
                            Some(env) if status.is_success() && env.success => Ok(env),
                            Some(env) => Err(PushError(format!(
                                "cloudflare: {what} answered {status}: {}",
                                describe(&env.errors)
                            ))),
                            None => Err(PushError(format!(
                                "cloudflare: {what} answered {status} without an API response"
                            ))),
                        };
                    }
                }
            };
            let backoff = Duration::from_millis(250 * 2u64.pow(attempt.min(6)));
            tokio::time::sleep(retry_in.unwrap_or(backoff)).await;
        }
    }
}

fn describe(errors: &[ApiMessage]) -> String {
    if errors.is_empty() {
        return "no error given".to_owned();
    }
    errors
        .iter()
        .map(|e| format!("{} ({})", e.message, e.code))
        .collect::<Vec<_>>()
        .join("; ")
}
