//! The ledger in Postgres: entries written with the promoters' sums in one transaction, the
//! day's click points (the cap), reads of a promoter's standing and ledger.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::events::{self, EventKind, catalogue::LevelReached};
use crate::kernel::{OfferId, PromoterId, UserId};
use crate::programme::leaderboards;
use crate::programme::rules::{Level, level_index};

/// An entry to write.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub promoter_id: PromoterId,
    pub points: i64,
    pub cause: &'static str,
    pub source_event: Option<i64>,
    pub conversion_id: Option<Uuid>,
    pub offer_id: Option<OfferId>,
    pub day: Option<Date>,
    pub reason: Option<String>,
    pub actor_id: Option<UserId>,
}

/// Writes `entries` (one already written for the same event, promoter, cause and day is
/// skipped, and so is one of a promoter that no longer exists: the ledger has no foreign key,
/// this is its check), moves the promoters' sums and their leaderboards, and records
/// `points.level_reached` for each level a promoter reaches for the first time, holding the
/// points writers' lock until the transaction ends. Returns the ids of the entries written.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    entries: &[Entry],
    levels: &[Level],
) -> sqlx::Result<Vec<i64>> {
    let entries: Vec<&Entry> = entries.iter().filter(|e| e.points != 0).collect();
    if entries.is_empty() {
        return Ok(vec![]);
    }
    // One writer of the points at a time, until commit (leaderboards::totals::lock_writers).
    leaderboards::totals::lock_writers(conn).await?;
    let written = sqlx::query!(
        r#"INSERT INTO points_ledger (promoter_id, points, cause, source_event, conversion_id,
                                      offer_id, day, reason, actor_id)
           SELECT e.* FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::uuid[],
                                  $6::bigint[], $7::date[], $8::text[], $9::bigint[])
                AS e(promoter_id, points, cause, source_event, conversion_id, offer_id, day, reason, actor_id)
           -- Only promoters that exist: traffic of a deleted account (its links still
           -- redirect until the edge forgets them) earns nothing and holds nothing up.
           WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = e.promoter_id AND u.role = 'promoter')
           ON CONFLICT DO NOTHING
           RETURNING id, promoter_id AS "promoter_id: PromoterId", points, created_at, cause, day"#,
        &entries.iter().map(|e| e.promoter_id.0).collect::<Vec<_>>(),
        &entries.iter().map(|e| e.points).collect::<Vec<_>>(),
        &entries.iter().map(|e| e.cause).collect::<Vec<_>>() as &[&str],
        &entries.iter().map(|e| e.source_event).collect::<Vec<_>>() as &[Option<i64>],
        &entries.iter().map(|e| e.conversion_id).collect::<Vec<_>>() as &[Option<Uuid>],
        &entries
            .iter()
            .map(|e| e.offer_id.map(|o| o.0))
            .collect::<Vec<_>>() as &[Option<i64>],
        &entries.iter().map(|e| e.day).collect::<Vec<_>>() as &[Option<Date>],
        &entries
            .iter()
            .map(|e| e.reason.as_deref())
            .collect::<Vec<_>>() as &[Option<&str>],
        &entries
            .iter()
            .map(|e| e.actor_id.map(|a| a.0))
            .collect::<Vec<_>>() as &[Option<i64>],
    )
    .fetch_all(&mut *conn)
    .await?;
    let paid: Vec<leaderboards::totals::Paid> = written
        .iter()
        .map(|w| leaderboards::totals::Paid {
            promoter_id: w.promoter_id.0,
            points: w.points,
            at: w.created_at,
        })
        .collect();
    leaderboards::totals::add(conn, &paid).await?;
    // The day's click points (the cap), from the click entries written.
    let mut click_days: BTreeMap<(i64, Date), i64> = BTreeMap::new();
    for w in written.iter().filter(|w| w.cause == "unique_clicks") {
        if let Some(day) = w.day {
            *click_days.entry((w.promoter_id.0, day)).or_default() += w.points;
        }
    }
    if !click_days.is_empty() {
        let ((promoters, days), points): ((Vec<i64>, Vec<Date>), Vec<i64>) =
            click_days.into_iter().unzip();
        // Rows that exist are updated in place (cheaper than an upsert that finds its row;
        // the writers' lock makes the order of their locks safe), then the missing ones made.
        let updated: HashSet<(i64, Date)> = sqlx::query!(
            "UPDATE points_click_days d SET points = d.points + k.points
             FROM UNNEST($1::bigint[], $2::date[], $3::bigint[]) AS k(promoter_id, day, points)
             WHERE d.promoter_id = k.promoter_id AND d.day = k.day
             RETURNING d.promoter_id, d.day",
            &promoters,
            &days,
            &points,
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.promoter_id, r.day))
        .collect();
        if updated.len() < promoters.len() {
            let ((promoters, days), points): ((Vec<i64>, Vec<Date>), Vec<i64>) = promoters
                .into_iter()
                .zip(days)
                .zip(points)
                .filter(|(key, _)| !updated.contains(key))
                .unzip();
            sqlx::query!(
                "INSERT INTO points_click_days AS d (promoter_id, day, points)
                 SELECT * FROM UNNEST($1::bigint[], $2::date[], $3::bigint[])
                 ON CONFLICT (promoter_id, day) DO UPDATE SET points = d.points + excluded.points",
                &promoters,
                &days,
                &points,
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    let mut deltas: BTreeMap<i64, i64> = BTreeMap::new();
    for w in &written {
        *deltas.entry(w.promoter_id.0).or_default() += w.points;
    }
    let (promoters, amounts): (Vec<i64>, Vec<i64>) = deltas.into_iter().unzip();
    // Sums that exist are updated in place, then the missing ones made (as the click days).
    let mut sums: Vec<Sums> = sqlx::query_as!(
        Sums,
        r#"UPDATE points_balances b
           SET balance = b.balance + d.amount, lifetime = b.lifetime + d.amount, updated_at = now()
           FROM UNNEST($1::bigint[], $2::bigint[]) AS d(promoter_id, amount)
           WHERE b.promoter_id = d.promoter_id
           RETURNING b.promoter_id AS "promoter_id: PromoterId", b.lifetime, b.best_level"#,
        &promoters,
        &amounts,
    )
    .fetch_all(&mut *conn)
    .await?;
    if sums.len() < promoters.len() {
        let updated: HashSet<i64> = sums.iter().map(|s| s.promoter_id.0).collect();
        let (promoters, amounts): (Vec<i64>, Vec<i64>) = promoters
            .into_iter()
            .zip(amounts)
            .filter(|(p, _)| !updated.contains(p))
            .unzip();
        sums.extend(
            sqlx::query_as!(
                Sums,
                r#"INSERT INTO points_balances AS b (promoter_id, balance, lifetime)
                   SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $2::bigint[])
                   ON CONFLICT (promoter_id) DO UPDATE
                     SET balance = b.balance + excluded.balance,
                         lifetime = b.lifetime + excluded.lifetime, updated_at = now()
                   RETURNING promoter_id AS "promoter_id: PromoterId", lifetime, best_level"#,
                &promoters,
                &amounts,
            )
            .fetch_all(&mut *conn)
            .await?,
        );
    }
    let mut reached = Vec::new();
    let mut raised: Vec<(i64, i32)> = Vec::new();
    for s in sums {
        let now = level_index(levels, s.lifetime);
        let best = usize::try_from(s.best_level).unwrap_or(0);
        if now > best {
            for level in &levels[best + 1..=now] {
                reached.push(LevelReached {
                    promoter_id: s.promoter_id,
                    level: level.name.clone(),
                    level_min: level.min,
                    lifetime_points: s.lifetime,
                });
            }
            raised.push((s.promoter_id.0, i32::try_from(now).unwrap_or(i32::MAX)));
        }
    }
    if !raised.is_empty() {
        let (ids, best): (Vec<i64>, Vec<i32>) = raised.into_iter().unzip();
        sqlx::query!(
            "UPDATE points_balances b SET best_level = r.best
             FROM UNNEST($1::bigint[], $2::int[]) AS r(id, best) WHERE b.promoter_id = r.id",
            &ids,
            &best,
        )
        .execute(&mut *conn)
        .await?;
        events::record_all(conn, EventKind::PointsLevelReached, &reached).await?;
    }
    Ok(written.into_iter().map(|w| w.id).collect())
}

/// The click points each of these promoters has earned on each of these days.
pub(crate) async fn click_points(
    conn: &mut PgConnection,
    keys: &[(PromoterId, Date)],
) -> sqlx::Result<HashMap<(PromoterId, Date), i64>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let promoters: Vec<i64> = keys.iter().map(|k| k.0.0).collect();
    let days: Vec<Date> = keys.iter().map(|k| k.1).collect();
    Ok(sqlx::query!(
        r#"SELECT d.promoter_id AS "promoter_id: PromoterId", d.day, d.points
           FROM UNNEST($1::bigint[], $2::date[]) AS k(promoter_id, day)
           JOIN points_click_days d ON d.promoter_id = k.promoter_id AND d.day = k.day"#,
        &promoters,
        &days,
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| ((r.promoter_id, r.day), r.points))
    .collect())
}

/// A promoter's sums as a write left them.
#[derive(Debug)]
struct Sums {
    promoter_id: PromoterId,
    lifetime: i64,
    best_level: i32,
}

/// A promoter's sums.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Standing {
    pub balance: i64,
    pub lifetime: i64,
}

/// A promoter's sums (zero before any entry).
pub(crate) async fn standing(db: &PgPool, promoter: PromoterId) -> sqlx::Result<Standing> {
    Ok(sqlx::query_as!(
        Standing,
        "SELECT balance, lifetime FROM points_balances WHERE promoter_id = $1",
        promoter.0,
    )
    .fetch_optional(db)
    .await?
    .unwrap_or_default())
}

/// A ledger entry as listed.
#[derive(Debug, Clone)]
pub(crate) struct LedgerRow {
    pub id: i64,
    pub points: i64,
    pub cause: String,
    pub conversion_id: Option<Uuid>,
    pub offer_id: Option<OfferId>,
    pub day: Option<Date>,
    pub reason: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A page of a promoter's ledger, newest first (by time, then id), after the entry
/// `before_id` (none: from the newest; an id not in this ledger: from the newest too).
pub(crate) async fn ledger(
    db: &PgPool,
    promoter: PromoterId,
    before_id: Option<i64>,
    limit: u32,
) -> sqlx::Result<Vec<LedgerRow>> {
    sqlx::query_as!(
        LedgerRow,
        r#"SELECT id, points, cause, conversion_id, offer_id AS "offer_id: OfferId", day, reason, created_at
           FROM points_ledger
           WHERE promoter_id = $1
             AND (created_at, id) < (coalesce((SELECT c.created_at FROM points_ledger c
                                                WHERE c.id = $2 AND c.promoter_id = $1),
                                               'infinity'), $2)
           ORDER BY created_at DESC, id DESC LIMIT $3"#,
        promoter.0,
        before_id.unwrap_or(i64::MAX),
        i64::from(limit),
    )
    .fetch_all(db)
    .await
}
