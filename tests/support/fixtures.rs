//! The edge KV every edge test loads: the vector keys, an active offer for each vector
//! offer id, a paused offer (2), a geo-restricted one (3, DE only) and a postback key.

use afftok_shared::kv::{self, KeysDoc};
use afftok_shared::vectors;
use serde_json::json;

/// A browser's User-Agent (not a bot).
pub const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
/// The postback key in [`edge_kv`], for advertiser 5.
pub const POSTBACK_KEY: &str = "pbk-e2e";
/// The offer ids of the link vectors.
pub const VECTOR_OFFERS: [u64; 4] = [1, 42, 300000, 127];

/// The entries as (DESIGN §5 key, JSON value).
pub fn edge_kv() -> Vec<(String, String)> {
    let mut keys = KeysDoc::new(1);
    for (kid, secret) in vectors::link_keys() {
        keys.add_key(kid, &secret);
    }
    let mut entries = vec![(
        kv::KEYS_KEY.to_owned(),
        serde_json::to_string(&keys).unwrap_or_default(),
    )];
    for offer in VECTOR_OFFERS {
        entries.push((
            kv::offer_key(offer),
            json!({"status": "active", "url": "https://dest.example/{offer_id}?c={click_id}&s={sub1}", "advertiser_id": 5})
                .to_string(),
        ));
    }
    entries.push((
        kv::offer_key(2),
        json!({"status": "paused", "url": "https://dest.example/", "advertiser_id": 5}).to_string(),
    ));
    entries.push((
        kv::offer_key(3),
        json!({"status": "active", "url": "https://dest.example/de?c={click_id}", "geo_allow": ["DE"], "advertiser_id": 5})
            .to_string(),
    ));
    entries.push((
        kv::postback_key_key(&kv::postback_key_hash(POSTBACK_KEY)),
        json!({"advertiser_id": 5}).to_string(),
    ));
    entries
}

/// An HTTP client that does not follow redirects and looks like a browser.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(BROWSER)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// GETs `base` + `path` once: the status and the click id of a redirect (`c=` parameter).
pub async fn click(base: &str, path: &str) -> (u16, Option<uuid::Uuid>) {
    let resp = client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(resp.headers()["cache-control"], "no-store", "{path}");
    let status = resp.status().as_u16();
    let click_id = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.split("c=").nth(1))
        .and_then(|rest| rest.split('&').next())
        .and_then(|id| uuid::Uuid::parse_str(id).ok());
    (status, click_id)
}
