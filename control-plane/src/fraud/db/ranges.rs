//! The imported ranges in Postgres (`fraud_ranges`, `fraud_range_imports`).

use ipnet::IpNet;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::fraud::ranges::{PrefixTable, RangeKind, RangeSet};

/// Every kind's ranges and the id of the latest import (0 before the first), read in the
/// caller's snapshot.
pub(crate) async fn load(conn: &mut PgConnection) -> sqlx::Result<RangeSet> {
    let generation =
        sqlx::query_scalar!(r#"SELECT coalesce(max(id), 0) AS "id!" FROM fraud_range_imports"#)
            .fetch_one(&mut *conn)
            .await?;
    let rows = sqlx::query!(
        r#"SELECT kind AS "kind: RangeKind", range AS "range: IpNet" FROM fraud_ranges"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let (mut datacenter, mut vpn) = (Vec::new(), Vec::new());
    for row in rows {
        match row.kind {
            RangeKind::Datacenter => datacenter.push(row.range),
            RangeKind::Vpn => vpn.push(row.range),
        }
    }
    Ok(RangeSet {
        generation,
        datacenter: PrefixTable::new(datacenter),
        vpn: PrefixTable::new(vpn),
    })
}

/// Rows per insert: 10,000 ranges are about 200 kB of parameters, and a full list (tens of
/// thousands) goes in a handful of statements.
const INSERT_CHUNK: usize = 10_000;

/// What an import replaced its kind with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The import's id: the generation every control plane reloads at.
    pub id: i64,
    /// The distinct ranges the kind now holds.
    pub ranges: usize,
    /// The ranges the kind held before.
    pub replaced: usize,
}

/// Replaces a kind's ranges with `nets` (deduplicated here; host bits must already be
/// cleared, as [`crate::fraud::parse_ranges`] does) in one transaction, and records the
/// import: every reader sees the old set or the new one, never a mix, and every control
/// plane reloads at the import's id.
pub async fn import(
    pool: &PgPool,
    kind: RangeKind,
    nets: Vec<IpNet>,
    sources: &[String],
    skipped: usize,
) -> sqlx::Result<Imported> {
    let nets = crate::fraud::ranges::distinct(nets);
    let count = to_i32(nets.len())?;
    let skipped = to_i32(skipped)?;
    let mut tx = pool.begin().await?;
    // One import at a time: two imports of one kind would otherwise both delete the old
    // rows and then collide inserting the same new ones. Readers (SELECT) are not blocked.
    sqlx::query!("LOCK TABLE fraud_ranges IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let replaced = sqlx::query!("DELETE FROM fraud_ranges WHERE kind = $1", kind.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    for chunk in nets.chunks(INSERT_CHUNK) {
        // Sent as inet[] (sqlx encodes IpNet as inet) and cast: every range is a network.
        sqlx::query!(
            "INSERT INTO fraud_ranges (kind, range) SELECT $1, r::cidr FROM unnest($2::inet[]) AS r",
            kind.as_str(),
            chunk as &[IpNet],
        )
        .execute(&mut *tx)
        .await?;
    }
    super::state::moved(&mut tx).await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO fraud_range_imports (kind, ranges, skipped, sources) VALUES ($1, $2, $3, $4)
         RETURNING id",
        kind.as_str(),
        count,
        skipped,
        sources,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Imported {
        id,
        ranges: nets.len(),
        replaced: usize::try_from(replaced).unwrap_or(usize::MAX),
    })
}

fn to_i32(n: usize) -> sqlx::Result<i32> {
    i32::try_from(n).map_err(|_| sqlx::Error::Protocol(format!("{n} ranges are too many")))
}

/// One kind's ranges as stored, and its latest import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSummary {
    /// The kind.
    pub kind: RangeKind,
    /// Its ranges.
    pub ranges: i64,
    /// Of which IPv4.
    pub ipv4: i64,
    /// Of which IPv6.
    pub ipv6: i64,
    /// Its latest import, if it had one.
    pub last_import: Option<ImportRecord>,
}

/// An import as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// Its id.
    pub id: i64,
    /// When it committed.
    pub imported_at: OffsetDateTime,
    /// The bad lines it skipped (`--skip-invalid`).
    pub skipped: i32,
    /// The files it read, as named on the command line.
    pub sources: Vec<String>,
}

/// Every kind (those never imported too), in [`RangeKind::ALL`]'s order.
pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<KindSummary>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let counts = sqlx::query!(
        r#"SELECT kind AS "kind: RangeKind",
                  count(*) AS "ranges!",
                  count(*) FILTER (WHERE family(range) = 4) AS "ipv4!",
                  count(*) FILTER (WHERE family(range) = 6) AS "ipv6!"
           FROM fraud_ranges GROUP BY kind"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let imports = sqlx::query!(
        r#"SELECT DISTINCT ON (kind) id, kind AS "kind: RangeKind", imported_at, skipped, sources
           FROM fraud_range_imports ORDER BY kind, id DESC"#
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(RangeKind::ALL
        .into_iter()
        .map(|kind| {
            let count = counts.iter().find(|c| c.kind == kind);
            KindSummary {
                kind,
                ranges: count.map_or(0, |c| c.ranges),
                ipv4: count.map_or(0, |c| c.ipv4),
                ipv6: count.map_or(0, |c| c.ipv6),
                last_import: imports
                    .iter()
                    .find(|i| i.kind == kind)
                    .map(|i| ImportRecord {
                        id: i.id,
                        imported_at: i.imported_at,
                        skipped: i.skipped,
                        sources: i.sources.clone(),
                    }),
            }
        })
        .collect())
}
