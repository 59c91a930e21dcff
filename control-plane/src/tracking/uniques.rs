//! Unique clicks (DESIGN §7): a click is unique when it is the earliest ok click, by
//! `(ts, id)`, of its visitor (SHA-256 of IP and User-Agent) on its offer and promoter in its
//! UTC day. Batches arrive in any order, so a click earlier than the current holder takes the
//! place: the holder loses the flag and its rollup bucket one unique click. The outcome is the
//! same whatever order the clicks arrive in.

use std::collections::{BTreeMap, HashSet};

use sqlx::{Postgres, Transaction};
use time::{Date, OffsetDateTime};

use crate::kernel::{AdvertiserId, ClickId, OfferId, PromoterId};

/// (UTC day, offer, promoter, visitor).
pub(super) type Key = (Date, OfferId, PromoterId, Vec<u8>);

/// An ok click that may be unique.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// Its key.
    pub key: Key,
    /// Click id.
    pub id: ClickId,
    /// Click time.
    pub ts: OffsetDateTime,
}

/// A click that was unique until an earlier one arrived.
#[derive(Debug, Clone)]
pub(super) struct Displaced {
    /// Click time.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// Advertiser.
    pub advertiser_id: Option<AdvertiserId>,
    /// Country.
    pub country: Option<String>,
    /// sub1.
    pub sub1: Option<String>,
}

/// What changed.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// New clicks that are now unique for a visitor not seen that day (a new unique).
    pub first_seen: HashSet<ClickId>,
    /// New clicks that took the place of a later one (the day's count is unchanged).
    pub took_over: HashSet<ClickId>,
    /// The clicks they took it from.
    pub displaced: Vec<Displaced>,
}

/// Candidates as the columns of `UNNEST` (the ids as their SQL values).
struct Columns {
    days: Vec<Date>,
    offers: Vec<i64>,
    promoters: Vec<i64>,
    visitors: Vec<Vec<u8>>,
    ids: Vec<uuid::Uuid>,
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
        c.offers.push(x.key.1.0);
        c.promoters.push(x.key.2.0);
        c.visitors.push(x.key.3.clone());
        c.ids.push(x.id.0);
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
) -> sqlx::Result<Outcome> {
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
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO click_uniques (day, offer_id, promoter_id, visitor, click_id, click_ts)
         SELECT * FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bytea[], $5::uuid[], $6::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING click_id AS "click_id: ClickId""#,
        &cols.days,
        &cols.offers,
        &cols.promoters,
        &cols.visitors,
        &cols.ids,
        &cols.tss,
    )
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
        let holders = sqlx::query!(
            r#"SELECT u.day, u.offer_id AS "offer_id: OfferId",
                u.promoter_id AS "promoter_id: PromoterId", u.visitor,
                u.click_id AS "click_id: ClickId", u.click_ts
             FROM click_uniques u
             JOIN UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bytea[]) AS k(day, offer_id, promoter_id, visitor)
               USING (day, offer_id, promoter_id, visitor)
             ORDER BY u.day, u.offer_id, u.promoter_id, u.visitor
             FOR UPDATE OF u"#,
            &cols.days,
            &cols.offers,
            &cols.promoters,
            &cols.visitors,
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut winners: Vec<&Candidate> = Vec::new();
        let mut losers: Vec<(ClickId, OffsetDateTime)> = Vec::new();
        for h in holders {
            let Some(c) = best.get(&(h.day, h.offer_id, h.promoter_id, h.visitor)) else {
                continue;
            };
            if (c.ts, c.id) < (h.click_ts, h.click_id) {
                winners.push(c);
                losers.push((h.click_id, h.click_ts));
            }
        }
        if !winners.is_empty() {
            let cols = columns(winners.iter().copied());
            sqlx::query!(
                "UPDATE click_uniques u SET click_id = k.click_id, click_ts = k.click_ts
                 FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bytea[], $5::uuid[], $6::timestamptz[])
                      AS k(day, offer_id, promoter_id, visitor, click_id, click_ts)
                 WHERE (u.day, u.offer_id, u.promoter_id, u.visitor) = (k.day, k.offer_id, k.promoter_id, k.visitor)",
                &cols.days,
                &cols.offers,
                &cols.promoters,
                &cols.visitors,
                &cols.ids,
                &cols.tss,
            )
            .execute(&mut **tx)
            .await?;
            let (ids, tss): (Vec<uuid::Uuid>, Vec<OffsetDateTime>) =
                losers.into_iter().map(|(id, ts)| (id.0, ts)).unzip();
            out.displaced = sqlx::query_as!(
                Displaced,
                r#"UPDATE clicks SET is_unique = false
                 WHERE (id, ts) IN (SELECT * FROM UNNEST($1::uuid[], $2::timestamptz[]))
                 RETURNING ts, offer_id AS "offer_id: OfferId", promoter_id AS "promoter_id: PromoterId",
                     advertiser_id AS "advertiser_id: AdvertiserId", country, sub1"#,
                &ids,
                &tss,
            )
            .fetch_all(&mut **tx)
            .await?;
            out.took_over = winners.iter().map(|c| c.id).collect();
        }
    }

    Ok(out)
}
