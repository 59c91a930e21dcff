use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::accounts::Role;
use crate::kernel::error::is_unique_violation;
use crate::kernel::{AdvertiserId, UserId, text};

/// A user, with the name of its advertiser when it has one.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id (the promoter id of a promoter's links).
    pub id: UserId,
    /// Email as registered.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Name shown to others.
    pub display_name: String,
    /// Company of an advertiser user.
    pub advertiser_id: Option<AdvertiserId>,
    /// Company name.
    pub advertiser_name: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// When the email was verified (admins count as verified from their creation).
    pub email_verified_at: Option<OffsetDateTime>,
    /// Since when a promoter is suspended (fraud review), if it is.
    pub suspended_at: Option<OffsetDateTime>,
    /// Why it is suspended.
    pub suspended_reason: Option<String>,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// An account with this email exists (in any case).
    #[error("an account with this email exists")]
    EmailTaken,
    /// An advertiser account needs its company's name.
    #[error("an advertiser needs a company name")]
    CompanyMissing,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A user row: the one column list every read uses (`$rest` follows the join).
macro_rules! select_user {
    ($rest:literal, $($arg:expr),*) => {
        sqlx::query_as!(
            UserRow,
            r#"SELECT u.id AS "id: UserId", u.email, u.password_hash, u.role AS "role: Role",
                u.display_name, u.advertiser_id AS "advertiser_id: AdvertiserId",
                a.name AS "advertiser_name?", u.created_at, u.email_verified_at,
                u.suspended_at, u.suspended_reason
            FROM users u LEFT JOIN advertisers a ON a.id = u.advertiser_id "# + $rest,
            $($arg),*
        )
    };
}

/// A new account.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Email.
    pub email: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Role.
    pub role: Role,
    /// Display name.
    pub display_name: &'a str,
    /// Company name, for advertisers (a new advertiser is created with it).
    pub company: Option<&'a str>,
}

/// Creates the user (and its advertiser). The email is refused if taken, case-insensitively.
pub async fn create(pool: &PgPool, new: NewUser<'_>) -> Result<UserRow, CreateError> {
    let mut tx = pool.begin().await?;
    let advertiser_id = match (new.role, new.company) {
        (Role::Advertiser, Some(company)) => Some(
            sqlx::query_scalar!(
                r#"INSERT INTO advertisers (name) VALUES ($1) RETURNING id AS "id: AdvertiserId""#,
                company
            )
            .fetch_one(&mut *tx)
            .await?,
        ),
        (Role::Advertiser, None) => return Err(CreateError::CompanyMissing),
        _ => None,
    };
    let id = insert(&mut tx, &new, advertiser_id).await?;
    let row = select_user!("WHERE u.id = $1", id.0)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(row)
}

async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    new: &NewUser<'_>,
    advertiser_id: Option<AdvertiserId>,
) -> Result<UserId, CreateError> {
    sqlx::query_scalar!(
        // Admins are made by an operator (`afftok admin create`): their email counts as
        // verified.
        r#"INSERT INTO users (email, password_hash, role, display_name, advertiser_id,
                              email_verified_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 = 'admin' THEN now() END)
         RETURNING id AS "id: UserId""#,
        new.email,
        new.password_hash,
        new.role.as_str(),
        new.display_name,
        advertiser_id.map(|a| a.0),
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, Some("users_email_unique")) {
            CreateError::EmailTaken
        } else {
            e.into()
        }
    })
}

/// The user with this email (any case).
pub(crate) async fn by_email(pool: &PgPool, email: &str) -> sqlx::Result<Option<UserRow>> {
    select_user!("WHERE lower(u.email) = lower($1)", email)
        .fetch_optional(pool)
        .await
}

/// The user with this id.
pub async fn by_id(pool: &PgPool, id: UserId) -> sqlx::Result<Option<UserRow>> {
    select_user!("WHERE u.id = $1", id.0)
        .fetch_optional(pool)
        .await
}

/// What a user changes about themselves; `None` keeps the value.
#[derive(Debug, Default)]
pub(crate) struct ProfileChange<'a> {
    /// New display name.
    pub display_name: Option<&'a str>,
    /// New name of the user's advertiser (advertiser users only: others have none to rename).
    pub company_name: Option<&'a str>,
}

/// Applies `change` to the user (and renames its advertiser) in one transaction; the user
/// as it is afterwards, `None` if it no longer exists.
pub(crate) async fn update_profile(
    pool: &PgPool,
    id: UserId,
    change: &ProfileChange<'_>,
) -> sqlx::Result<Option<UserRow>> {
    let mut tx = pool.begin().await?;
    let advertiser_id = sqlx::query_scalar!(
        r#"UPDATE users SET display_name = coalesce($2, display_name) WHERE id = $1
         RETURNING advertiser_id AS "advertiser_id: AdvertiserId""#,
        id.0,
        change.display_name,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(advertiser_id) = advertiser_id else {
        return Ok(None);
    };
    if let (Some(advertiser), Some(name)) = (advertiser_id, change.company_name) {
        sqlx::query!(
            "UPDATE advertisers SET name = $2 WHERE id = $1",
            advertiser.0,
            name
        )
        .execute(&mut *tx)
        .await?;
    }
    let row = select_user!("WHERE u.id = $1", id.0)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(row))
}

/// Replaces the user's password hash, in the caller's transaction (which also ends the
/// user's other sessions); false if the user no longer exists.
pub(crate) async fn set_password_hash(
    tx: &mut sqlx::PgConnection,
    id: UserId,
    password_hash: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        id.0,
        password_hash
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Filters for listing users (admins).
#[derive(Debug, Default)]
pub(crate) struct ListFilter<'a> {
    /// Only this role.
    pub role: Option<Role>,
    /// Only users whose email or display name contains this text, in any case, literally.
    pub text: Option<&'a str>,
    /// Ids below this one (the cursor: the list runs newest first).
    pub before_id: Option<UserId>,
    /// Page size.
    pub limit: u32,
}

/// Users newest first (by id, which follows creation order).
pub(crate) async fn list(pool: &PgPool, filter: &ListFilter<'_>) -> sqlx::Result<Vec<UserRow>> {
    select_user!(
        r#"WHERE ($1::text IS NULL OR u.role = $1)
            AND ($2::text IS NULL OR u.email ILIKE $2 ESCAPE '\'
                 OR u.display_name ILIKE $2 ESCAPE '\')
            AND ($3::bigint IS NULL OR u.id < $3)
          ORDER BY u.id DESC LIMIT $4"#,
        filter.role.map(Role::as_str),
        filter.text.map(text::contains_pattern),
        filter.before_id.map(|id| id.0),
        i64::from(filter.limit)
    )
    .fetch_all(pool)
    .await
}

/// Whether the user's email is verified; `None` if there is no such user.
pub(crate) async fn email_verified(pool: &PgPool, id: UserId) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar!(
        r#"SELECT email_verified_at IS NOT NULL AS "verified!" FROM users WHERE id = $1"#,
        id.0
    )
    .fetch_optional(pool)
    .await
}

/// Marks the user's email verified (keeping the first time it was); false if there is no such
/// user.
pub(crate) async fn mark_verified(tx: &mut sqlx::PgConnection, id: UserId) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
        id.0
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What marking an email verified by hand found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkedVerified {
    /// Verified now.
    Now(UserId),
    /// It already was.
    Already(UserId),
    /// No account has this email.
    NoSuchAccount,
}

/// Marks the email of the account with this email (any case) verified: `afftok admin
/// verify-email`.
pub async fn mark_verified_by_email(pool: &PgPool, email: &str) -> sqlx::Result<MarkedVerified> {
    let row = sqlx::query!(
        r#"UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now())
         FROM users prev
         WHERE lower(u.email) = lower($1) AND prev.id = u.id
         RETURNING u.id AS "id: UserId", prev.email_verified_at IS NOT NULL AS "was!""#,
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) if r.was => MarkedVerified::Already(r.id),
        Some(r) => MarkedVerified::Now(r.id),
        None => MarkedVerified::NoSuchAccount,
    })
}
