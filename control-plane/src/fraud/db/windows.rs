//! What click scoring reads and writes in Postgres: the flood counts per IP and minute, the
//! stored ok clicks of the flood windows around a batch, and the lock per IP under which
//! batches carrying clicks of the same IP (on this control plane or another) score.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::kernel::{AdvertiserId, ClickId, OfferId, PromoterId};

/// The advisory lock class of flood windows (the two-key form: apart from the offer locks
/// attribution takes with one key).
const WINDOW_LOCK_CLASS: i32 = 0x0af7_0001;

/// The lock key of an IP's windows (FNV-1a of its text: collisions only serialise more).
fn lock_key(ip: IpAddr) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in ip.to_string().bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as i32
}

/// Takes the window locks of these IPs until the transaction ends (or is rolled back),
/// exclusive for the IPs marked so and shared for the others, in key order (so two batches
/// never wait on each other in a circle). Two IPs that share a key share its lock, exclusive
/// if either asks for it.
pub(crate) async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    ips: impl IntoIterator<Item = (IpAddr, bool)>,
) -> sqlx::Result<()> {
    let mut keys: BTreeMap<i32, bool> = BTreeMap::new();
    for (ip, exclusive) in ips {
        *keys.entry(lock_key(ip)).or_default() |= exclusive;
    }
    if keys.is_empty() {
        return Ok(());
    }
    let (keys, exclusive): (Vec<i32>, Vec<bool>) = keys.into_iter().unzip();
    sqlx::query!(
        "SELECT CASE WHEN x THEN pg_advisory_xact_lock($1, k)::text
                     ELSE pg_advisory_xact_lock_shared($1, k)::text END
         FROM (SELECT k, x FROM unnest($2::int4[], $3::bool[]) AS u(k, x) ORDER BY k) s",
        WINDOW_LOCK_CLASS,
        &keys,
        &exclusive,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

/// The clicks counted in some minutes of some IPs (a minute not in it counted none).
pub(crate) type Counts = HashMap<(IpAddr, OffsetDateTime), i64>;

/// What [`count`] saw: the counts in the asked spans, since when every click is counted
/// (none: the counts were lost, and counting starts again now), Postgres's clock, and the
/// version of what scoring holds in memory (`fraud_state`).
#[derive(Debug, Clone)]
pub(crate) struct Counted {
    pub counts: Counts,
    pub since: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
    pub version: i64,
}

/// The columns of spans (IP, first minute, last minute).
fn span_columns(
    spans: &[(IpAddr, OffsetDateTime, OffsetDateTime)],
) -> (Vec<IpNet>, Vec<OffsetDateTime>, Vec<OffsetDateTime>) {
    (
        spans.iter().map(|s| IpNet::from(s.0)).collect(),
        spans.iter().map(|s| s.1).collect(),
        spans.iter().map(|s| s.2).collect(),
    )
}

/// Adds `add` (IP, minute, clicks) to the flood counts and commits at once (call it on a
/// connection of its own, not in a batch's transaction), then reads the counts in the `read`
/// spans (IP, first minute, last minute), the ones just added included, after every earlier
/// count of the same IPs committed; and the version of what scoring holds. One call of
/// `flood_count` (migrations/20261216000030_flood_counts_appended.sql): one round trip.
pub(crate) async fn count(
    pool: &PgPool,
    add: &[(IpAddr, OffsetDateTime, i32)],
    read: &[(IpAddr, OffsetDateTime, OffsetDateTime)],
) -> sqlx::Result<Counted> {
    let add_ips: Vec<IpNet> = add.iter().map(|a| IpNet::from(a.0)).collect();
    let add_minutes: Vec<OffsetDateTime> = add.iter().map(|a| a.1).collect();
    let add_clicks: Vec<i32> = add.iter().map(|a| a.2).collect();
    let (ips, los, his) = span_columns(read);
    let rows = sqlx::query!(
        r#"SELECT ip AS "ip!: IpNet", minute AS "minute!", clicks AS "clicks!", since,
                  now AS "now!", version AS "version!"
           FROM flood_count($1::inet[], $2::timestamptz[], $3::int4[],
                            $4::inet[], $5::timestamptz[], $6::timestamptz[])"#,
        &add_ips,
        &add_minutes,
        &add_clicks,
        &ips,
        &los,
        &his,
    )
    .fetch_all(pool)
    .await?;
    let (since, now, version) = match rows.first() {
        Some(r) => (r.since, r.now, r.version),
        None => (None, OffsetDateTime::now_utc(), 0),
    };
    if since.is_none() {
        // Lost (a crash empties unlogged tables): counting starts again, trusted from a couple
        // of minutes on (clicks stamped a little ahead by an edge's clock were counted before).
        sqlx::query!(
            "INSERT INTO flood_counts_since (since)
             VALUES (date_trunc('minute', now(), 'UTC') + interval '2 minutes')
             ON CONFLICT DO NOTHING"
        )
        .execute(pool)
        .await?;
    }
    let counts = rows
        .iter()
        .map(|r| ((r.ip.addr(), r.minute), r.clicks))
        .collect();
    Ok(Counted {
        counts,
        since,
        now,
        version,
    })
}

/// The clicks counted now in the spans (IP, first minute, last minute).
pub(crate) async fn counts_now(
    tx: &mut Transaction<'_, Postgres>,
    spans: &[(IpAddr, OffsetDateTime, OffsetDateTime)],
) -> sqlx::Result<Counts> {
    let (ips, los, his) = span_columns(spans);
    Ok(sqlx::query!(
        r#"SELECT s.ip AS "ip!: IpNet", f.minute AS "minute!", sum(f.clicks)::int8 AS "clicks!"
           FROM UNNEST($1::inet[], $2::timestamptz[], $3::timestamptz[]) AS s(ip, lo, hi)
           CROSS JOIN LATERAL (
               SELECT f.minute, f.clicks FROM flood_counts f
               WHERE f.ip_key = hashinetextended(s.ip, 0) AND f.minute >= s.lo
                 AND f.minute <= s.hi OFFSET 0) f
           GROUP BY s.ip, f.minute"#,
        &ips,
        &los,
        &his,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| ((r.ip.addr(), r.minute), r.clicks))
    .collect())
}

/// Forgets the counts of the minutes that began more than `horizon` ago (by Postgres's
/// clock); returns how many rows went.
pub(crate) async fn forget_counts(pool: &PgPool, horizon: time::Duration) -> sqlx::Result<u64> {
    let seconds = horizon.whole_seconds() as f64;
    Ok(sqlx::query!(
        "DELETE FROM flood_counts WHERE minute < now() - make_interval(secs => $1)",
        seconds,
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// A stored ok click in a window.
#[derive(Debug, Clone)]
pub(crate) struct StoredClick {
    pub id: ClickId,
    pub ts: OffsetDateTime,
    pub offer_id: OfferId,
    pub promoter_id: PromoterId,
    pub advertiser_id: Option<AdvertiserId>,
    pub ip: IpNet,
    pub user_agent: String,
    pub fraud: Vec<String>,
    pub is_unique: bool,
    pub country: Option<String>,
    pub sub1: Option<String>,
}

/// The stored ok clicks of each IP between its bounds (inclusive).
pub(crate) async fn stored_in(
    tx: &mut Transaction<'_, Postgres>,
    spans: &[(IpAddr, OffsetDateTime, OffsetDateTime)],
) -> sqlx::Result<Vec<StoredClick>> {
    let Some(earliest) = spans.iter().map(|s| s.1).min() else {
        return Ok(Vec::new());
    };
    let latest = spans.iter().map(|s| s.2).max().unwrap_or(earliest);
    let ips: Vec<String> = spans.iter().map(|s| s.0.to_string()).collect();
    let los: Vec<OffsetDateTime> = spans.iter().map(|s| s.1).collect();
    let his: Vec<OffsetDateTime> = spans.iter().map(|s| s.2).collect();
    // The overall bounds let Postgres look in the partitions that can hold them only; each
    // span is an index range scan (`OFFSET 0` keeps the subquery apart, or the planner may
    // hash a whole partition).
    sqlx::query_as!(
        StoredClick,
        r#"SELECT c.id AS "id: ClickId", c.ts, c.offer_id AS "offer_id: OfferId",
            c.promoter_id AS "promoter_id: PromoterId",
            c.advertiser_id AS "advertiser_id: AdvertiserId", c.ip AS "ip!: IpNet",
            c.user_agent, c.fraud, c.is_unique, c.country, c.sub1
         FROM UNNEST($1::text[], $2::timestamptz[], $3::timestamptz[]) AS k(ip, lo, hi)
         CROSS JOIN LATERAL (
             SELECT * FROM clicks c
             WHERE c.ip = k.ip::inet AND c.ts >= k.lo AND c.ts <= k.hi
               AND c.verdict = 'ok' AND NOT c.test AND c.ts >= $4 AND c.ts <= $5
             OFFSET 0) c"#,
        &ips,
        &los,
        &his,
        earliest,
        latest,
    )
    .fetch_all(&mut **tx)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_stable_and_spread() {
        let a: IpAddr = "203.0.113.9".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let b: IpAddr = "203.0.113.10".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(lock_key(a), lock_key(a));
        assert_ne!(lock_key(a), lock_key(b));
    }
}
