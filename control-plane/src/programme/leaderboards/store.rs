//! The boards in Redis: one sorted set per board and period (`{prefix}lb:{board}:{period}`,
//! ordered as `rules` explains) and a hash from subject to its member (`…:m`), for the
//! current periods only (all time, this month, this week). `{prefix}lb:ready` says they are
//! complete: a rebuild deletes it first and sets it last, and a Redis that lost its data has
//! none, so readers then answer from Postgres and the syncer rebuilds.

use redis::aio::ConnectionManager;
use time::OffsetDateTime;

use crate::programme::leaderboards::rules::{Board, Period, member, parse_member, points_of};
use crate::programme::leaderboards::totals::Row;

/// Moves subjects on a board: ARGV[1] the expiry (unix seconds, 0 for none), then
/// (subject, score or `-` for gone, member) triples.
const MOVE: &str = r"
local z, h = KEYS[1], KEYS[2]
for i = 2, #ARGV, 3 do
  local id, score, member = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local old = redis.call('HGET', h, id)
  if old and (old ~= member or score == '-') then redis.call('ZREM', z, old) end
  if score == '-' then
    redis.call('HDEL', h, id)
  else
    redis.call('ZADD', z, score, member)
    redis.call('HSET', h, id, member)
  end
end
local at = tonumber(ARGV[1])
if at > 0 then
  redis.call('EXPIREAT', z, at)
  redis.call('EXPIREAT', h, at)
end
return 1
";

/// A page: nil while the boards are incomplete, else {size, {member, score, …}}.
const PAGE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {redis.call('ZCARD', KEYS[2]),
        redis.call('ZREVRANGE', KEYS[2], ARGV[1], ARGV[2], 'WITHSCORES')}
";

/// A subject's place: nil while incomplete, else {size, position or -1, first position,
/// {member, score, …} around it}.
const AROUND: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local size = redis.call('ZCARD', KEYS[2])
local member = redis.call('HGET', KEYS[3], ARGV[1])
if not member then return {size, -1, 0, {}} end
local at = redis.call('ZREVRANK', KEYS[2], member)
if not at then return {size, -1, 0, {}} end
local n = tonumber(ARGV[2])
local from = math.max(at - n, 0)
return {size, at, from, redis.call('ZREVRANGE', KEYS[2], from, at + n, 'WITHSCORES')}
";

/// Where the boards live.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: format!("{prefix}lb:"),
        }
    }

    /// Set when the boards are complete.
    pub(crate) fn ready(&self) -> String {
        format!("{}ready", self.prefix)
    }

    /// The sorted set and the member hash of a board and period key.
    pub(crate) fn board(&self, board: Board, period: &str) -> (String, String) {
        let z = format!("{}{}:{period}", self.prefix, board.as_str());
        let h = format!("{z}:m");
        (z, h)
    }

    fn scratch(&self, board: Board, period: &str) -> (String, String) {
        let z = format!("{}rebuild:{}:{period}", self.prefix, board.as_str());
        let h = format!("{z}:m");
        (z, h)
    }
}

/// The current period keys, with when each board stops being read (for its expiry).
pub(crate) fn current_periods(now: OffsetDateTime) -> Vec<(String, Option<OffsetDateTime>)> {
    Period::ALL
        .iter()
        .map(|p| {
            (
                p.key_at(now),
                p.end_after(now).map(|end| end + time::Duration::days(1)),
            )
        })
        .collect()
}

/// One subject's change on a board.
#[derive(Debug, Clone)]
pub(crate) struct Move {
    pub subject_id: i64,
    /// None: off the board.
    pub row: Option<(i64, OffsetDateTime)>,
}

/// Applies `moves` to a board and period.
pub(crate) async fn apply(
    conn: &mut ConnectionManager,
    keys: &Keys,
    board: Board,
    period: &str,
    expires: Option<OffsetDateTime>,
    moves: &[Move],
) -> redis::RedisResult<()> {
    let (z, h) = keys.board(board, period);
    let script = redis::Script::new(MOVE);
    for chunk in moves.chunks(2_000) {
        let mut call = script.key(&z);
        call.key(&h)
            .arg(expires.map_or(0, OffsetDateTime::unix_timestamp));
        for m in chunk {
            call.arg(m.subject_id);
            match m.row {
                Some((points, at)) => call.arg(points).arg(member(m.subject_id, at)),
                None => call.arg("-").arg(""),
            };
        }
        let _: i64 = call.invoke_async(conn).await?;
    }
    Ok(())
}

/// Says the boards are incomplete (a rebuild starts).
pub(crate) async fn unready(conn: &mut ConnectionManager, keys: &Keys) -> redis::RedisResult<()> {
    redis::cmd("DEL").arg(keys.ready()).query_async(conn).await
}

/// Says the boards are complete.
pub(crate) async fn set_ready(conn: &mut ConnectionManager, keys: &Keys) -> redis::RedisResult<()> {
    redis::cmd("SET")
        .arg(keys.ready())
        .arg(OffsetDateTime::now_utc().unix_timestamp())
        .query_async(conn)
        .await
}

/// Whether the boards are complete.
pub(crate) async fn is_ready(
    conn: &mut ConnectionManager,
    keys: &Keys,
) -> redis::RedisResult<bool> {
    redis::cmd("EXISTS")
        .arg(keys.ready())
        .query_async(conn)
        .await
}

/// Replaces a board and period with `rows` at once (written aside, then renamed over it).
pub(crate) async fn replace(
    conn: &mut ConnectionManager,
    keys: &Keys,
    board: Board,
    period: &str,
    expires: Option<OffsetDateTime>,
    rows: &[Row],
) -> redis::RedisResult<()> {
    let (z, h) = keys.board(board, period);
    let (sz, sh) = keys.scratch(board, period);
    redis::pipe()
        .del(&sz)
        .del(&sh)
        .query_async::<()>(conn)
        .await?;
    for chunk in rows.chunks(5_000) {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(&sz);
        let mut hset = redis::cmd("HSET");
        hset.arg(&sh);
        for r in chunk {
            let m = member(r.subject_id, r.reached_at);
            zadd.arg(r.points).arg(&m);
            hset.arg(r.subject_id).arg(m);
        }
        redis::pipe()
            .add_command(zadd)
            .add_command(hset)
            .query_async::<()>(conn)
            .await?;
    }
    let mut swap = redis::pipe();
    swap.atomic();
    if rows.is_empty() {
        swap.del(&z).del(&h);
    } else {
        swap.rename(&sz, &z).rename(&sh, &h);
        if let Some(at) = expires {
            swap.expire_at(&z, at.unix_timestamp())
                .expire_at(&h, at.unix_timestamp());
        }
    }
    swap.query_async::<()>(conn).await
}

/// A place on a board as Redis has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub subject_id: i64,
    pub points: i64,
    pub reached_at: OffsetDateTime,
}

fn places(flat: &[String]) -> Vec<Place> {
    flat.chunks_exact(2)
        .filter_map(|pair| {
            let (subject_id, reached_at) = parse_member(&pair[0])?;
            let points = points_of(pair[1].parse().ok()?);
            Some(Place {
                subject_id,
                points,
                reached_at,
            })
        })
        .collect()
}

/// `count` places from the 0-based position `from`, and how many are on the board; none
/// while the boards are incomplete.
pub(crate) async fn page(
    conn: &mut ConnectionManager,
    keys: &Keys,
    board: Board,
    period: &str,
    from: i64,
    count: i64,
) -> redis::RedisResult<Option<(i64, Vec<Place>)>> {
    let (z, _) = keys.board(board, period);
    let answer: Option<(i64, Vec<String>)> = redis::Script::new(PAGE)
        .key(keys.ready())
        .key(&z)
        .arg(from)
        .arg(from + count - 1)
        .invoke_async(conn)
        .await?;
    Ok(answer.map(|(size, flat)| (size, places(&flat))))
}

/// A subject's place with `n` neighbours each side: (board size, its 0-based position if
/// on the board, the first place's position, the places); none while incomplete.
pub(crate) async fn around(
    conn: &mut ConnectionManager,
    keys: &Keys,
    board: Board,
    period: &str,
    subject: i64,
    n: i64,
) -> redis::RedisResult<Option<(i64, Option<i64>, i64, Vec<Place>)>> {
    let (z, h) = keys.board(board, period);
    let answer: Option<(i64, i64, i64, Vec<String>)> = redis::Script::new(AROUND)
        .key(keys.ready())
        .key(&z)
        .key(&h)
        .arg(subject)
        .arg(n)
        .invoke_async(conn)
        .await?;
    Ok(answer.map(|(size, at, from, flat)| (size, (at >= 0).then_some(at), from, places(&flat))))
}
