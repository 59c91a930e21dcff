//! Clicks as stored: lists for the API and CSV export. Stats never read this table.

use afftok_shared::Verdict;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::fraud::rules::FraudFilter;
use crate::kernel::{AdvertiserId, ClickId, OfferId, PromoterId, Tenant};

/// A click's verdict as stored (checked text, migration 14): `afftok_shared::Verdict` is
/// another crate's type, so the sqlx traits that read it straight from a row are on this
/// wrapper. It is written with `Verdict::as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StoredVerdict(pub Verdict);

impl StoredVerdict {
    fn as_str(self) -> &'static str {
        self.0.as_str()
    }
}

impl std::str::FromStr for StoredVerdict {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        Verdict::parse(name).map(StoredVerdict).ok_or(())
    }
}

crate::stored_as_text!(StoredVerdict);

/// A stored click.
#[derive(Debug, Clone)]
pub(super) struct ClickRow {
    /// Click id.
    pub id: ClickId,
    /// When.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// The edge's verdict.
    pub verdict: StoredVerdict,
    /// First of its visitor that UTC day.
    pub is_unique: bool,
    /// Visitor country.
    pub country: Option<String>,
    /// sub1…sub5.
    pub sub1: Option<String>,
    /// sub2.
    pub sub2: Option<String>,
    /// sub3.
    pub sub3: Option<String>,
    /// sub4.
    pub sub4: Option<String>,
    /// sub5.
    pub sub5: Option<String>,
    /// Referer.
    pub referer: Option<String>,
    /// Which edge.
    pub edge: String,
    /// Fraud reasons.
    pub fraud: Vec<String>,
    /// Sandbox traffic.
    pub test: bool,
}

/// The one place a tenant becomes SQL for clicks: `$1` advertiser, `$2` promoter.
fn visible(tenant: Tenant) -> (Option<AdvertiserId>, Option<PromoterId>) {
    match tenant {
        Tenant::Admin => (None, None),
        Tenant::Advertiser(a) => (Some(a), None),
        Tenant::Promoter(p) => (None, Some(p)),
    }
}

/// Filters for the click list.
#[derive(Debug, Clone)]
pub(super) struct ListFilter {
    /// Only this offer.
    pub offer_id: Option<OfferId>,
    /// Only this verdict.
    pub verdict: Option<Verdict>,
    /// Only clicks with (or without) fraud reasons.
    pub fraud: Option<FraudFilter>,
    /// From (inclusive).
    pub from: OffsetDateTime,
    /// To (exclusive).
    pub to: OffsetDateTime,
    /// Only test (true) or live (false) clicks; `None`: both.
    pub test: Option<bool>,
    /// After this position (newest first).
    pub before: Option<(OffsetDateTime, ClickId)>,
    /// Page size.
    pub limit: i64,
}

/// The tenant's clicks in a time range, newest first (the range prunes partitions).
pub(super) async fn list(
    pool: &PgPool,
    tenant: Tenant,
    f: &ListFilter,
) -> sqlx::Result<Vec<ClickRow>> {
    let (a, p) = visible(tenant);
    let (before_ts, before_id) = f.before.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    sqlx::query_as!(
        ClickRow,
        r#"SELECT id AS "id: ClickId", ts, offer_id AS "offer_id: OfferId",
            promoter_id AS "promoter_id: PromoterId", verdict AS "verdict: StoredVerdict",
            is_unique, country, sub1, sub2, sub3, sub4, sub5, referer, edge, fraud, test
         FROM clicks
         WHERE ($1::bigint IS NULL OR advertiser_id = $1) AND ($2::bigint IS NULL OR promoter_id = $2)
           AND ($3::bigint IS NULL OR offer_id = $3) AND ($4::text IS NULL OR verdict = $4)
           AND ts >= $5 AND ts < $6
           AND ($7::timestamptz IS NULL OR (ts, id) < ($7, $8))
           AND ($10::text IS NULL OR ($10 = 'any' AND fraud <> '{}') OR ($10 = 'none' AND fraud = '{}')
                OR fraud @> ARRAY[$10])
           AND ($11::bool IS NULL OR test = $11)
         ORDER BY ts DESC, id DESC LIMIT $9"#,
        a.map(|a| a.0),
        p.map(|p| p.0),
        f.offer_id.map(|o| o.0),
        f.verdict.map(Verdict::as_str),
        f.from,
        f.to,
        before_ts,
        before_id.map(|i| i.0),
        f.limit,
        f.fraud.map(FraudFilter::as_str),
        f.test,
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migration_allows_every_verdict() {
        let sql = include_str!("../../../migrations/20261205000014_clicks_verdict_check.sql");
        for verdict in Verdict::ALL {
            assert!(
                sql.contains(&format!("'{}'", verdict.as_str())),
                "{verdict:?}"
            );
        }
    }

    #[test]
    fn stored_verdicts_read_back_as_written() {
        for verdict in Verdict::ALL {
            let stored = StoredVerdict(verdict);
            assert_eq!(stored.as_str().parse::<StoredVerdict>(), Ok(stored));
        }
        assert_eq!("OK".parse::<StoredVerdict>(), Err(()));
    }
}
