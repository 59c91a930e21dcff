//! A platform made of memory and a hand-set clock, for testing the core natively.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use afftok_edge_core::{EdgeCache, Platform, PlatformError, Request, Response};
use afftok_shared::kv::{self, KeysDoc};
use afftok_shared::{Country, Event, vectors};

pub(crate) const TTL: Duration = Duration::from_secs(10);
/// 2026-11-24T22:31:26.123Z
pub(crate) const NOW_MS: u64 = 1_795_559_486_123;

pub(crate) struct Fake {
    pub(crate) kv: RefCell<HashMap<String, Vec<u8>>>,
    pub(crate) kv_reads: Cell<usize>,
    pub(crate) kv_down: Cell<bool>,
    pub(crate) transport_down: Cell<bool>,
    pub(crate) now_ms: Cell<u64>,
    pub(crate) ip: Cell<Option<IpAddr>>,
    pub(crate) country: Cell<Option<Country>>,
    pub(crate) clicks: RefCell<Vec<Event>>,
    pub(crate) conversions: RefCell<Vec<Event>>,
    pub(crate) warnings: RefCell<Vec<String>>,
    random: Cell<u8>,
    cache: EdgeCache,
}

impl Fake {
    /// A platform whose KV holds the vector keys (active 1), no offers.
    pub(crate) fn new() -> Self {
        let fake = Self {
            kv: RefCell::default(),
            kv_reads: Cell::new(0),
            kv_down: Cell::new(false),
            transport_down: Cell::new(false),
            now_ms: Cell::new(NOW_MS),
            ip: Cell::new("203.0.113.9".parse().ok()),
            country: Cell::new(Country::parse("US").ok()),
            clicks: RefCell::default(),
            conversions: RefCell::default(),
            warnings: RefCell::default(),
            random: Cell::new(0),
            cache: EdgeCache::new(TTL),
        };
        fake.put_keys(&[]);
        fake
    }

    pub(crate) fn put(&self, key: &str, value: &str) {
        self.kv
            .borrow_mut()
            .insert(key.to_owned(), value.as_bytes().to_vec());
    }

    pub(crate) fn put_keys(&self, revoked: &[u64]) {
        let mut doc = KeysDoc::new(1);
        for (kid, secret) in vectors::link_keys() {
            doc.add_key(kid, &secret);
        }
        doc.revoked = revoked.to_vec();
        self.put(
            kv::KEYS_KEY,
            &serde_json::to_string(&doc).expect("serializes"),
        );
    }

    pub(crate) fn put_offer(&self, id: u64, json: serde_json::Value) {
        self.put(&kv::offer_key(id), &json.to_string());
    }

    pub(crate) fn put_postback_key(&self, key: &str, json: serde_json::Value) {
        self.put(
            &kv::postback_key_key(&kv::postback_key_hash(key)),
            &json.to_string(),
        );
    }

    pub(crate) fn advance(&self, by: Duration) {
        self.now_ms.set(self.now_ms.get() + by.as_millis() as u64);
    }

    pub(crate) fn run(&self, req: &Request<'_>) -> Response {
        pollster::block_on(afftok_edge_core::handle(req, self))
    }

    pub(crate) fn get(&self, path_and_query: &str) -> Response {
        self.run(&Request {
            user_agent: Some(BROWSER),
            ..Request::get(path_and_query)
        })
    }

    pub(crate) fn last_click(&self) -> afftok_shared::ClickEvent {
        match self.clicks.borrow().last() {
            Some(Event::Click(click)) => click.clone(),
            other => panic!("no click event: {other:?}"),
        }
    }
}

pub(crate) const BROWSER: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

pub(crate) use afftok_shared::vectors::link_token as token;

impl Platform for Fake {
    async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, PlatformError> {
        self.kv_reads.set(self.kv_reads.get() + 1);
        if self.kv_down.get() {
            return Err(PlatformError("kv is down".into()));
        }
        Ok(self.kv.borrow().get(key).cloned())
    }

    fn cache(&self) -> &EdgeCache {
        &self.cache
    }

    fn now_millis(&self) -> u64 {
        self.now_ms.get()
    }

    fn fill_random(&self, buf: &mut [u8]) {
        for b in buf {
            self.random.set(self.random.get().wrapping_add(1));
            *b = self.random.get();
        }
    }

    fn visitor_ip(&self) -> Option<IpAddr> {
        self.ip.get()
    }

    fn visitor_country(&self) -> Option<Country> {
        self.country.get()
    }

    fn edge_name(&self) -> &str {
        "native:test"
    }

    fn emit(&self, event: Event) {
        self.clicks.borrow_mut().push(event);
    }

    async fn emit_durable(&self, event: Event) -> Result<(), PlatformError> {
        if self.transport_down.get() {
            return Err(PlatformError("stream is down".into()));
        }
        self.conversions.borrow_mut().push(event);
        Ok(())
    }

    fn warn(&self, message: &str) {
        self.warnings.borrow_mut().push(message.to_owned());
    }
}
