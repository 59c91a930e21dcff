//! Filtered traffic by reason (`stats_filtered`, per UTC day): the edge's verdicts and the
//! fraud reasons of ok clicks, for the caller's scope.

use sqlx::PgPool;
use time::Date;

use crate::kernel::{AdvertiserId, OfferId, PromoterId, Tenant};

/// Clicks of one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReasonCount {
    /// A verdict (`bot`, …) or a fraud reason (`click_flood`, …).
    pub reason: String,
    /// Clicks.
    pub clicks: i64,
}

/// The filtered clicks of a range of UTC days (inclusive) by reason, and all clicks of the
/// range (counted and filtered), for `tenant` and the optional offer and promoter.
pub(crate) async fn by_reason(
    pool: &PgPool,
    tenant: Tenant,
    (from, to): (Date, Date),
    offer_id: Option<OfferId>,
    promoter_id: Option<PromoterId>,
) -> sqlx::Result<(Vec<ReasonCount>, i64)> {
    let (advertiser, promoter) = match tenant {
        Tenant::Admin => (None, promoter_id),
        Tenant::Advertiser(a) => (Some(a), promoter_id),
        // A promoter sees its own: another promoter's id finds nothing.
        Tenant::Promoter(p) => (
            None,
            Some(if promoter_id.is_some_and(|other| other != p) {
                PromoterId(-1)
            } else {
                p
            }),
        ),
    };
    let reasons = sqlx::query_as!(
        ReasonCount,
        r#"SELECT reason, sum(clicks)::bigint AS "clicks!" FROM stats_filtered
         WHERE day >= $1 AND day <= $2
           AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
           AND ($5::bigint IS NULL OR offer_id = $5)
         GROUP BY reason HAVING sum(clicks) <> 0 ORDER BY 2 DESC, 1"#,
        from,
        to,
        advertiser.map(|a: AdvertiserId| a.0),
        promoter.map(|p| p.0),
        offer_id.map(|o| o.0),
    )
    .fetch_all(pool)
    .await?;
    let start = from.midnight().assume_utc();
    let end = to.next_day().unwrap_or(to).midnight().assume_utc();
    let total = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(clicks + filtered_clicks), 0)::bigint AS "n!" FROM stats_clicks
         WHERE bucket >= $1 AND bucket < $2
           AND ($3::bigint IS NULL OR advertiser_id = $3) AND ($4::bigint IS NULL OR promoter_id = $4)
           AND ($5::bigint IS NULL OR offer_id = $5)"#,
        start,
        end,
        advertiser.map(|a| a.0),
        promoter.map(|p| p.0),
        offer_id.map(|o| o.0),
    )
    .fetch_one(pool)
    .await?;
    Ok((reasons, total))
}
