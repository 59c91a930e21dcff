//! Events as the edges send them (DESIGN §6), signed batches, and a small market to send them
//! to: an admin, an advertiser, a promoter and an approved offer.

use std::collections::BTreeSet;
use std::time::Duration;

use afftok_shared::batch;
use reqwest::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::helpers::{Account, Options, TestApp, spawn_with, wait_until};

/// Everyone needed to send clicks and conversions.
pub(crate) struct Market {
    pub(crate) app: TestApp,
    pub(crate) admin: Account,
    pub(crate) adv: Account,
    pub(crate) promoter: Account,
    pub(crate) offer: i64,
}

impl Market {
    pub(crate) fn advertiser_id(&self) -> i64 {
        self.adv.advertiser_id.expect("an advertiser account")
    }
}

/// A market whose offer has the default terms (CPA 12.50 USD) with `changes`.
pub(crate) async fn market(changes: Value) -> Market {
    market_with(Options::default(), changes).await
}

pub(crate) async fn market_with(opts: Options, changes: Value) -> Market {
    let app = spawn_with(opts).await;
    let admin = app.admin().await;
    let adv = app.advertiser("acme").await;
    let promoter = app.promoter("pat").await;
    let offer = app.approved_offer(&adv, &admin, changes).await;
    Market {
        app,
        admin,
        adv,
        promoter,
        offer,
    }
}

/// An RFC 3339 instant.
pub(crate) fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("an RFC 3339 instant")
}

/// An event timestamp: RFC 3339 in UTC with milliseconds.
/// `back` before now, but not before today's UTC midnight: for tests whose events must count
/// in today's live counters even when they run just after midnight.
pub(crate) fn earlier_today(back: time::Duration) -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    (now - back).max(now.date().midnight().assume_utc())
}

pub(crate) fn stamp(ts: OffsetDateTime) -> String {
    let ts = ts.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        ts.year(),
        u8::from(ts.month()),
        ts.day(),
        ts.hour(),
        ts.minute(),
        ts.second(),
        ts.millisecond()
    )
}

/// A UUIDv7 carrying `ts`, as the edge mints click ids.
pub(crate) fn v7(ts: OffsetDateTime) -> Uuid {
    let nanos = ts.unix_timestamp_nanos();
    let secs = u64::try_from(nanos.div_euclid(1_000_000_000)).expect("after 1970");
    let sub = u32::try_from(nanos.rem_euclid(1_000_000_000)).expect("fits");
    // Random bits keep ids distinct within one millisecond.
    let mut id = *Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, sub)).as_bytes();
    id[8..].copy_from_slice(&Uuid::new_v4().as_bytes()[8..]);
    id[8] = (id[8] & 0x3f) | 0x80;
    Uuid::from_bytes(id)
}

/// A click as the edge reports it.
#[derive(Debug, Clone)]
pub(crate) struct Click {
    pub(crate) id: Uuid,
    pub(crate) ts: OffsetDateTime,
    pub(crate) offer_id: i64,
    pub(crate) promoter_id: i64,
    pub(crate) verdict: &'static str,
    pub(crate) ip: String,
    pub(crate) user_agent: String,
    pub(crate) country: Option<String>,
    pub(crate) sub1: Option<String>,
}

impl Click {
    /// An ok click from one visitor.
    pub(crate) fn new(offer_id: i64, promoter_id: i64, ts: OffsetDateTime) -> Self {
        Self {
            id: v7(ts),
            ts,
            offer_id,
            promoter_id,
            verdict: "ok",
            ip: "203.0.113.9".to_owned(),
            user_agent: "Mozilla/5.0 (test)".to_owned(),
            country: Some("US".to_owned()),
            sub1: None,
        }
    }

    /// An ok click whose id is `id` (a UUIDv7), at the time that id carries.
    pub(crate) fn with_id(offer_id: i64, promoter_id: i64, id: Uuid) -> Self {
        let (secs, nanos) = id.get_timestamp().expect("a UUIDv7").to_unix();
        let ts = OffsetDateTime::from_unix_timestamp(secs as i64).expect("time")
            + Duration::from_millis(u64::from(nanos / 1_000_000));
        Self {
            id,
            ..Self::new(offer_id, promoter_id, ts)
        }
    }

    pub(crate) fn event(&self) -> Value {
        let mut subs = json!({});
        if let Some(s) = &self.sub1 {
            subs["sub1"] = json!(s);
        }
        json!({
            "type": "click", "id": self.id, "ts": stamp(self.ts), "offer_id": self.offer_id,
            "promoter_id": self.promoter_id, "kid": 1, "verdict": self.verdict, "ip": self.ip,
            "user_agent": self.user_agent, "referer": null, "country": self.country,
            "subs": subs, "edge": "native:test",
        })
    }
}

/// A conversion as the edge reports a postback.
#[derive(Debug, Clone)]
pub(crate) struct Conversion {
    pub(crate) id: Uuid,
    pub(crate) ts: OffsetDateTime,
    pub(crate) advertiser_id: i64,
    pub(crate) click_id: Uuid,
    pub(crate) txid: Option<String>,
    pub(crate) amount: Option<String>,
    pub(crate) currency: Option<String>,
    pub(crate) event: String,
}

impl Conversion {
    pub(crate) fn new(advertiser_id: i64, click_id: Uuid, ts: OffsetDateTime) -> Self {
        Self {
            id: v7(ts),
            ts,
            advertiser_id,
            click_id,
            txid: None,
            amount: None,
            currency: None,
            event: "conversion".to_owned(),
        }
    }

    pub(crate) fn txid(mut self, txid: &str) -> Self {
        self.txid = Some(txid.to_owned());
        self
    }

    pub(crate) fn amount(mut self, amount: &str, currency: &str) -> Self {
        self.amount = Some(amount.to_owned());
        self.currency = Some(currency.to_owned());
        self
    }

    pub(crate) fn event(&self) -> Value {
        json!({
            "type": "conversion", "id": self.id, "ts": stamp(self.ts),
            "advertiser_id": self.advertiser_id, "click_id": self.click_id, "txid": self.txid,
            "amount": self.amount, "currency": self.currency, "event": self.event,
            "ip": "198.51.100.7", "edge": "native:test",
        })
    }
}

/// The body of a batch of `events`.
pub(crate) fn batch_body(events: &[Value]) -> String {
    json!({ "events": events }).to_string()
}

pub(crate) fn now_secs() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).expect("after 1970")
}

impl TestApp {
    /// The signature the Cloudflare consumer would send for `body` at `t`.
    pub(crate) fn signature(&self, t: u64, body: &str) -> String {
        let secret = secrecy::ExposeSecret::expose_secret(&self.settings.ingest_secret);
        batch::sign(secret.as_bytes(), t, body.as_bytes())
    }

    /// POSTs `body` to the ingest route with `signature`.
    pub(crate) async fn send_signed(&self, body: String, signature: &str) -> Response {
        self.post("/internal/v1/events")
            .header(batch::SIGNATURE_HEADER, signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("ingest request")
    }

    /// Sends a batch signed now (each send gets a signature of its own, as the consumer's
    /// retries do).
    pub(crate) async fn send_batch(&self, events: &[Value]) -> Response {
        let body = batch_body(events);
        // The same (t, body) twice is a replay: a body sent again gets an earlier t (within
        // the accepted skew), never one used before, whichever second the call falls in.
        static USED: std::sync::Mutex<BTreeSet<(u64, u64)>> =
            std::sync::Mutex::new(BTreeSet::new());
        let digest = {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&body, &mut h);
            std::hash::Hasher::finish(&h)
        };
        let t = {
            let mut used = USED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut t = now_secs();
            while !used.insert((t, digest)) {
                t -= 1;
            }
            t
        };
        let signature = self.signature(t, &body);
        self.send_signed(body, &signature).await
    }

    /// Sends a batch and returns the report, which must be a 200.
    pub(crate) async fn ingest(&self, events: &[Value]) -> Value {
        let resp = self.send_batch(events).await;
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A conversion's status, from the database.
    pub(crate) async fn status_of(&self, conversion: Uuid) -> String {
        sqlx::query_scalar("SELECT status FROM conversions WHERE id = $1")
            .bind(conversion)
            .fetch_one(&self.db)
            .await
            .expect("the conversion is stored")
    }

    /// Waits (up to 20 s) until `query` returns `expected`.
    pub(crate) async fn eventually(&self, query: &str, expected: i64) {
        let mut last = -1;
        wait_until(&format!("{query} returns {expected}"), async || {
            last = sqlx::query_scalar::<_, i64>(query)
                .fetch_one(&self.db)
                .await
                .expect("query");
            last == expected
        })
        .await;
    }

    /// Waits until every consumer of domain events (the live counters, …) has handled every
    /// event recorded so far: tests call it before reading what the reactions write.
    pub(crate) async fn settled(&self) {
        wait_until("every domain event is handled", async || {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM event_cursors) AND NOT EXISTS (
                     SELECT 1 FROM domain_events e
                     JOIN event_cursors c ON (c.tx_id, c.event_id) < (e.tx_id, e.id))",
            )
            .fetch_one(&self.db)
            .await
            .expect("query")
        })
        .await;
    }

    /// The Redis connection of the test.
    pub(crate) async fn redis(&self) -> redis::aio::MultiplexedConnection {
        let url = secrecy::ExposeSecret::expose_secret(&self.settings.redis_url);
        redis::Client::open(url)
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("redis reachable")
    }
}
