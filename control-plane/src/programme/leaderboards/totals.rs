//! The boards in Postgres (`leaderboard_totals`): moved with the ledger in its transaction,
//! recomputed from the ledger by a rebuild, copied to Redis by the syncer, and read when Redis
//! cannot answer. Every change of a total also writes a row to `leaderboard_changes`, which
//! the syncer takes when it copies.

use std::collections::BTreeMap;

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::programme::leaderboards::rules::{Board, Period};

/// A ledger entry just written, as the boards count it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paid {
    pub promoter_id: i64,
    pub points: i64,
    /// When it was written (`points_ledger.created_at`).
    pub at: OffsetDateTime,
}

/// The advisory lock every writer of the points (the ledger with its sums, and the boards)
/// holds until it commits: one writer at a time, so a statement may lock the rows it moves in
/// any order (an `UPDATE` joined to its input does) without two writers waiting on each other
/// in a circle. Writers are the points consumer (one round at a time anyway) and the rarer
/// adjustments, disbands and the forgetting of past periods, which wait at most one round.
const WRITERS: i64 = 0x6166_746f_6b50_5731; // "aftokPW1"

/// Takes the points writers' lock until the transaction ends (a second call in the same
/// transaction returns at once).
pub(crate) async fn lock_writers(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", WRITERS)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds ledger entries just written to their promoters' boards, and to the teams their
/// promoters were in when they were written, for all time, their month and their week, and
/// notes each subject whose totals changed for the syncer. Call it holding the writers' lock
/// (`programme::db::apply`, its one caller, takes it first): its `UPDATE` locks rows in no
/// set order.
pub(crate) async fn add(conn: &mut PgConnection, paid: &[Paid]) -> sqlx::Result<()> {
    // Entries written by one statement share their time (`created_at` is the transaction's),
    // so each time is one statement, with its periods named here, and its points summed by
    // promoter first.
    let mut by_time: BTreeMap<OffsetDateTime, BTreeMap<i64, i64>> = BTreeMap::new();
    for p in paid {
        *by_time
            .entry(p.at)
            .or_default()
            .entry(p.promoter_id)
            .or_default() += p.points;
    }
    for (at, sums) in by_time {
        let periods: Vec<String> = Period::ALL.iter().map(|p| p.key_at(at)).collect();
        let (promoters, points): (Vec<i64>, Vec<i64>) = sums.into_iter().unzip();
        // Totals that exist are updated in place (an `UPDATE` costs half of what an upsert
        // that finds its row does, which locks the row first: README "Performance"); the
        // statement answers how many it moved of how many it should have.
        let moved = sqlx::query!(
            r#"WITH s AS (
                 SELECT * FROM leaderboard_subjects($1::bigint[], $2::bigint[], $3::timestamptz)
               ), u AS (
                 SELECT s.board, p.period, s.subject_id, s.points
                 FROM s CROSS JOIN UNNEST($4::text[]) AS p(period)
               ), moved AS (
                 UPDATE leaderboard_totals t
                 SET points = t.points + u.points,
                     reached_at = greatest(t.reached_at, date_trunc('milliseconds', $3::timestamptz))
                 FROM u
                 WHERE t.board = u.board AND t.period = u.period AND t.subject_id = u.subject_id
                 RETURNING 1
               ), noted AS (
                 INSERT INTO leaderboard_changes (board, subject_id)
                 SELECT board, subject_id FROM s
               )
               SELECT (SELECT count(*) FROM moved) AS "moved!", (SELECT count(*) FROM u) AS "rows!""#,
            &promoters,
            &points,
            at,
            &periods,
        )
        .fetch_one(&mut *conn)
        .await?;
        if moved.moved == moved.rows {
            continue;
        }
        // The first points of a subject in a period: its rows are made (the ones just moved
        // exist now and are left out).
        sqlx::query!(
            r#"INSERT INTO leaderboard_totals AS t (board, period, subject_id, points, reached_at)
               SELECT s.board, p.period, s.subject_id, s.points,
                      date_trunc('milliseconds', $3::timestamptz)
               FROM leaderboard_subjects($1::bigint[], $2::bigint[], $3::timestamptz) AS s
               CROSS JOIN UNNEST($4::text[]) AS p(period)
               WHERE NOT EXISTS (SELECT 1 FROM leaderboard_totals x
                                 WHERE x.board = s.board AND x.period = p.period
                                   AND x.subject_id = s.subject_id)
               ON CONFLICT (board, period, subject_id) DO UPDATE
                 SET points = t.points + excluded.points,
                     reached_at = greatest(t.reached_at, excluded.reached_at)"#,
            &promoters,
            &points,
            at,
            &periods,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes a disbanded team off the boards (the syncer removes it from Redis, then the rows),
/// with the writers' lock.
pub(crate) async fn remove_team(conn: &mut PgConnection, team: i64) -> sqlx::Result<()> {
    lock_writers(conn).await?;
    sqlx::query!(
        "WITH gone AS (
           UPDATE leaderboard_totals SET gone = true
           WHERE board = 'teams' AND subject_id = $1
           RETURNING board, subject_id
         )
         INSERT INTO leaderboard_changes (board, subject_id)
         SELECT DISTINCT board, subject_id FROM gone",
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
           INSERT INTO leaderboard_totals (board, period, subject_id, points, reached_at)
           SELECT board, period, subject_id, sum(points)::bigint, max(at)
           FROM s GROUP BY board, period, subject_id
           ORDER BY board, period, subject_id"#,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(made)
}

/// Forgets the boards of past months and weeks (nothing reads them, and Redis holds only the
/// current ones), with the writers' lock. Returns how many rows went.
pub(crate) async fn forget_past(db: &PgPool, current: &[String]) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    lock_writers(&mut tx).await?;
    let gone = sqlx::query!(
        "DELETE FROM leaderboard_totals WHERE period <> ALL($1)",
        current,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(gone)
}

/// A subject's place on a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub subject_id: i64,
    pub points: i64,
    pub reached_at: OffsetDateTime,
}

/// A total the syncer copies, as it is now (none: no longer on the board).
#[derive(Debug, Clone)]
pub(crate) struct Changed {
    pub board: String,
    pub period: String,
    pub subject_id: i64,
    pub now: Option<(i64, OffsetDateTime)>,
    pub gone: bool,
}

/// Takes up to `limit` noted changes (in the caller's transaction: rolled back, they stay)
/// and reads the totals of the subjects they name in `periods`, in one snapshot, so every
/// change taken is in what is read (a subject without a total in a period comes back with
/// none there). Returns the totals and how many changes were taken (`limit`: there may be
/// more).
pub(crate) async fn take_changes(
    conn: &mut PgConnection,
    limit: i64,
    periods: &[String],
) -> sqlx::Result<(Vec<Changed>, i64)> {
    let rows = sqlx::query!(
        r#"WITH taken AS (
             DELETE FROM leaderboard_changes
             WHERE ctid = ANY (ARRAY(SELECT ctid FROM leaderboard_changes LIMIT $1))
             RETURNING board, subject_id
           ), k AS (SELECT DISTINCT board, subject_id FROM taken)
           SELECT k.board AS "board!", p.period AS "period!", k.subject_id AS "subject_id!",
                  t.points AS "points?", t.reached_at AS "reached_at?",
                  coalesce(t.gone, false) AS "gone!", (SELECT count(*) FROM taken) AS "taken!"
           FROM k CROSS JOIN UNNEST($2::text[]) AS p(period)
           LEFT JOIN leaderboard_totals t
             ON t.board = k.board AND t.period = p.period AND t.subject_id = k.subject_id"#,
        limit,
        periods,
    )
    .fetch_all(conn)
    .await?;
    let taken = rows.first().map_or(0, |r| r.taken);
    let changed = rows
        .into_iter()
        .map(|r| Changed {
            now: match (r.points, r.reached_at, r.gone) {
                (Some(points), Some(at), false) => Some((points, at)),
                _ => None,
            },
            board: r.board,
            period: r.period,
            subject_id: r.subject_id,
            gone: r.gone,
        })
        .collect();
    Ok((changed, taken))
}

/// Deletes the gone totals among `rows` once Redis has forgotten them.
pub(crate) async fn forget_gone(conn: &mut PgConnection, rows: &[Changed]) -> sqlx::Result<()> {
    let gone: Vec<&Changed> = rows.iter().filter(|r| r.gone).collect();
    if gone.is_empty() {
        return Ok(());
    }
    let boards: Vec<&str> = gone.iter().map(|r| r.board.as_str()).collect();
    let periods: Vec<&str> = gone.iter().map(|r| r.period.as_str()).collect();
    let subjects: Vec<i64> = gone.iter().map(|r| r.subject_id).collect();
    sqlx::query!(
        "DELETE FROM leaderboard_totals t
         USING UNNEST($1::text[], $2::text[], $3::bigint[]) AS r(b, p, s)
         WHERE t.board = r.b AND t.period = r.p AND t.subject_id = r.s AND t.gone",
        &boards as &[&str],
        &periods as &[&str],
        &subjects,
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
