use sqlx::{FromRow, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::accounts::Role;
use crate::kernel::error::{ApiError, is_unique_violation};

/// A user, with the name of its advertiser when it has one.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    /// Id (the promoter id of a promoter's links).
    pub id: i64,
    /// Email as registered.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role name.
    pub role: String,
    /// Name shown to others.
    pub display_name: String,
    /// Company of an advertiser user.
    pub advertiser_id: Option<i64>,
    /// Company name.
    pub advertiser_name: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
}

impl UserRow {
    /// The role (rows only hold valid names).
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Promoter)
    }
}

const SELECT: &str =
    "SELECT u.id, u.email, u.password_hash, u.role, u.display_name, u.advertiser_id,
        a.name AS advertiser_name, u.created_at
    FROM users u LEFT JOIN advertisers a ON a.id = u.advertiser_id";

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
pub async fn create(pool: &PgPool, new: NewUser<'_>) -> Result<UserRow, ApiError> {
    let mut tx = pool.begin().await?;
    let advertiser_id = match (new.role, new.company) {
        (Role::Advertiser, Some(company)) => Some(
            sqlx::query_scalar::<_, i64>("INSERT INTO advertisers (name) VALUES ($1) RETURNING id")
                .bind(company)
                .fetch_one(&mut *tx)
                .await?,
        ),
        (Role::Advertiser, None) => {
            return Err(ApiError::field(
                "company_name",
                "is required for advertisers",
            ));
        }
        _ => None,
    };
    let id = insert(&mut tx, &new, advertiser_id).await?;
    tx.commit().await?;
    by_id(pool, id)
        .await?
        .ok_or_else(|| ApiError::internal("new user vanished"))
}

async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    new: &NewUser<'_>,
    advertiser_id: Option<i64>,
) -> Result<i64, ApiError> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, password_hash, role, display_name, advertiser_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(new.email)
    .bind(new.password_hash)
    .bind(new.role.as_str())
    .bind(new.display_name)
    .bind(advertiser_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, Some("users_email_unique")) {
            ApiError::conflict("email_taken", "an account with this email exists")
        } else {
            e.into()
        }
    })
}

/// The user with this email (any case).
pub(crate) async fn by_email(pool: &PgPool, email: &str) -> Result<Option<UserRow>, ApiError> {
    Ok(
        sqlx::query_as::<_, UserRow>(&format!("{SELECT} WHERE lower(u.email) = lower($1)"))
            .bind(email)
            .fetch_optional(pool)
            .await?,
    )
}

/// The user with this id.
pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<UserRow>, ApiError> {
    Ok(
        sqlx::query_as::<_, UserRow>(&format!("{SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}
