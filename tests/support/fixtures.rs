//! The edge KV every edge test loads: the vector keys, an active offer for each vector
//! offer id, a paused offer (2), a geo-restricted one (3, DE only) and a postback key.

use afftok_shared::kv::{self, KeysDoc};
use afftok_shared::vectors;
use serde_json::json;

/// A browser's User-Agent (not a bot).
pub const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
/// The postback key in [`edge_kv`], for advertiser 5.
pub const POSTBACK_KEY: &str = "pbk-e2e";
/// The publishable postback key in [`edge_kv`] (DESIGN §16), for advertiser 5, usable from
/// [`PAGE_ORIGIN`] only.
pub const PUBLISHABLE_KEY: &str = "pk_e2e";
/// The web origin [`PUBLISHABLE_KEY`] allows.
pub const PAGE_ORIGIN: &str = "https://shop.example";
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
    entries.push((
        kv::postback_key_key(&kv::postback_key_hash(PUBLISHABLE_KEY)),
        json!({"advertiser_id": 5, "kind": "publishable", "origins": [PAGE_ORIGIN]}).to_string(),
    ));
    entries
}

/// A web page's requests to `base`'s `/postback/{PUBLISHABLE_KEY}` and what they must
/// answer: an allowed preflight, refused ones (another origin, a secret key), and an accepted
/// JSON POST with the CORS headers. Returns the accepted conversion's event id.
pub async fn browser_postback(base: &str, click_id: uuid::Uuid) -> uuid::Uuid {
    let http = client();
    let url = |key: &str| format!("{base}/postback/{key}");
    let options = |key: &str, origin: &str| {
        http.request(reqwest::Method::OPTIONS, url(key))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let header = |resp: &reqwest::Response, name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    let allowed = options(PUBLISHABLE_KEY, PAGE_ORIGIN)
        .await
        .unwrap_or_else(|e| panic!("preflight: {e}"));
    assert_eq!(allowed.status(), 204, "allowed preflight");
    for (name, value) in [
        ("access-control-allow-origin", PAGE_ORIGIN),
        ("access-control-allow-methods", "POST, GET, OPTIONS"),
        ("access-control-allow-headers", "content-type"),
        ("access-control-max-age", "86400"),
        ("vary", "Origin"),
    ] {
        assert_eq!(header(&allowed, name).as_deref(), Some(value), "{name}");
    }

    for (key, origin) in [
        (PUBLISHABLE_KEY, "https://evil.example"),
        (POSTBACK_KEY, PAGE_ORIGIN),
    ] {
        let refused = options(key, origin)
            .await
            .unwrap_or_else(|e| panic!("preflight: {e}"));
        assert_eq!(refused.status(), 403, "preflight for {key} from {origin}");
        assert_eq!(header(&refused, "access-control-allow-origin"), None);
        let body: serde_json::Value = refused.json().await.unwrap_or_default();
        assert_eq!(body["error"], "forbidden");
    }

    let refused = http
        .post(url(PUBLISHABLE_KEY))
        .header("origin", "https://evil.example")
        .json(&json!({"click_id": click_id}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_eq!(refused.status(), 403, "a conversion from another origin");
    assert_eq!(header(&refused, "access-control-allow-origin"), None);

    let accepted = http
        .post(url(PUBLISHABLE_KEY))
        .header("origin", PAGE_ORIGIN)
        .json(&json!({"click_id": click_id, "txid": "WEB-1"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_eq!(accepted.status(), 200, "a conversion from the page");
    assert_eq!(
        header(&accepted, "access-control-allow-origin").as_deref(),
        Some(PAGE_ORIGIN)
    );
    assert_eq!(header(&accepted, "vary").as_deref(), Some("Origin"));
    let answer: serde_json::Value = accepted.json().await.unwrap_or_default();
    assert_eq!(answer["status"], "accepted");
    answer["event_id"]
        .as_str()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .unwrap_or_else(|| panic!("no event id in {answer}"))
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
