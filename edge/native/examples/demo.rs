//! Seeds a demo into the native edge's KV and prints a tracking link and a postback URL.
//! Used by `scripts/dev` until the control plane (`afftok seed`, `afftok edge push`) does it.
//!
//! Reads `REDIS_URL`, `AFFTOK_KV_PREFIX` (as the edge does) and `AFFTOK_EDGE_URL` (the
//! edge's public base URL, default `http://127.0.0.1:8787`). A demo key already in the KV is
//! reused, so links printed by earlier runs keep working.

use afftok_shared::Link;
use afftok_shared::kv::{self, KeysDoc};
use rand::RngCore as _;
use redis::AsyncCommands as _;

const DEMO_KID: u64 = 1;
const DEMO_OFFER: u64 = 1;
const DEMO_PROMOTER: u64 = 1001;
const DEMO_ADVERTISER: u64 = 1;
/// Demo only: real postback keys are random and shown once by the control plane.
const DEMO_POSTBACK_KEY: &str = "demo-postback-key";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let prefix = env("AFFTOK_KV_PREFIX", "afftok:kv:");
    let edge_url = env("AFFTOK_EDGE_URL", "http://127.0.0.1:8787");
    let client = redis::Client::open(env("REDIS_URL", "redis://127.0.0.1:6379"))?;
    let mut redis = client.get_multiplexed_async_connection().await?;

    let keys_key = format!("{prefix}{}", kv::KEYS_KEY);
    let existing: Option<Vec<u8>> = redis.get(&keys_key).await?;
    let existing = existing
        .and_then(|json| KeysDoc::parse(&json).ok())
        .filter(|doc| {
            doc.to_keyset()
                .is_ok_and(|k| k.contains(DEMO_KID) && !k.is_revoked(DEMO_KID))
        });
    let doc = match existing {
        Some(doc) => doc,
        None => {
            let mut secret = [0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            let mut doc = KeysDoc::new(DEMO_KID);
            doc.add_key(DEMO_KID, &secret);
            let _: () = redis.set(&keys_key, serde_json::to_string(&doc)?).await?;
            doc
        }
    };
    let keyset = doc.to_keyset()?;

    let offer = serde_json::json!({
        "status": "active",
        "url": "https://example.com/landing?click_id={click_id}&sub1={sub1}&country={country}",
        "fallback_url": null,
        "geo_allow": [],
        "geo_deny": [],
        "advertiser_id": DEMO_ADVERTISER,
    });
    let _: () = redis
        .set(
            format!("{prefix}{}", kv::offer_key(DEMO_OFFER)),
            offer.to_string(),
        )
        .await?;
    let pbk = serde_json::json!({"advertiser_id": DEMO_ADVERTISER, "ip_allow": []});
    let pbk_key = kv::postback_key_key(&kv::postback_key_hash(DEMO_POSTBACK_KEY));
    let _: () = redis
        .set(format!("{prefix}{pbk_key}"), pbk.to_string())
        .await?;

    let token = keyset.sign(&Link {
        kid: DEMO_KID,
        offer_id: DEMO_OFFER,
        promoter_id: DEMO_PROMOTER,
        expires_at: 0,
    })?;
    println!("tracking_link={edge_url}/c/{token}?sub1=demo");
    println!(
        "postback_url={edge_url}/postback/{DEMO_POSTBACK_KEY}?click_id={{click_id}}&amount=10.00&currency=USD"
    );
    Ok(())
}
