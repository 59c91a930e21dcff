//! Teams in Postgres: a team's row is locked by every change to it, so its size limit and
//! owner rules hold under concurrent joins; one membership at a time per promoter is the
//! unique index's.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::kernel::PromoterId;

/// A live team.
#[derive(Debug, Clone)]
pub(crate) struct TeamRow {
    pub id: i64,
    pub name: String,
    pub owner_id: PromoterId,
    pub invite_code: String,
    pub created_at: OffsetDateTime,
}

/// A current member.
#[derive(Debug, Clone)]
pub(crate) struct MemberRow {
    pub promoter_id: PromoterId,
    pub display_name: String,
    pub joined_at: OffsetDateTime,
    /// Points earned since joining.
    pub points: i64,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TeamError {
    #[error("already in a team")]
    AlreadyInTeam,
    #[error("the name is taken")]
    NameTaken,
    #[error("no team has that invite code")]
    UnknownCode,
    #[error("the team is full")]
    Full,
    #[error("not in a team")]
    NoTeam,
    #[error("only the owner can do this")]
    NotOwner,
    #[error("the owner must hand over the team first")]
    OwnerMustHandOver,
    #[error("not a member")]
    NotMember,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn unique(e: &sqlx::Error, index: &str) -> bool {
    crate::kernel::error::is_unique_violation(e, Some(index))
}

/// Creates a team owned by `owner`, who becomes its first member.
pub(crate) async fn create(
    db: &PgPool,
    owner: PromoterId,
    name: &str,
    code: &str,
) -> Result<TeamRow, TeamError> {
    let mut tx = db.begin().await?;
    let team = sqlx::query_as!(
        TeamRow,
        r#"INSERT INTO teams (name, owner_id, invite_code) VALUES ($1, $2, $3)
           RETURNING id, name, owner_id AS "owner_id: PromoterId", invite_code, created_at"#,
        name,
        owner.0,
        code,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if unique(&e, "teams_name") {
            TeamError::NameTaken
        } else {
            e.into()
        }
    })?;
    sqlx::query!(
        "INSERT INTO team_memberships (team_id, promoter_id) VALUES ($1, $2)",
        team.id,
        owner.0
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if unique(&e, "team_memberships_current") {
            TeamError::AlreadyInTeam
        } else {
            e.into()
        }
    })?;
    tx.commit().await?;
    Ok(team)
}

/// The live team `promoter` is in, locked for a change when `lock`.
async fn team_of(conn: &mut PgConnection, promoter: PromoterId) -> Result<TeamRow, TeamError> {
    sqlx::query_as!(
        TeamRow,
        r#"SELECT t.id, t.name, t.owner_id AS "owner_id: PromoterId", t.invite_code, t.created_at
           FROM team_memberships m JOIN teams t ON t.id = m.team_id
           WHERE m.promoter_id = $1 AND m.left_at IS NULL
           FOR UPDATE OF t"#,
        promoter.0,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(TeamError::NoTeam)
}

/// The team `promoter` is in.
pub(crate) async fn mine(
    db: &PgPool,
    promoter: PromoterId,
) -> Result<Option<TeamRow>, sqlx::Error> {
    sqlx::query_as!(
        TeamRow,
        r#"SELECT t.id, t.name, t.owner_id AS "owner_id: PromoterId", t.invite_code, t.created_at
           FROM team_memberships m JOIN teams t ON t.id = m.team_id
           WHERE m.promoter_id = $1 AND m.left_at IS NULL"#,
        promoter.0,
    )
    .fetch_optional(db)
    .await
}

/// A live team by id.
pub(crate) async fn get(db: &PgPool, id: i64) -> Result<Option<TeamRow>, sqlx::Error> {
    sqlx::query_as!(
        TeamRow,
        r#"SELECT id, name, owner_id AS "owner_id: PromoterId", invite_code, created_at
           FROM teams WHERE id = $1 AND disbanded_at IS NULL"#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Joins the team whose invite code is `code`, if it has room.
pub(crate) async fn join(
    db: &PgPool,
    promoter: PromoterId,
    code: &str,
    max: i64,
) -> Result<TeamRow, TeamError> {
    let mut tx = db.begin().await?;
    let team = sqlx::query_as!(
        TeamRow,
        r#"SELECT id, name, owner_id AS "owner_id: PromoterId", invite_code, created_at
           FROM teams WHERE invite_code = $1 AND disbanded_at IS NULL FOR UPDATE"#,
        code,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(TeamError::UnknownCode)?;
    let member = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM team_memberships WHERE promoter_id = $1 AND left_at IS NULL) AS "is!""#,
        promoter.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if member {
        return Err(TeamError::AlreadyInTeam);
    }
    let members = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM team_memberships WHERE team_id = $1 AND left_at IS NULL"#,
        team.id
    )
    .fetch_one(&mut *tx)
    .await?;
    if members >= max {
        return Err(TeamError::Full);
    }
    sqlx::query!(
        "INSERT INTO team_memberships (team_id, promoter_id) VALUES ($1, $2)",
        team.id,
        promoter.0
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if unique(&e, "team_memberships_current") {
            TeamError::AlreadyInTeam
        } else {
            e.into()
        }
    })?;
    tx.commit().await?;
    Ok(team)
}

async fn end_membership(
    conn: &mut PgConnection,
    team: i64,
    promoter: PromoterId,
    how: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE team_memberships SET left_at = clock_timestamp(), left_how = $3
         WHERE team_id = $1 AND promoter_id = $2 AND left_at IS NULL",
        team,
        promoter.0,
        how,
    )
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

async fn disband_locked(conn: &mut PgConnection, team: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE team_memberships SET left_at = clock_timestamp(), left_how = 'disbanded'
         WHERE team_id = $1 AND left_at IS NULL",
        team
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("UPDATE teams SET disbanded_at = now() WHERE id = $1", team)
        .execute(&mut *conn)
        .await?;
    crate::programme::leaderboards::totals::remove_team(conn, team).await?;
    Ok(())
}

/// Leaves one's team; the owner may leave only as the last member (the team then ends).
pub(crate) async fn leave(db: &PgPool, promoter: PromoterId) -> Result<(), TeamError> {
    let mut tx = db.begin().await?;
    let team = team_of(&mut tx, promoter).await?;
    if team.owner_id == promoter {
        let others = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM team_memberships WHERE team_id = $1 AND left_at IS NULL AND promoter_id <> $2"#,
            team.id,
            promoter.0
        )
        .fetch_one(&mut *tx)
        .await?;
        if others > 0 {
            return Err(TeamError::OwnerMustHandOver);
        }
        disband_locked(&mut tx, team.id).await?;
    } else {
        end_membership(&mut tx, team.id, promoter, "left").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The owner's team, locked, or why not.
async fn owned(conn: &mut PgConnection, owner: PromoterId) -> Result<TeamRow, TeamError> {
    let team = team_of(conn, owner).await?;
    if team.owner_id != owner {
        return Err(TeamError::NotOwner);
    }
    Ok(team)
}

/// The owner removes a member.
pub(crate) async fn remove(
    db: &PgPool,
    owner: PromoterId,
    member: PromoterId,
) -> Result<(), TeamError> {
    let mut tx = db.begin().await?;
    let team = owned(&mut tx, owner).await?;
    if member == owner {
        return Err(TeamError::OwnerMustHandOver);
    }
    if !end_membership(&mut tx, team.id, member, "removed").await? {
        return Err(TeamError::NotMember);
    }
    tx.commit().await?;
    Ok(())
}

/// The owner hands the team over to a member.
pub(crate) async fn hand_over(
    db: &PgPool,
    owner: PromoterId,
    to: PromoterId,
) -> Result<TeamRow, TeamError> {
    let mut tx = db.begin().await?;
    let team = owned(&mut tx, owner).await?;
    let member = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM team_memberships WHERE team_id = $1 AND promoter_id = $2 AND left_at IS NULL) AS "is!""#,
        team.id,
        to.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if !member {
        return Err(TeamError::NotMember);
    }
    let team = sqlx::query_as!(
        TeamRow,
        r#"UPDATE teams SET owner_id = $2 WHERE id = $1
           RETURNING id, name, owner_id AS "owner_id: PromoterId", invite_code, created_at"#,
        team.id,
        to.0,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(team)
}

/// The owner replaces the invite code.
pub(crate) async fn rotate_code(
    db: &PgPool,
    owner: PromoterId,
    code: &str,
) -> Result<TeamRow, TeamError> {
    let mut tx = db.begin().await?;
    let team = owned(&mut tx, owner).await?;
    let team = sqlx::query_as!(
        TeamRow,
        r#"UPDATE teams SET invite_code = $2 WHERE id = $1
           RETURNING id, name, owner_id AS "owner_id: PromoterId", invite_code, created_at"#,
        team.id,
        code,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(team)
}

/// The owner disbands the team: every membership ends.
pub(crate) async fn disband(db: &PgPool, owner: PromoterId) -> Result<(), TeamError> {
    let mut tx = db.begin().await?;
    let team = owned(&mut tx, owner).await?;
    disband_locked(&mut tx, team.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The current members with the points each earned since joining, and the team's points:
/// what every member (current or past) earned while a member.
pub(crate) async fn members(db: &PgPool, team: i64) -> Result<(Vec<MemberRow>, i64), sqlx::Error> {
    let members = sqlx::query_as!(
        MemberRow,
        r#"SELECT m.promoter_id AS "promoter_id: PromoterId", u.display_name, m.joined_at,
                  COALESCE((SELECT sum(l.points) FROM points_ledger l
                            WHERE l.promoter_id = m.promoter_id AND l.created_at >= m.joined_at), 0)::bigint AS "points!"
           FROM team_memberships m JOIN users u ON u.id = m.promoter_id
           WHERE m.team_id = $1 AND m.left_at IS NULL ORDER BY m.joined_at, m.id"#,
        team,
    )
    .fetch_all(db)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(l.points), 0)::bigint AS "points!"
           FROM team_memberships m JOIN points_ledger l ON l.promoter_id = m.promoter_id
                AND l.created_at >= m.joined_at AND (m.left_at IS NULL OR l.created_at < m.left_at)
           WHERE m.team_id = $1"#,
        team,
    )
    .fetch_one(db)
    .await?;
    Ok((members, total))
}
