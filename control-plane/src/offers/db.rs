//! Offers and their history. Every read goes through [`visible`], the one place that turns a
//! tenant into SQL: admins see every offer, advertisers their own, promoters approved ones.

use afftok_shared::{Country, Currency};
use rust_decimal::Decimal;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::events::catalogue::OfferStatusChanged;
use crate::events::{self, EventKind};
use crate::kernel::error::FieldError;
use crate::kernel::{AdvertiserId, OfferId, PromoterId, Tenant, UserId, text};
use crate::offers::rules::{
    Action, Actor, Change, FraudPolicy, OfferFields, OfferStatus, PayoutModel, TransitionError,
};

/// A stored offer.
#[derive(Debug, Clone)]
pub struct OfferRow {
    /// Id (the offer id of tracking links).
    pub id: OfferId,
    /// Owner.
    pub advertiser_id: AdvertiserId,
    /// What the advertiser wrote.
    pub fields: OfferFields,
    /// Workflow status.
    pub status: OfferStatus,
    /// Why an admin rejected it.
    pub rejection_reason: Option<String>,
    /// Who paused it.
    pub paused_by: Option<Actor>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// Country codes stored as `text[]`, read into countries (a code that does not parse is a
/// decode error).
#[derive(Debug)]
struct Countries(Vec<Country>);

/// A currency stored as its code, read into the currency (an unknown code is a decode error).
#[derive(Debug)]
struct StoredCurrency(Currency);

impl sqlx::Type<Postgres> for Countries {
    fn type_info() -> PgTypeInfo {
        <Vec<String> as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Vec<String> as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for Countries {
    fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let codes = <Vec<String> as sqlx::Decode<Postgres>>::decode(value)?;
        codes
            .iter()
            .map(|c| Country::parse(c).map_err(|e| format!("stored country {c:?}: {e}").into()))
            .collect::<Result<_, _>>()
            .map(Countries)
    }
}

impl sqlx::Type<Postgres> for StoredCurrency {
    fn type_info() -> PgTypeInfo {
        <&str as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <&str as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for StoredCurrency {
    fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let code = <&str as sqlx::Decode<Postgres>>::decode(value)?;
        Currency::parse(code)
            .map(StoredCurrency)
            .map_err(|e| format!("stored currency {code:?}: {e}").into())
    }
}

/// A query of offer rows, each read into an [`OfferRow`]: `$head` (`SELECT`, `INSERT …
/// RETURNING`, …), the one column list every read and write returns, then the `$tail`
/// pieces. `visible(tenant)` starts a `SELECT` with the tenant's filter (binds `$1` and `$2`;
/// the tail's own parameters start at `$3`).
macro_rules! offer_rows {
    (visible($tenant:expr), [$($tail:literal),*] $(, $arg:expr)* $(,)?) => {{
        let (advertiser, approved_only) = visible($tenant);
        offer_rows!(
            "SELECT",
            [
                "FROM offers
                 WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND (NOT $2 OR status = 'approved') "
                $(, $tail)*
            ],
            advertiser,
            approved_only
            $(, $arg)*
        )
    }};
    ($head:literal, [$($tail:literal),*] $(, $arg:expr)* $(,)?) => {
        sqlx::query!(
            $head
                + r#" id AS "id: OfferId", advertiser_id AS "advertiser_id: AdvertiserId",
                name, description, category, url_template, fallback_url, preview_url,
                payout_model AS "payout_model: PayoutModel", payout_amount, payout_percent,
                currency AS "currency: StoredCurrency", attribution_window_hours, daily_cap,
                total_cap, geo_allow AS "geo_allow: Countries", geo_deny AS "geo_deny: Countries",
                hold_conversions, review_browser, min_ctit_seconds,
                fraud_policy AS "fraud_policy: FraudPolicy",
                status AS "status: OfferStatus", rejection_reason,
                paused_by AS "paused_by: Actor", created_at, updated_at "#
                $(+ $tail)*,
            $($arg),*
        )
        .map(|r| OfferRow {
            id: r.id,
            advertiser_id: r.advertiser_id,
            fields: OfferFields {
                name: r.name,
                description: r.description,
                category: r.category,
                url_template: r.url_template,
                fallback_url: r.fallback_url,
                preview_url: r.preview_url,
                payout_model: r.payout_model,
                payout_amount: r.payout_amount,
                payout_percent: r.payout_percent,
                currency: r.currency.0,
                attribution_window_hours: r.attribution_window_hours,
                daily_cap: r.daily_cap,
                total_cap: r.total_cap,
                geo_allow: r.geo_allow.0,
                geo_deny: r.geo_deny.0,
                hold_conversions: r.hold_conversions,
                review_browser: r.review_browser,
                min_ctit_seconds: r.min_ctit_seconds,
                fraud_policy: r.fraud_policy,
            },
            status: r.status,
            rejection_reason: r.rejection_reason,
            paused_by: r.paused_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    };
}

/// The tenant filter as two bind values for `offer_rows!(visible(tenant), …)`, which writes
/// `($1::bigint IS NULL OR advertiser_id = $1) AND (NOT $2 OR status = 'approved')`. The only
/// place a tenant becomes SQL for offers.
fn visible(tenant: Tenant) -> (Option<i64>, bool) {
    match tenant {
        Tenant::Admin => (None, false),
        Tenant::Advertiser(advertiser) => (Some(advertiser.0), false),
        Tenant::Promoter(_) => (None, true),
    }
}

fn codes(countries: &[Country]) -> Vec<String> {
    countries.iter().map(|c| c.as_str().to_owned()).collect()
}

/// Why an offer could not be edited.
#[derive(Debug, thiserror::Error)]
pub(super) enum EditError {
    /// The tenant has no such offer.
    #[error("no such offer")]
    NotFound,
    /// Its status does not allow edits.
    #[error("an offer that is {0} cannot be edited")]
    NotEditable(OfferStatus),
    /// The edit leaves the offer invalid.
    #[error("the edited offer is not valid")]
    Invalid(Vec<FieldError>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Why an offer could not move through the workflow.
#[derive(Debug, thiserror::Error)]
pub(super) enum MoveError {
    /// The tenant has no such offer.
    #[error("no such offer")]
    NotFound,
    /// The workflow refuses the move.
    #[error(transparent)]
    Refused(#[from] TransitionError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates a draft for `advertiser_id`.
pub(super) async fn insert(
    pool: &PgPool,
    advertiser_id: AdvertiserId,
    f: &OfferFields,
    actor: UserId,
) -> sqlx::Result<OfferRow> {
    let mut tx = pool.begin().await?;
    let row = offer_rows!(
        "INSERT INTO offers (advertiser_id, name, description, category, url_template, fallback_url, preview_url,
            payout_model, payout_amount, payout_percent, currency, attribution_window_hours, daily_cap, total_cap,
            geo_allow, geo_deny, hold_conversions, min_ctit_seconds, fraud_policy, review_browser)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         RETURNING",
        [],
        advertiser_id.0,
        f.name,
        f.description,
        f.category,
        f.url_template,
        f.fallback_url,
        f.preview_url,
        f.payout_model.as_str(),
        f.payout_amount,
        f.payout_percent,
        f.currency.code(),
        f.attribution_window_hours,
        f.daily_cap,
        f.total_cap,
        &codes(&f.geo_allow),
        &codes(&f.geo_deny),
        f.hold_conversions,
        f.min_ctit_seconds,
        f.fraud_policy.as_str(),
        f.review_browser,
    )
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        row.id,
        actor,
        Change::Create,
        None,
        Some(OfferStatus::Draft),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// One offer the tenant may see.
pub async fn get(pool: &PgPool, tenant: Tenant, id: OfferId) -> sqlx::Result<Option<OfferRow>> {
    offer_rows!(visible(tenant), ["AND id = $3"], id.0)
        .fetch_optional(pool)
        .await
}

async fn get_for_update(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Tenant,
    id: OfferId,
) -> sqlx::Result<Option<OfferRow>> {
    offer_rows!(visible(tenant), ["AND id = $3 FOR UPDATE"], id.0)
        .fetch_optional(&mut **tx)
        .await
}

/// The tenant's first `limit` offers by id (for other features: the assistant's tools).
pub async fn first(pool: &PgPool, tenant: Tenant, limit: u32) -> sqlx::Result<Vec<OfferRow>> {
    list(
        pool,
        tenant,
        &ListFilter {
            limit,
            ..ListFilter::default()
        },
    )
    .await
}

/// Filters for listing offers.
#[derive(Debug, Clone, Default)]
pub(super) struct ListFilter {
    /// Only this status.
    pub status: Option<OfferStatus>,
    /// Ids above this one (the cursor).
    pub after_id: Option<OfferId>,
    /// Page size.
    pub limit: u32,
}

/// The tenant's offers by id.
pub(super) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    filter: &ListFilter,
) -> sqlx::Result<Vec<OfferRow>> {
    offer_rows!(
        visible(tenant),
        [
            "AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR id > $4)
             ORDER BY id LIMIT $5"
        ],
        filter.status.map(OfferStatus::as_str),
        filter.after_id.map(|id| id.0),
        i64::from(filter.limit),
    )
    .fetch_all(pool)
    .await
}

/// Offers waiting for review, oldest first (admins).
pub(super) async fn review_queue(
    pool: &PgPool,
    after_id: Option<OfferId>,
    limit: u32,
) -> sqlx::Result<Vec<OfferRow>> {
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
    /// Only offers whose name or description contains every one of these words (any case;
    /// taken literally, `%` and `_` included). Empty: no text filter.
    pub words: Vec<String>,
    /// Sort order.
    pub sort: MarketSort,
    /// Position after which to continue: (sort key, id).
    pub after: Option<(Decimal, OfferId)>,
    /// Page size.
    pub limit: u32,
}

/// Approved offers for promoters to browse.
pub(super) async fn marketplace(pool: &PgPool, f: &MarketFilter) -> sqlx::Result<Vec<OfferRow>> {
    let (after_key, after_id) = f
        .after
        .map_or((None, None), |(k, id)| (Some(k), Some(id.0)));
    // The sort key is a number for both orders: the id for newest, the payout figure (fixed
    // amounts ranked above percentages) for payout. One query per order, the key written
    // into each (see `market_key`). The text filter is one pattern per word, every one of
    // which must match the name or the description; it narrows the rows without touching
    // the order, so cursors work the same with it.
    let patterns: Vec<String> = f.words.iter().map(|w| text::contains_pattern(w)).collect();
    macro_rules! by {
        ($key:literal) => {
            offer_rows!(
                visible(Tenant::Promoter(PromoterId(0))),
                [
                    "AND ($3::text IS NULL OR category = $3)
                     AND ($4::text IS NULL OR payout_model = $4)
                     AND ($5::text IS NULL OR (NOT ($5 = ANY(geo_deny))
                          AND (cardinality(geo_allow) = 0 OR $5 = ANY(geo_allow))))
                     AND NOT EXISTS (SELECT 1 FROM unnest($8::text[]) AS w (pattern)
                          WHERE NOT (name ILIKE w.pattern ESCAPE '\\'
                                     OR description ILIKE w.pattern ESCAPE '\\'))
                     AND ($6::numeric IS NULL OR (",
                    $key,
                    ", id) < ($6, $7))
                     ORDER BY ",
                    $key,
                    " DESC, id DESC LIMIT $9"
                ],
                f.category.as_deref(),
                f.payout_model.map(PayoutModel::as_str),
                f.country.map(|c| c.as_str().to_owned()),
                after_key,
                after_id,
                &patterns,
                i64::from(f.limit),
            )
            .fetch_all(pool)
            .await
        };
    }
    match f.sort {
        MarketSort::Newest => by!("id::numeric"),
        MarketSort::Payout => by!("coalesce(payout_amount + 1000000000000000, payout_percent)"),
    }
}

/// The sort key of a row for a marketplace cursor (matches the SQL above).
pub(super) fn market_key(row: &OfferRow, sort: MarketSort) -> Decimal {
    match sort {
        MarketSort::Newest => Decimal::from(row.id.0),
        MarketSort::Payout => match row.fields.payout_amount {
            Some(amount) => amount + Decimal::from(1_000_000_000_000_000i64),
            None => row.fields.payout_percent.unwrap_or_default(),
        },
    }
}

/// Replaces an offer's fields with what `edit` makes of them; the tenant must own it and its
/// status must allow edits.
pub(super) async fn update<F>(
    pool: &PgPool,
    tenant: Tenant,
    id: OfferId,
    actor: UserId,
    edit: F,
) -> Result<OfferRow, EditError>
where
    F: FnOnce(&OfferFields) -> Result<OfferFields, Vec<FieldError>>,
{
    let mut tx = pool.begin().await?;
    let current = get_for_update(&mut tx, tenant, id)
        .await?
        .ok_or(EditError::NotFound)?;
    let status = current.status;
    if !status.editable() {
        return Err(EditError::NotEditable(status));
    }
    let f = edit(&current.fields).map_err(EditError::Invalid)?;
    // What admins reviewed cannot change under a live offer: it goes back to review.
    let reviewed = current.fields.reviewed_changes(&f);
    let live = matches!(status, OfferStatus::Approved | OfferStatus::Paused);
    let to = if live && !reviewed.is_empty() {
        OfferStatus::PendingReview
    } else {
        status
    };
    let row = offer_rows!(
        "UPDATE offers SET name = $2, description = $3, category = $4, url_template = $5, fallback_url = $6,
            preview_url = $7, payout_model = $8, payout_amount = $9, payout_percent = $10, currency = $11,
            attribution_window_hours = $12, daily_cap = $13, total_cap = $14, geo_allow = $15, geo_deny = $16,
            hold_conversions = $17, status = $18, min_ctit_seconds = $19, fraud_policy = $20,
            review_browser = $21,
            paused_by = CASE WHEN $18 = 'paused' THEN paused_by END, updated_at = now()
         WHERE id = $1 RETURNING",
        [],
        id.0,
        f.name,
        f.description,
        f.category,
        f.url_template,
        f.fallback_url,
        f.preview_url,
        f.payout_model.as_str(),
        f.payout_amount,
        f.payout_percent,
        f.currency.code(),
        f.attribution_window_hours,
        f.daily_cap,
        f.total_cap,
        &codes(&f.geo_allow),
        &codes(&f.geo_deny),
        f.hold_conversions,
        to.as_str(),
        f.min_ctit_seconds,
        f.fraud_policy.as_str(),
        f.review_browser,
    )
    .fetch_one(&mut *tx)
    .await?;
    let detail = (to != status).then(|| format!("back to review: changed {}", reviewed.join(", ")));
    record(
        &mut tx,
        id,
        actor,
        Change::Edit,
        Some(status),
        Some(to),
        detail.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Moves an offer through the workflow (see `rules`), recording who did it.
pub(super) async fn transition(
    pool: &PgPool,
    tenant: Tenant,
    id: OfferId,
    action: Action,
    actor: (UserId, Actor),
    reason: Option<&str>,
) -> Result<OfferRow, MoveError> {
    let mut tx = pool.begin().await?;
    let current = get_for_update(&mut tx, tenant, id)
        .await?
        .ok_or(MoveError::NotFound)?;
    let from = current.status;
    let to = action.apply(from, actor.1, current.paused_by)?;
    let row = offer_rows!(
        "UPDATE offers SET status = $2, updated_at = now(),
            rejection_reason = CASE WHEN $2 = 'rejected' THEN $3 ELSE NULL END,
            paused_by = CASE WHEN $2 = 'paused' THEN $4 END
         WHERE id = $1 RETURNING",
        [],
        id.0,
        to.as_str(),
        reason,
        actor.1.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        id,
        actor.0,
        Change::Move(action),
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
    offer_id: OfferId,
    actor: UserId,
    change: Change,
    from: Option<OfferStatus>,
    to: Option<OfferStatus>,
    detail: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO offer_events (offer_id, actor_id, action, from_status, to_status, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
        offer_id.0,
        actor.0,
        change.as_str(),
        from.map(OfferStatus::as_str),
        to.map(OfferStatus::as_str),
        detail,
    )
    .execute(&mut **tx)
    .await?;
    if let (Some(from), Some(to)) = (from, to)
        && from != to
    {
        let advertiser_id = sqlx::query_scalar!(
            r#"SELECT advertiser_id AS "advertiser_id: AdvertiserId" FROM offers WHERE id = $1"#,
            offer_id.0
        )
        .fetch_one(&mut **tx)
        .await?;
        events::record(
            tx,
            EventKind::OfferStatusChanged,
            &OfferStatusChanged {
                offer_id,
                advertiser_id,
                from: from.as_str().to_owned(),
                to: to.as_str().to_owned(),
                actor_id: actor,
                reason: detail.map(str::to_owned),
            },
        )
        .await?;
    }
    Ok(())
}

/// One entry of an offer's history.
#[derive(Debug, Clone)]
pub(super) struct OfferEventRow {
    /// Who did it.
    pub actor_id: Option<UserId>,
    /// What happened.
    pub action: Change,
    /// Status before.
    pub from_status: Option<OfferStatus>,
    /// Status after.
    pub to_status: Option<OfferStatus>,
    /// The rejection reason, for rejections.
    pub detail: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// The history of an offer the tenant may see (oldest first); `None` if it may not see it.
pub(super) async fn history(
    pool: &PgPool,
    tenant: Tenant,
    id: OfferId,
) -> sqlx::Result<Option<Vec<OfferEventRow>>> {
    if get(pool, tenant, id).await?.is_none() {
        return Ok(None);
    }
    sqlx::query_as!(
        OfferEventRow,
        r#"SELECT actor_id AS "actor_id: UserId", action AS "action: Change",
            from_status AS "from_status: OfferStatus", to_status AS "to_status: OfferStatus",
            detail, at
         FROM offer_events WHERE offer_id = $1 ORDER BY id"#,
        id.0
    )
    .fetch_all(pool)
    .await
    .map(Some)
}
