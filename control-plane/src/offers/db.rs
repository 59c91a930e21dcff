//! Offers and their history. Every read goes through [`visible`], the one place that turns a
//! tenant into SQL: admins see every offer, advertisers their own, promoters approved ones.

use afftok_shared::{Country, Currency};
use rust_decimal::Decimal;
use sqlx::{FromRow, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::events::catalogue::OfferStatusChanged;
use crate::events::{self, EventKind};
use crate::kernel::error::ApiError;
use crate::kernel::{AdvertiserId, OfferId, PromoterId, Tenant, UserId};
use crate::offers::rules::{Action, Actor, OfferFields, OfferStatus, PayoutModel};

/// A stored offer.
#[derive(Debug, Clone, FromRow)]
pub struct OfferRow {
    /// Id (the offer id of tracking links).
    pub id: i64,
    /// Owner.
    pub advertiser_id: i64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category slug.
    pub category: String,
    /// Destination template.
    pub url_template: String,
    /// Fallback template.
    pub fallback_url: Option<String>,
    /// Preview page.
    pub preview_url: Option<String>,
    /// cpa, cpl, cps or revshare.
    pub payout_model: String,
    /// Fixed amount.
    pub payout_amount: Option<Decimal>,
    /// Percentage.
    pub payout_percent: Option<Decimal>,
    /// Currency code.
    pub currency: String,
    /// Attribution window.
    pub attribution_window_hours: i32,
    /// Daily cap.
    pub daily_cap: Option<i32>,
    /// Total cap.
    pub total_cap: Option<i32>,
    /// Allowed countries.
    pub geo_allow: Vec<String>,
    /// Denied countries.
    pub geo_deny: Vec<String>,
    /// Hold conversions for review.
    pub hold_conversions: bool,
    /// Workflow status.
    pub status: String,
    /// Why an admin rejected it.
    pub rejection_reason: Option<String>,
    /// Who paused it (advertiser or admin).
    pub paused_by: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

impl OfferRow {
    /// The status (stored names are valid).
    pub fn status(&self) -> OfferStatus {
        self.status.parse().unwrap_or(OfferStatus::Draft)
    }

    /// The payout model.
    pub fn payout_model(&self) -> PayoutModel {
        self.payout_model.parse().unwrap_or(PayoutModel::Cpa)
    }

    /// The fields, for merging an update.
    pub fn fields(&self) -> Result<OfferFields, ApiError> {
        let countries = |codes: &[String]| -> Result<Vec<Country>, ApiError> {
            codes
                .iter()
                .map(|c| Country::parse(c).map_err(ApiError::internal))
                .collect()
        };
        Ok(OfferFields {
            name: self.name.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            url_template: self.url_template.clone(),
            fallback_url: self.fallback_url.clone(),
            preview_url: self.preview_url.clone(),
            payout_model: self.payout_model(),
            payout_amount: self.payout_amount,
            payout_percent: self.payout_percent,
            currency: Currency::parse(&self.currency).map_err(ApiError::internal)?,
            attribution_window_hours: self.attribution_window_hours,
            daily_cap: self.daily_cap,
            total_cap: self.total_cap,
            geo_allow: countries(&self.geo_allow)?,
            geo_deny: countries(&self.geo_deny)?,
            hold_conversions: self.hold_conversions,
        })
    }
}

const COLUMNS: &str = "id, advertiser_id, name, description, category, url_template, fallback_url, preview_url,
    payout_model, payout_amount, payout_percent, currency, attribution_window_hours, daily_cap, total_cap,
    geo_allow, geo_deny, hold_conversions, status, rejection_reason, paused_by, created_at, updated_at";

/// The tenant filter as two bind values: `($1::bigint IS NULL OR advertiser_id = $1) AND
/// (NOT $2 OR status = 'approved')`. The only place a tenant becomes SQL for offers.
fn visible(tenant: Tenant) -> (Option<i64>, bool) {
    match tenant {
        Tenant::Admin => (None, false),
        Tenant::Advertiser(advertiser) => (Some(advertiser.0), false),
        Tenant::Promoter(_) => (None, true),
    }
}

const VISIBLE: &str =
    "($1::bigint IS NULL OR advertiser_id = $1) AND (NOT $2 OR status = 'approved')";

fn codes(countries: &[Country]) -> Vec<String> {
    countries.iter().map(|c| c.as_str().to_owned()).collect()
}

/// Creates a draft for `advertiser_id`.
pub(super) async fn insert(
    pool: &PgPool,
    advertiser_id: i64,
    f: &OfferFields,
    actor: i64,
) -> Result<OfferRow, ApiError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as::<_, OfferRow>(&format!(
        "INSERT INTO offers (advertiser_id, name, description, category, url_template, fallback_url, preview_url,
            payout_model, payout_amount, payout_percent, currency, attribution_window_hours, daily_cap, total_cap,
            geo_allow, geo_deny, hold_conversions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         RETURNING {COLUMNS}"
    ))
    .bind(advertiser_id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(&f.category)
    .bind(&f.url_template)
    .bind(&f.fallback_url)
    .bind(&f.preview_url)
    .bind(f.payout_model.as_str())
    .bind(f.payout_amount)
    .bind(f.payout_percent)
    .bind(f.currency.code())
    .bind(f.attribution_window_hours)
    .bind(f.daily_cap)
    .bind(f.total_cap)
    .bind(codes(&f.geo_allow))
    .bind(codes(&f.geo_deny))
    .bind(f.hold_conversions)
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        row.id,
        actor,
        "create",
        None,
        Some(OfferStatus::Draft),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// One offer the tenant may see.
pub async fn get(pool: &PgPool, tenant: Tenant, id: i64) -> Result<Option<OfferRow>, ApiError> {
    let (advertiser, approved_only) = visible(tenant);
    Ok(sqlx::query_as::<_, OfferRow>(&format!(
        "SELECT {COLUMNS} FROM offers WHERE {VISIBLE} AND id = $3"
    ))
    .bind(advertiser)
    .bind(approved_only)
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

async fn get_for_update(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Tenant,
    id: i64,
) -> Result<OfferRow, ApiError> {
    let (advertiser, approved_only) = visible(tenant);
    sqlx::query_as::<_, OfferRow>(&format!(
        "SELECT {COLUMNS} FROM offers WHERE {VISIBLE} AND id = $3 FOR UPDATE"
    ))
    .bind(advertiser)
    .bind(approved_only)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ApiError::NotFound("offer"))
}

/// Filters for listing offers.
#[derive(Debug, Clone, Default)]
pub(super) struct ListFilter {
    /// Only this status.
    pub status: Option<OfferStatus>,
    /// Ids above this one (the cursor).
    pub after_id: Option<i64>,
    /// Page size.
    pub limit: u32,
}

/// The tenant's offers by id.
pub(super) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    filter: &ListFilter,
) -> Result<Vec<OfferRow>, ApiError> {
    let (advertiser, approved_only) = visible(tenant);
    Ok(sqlx::query_as::<_, OfferRow>(&format!(
        "SELECT {COLUMNS} FROM offers WHERE {VISIBLE}
           AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR id > $4)
         ORDER BY id LIMIT $5"
    ))
    .bind(advertiser)
    .bind(approved_only)
    .bind(filter.status.map(OfferStatus::as_str))
    .bind(filter.after_id)
    .bind(i64::from(filter.limit))
    .fetch_all(pool)
    .await?)
}

/// Offers waiting for review, oldest first (admins).
pub(super) async fn review_queue(
    pool: &PgPool,
    after_id: Option<i64>,
    limit: u32,
) -> Result<Vec<OfferRow>, ApiError> {
    list(
        pool,
        Tenant::Admin,
        &ListFilter {
            status: Some(OfferStatus::PendingReview),
            after_id,
            limit,
        },
    )
    .await
}

/// How the marketplace is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MarketSort {
    /// Newest approved first.
    Newest,
    /// Highest fixed payout first (percentage offers after, by percentage).
    Payout,
}

/// Marketplace filters.
#[derive(Debug, Clone)]
pub(super) struct MarketFilter {
    /// Only this category.
    pub category: Option<String>,
    /// Only this payout model.
    pub payout_model: Option<PayoutModel>,
    /// Only offers open to this country.
    pub country: Option<Country>,
    /// Sort order.
    pub sort: MarketSort,
    /// Position after which to continue: (sort key, id).
    pub after: Option<(Decimal, i64)>,
    /// Page size.
    pub limit: u32,
}

/// Approved offers for promoters to browse.
pub(super) async fn marketplace(
    pool: &PgPool,
    f: &MarketFilter,
) -> Result<Vec<OfferRow>, ApiError> {
    // The sort key is a number for both orders: the id for newest, the payout figure (fixed
    // amounts ranked above percentages) for payout.
    let key = match f.sort {
        MarketSort::Newest => "id::numeric",
        MarketSort::Payout => "coalesce(payout_amount + 1000000000000000, payout_percent)",
    };
    let (advertiser, approved_only) = visible(Tenant::Promoter(PromoterId(0)));
    let (after_key, after_id) = f.after.map_or((None, None), |(k, id)| (Some(k), Some(id)));
    let sql = format!(
        "SELECT {COLUMNS} FROM offers WHERE {VISIBLE}
           AND ($3::text IS NULL OR category = $3)
           AND ($4::text IS NULL OR payout_model = $4)
           AND ($5::text IS NULL OR (NOT ($5 = ANY(geo_deny)) AND (cardinality(geo_allow) = 0 OR $5 = ANY(geo_allow))))
           AND ($6::numeric IS NULL OR ({key}, id) < ($6, $7))
         ORDER BY {key} DESC, id DESC LIMIT $8"
    );
    Ok(sqlx::query_as::<_, OfferRow>(&sql)
        .bind(advertiser)
        .bind(approved_only)
        .bind(f.category.as_deref())
        .bind(f.payout_model.map(PayoutModel::as_str))
        .bind(f.country.map(|c| c.as_str().to_owned()))
        .bind(after_key)
        .bind(after_id)
        .bind(i64::from(f.limit))
        .fetch_all(pool)
        .await?)
}

/// The sort key of a row for a marketplace cursor (matches the SQL above).
pub(super) fn market_key(row: &OfferRow, sort: MarketSort) -> Decimal {
    match sort {
        MarketSort::Newest => Decimal::from(row.id),
        MarketSort::Payout => match row.payout_amount {
            Some(amount) => amount + Decimal::from(1_000_000_000_000_000i64),
            None => row.payout_percent.unwrap_or_default(),
        },
    }
}

/// Replaces an offer's fields; the tenant must own it and its status must allow edits.
pub(super) async fn update<F>(
    pool: &PgPool,
    tenant: Tenant,
    id: i64,
    actor: i64,
    edit: F,
) -> Result<OfferRow, ApiError>
where
    F: FnOnce(&OfferRow) -> Result<OfferFields, ApiError>,
{
    let mut tx = pool.begin().await?;
    let current = get_for_update(&mut tx, tenant, id).await?;
    let status = current.status();
    if !status.editable() {
        return Err(ApiError::conflict(
            "offer_not_editable",
            format!("an offer that is {status} cannot be edited"),
        ));
    }
    let f = edit(&current)?;
    // What admins reviewed cannot change under a live offer: it goes back to review.
    let reviewed = current.fields()?.reviewed_changes(&f);
    let live = matches!(status, OfferStatus::Approved | OfferStatus::Paused);
    let to = if live && !reviewed.is_empty() {
        OfferStatus::PendingReview
    } else {
        status
    };
    let row = sqlx::query_as::<_, OfferRow>(&format!(
        "UPDATE offers SET name = $2, description = $3, category = $4, url_template = $5, fallback_url = $6,
            preview_url = $7, payout_model = $8, payout_amount = $9, payout_percent = $10, currency = $11,
            attribution_window_hours = $12, daily_cap = $13, total_cap = $14, geo_allow = $15, geo_deny = $16,
            hold_conversions = $17, status = $18,
            paused_by = CASE WHEN $18 = 'paused' THEN paused_by END, updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(&f.category)
    .bind(&f.url_template)
    .bind(&f.fallback_url)
    .bind(&f.preview_url)
    .bind(f.payout_model.as_str())
    .bind(f.payout_amount)
    .bind(f.payout_percent)
    .bind(f.currency.code())
    .bind(f.attribution_window_hours)
    .bind(f.daily_cap)
    .bind(f.total_cap)
    .bind(codes(&f.geo_allow))
    .bind(codes(&f.geo_deny))
    .bind(f.hold_conversions)
    .bind(to.as_str())
    .fetch_one(&mut *tx)
    .await?;
    let detail = (to != status).then(|| format!("back to review: changed {}", reviewed.join(", ")));
    record(
        &mut tx,
        id,
        actor,
        "edit",
        Some(status),
        Some(to),
        detail.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Moves an offer through the workflow (see `domain::offer`), recording who did it.
pub(super) async fn transition(
    pool: &PgPool,
    tenant: Tenant,
    id: i64,
    action: Action,
    actor: (i64, Actor),
    reason: Option<&str>,
) -> Result<OfferRow, ApiError> {
    let mut tx = pool.begin().await?;
    let current = get_for_update(&mut tx, tenant, id).await?;
    let from = current.status();
    let paused_by = current.paused_by.as_deref().and_then(Actor::parse);
    let to = action
        .apply(from, actor.1, paused_by)
        .map_err(|why| ApiError::conflict("illegal_transition", why.to_string()))?;
    let row = sqlx::query_as::<_, OfferRow>(&format!(
        "UPDATE offers SET status = $2, updated_at = now(),
            rejection_reason = CASE WHEN $2 = 'rejected' THEN $3 ELSE NULL END,
            paused_by = CASE WHEN $2 = 'paused' THEN $4 END
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(to.as_str())
    .bind(reason)
    .bind(actor.1.as_str())
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        id,
        actor.0,
        action.as_str(),
        Some(from),
        Some(to),
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

async fn record(
    tx: &mut Transaction<'_, Postgres>,
    offer_id: i64,
    actor: i64,
    action: &str,
    from: Option<OfferStatus>,
    to: Option<OfferStatus>,
    detail: Option<&str>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO offer_events (offer_id, actor_id, action, from_status, to_status, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(offer_id)
    .bind(actor)
    .bind(action)
    .bind(from.map(OfferStatus::as_str))
    .bind(to.map(OfferStatus::as_str))
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    if let (Some(from), Some(to)) = (from, to)
        && from != to
    {
        let advertiser_id: i64 =
            sqlx::query_scalar("SELECT advertiser_id FROM offers WHERE id = $1")
                .bind(offer_id)
                .fetch_one(&mut **tx)
                .await?;
        events::record(
            tx,
            EventKind::OfferStatusChanged,
            &OfferStatusChanged {
                offer_id: OfferId(offer_id),
                advertiser_id: AdvertiserId(advertiser_id),
                from: from.as_str().to_owned(),
                to: to.as_str().to_owned(),
                actor_id: UserId(actor),
                reason: detail.map(str::to_owned),
            },
        )
        .await?;
    }
    Ok(())
}

/// One entry of an offer's history.
#[derive(Debug, Clone, FromRow)]
pub(super) struct OfferEventRow {
    /// Who did it.
    pub actor_id: Option<i64>,
    /// create, edit, submit, approve, …
    pub action: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// The rejection reason, for rejections.
    pub detail: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// The history of an offer the tenant may see (oldest first); `None` if it may not see it.
pub(super) async fn history(
    pool: &PgPool,
    tenant: Tenant,
    id: i64,
) -> Result<Option<Vec<OfferEventRow>>, ApiError> {
    if get(pool, tenant, id).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_as::<_, OfferEventRow>(
            "SELECT id, actor_id, action, from_status, to_status, detail, at
             FROM offer_events WHERE offer_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?,
    ))
}
