//! Live counters: today's (UTC) numbers in Redis, bumped as events land, read by
//! `GET /v1/stats/live`. One hash per day and scope (`all`, `advertiser:{id}`,
//! `promoter:{id}`, `offer:{id}`); money is kept in ten-thousandths as integers so sums stay
//! exact. Hashes expire after three days.

use std::collections::BTreeMap;

use redis::aio::ConnectionManager;
use rust_decimal::Decimal;
use time::OffsetDateTime;

/// Where a counted event belongs.
#[derive(Debug, Clone, Copy)]
pub struct Scopes {
    /// The offer.
    pub offer_id: i64,
    /// The promoter.
    pub promoter_id: i64,
    /// The advertiser, when known.
    pub advertiser_id: Option<i64>,
}

/// One increment (or decrement, for reversals) of the counters.
#[derive(Debug, Clone)]
pub enum Bump {
    /// A stored click.
    Click {
        /// When (its UTC day picks the hash).
        ts: OffsetDateTime,
        /// Verdict ok.
        counted: bool,
        /// First of its visitor today.
        unique: bool,
    },
    /// A conversion entering (+1) or leaving (-1) approved.
    Conversion {
        /// When.
        ts: OffsetDateTime,
        /// +1 or -1.
        sign: i64,
        /// Payout and its currency.
        payout: (Decimal, String),
        /// Revenue and its currency.
        revenue: (Decimal, String),
    },
}

fn day_key(prefix: &str, ts: OffsetDateTime, scope: &str) -> String {
    let d = ts.date();
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

/// Applies the bumps; failures are logged, never fatal (Postgres holds the truth). The
/// increments are summed first, so a batch costs one `HINCRBY` per hash and field it touches
/// (plus one `EXPIRE` per hash), not one per event.
pub async fn apply(redis: &ConnectionManager, prefix: &str, bumps: &[(Scopes, Bump)]) {
    if bumps.is_empty() {
        return;
    }
    let mut sums: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (scopes, bump) in bumps {
        let mut names = vec![
            "all".to_owned(),
            format!("offer:{}", scopes.offer_id),
            format!("promoter:{}", scopes.promoter_id),
        ];
        if let Some(advertiser) = scopes.advertiser_id {
            names.push(format!("advertiser:{advertiser}"));
        }
        let (ts, fields): (OffsetDateTime, Vec<(String, i64)>) = match bump {
            Bump::Click {
                ts,
                counted,
                unique,
            } => {
                let mut f = Vec::new();
                if *counted {
                    f.push(("clicks".to_owned(), 1));
                } else {
                    f.push(("filtered_clicks".to_owned(), 1));
                }
                if *unique {
                    f.push(("unique_clicks".to_owned(), 1));
                }
                (*ts, f)
            }
            Bump::Conversion {
                ts,
                sign,
                payout,
                revenue,
            } => (
                *ts,
                vec![
                    ("conversions".to_owned(), *sign),
                    (
                        format!("payout:{}", payout.1),
                        sign * ten_thousandths(payout.0),
                    ),
                    (
                        format!("revenue:{}", revenue.1),
                        sign * ten_thousandths(revenue.0),
                    ),
                ],
            ),
        };
        for name in &names {
            let hash = sums.entry(day_key(prefix, ts, name)).or_default();
            for (field, by) in &fields {
                let sum = hash.entry(field.clone()).or_default();
                *sum = sum.saturating_add(*by);
            }
        }
    }
    let mut pipe = redis::pipe();
    for (key, fields) in &sums {
        for (field, by) in fields {
            pipe.cmd("HINCRBY").arg(key).arg(field).arg(*by).ignore();
        }
        pipe.cmd("EXPIRE").arg(key).arg(3 * 86_400).ignore();
    }
    let mut conn = redis.clone();
    if let Err(e) = pipe.query_async::<()>(&mut conn).await {
        tracing::warn!(error = %e, "live counters not updated");
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
    scope: &str,
) -> Result<Counters, redis::RedisError> {
    let mut conn = redis.clone();
    let fields: BTreeMap<String, i64> = redis::cmd("HGETALL")
        .arg(day_key(prefix, OffsetDateTime::now_utc(), scope))
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
