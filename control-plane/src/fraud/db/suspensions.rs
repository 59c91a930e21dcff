//! Suspended promoters (`users.suspended_at`).

use std::collections::HashSet;

use crate::kernel::PromoterId;

/// Which of these promoters are suspended now.
pub(crate) async fn suspended_among(
    exec: impl sqlx::PgExecutor<'_>,
    promoters: &[PromoterId],
) -> sqlx::Result<HashSet<PromoterId>> {
    if promoters.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<i64> = promoters.iter().map(|p| p.0).collect();
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id: PromoterId" FROM users
         WHERE id = ANY($1) AND role = 'promoter' AND suspended_at IS NOT NULL"#,
        &ids,
    )
    .fetch_all(exec)
    .await?
    .into_iter()
    .collect())
}

/// Whether a promoter is suspended now.
pub async fn is_suspended(
    exec: impl sqlx::PgExecutor<'_>,
    promoter: PromoterId,
) -> sqlx::Result<bool> {
    Ok(!suspended_among(exec, &[promoter]).await?.is_empty())
}
