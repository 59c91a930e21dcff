//! What click scoring reads and writes in Postgres: the lock per IP under which batches
//! carrying clicks of the same IP (on this control plane or another) score, the lock they all
//! share, what the flood counts in Redis are taken against, and the stored ok clicks of the
//! flood windows around a batch.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::fraud::counts::Against;
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

/// What [`lock`] read under the locks: the version of what scoring holds in memory, and what
/// the flood counts are taken against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Locked {
    pub version: i64,
    pub against: Against,
}

/// Takes the window locks of these IPs until the transaction ends (or is rolled back): the
/// lock every batch shares (see [`lock_alone`]), then each IP's, exclusive for the IPs marked
/// so and shared for the others, in key order (so two batches never wait on each other in a
/// circle); two IPs that share a key share its lock, exclusive if either asks for it. Then
/// reads, in a snapshot taken with the locks held, what [`Locked`] says. One call of
/// `flood_window_locks` (migrations/20261218000033_flood_counts_in_redis.sql).
pub(crate) async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    ips: impl IntoIterator<Item = (IpAddr, bool)>,
) -> sqlx::Result<Locked> {
    let mut keys: BTreeMap<i32, bool> = BTreeMap::new();
    for (ip, exclusive) in ips {
        *keys.entry(lock_key(ip)).or_default() |= exclusive;
    }
    let (keys, exclusive): (Vec<i32>, Vec<bool>) = keys.into_iter().unzip();
    let row = sqlx::query!(
        r#"SELECT version AS "version!", epoch AS "epoch!", gen AS "generation!"
           FROM flood_window_locks($1, $2::int4[], $3::bool[])"#,
        WINDOW_LOCK_CLASS,
        &keys,
        &exclusive,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Locked {
        version: row.version,
        against: Against {
            epoch: row.epoch,
            generation: row.generation,
        },
    })
}

/// Takes the lock every batch shares, alone, until the transaction ends: it waits for every
/// batch in flight to end, and holds new ones back. Then reads what the flood counts are
/// taken against, and Postgres's clock.
pub(crate) async fn lock_alone(
    tx: &mut Transaction<'_, Postgres>,
) -> sqlx::Result<(Against, OffsetDateTime)> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock($1 + 1, 0)::text",
        WINDOW_LOCK_CLASS
    )
    .fetch_one(&mut **tx)
    .await?;
    // A statement of its own: its snapshot is taken with the lock held.
    let row = sqlx::query!(r#"SELECT flood_epoch, flood_gen, now() AS "now!" FROM fraud_state"#)
        .fetch_one(&mut **tx)
        .await?;
    Ok((
        Against {
            epoch: row.flood_epoch,
            generation: row.flood_gen,
        },
        row.now,
    ))
}

/// What the flood counts are taken against now, read without any lock (a check before
/// [`lock_alone`]: what it reads may move before a batch counts).
pub(crate) async fn against(pool: &PgPool) -> sqlx::Result<Against> {
    let row = sqlx::query!("SELECT flood_epoch, flood_gen FROM fraud_state")
        .fetch_one(pool)
        .await?;
    Ok(Against {
        epoch: row.flood_epoch,
        generation: row.flood_gen,
    })
}

/// The stored ok clicks from `since` on (test clicks and clicks without an IP are in no
/// window), by IP and UTC minute.
pub(crate) async fn stored_counts(
    tx: &mut Transaction<'_, Postgres>,
    since: OffsetDateTime,
) -> sqlx::Result<Vec<(IpAddr, OffsetDateTime, i64)>> {
    Ok(sqlx::query!(
        r#"SELECT ip AS "ip!: IpNet", date_trunc('minute', ts, 'UTC') AS "minute!",
                  count(*) AS "clicks!"
           FROM clicks
           WHERE verdict = 'ok' AND NOT test AND ip IS NOT NULL AND ts >= $1
           GROUP BY 1, 2"#,
        since,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.ip.addr(), r.minute, r.clicks))
    .collect())
}

/// Records the generation counting started again under (in the transaction holding the lock
/// alone, after the counts were made).
pub(crate) async fn record_gen(
    tx: &mut Transaction<'_, Postgres>,
    generation: i64,
) -> sqlx::Result<()> {
    sqlx::query!("UPDATE fraud_state SET flood_gen = $1", generation)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves the epoch: a batch could not count its clicks. Call it on a connection of its own
/// (committed at once), before the batch takes its exclusive locks.
pub(crate) async fn missed_count(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query!("UPDATE fraud_state SET flood_epoch = flood_epoch + 1")
        .execute(pool)
        .await?;
    Ok(())
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
