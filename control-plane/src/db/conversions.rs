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

use crate::auth::Tenant;
use crate::domain::attribution::{self, ConversionStatus, PayoutTerms};
use crate::domain::offer::PayoutModel;
use crate::error::ApiError;
use crate::live::{Bump, Scopes};

/// A stored conversion.
#[derive(Debug, Clone, FromRow)]
pub struct ConversionRow {
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
    /// Which edge (or `api`).
    pub edge: String,
    /// postback or api.
    pub source: String,
    /// Attribution status.
    pub status: String,
    /// The click's offer.
    pub offer_id: Option<i64>,
    /// The click's promoter.
    pub promoter_id: Option<i64>,
    /// The click's time.
    pub click_ts: Option<OffsetDateTime>,
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
    /// When it reached the control plane.
    pub received_at: OffsetDateTime,
}

impl ConversionRow {
    /// The status (stored names are valid).
    pub fn status(&self) -> ConversionStatus {
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

/// What attribution did, for the live counters (applied after commit).
#[derive(Debug, Default)]
pub struct Outcome {
    /// The conversion's status now.
    pub status: Option<ConversionStatus>,
    /// Live counter changes.
    pub bumps: Vec<(Scopes, Bump)>,
}

fn scopes(row: &ConversionRow) -> Option<Scopes> {
    Some(Scopes {
        offer_id: row.offer_id?,
        promoter_id: row.promoter_id?,
        advertiser_id: Some(row.advertiser_id),
    })
}

fn revenue_of(row: &ConversionRow) -> (Decimal, String) {
    (
        row.amount.unwrap_or_default(),
        row.currency
            .clone()
            .or_else(|| row.payout_currency.clone())
            .unwrap_or_default(),
    )
}

/// Adds (`sign` 1) or removes (-1) an approved conversion from the rollup; returns the live
/// counter change.
async fn rollup(
    tx: &mut Transaction<'_, Postgres>,
    row: &ConversionRow,
    sign: i64,
) -> Result<Option<(Scopes, Bump)>, ApiError> {
    let Some(scopes) = scopes(row) else {
        return Ok(None);
    };
    let payout = row.payout.unwrap_or_default();
    let payout_currency = row.payout_currency.clone().unwrap_or_default();
    let (revenue, revenue_currency) = revenue_of(row);
    sqlx::query(
        "INSERT INTO stats_conversions (bucket, offer_id, promoter_id, advertiser_id, country, sub1,
             payout_currency, revenue_currency, conversions, payout, revenue)
         VALUES (date_bin('15 minutes', $1, TIMESTAMPTZ '2000-01-01 00:00:00+00'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (bucket, offer_id, promoter_id, country, sub1, payout_currency, revenue_currency) DO UPDATE SET
             conversions = stats_conversions.conversions + EXCLUDED.conversions,
             payout = stats_conversions.payout + EXCLUDED.payout,
             revenue = stats_conversions.revenue + EXCLUDED.revenue",
    )
    .bind(row.ts)
    .bind(scopes.offer_id)
    .bind(scopes.promoter_id)
    .bind(row.advertiser_id)
    .bind(row.country.clone().unwrap_or_default())
    .bind(row.sub1.clone().unwrap_or_default())
    .bind(&payout_currency)
    .bind(&revenue_currency)
    .bind(sign)
    .bind(Decimal::from(sign) * payout)
    .bind(Decimal::from(sign) * revenue)
    .execute(&mut **tx)
    .await?;
    Ok(Some((
        scopes,
        Bump::Conversion {
            ts: row.ts,
            sign,
            payout: (payout, payout_currency),
            revenue: (revenue, revenue_currency),
        },
    )))
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
    sqlx::query("UPDATE conversions SET status = $2 WHERE id = $1")
        .bind(row.id)
        .bind(to.as_str())
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
        let bump = rollup(tx, row, if is { 1 } else { -1 }).await?;
        out.bumps.extend(bump);
    }
    Ok(())
}

/// Attributes a pending conversion if its click is there; a conversion already decided is
/// left alone. Returns what changed.
pub async fn attribute(pool: &PgPool, id: Uuid) -> Result<Outcome, ApiError> {
    let mut out = Outcome::default();
    let mut tx = pool.begin().await?;
    let Some(conv) = sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(out);
    };
    if conv.status() != ConversionStatus::Pending {
        out.status = Some(conv.status());
        return Ok(out);
    }
    let click = sqlx::query_as::<_, ClickFacts>(
        "SELECT offer_id, promoter_id, ts, country, sub1 FROM clicks WHERE id = $1 LIMIT 1",
    )
    .bind(conv.click_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(click) = click else {
        out.status = Some(ConversionStatus::Pending);
        return Ok(out);
    };
    // One decision at a time per offer.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(click.offer_id)
        .execute(&mut *tx)
        .await?;
    let offer = sqlx::query_as::<_, OfferTerms>(
        "SELECT advertiser_id, payout_model, payout_amount, payout_percent, currency, attribution_window_hours,
                daily_cap, total_cap, hold_conversions
         FROM offers WHERE id = $1",
    )
    .bind(click.offer_id)
    .fetch_optional(&mut *tx)
    .await?;

    let mut status = match &offer {
        None => ConversionStatus::RejectedAdvertiserMismatch,
        Some(o) if o.advertiser_id != conv.advertiser_id => {
            ConversionStatus::RejectedAdvertiserMismatch
        }
        Some(o) if !attribution::in_window(click.ts, conv.ts, o.attribution_window_hours) => {
            ConversionStatus::OutOfWindow
        }
        Some(_) => ConversionStatus::Approved,
    };
    let mut payout = None;
    if let (ConversionStatus::Approved, Some(_)) = (status, &offer) {
        // Duplicates: the same (offer, txid), or without txid the same (click, event).
        let holder = sqlx::query_as::<_, ConversionRow>(&format!(
            "SELECT {COLUMNS} FROM conversions
             WHERE offer_id = $1 AND status IN ('approved', 'pending_review') AND id <> $2
               AND CASE WHEN $3::text IS NOT NULL THEN txid = $3 ELSE click_id = $4 AND event = $5 AND txid IS NULL END
             FOR UPDATE"
        ))
        .bind(click.offer_id)
        .bind(conv.id)
        .bind(&conv.txid)
        .bind(conv.click_id)
        .bind(&conv.event)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(holder) = holder {
            if (holder.ts, holder.id) < (conv.ts, conv.id) {
                status = ConversionStatus::Duplicate;
            } else {
                set_status(
                    &mut tx,
                    &holder,
                    ConversionStatus::Duplicate,
                    None,
                    Some("an earlier conversion took its txid"),
                    &mut out,
                )
                .await?;
            }
        }
    }
    if let (ConversionStatus::Approved, Some(o)) = (status, &offer) {
        // Caps: daily by the UTC day of the conversion's ts, then total.
        for (cap, daily) in [(o.daily_cap, true), (o.total_cap, false)] {
            let Some(cap) = cap else { continue };
            let holders = sqlx::query_as::<_, ConversionRow>(&format!(
                "SELECT {COLUMNS} FROM conversions
                 WHERE offer_id = $1 AND status IN ('approved', 'pending_review') AND id <> $2
                   AND (NOT $3 OR (ts >= date_trunc('day', $4 AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                                   AND ts < (date_trunc('day', $4 AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC'))
                 ORDER BY ts DESC, id DESC
                 FOR UPDATE"
            ))
            .bind(click.offer_id)
            .bind(conv.id)
            .bind(daily)
            .bind(conv.ts)
            .fetch_all(&mut *tx)
            .await?;
            if holders.len() < usize::try_from(cap).unwrap_or(0) {
                continue;
            }
            let latest = &holders[0];
            if (latest.ts, latest.id) > (conv.ts, conv.id) {
                let why = if daily {
                    "an earlier conversion took its daily cap slot"
                } else {
                    "an earlier conversion took its cap slot"
                };
                set_status(
                    &mut tx,
                    latest,
                    ConversionStatus::OverCap,
                    None,
                    Some(why),
                    &mut out,
                )
                .await?;
            } else {
                status = ConversionStatus::OverCap;
                break;
            }
        }
    }
    if let (ConversionStatus::Approved, Some(o)) = (status, &offer) {
        let terms = PayoutTerms {
            model: o.payout_model.parse().unwrap_or(PayoutModel::Cpa),
            amount: o.payout_amount,
            percent: o.payout_percent,
            currency: Currency::parse(&o.currency).map_err(ApiError::internal)?,
        };
        let amount_currency = conv
            .currency
            .as_deref()
            .and_then(|c| Currency::parse(c).ok());
        payout = Some(attribution::payout(&terms, conv.amount, amount_currency));
        if o.hold_conversions {
            status = ConversionStatus::PendingReview;
        }
    }
    let row = sqlx::query_as::<_, ConversionRow>(&format!(
        "UPDATE conversions SET status = $2, offer_id = $3, promoter_id = $4, click_ts = $5, country = $6, sub1 = $7,
             payout = $8, payout_currency = $9, attributed_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(conv.id)
    .bind(status.as_str())
    .bind(click.offer_id)
    .bind(click.promoter_id)
    .bind(click.ts)
    .bind(&click.country)
    .bind(&click.sub1)
    .bind(payout.map(|p| p.amount))
    .bind(payout.map(|p| p.currency.code().to_owned()))
    .fetch_one(&mut *tx)
    .await?;
    if status == ConversionStatus::Approved {
        out.bumps.extend(rollup(&mut tx, &row, 1).await?);
    }
    tx.commit().await?;
    out.status = Some(status);
    Ok(out)
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
pub async fn pending_with_click(pool: &PgPool, limit: i64) -> Result<Vec<Uuid>, ApiError> {
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
pub async fn expire_pending(pool: &PgPool, wait: std::time::Duration) -> Result<u64, ApiError> {
    let done = sqlx::query(
        "WITH expired AS (
             UPDATE conversions SET status = 'unknown_click', attributed_at = now()
             WHERE status = 'pending' AND received_at < now() - $1::interval
             RETURNING id)
         INSERT INTO conversion_audit (conversion_id, from_status, to_status, reason)
         SELECT id, 'pending', 'unknown_click', 'no click arrived in time' FROM expired",
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
        Tenant::Advertiser(a) => (Some(a), None),
        Tenant::Promoter(p) => (None, Some(p)),
    }
}

const VISIBLE: &str =
    "($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)";

/// One conversion the tenant may see.
pub async fn get(
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
pub struct ListFilter {
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
pub async fn list(
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
pub async fn decide(
    pool: &PgPool,
    advertiser_id: i64,
    id: Uuid,
    to: ConversionStatus,
    actor: i64,
    reason: Option<&str>,
) -> Result<(ConversionRow, Outcome), ApiError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as::<_, ConversionRow>(&format!(
        "SELECT {COLUMNS} FROM conversions WHERE advertiser_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(advertiser_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("conversion"))?;
    let from = row.status();
    let allowed = matches!(
        (from, to),
        (ConversionStatus::PendingReview, ConversionStatus::Approved)
            | (ConversionStatus::PendingReview, ConversionStatus::Rejected)
            | (ConversionStatus::Approved, ConversionStatus::Reversed)
    );
    if !allowed {
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
    tx.commit().await?;
    out.status = Some(to);
    Ok((row, out))
}

/// One audit entry.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
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
pub async fn audit(pool: &PgPool, id: Uuid) -> Result<Vec<AuditRow>, ApiError> {
    Ok(sqlx::query_as::<_, AuditRow>(
        "SELECT actor_id, from_status, to_status, reason, at FROM conversion_audit WHERE conversion_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?)
}
