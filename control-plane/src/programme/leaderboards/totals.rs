//! The boards in Postgres (`leaderboard_totals`): moved with the ledger in its transaction,
//! recomputed from the ledger by a rebuild, copied to Redis by the syncer, and read when Redis
//! cannot answer.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::programme::leaderboards::rules::Board;

/// Adds the ledger entries `ids` (just written) to their promoters' boards, and to the teams
/// their promoters were in when they were written, for all time, their month and their week.
pub(crate) async fn add(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // In key order, so two writers lock the rows in one order.
    sqlx::query!(
        r#"WITH e AS (
             SELECT l.promoter_id, l.points, date_trunc('milliseconds', l.created_at) AS at,
                    m.team_id
             FROM points_ledger l
             LEFT JOIN team_memberships m ON m.promoter_id = l.promoter_id
                  AND m.joined_at <= l.created_at AND (m.left_at IS NULL OR l.created_at < m.left_at)
             WHERE l.id = ANY($1)
           ), p AS (
             SELECT e.*, x.period FROM e CROSS JOIN LATERAL (VALUES ('all'),
                 ('month:' || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM')),
                 ('week:' || to_char(e.at AT TIME ZONE 'UTC', 'IYYY-"W"IW'))) AS x(period)
           ), s AS (
             SELECT 'promoters' AS board, period, promoter_id AS subject_id, points, at FROM p
             UNION ALL
             SELECT 'teams', period, team_id, points, at FROM p WHERE team_id IS NOT NULL
           ), sums AS (
             SELECT board, period, subject_id, sum(points)::bigint AS points, max(at) AS at
             FROM s GROUP BY board, period, subject_id
           )
           INSERT INTO leaderboard_totals AS t (board, period, subject_id, points, reached_at, version)
           SELECT board, period, subject_id, points, at, nextval('leaderboard_versions')
           FROM sums ORDER BY board, period, subject_id
           ON CONFLICT (board, period, subject_id) DO UPDATE
             SET points = t.points + excluded.points,
                 reached_at = greatest(t.reached_at, excluded.reached_at),
                 version = excluded.version, dirty = true"#,
        ids,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a disbanded team off the boards (the syncer removes it from Redis, then the rows).
pub(crate) async fn remove_team(conn: &mut PgConnection, team: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE leaderboard_totals
         SET gone = true, dirty = true, version = nextval('leaderboard_versions')
         WHERE board = 'teams' AND subject_id = $1",
        team,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Recomputes the boards of all time, this month and this week from the ledger and the
/// memberships, in one transaction; writers of the ledger wait for it, so nothing is counted
/// twice or missed (and readers of these rows wait too: the table is emptied with TRUNCATE,
/// which is what makes the recount fast). Returns the rows made.
pub(crate) async fn recompute(db: &PgPool) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    // Writers hold it from their first change of a total to their commit: once it is ours,
    // every entry committed before is in the ledger we read, and every later one adds to the
    // totals we write.
    sqlx::query!("LOCK TABLE leaderboard_totals IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    sqlx::query!("TRUNCATE leaderboard_totals")
        .execute(&mut *tx)
        .await?;
    let made = sqlx::query!(
        r#"WITH e AS (
             SELECT l.promoter_id, l.points, date_trunc('milliseconds', l.created_at) AS at,
                    tm.id AS team_id
             FROM points_ledger l
             LEFT JOIN team_memberships m ON m.promoter_id = l.promoter_id
                  AND m.joined_at <= l.created_at AND (m.left_at IS NULL OR l.created_at < m.left_at)
             LEFT JOIN teams tm ON tm.id = m.team_id AND tm.disbanded_at IS NULL
           ), p AS (
             SELECT e.*, x.period FROM e CROSS JOIN LATERAL (VALUES ('all'),
                 ('month:' || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM')),
                 ('week:' || to_char(e.at AT TIME ZONE 'UTC', 'IYYY-"W"IW'))) AS x(period)
             WHERE x.period IN ('all', 'month:' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'),
                                'week:' || to_char(now() AT TIME ZONE 'UTC', 'IYYY-"W"IW'))
           ), s AS (
             SELECT 'promoters' AS board, period, promoter_id AS subject_id, points, at FROM p
             UNION ALL
             SELECT 'teams', period, team_id, points, at FROM p WHERE team_id IS NOT NULL
           )
           INSERT INTO leaderboard_totals (board, period, subject_id, points, reached_at, version, dirty)
           SELECT board, period, subject_id, sum(points)::bigint, max(at), 0, false
           FROM s GROUP BY board, period, subject_id
           ORDER BY board, period, subject_id"#,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(made)
}

/// Forgets the boards of past months and weeks (nothing reads them), except rows the syncer
/// has still to look at. Returns how many rows went.
pub(crate) async fn forget_past(db: &PgPool, current: &[String]) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM leaderboard_totals WHERE period <> ALL($1) AND NOT dirty",
        current,
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A subject's place on a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub subject_id: i64,
    pub points: i64,
    pub reached_at: OffsetDateTime,
}

/// A row the syncer copies.
#[derive(Debug, Clone)]
pub(crate) struct Dirty {
    pub board: String,
    pub period: String,
    pub subject_id: i64,
    pub points: i64,
    pub reached_at: OffsetDateTime,
    pub version: i64,
    pub gone: bool,
}

/// Up to `limit` rows changed since the syncer last copied them, oldest change first.
pub(crate) async fn dirty(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Dirty>> {
    sqlx::query_as!(
        Dirty,
        "SELECT board, period, subject_id, points, reached_at, version, gone
         FROM leaderboard_totals WHERE dirty ORDER BY version LIMIT $1",
        limit,
    )
    .fetch_all(conn)
    .await
}

/// Marks `rows` copied, unless they changed again meanwhile; deletes the copied gone ones.
pub(crate) async fn copied(conn: &mut PgConnection, rows: &[Dirty]) -> sqlx::Result<()> {
    let boards: Vec<&str> = rows.iter().map(|r| r.board.as_str()).collect();
    let periods: Vec<&str> = rows.iter().map(|r| r.period.as_str()).collect();
    let subjects: Vec<i64> = rows.iter().map(|r| r.subject_id).collect();
    let versions: Vec<i64> = rows.iter().map(|r| r.version).collect();
    sqlx::query!(
        "WITH r AS (
           SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS r(b, p, s, v)
         ), forgotten AS (
           DELETE FROM leaderboard_totals t USING r
           WHERE t.board = r.b AND t.period = r.p AND t.subject_id = r.s AND t.version = r.v
             AND t.gone
         )
         UPDATE leaderboard_totals t SET dirty = false FROM r
         WHERE t.board = r.b AND t.period = r.p AND t.subject_id = r.s AND t.version = r.v
           AND NOT t.gone",
        &boards as &[&str],
        &periods as &[&str],
        &subjects,
        &versions,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Every row of a board and period (what a Redis rebuild copies), in no order.
pub(crate) async fn all_rows(
    conn: &mut PgConnection,
    board: Board,
    period: &str,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as!(
        Row,
        "SELECT subject_id, points, reached_at FROM leaderboard_totals
         WHERE board = $1 AND period = $2 AND NOT gone",
        board.as_str(),
        period,
    )
    .fetch_all(conn)
    .await
}

/// How many are on a board.
pub(crate) async fn count(db: &PgPool, board: Board, period: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM leaderboard_totals
           WHERE board = $1 AND period = $2 AND NOT gone"#,
        board.as_str(),
        period,
    )
    .fetch_one(db)
    .await
}

/// `limit` rows of a board from the 0-based position `offset`, best first.
pub(crate) async fn page(
    db: &PgPool,
    board: Board,
    period: &str,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as!(
        Row,
        "SELECT subject_id, points, reached_at FROM leaderboard_totals
         WHERE board = $1 AND period = $2 AND NOT gone
         ORDER BY points DESC, reached_at, subject_id OFFSET $3 LIMIT $4",
        board.as_str(),
        period,
        offset,
        limit,
    )
    .fetch_all(db)
    .await
}

/// A subject's row and 0-based position on a board (none when it has no points there).
pub(crate) async fn position(
    db: &PgPool,
    board: Board,
    period: &str,
    subject: i64,
) -> sqlx::Result<Option<(Row, i64)>> {
    let Some(row) = sqlx::query_as!(
        Row,
        "SELECT subject_id, points, reached_at FROM leaderboard_totals
         WHERE board = $1 AND period = $2 AND subject_id = $3 AND NOT gone",
        board.as_str(),
        period,
        subject,
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let ahead = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM leaderboard_totals
           WHERE board = $1 AND period = $2 AND NOT gone
             AND (points > $3 OR (points = $3 AND (reached_at, subject_id) < ($4, $5)))"#,
        board.as_str(),
        period,
        row.points,
        row.reached_at,
        subject,
    )
    .fetch_one(db)
    .await?;
    Ok(Some((row, ahead)))
}

/// The names shown for `ids` on a board: promoters' display names, teams' names.
pub(crate) async fn names(
    db: &PgPool,
    board: Board,
    ids: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, String>> {
    let rows = match board {
        Board::Promoters => sqlx::query!(
            r#"SELECT id, display_name AS "name!" FROM users WHERE id = ANY($1)"#,
            ids
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect(),
        Board::Teams => sqlx::query!(
            r#"SELECT id, name AS "name!" FROM teams WHERE id = ANY($1)"#,
            ids
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect(),
    };
    Ok(rows)
}

/// The team a promoter is in now.
pub(crate) async fn current_team(db: &PgPool, promoter: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT team_id FROM team_memberships WHERE promoter_id = $1 AND left_at IS NULL",
        promoter,
    )
    .fetch_optional(db)
    .await
}
