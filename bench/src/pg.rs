//! The bench's own databases: created, migrated with `afftok migrate`, partitioned and
//! seeded, dropped afterwards (except the stats data set, which is kept for later runs).

use sqlx::{Connection as _, PgConnection, PgPool};
use time::{Date, Month, OffsetDateTime};

use crate::Ctx;

/// `DATABASE_URL` with another database name.
pub fn url_of(ctx: &Ctx, database: &str) -> String {
    match reqwest::Url::parse(&ctx.database_url) {
        Ok(mut url) => {
            url.set_path(&format!("/{database}"));
            url.to_string()
        }
        Err(_) => ctx.database_url.clone(),
    }
}

async fn admin(ctx: &Ctx) -> Result<PgConnection, String> {
    PgConnection::connect(&ctx.database_url)
        .await
        .map_err(|e| format!("connecting to DATABASE_URL: {e}"))
}

/// The server's version, as it says.
pub async fn server_version(ctx: &Ctx) -> Result<String, String> {
    let mut conn = admin(ctx).await?;
    sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| e.to_string())
}

/// Whether a database exists.
pub async fn exists(ctx: &Ctx, name: &str) -> Result<bool, String> {
    let mut conn = admin(ctx).await?;
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await
        .map_err(|e| e.to_string())
}

/// Drops a database if it exists.
pub async fn drop(ctx: &Ctx, name: &str) -> Result<(), String> {
    let mut conn = admin(ctx).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("dropping {name}: {e}"))?;
    Ok(())
}

/// A fresh database (dropped first if it exists), migrated by `afftok migrate`.
pub async fn fresh(ctx: &Ctx, name: &str) -> Result<PgPool, String> {
    drop(ctx, name).await?;
    let mut conn = admin(ctx).await?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("creating {name}: {e}"))?;
    let url = url_of(ctx, name);
    crate::procs::run(
        &ctx.afftok,
        &["migrate"],
        &[("DATABASE_URL".to_owned(), url.clone())],
    )
    .await?;
    PgPool::connect(&url)
        .await
        .map_err(|e| format!("connecting to {name}: {e}"))
}

/// Creates the monthly click partitions (named as the control plane names them) of every
/// month from `from` to `to`, so rows land where the service would put them.
pub async fn partitions(
    db: &PgPool,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<(), String> {
    let mut month =
        Date::from_calendar_date(from.year(), from.month(), 1).map_err(|e| e.to_string())?;
    let last = Date::from_calendar_date(to.year(), to.month(), 1).map_err(|e| e.to_string())?;
    while month <= last {
        let next = if month.month() == Month::December {
            Date::from_calendar_date(month.year() + 1, Month::January, 1)
        } else {
            Date::from_calendar_date(month.year(), month.month().next(), 1)
        }
        .map_err(|e| e.to_string())?;
        let name = format!("clicks_y{}m{:02}", month.year(), u8::from(month.month()));
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF clicks
             FOR VALUES FROM ('{month} 00:00:00+00') TO ('{next} 00:00:00+00')"
        ))
        .execute(db)
        .await
        .map_err(|e| format!("creating partition {name}: {e}"))?;
        month = next;
    }
    Ok(())
}

/// `advertisers` companies with `per` approved CPA offers each (2.50 USD, 30-day window);
/// returns (offer id, advertiser id) in creation order (the same ids in every fresh
/// database).
pub async fn seed_offers(
    db: &PgPool,
    advertisers: usize,
    per: usize,
) -> Result<Vec<(i64, i64)>, String> {
    let mut offers = Vec::new();
    for a in 0..advertisers {
        let advertiser: i64 =
            sqlx::query_scalar("INSERT INTO advertisers (name) VALUES ($1) RETURNING id")
                .bind(format!("Bench advertiser {a}"))
                .fetch_one(db)
                .await
                .map_err(|e| format!("seeding advertisers: {e}"))?;
        for o in 0..per {
            let offer: i64 = sqlx::query_scalar(
                "INSERT INTO offers (advertiser_id, name, category, url_template, payout_model, payout_amount,
                                     currency, attribution_window_hours, status)
                 VALUES ($1, $2, 'shopping', 'https://shop.example/?cid={click_id}', 'cpa', 2.50, 'USD', 720, 'approved')
                 RETURNING id",
            )
            .bind(advertiser)
            .bind(format!("Bench offer {a}.{o}"))
            .fetch_one(db)
            .await
            .map_err(|e| format!("seeding offers: {e}"))?;
            offers.push((offer, advertiser));
        }
    }
    Ok(offers)
}
