//! Live counters: today's (UTC) numbers in Redis, bumped as events land, read by
//! `GET /v1/stats/live`. One hash per day and scope (`all`, `advertiser:{id}`,
//! `promoter:{id}`, `offer:{id}`); money is kept in ten-thousandths as integers so sums stay
//! exact. Hashes expire after three days. They are fed by domain events ([`LiveCounters`]).

use std::collections::BTreeMap;
use std::fmt;

use redis::aio::ConnectionManager;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use time::{Date, OffsetDateTime};

use crate::app::AppState;
use crate::events::catalogue::{ClicksStored, ConversionChanged};
use crate::events::{Consumer, ConsumerError, EventKind, Handled, Position, StoredEvent};
use crate::kernel::status::ConversionStatus;
use crate::kernel::{AdvertiserId, OfferId, PromoterId};

/// The live counters as a consumer of domain events (`click.stored`, `conversion.decided`,
/// `conversion.reversed`).
///
/// Redis is not in the dispatcher's transaction, so the counters keep their own position
/// (`{prefix}live:position`): a batch is applied with that position moved in one Lua script,
/// only if the position is still the one read before it. A batch handled again after a crash
/// skips what was applied; a Redis that lost its data starts over from the consumer's
/// Postgres position. While Redis is away, the events wait and are applied when it is back.
#[derive(Debug, Clone, Copy)]
pub struct LiveCounters;

impl Consumer for LiveCounters {
    fn name(&self) -> &'static str {
        "live_counters"
    }

    fn handle<'a>(
        &'a self,
        state: &'a AppState,
        _conn: &'a mut PgConnection,
        events: &'a [StoredEvent],
    ) -> Handled<'a> {
        Box::pin(apply_events(state, events))
    }
}

async fn apply_events(state: &AppState, events: &[StoredEvent]) -> Result<(), ConsumerError> {
    let Some(last) = events.last().map(StoredEvent::position) else {
        return Ok(());
    };
    let prefix = &state.settings.redis_key_prefix;
    let position_key = format!("{prefix}live:position");
    let mut conn = state.redis.clone();
    let applied: Option<String> = redis::cmd("GET")
        .arg(&position_key)
        .query_async(&mut conn)
        .await?;
    let after: Option<Position> = applied.as_deref().and_then(|p| p.parse().ok());
    if after.is_some_and(|p| p >= last) {
        return Ok(());
    }
    let mut sums: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for event in events {
        if after.is_some_and(|p| event.position() <= p) {
            continue;
        }
        match event.kind {
            EventKind::ClickStored => {
                let stored: ClicksStored = event.payload()?;
                for c in &stored.counts {
                    let scopes = Scopes {
                        offer_id: c.offer_id,
                        promoter_id: c.promoter_id,
                        advertiser_id: c.advertiser_id,
                    };
                    let mut fields = Vec::new();
                    if c.clicks != 0 {
                        fields.push(("clicks".to_owned(), c.clicks));
                    }
                    if c.filtered_clicks != 0 {
                        fields.push(("filtered_clicks".to_owned(), c.filtered_clicks));
                    }
                    if c.unique_clicks != 0 {
                        fields.push(("unique_clicks".to_owned(), c.unique_clicks));
                    }
                    add(&mut sums, prefix, c.day, &scopes, &fields);
                }
            }
            EventKind::ConversionDecided | EventKind::ConversionReversed => {
                let change: ConversionChanged = event.payload()?;
                let (Some(offer_id), Some(promoter_id)) = (change.offer_id, change.promoter_id)
                else {
                    continue;
                };
                let scopes = Scopes {
                    offer_id,
                    promoter_id,
                    advertiser_id: change.advertiser_id,
                };
                let approved = ConversionStatus::Approved;
                let day = change.ts.to_offset(time::UtcOffset::UTC).date();
                // Leaving approved takes out what it counted; entering adds what it pays.
                let moves = [
                    (change.from == approved, -1, change.previous_payout.as_ref()),
                    (change.to == approved, 1, change.payout.as_ref()),
                ];
                for (_, sign, payout) in moves.into_iter().filter(|(counted, ..)| *counted) {
                    let (payout, payout_currency) = payout
                        .map_or((Decimal::ZERO, String::new()), |p| {
                            (p.amount, p.currency.clone())
                        });
                    let (revenue, revenue_currency) = change
                        .revenue
                        .as_ref()
                        .map_or((Decimal::ZERO, String::new()), |r| {
                            (r.amount, r.currency.clone())
                        });
                    let fields = [
                        ("conversions".to_owned(), sign),
                        (
                            format!("payout:{payout_currency}"),
                            sign * ten_thousandths(payout),
                        ),
                        (
                            format!("revenue:{revenue_currency}"),
                            sign * ten_thousandths(revenue),
                        ),
                    ];
                    add(&mut sums, prefix, day, &scopes, &fields);
                }
            }
            _ => {}
        }
    }
    let mut args: Vec<String> = vec![applied.unwrap_or_default(), last.to_string()];
    for (key, fields) in &sums {
        args.push(key.clone());
        args.push(fields.len().to_string());
        for (field, by) in fields {
            args.push(field.clone());
            args.push(by.to_string());
        }
    }
    let done: i64 = redis::Script::new(APPLY)
        .key(&position_key)
        .arg(args)
        .invoke_async(&mut conn)
        .await?;
    if done == 1 {
        Ok(())
    } else {
        Err(ConsumerError(
            "the live counters' position moved while a batch was being applied".to_owned(),
        ))
    }
}

/// Applies increments and moves the position, if the position is still `ARGV[1]` (empty:
/// none). `ARGV[2]` is the new position; then, per hash: its key, its field count, and each
/// field with its increment. Every hash touched expires three days later.
const APPLY: &str = r"
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
local i = 3
while i <= #ARGV do
  local key = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  for j = 0, n - 1 do
    redis.call('HINCRBY', key, ARGV[i + 2 + 2 * j], ARGV[i + 3 + 2 * j])
  end
  redis.call('EXPIRE', key, 259200)
  i = i + 2 + 2 * n
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
";

/// Where a counted event belongs.
#[derive(Debug, Clone, Copy)]
struct Scopes {
    offer_id: OfferId,
    promoter_id: PromoterId,
    advertiser_id: AdvertiserId,
}

/// Whose counters a hash holds: `all`, `advertiser:{id}`, `promoter:{id}` or `offer:{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveScope {
    /// The whole platform.
    All,
    /// One advertiser's offers.
    Advertiser(AdvertiserId),
    /// One promoter's links.
    Promoter(PromoterId),
    /// One offer.
    Offer(OfferId),
}

impl fmt::Display for LiveScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Advertiser(id) => write!(f, "advertiser:{id}"),
            Self::Promoter(id) => write!(f, "promoter:{id}"),
            Self::Offer(id) => write!(f, "offer:{id}"),
        }
    }
}

/// Adds `fields` to the day's hash of every scope the event belongs to.
fn add(
    sums: &mut BTreeMap<String, BTreeMap<String, i64>>,
    prefix: &str,
    day: Date,
    scopes: &Scopes,
    fields: &[(String, i64)],
) {
    let names = [
        LiveScope::All,
        LiveScope::Offer(scopes.offer_id),
        LiveScope::Promoter(scopes.promoter_id),
        LiveScope::Advertiser(scopes.advertiser_id),
    ];
    for name in names {
        let hash = sums.entry(day_key(prefix, day, name)).or_default();
        for (field, by) in fields {
            let sum = hash.entry(field.clone()).or_default();
            *sum = sum.saturating_add(*by);
        }
    }
}

fn day_key(prefix: &str, d: Date, scope: LiveScope) -> String {
    format!(
        "{prefix}live:{:04}{:02}{:02}:{scope}",
        d.year(),
        u8::from(d.month()),
        d.day()
    )
}

/// Money as integer ten-thousandths; absurd amounts saturate instead of wrapping.
fn ten_thousandths(amount: Decimal) -> i64 {
    let scaled = amount.checked_mul(Decimal::from(10_000)).map(|d| d.trunc());
    match scaled.and_then(|d| i64::try_from(d).ok()) {
        Some(n) => n,
        None if amount.is_sign_negative() => i64::MIN,
        None => i64::MAX,
    }
}

/// Today's counters of one scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Verdict ok clicks.
    pub clicks: i64,
    /// Unique clicks.
    pub unique_clicks: i64,
    /// Filtered clicks.
    pub filtered_clicks: i64,
    /// Approved conversions.
    pub conversions: i64,
    /// Payout per currency.
    pub payout: BTreeMap<String, Decimal>,
    /// Revenue per currency.
    pub revenue: BTreeMap<String, Decimal>,
}

/// Reads today's counters of `scope`.
pub async fn read(
    redis: &ConnectionManager,
    prefix: &str,
    scope: LiveScope,
) -> Result<Counters, redis::RedisError> {
    let mut conn = redis.clone();
    let fields: BTreeMap<String, i64> = redis::cmd("HGETALL")
        .arg(day_key(prefix, OffsetDateTime::now_utc().date(), scope))
        .query_async(&mut conn)
        .await?;
    let mut c = Counters::default();
    for (field, value) in fields {
        match field.split_once(':') {
            Some(("payout", cur)) => {
                c.payout
                    .insert(cur.to_owned(), Decimal::new(value, 4).normalize());
            }
            Some(("revenue", cur)) => {
                c.revenue
                    .insert(cur.to_owned(), Decimal::new(value, 4).normalize());
            }
            _ => match field.as_str() {
                "clicks" => c.clicks = value,
                "unique_clicks" => c.unique_clicks = value,
                "filtered_clicks" => c.filtered_clicks = value,
                "conversions" => c.conversions = value,
                _ => {}
            },
        }
    }
    Ok(c)
}
