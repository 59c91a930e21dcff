//! Endpoints (webhooks and promoter postbacks): created, read, changed and deleted within
//! their owner's tenancy; secrets sealed with the key-encryption key.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;

use crate::kernel::crypto;
use crate::kernel::{AdvertiserId, OfferId, PromoterId, Tenant, UserId};

/// What an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Signed JSON POSTs of event types.
    Webhook,
    /// A promoter's postback URL template, fired with GET.
    Postback,
}

impl Kind {
    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Postback => "postback",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "webhook" => Ok(Self::Webhook),
            "postback" => Ok(Self::Postback),
            _ => Err(()),
        }
    }
}

crate::stored_as_text!(Kind);

/// An endpoint as stored (without its secrets).
#[derive(Debug, Clone)]
pub(crate) struct EndpointRow {
    pub id: i64,
    pub advertiser_id: Option<AdvertiserId>,
    pub promoter_id: Option<PromoterId>,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub offer_id: Option<OfferId>,
    pub on_reversal: bool,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<OffsetDateTime>,
    pub failing_since: Option<OffsetDateTime>,
    pub previous_secret_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The owner columns of a tenant's endpoints: (admin, advertiser, promoter). An admin owns
/// the platform's endpoints (no advertiser, no promoter) and sees every endpoint.
pub(crate) fn owner(tenant: Tenant) -> (bool, Option<i64>, Option<i64>) {
    match tenant {
        Tenant::Admin => (true, None, None),
        Tenant::Advertiser(a) => (false, Some(a.0), None),
        Tenant::Promoter(p) => (false, None, Some(p.0)),
    }
}

/// What a new endpoint is.
#[derive(Debug, Clone)]
pub(crate) struct NewEndpoint {
    pub kind: Kind,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub offer_id: Option<OfferId>,
    pub on_reversal: bool,
}

/// The associated data a secret is sealed with: it cannot be moved to another endpoint.
fn sealed_for(id: i64) -> Vec<u8> {
    format!("webhook-endpoint:{id}").into_bytes()
}

/// Why an endpoint cannot be created.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CreateError {
    /// The promoter has a postback for that offer (or for all offers) already.
    #[error("a postback exists for that offer already")]
    PostbackExists,
    /// Sealing failed.
    #[error("{0}")]
    Seal(String),
    /// The database.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates an endpoint for `tenant` (a webhook gets a new secret, returned once).
pub(crate) async fn create(
    db: &PgPool,
    tenant: Tenant,
    by: UserId,
    new: &NewEndpoint,
    kek: &[u8; 32],
) -> Result<(EndpointRow, Option<[u8; 32]>), CreateError> {
    let (_, advertiser, promoter) = owner(tenant);
    let mut tx = db.begin().await?;
    // The id first: the secret is sealed for it.
    let id = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('webhook_endpoints', 'id')) AS "id!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let (secret, nonce, sealed) = match new.kind {
        Kind::Webhook => {
            let secret = crate::webhooks::rules::new_secret();
            let (nonce, sealed) =
                crypto::seal_for(kek, &sealed_for(id), &secret).map_err(CreateError::Seal)?;
            (Some(secret), Some(nonce), Some(sealed))
        }
        Kind::Postback => (None, None, None),
    };
    let inserted = sqlx::query!(
        "INSERT INTO webhook_endpoints (id, kind, advertiser_id, promoter_id, created_by, url,
            description, event_types, offer_id, on_reversal, secret_nonce, secret_sealed)
         OVERRIDING SYSTEM VALUE
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        id,
        new.kind.as_str(),
        advertiser,
        promoter,
        by.0,
        new.url,
        new.description,
        &new.event_types,
        new.offer_id.map(|o| o.0),
        new.on_reversal,
        nonce,
        sealed,
    )
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return Err(
            if crate::kernel::error::is_unique_violation(
                &e,
                Some("webhook_endpoints_postback_offer"),
            ) {
                CreateError::PostbackExists
            } else {
                e.into()
            },
        );
    }
    let row = get(&mut *tx, Tenant::Admin, new.kind, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    tx.commit().await?;
    Ok((row, secret))
}

/// One endpoint of `kind` that `tenant` may see.
pub(crate) async fn get<'e>(
    db: impl PgExecutor<'e>,
    tenant: Tenant,
    kind: Kind,
    id: i64,
) -> Result<Option<EndpointRow>, sqlx::Error> {
    let (admin, advertiser, promoter) = owner(tenant);
    sqlx::query_as!(
        EndpointRow,
        r#"SELECT id, advertiser_id AS "advertiser_id: AdvertiserId",
                  promoter_id AS "promoter_id: PromoterId", url, description, event_types,
                  offer_id AS "offer_id: OfferId", on_reversal, enabled, disabled_reason,
                  disabled_at, failing_since, previous_secret_until, created_at, updated_at
           FROM webhook_endpoints
           WHERE id = $1 AND kind = $2 AND ($3 OR advertiser_id = $4 OR promoter_id = $5)"#,
        id,
        kind.as_str(),
        admin,
        advertiser,
        promoter,
    )
    .fetch_optional(db)
    .await
}

/// A page of `tenant`'s endpoints of `kind`, by id.
pub(crate) async fn list(
    db: &PgPool,
    tenant: Tenant,
    kind: Kind,
    enabled: Option<bool>,
    after_id: Option<i64>,
    limit: u32,
) -> Result<Vec<EndpointRow>, sqlx::Error> {
    let (admin, advertiser, promoter) = owner(tenant);
    sqlx::query_as!(
        EndpointRow,
        r#"SELECT id, advertiser_id AS "advertiser_id: AdvertiserId",
                  promoter_id AS "promoter_id: PromoterId", url, description, event_types,
                  offer_id AS "offer_id: OfferId", on_reversal, enabled, disabled_reason,
                  disabled_at, failing_since, previous_secret_until, created_at, updated_at
           FROM webhook_endpoints
           WHERE kind = $1 AND ($2 OR advertiser_id = $3 OR promoter_id = $4)
             AND ($5::boolean IS NULL OR enabled = $5) AND id > $6
           ORDER BY id LIMIT $7"#,
        kind.as_str(),
        admin,
        advertiser,
        promoter,
        enabled,
        after_id.unwrap_or(0),
        i64::from(limit),
    )
    .fetch_all(db)
    .await
}

/// Changes to an endpoint (absent: unchanged).
#[derive(Debug, Clone, Default)]
pub(crate) struct Changes {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub on_reversal: Option<bool>,
    pub enabled: Option<bool>,
}

/// Applies `changes`; enabling clears the failure record, disabling by its owner records
/// why. `None` when `tenant` has no such endpoint.
pub(crate) async fn update(
    db: &PgPool,
    tenant: Tenant,
    kind: Kind,
    id: i64,
    changes: &Changes,
) -> Result<Option<EndpointRow>, sqlx::Error> {
    let (admin, advertiser, promoter) = owner(tenant);
    let mut tx = db.begin().await?;
    let updated = sqlx::query!(
        "UPDATE webhook_endpoints SET
            url = COALESCE($6, url),
            description = COALESCE($7, description),
            event_types = COALESCE($8, event_types),
            on_reversal = COALESCE($9, on_reversal),
            enabled = COALESCE($10, enabled),
            disabled_reason = CASE WHEN $10 IS NULL THEN disabled_reason
                                   WHEN $10 THEN NULL
                                   WHEN enabled THEN 'owner' ELSE disabled_reason END,
            disabled_at = CASE WHEN $10 IS NULL THEN disabled_at
                               WHEN $10 THEN NULL
                               WHEN enabled THEN now() ELSE disabled_at END,
            failing_since = CASE WHEN $10 THEN NULL ELSE failing_since END,
            updated_at = now()
         WHERE id = $1 AND kind = $2 AND ($3 OR advertiser_id = $4 OR promoter_id = $5)",
        id,
        kind.as_str(),
        admin,
        advertiser,
        promoter,
        changes.url,
        changes.description,
        changes.event_types.as_deref(),
        changes.on_reversal,
        changes.enabled,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    let row = get(&mut *tx, tenant, kind, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes an endpoint with its messages and their attempts; whether there was one.
///
/// The delete locks the endpoint and then, by cascade, its messages, while the sender settles
/// an attempt by locking its messages and then the endpoint: when the two meet, Postgres ends
/// one of them to break the deadlock. The delete then runs again (the sender's settlement, if
/// it was the one ended, is retried by its lease).
pub(crate) async fn delete(
    db: &PgPool,
    tenant: Tenant,
    kind: Kind,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let (admin, advertiser, promoter) = owner(tenant);
    let mut tries = 0;
    loop {
        tries += 1;
        let deleted = sqlx::query!(
            "DELETE FROM webhook_endpoints
             WHERE id = $1 AND kind = $2 AND ($3 OR advertiser_id = $4 OR promoter_id = $5)",
            id,
            kind.as_str(),
            admin,
            advertiser,
            promoter,
        )
        .execute(db)
        .await;
        match deleted {
            Err(e) if tries < 3 && crate::kernel::error::is_deadlock(&e) => continue,
            deleted => return Ok(deleted?.rows_affected() == 1),
        }
    }
}

/// Gives a webhook a new secret (returned once); the current one keeps signing beside it
/// until `now + grace`. `None` when `tenant` has no such webhook.
pub(crate) async fn rotate_secret(
    db: &PgPool,
    tenant: Tenant,
    id: i64,
    kek: &[u8; 32],
    grace: time::Duration,
) -> Result<Option<(EndpointRow, [u8; 32])>, CreateError> {
    let secret = crate::webhooks::rules::new_secret();
    let (nonce, sealed) =
        crypto::seal_for(kek, &sealed_for(id), &secret).map_err(CreateError::Seal)?;
    let (admin, advertiser, promoter) = owner(tenant);
    let mut tx = db.begin().await?;
    let updated = sqlx::query!(
        "UPDATE webhook_endpoints SET
            previous_secret_nonce = secret_nonce, previous_secret_sealed = secret_sealed,
            previous_secret_until = now() + make_interval(secs => $6),
            secret_nonce = $7, secret_sealed = $8, updated_at = now()
         WHERE id = $1 AND kind = $2 AND ($3 OR advertiser_id = $4 OR promoter_id = $5)",
        id,
        Kind::Webhook.as_str(),
        admin,
        advertiser,
        promoter,
        grace.as_seconds_f64(),
        nonce,
        sealed,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    let row = get(&mut *tx, tenant, Kind::Webhook, id).await?;
    tx.commit().await?;
    Ok(row.map(|r| (r, secret)))
}

/// The secrets a webhook signs with now: the current one, and the previous one during a
/// rotation. Empty when they cannot be opened (another key-encryption key).
pub(crate) fn open_secrets(
    kek: &[u8; 32],
    id: i64,
    current: Option<(&[u8], &[u8])>,
    previous: Option<(&[u8], &[u8])>,
) -> Vec<Vec<u8>> {
    [current, previous]
        .into_iter()
        .flatten()
        .filter_map(|(nonce, sealed)| crypto::open_for(kek, &sealed_for(id), nonce, sealed))
        .collect()
}

/// An enabled endpoint as the fan-out needs it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub id: i64,
    pub kind: Kind,
    pub advertiser_id: Option<AdvertiserId>,
    pub promoter_id: Option<PromoterId>,
    pub url: String,
    pub event_types: Vec<String>,
    pub offer_id: Option<OfferId>,
    pub on_reversal: bool,
    /// Events recorded before it was made are not its business.
    pub created_at: OffsetDateTime,
}

/// Every enabled endpoint.
pub(crate) async fn enabled_targets<'e>(
    db: impl PgExecutor<'e>,
) -> Result<Vec<Target>, sqlx::Error> {
    sqlx::query_as!(
        Target,
        r#"SELECT id, kind AS "kind: Kind", advertiser_id AS "advertiser_id: AdvertiserId",
                  promoter_id AS "promoter_id: PromoterId", url, event_types,
                  offer_id AS "offer_id: OfferId", on_reversal, created_at
           FROM webhook_endpoints WHERE enabled ORDER BY id"#
    )
    .fetch_all(db)
    .await
}
