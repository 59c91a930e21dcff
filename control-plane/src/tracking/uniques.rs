//! Unique clicks (DESIGN §7): a click is unique when it is the earliest ok click, by
//! `(ts, id)`, of its visitor (SHA-256 of IP and User-Agent) on its offer and promoter in its
//! UTC day. Batches arrive in any order, so a click earlier than the current holder takes the
//! place: the holder loses the flag and its rollup bucket one unique click. The outcome is the
//! same whatever order the clicks arrive in.

use std::collections::{BTreeMap, HashSet};

use sqlx::{Postgres, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::kernel::error::ApiError;

/// (UTC day, offer, promoter, visitor).
pub(super) type Key = (Date, i64, i64, Vec<u8>);

/// An ok click that may be unique.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// Its key.
    pub key: Key,
    /// Click id.
    pub id: Uuid,
    /// Click time.
    pub ts: OffsetDateTime,
}

/// A click that was unique until an earlier one arrived.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Displaced {
    /// Click time.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: i64,
    /// Promoter.
    pub promoter_id: i64,
    /// Advertiser.
    pub advertiser_id: Option<i64>,
    /// Country.
    pub country: Option<String>,
    /// sub1.
    pub sub1: Option<String>,
}

/// What changed.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// New clicks that are now unique for a visitor not seen that day (a new unique).
    pub first_seen: HashSet<Uuid>,
    /// New clicks that took the place of a later one (the day's count is unchanged).
    pub took_over: HashSet<Uuid>,
    /// The clicks they took it from.
    pub displaced: Vec<Displaced>,
}

struct Columns {
    days: Vec<Date>,
    offers: Vec<i64>,
    promoters: Vec<i64>,
    visitors: Vec<Vec<u8>>,
    ids: Vec<Uuid>,
    tss: Vec<OffsetDateTime>,
}

fn columns<'a>(candidates: impl Iterator<Item = &'a Candidate>) -> Columns {
    let mut c = Columns {
        days: Vec::new(),
        offers: Vec::new(),
        promoters: Vec::new(),
        visitors: Vec::new(),
        ids: Vec::new(),
        tss: Vec::new(),
    };
    for x in candidates {
        c.days.push(x.key.0);
        c.offers.push(x.key.1);
        c.promoters.push(x.key.2);
        c.visitors.push(x.key.3.clone());
        c.ids.push(x.id);
        c.tss.push(x.ts);
    }
    c
}

/// Decides the uniqueness of ok clicks about to be stored: records the winners in
/// `click_uniques` and clears `clicks.is_unique` of stored clicks they displace. The caller
/// stores the new clicks with the flag ([`Outcome::first_seen`] or [`Outcome::took_over`]),
/// so each click is written once.
pub(super) async fn assign(
    tx: &mut Transaction<'_, Postgres>,
    candidates: &[Candidate],
) -> Result<Outcome, ApiError> {
    let mut out = Outcome::default();
    // The earliest candidate of each key in this batch.
    let mut best: BTreeMap<Key, &Candidate> = BTreeMap::new();
    for c in candidates {
        let slot = best.entry(c.key.clone()).or_insert(c);
        if (c.ts, c.id) < (slot.ts, slot.id) {
            *slot = c;
        }
    }
    if best.is_empty() {
        return Ok(out);
    }
    // Keys nobody held yet.
    let cols = columns(best.values().copied());
    let inserted: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO click_uniques (day, offer_id, promoter_id, visitor, click_id, click_ts)
         SELECT * FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bytea[], $5::uuid[], $6::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING click_id",
    )
    .bind(&cols.days)
    .bind(&cols.offers)
    .bind(&cols.promoters)
    .bind(&cols.visitors)
    .bind(&cols.ids)
    .bind(&cols.tss)
    .fetch_all(&mut **tx)
    .await?;
    out.first_seen = inserted.into_iter().collect();

    // Keys held already (possibly by a batch that committed while this insert waited): the
    // earlier click wins.
    let contested: Vec<&Candidate> = best
        .values()
        .copied()
        .filter(|c| !out.first_seen.contains(&c.id))
        .collect();
    if !contested.is_empty() {
        let cols = columns(contested.iter().copied());
        let holders: Vec<(Date, i64, i64, Vec<u8>, Uuid, OffsetDateTime)> = sqlx::query_as(
            "SELECT u.day, u.offer_id, u.promoter_id, u.visitor, u.click_id, u.click_ts
             FROM click_uniques u
             JOIN UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bytea[]) AS k(day, offer_id, promoter_id, visitor)
               USING (day, offer_id, promoter_id, visitor)
             ORDER BY u.day, u.offer_id, u.promoter_id, u.visitor
             FOR UPDATE OF u",
        )
        .bind(&cols.days)
        .bind(&cols.offers)
        .bind(&cols.promoters)
        .bind(&cols.visitors)
        .fetch_all(&mut **tx)
        .await?;
        let mut winners: Vec<&Candidate> = Vec::new();
        let mut losers: Vec<(Uuid, OffsetDateTime)> = Vec::new();
        for (day, offer, promoter, visitor, holder_id, holder_ts) in holders {
            let Some(c) = best.get(&(day, offer, promoter, visitor)) else {
                continue;
            };
            if (c.ts, c.id) < (holder_ts, holder_id) {
                winners.push(c);
                losers.push((holder_id, holder_ts));
            }
        }
        if !winners.is_empty() {
            let cols = columns(winners.iter().copied());
            sqlx::query(
                "UPDATE click_uniques u SET click_id = k.click_id, click_ts = k.click_ts
                 FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bytea[], $5::uuid[], $6::timestamptz[])
                      AS k(day, offer_id, promoter_id, visitor, click_id, click_ts)
                 WHERE (u.day, u.offer_id, u.promoter_id, u.visitor) = (k.day, k.offer_id, k.promoter_id, k.visitor)",
            )
            .bind(&cols.days)
            .bind(&cols.offers)
            .bind(&cols.promoters)
            .bind(&cols.visitors)
            .bind(&cols.ids)
            .bind(&cols.tss)
            .execute(&mut **tx)
            .await?;
            let (ids, tss): (Vec<Uuid>, Vec<OffsetDateTime>) = losers.into_iter().unzip();
            out.displaced = sqlx::query_as(
                "UPDATE clicks SET is_unique = false
                 WHERE (id, ts) IN (SELECT * FROM UNNEST($1::uuid[], $2::timestamptz[]))
                 RETURNING id, ts, offer_id, promoter_id, advertiser_id, country, sub1",
            )
            .bind(&ids)
            .bind(&tss)
            .fetch_all(&mut **tx)
            .await?;
            out.took_over = winners.iter().map(|c| c.id).collect();
        }
    }

    Ok(out)
}
