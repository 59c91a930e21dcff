//! The version of what click scoring holds in memory (`fraud_state`): the imported ranges and
//! the suspended promoters, loaded again whenever it moved.

use std::collections::HashSet;

use sqlx::{PgConnection, PgPool};

use crate::fraud::ranges::RangeSet;
use crate::kernel::PromoterId;

/// What scoring holds, as of one version.
#[derive(Debug)]
pub struct Held {
    /// The version it was loaded at.
    pub version: i64,
    /// The imported ranges.
    pub ranges: RangeSet,
    /// The suspended promoters.
    pub suspended: HashSet<PromoterId>,
}

/// Moves the version, in the transaction that changes the ranges or a suspension. Its row
/// lock makes such transactions commit in the order they move it.
pub(crate) async fn moved(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("UPDATE fraud_state SET version = version + 1")
        .execute(conn)
        .await?;
    Ok(())
}

/// The version now.
pub(crate) async fn version(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!("SELECT version FROM fraud_state")
        .fetch_one(pool)
        .await
}

/// The ranges and the suspended promoters with their version, read in one snapshot.
pub(crate) async fn load(pool: &PgPool) -> sqlx::Result<Held> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let version = sqlx::query_scalar!("SELECT version FROM fraud_state")
        .fetch_one(&mut *tx)
        .await?;
    let ranges = super::ranges::load(&mut tx).await?;
    let suspended = super::suspensions::all_suspended(&mut tx).await?;
    tx.commit().await?;
    Ok(Held {
        version,
        ranges,
        suspended,
    })
}
