//! What click scoring reads from Postgres: the stored ok clicks of the flood windows around a
//! batch, behind a lock per IP so batches carrying clicks of the same IP (on this control
//! plane or another) score one after the other.

use std::net::IpAddr;

use ipnet::IpNet;
use sqlx::{Postgres, Transaction};
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

/// Takes the window locks of these IPs until the transaction ends, in key order (so two
/// batches never wait on each other in a circle).
pub(crate) async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    ips: impl IntoIterator<Item = IpAddr>,
) -> sqlx::Result<()> {
    let mut keys: Vec<i32> = ips.into_iter().map(lock_key).collect();
    if keys.is_empty() {
        return Ok(());
    }
    keys.sort_unstable();
    keys.dedup();
    sqlx::query!(
        "SELECT pg_advisory_xact_lock($1, k) FROM (SELECT unnest($2::int4[]) AS k ORDER BY 1) s",
        WINDOW_LOCK_CLASS,
        &keys,
    )
    .execute(&mut **tx)
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
    // The overall bounds let Postgres look in the partitions that can hold them only.
    sqlx::query_as!(
        StoredClick,
        r#"SELECT c.id AS "id: ClickId", c.ts, c.offer_id AS "offer_id: OfferId",
            c.promoter_id AS "promoter_id: PromoterId",
            c.advertiser_id AS "advertiser_id: AdvertiserId", c.ip AS "ip!: IpNet",
            c.user_agent, c.fraud, c.is_unique, c.country, c.sub1
         FROM UNNEST($1::text[], $2::timestamptz[], $3::timestamptz[]) AS k(ip, lo, hi)
         JOIN clicks c ON c.ip = k.ip::inet AND c.ts >= k.lo AND c.ts <= k.hi
         WHERE c.verdict = 'ok' AND NOT c.test AND c.ts >= $4 AND c.ts <= $5"#,
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
