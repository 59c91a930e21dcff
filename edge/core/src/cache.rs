//! The in-memory cache of parsed KV entries, shared by every request of a process or isolate.
//!
//! The hot path reads the `keys` document and one `offer:{id}` per click: both come from
//! here, parsed, so a cached click costs no KV read, no JSON parsing and no key setup.
//!
//! - An entry is fresh for the cache's TTL (default [`DEFAULT_TTL`], at most [`MAX_TTL`]);
//!   after that the next request reads the KV again. So a push (a pause, a revoked key) is
//!   seen by every edge within one TTL of reaching its KV.
//! - Absent entries are cached too, so a flood of clicks on a deleted offer or of postbacks
//!   with made-up keys does not turn into a flood of KV reads.
//! - When the KV cannot be read, or holds a value that does not parse, the last good value is
//!   kept and served (retried every [`RETRY_AFTER_ERROR`]): an outage or a bad push degrades
//!   to slightly stale routing instead of dropping traffic. Without a last good value the
//!   caller answers 503.
//! - Each map holds at most [`MAX_ENTRIES`]; when full, expired entries are dropped, and if
//!   that is not enough the map is cleared (it refills from the KV).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use afftok_shared::Keyset;
use afftok_shared::kv::PostbackKeyDoc;

use crate::routes::Route;

/// TTL used when the adapter does not choose one.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);
/// Longest TTL allowed (DESIGN §5: edges see a push within 30 s).
pub const MAX_TTL: Duration = Duration::from_secs(30);
/// How long a stale value is served before the KV is tried again after a failed read.
pub const RETRY_AFTER_ERROR: Duration = Duration::from_secs(1);
/// Most entries per map.
pub const MAX_ENTRIES: usize = 10_000;

/// The parsed KV entries of one edge process or isolate.
#[derive(Debug)]
pub struct EdgeCache {
    ttl_ms: u64,
    pub(crate) keys: TtlMap<(), Arc<Keyset>>,
    pub(crate) offers: TtlMap<u64, Option<Arc<Route>>>,
    pub(crate) postback_keys: TtlMap<[u8; 32], Option<Arc<PostbackKeyDoc>>>,
}

impl Default for EdgeCache {
    fn default() -> Self {
        Self::new(DEFAULT_TTL)
    }
}

impl EdgeCache {
    /// A cache whose entries stay fresh for `ttl` (clamped to [`MAX_TTL`]).
    pub fn new(ttl: Duration) -> Self {
        let ttl_ms = u64::try_from(ttl.min(MAX_TTL).as_millis()).unwrap_or(0);
        Self {
            ttl_ms,
            keys: TtlMap::default(),
            offers: TtlMap::default(),
            postback_keys: TtlMap::default(),
        }
    }

    /// The TTL in effect.
    pub fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms)
    }

    pub(crate) fn ttl_ms(&self) -> u64 {
        self.ttl_ms
    }
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    fresh_until: u64,
}

/// What the cache holds for a key.
pub(crate) enum Cached<V> {
    /// Usable as is.
    Fresh(V),
    /// Past its TTL: reload, and fall back to this if reloading fails.
    Stale(V),
    /// Never loaded (or evicted).
    Missing,
}

/// A map whose entries go stale after a time, behind a lock that is never held across an
/// await (loads happen outside it).
#[derive(Debug)]
pub(crate) struct TtlMap<K, V> {
    entries: RwLock<HashMap<K, Slot<V>>>,
}

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Clone> TtlMap<K, V> {
    /// Looks `key` up at `now`; an entry fresh for longer than `max_ttl_ms` (the clock went
    /// back) counts as stale.
    pub(crate) fn get(&self, key: &K, now: u64, max_ttl_ms: u64) -> Cached<V> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        match entries.get(key) {
            Some(slot) if now < slot.fresh_until && slot.fresh_until - now <= max_ttl_ms => {
                Cached::Fresh(slot.value.clone())
            }
            Some(slot) => Cached::Stale(slot.value.clone()),
            None => Cached::Missing,
        }
    }

    /// Stores `value` for `key`, fresh until `fresh_until`.
    pub(crate) fn put(&self, key: K, value: V, now: u64, fresh_until: u64) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.retain(|_, slot| now < slot.fresh_until);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, Slot { value, fresh_until });
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_stay_bounded() {
        let map = TtlMap::<u64, u64>::default();
        for k in 0..MAX_ENTRIES as u64 {
            map.put(k, k, 0, 10);
        }
        assert_eq!(map.len(), MAX_ENTRIES);
        // Full of fresh entries: the map is cleared to make room.
        map.put(u64::MAX, 1, 5, 15);
        assert_eq!(map.len(), 1);
        assert!(matches!(map.get(&u64::MAX, 5, 100), Cached::Fresh(1)));
    }

    #[test]
    fn when_full_expired_entries_go_first() {
        let map = TtlMap::<u64, u64>::default();
        for k in 0..MAX_ENTRIES as u64 {
            // Half expire at 10, half at 1000.
            map.put(k, k, 0, if k % 2 == 0 { 10 } else { 1000 });
        }
        map.put(u64::MAX, 1, 500, 1500);
        assert_eq!(map.len(), MAX_ENTRIES / 2 + 1);
        assert!(matches!(map.get(&1, 500, 1000), Cached::Fresh(1)));
        assert!(matches!(map.get(&0, 500, 1000), Cached::Missing));
    }

    #[test]
    fn freshness() {
        let map = TtlMap::<(), u8>::default();
        assert!(matches!(map.get(&(), 0, 10), Cached::Missing));
        map.put((), 7, 100, 110);
        assert!(matches!(map.get(&(), 109, 10), Cached::Fresh(7)));
        assert!(matches!(map.get(&(), 110, 10), Cached::Stale(7)));
        // Fresh for longer than the TTL allows: the clock went back.
        assert!(matches!(map.get(&(), 50, 10), Cached::Stale(7)));
    }
}
