//! Conversions: attribution (DESIGN §7), the advertiser's review and reversal, lists.
//!
//! Attribution of one conversion runs in one transaction holding an advisory lock on the
//! offer, so the decisions that depend on other conversions (duplicates, caps) are made one
//! at a time per offer. They follow the conversions' own order, `(ts, id)`: a conversion that
//! happened earlier than the one holding its txid or cap slot takes the slot back, and the
//! holder is demoted (to duplicate or over_cap), with an audit record.

use afftok_shared::Currency;
use rust_decimal::Decimal;
use sqlx::{FromRow, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::conversions::rules::{
    self as attribution, Before, Contender, ConversionStatus, DuplicateKey, Payout, PayoutTerms,
    Screen, Terms,
};
use crate::events::{
    self, EventKind,
    catalogue::{Amount, ConversionChanged},
};
use crate::kernel::Tenant;
use crate::kernel::error::ApiError;
use crate::kernel::event_time;
use crate::kernel::{AdvertiserId, ClickId, ConversionId, OfferId, PromoterId, UserId};
use crate::offers::PayoutModel;
use crate::stats as rollups;
use afftok_shared::ConversionEvent;

/// A stored conversion.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct ConversionRow {
    /// Event id.
    pub id: Uuid,
    /// When it happened (the edge's or the API's time).
    pub ts: OffsetDateTime,
    /// The advertiser who reported it.
    pub advertiser_id: i64,
    /// The click it claims.
    pub click_id: Uuid,
    /// Transaction id.
    pub txid: Option<String>,
    /// Sale amount.
    pub amount: Option<Decimal>,
    /// Amount currency.
    pub currency: Option<String>,
    /// Event name.
    pub event: String,
    /// postback or api.
    pub source: String,
    /// Attribution status.
    pub status: String,
    /// The click's offer.
    pub offer_id: Option<i64>,
    /// The click's promoter.
    pub promoter_id: Option<i64>,
    /// The click's country.
    pub country: Option<String>,
    /// The click's sub1.
    pub sub1: Option<String>,
    /// Payout.
    pub payout: Option<Decimal>,
    /// Payout currency.
    pub payout_currency: Option<String>,
    /// When attribution decided.
    pub attributed_at: Option<OffsetDateTime>,
}

impl ConversionRow {
    /// The status (stored names are valid).
    pub(crate) fn status(&self) -> ConversionStatus {
        self.status.parse().unwrap_or(ConversionStatus::Pending)
    }
}

const COLUMNS: &str = "id, ts, advertiser_id, click_id, txid, amount, currency, event, edge, source, status,
    offer_id, promoter_id, click_ts, country, sub1, payout, payout_currency, attributed_at, received_at";

#[derive(Debug, FromRow)]
struct ClickFacts {
    offer_id: i64,
    promoter_id: i64,
    ts: OffsetDateTime,
    country: Option<String>,
    sub1: Option<String>,
}

#[derive(Debug, FromRow)]
struct OfferTerms {
    advertiser_id: i64,
    payout_model: String,
    payout_amount: Option<Decimal>,
    payout_percent: Option<Decimal>,
    currency: String,
    attribution_window_hours: i32,
    daily_cap: Option<i32>,
    total_cap: Option<i32>,
    hold_conversions: bool,
}

/// What attribution decided, written together just before the transaction commits.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The conversion's status now.
    pub status: Option<ConversionStatus>,
    /// Rollup changes.
    counts: Vec<rollups::ConversionCount>,
    /// Domain events: every status change.
    changes: Vec<(EventKind, ConversionChanged)>,
}

/// Writes the rollup changes and domain events collected in `out`, then commits.
async fn commit(mut tx: Transaction<'_, Postgres>, out: &mut Outcome) -> Result<(), ApiError> {
    rollups::add_conversions(&mut tx, &out.counts).await?;
    out.counts.clear();
    for kind in [EventKind::ConversionDecided, EventKind::ConversionReversed] {
        let changes: Vec<&ConversionChanged> = out
            .changes
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, c)| c)
            .collect();
        events::record_all(&mut tx, kind, &changes).await?;
    }
    out.changes.clear();
    tx.commit().await?;
    Ok(())
}

/// A payout as events carry it: with its currency's decimals (`12.50`, `0.1234` for KWD).
fn money(amount: Option<Decimal>, currency: Option<&String>) -> Option<Amount> {
    let mut amount = amount?;
    let currency = currency?.clone();
    if let Ok(c) = Currency::parse(&currency) {
        amount.rescale(crate::kernel::money::payout_scale(&c));
    }
    Some(Amount { amount, currency })
}

/// The domain event of `row` (as it was before the change) going from `from` to `to`, whose
/// payout is `payout` after the change.
fn changed(
    row: &ConversionRow,
    (from, to): (ConversionStatus, ConversionStatus),
    payout: Option<Amount>,
    previous_payout: Option<Amount>,
    (actor, reason): (Option<i64>, Option<&str>),
) -> (EventKind, ConversionChanged) {
    let kind = if to == ConversionStatus::Reversed {
        EventKind::ConversionReversed
    } else {
        EventKind::ConversionDecided
    };
    let (amount, currency) = revenue_of(row);
    let revenue = (!currency.is_empty()).then_some(Amount { amount, currency });
    (
        kind,
        ConversionChanged {
            conversion_id: ConversionId(row.id),
            ts: row.ts,
            advertiser_id: AdvertiserId(row.advertiser_id),
            offer_id: row.offer_id.map(OfferId),
            promoter_id: row.promoter_id.map(PromoterId),
            click_id: ClickId(row.click_id),
            txid: row.txid.clone(),
            event: row.event.clone(),
            from,
            to,
            reason: reason.map(str::to_owned),
            actor_id: actor.map(UserId),
            revenue,
            payout,
            previous_payout,
        },
    )
}

/// The sale amount and its currency (the payout's when the sale gave none; empty when
/// neither is known).
fn revenue_of(row: &ConversionRow) -> (Decimal, String) {
    (
        row.amount.unwrap_or_default(),
        row.currency
            .clone()
            .or_else(|| row.payout_currency.clone())
            .unwrap_or_default(),
    )
}

/// Adds (`sign` 1) or removes (-1) an approved conversion from the rollups (written at
/// commit).
fn rollup(row: &ConversionRow, sign: i64, out: &mut Outcome) {
    let (Some(offer_id), Some(promoter_id)) = (row.offer_id, row.promoter_id) else {
        return;
    };
    let payout = row.payout.unwrap_or_default();
    let payout_currency = row.payout_currency.clone().unwrap_or_default();
    out.counts.push(rollups::ConversionCount {
        ts: row.ts,
        offer_id: OfferId(offer_id),
        promoter_id: PromoterId(promoter_id),
        advertiser_id: AdvertiserId(row.advertiser_id),
        country: row.country.clone().unwrap_or_default(),
        sub1: row.sub1.clone().unwrap_or_default(),
        payout: (payout, payout_currency),
        revenue: revenue_of(row),
        sign,
    });
}

async fn set_status(
    tx: &mut Transaction<'_, Postgres>,
    row: &ConversionRow,
    to: ConversionStatus,
    actor: Option<i64>,
    reason: Option<&str>,
    out: &mut Outcome,
) -> Result<(), ApiError> {
    let from = row.status();
    sqlx::query(
        "UPDATE conversions SET status = $2,
             payout = CASE WHEN $3 THEN payout END,
             payout_currency = CASE WHEN $3 THEN payout_currency END
         WHERE id = $1",
    )
    .bind(row.id)
    .bind(to.as_str())
    .bind(to.keeps_payout())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO conversion_audit (conversion_id, actor_id, from_status, to_status, reason)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(row.id)
    .bind(actor)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    let was = from == ConversionStatus::Approved;
    let is = to == ConversionStatus::Approved;
    if was != is {
        rollup(row, if is { 1 } else { -1 }, out);
    }
    let payout = money(row.payout, row.payout_currency.as_ref());
    out.changes.push(changed(
        row,
        (from, to),
        payout.clone().filter(|_| to.keeps_payout()),
        payout.filter(|_| from.keeps_payout()),
        (actor, reason),
    ));
    Ok(())
}

/// Attributes conversions (oldest first). They are
/// decided in one transaction holding every offer's lock (taken in offer order, so two
/// batches never wait on each other in a circle); if that fails, one by one, where a
/// failure is logged and leaves that conversion pending (the sweeper retries it) without
/// stopping the others.
pub async fn attribute_all(pool: &PgPool, ids: &[Uuid]) {
    if ids.len() > 1 {
        match attribute_together(pool, ids).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(conversions = ids.len(), error = %e, "attributing a batch failed; one by one")
            }
        }
    }
    for id in ids {
        if let Err(e) = attribute(pool, *id).await {
            tracing::warn!(conversion = %id, error = %e, "attribution failed; it stays pending")
        }
    }
}

/// Takes the offer's attribution lock: every decision that depends on other conversions of
/// the offer (duplicates, caps, reviews, reversals) is made under it, one at a time, and it
/// is taken before any row lock so that they are always taken in the same order.
async fn lock_offer(tx: &mut Transaction<'_, Postgres>, offer_id: i64) -> Result<(), ApiError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(offer_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The click a conversion claims, if stored. A click id minted by an edge is a UUIDv7 whose
/// time is the click's: with it, only the partition that can hold the click is searched.
async fn click_of(
    exec: impl sqlx::PgExecutor<'_>,
    click_id: Uuid,
) -> Result<Option<ClickFacts>, ApiError> {
    let ts = click_id
        .get_timestamp()
        .filter(|_| click_id.get_version_num() == 7)
        .and_then(|t| {
            let (secs, nanos) = t.to_unix();
            OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(secs) * 1_000_000_000 + i128::from(nanos / 1_000_000) * 1_000_000,
            )
            .ok()
        });
    Ok(sqlx::query_as::<_, ClickFacts>(
        "SELECT offer_id, promoter_id, ts, country, sub1 FROM clicks
         WHERE id = $1 AND ($2::timestamptz IS NULL OR ts = $2) LIMIT 1",
    )
    .bind(click_id)
    .bind(ts)
    .fetch_optional(exec)
    .await?)
}

async fn attribute_together(pool: &PgPool, ids: &[Uuid]) -> Result<(), ApiError> {
    // Which offers to lock: those of the conversions' clicks (a stored click never changes).
    let offers: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT k.offer_id FROM conversions c JOIN clicks k ON k.id = c.click_id
         WHERE c.id = ANY($1) AND c.status = 'pending' ORDER BY 1",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut tx = pool.begin().await?;
    for &offer in &offers {
        lock_offer(&mut tx, offer).await?;
    }
    let mut out = Outcome::default();
    for &id in ids {
        let Some(conv) = sqlx::query_as::<_, ConversionRow>(&format!(
            "SELECT {COLUMNS} FROM conversions WHERE id = $1 FOR UPDATE"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            continue;
        };
        if conv.status() != ConversionStatus::Pending {
            continue;
        }
        // A click that landed after the offers were read belongs to an offer not locked
        // here: that conversion is left to its click's batch (or the sweeper).
        match click_of(&mut *tx, conv.click_id).await? {
            Some(click) if offers.binary_search(&click.offer_id).is_ok() => {
                decide_pending(&mut tx, conv, click, &mut out).await?;
            }
            _ => {}
        }
    }
    commit(tx, &mut out).await?;
    Ok(())
}

/// Attributes a pending conversion if its click is there; a conversion already decided is
/// left alone. Returns what changed.
pub(crate) async fn attribute(pool: &PgPool, id: Uuid) -> Result<Outcome, ApiError> {
    let mut out = Outcome::default();
    // Which offer to lock: the click's (read without locks; a stored click never changes).
    let Some((status, click_id)) = sqlx::query_as::<_, (String, Uuid)>(
        "SELECT status, click_id FROM conversions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(out);
    };
    let status: ConversionStatus = status.parse().unwrap_or(ConversionStatus::Pending);
    if status != ConversionStatus::Pending {
        out.status = Some(status);
        return Ok(out);
    }
    let Some(click) = click_of(pool, click_id).await? else {
        out.status = Some(ConversionStatus::Pending);
        return Ok(out);
    };
    let mut tx = pool.begin().await?;
    lock_offer(&mut tx, click.offer_id).await?;
    let conv = sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if conv.status() != ConversionStatus::Pending {
        // Decided meanwhile (another batch carried the same conversion or its click).
        out.status = Some(conv.status());
        return Ok(out);
    }
    let status = decide_pending(&mut tx, conv, click, &mut out).await?;
    commit(tx, &mut out).await?;
    out.status = Some(status);
    Ok(out)
}

/// Decides a pending conversion (locked, with its offer's lock held) whose click is `click`,
/// in DESIGN §7's order; returns its status. The decisions are `rules::screen` and
/// `rules::assign`; this loads their facts and writes what they decide.
async fn decide_pending(
    tx: &mut Transaction<'_, Postgres>,
    conv: ConversionRow,
    click: ClickFacts,
    out: &mut Outcome,
) -> Result<ConversionStatus, ApiError> {
    let offer = sqlx::query_as::<_, OfferTerms>(
        "SELECT advertiser_id, payout_model, payout_amount, payout_percent, currency, attribution_window_hours,
                daily_cap, total_cap, hold_conversions
         FROM offers WHERE id = $1",
    )
    .bind(click.offer_id)
    .fetch_optional(&mut **tx)
    .await?;
    let terms = offer.as_ref().map(terms_of).transpose()?;
    let screened = attribution::screen(conv.advertiser_id, conv.ts, click.ts, terms.as_ref());
    let terms = match (screened, terms) {
        (Screen::OutOfWindow | Screen::Contends, Some(terms)) => terms,
        _ => {
            // Another advertiser's click (or an offer unknown here): recorded, and nothing of
            // the click is copied into a row its reporter can read.
            sqlx::query("UPDATE conversions SET status = 'rejected_advertiser_mismatch', attributed_at = now() WHERE id = $1")
                .bind(conv.id)
                .execute(&mut **tx)
                .await?;
            out.changes.push(changed(
                &conv,
                (
                    ConversionStatus::Pending,
                    ConversionStatus::RejectedAdvertiserMismatch,
                ),
                None,
                None,
                (None, None),
            ));
            return Ok(ConversionStatus::RejectedAdvertiserMismatch);
        }
    };
    // The click's facts are the conversion's from now on (written with its decision).
    let row = conv;
    if screened == Screen::OutOfWindow {
        let row = finish(tx, &row, &click, ConversionStatus::OutOfWindow, None).await?;
        out.changes.push(changed(
            &row,
            (ConversionStatus::Pending, ConversionStatus::OutOfWindow),
            None,
            None,
            (None, None),
        ));
        return Ok(ConversionStatus::OutOfWindow);
    };

    // The contenders: this conversion, then the offer's later ones whose place it may take.
    let later = sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions
         WHERE offer_id = $1 AND status IN ('approved', 'pending_review', 'duplicate', 'over_cap')
           AND (ts, id) > ($2, $3)
         ORDER BY ts, id FOR UPDATE"
    ))
    .bind(click.offer_id)
    .bind(row.ts)
    .bind(row.id)
    .fetch_all(&mut **tx)
    .await?;
    let rows: Vec<&ConversionRow> = std::iter::once(&row).chain(&later).collect();
    let contenders: Vec<Contender> = rows.iter().map(|r| contender(r)).collect();
    let before = slots_before(tx, click.offer_id, &terms, &row, &contenders).await?;
    let assigned = attribution::assign(&terms, &before, &contenders);

    let mut status = ConversionStatus::Pending;
    for (current, place) in rows.into_iter().zip(assigned) {
        if current.id == row.id {
            status = place.status;
            let done = finish(tx, current, &click, place.status, place.payout).await?;
            if place.status == ConversionStatus::Approved {
                rollup(&done, 1, out);
            }
            out.changes.push(changed(
                &done,
                (ConversionStatus::Pending, place.status),
                money(done.payout, done.payout_currency.as_ref()),
                None,
                (None, None),
            ));
            continue;
        }
        let from = current.status();
        if from == place.status {
            continue;
        }
        let why = attribution::reason(from, place.status);
        if place.status.claims_slot() && !from.claims_slot() {
            // Taking a slot: its payout first, so the status change counts it.
            let paid = set_payout(tx, current, place.payout).await?;
            set_status(tx, &paid, place.status, None, why, out).await?;
        } else {
            set_status(tx, current, place.status, None, why, out).await?;
        }
    }
    Ok(status)
}

/// The terms attribution applies, from the offer's row.
fn terms_of(o: &OfferTerms) -> Result<Terms, ApiError> {
    Ok(Terms {
        advertiser_id: o.advertiser_id,
        payout: PayoutTerms {
            model: o.payout_model.parse().unwrap_or(PayoutModel::Cpa),
            amount: o.payout_amount,
            percent: o.payout_percent,
            currency: Currency::parse(&o.currency).map_err(ApiError::internal)?,
        },
        window_hours: o.attribution_window_hours,
        daily_cap: o.daily_cap,
        total_cap: o.total_cap,
        hold: o.hold_conversions,
    })
}

fn contender(row: &ConversionRow) -> Contender {
    Contender {
        id: row.id,
        ts: row.ts,
        key: DuplicateKey::of(row.txid.as_deref(), row.click_id, &row.event),
        amount: row.amount,
        currency: row
            .currency
            .as_deref()
            .and_then(|c| Currency::parse(c).ok()),
        status: row.status(),
        payout: row
            .payout
            .zip(
                row.payout_currency
                    .as_deref()
                    .and_then(|c| Currency::parse(c).ok()),
            )
            .map(|(amount, currency)| Payout { amount, currency }),
    }
}

/// What the offer's conversions before `first` hold: the slots counted by the caps the
/// offer has (the day's only on `first`'s day: later contenders are on that day or later),
/// and the contenders' duplicate keys that are taken.
async fn slots_before(
    tx: &mut Transaction<'_, Postgres>,
    offer_id: i64,
    terms: &Terms,
    first: &ConversionRow,
    contenders: &[Contender],
) -> Result<Before, ApiError> {
    const HOLDERS: &str =
        "offer_id = $1 AND status IN ('approved', 'pending_review') AND (ts, id) < ($2, $3)";
    let mut before = Before::default();
    if terms.total_cap.is_some() {
        before.total =
            sqlx::query_scalar(&format!("SELECT count(*) FROM conversions WHERE {HOLDERS}"))
                .bind(offer_id)
                .bind(first.ts)
                .bind(first.id)
                .fetch_one(&mut **tx)
                .await?;
    }
    if terms.daily_cap.is_some() {
        let day = first.ts.to_offset(time::UtcOffset::UTC).date();
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM conversions WHERE {HOLDERS} AND ts >= $4"
        ))
        .bind(offer_id)
        .bind(first.ts)
        .bind(first.id)
        .bind(day.midnight().assume_utc())
        .fetch_one(&mut **tx)
        .await?;
        before.per_day.insert(day, n);
    }
    let mut txids = Vec::new();
    let mut clicks = Vec::new();
    for c in contenders {
        match &c.key {
            DuplicateKey::Txid(t) => txids.push(t.clone()),
            DuplicateKey::ClickEvent(click, _) => clicks.push(*click),
        }
    }
    let held: Vec<(Option<String>, Uuid, String)> = sqlx::query_as(&format!(
        "SELECT txid, click_id, event FROM conversions WHERE {HOLDERS} AND txid = ANY($4)
         UNION ALL
         SELECT txid, click_id, event FROM conversions WHERE {HOLDERS} AND txid IS NULL AND click_id = ANY($5)"
    ))
    .bind(offer_id)
    .bind(first.ts)
    .bind(first.id)
    .bind(&txids)
    .bind(&clicks)
    .fetch_all(&mut **tx)
    .await?;
    before.held = held
        .into_iter()
        .map(|(txid, click, event)| DuplicateKey::of(txid.as_deref(), click, &event))
        .collect();
    Ok(before)
}

/// Writes the decision on the conversion being attributed, with its click's facts.
async fn finish(
    tx: &mut Transaction<'_, Postgres>,
    row: &ConversionRow,
    click: &ClickFacts,
    status: ConversionStatus,
    payout: Option<Payout>,
) -> Result<ConversionRow, ApiError> {
    Ok(sqlx::query_as::<_, ConversionRow>(&format!(
        "UPDATE conversions SET status = $2, payout = $3, payout_currency = $4, attributed_at = now(),
             offer_id = $5, promoter_id = $6, click_ts = $7, country = $8, sub1 = $9
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(row.id)
    .bind(status.as_str())
    .bind(payout.map(|p| p.amount))
    .bind(payout.map(|p| p.currency.code().to_owned()))
    .bind(click.offer_id)
    .bind(click.promoter_id)
    .bind(click.ts)
    .bind(&click.country)
    .bind(&click.sub1)
    .fetch_one(&mut **tx)
    .await?)
}

/// Sets the payout of a conversion about to take a slot; returns the row with it.
async fn set_payout(
    tx: &mut Transaction<'_, Postgres>,
    row: &ConversionRow,
    payout: Option<Payout>,
) -> Result<ConversionRow, ApiError> {
    Ok(sqlx::query_as::<_, ConversionRow>(&format!(
        "UPDATE conversions SET payout = $2, payout_currency = $3 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(row.id)
    .bind(payout.map(|p| p.amount))
    .bind(payout.map(|p| p.currency.code().to_owned()))
    .fetch_one(&mut **tx)
    .await?)
}

/// Pending conversions among `ids` or waiting for any of `click_ids`, oldest first.
pub async fn pending_among(
    pool: &PgPool,
    ids: &[Uuid],
    click_ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    if ids.is_empty() && click_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar(
        "SELECT id FROM conversions WHERE status = 'pending' AND (id = ANY($1) OR click_id = ANY($2)) ORDER BY ts, id",
    )
    .bind(ids)
    .bind(click_ids)
    .fetch_all(pool)
    .await?)
}

/// Pending conversions whose click is stored (attribution was interrupted), oldest first.
pub(crate) async fn pending_with_click(pool: &PgPool, limit: i64) -> Result<Vec<Uuid>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT c.id FROM conversions c
         WHERE c.status = 'pending' AND EXISTS (SELECT 1 FROM clicks k WHERE k.id = c.click_id)
         ORDER BY c.ts, c.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Marks conversions that waited longer than `wait` for their click as unknown_click.
pub(crate) async fn expire_pending(
    pool: &PgPool,
    wait: std::time::Duration,
) -> Result<u64, ApiError> {
    let done = sqlx::query(
        "WITH expired AS (
             UPDATE conversions SET status = 'unknown_click', attributed_at = now()
             WHERE status = 'pending' AND received_at < now() - $1::interval
               -- one whose click is stored is being (or will be) attributed, not expired
               AND NOT EXISTS (SELECT 1 FROM clicks WHERE clicks.id = conversions.click_id)
             RETURNING id, ts, advertiser_id, click_id, txid, event, amount, currency)
         , audited AS (
             INSERT INTO conversion_audit (conversion_id, from_status, to_status, reason)
             SELECT id, 'pending', 'unknown_click', 'no click arrived in time' FROM expired)
         INSERT INTO domain_events (kind, payload)
         SELECT 'conversion.decided', jsonb_build_object(
             'conversion_id', id, 'ts', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
             'advertiser_id', advertiser_id, 'offer_id', NULL, 'promoter_id', NULL,
             'click_id', click_id, 'txid', txid, 'event', event,
             'from', 'pending', 'to', 'unknown_click', 'reason', 'no click arrived in time',
             'actor_id', NULL, 'revenue', CASE WHEN currency IS NOT NULL THEN
                 jsonb_build_object('amount', coalesce(amount, 0)::text, 'currency', currency) END,
             'payout', NULL, 'previous_payout', NULL)::json
         FROM expired",
    )
    .bind(format!("{} seconds", wait.as_secs()))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The one place a tenant becomes SQL for conversions: `$1` advertiser, `$2` promoter.
fn visible(tenant: Tenant) -> (Option<i64>, Option<i64>) {
    match tenant {
        Tenant::Admin => (None, None),
        Tenant::Advertiser(a) => (Some(a.0), None),
        Tenant::Promoter(p) => (None, Some(p.0)),
    }
}

const VISIBLE: &str =
    "($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)";

/// One conversion the tenant may see.
pub(crate) async fn get(
    pool: &PgPool,
    tenant: Tenant,
    id: Uuid,
) -> Result<Option<ConversionRow>, ApiError> {
    let (a, p) = visible(tenant);
    Ok(sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE {VISIBLE} AND id = $3"
    ))
    .bind(a)
    .bind(p)
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Filters for lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListFilter {
    /// Only this status.
    pub status: Option<ConversionStatus>,
    /// Only this offer.
    pub offer_id: Option<i64>,
    /// From this instant (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this instant.
    pub to: Option<OffsetDateTime>,
    /// After this position (newest first).
    pub before: Option<(OffsetDateTime, Uuid)>,
    /// Page size.
    pub limit: i64,
}

/// The tenant's conversions, newest first.
pub(crate) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    f: &ListFilter,
) -> Result<Vec<ConversionRow>, ApiError> {
    let (a, p) = visible(tenant);
    let (before_ts, before_id) = f.before.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    Ok(sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE {VISIBLE}
           AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR offer_id = $4)
           AND ($5::timestamptz IS NULL OR ts >= $5) AND ($6::timestamptz IS NULL OR ts < $6)
           AND ($7::timestamptz IS NULL OR (ts, id) < ($7, $8))
         ORDER BY ts DESC, id DESC LIMIT $9"
    ))
    .bind(a)
    .bind(p)
    .bind(f.status.map(ConversionStatus::as_str))
    .bind(f.offer_id)
    .bind(f.from)
    .bind(f.to)
    .bind(before_ts)
    .bind(before_id)
    .bind(f.limit)
    .fetch_all(pool)
    .await?)
}

/// The advertiser's decision on one of its conversions: approve or reject a held one,
/// reverse an approved one. Returns the row after and the live counter change.
pub(crate) async fn decide(
    pool: &PgPool,
    advertiser_id: i64,
    id: Uuid,
    to: ConversionStatus,
    actor: i64,
    reason: Option<&str>,
) -> Result<(ConversionRow, Outcome), ApiError> {
    // The offer's lock first, as attribution takes it (a conversion's offer is set once).
    let offer_id: Option<i64> =
        sqlx::query_scalar("SELECT offer_id FROM conversions WHERE advertiser_id = $1 AND id = $2")
            .bind(advertiser_id)
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or(ApiError::NotFound("conversion"))?;
    let mut tx = pool.begin().await?;
    if let Some(offer_id) = offer_id {
        lock_offer(&mut tx, offer_id).await?;
    }
    let row = sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE advertiser_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(advertiser_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("conversion"))?;
    let from = row.status();
    if !attribution::review_allows(from, to) {
        return Err(ApiError::conflict(
            "illegal_transition",
            format!("a conversion that is {from} cannot become {to}"),
        ));
    }
    let mut out = Outcome::default();
    set_status(&mut tx, &row, to, Some(actor), reason, &mut out).await?;
    let row = sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    commit(tx, &mut out).await?;
    out.status = Some(to);
    Ok((row, out))
}

/// One audit entry.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct AuditRow {
    /// Who (none: attribution itself).
    pub actor_id: Option<i64>,
    /// Before.
    pub from_status: String,
    /// After.
    pub to_status: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// The audit trail of a conversion.
pub(crate) async fn audit(pool: &PgPool, id: Uuid) -> Result<Vec<AuditRow>, ApiError> {
    Ok(sqlx::query_as::<_, AuditRow>(
        "SELECT actor_id, from_status, to_status, reason, at FROM conversion_audit WHERE conversion_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?)
}

/// A conversion to store (from an event or the API).
#[derive(Debug, Clone)]
pub struct NewConversion {
    /// Event id.
    pub id: Uuid,
    /// When.
    pub ts: OffsetDateTime,
    /// Reporting advertiser.
    pub advertiser_id: i64,
    /// Claimed click.
    pub click_id: Uuid,
    /// Transaction id.
    pub txid: Option<String>,
    /// Amount.
    pub amount: Option<Decimal>,
    /// Amount currency.
    pub currency: Option<String>,
    /// Event name.
    pub event: String,
    /// Caller IP.
    pub ip: Option<String>,
    /// Edge name, or `api`.
    pub edge: String,
    /// postback or api.
    pub source: &'static str,
}

impl NewConversion {
    /// The row of a conversion event from an edge.
    pub fn from_event(c: &ConversionEvent, source: &'static str) -> Self {
        Self {
            id: c.id,
            ts: event_time(c.ts),
            advertiser_id: c.advertiser_id as i64,
            click_id: c.click_id,
            txid: c.txid.clone(),
            amount: c.amount.as_ref().and_then(|a| a.as_str().parse().ok()),
            currency: c.currency.map(|c| c.code().to_owned()),
            event: c.event.clone(),
            ip: c.ip.map(|ip| ip.to_string()),
            edge: c.edge.clone(),
            source,
        }
    }
}

/// Inserts conversions (pending), skipping ids already stored; returns the new ids.
pub async fn insert_conversions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    rows: &[NewConversion],
) -> Result<Vec<Uuid>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let tss: Vec<OffsetDateTime> = rows.iter().map(|r| r.ts).collect();
    let advertisers: Vec<i64> = rows.iter().map(|r| r.advertiser_id).collect();
    let clicks: Vec<Uuid> = rows.iter().map(|r| r.click_id).collect();
    let txids: Vec<Option<String>> = rows.iter().map(|r| r.txid.clone()).collect();
    let amounts: Vec<Option<Decimal>> = rows.iter().map(|r| r.amount).collect();
    let currencies: Vec<Option<String>> = rows.iter().map(|r| r.currency.clone()).collect();
    let events: Vec<String> = rows.iter().map(|r| r.event.clone()).collect();
    let ips: Vec<Option<String>> = rows.iter().map(|r| r.ip.clone()).collect();
    let edges: Vec<String> = rows.iter().map(|r| r.edge.clone()).collect();
    let sources: Vec<&str> = rows.iter().map(|r| r.source).collect();
    Ok(sqlx::query_scalar(
        "INSERT INTO conversions (id, ts, advertiser_id, click_id, txid, amount, currency, event, ip, edge, source)
         SELECT id, ts, advertiser_id, click_id, txid, amount, currency, event, ip::inet, edge, source
         FROM UNNEST($1::uuid[], $2::timestamptz[], $3::bigint[], $4::uuid[], $5::text[], $6::numeric[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
              AS t(id, ts, advertiser_id, click_id, txid, amount, currency, event, ip, edge, source)
         ON CONFLICT (id) DO NOTHING
         RETURNING id",
    )
    .bind(&ids)
    .bind(&tss)
    .bind(&advertisers)
    .bind(&clicks)
    .bind(&txids)
    .bind(&amounts)
    .bind(&currencies)
    .bind(&events)
    .bind(&ips)
    .bind(&edges)
    .bind(&sources)
    .fetch_all(&mut **tx)
    .await?)
}
