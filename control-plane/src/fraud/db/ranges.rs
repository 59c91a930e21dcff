//! The imported ranges in Postgres (`fraud_ranges`, `fraud_range_imports`).

use ipnet::IpNet;
use sqlx::PgPool;

use crate::fraud::ranges::{PrefixTable, RangeSet};

/// The id of the latest import (0 before the first): a set loaded after it is current.
pub(crate) async fn generation(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT coalesce(max(id), 0) AS "id!" FROM fraud_range_imports"#)
        .fetch_one(pool)
        .await
}

/// Every kind's ranges with the generation they are as of, read in one snapshot.
pub(crate) async fn load(pool: &PgPool) -> sqlx::Result<RangeSet> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let generation =
        sqlx::query_scalar!(r#"SELECT coalesce(max(id), 0) AS "id!" FROM fraud_range_imports"#)
            .fetch_one(&mut *tx)
            .await?;
    let rows = sqlx::query!(r#"SELECT kind, range AS "range: IpNet" FROM fraud_ranges"#)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let (mut datacenter, mut vpn) = (Vec::new(), Vec::new());
    for row in rows {
        match row.kind.as_str() {
            "datacenter" => datacenter.push(row.range),
            _ => vpn.push(row.range),
        }
    }
    Ok(RangeSet {
        generation,
        datacenter: PrefixTable::new(datacenter),
        vpn: PrefixTable::new(vpn),
    })
}
