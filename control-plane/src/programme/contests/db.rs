//! Contests in Postgres. Every change of state locks the contest's row first, so it is
//! decided on the state it finds (an entry made while the contest finishes waits for the
//! finish, then sees it over).

use std::collections::HashMap;

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::kernel::{AdvertiserId, PromoterId, UserId};
use crate::programme::contests::rules::{self, Action, Draft, Kind, Metric, Status};

/// A contest with its offers, how many entered, and whether the caller did.
#[derive(Debug, Clone)]
pub(crate) struct ContestRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_by: UserId,
    pub advertiser_id: Option<AdvertiserId>,
    pub kind: Kind,
    pub metric: Metric,
    pub currency: Option<String>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub status: Status,
    pub cancel_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
    pub offer_ids: Vec<i64>,
    pub entrants: i64,
    /// The caller (a promoter) or its current team entered.
    pub entered: bool,
}

/// A prize.
#[derive(Debug, Clone)]
pub(crate) struct PrizeRow {
    pub rank: i32,
    pub prize: String,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
}

/// A place in the standings, live or frozen.
#[derive(Debug, Clone)]
pub(crate) struct StandingRow {
    pub rank: i32,
    pub entry_id: i64,
    pub promoter_id: Option<PromoterId>,
    pub team_id: Option<i64>,
    /// The promoter's display name or the team's name.
    pub name: String,
    pub score: Decimal,
    pub reached_at: Option<OffsetDateTime>,
    pub entered_at: OffsetDateTime,
    pub prize: Option<PrizeRow>,
}

/// An entry.
#[derive(Debug, Clone)]
pub(crate) struct EntryRow {
    pub id: i64,
    pub promoter_id: Option<PromoterId>,
    pub team_id: Option<i64>,
    pub entered_at: OffsetDateTime,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ContestError {
    #[error("no such contest")]
    NotFound,
    #[error("{0}")]
    Illegal(&'static str),
    #[error("the contest has ended")]
    EndsInPast,
    #[error("not in a team")]
    NoTeam,
    #[error("not the team's owner")]
    NotTeamOwner,
    #[error("not entered")]
    NotEntered,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Which contests a list shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    /// Only this advertiser's (advertisers see their own only).
    pub advertiser: Option<AdvertiserId>,
    /// Hide drafts (promoters).
    pub published_only: bool,
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub metric: Option<Metric>,
    /// Only those this promoter (or its current team) entered.
    pub entered_by: Option<PromoterId>,
    /// The caller, when a promoter (for `entered`).
    pub caller: Option<PromoterId>,
}

/// A contest by id, as `caller` (a promoter, for `entered`) sees it.
pub(crate) async fn get<'e>(
    db: impl sqlx::PgExecutor<'e>,
    id: i64,
    caller: Option<PromoterId>,
) -> sqlx::Result<Option<ContestRow>> {
    sqlx::query_as!(
        ContestRow,
        r#"SELECT c.id, c.name, c.description, c.created_by AS "created_by: UserId",
                  c.advertiser_id AS "advertiser_id: AdvertiserId", c.kind AS "kind: Kind",
                  c.metric AS "metric: Metric", c.currency, c.starts_at, c.ends_at,
                  c.status AS "status: Status", c.cancel_reason, c.created_at, c.published_at,
                  c.started_at, c.finished_at, c.cancelled_at,
                  ARRAY(SELECT o.offer_id FROM contest_offers o WHERE o.contest_id = c.id ORDER BY o.offer_id) AS "offer_ids!",
                  (SELECT count(*) FROM contest_entries e WHERE e.contest_id = c.id) AS "entrants!",
                  ($2::bigint IS NOT NULL AND EXISTS (
                      SELECT 1 FROM contest_entries e WHERE e.contest_id = c.id
                        AND (e.promoter_id = $2 OR e.team_id = (SELECT m.team_id FROM team_memberships m
                                                                WHERE m.promoter_id = $2 AND m.left_at IS NULL)))) AS "entered!"
           FROM contests c WHERE c.id = $1"#,
        id,
        caller.map(|p| p.0),
    )
    .fetch_optional(db)
    .await
}

/// A page of contests, newest first, after `before` (an id).
pub(crate) async fn list(
    db: &PgPool,
    f: &Filter,
    before: Option<i64>,
    limit: u32,
) -> sqlx::Result<Vec<ContestRow>> {
    sqlx::query_as!(
        ContestRow,
        r#"SELECT c.id, c.name, c.description, c.created_by AS "created_by: UserId",
                  c.advertiser_id AS "advertiser_id: AdvertiserId", c.kind AS "kind: Kind",
                  c.metric AS "metric: Metric", c.currency, c.starts_at, c.ends_at,
                  c.status AS "status: Status", c.cancel_reason, c.created_at, c.published_at,
                  c.started_at, c.finished_at, c.cancelled_at,
                  ARRAY(SELECT o.offer_id FROM contest_offers o WHERE o.contest_id = c.id ORDER BY o.offer_id) AS "offer_ids!",
                  (SELECT count(*) FROM contest_entries e WHERE e.contest_id = c.id) AS "entrants!",
                  ($2::bigint IS NOT NULL AND EXISTS (
                      SELECT 1 FROM contest_entries e WHERE e.contest_id = c.id
                        AND (e.promoter_id = $2 OR e.team_id = (SELECT m.team_id FROM team_memberships m
                                                                WHERE m.promoter_id = $2 AND m.left_at IS NULL)))) AS "entered!"
           FROM contests c
           WHERE c.id < $1
             AND ($3::bigint IS NULL OR c.advertiser_id = $3)
             AND (NOT $4 OR c.status <> 'draft')
             AND ($5::text IS NULL OR c.status = $5)
             AND ($6::text IS NULL OR c.kind = $6)
             AND ($7::text IS NULL OR c.metric = $7)
             AND ($8::bigint IS NULL OR EXISTS (
                      SELECT 1 FROM contest_entries e WHERE e.contest_id = c.id
                        AND (e.promoter_id = $8 OR e.team_id = (SELECT m.team_id FROM team_memberships m
                                                                WHERE m.promoter_id = $8 AND m.left_at IS NULL))))
           ORDER BY c.id DESC LIMIT $9"#,
        before.unwrap_or(i64::MAX),
        f.caller.map(|p| p.0),
        f.advertiser.map(|a| a.0),
        f.published_only,
        f.status.map(Status::as_str),
        f.kind.map(Kind::as_str),
        f.metric.map(Metric::as_str),
        f.entered_by.map(|p| p.0),
        i64::from(limit),
    )
    .fetch_all(db)
    .await
}

/// The prizes of a contest, by rank.
pub(crate) async fn prizes(conn: &mut PgConnection, contest: i64) -> sqlx::Result<Vec<PrizeRow>> {
    sqlx::query_as!(
        PrizeRow,
        "SELECT rank, prize, amount, currency FROM contest_prizes WHERE contest_id = $1 ORDER BY rank",
        contest
    )
    .fetch_all(conn)
    .await
}

/// The ids among `offers` that do not exist, or (for an advertiser) are not its own.
pub(crate) async fn foreign_offers(
    db: &PgPool,
    offers: &[i64],
    advertiser: Option<AdvertiserId>,
) -> sqlx::Result<Vec<i64>> {
    if offers.is_empty() {
        return Ok(vec![]);
    }
    sqlx::query_scalar!(
        r#"SELECT k AS "id!" FROM UNNEST($1::bigint[]) AS k
           WHERE NOT EXISTS (SELECT 1 FROM offers o WHERE o.id = k
                                AND ($2::bigint IS NULL OR o.advertiser_id = $2))
           ORDER BY k"#,
        offers,
        advertiser.map(|a| a.0),
    )
    .fetch_all(db)
    .await
}

async fn write_parts(conn: &mut PgConnection, id: i64, d: &Draft) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM contest_offers WHERE contest_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM contest_prizes WHERE contest_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO contest_offers (contest_id, offer_id) SELECT $1, UNNEST($2::bigint[])",
        id,
        &d.offer_ids,
    )
    .execute(&mut *conn)
    .await?;
    let ranks: Vec<i32> = d.prizes.iter().map(|p| p.rank).collect();
    let texts: Vec<String> = d.prizes.iter().map(|p| p.prize.trim().to_owned()).collect();
    let amounts: Vec<Option<Decimal>> = d
        .prizes
        .iter()
        .map(|p| p.amount.as_ref().map(|a| a.0))
        .collect();
    let currencies: Vec<Option<String>> = d
        .prizes
        .iter()
        .map(|p| p.amount.as_ref().map(|a| a.1.clone()))
        .collect();
    sqlx::query!(
        "INSERT INTO contest_prizes (contest_id, rank, prize, amount, currency)
         SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::numeric[], $5::text[])",
        id,
        &ranks,
        &texts,
        &amounts as &[Option<Decimal>],
        &currencies as &[Option<String>],
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates a draft.
pub(crate) async fn create(
    db: &PgPool,
    by: UserId,
    advertiser: Option<AdvertiserId>,
    d: &Draft,
) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO contests (name, description, created_by, advertiser_id, kind, metric, currency, starts_at, ends_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        d.name,
        d.description,
        by.0,
        advertiser.map(|a| a.0),
        d.kind.as_str(),
        d.metric.as_str(),
        d.currency,
        d.starts_at,
        d.ends_at,
    )
    .fetch_one(&mut *tx)
    .await?;
    write_parts(&mut tx, id, d).await?;
    tx.commit().await?;
    Ok(id)
}

/// The state of a contest, its row locked until the transaction ends.
async fn lock(conn: &mut PgConnection, id: i64) -> Result<(Status, OffsetDateTime), ContestError> {
    let row = sqlx::query!(
        r#"SELECT status AS "status: Status", ends_at FROM contests WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(ContestError::NotFound)?;
    Ok((row.status, row.ends_at))
}

fn check(status: Status, action: Action) -> Result<(), ContestError> {
    rules::allowed(status, action).map_err(ContestError::Illegal)
}

/// Changes a draft.
pub(crate) async fn update(db: &PgPool, id: i64, d: &Draft) -> Result<(), ContestError> {
    let mut tx = db.begin().await?;
    check(lock(&mut tx, id).await?.0, Action::Edit)?;
    sqlx::query!(
        "UPDATE contests SET name = $2, description = $3, kind = $4, metric = $5, currency = $6,
                starts_at = $7, ends_at = $8, updated_at = now() WHERE id = $1",
        id,
        d.name,
        d.description,
        d.kind.as_str(),
        d.metric.as_str(),
        d.currency,
        d.starts_at,
        d.ends_at,
    )
    .execute(&mut *tx)
    .await?;
    write_parts(&mut tx, id, d).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a draft.
pub(crate) async fn delete(db: &PgPool, id: i64) -> Result<(), ContestError> {
    let mut tx = db.begin().await?;
    check(lock(&mut tx, id).await?.0, Action::Delete)?;
    sqlx::query!("DELETE FROM contests WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes a draft whose end is still ahead.
pub(crate) async fn publish(db: &PgPool, id: i64) -> Result<(), ContestError> {
    let mut tx = db.begin().await?;
    let (status, ends_at) = lock(&mut tx, id).await?;
    check(status, Action::Publish)?;
    let now = sqlx::query_scalar!(r#"SELECT now() AS "now!""#)
        .fetch_one(&mut *tx)
        .await?;
    if ends_at <= now {
        return Err(ContestError::EndsInPast);
    }
    sqlx::query!(
        "UPDATE contests SET status = 'scheduled', published_at = now(), updated_at = now() WHERE id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Calls a contest off.
pub(crate) async fn cancel(db: &PgPool, id: i64, reason: &str) -> Result<(), ContestError> {
    let mut tx = db.begin().await?;
    check(lock(&mut tx, id).await?.0, Action::Cancel)?;
    sqlx::query!(
        "UPDATE contests SET status = 'cancelled', cancel_reason = $2, cancelled_at = now(), updated_at = now()
         WHERE id = $1",
        id,
        reason
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The entrant `promoter` is in a contest of `kind`: itself, or its team (which only the
/// team's owner may enter or withdraw).
async fn entrant(
    conn: &mut PgConnection,
    kind: Kind,
    promoter: PromoterId,
) -> Result<(Option<i64>, Option<i64>), ContestError> {
    match kind {
        Kind::Individual => Ok((Some(promoter.0), None)),
        Kind::Team => {
            let team = sqlx::query!(
                "SELECT t.id, t.owner_id FROM team_memberships m JOIN teams t ON t.id = m.team_id
                 WHERE m.promoter_id = $1 AND m.left_at IS NULL",
                promoter.0
            )
            .fetch_optional(conn)
            .await?
            .ok_or(ContestError::NoTeam)?;
            if team.owner_id != promoter.0 {
                return Err(ContestError::NotTeamOwner);
            }
            Ok((None, Some(team.id)))
        }
    }
}

/// Enters `promoter` (or its team) in a contest; returns the entry and whether it is new.
pub(crate) async fn enter(
    db: &PgPool,
    id: i64,
    kind: Kind,
    promoter: PromoterId,
) -> Result<(EntryRow, bool), ContestError> {
    let mut tx = db.begin().await?;
    // Shared: entries do not wait for each other, only for a change of state.
    let status = sqlx::query_scalar!(
        r#"SELECT status AS "status: Status" FROM contests WHERE id = $1 FOR SHARE"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ContestError::NotFound)?;
    check(status, Action::Enter)?;
    let (who, team) = entrant(&mut tx, kind, promoter).await?;
    let made = sqlx::query_as!(
        EntryRow,
        r#"INSERT INTO contest_entries (contest_id, promoter_id, team_id, entered_by)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
           RETURNING id, promoter_id AS "promoter_id: PromoterId", team_id, entered_at"#,
        id,
        who,
        team,
        promoter.0,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let out = match made {
        Some(e) => (e, true),
        None => (
            sqlx::query_as!(
                EntryRow,
                r#"SELECT id, promoter_id AS "promoter_id: PromoterId", team_id, entered_at
                   FROM contest_entries WHERE contest_id = $1
                     AND (promoter_id = $2 OR team_id = $3)"#,
                id,
                who,
                team,
            )
            .fetch_one(&mut *tx)
            .await?,
            false,
        ),
    };
    tx.commit().await?;
    Ok(out)
}

/// Withdraws the entry of `promoter` (or of its team, by its owner) before the end.
pub(crate) async fn leave(
    db: &PgPool,
    id: i64,
    kind: Kind,
    promoter: PromoterId,
) -> Result<(), ContestError> {
    let mut tx = db.begin().await?;
    let status = sqlx::query_scalar!(
        r#"SELECT status AS "status: Status" FROM contests WHERE id = $1 FOR SHARE"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ContestError::NotFound)?;
    check(status, Action::Enter)?;
    let (who, team) = entrant(&mut tx, kind, promoter).await?;
    let gone = sqlx::query!(
        "DELETE FROM contest_entries WHERE contest_id = $1 AND (promoter_id = $2 OR team_id = $3)",
        id,
        who,
        team,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if gone == 0 {
        return Err(ContestError::NotEntered);
    }
    tx.commit().await?;
    Ok(())
}

/// Each entrant's score now (unranked), from Postgres: the contributions of the metric in the
/// window [starts_at, ends_at), on the contest's offers when it has any; a team's are its
/// members' while members.
pub(crate) async fn scores(
    conn: &mut PgConnection,
    c: &ContestRow,
) -> sqlx::Result<Vec<StandingRow>> {
    let rows = sqlx::query!(
        r#"WITH who AS (
               SELECT e.id AS entry_id, e.promoter_id AS member,
                      '-infinity'::timestamptz AS since, 'infinity'::timestamptz AS until
               FROM contest_entries e WHERE e.contest_id = $1 AND e.promoter_id IS NOT NULL
               UNION ALL
               SELECT e.id, m.promoter_id, m.joined_at, COALESCE(m.left_at, 'infinity')
               FROM contest_entries e JOIN team_memberships m ON m.team_id = e.team_id
               WHERE e.contest_id = $1 AND m.joined_at < $3 AND (m.left_at IS NULL OR m.left_at > $2)
           ), c AS (
               SELECT w.entry_id, v.ts AS t, 1::numeric AS v
               FROM who w JOIN conversions v ON v.promoter_id = w.member
               WHERE $4 = 'conversions' AND v.status = 'approved' AND NOT v.test
                 AND v.ts >= greatest($2, w.since) AND v.ts < least($3, w.until)
                 AND (cardinality($5::bigint[]) = 0 OR v.offer_id = ANY($5))
               UNION ALL
               SELECT w.entry_id, v.ts, v.payout
               FROM who w JOIN conversions v ON v.promoter_id = w.member
               WHERE $4 = 'payout' AND v.status = 'approved' AND NOT v.test AND v.payout_currency = $6
                 AND v.payout IS NOT NULL
                 AND v.ts >= greatest($2, w.since) AND v.ts < least($3, w.until)
                 AND (cardinality($5::bigint[]) = 0 OR v.offer_id = ANY($5))
               UNION ALL
               SELECT w.entry_id, u.click_ts, 1::numeric
               FROM who w JOIN click_uniques u ON u.promoter_id = w.member
                    JOIN clicks k ON k.id = u.click_id AND k.ts = u.click_ts
               WHERE $4 = 'unique_clicks' AND k.verdict = 'ok' AND NOT fraud_blocks(k.fraud)
                 AND u.click_ts >= greatest($2, w.since) AND u.click_ts < least($3, w.until)
                 AND (cardinality($5::bigint[]) = 0 OR u.offer_id = ANY($5))
               UNION ALL
               SELECT w.entry_id, l.created_at, l.points::numeric
               FROM who w JOIN points_ledger l ON l.promoter_id = w.member
               WHERE $4 = 'points'
                 AND l.created_at >= greatest($2, w.since) AND l.created_at < least($3, w.until)
           )
           SELECT e.id AS "entry_id!", e.promoter_id AS "promoter_id: PromoterId", e.team_id,
                  e.entered_at AS "entered_at!", COALESCE(sum(c.v), 0) AS "score!",
                  max(c.t) AS reached_at, COALESCE(u.display_name, t.name, '') AS "name!"
           FROM contest_entries e
                LEFT JOIN c ON c.entry_id = e.id
                LEFT JOIN users u ON u.id = e.promoter_id
                LEFT JOIN teams t ON t.id = e.team_id
           WHERE e.contest_id = $1
           GROUP BY e.id, u.display_name, t.name"#,
        c.id,
        c.starts_at,
        c.ends_at,
        c.metric.as_str(),
        &c.offer_ids,
        c.currency,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StandingRow {
            rank: 0,
            entry_id: r.entry_id,
            promoter_id: r.promoter_id,
            team_id: r.team_id,
            name: r.name,
            score: r.score,
            reached_at: r.reached_at,
            entered_at: r.entered_at,
            prize: None,
        })
        .collect())
}

/// The standings now: scores ranked, with the prize each rank would win.
pub(crate) async fn live(
    conn: &mut PgConnection,
    c: &ContestRow,
) -> sqlx::Result<Vec<StandingRow>> {
    let rows = scores(conn, c).await?;
    let prizes = prizes(conn, c.id).await?;
    let ranked = rules::rank(
        rows.iter()
            .map(|r| rules::Score {
                entry_id: r.entry_id,
                score: r.score,
                reached_at: r.reached_at,
                entered_at: r.entered_at,
            })
            .collect(),
    );
    let mut by_entry: HashMap<i64, StandingRow> =
        rows.into_iter().map(|r| (r.entry_id, r)).collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(rank, s)| {
            let mut row = by_entry.remove(&s.entry_id)?;
            row.rank = rank;
            row.prize = prizes.iter().find(|p| p.rank == rank).cloned();
            Some(row)
        })
        .collect())
}

/// A page of a finished contest's frozen results, after rank `after`.
pub(crate) async fn results(
    db: &PgPool,
    contest: i64,
    after: i64,
    limit: u32,
) -> sqlx::Result<Vec<StandingRow>> {
    let rows = sqlx::query!(
        r#"SELECT r.rank, r.entry_id, r.promoter_id AS "promoter_id: PromoterId", r.team_id,
                  COALESCE(u.display_name, t.name, '') AS "name!", r.score, r.reached_at,
                  r.entered_at, r.prize, r.prize_amount, r.prize_currency
           FROM contest_results r
                LEFT JOIN users u ON u.id = r.promoter_id
                LEFT JOIN teams t ON t.id = r.team_id
           WHERE r.contest_id = $1 AND r.rank > $2::bigint ORDER BY r.rank LIMIT $3"#,
        contest,
        after,
        i64::from(limit),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StandingRow {
            rank: r.rank,
            entry_id: r.entry_id,
            promoter_id: r.promoter_id,
            team_id: r.team_id,
            name: r.name,
            score: r.score,
            reached_at: r.reached_at,
            entered_at: r.entered_at,
            prize: r.prize.map(|prize| PrizeRow {
                rank: r.rank,
                prize,
                amount: r.prize_amount,
                currency: r.prize_currency,
            }),
        })
        .collect())
}

/// The frozen result of `promoter` (or its current team) in a finished contest.
pub(crate) async fn my_result(
    db: &PgPool,
    contest: i64,
    promoter: PromoterId,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"SELECT r.rank::bigint AS "rank!" FROM contest_results r
           WHERE r.contest_id = $1
             AND (r.promoter_id = $2 OR r.team_id = (SELECT m.team_id FROM team_memberships m
                                                     WHERE m.promoter_id = $2 AND m.left_at IS NULL))"#,
        contest,
        promoter.0,
    )
    .fetch_optional(db)
    .await
}

/// The prizes of several contests, by contest and rank.
pub(crate) async fn prizes_of(db: &PgPool, contests: &[i64]) -> sqlx::Result<Vec<(i64, PrizeRow)>> {
    Ok(sqlx::query!(
        "SELECT contest_id, rank, prize, amount, currency FROM contest_prizes
         WHERE contest_id = ANY($1) ORDER BY contest_id, rank",
        contests
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.contest_id,
            PrizeRow {
                rank: r.rank,
                prize: r.prize,
                amount: r.amount,
                currency: r.currency,
            },
        )
    })
    .collect())
}
