//! Monthly partitions of `clicks` (UTC months), created ahead of time by the sweeper. A click
//! outside every partition lands in `clicks_default`, so none is ever refused; when its month's
//! partition is created later, such rows are moved into it in the same transaction (Postgres
//! refuses to create a partition while the default partition holds rows of its range).

use sqlx::PgPool;
use time::OffsetDateTime;

/// Creates the partitions of this month and the next `ahead` months that do not exist yet.
pub async fn ensure(pool: &PgPool, ahead: u8) -> sqlx::Result<()> {
    let today = OffsetDateTime::now_utc().date();
    let (mut year, mut month) = (today.year(), u8::from(today.month()));
    for _ in 0..=ahead {
        let next = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        if let Err(e) = create(pool, (year, month), next).await {
            tracing::warn!(year, month, error = %e, "click partition not created");
        }
        (year, month) = next;
    }
    Ok(())
}

async fn create(
    pool: &PgPool,
    (year, month): (i32, u8),
    (next_year, next_month): (i32, u8),
) -> sqlx::Result<()> {
    let name = format!("clicks_y{year}m{month:02}");
    let exists = sqlx::query_scalar!(r#"SELECT to_regclass($1) IS NOT NULL AS "exists!""#, &name)
        .fetch_one(pool)
        .await?;
    if exists {
        return Ok(());
    }
    let from = format!("{year:04}-{month:02}-01 00:00:00+00");
    let to = format!("{next_year:04}-{next_month:02}-01 00:00:00+00");
    let mut tx = pool.begin().await?;
    sqlx::query!("CREATE TEMP TABLE moving_clicks (LIKE clicks) ON COMMIT DROP")
        .execute(&mut *tx)
        .await?;
    // The statements on `moving_clicks` stay unchecked: the table exists only in this
    // transaction, so the macros cannot look it up when they compile.
    let moved = sqlx::query(
        "WITH gone AS (DELETE FROM clicks_default WHERE ts >= $1::timestamptz AND ts < $2::timestamptz RETURNING *)
         INSERT INTO moving_clicks SELECT * FROM gone",
    )
    .bind(&from)
    .bind(&to)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // DDL takes no parameters: the name and bounds are written in, made of numbers only.
    sqlx::query(&format!(
        "CREATE TABLE {name} PARTITION OF clicks FOR VALUES FROM ('{from}') TO ('{to}')"
    ))
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO clicks SELECT * FROM moving_clicks")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if moved > 0 {
        tracing::info!(partition = %name, clicks = moved, "click partition created; clicks moved in from the default partition");
    }
    Ok(())
}

/// Keeps the click partitions of the next two months in place, hourly (start-up made them
/// for now).
pub async fn maintain(state: crate::app::AppState, mut stop: crate::app::jobs::Stop) {
    while !stop.after(std::time::Duration::from_secs(3600)).await {
        if let Err(e) = ensure(&state.db, 2).await {
            tracing::warn!(error = %e, "partition maintenance failed");
        }
    }
}
