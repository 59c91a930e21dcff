//! Conversions: attribution (DESIGN §7), the advertiser's review and reversal, lists.
//!
//! Attribution of one conversion runs in one transaction holding an advisory lock on the
//! offer, so the decisions that depend on other conversions (duplicates, caps) are made one
//! at a time per offer. They follow the conversions' own order, `(ts, id)`: a conversion that
//! happened earlier than the one holding its txid or cap slot takes the slot back, and the
//! holder is demoted (to duplicate or over_cap), with an audit record.

use afftok_shared::Currency;
use afftok_shared::money::CurrencyError;
use rust_decimal::Decimal;
use sqlx::postgres::types::PgInterval;
use sqlx::{PgPool, Postgres, Transaction};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::conversions::rules::{
    self as attribution, Before, Contender, ConversionSource, ConversionStatus, DuplicateKey,
    FraudFacts, Payout, PayoutTerms, Screen, Terms,
};
use crate::events::{
    self, EventKind,
    catalogue::{Amount, ConversionChanged},
};
use crate::fraud;
use crate::kernel::Tenant;
use crate::kernel::event_time;
use crate::kernel::{AdvertiserId, ClickId, ConversionId, OfferId, PromoterId, UserId};
use crate::offers::PayoutModel;
use crate::stats as rollups;
use afftok_shared::ConversionEvent;

/// Why a conversion could not be attributed (it stays pending; the sweeper retries it).
#[derive(Debug, thiserror::Error)]
pub(crate) enum AttributeError {
    /// The offer's stored currency is not a currency.
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Why an advertiser's decision on a conversion was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecideError {
    /// No such conversion of this advertiser.
    #[error("no such conversion")]
    NotFound,
    /// The review table does not allow it.
    #[error("a conversion that is {from} cannot become {to}")]
    IllegalTransition {
        /// Its status.
        from: ConversionStatus,
        /// The status asked for.
        to: ConversionStatus,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A stored conversion.
#[derive(Debug, Clone)]
pub(crate) struct ConversionRow {
    /// Event id.
    pub id: ConversionId,
    /// When it happened (the edge's or the API's time).
    pub ts: OffsetDateTime,
    /// The advertiser who reported it.
    pub advertiser_id: AdvertiserId,
    /// The click it claims.
    pub click_id: ClickId,
    /// Transaction id.
    pub txid: Option<String>,
    /// Sale amount.
    pub amount: Option<Decimal>,
    /// Amount currency.
    pub currency: Option<String>,
    /// Event name.
    pub event: String,
    /// postback or api.
    pub source: ConversionSource,
    /// Attribution status.
    pub status: ConversionStatus,
    /// The click's offer.
    pub offer_id: Option<OfferId>,
    /// The click's promoter.
    pub promoter_id: Option<PromoterId>,
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
    /// Fraud reasons (`fraud::Reason` names).
    pub fraud: Vec<String>,
    /// A reviewer approved it despite its fraud reasons.
    pub fraud_overruled: bool,
    /// Sandbox traffic (a test key's, or on a test click): counted nowhere live.
    pub test: bool,
}

/// A whole conversion: the one column list every read of a [`ConversionRow`] uses, after
/// `$head` (`SELECT `, or an update's `… RETURNING `) and before `$rest`.
macro_rules! conversion_row {
    ($head:literal, $rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            ConversionRow,
            $head + r#"id AS "id: ConversionId", ts, advertiser_id AS "advertiser_id: AdvertiserId",
                click_id AS "click_id: ClickId", txid, amount, currency, event,
                source AS "source: ConversionSource", status AS "status: ConversionStatus",
                offer_id AS "offer_id: OfferId", promoter_id AS "promoter_id: PromoterId",
                country, sub1, payout, payout_currency, attributed_at, fraud,
                fraud_overruled, test "# + $rest
            $(, $arg)*
        )
    };
}

#[derive(Debug)]
struct ClickFacts {
    offer_id: OfferId,
    promoter_id: PromoterId,
    ts: OffsetDateTime,
    country: Option<String>,
    sub1: Option<String>,
    fraud: Vec<String>,
    test: bool,
}

#[derive(Debug)]
struct OfferTerms {
    advertiser_id: AdvertiserId,
    payout_model: PayoutModel,
    payout_amount: Option<Decimal>,
    payout_percent: Option<Decimal>,
    currency: String,
    attribution_window_hours: i32,
    daily_cap: Option<i32>,
    total_cap: Option<i32>,
    hold_conversions: bool,
    min_ctit_seconds: Option<i32>,
    fraud_policy: String,
    review_browser: bool,
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
async fn commit(mut tx: Transaction<'_, Postgres>, out: &mut Outcome) -> sqlx::Result<()> {
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
/// payout is `payout` after the change; none for test conversions (sandbox traffic reaches
/// no reaction: live counters, points, contests, webhooks).
fn changed(
    row: &ConversionRow,
    (from, to): (ConversionStatus, ConversionStatus),
    payout: Option<Amount>,
    previous_payout: Option<Amount>,
    (actor, reason): (Option<UserId>, Option<&str>),
) -> Option<(EventKind, ConversionChanged)> {
    if row.test {
        return None;
    }
    let kind = if to == ConversionStatus::Reversed {
        EventKind::ConversionReversed
    } else {
        EventKind::ConversionDecided
    };
    let (amount, currency) = revenue_of(row);
    let revenue = (!currency.is_empty()).then_some(Amount { amount, currency });
    Some((
        kind,
        ConversionChanged {
            conversion_id: row.id,
            ts: row.ts,
            advertiser_id: row.advertiser_id,
            offer_id: row.offer_id,
            promoter_id: row.promoter_id,
            click_id: row.click_id,
            txid: row.txid.clone(),
            event: row.event.clone(),
            from,
            to,
            reason: reason.map(str::to_owned),
            actor_id: actor,
            revenue,
            payout,
            previous_payout,
        },
    ))
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
    if row.test {
        return;
    }
    let payout = row.payout.unwrap_or_default();
    let payout_currency = row.payout_currency.clone().unwrap_or_default();
    out.counts.push(rollups::ConversionCount {
        ts: row.ts,
        offer_id,
        promoter_id,
        advertiser_id: row.advertiser_id,
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
    actor: Option<UserId>,
    reason: Option<&str>,
    out: &mut Outcome,
) -> sqlx::Result<()> {
    let from = row.status;
    sqlx::query!(
        "UPDATE conversions SET status = $2,
             payout = CASE WHEN $3 THEN payout END,
             payout_currency = CASE WHEN $3 THEN payout_currency END
         WHERE id = $1",
        row.id.0,
        to.as_str(),
        to.keeps_payout(),
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO conversion_audit (conversion_id, actor_id, from_status, to_status, reason)
         VALUES ($1, $2, $3, $4, $5)",
        row.id.0,
        actor.map(|a| a.0),
        from.as_str(),
        to.as_str(),
        reason,
    )
    .execute(&mut **tx)
    .await?;
    let was = from == ConversionStatus::Approved;
    let is = to == ConversionStatus::Approved;
    if was != is {
        rollup(row, if is { 1 } else { -1 }, out);
    }
    let payout = money(row.payout, row.payout_currency.as_ref());
    out.changes.extend(changed(
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
pub async fn attribute_all(pool: &PgPool, min_ctit: Duration, ids: &[ConversionId]) {
    if ids.len() > 1 {
        match attribute_together(pool, min_ctit, ids).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(conversions = ids.len(), error = %e, "attributing a batch failed; one by one")
            }
        }
    }
    for id in ids {
        if let Err(e) = attribute(pool, min_ctit, *id).await {
            tracing::warn!(conversion = %id, error = %e, "attribution failed; it stays pending")
        }
    }
}

/// Takes the offer's attribution lock: every decision that depends on other conversions of
/// the offer (duplicates, caps, reviews, reversals) is made under it, one at a time, and it
/// is taken before any row lock so that they are always taken in the same order.
async fn lock_offer(tx: &mut Transaction<'_, Postgres>, offer_id: OfferId) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", offer_id.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The click a conversion claims, if stored. A click id minted by an edge is a UUIDv7 whose
/// time is the click's: with it, only the partition that can hold the click is searched.
async fn click_of(
    exec: impl sqlx::PgExecutor<'_>,
    click_id: ClickId,
) -> sqlx::Result<Option<ClickFacts>> {
    let ts = click_id
        .0
        .get_timestamp()
        .filter(|_| click_id.0.get_version_num() == 7)
        .and_then(|t| {
            let (secs, nanos) = t.to_unix();
            OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(secs) * 1_000_000_000 + i128::from(nanos / 1_000_000) * 1_000_000,
            )
            .ok()
        });
    sqlx::query_as!(
        ClickFacts,
        r#"SELECT offer_id AS "offer_id: OfferId", promoter_id AS "promoter_id: PromoterId",
                ts, country, sub1, fraud, test
         FROM clicks
         WHERE id = $1 AND ($2::timestamptz IS NULL OR ts = $2) LIMIT 1"#,
        click_id.0,
        ts,
    )
    .fetch_optional(exec)
    .await
}

async fn attribute_together(
    pool: &PgPool,
    min_ctit: Duration,
    ids: &[ConversionId],
) -> Result<(), AttributeError> {
    // Which offers to lock: those of the conversions' clicks (a stored click never changes).
    let uuids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let offers: Vec<OfferId> = sqlx::query_scalar!(
        r#"SELECT DISTINCT k.offer_id AS "offer_id: OfferId"
         FROM conversions c JOIN clicks k ON k.id = c.click_id
         WHERE c.id = ANY($1) AND c.status = 'pending' ORDER BY 1"#,
        &uuids,
    )
    .fetch_all(pool)
    .await?;
    let mut tx = pool.begin().await?;
    for &offer in &offers {
        lock_offer(&mut tx, offer).await?;
    }
    let mut out = Outcome::default();
    for &id in ids {
        let Some(conv) =
            conversion_row!("SELECT ", "FROM conversions WHERE id = $1 FOR UPDATE", id.0)
                .fetch_optional(&mut *tx)
                .await?
        else {
            continue;
        };
        if conv.status != ConversionStatus::Pending {
            continue;
        }
        // A click that landed after the offers were read belongs to an offer not locked
        // here: that conversion is left to its click's batch (or the sweeper).
        match click_of(&mut *tx, conv.click_id).await? {
            Some(click) if offers.binary_search(&click.offer_id).is_ok() => {
                decide_pending(&mut tx, conv, click, min_ctit, &mut out).await?;
            }
            _ => {}
        }
    }
    commit(tx, &mut out).await?;
    Ok(())
}

/// Attributes a pending conversion if its click is there; a conversion already decided is
/// left alone. Returns what changed.
pub(crate) async fn attribute(
    pool: &PgPool,
    min_ctit: Duration,
    id: ConversionId,
) -> Result<Outcome, AttributeError> {
    let mut out = Outcome::default();
    // Which offer to lock: the click's (read without locks; a stored click never changes).
    let Some(found) = sqlx::query!(
        r#"SELECT status AS "status: ConversionStatus", click_id AS "click_id: ClickId"
         FROM conversions WHERE id = $1"#,
        id.0,
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(out);
    };
    let (status, click_id) = (found.status, found.click_id);
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
    // Read again under the lock: a batch that flags the click meanwhile rechecks its
    // conversions under the same lock, after this one commits (`recheck_click`).
    let Some(click) = click_of(&mut *tx, click_id).await? else {
        return Ok(out);
    };
    let conv = conversion_row!("SELECT ", "FROM conversions WHERE id = $1 FOR UPDATE", id.0)
        .fetch_one(&mut *tx)
        .await?;
    if conv.status != ConversionStatus::Pending {
        // Decided meanwhile (another batch carried the same conversion or its click).
        out.status = Some(conv.status);
        return Ok(out);
    }
    let status = decide_pending(&mut tx, conv, click, min_ctit, &mut out).await?;
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
    min_ctit: Duration,
    out: &mut Outcome,
) -> Result<ConversionStatus, AttributeError> {
    let offer = offer_terms(tx, click.offer_id).await?;
    let terms = offer.as_ref().map(|o| terms_of(o, min_ctit)).transpose()?;
    // The fraud step's facts (read for the offer's own advertiser only: nothing of another
    // advertiser's click is looked at for a mismatched conversion).
    let mut reasons = Vec::new();
    if terms
        .as_ref()
        .is_some_and(|t| t.advertiser_id == conv.advertiser_id)
    {
        let facts = FraudFacts {
            click: fraud::rules::from_texts(&click.fraud),
            suspended: fraud::is_suspended(&mut **tx, click.promoter_id).await?,
            overruled: conv.fraud_overruled,
        };
        let min = terms.as_ref().map_or(min_ctit, |t| t.min_ctit);
        // Sandbox traffic skips the click-to-conversion minimum: a minted test click may be
        // converted at once.
        let min = if conv.test || click.test {
            Duration::ZERO
        } else {
            min
        };
        reasons = attribution::fraud_reasons(&facts, click.ts, conv.ts, min);
    }
    let screened = attribution::screen(
        conv.advertiser_id,
        conv.ts,
        click.ts,
        terms.as_ref(),
        attribution::flagged(&reasons, conv.fraud_overruled),
    );
    let terms = match (screened, terms) {
        (Screen::Fraud | Screen::OutOfWindow | Screen::Contends, Some(terms)) => terms,
        _ => {
            // Another advertiser's click (or an offer unknown here): recorded, and nothing of
            // the click is copied into a row its reporter can read.
            sqlx::query!("UPDATE conversions SET status = 'rejected_advertiser_mismatch', attributed_at = now() WHERE id = $1", conv.id.0)
                .execute(&mut **tx)
                .await?;
            out.changes.extend(changed(
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
    // The click's facts and the fraud reasons are the conversion's from now on (written with
    // its decision); so is the click's test mark: a conversion on a test click is sandbox
    // traffic, whatever key reported it.
    let mut row = conv;
    row.fraud = fraud::rules::to_texts(&reasons);
    row.test |= click.test;
    let refused = match screened {
        Screen::Fraud => Some(ConversionStatus::RejectedFraud),
        Screen::OutOfWindow => Some(ConversionStatus::OutOfWindow),
        _ => None,
    };
    if let Some(status) = refused {
        let row = finish(tx, &row, &click, status, None).await?;
        out.changes.extend(changed(
            &row,
            (ConversionStatus::Pending, status),
            None,
            None,
            (None, None),
        ));
        return Ok(status);
    };

    // The contenders: this conversion, then the offer's later ones whose place it may take.
    let later = contenders_after(tx, click.offer_id, &row).await?;
    let rows: Vec<&ConversionRow> = std::iter::once(&row).chain(&later).collect();
    let contenders: Vec<Contender> = rows.iter().map(|r| contender(r, &terms)).collect();
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
            out.changes.extend(changed(
                &done,
                (ConversionStatus::Pending, place.status),
                money(done.payout, done.payout_currency.as_ref()),
                None,
                (None, None),
            ));
            continue;
        }
        replace(tx, current, place, out).await?;
    }
    Ok(status)
}

/// Writes a contender's new place, if it changed.
async fn replace(
    tx: &mut Transaction<'_, Postgres>,
    current: &ConversionRow,
    place: attribution::Assigned,
    out: &mut Outcome,
) -> sqlx::Result<()> {
    let from = current.status;
    if from == place.status {
        return Ok(());
    }
    let why = attribution::reason(from, place.status);
    if place.status.claims_slot() && !from.claims_slot() {
        // Taking a slot: its payout first, so the status change counts it.
        let paid = set_payout(tx, current, place.payout).await?;
        set_status(tx, &paid, place.status, None, why, out).await
    } else {
        set_status(tx, current, place.status, None, why, out).await
    }
}

/// The offer's conversions after `row` in `(ts, id)` order that compete for its txids and
/// cap slots, locked.
async fn contenders_after(
    tx: &mut Transaction<'_, Postgres>,
    offer_id: OfferId,
    row: &ConversionRow,
) -> sqlx::Result<Vec<ConversionRow>> {
    conversion_row!(
        "SELECT ",
        "FROM conversions
         WHERE offer_id = $1 AND status IN ('approved', 'pending_review', 'duplicate', 'over_cap')
           AND (ts, id) > ($2, $3) AND test = $4
         ORDER BY ts, id FOR UPDATE",
        offer_id.0,
        row.ts,
        row.id.0,
        row.test
    )
    .fetch_all(&mut **tx)
    .await
}

/// After `row` gave up its slot, the offer's later contenders are placed again in `(ts, id)`
/// order: a conversion over the cap or a duplicate may take what it freed.
async fn reassign_after(
    tx: &mut Transaction<'_, Postgres>,
    offer_id: OfferId,
    terms: &Terms,
    row: &ConversionRow,
    out: &mut Outcome,
) -> sqlx::Result<()> {
    let later = contenders_after(tx, offer_id, row).await?;
    if later.is_empty() {
        return Ok(());
    }
    let contenders: Vec<Contender> = later.iter().map(|r| contender(r, terms)).collect();
    let before = slots_before(tx, offer_id, terms, row, &contenders).await?;
    let assigned = attribution::assign(terms, &before, &contenders);
    for (current, place) in later.iter().zip(assigned) {
        replace(tx, current, place, out).await?;
    }
    Ok(())
}

/// An offer's row as attribution reads it (none: the offer is unknown here).
async fn offer_terms(
    tx: &mut Transaction<'_, Postgres>,
    offer_id: OfferId,
) -> sqlx::Result<Option<OfferTerms>> {
    sqlx::query_as!(
        OfferTerms,
        r#"SELECT advertiser_id AS "advertiser_id: AdvertiserId",
                payout_model AS "payout_model: PayoutModel", payout_amount,
                payout_percent, currency, attribution_window_hours, daily_cap, total_cap,
                hold_conversions, min_ctit_seconds, fraud_policy, review_browser
         FROM offers WHERE id = $1"#,
        offer_id.0,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The terms attribution applies, from the offer's row (its currency is parsed here, once;
/// the table's checks keep it valid).
fn terms_of(o: &OfferTerms, default_min_ctit: Duration) -> Result<Terms, AttributeError> {
    Ok(Terms {
        advertiser_id: o.advertiser_id,
        payout: PayoutTerms {
            model: o.payout_model,
            amount: o.payout_amount,
            percent: o.payout_percent,
            currency: Currency::parse(&o.currency)?,
        },
        window_hours: o.attribution_window_hours,
        daily_cap: o.daily_cap,
        total_cap: o.total_cap,
        hold: o.hold_conversions,
        min_ctit: o
            .min_ctit_seconds
            .map_or(default_min_ctit, |s| Duration::seconds(i64::from(s))),
        review_fraud: o.fraud_policy == "review",
        review_browser: o.review_browser,
    })
}

/// A conversion as `rules::assign` weighs it. Held when it takes a slot: on an offer that
/// holds conversions, flagged as fraud on one that reviews those, or from a web page on one
/// that reviews those; never once a reviewer overruled its flags (that was the review).
fn contender(row: &ConversionRow, terms: &Terms) -> Contender {
    let flagged =
        terms.review_fraud && attribution::flagged(&fraud::rules::from_texts(&row.fraud), false);
    let browser = terms.review_browser && row.source == ConversionSource::Browser;
    Contender {
        hold: !row.fraud_overruled && (terms.hold || flagged || browser),
        id: row.id,
        ts: row.ts,
        key: DuplicateKey::of(row.txid.as_deref(), row.click_id, &row.event),
        amount: row.amount,
        currency: row
            .currency
            .as_deref()
            .and_then(|c| Currency::parse(c).ok()),
        status: row.status,
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
    offer_id: OfferId,
    terms: &Terms,
    first: &ConversionRow,
    contenders: &[Contender],
) -> sqlx::Result<Before> {
    // The offer's conversions holding a slot before `first` (`$1` offer, `$2, $3` first's ts
    // and id), counted, then `$rest`.
    macro_rules! count_holders {
        ($rest:literal $(, $arg:expr)*) => {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM conversions
                 WHERE offer_id = $1 AND status IN ('approved', 'pending_review') AND (ts, id) < ($2, $3)
                   AND test = $4"#
                    + $rest,
                offer_id.0,
                first.ts,
                first.id.0,
                first.test
                $(, $arg)*
            )
        };
    }
    let mut before = Before::default();
    if terms.total_cap.is_some() {
        before.total = count_holders!("").fetch_one(&mut **tx).await?;
    }
    if terms.daily_cap.is_some() {
        let day = first.ts.to_offset(time::UtcOffset::UTC).date();
        let n = count_holders!(" AND ts >= $5", day.midnight().assume_utc())
            .fetch_one(&mut **tx)
            .await?;
        before.per_day.insert(day, n);
    }
    let mut txids = Vec::new();
    let mut clicks = Vec::new();
    for c in contenders {
        match &c.key {
            DuplicateKey::Txid(t) => txids.push(t.clone()),
            DuplicateKey::ClickEvent(click, _) => clicks.push(click.0),
        }
    }
    let held = sqlx::query!(
        r#"SELECT txid, click_id AS "click_id!: ClickId", event AS "event!" FROM conversions
         WHERE offer_id = $1 AND status IN ('approved', 'pending_review') AND (ts, id) < ($2, $3)
           AND txid = ANY($4) AND test = $6
         UNION ALL
         SELECT txid, click_id, event FROM conversions
         WHERE offer_id = $1 AND status IN ('approved', 'pending_review') AND (ts, id) < ($2, $3)
           AND txid IS NULL AND click_id = ANY($5) AND test = $6"#,
        offer_id.0,
        first.ts,
        first.id.0,
        &txids,
        &clicks,
        first.test,
    )
    .fetch_all(&mut **tx)
    .await?;
    before.held = held
        .into_iter()
        .map(|h| DuplicateKey::of(h.txid.as_deref(), h.click_id, &h.event))
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
) -> sqlx::Result<ConversionRow> {
    conversion_row!(
        "UPDATE conversions SET status = $2, payout = $3, payout_currency = $4, attributed_at = now(),
             offer_id = $5, promoter_id = $6, click_ts = $7, country = $8, sub1 = $9, fraud = $10,
             test = $11
         WHERE id = $1 RETURNING ",
        "",
        row.id.0,
        status.as_str(),
        payout.map(|p| p.amount),
        payout.map(|p| p.currency.code()),
        click.offer_id.0,
        click.promoter_id.0,
        click.ts,
        click.country.as_deref(),
        click.sub1.as_deref(),
        &row.fraud,
        row.test
    )
    .fetch_one(&mut **tx)
    .await
}

/// Sets the payout of a conversion about to take a slot; returns the row with it.
async fn set_payout(
    tx: &mut Transaction<'_, Postgres>,
    row: &ConversionRow,
    payout: Option<Payout>,
) -> sqlx::Result<ConversionRow> {
    conversion_row!(
        "UPDATE conversions SET payout = $2, payout_currency = $3 WHERE id = $1 RETURNING ",
        "",
        row.id.0,
        payout.map(|p| p.amount),
        payout.map(|p| p.currency.code())
    )
    .fetch_one(&mut **tx)
    .await
}

/// Conversions decided on clicks a later batch flagged (late clicks made them a flood; the
/// batch wrote them to `fraud_rechecks`): each approved or held one, unless a reviewer
/// overruled its flags, is decided again as DESIGN §11 says: `rejected_fraud` (or held for
/// review, on an offer that reviews fraud) with the click's reasons, leaving the stats if it
/// was in them, and the slot it frees goes to the offer's next contender. A failure is logged
/// and leaves the recheck for the sweeper.
pub async fn reconsider_flagged(pool: &PgPool, min_ctit: Duration, click_ids: &[ClickId]) {
    for click in click_ids {
        if let Err(e) = recheck_click(pool, min_ctit, *click).await {
            tracing::warn!(click = %click, error = %e, "rechecking the conversions of a flagged click failed; the sweeper will");
        }
    }
}

/// Rechecks left by interrupted batches, oldest first; returns how many were handled.
pub(crate) async fn recheck_leftovers(pool: &PgPool, min_ctit: Duration) -> sqlx::Result<usize> {
    let clicks: Vec<ClickId> = sqlx::query_scalar!(
        r#"SELECT click_id AS "click_id: ClickId" FROM fraud_rechecks
         WHERE at < now() - interval '5 seconds' ORDER BY at LIMIT 100"#
    )
    .fetch_all(pool)
    .await?;
    reconsider_flagged(pool, min_ctit, &clicks).await;
    Ok(clicks.len())
}

async fn recheck_click(
    pool: &PgPool,
    min_ctit: Duration,
    click_id: ClickId,
) -> Result<(), AttributeError> {
    let Some(click) = click_of(pool, click_id).await? else {
        sqlx::query!("DELETE FROM fraud_rechecks WHERE click_id = $1", click_id.0)
            .execute(pool)
            .await?;
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    // The offer's lock, as attribution takes it: a conversion of this click being attributed
    // now is decided (with the flags it reads under the lock) before this looks at it.
    lock_offer(&mut tx, click.offer_id).await?;
    let mut out = Outcome::default();
    let flags = fraud::rules::from_texts(&click.fraud);
    let terms = offer_terms(&mut tx, click.offer_id)
        .await?
        .as_ref()
        .map(|o| terms_of(o, min_ctit))
        .transpose()?;
    if let (true, Some(terms)) = (fraud::rules::blocked(&flags), terms) {
        let rows = conversion_row!(
            "SELECT ",
            "FROM conversions
             WHERE click_id = $1 AND offer_id = $2 AND status IN ('approved', 'pending_review')
               AND NOT fraud_overruled
             ORDER BY ts, id FOR UPDATE",
            click_id.0,
            click.offer_id.0
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            refuse(&mut tx, row, &flags, click.offer_id, &terms, &mut out).await?;
        }
    }
    sqlx::query!("DELETE FROM fraud_rechecks WHERE click_id = $1", click_id.0)
        .execute(&mut *tx)
        .await?;
    commit(tx, &mut out).await?;
    Ok(())
}

/// Decides again a conversion holding a slot whose click is blocked now.
async fn refuse(
    tx: &mut Transaction<'_, Postgres>,
    row: ConversionRow,
    flags: &[fraud::Reason],
    offer_id: OfferId,
    terms: &Terms,
    out: &mut Outcome,
) -> sqlx::Result<()> {
    let reasons = fraud::rules::normalized(
        fraud::rules::from_texts(&row.fraud)
            .into_iter()
            .chain(flags.iter().copied())
            .collect(),
    );
    let texts = fraud::rules::to_texts(&reasons);
    sqlx::query!(
        "UPDATE conversions SET fraud = $2 WHERE id = $1",
        row.id.0,
        &texts
    )
    .execute(&mut **tx)
    .await?;
    let to = if terms.review_fraud {
        ConversionStatus::PendingReview
    } else {
        ConversionStatus::RejectedFraud
    };
    if row.status == to {
        return Ok(());
    }
    let why = format!("its click was flagged later: {}", texts.join(", "));
    set_status(tx, &row, to, None, Some(&why), out).await?;
    if !to.claims_slot() {
        reassign_after(tx, offer_id, terms, &row, out).await?;
    }
    Ok(())
}

/// Pending conversions among `ids` or waiting for any of `click_ids`, oldest first.
pub async fn pending_among(
    pool: &PgPool,
    ids: &[ConversionId],
    click_ids: &[ClickId],
) -> sqlx::Result<Vec<ConversionId>> {
    if ids.is_empty() && click_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let click_ids: Vec<Uuid> = click_ids.iter().map(|id| id.0).collect();
    sqlx::query_scalar!(
        r#"SELECT id AS "id: ConversionId" FROM conversions WHERE status = 'pending' AND (id = ANY($1) OR click_id = ANY($2)) ORDER BY ts, id"#,
        &ids,
        &click_ids,
    )
    .fetch_all(pool)
    .await
}

/// Pending conversions whose click is stored (attribution was interrupted), oldest first.
pub(crate) async fn pending_with_click(
    pool: &PgPool,
    limit: i64,
) -> sqlx::Result<Vec<ConversionId>> {
    sqlx::query_scalar!(
        r#"SELECT c.id AS "id: ConversionId" FROM conversions c
         WHERE c.status = 'pending' AND EXISTS (SELECT 1 FROM clicks k WHERE k.id = c.click_id)
         ORDER BY c.ts, c.id LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Marks conversions that waited longer than `wait` for their click as unknown_click.
pub(crate) async fn expire_pending(pool: &PgPool, wait: std::time::Duration) -> sqlx::Result<u64> {
    // In whole seconds, as ever.
    let wait = PgInterval {
        months: 0,
        days: 0,
        microseconds: i64::try_from(wait.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000),
    };
    let done = sqlx::query!(
        "WITH expired AS (
             UPDATE conversions SET status = 'unknown_click', attributed_at = now()
             WHERE status = 'pending' AND received_at < now() - $1::interval
               -- one whose click is stored is being (or will be) attributed, not expired
               AND NOT EXISTS (SELECT 1 FROM clicks WHERE clicks.id = conversions.click_id)
             RETURNING id, ts, advertiser_id, click_id, txid, event, amount, currency, test)
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
         FROM expired WHERE NOT test",
        wait,
    )
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

/// One conversion the tenant may see.
pub(crate) async fn get(
    pool: &PgPool,
    tenant: Tenant,
    id: ConversionId,
) -> sqlx::Result<Option<ConversionRow>> {
    let (a, p) = visible(tenant);
    conversion_row!(
        "SELECT ",
        "FROM conversions
         WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)
           AND id = $3",
        a,
        p,
        id.0
    )
    .fetch_optional(pool)
    .await
}

/// Filters for lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListFilter {
    /// Only this status.
    pub status: Option<ConversionStatus>,
    /// Only this offer.
    pub offer_id: Option<OfferId>,
    /// Only conversions with (or without) fraud reasons.
    pub fraud: Option<fraud::rules::FraudFilter>,
    /// From this instant (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this instant.
    pub to: Option<OffsetDateTime>,
    /// Only test (true) or live (false) conversions; `None`: both.
    pub test: Option<bool>,
    /// After this position (newest first).
    pub before: Option<(OffsetDateTime, ConversionId)>,
    /// Page size.
    pub limit: i64,
}

/// The tenant's conversions, newest first.
pub(crate) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    f: &ListFilter,
) -> sqlx::Result<Vec<ConversionRow>> {
    let (a, p) = visible(tenant);
    let (before_ts, before_id) = f.before.map_or((None, None), |(t, i)| (Some(t), Some(i.0)));
    conversion_row!(
        "SELECT ",
        "FROM conversions
         WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)
           AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR offer_id = $4)
           AND ($5::timestamptz IS NULL OR ts >= $5) AND ($6::timestamptz IS NULL OR ts < $6)
           AND ($7::timestamptz IS NULL OR (ts, id) < ($7, $8))
           AND ($10::text IS NULL OR ($10 = 'any' AND fraud <> '{}') OR ($10 = 'none' AND fraud = '{}')
                OR fraud @> ARRAY[$10])
           AND ($11::bool IS NULL OR test = $11)
         ORDER BY ts DESC, id DESC LIMIT $9",
        a,
        p,
        f.status.map(ConversionStatus::as_str),
        f.offer_id.map(|o| o.0),
        f.from,
        f.to,
        before_ts,
        before_id,
        f.limit,
        f.fraud.map(fraud::rules::FraudFilter::as_str),
        f.test
    )
    .fetch_all(pool)
    .await
}

/// A reviewer's decision on a conversion (the advertiser's own, or any for an admin, when
/// `advertiser_id` is `None`): approve or reject a held one, reverse an approved one, or
/// overrule the flags of one rejected as fraud, which attribution then decides as if it were
/// clean (approved, or a duplicate, over the cap, out of its window). Returns the row after
/// and the live counter change.
pub(crate) async fn decide(
    pool: &PgPool,
    advertiser_id: Option<AdvertiserId>,
    (id, to): (ConversionId, ConversionStatus),
    actor: UserId,
    reason: Option<&str>,
    min_ctit: Duration,
) -> Result<(ConversionRow, Outcome), DecideError> {
    let advertiser_id = advertiser_id.map(|a| a.0);
    // The offer's lock first, as attribution takes it (a conversion's offer is set once).
    let offer_id = sqlx::query_scalar!(
        r#"SELECT offer_id AS "offer_id: OfferId" FROM conversions
         WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND id = $2"#,
        advertiser_id,
        id.0,
    )
    .fetch_optional(pool)
    .await?
    .ok_or(DecideError::NotFound)?;
    let mut tx = pool.begin().await?;
    if let Some(offer_id) = offer_id {
        lock_offer(&mut tx, offer_id).await?;
    }
    let row = conversion_row!(
        "SELECT ",
        "FROM conversions WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND id = $2 FOR UPDATE",
        advertiser_id,
        id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DecideError::NotFound)?;
    let from = row.status;
    if !attribution::review_allows(from, to) {
        return Err(DecideError::IllegalTransition { from, to });
    }
    let mut out = Outcome::default();
    let to = if from == ConversionStatus::RejectedFraud {
        overrule(&mut tx, row, actor, reason, min_ctit, &mut out).await?
    } else {
        if to == ConversionStatus::Approved
            && fraud::rules::blocked(&fraud::rules::from_texts(&row.fraud))
        {
            // Approving one held for its flags overrules them: a late flag or a new place
            // among the offer's conversions does not hold it again.
            sqlx::query!(
                "UPDATE conversions SET fraud_overruled = true WHERE id = $1",
                row.id.0
            )
            .execute(&mut *tx)
            .await?;
        }
        set_status(&mut tx, &row, to, Some(actor), reason, &mut out).await?;
        to
    };
    let row = conversion_row!("SELECT ", "FROM conversions WHERE id = $1", id.0)
        .fetch_one(&mut *tx)
        .await?;
    commit(tx, &mut out).await?;
    out.status = Some(to);
    Ok((row, out))
}

/// Overrules the fraud flags of a conversion rejected as fraud: it is attributed again as if
/// clean (its reasons are kept for the record), with an audit entry naming the reviewer.
/// Returns its status now.
async fn overrule(
    tx: &mut Transaction<'_, Postgres>,
    row: ConversionRow,
    actor: UserId,
    reason: Option<&str>,
    min_ctit: Duration,
    out: &mut Outcome,
) -> Result<ConversionStatus, DecideError> {
    // Its click was found when it was rejected, and stored clicks are never deleted.
    let click = click_of(&mut **tx, row.click_id)
        .await?
        .ok_or(DecideError::NotFound)?;
    sqlx::query!(
        "UPDATE conversions SET status = 'pending', fraud_overruled = true WHERE id = $1",
        row.id.0,
    )
    .execute(&mut **tx)
    .await?;
    let pending = ConversionRow {
        status: ConversionStatus::Pending,
        fraud_overruled: true,
        ..row
    };
    let id = pending.id;
    // Its reasons are found again (and kept for the record); being overruled, they hold
    // nothing back.
    let status = decide_pending(tx, pending, click, min_ctit, out)
        .await
        .map_err(|e| match e {
            AttributeError::Db(e) => DecideError::Db(e),
            AttributeError::Currency(e) => DecideError::Db(sqlx::Error::Decode(Box::new(e))),
        })?;
    let why = reason.unwrap_or("fraud flags overruled");
    sqlx::query!(
        "INSERT INTO conversion_audit (conversion_id, actor_id, from_status, to_status, reason)
         VALUES ($1, $2, 'rejected_fraud', $3, $4)",
        id.0,
        actor.0,
        status.as_str(),
        why,
    )
    .execute(&mut **tx)
    .await?;
    // The change is the reviewer's, from rejected_fraud (attribution recorded it from pending).
    for (_, change) in out
        .changes
        .iter_mut()
        .filter(|(_, c)| c.conversion_id == id)
    {
        if change.from == ConversionStatus::Pending {
            change.from = ConversionStatus::RejectedFraud;
            change.actor_id = Some(actor);
            change.reason = Some(why.to_owned());
        }
    }
    Ok(status)
}

/// One audit entry.
#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    /// Who (none: attribution itself).
    pub actor_id: Option<UserId>,
    /// Before.
    pub from_status: ConversionStatus,
    /// After.
    pub to_status: ConversionStatus,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// The audit trail of a conversion.
pub(crate) async fn audit(pool: &PgPool, id: ConversionId) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        r#"SELECT actor_id AS "actor_id: UserId", from_status AS "from_status: ConversionStatus",
                to_status AS "to_status: ConversionStatus", reason, at
         FROM conversion_audit WHERE conversion_id = $1 ORDER BY id"#,
        id.0,
    )
    .fetch_all(pool)
    .await
}

/// A conversion to store (from an event or the API).
#[derive(Debug, Clone)]
pub struct NewConversion {
    /// Event id.
    pub id: ConversionId,
    /// When.
    pub ts: OffsetDateTime,
    /// Reporting advertiser.
    pub advertiser_id: AdvertiserId,
    /// Claimed click.
    pub click_id: ClickId,
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
    /// postback, api or browser.
    pub source: ConversionSource,
    /// Sandbox traffic (reported with a test key).
    pub test: bool,
}

impl NewConversion {
    /// The row of a conversion event from an edge: a postback, or `browser` when the event
    /// says so (a publishable key's).
    pub fn from_event(c: &ConversionEvent) -> Self {
        let source = match c.source {
            Some(afftok_shared::ConversionSource::Browser) => ConversionSource::Browser,
            None => ConversionSource::Postback,
        };
        Self {
            id: ConversionId(c.id),
            ts: event_time(c.ts),
            advertiser_id: AdvertiserId(c.advertiser_id as i64),
            click_id: ClickId(c.click_id),
            txid: c.txid.clone(),
            amount: c.amount.as_ref().and_then(|a| a.as_str().parse().ok()),
            currency: c.currency.map(|c| c.code().to_owned()),
            event: c.event.clone(),
            ip: c.ip.map(|ip| ip.to_string()),
            edge: c.edge.clone(),
            source,
            test: c.test,
        }
    }
}

/// Inserts conversions (pending), skipping ids already stored; returns the new ids.
pub async fn insert_conversions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    rows: &[NewConversion],
) -> sqlx::Result<Vec<ConversionId>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let tss: Vec<OffsetDateTime> = rows.iter().map(|r| r.ts).collect();
    let advertisers: Vec<i64> = rows.iter().map(|r| r.advertiser_id.0).collect();
    let clicks: Vec<Uuid> = rows.iter().map(|r| r.click_id.0).collect();
    let txids: Vec<Option<String>> = rows.iter().map(|r| r.txid.clone()).collect();
    let amounts: Vec<Option<Decimal>> = rows.iter().map(|r| r.amount).collect();
    let currencies: Vec<Option<String>> = rows.iter().map(|r| r.currency.clone()).collect();
    let events: Vec<String> = rows.iter().map(|r| r.event.clone()).collect();
    let ips: Vec<Option<String>> = rows.iter().map(|r| r.ip.clone()).collect();
    let edges: Vec<String> = rows.iter().map(|r| r.edge.clone()).collect();
    let sources: Vec<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    let tests: Vec<bool> = rows.iter().map(|r| r.test).collect();
    // The arrays of optional values (txids, amounts, currencies, ips) and of borrowed names
    // (sources) are bound with a type override: the macros check arrays only as `&[T]` of
    // owned, non-null values. The casts still fix the types bound.
    sqlx::query_scalar!(
        r#"INSERT INTO conversions (id, ts, advertiser_id, click_id, txid, amount, currency, event, ip, edge, source, test)
         SELECT id, ts, advertiser_id, click_id, txid, amount, currency, event, ip::inet, edge, source, test
         FROM UNNEST($1::uuid[], $2::timestamptz[], $3::bigint[], $4::uuid[], $5::text[], $6::numeric[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bool[])
              AS t(id, ts, advertiser_id, click_id, txid, amount, currency, event, ip, edge, source, test)
         ON CONFLICT (id) DO NOTHING
         RETURNING id AS "id: ConversionId""#,
        &ids,
        &tss,
        &advertisers,
        &clicks,
        txids.as_slice() as &[Option<String>],
        amounts.as_slice() as &[Option<Decimal>],
        currencies.as_slice() as &[Option<String>],
        &events,
        ips.as_slice() as &[Option<String>],
        &edges,
        sources.as_slice() as &[&str],
        &tests,
    )
    .fetch_all(&mut **tx)
    .await
}
