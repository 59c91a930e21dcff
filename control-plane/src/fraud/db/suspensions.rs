//! Promoter suspensions: the state on `users` (`suspended_at`, `suspended_reason`) and every
//! change in `promoter_suspensions`, written together.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::kernel::{PromoterId, UserId};

/// What an admin did to a promoter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    /// Suspended it.
    Suspend,
    /// Reinstated it.
    Reinstate,
}

impl Action {
    /// The stored and wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
        }
    }
}

impl FromStr for Action {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "suspend" => Ok(Self::Suspend),
            "reinstate" => Ok(Self::Reinstate),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::stored_as_text!(Action);

/// A promoter's suspension state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    /// Since when it is suspended (none: it is not).
    pub suspended_at: Option<OffsetDateTime>,
    /// Why.
    pub suspended_reason: Option<String>,
}

/// One suspension or reinstatement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// Its id (the history runs newest first by it).
    pub id: i64,
    /// What was done.
    pub action: Action,
    /// Why.
    pub reason: String,
    /// The admin who did it.
    pub actor_id: Option<UserId>,
    /// When.
    pub at: OffsetDateTime,
}

/// Why a promoter could not be suspended or reinstated.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChangeError {
    /// No promoter has this id.
    #[error("no such promoter")]
    NotFound,
    /// Suspending a suspended promoter.
    #[error("the promoter is already suspended")]
    AlreadySuspended,
    /// Reinstating a promoter that is not suspended.
    #[error("the promoter is not suspended")]
    NotSuspended,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Suspends or reinstates `promoter` on behalf of `actor`, recording why: the state and the
/// history row in one transaction, under the promoter's row lock (two admins acting at once
/// get one change and one conflict).
pub(crate) async fn change(
    pool: &PgPool,
    promoter: PromoterId,
    actor: UserId,
    action: Action,
    reason: &str,
) -> Result<(State, Change), ChangeError> {
    let mut tx = pool.begin().await?;
    let current = sqlx::query_scalar!(
        r#"SELECT suspended_at FROM users WHERE id = $1 AND role = 'promoter' FOR UPDATE"#,
        promoter.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ChangeError::NotFound)?;
    match (action, current) {
        (Action::Suspend, Some(_)) => return Err(ChangeError::AlreadySuspended),
        (Action::Reinstate, None) => return Err(ChangeError::NotSuspended),
        _ => {}
    }
    let suspend = action == Action::Suspend;
    let state = sqlx::query_as!(
        State,
        r#"UPDATE users
           SET suspended_at = CASE WHEN $2 THEN now() END,
               suspended_reason = CASE WHEN $2 THEN $3 END
           WHERE id = $1
           RETURNING suspended_at, suspended_reason"#,
        promoter.0,
        suspend,
        reason,
    )
    .fetch_one(&mut *tx)
    .await?;
    super::state::moved(&mut tx).await?;
    let change = sqlx::query_as!(
        Change,
        r#"INSERT INTO promoter_suspensions (promoter_id, actor_id, action, reason)
           VALUES ($1, $2, $3, $4)
           RETURNING id, action AS "action: Action", reason,
                     actor_id AS "actor_id: UserId", at"#,
        promoter.0,
        actor.0,
        action.as_str(),
        reason,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((state, change))
}

/// The suspension state of `promoter`; `None` if no promoter has this id.
pub(crate) async fn state(pool: &PgPool, promoter: PromoterId) -> sqlx::Result<Option<State>> {
    sqlx::query_as!(
        State,
        r#"SELECT suspended_at, suspended_reason FROM users WHERE id = $1 AND role = 'promoter'"#,
        promoter.0
    )
    .fetch_optional(pool)
    .await
}

/// The changes of `promoter`, newest first, those before id `before` (the cursor).
pub(crate) async fn history(
    pool: &PgPool,
    promoter: PromoterId,
    before: Option<i64>,
    limit: u32,
) -> sqlx::Result<Vec<Change>> {
    sqlx::query_as!(
        Change,
        r#"SELECT id, action AS "action: Action", reason, actor_id AS "actor_id: UserId", at
           FROM promoter_suspensions
           WHERE promoter_id = $1 AND ($2::bigint IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3"#,
        promoter.0,
        before,
        i64::from(limit),
    )
    .fetch_all(pool)
    .await
}

/// Every suspended promoter (what scoring holds in memory; few, and read again only when a
/// suspension changes).
pub(crate) async fn all_suspended(
    conn: &mut sqlx::PgConnection,
) -> sqlx::Result<HashSet<PromoterId>> {
    let rows = sqlx::query_scalar!(
        r#"SELECT id AS "id: PromoterId" FROM users WHERE suspended_at IS NOT NULL"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Whether `promoter` is suspended (false for an id that is no promoter).
pub async fn is_suspended(
    exec: impl sqlx::PgExecutor<'_>,
    promoter: PromoterId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND suspended_at IS NOT NULL)
           AS "suspended!""#,
        promoter.0,
    )
    .fetch_one(exec)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in [Action::Suspend, Action::Reinstate] {
            assert_eq!(a.as_str().parse(), Ok(a));
            assert_eq!(
                serde_json::to_string(&a).ok(),
                Some(format!("\"{}\"", a.as_str()))
            );
        }
        assert_eq!("ban".parse::<Action>(), Err(()));
    }
}
