//! The edge's view of its KV (DESIGN §5) through the [`EdgeCache`]: the link keys, offer
//! routes and postback keys, parsed and cached.

use std::hash::Hash;
use std::sync::Arc;

use afftok_shared::Keyset;
use afftok_shared::kv::{self, KeysDoc, KvError, OfferDoc, PostbackKeyDoc};

use crate::cache::{Cached, RETRY_AFTER_ERROR, TtlMap};
use crate::macros::Template;
use crate::platform::Platform;

/// An offer as the redirect uses it: its KV document with the destination templates parsed
/// (once per load, not once per click).
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) doc: OfferDoc,
    pub(crate) url: Template,
    pub(crate) fallback: Option<Template>,
}

impl Route {
    fn new(doc: OfferDoc) -> Self {
        Self {
            url: Template::parse(&doc.url),
            fallback: doc.fallback_url.as_deref().map(Template::parse),
            doc,
        }
    }
}

/// The KV could not be read and nothing usable is cached: answer 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unavailable;

/// The link keys. No `keys` entry means no keys: every link is refused.
pub(crate) async fn keyset<P: Platform>(p: &P) -> Result<Arc<Keyset>, Unavailable> {
    let cache = p.cache();
    load(
        p,
        &cache.keys,
        (),
        || kv::KEYS_KEY.to_owned(),
        |bytes| match bytes {
            None => Ok(Arc::new(Keyset::new())),
            Some(bytes) => KeysDoc::parse(bytes)?.to_keyset().map(Arc::new),
        },
    )
    .await
}

/// An offer's route, `None` when the offer is unknown.
pub(crate) async fn offer<P: Platform>(
    p: &P,
    offer_id: u64,
) -> Result<Option<Arc<Route>>, Unavailable> {
    let cache = p.cache();
    load(
        p,
        &cache.offers,
        offer_id,
        || kv::offer_key(offer_id),
        |bytes| {
            bytes
                .map(OfferDoc::parse)
                .transpose()
                .map(|doc| doc.map(|doc| Arc::new(Route::new(doc))))
        },
    )
    .await
}

/// A postback key's entry by the key's hash, `None` when the key is unknown.
pub(crate) async fn postback_key<P: Platform>(
    p: &P,
    hash: [u8; 32],
) -> Result<Option<Arc<PostbackKeyDoc>>, Unavailable> {
    let cache = p.cache();
    let kv_key = || kv::postback_key_key(&hash);
    load(p, &cache.postback_keys, hash, kv_key, |bytes| {
        bytes
            .map(PostbackKeyDoc::parse)
            .transpose()
            .map(|doc| doc.map(Arc::new))
    })
    .await
}

/// The cached value for `key`, (re)loaded from the KV entry named by `kv_key` when missing or
/// stale (the name is only built then: a cache hit allocates nothing).
async fn load<P, K, V>(
    p: &P,
    map: &TtlMap<K, V>,
    key: K,
    kv_key: impl FnOnce() -> String,
    parse: impl FnOnce(Option<&[u8]>) -> Result<V, KvError>,
) -> Result<V, Unavailable>
where
    P: Platform,
    K: Hash + Eq,
    V: Clone,
{
    let ttl = p.cache().ttl_ms();
    let now = p.now_millis();
    let stale = match map.get(&key, now, ttl) {
        Cached::Fresh(value) => return Ok(value),
        Cached::Stale(value) => Some(value),
        Cached::Missing => None,
    };
    let kv_key = kv_key();
    let fetched = match p.kv_get(&kv_key).await {
        Ok(bytes) => parse(bytes.as_deref())
            .map_err(|e| p.warn(&format!("edge KV entry {kv_key} is unusable: {e}"))),
        Err(e) => {
            p.warn(&format!("edge KV read of {kv_key} failed: {e}"));
            Err(())
        }
    };
    match fetched {
        Ok(value) => {
            map.put(key, value.clone(), now, now.saturating_add(ttl));
            Ok(value)
        }
        Err(()) => {
            let value = stale.ok_or(Unavailable)?;
            let retry = u64::try_from(RETRY_AFTER_ERROR.as_millis()).unwrap_or(1000);
            map.put(key, value.clone(), now, now.saturating_add(retry.min(ttl)));
            Ok(value)
        }
    }
}
