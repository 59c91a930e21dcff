//! Stored clicks a later batch flagged (a late click made them the 6th or the 61st of their
//! flood window, `fraud::Restamped`): their reasons are rewritten, and a click that is
//! blocked now leaves the counts a clean click is in for the filtered ones. When it was its
//! visitor's unique click of the day, the next clean click of that visitor and day (if one is
//! stored) becomes the unique one, so unique counts stay what they would have been had the
//! clicks arrived in order.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Postgres, Transaction};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::events::catalogue::ClickCount;
use crate::fraud::{Restamped, rules};
use crate::kernel::{AdvertiserId, ClickId, OfferId, PromoterId};
use crate::stats::{ClickCounts, ClickKey, FilteredKey};

/// The counts a batch changes, gathered for one write each.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Rollup changes by bucket.
    pub counts: BTreeMap<ClickKey, ClickCounts>,
    /// Filtered clicks by reason.
    pub filtered: BTreeMap<FilteredKey, i64>,
    /// The `click.stored` counts by offer, promoter and day.
    pub stored: BTreeMap<(OfferId, PromoterId, Date), ClickCount>,
}

impl Tally {
    /// The `click.stored` entry of an offer, promoter and day.
    pub(super) fn day(
        &mut self,
        offer_id: OfferId,
        promoter_id: PromoterId,
        advertiser_id: AdvertiserId,
        day: Date,
    ) -> &mut ClickCount {
        self.stored
            .entry((offer_id, promoter_id, day))
            .or_insert_with(|| ClickCount {
                offer_id,
                promoter_id,
                advertiser_id,
                day,
                clicks: 0,
                unique_clicks: 0,
                filtered_clicks: 0,
            })
    }
}

/// Each offer's advertiser and currency.
pub(super) type Owners = HashMap<OfferId, (AdvertiserId, String)>;

/// Writes the new reasons of restamped clicks and moves their counts into `tally`; returns
/// the clicks that are blocked now and were not (their conversions are decided again once the
/// batch commits).
pub(super) async fn apply(
    tx: &mut Transaction<'_, Postgres>,
    restamped: &[Restamped],
    owners: &Owners,
    tally: &mut Tally,
) -> sqlx::Result<Vec<ClickId>> {
    if restamped.is_empty() {
        return Ok(Vec::new());
    }
    let newly_blocked: Vec<ClickId> = restamped
        .iter()
        .filter(|r| !rules::blocked(&r.before) && rules::blocked(&r.after))
        .map(|r| r.id)
        .collect();
    if !newly_blocked.is_empty() {
        // Their conversions are decided again after the commit, or by the sweeper if that is
        // interrupted: the recheck commits with the flag.
        let ids: Vec<uuid::Uuid> = newly_blocked.iter().map(|c| c.0).collect();
        sqlx::query!(
            "INSERT INTO fraud_rechecks (click_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING",
            &ids,
        )
        .execute(&mut **tx)
        .await?;
    }
    let ids: Vec<uuid::Uuid> = restamped.iter().map(|r| r.id.0).collect();
    let tss: Vec<OffsetDateTime> = restamped.iter().map(|r| r.ts).collect();
    let lists: Vec<String> = restamped
        .iter()
        .map(|r| rules::to_texts(&r.after).join(","))
        .collect();
    sqlx::query!(
        "UPDATE clicks c SET fraud = string_to_array(k.fraud, ',')
         FROM UNNEST($1::uuid[], $2::timestamptz[], $3::text[]) AS k(id, ts, fraud)
         WHERE c.id = k.id AND c.ts = k.ts",
        &ids,
        &tss,
        &lists,
    )
    .execute(&mut **tx)
    .await?;

    let mut lost_unique: Vec<&Restamped> = Vec::new();
    for r in restamped {
        // A click on an offer unknown here is stored, never counted.
        let Some(advertiser) = r.advertiser_id else {
            continue;
        };
        let Some((_, currency)) = owners.get(&r.offer_id) else {
            continue;
        };
        let day = r.ts.date();
        for added in r.after.iter().filter(|a| !r.before.contains(a)) {
            *tally
                .filtered
                .entry(FilteredKey {
                    day,
                    offer_id: r.offer_id,
                    promoter_id: r.promoter_id,
                    advertiser_id: advertiser,
                    reason: added.as_str(),
                })
                .or_default() += 1;
        }
        if rules::blocked(&r.before) || !rules::blocked(&r.after) {
            continue;
        }
        let key = ClickKey::new(
            r.ts,
            (r.offer_id, r.promoter_id, advertiser),
            currency,
            r.country.as_deref(),
            r.sub1.as_deref(),
        );
        let unique = i64::from(r.is_unique);
        let counts = tally.counts.entry(key).or_default();
        counts.clicks -= 1;
        counts.filtered_clicks += 1;
        counts.unique_clicks -= unique;
        let event = tally.day(r.offer_id, r.promoter_id, advertiser, day);
        event.clicks -= 1;
        event.filtered_clicks += 1;
        event.unique_clicks -= unique;
        if r.is_unique {
            lost_unique.push(r);
        }
    }
    for r in lost_unique {
        pass_unique_on(tx, r, owners, tally).await?;
    }
    Ok(newly_blocked)
}

/// Takes the unique flag from a click blocked now and gives it to the next clean click of
/// its visitor, offer, promoter and UTC day, if one is stored.
async fn pass_unique_on(
    tx: &mut Transaction<'_, Postgres>,
    r: &Restamped,
    owners: &Owners,
    tally: &mut Tally,
) -> sqlx::Result<()> {
    let day = r.ts.date();
    let visitor = super::ingest::visitor_hash(Some(r.ip), &r.user_agent);
    sqlx::query!(
        "UPDATE clicks SET is_unique = false WHERE id = $1 AND ts = $2",
        r.id.0,
        r.ts,
    )
    .execute(&mut **tx)
    .await?;
    let held = sqlx::query!(
        "DELETE FROM click_uniques
         WHERE day = $1 AND offer_id = $2 AND promoter_id = $3 AND visitor = $4 AND click_id = $5",
        day,
        r.offer_id.0,
        r.promoter_id.0,
        &visitor,
        r.id.0,
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if held == 0 {
        return Ok(());
    }
    let start = day.with_time(Time::MIDNIGHT).assume_utc();
    let next = sqlx::query!(
        r#"SELECT id AS "id: ClickId", ts, advertiser_id AS "advertiser_id: AdvertiserId",
                country, sub1
         FROM clicks
         WHERE offer_id = $1 AND promoter_id = $2 AND ip = $3::text::inet AND user_agent = $4
           AND verdict = 'ok' AND NOT fraud_blocks(fraud) AND NOT test AND ts >= $5 AND ts < $6
         ORDER BY ts, id LIMIT 1"#,
        r.offer_id.0,
        r.promoter_id.0,
        r.ip.to_string(),
        r.user_agent,
        start,
        start.checked_add(Duration::DAY).unwrap_or(start),
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(next) = next else {
        return Ok(());
    };
    sqlx::query!(
        "UPDATE clicks SET is_unique = true WHERE id = $1 AND ts = $2",
        next.id.0,
        next.ts,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO click_uniques (day, offer_id, promoter_id, visitor, click_id, click_ts)
         VALUES ($1, $2, $3, $4, $5, $6)",
        day,
        r.offer_id.0,
        r.promoter_id.0,
        &visitor,
        next.id.0,
        next.ts,
    )
    .execute(&mut **tx)
    .await?;
    if let (Some(advertiser), Some((_, currency))) = (next.advertiser_id, owners.get(&r.offer_id)) {
        let key = ClickKey::new(
            next.ts,
            (r.offer_id, r.promoter_id, advertiser),
            currency,
            next.country.as_deref(),
            next.sub1.as_deref(),
        );
        tally.counts.entry(key).or_default().unique_clicks += 1;
        tally
            .day(r.offer_id, r.promoter_id, advertiser, day)
            .unique_clicks += 1;
    }
    Ok(())
}
