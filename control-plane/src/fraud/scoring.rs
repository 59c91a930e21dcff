//! Click scoring at ingest (DESIGN §11), one batch at a time and without a query per click:
//! the IP ranges and the suspended promoters are in memory; the flood windows are
//! exact, whatever order clicks arrive in and whichever control plane takes them.
//!
//! A flood flag depends on the clicks before a click in its window, and clicks arrive in any
//! order: a late click can make stored clicks after it the 6th (or 61st) of their window.
//! Those come back as [`Restamped`], for ingest to write with their counts moved. Flags are
//! only ever added (a click added to a window never clears a flag), so the outcome is the
//! same whatever order the clicks arrive in.
//!
//! Most IPs never come near a limit, and reading their windows under an exclusive lock would
//! make batches that share one wait on each other for nothing. So a batch first takes a
//! shared lock per IP in its transaction, then counts its clicks per IP and minute in Redis
//! ([`prepare`]; `counts`: one script, which runs alone, so batches in flight see each other)
//! and reads the counts around each click: an IP is *hot* when the clicks counted within a
//! window either side of one of its clicks could pass the smaller limit, or when those minutes
//! are not all counted (older than the horizon, or from before counting began); *cold*
//! otherwise. A batch whose IPs are all cold goes on with its shared locks. One with a hot IP
//! starts its transaction again: [`lock_windows`] locks hot IPs exclusively and cold ones
//! shared, then reads the counts of the cold ones again (counted before these locks, one may
//! have turned hot meanwhile: then the transaction starts once more). Scoring reads the stored
//! windows of hot IPs only.
//!
//! Why a cold IP needs no window: if at most `limit` clicks are counted within a window
//! either side of a new click, no window holding that click can pass the limit, so the click
//! flags nothing and is flagged by nothing. Counts take turns, so each count sees every count
//! before it. A batch that counts the IP after this batch sees this batch's clicks; if that
//! makes the IP hot there, its exclusive lock is asked for after this batch's shared one was
//! held (this batch counted under it), so it waits for this batch's commit and reads this
//! batch's clicks stored. Counts only ever over-count (a redelivery counts again), which only
//! makes more IPs hot.
//!
//! When the counts are not whole (Redis lost them, or restarted; see `counts`), a batch
//! starts them again ([`start_counting`]): alone (every batch holds a shared lock that this
//! takes exclusively, so none is in flight), from the stored clicks, under a new generation
//! that Postgres records. When Redis cannot count a batch's clicks, the batch moves the epoch
//! in Postgres and commits that before it asks for its exclusive locks (all its IPs are hot):
//! a batch that reads the new epoch under its locks finds the counts behind it, and starts
//! them again, which waits for this batch; one that read the old epoch held its locks before
//! this batch asked for them, and this batch waits for it and reads its clicks.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use sqlx::{PgPool, Postgres, Transaction};
use time::{Duration, OffsetDateTime};

use crate::fraud::cache::{Held, ScoringCache};
use crate::fraud::counts::{Count, FloodCounts};
use crate::fraud::db::windows;
use crate::fraud::ranges::RangeSet;
use crate::fraud::rules::{self, FloodLimits, Reason, Timed};
use crate::kernel::{AdvertiserId, ClickId, OfferId, PromoterId};

/// What scoring needs of a new ok click.
#[derive(Debug, Clone, Copy)]
pub struct NewClick<'a> {
    /// Click id.
    pub id: ClickId,
    /// When.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// Visitor IP, if the edge knew it (clicks without one are not in any flood window).
    pub ip: Option<IpAddr>,
    /// Visitor user agent.
    pub user_agent: &'a str,
}

/// A stored click whose flood reasons grew: what ingest needs to move its counts.
#[derive(Debug, Clone)]
pub struct Restamped {
    /// Click id.
    pub id: ClickId,
    /// When.
    pub ts: OffsetDateTime,
    /// Offer.
    pub offer_id: OfferId,
    /// Promoter.
    pub promoter_id: PromoterId,
    /// The offer's advertiser when the click was stored (none: not counted anywhere).
    pub advertiser_id: Option<AdvertiserId>,
    /// Visitor IP.
    pub ip: IpAddr,
    /// Visitor user agent.
    pub user_agent: String,
    /// Country.
    pub country: Option<String>,
    /// sub1.
    pub sub1: Option<String>,
    /// Whether it is its visitor's unique click of the day.
    pub is_unique: bool,
    /// Its reasons as stored.
    pub before: Vec<Reason>,
    /// Its reasons now.
    pub after: Vec<Reason>,
}

/// A batch's scores.
#[derive(Debug, Default)]
pub struct Scored {
    /// The reasons of each new click that has any.
    pub reasons: HashMap<ClickId, Vec<Reason>>,
    /// Stored clicks flagged by the batch's clicks.
    pub restamped: Vec<Restamped>,
}

/// What scoring applies.
#[derive(Debug, Clone)]
pub struct Scoring {
    /// The flood windows.
    pub limits: FloodLimits,
    /// The imported ranges and the suspended promoters.
    pub held: Arc<Held>,
}

/// How long the flood counts of a minute are trusted: clicks later than this (a queue's
/// retries after an outage) are scored with their windows read, as hot IPs.
const COUNT_HORIZON: Duration = Duration::hours(2);

/// How long the flood counts of a minute are kept after it began (the horizon, and a margin
/// for clocks).
const COUNT_KEEP: Duration = Duration::minutes(130);

/// The counts' minutes.
const MINUTE: i64 = 60;

/// The minute `ts` lies in.
fn minute_of(ts: OffsetDateTime) -> OffsetDateTime {
    let start = ts.unix_timestamp().div_euclid(MINUTE) * MINUTE;
    OffsetDateTime::from_unix_timestamp(start).unwrap_or(ts)
}

/// The minutes a window either side of `ts` touches.
fn minutes_around(ts: OffsetDateTime, window: Duration) -> Vec<OffsetDateTime> {
    let (Some(lo), Some(hi)) = (ts.checked_sub(window), ts.checked_add(window)) else {
        return vec![minute_of(ts)];
    };
    let mut out = Vec::new();
    let mut m = minute_of(lo);
    while m <= hi {
        out.push(m);
        m += Duration::seconds(MINUTE);
    }
    out
}

/// A batch's flood windows: its ok clicks' times by IP, and which IPs are hot (their windows
/// are read and locked exclusively) and which cold (locked shared, nothing read).
#[derive(Debug, Default)]
pub struct Windows {
    ips: BTreeMap<IpAddr, IpWindows>,
    /// The most clicks a window may hold without a flag (the smaller limit).
    limit: i64,
    /// The batch's clicks per IP and minute, as counted.
    add: Vec<(IpAddr, OffsetDateTime, i32)>,
    /// The generation of the counts the batch's clicks are in (or which no batch can use: not
    /// whole for any batch that could miss them). None: not counted yet.
    counted_in: Option<i64>,
}

#[derive(Debug, Default)]
struct IpWindows {
    /// The minutes around each of the IP's clicks (one list per click).
    around: Vec<Vec<OffsetDateTime>>,
    hot: bool,
}

impl Windows {
    /// Whether `ip`'s windows are read (false for an IP not in the batch).
    pub fn is_hot(&self, ip: IpAddr) -> bool {
        self.ips.get(&ip).is_some_and(|w| w.hot)
    }

    /// How many of the batch's IPs are hot, and how many cold.
    pub fn heat(&self) -> (usize, usize) {
        let hot = self.ips.values().filter(|w| w.hot).count();
        (hot, self.ips.len() - hot)
    }

    /// The span of minutes (first, last) around the IPs' clicks, cold ones only or all.
    fn spans(&self, cold_only: bool) -> Vec<(IpAddr, OffsetDateTime, OffsetDateTime)> {
        self.ips
            .iter()
            .filter(|(_, w)| !(cold_only && w.hot))
            .filter_map(|(ip, w)| {
                let minutes = w.around.iter().flatten();
                Some((*ip, *minutes.clone().min()?, *minutes.max()?))
            })
            .collect()
    }

    /// Marks hot every IP with a click whose minutes around hold more than the limit, or are
    /// not all counted (before `trusted_from`).
    fn heat_up(
        &mut self,
        counts: &HashMap<(IpAddr, OffsetDateTime), i64>,
        trusted_from: OffsetDateTime,
    ) -> usize {
        let limit = self.limit;
        let mut turned = 0;
        for (ip, w) in self.ips.iter_mut().filter(|(_, w)| !w.hot) {
            let over = w.around.iter().any(|minutes| {
                minutes.iter().any(|m| *m < trusted_from)
                    || minutes
                        .iter()
                        .map(|m| counts.get(&(*ip, *m)).copied().unwrap_or(0))
                        .sum::<i64>()
                        > limit
            });
            if over {
                w.hot = true;
                turned += 1;
            }
        }
        turned
    }

    /// The batch's clicks could not be counted (`why`): moves the epoch (committed at once on
    /// `aside`, before the batch asks for exclusive locks), so that the counts are not whole
    /// for any batch that reads it, and marks every IP hot.
    async fn count_missed(
        &mut self,
        aside: &PgPool,
        generation: i64,
        why: &crate::app::redis_guard::Unavailable,
    ) -> sqlx::Result<()> {
        tracing::warn!(error = %why, "flood count failed: the batch's windows are read");
        windows::missed_count(aside).await?;
        self.counted_in = Some(generation);
        self.all_hot();
        Ok(())
    }

    /// Marks every IP hot; answers how many turned.
    fn all_hot(&mut self) -> usize {
        let cold = self.heat().1;
        for w in self.ips.values_mut() {
            w.hot = true;
        }
        cold
    }
}

/// What [`prepare`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepared {
    /// Every IP is cold: the shared locks taken are all the batch needs.
    AllCold,
    /// An IP is hot: roll the transaction back and call [`lock_windows`] in a new one until
    /// it answers true.
    SomeHot,
    /// The flood counts are not whole (Redis lost them, or a batch could not count): roll the
    /// transaction back, call [`start_counting`], and prepare the batch again.
    CountsLost,
}

/// Prepares a batch's scoring at the start of its transaction: takes the flood-window locks
/// of its IPs shared, then counts its ok clicks (IP and time; test clicks and clicks without
/// an IP are in no window) in the flood counts in Redis, and tells hot IPs from cold ones;
/// takes what scoring holds in memory (reloaded when its version, read with the locks,
/// moved). When Redis cannot count, the batch's IPs are all hot, and the epoch moves first
/// (see `counts`). `lost_again`: counting was started again for this batch already and the
/// counts are lost once more: go on with every IP hot instead of [`Prepared::CountsLost`].
pub async fn prepare(
    tx: &mut Transaction<'_, Postgres>,
    pool: &PgPool,
    cache: &ScoringCache,
    counts: &FloodCounts,
    limits: FloodLimits,
    clicks: impl IntoIterator<Item = (IpAddr, OffsetDateTime)>,
    lost_again: bool,
) -> sqlx::Result<(Scoring, Windows, Prepared)> {
    let mut windows = Windows {
        limit: limits.per_visitor.min(limits.per_ip) as i64,
        ..Windows::default()
    };
    let mut add: BTreeMap<(IpAddr, OffsetDateTime), i32> = BTreeMap::new();
    for (ip, ts) in clicks {
        *add.entry((ip, minute_of(ts))).or_default() += 1;
        windows
            .ips
            .entry(ip)
            .or_default()
            .around
            .push(minutes_around(ts, limits.window));
    }
    if add.is_empty() {
        let held = cache.fresh(pool).await?;
        return Ok((Scoring { limits, held }, windows, Prepared::AllCold));
    }
    windows.add = add.into_iter().map(|((ip, m), n)| (ip, m, n)).collect();
    let locked = windows::lock(tx, windows.ips.keys().map(|ip| (*ip, false))).await?;
    let held = cache.at(pool, locked.version).await?;
    let scoring = Scoring { limits, held };
    let counted = counts
        .count(
            locked.against,
            None,
            &windows.add,
            &windows.spans(false),
            COUNT_KEEP,
        )
        .await;
    let generation = locked.against.generation;
    let prepared = match counted {
        Ok(Count::Whole { counts, now, since }) => {
            windows.counted_in = Some(generation);
            windows.heat_up(&counts, since.max(now - COUNT_HORIZON));
            if windows.heat().0 == 0 {
                Prepared::AllCold
            } else {
                Prepared::SomeHot
            }
        }
        Ok(Count::Lost) if !lost_again => Prepared::CountsLost,
        Ok(Count::Lost) => {
            // Lost for every batch that could miss these clicks: they start counting again,
            // which waits for this batch to end.
            windows.counted_in = Some(generation);
            windows.all_hot();
            Prepared::SomeHot
        }
        Err(e) => {
            windows
                .count_missed(cache.aside(pool), generation, &e)
                .await?;
            Prepared::SomeHot
        }
    };
    Ok((scoring, windows, prepared))
}

/// Takes the flood-window locks of a batch whose [`prepare`] found a hot IP, until the
/// transaction ends: exclusive for hot IPs, shared for cold ones, then reads the counts of the
/// cold ones again (counted before these locks: a batch may have counted clicks near one
/// since, and taken its exclusive lock first), and counts the batch's clicks again if counting
/// started again meanwhile. Answers whether they all still say cold. If not, the IPs that
/// turned hot are marked so: roll the transaction back (which lets go of the locks) and call
/// this again in a new one. Call it before reading which of the clicks are stored already, so
/// a concurrent delivery of the same clicks is seen whole.
pub async fn lock_windows(
    tx: &mut Transaction<'_, Postgres>,
    pool: &PgPool,
    cache: &ScoringCache,
    counts: &FloodCounts,
    windows: &mut Windows,
) -> sqlx::Result<bool> {
    let locked = windows::lock(tx, windows.ips.iter().map(|(ip, w)| (*ip, w.hot))).await?;
    let generation = locked.against.generation;
    let recount = windows.counted_in != Some(generation);
    let cold = windows.spans(true);
    if cold.is_empty() && !recount {
        return Ok(true);
    }
    let add: &[_] = if recount { &windows.add } else { &[] };
    let counted = counts
        .count(locked.against, windows.counted_in, add, &cold, COUNT_KEEP)
        .await;
    let turned = match counted {
        Ok(Count::Whole { counts, now, since }) => {
            windows.counted_in = Some(generation);
            windows.heat_up(&counts, since.max(now - COUNT_HORIZON))
        }
        Ok(Count::Lost) => {
            windows.counted_in = Some(generation);
            windows.all_hot()
        }
        Err(e) if recount => {
            // The epoch moves before this batch's exclusive locks are asked for: in a new
            // transaction.
            windows
                .count_missed(cache.aside(pool), generation, &e)
                .await?;
            return Ok(false);
        }
        Err(e) => {
            tracing::warn!(error = %e, "flood count failed: the batch's windows are read");
            windows.all_hot()
        }
    };
    Ok(turned == 0)
}

/// Starts the flood counts again after [`prepare`] found them lost (and when a control plane
/// that scores starts): unless they are whole by now, takes the lock every batch shares alone
/// (waiting for the batches in flight), and unless another control plane started them
/// meanwhile, counts the stored ok clicks of the horizon under a new generation, marks the
/// counts whole from the horizon's first minute, and records the generation. Redis failing is
/// not an error here: the batch prepared again finds it failing, and goes on without it.
pub async fn start_counting(pool: &PgPool, counts: &FloodCounts) -> sqlx::Result<()> {
    let _one = counts.starting.lock().await;
    // The batches in flight on this control plane when the counts were lost all come here;
    // the first starts them, and the others find them whole without holding every batch back.
    // (Lost again before a batch counts, they are found lost by its count: `lost_again`.)
    let current = windows::against(pool).await?;
    if let Ok(Count::Whole { .. }) = counts.count(current, None, &[], &[], COUNT_KEEP).await {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let (against, now) = windows::lock_alone(&mut tx).await?;
    let since = minute_of(now - COUNT_HORIZON - Duration::minutes(5));
    let started = match counts.count(against, None, &[], &[], COUNT_KEEP).await {
        Ok(Count::Whole { .. }) => return Ok(()),
        Ok(Count::Lost) => {
            let stored = windows::stored_counts(&mut tx, since).await?;
            let rows = stored.len();
            counts
                .start(since, against.epoch, &stored, COUNT_KEEP)
                .await
                .map(|generation| (generation, rows))
        }
        Err(e) => Err(e),
    };
    let (generation, rows) = match started {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!(error = %e, "flood counts cannot start again: Redis failed");
            return Ok(());
        }
    };
    windows::record_gen(&mut tx, generation).await?;
    tx.commit().await?;
    tracing::info!(
        generation,
        minutes_from = %since,
        rows,
        "flood counts started again from the stored clicks"
    );
    Ok(())
}

/// Says that clicks will be stored without being counted (scoring off): the counts fall
/// behind, and start again at the next count.
pub async fn counts_not_kept(pool: &PgPool) -> sqlx::Result<()> {
    windows::missed_count(pool).await
}

/// The reasons that depend on the click alone.
fn own_reasons(
    click: &NewClick<'_>,
    ranges: &RangeSet,
    suspended: bool,
    suspicious_agent: bool,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(ip) = click.ip {
        if ranges.datacenter.contains(ip) {
            reasons.push(Reason::DatacenterIp);
        }
        if ranges.vpn.contains(ip) {
            reasons.push(Reason::VpnIp);
        }
    }
    if suspicious_agent {
        reasons.push(Reason::SuspiciousAgent);
    }
    if suspended {
        reasons.push(Reason::SuspendedPromoter);
    }
    reasons
}

/// A visitor (its IP is the window's) on one offer and promoter: a click-flood group.
type Visitor<'a> = (&'a str, OfferId, PromoterId);

/// One click of a window: new (an index into the batch) or stored (into the loaded rows).
#[derive(Debug, Clone, Copy)]
enum Member {
    New(usize),
    Stored(usize),
}

/// Scores a batch's new ok clicks (none stored yet), with their IPs' window locks held (by
/// [`prepare`] when all were cold, else by [`lock_windows`]): the windows of hot IPs are
/// read, and only their clicks are looked at for floods (a cold IP's clicks can pass no limit).
pub async fn score_clicks(
    tx: &mut Transaction<'_, Postgres>,
    scoring: &Scoring,
    windows: &Windows,
    clicks: &[NewClick<'_>],
) -> sqlx::Result<Scored> {
    let mut out = Scored::default();
    if clicks.is_empty() {
        return Ok(out);
    }
    let held = &scoring.held;
    // A batch's clicks share few user agents: each is looked at once.
    let mut agents: HashMap<&str, bool> = HashMap::new();
    let mut reasons: Vec<Vec<Reason>> = clicks
        .iter()
        .map(|c| {
            let suspicious = *agents
                .entry(c.user_agent)
                .or_insert_with(|| rules::suspicious_agent(c.user_agent));
            let suspended = held.suspended.contains(&c.promoter_id);
            own_reasons(c, &held.ranges, suspended, suspicious)
        })
        .collect();

    // Each hot IP's window bounds: a click's flags depend on the window before it, and it can
    // flag clicks in the window after it. Per click, merged where they overlap, so an old
    // click redelivered beside new ones does not read all the IP's clicks in between.
    let window = scoring.limits.window;
    let mut times: BTreeMap<IpAddr, Vec<OffsetDateTime>> = BTreeMap::new();
    for c in clicks {
        if let Some(ip) = c.ip.filter(|ip| windows.is_hot(*ip)) {
            times.entry(ip).or_default().push(c.ts);
        }
    }
    let mut bounds: Vec<(IpAddr, OffsetDateTime, OffsetDateTime)> = Vec::new();
    for (ip, mut ts) in times {
        ts.sort_unstable();
        for t in ts {
            let (lo, hi) = (
                t.checked_sub(window).unwrap_or(t),
                t.checked_add(window).unwrap_or(t),
            );
            match bounds.last_mut() {
                Some(last) if last.0 == ip && lo <= last.2 => last.2 = last.2.max(hi),
                _ => bounds.push((ip, lo, hi)),
            }
        }
    }
    let stored = windows::stored_in(tx, &bounds).await?;

    // Windows by IP, and within them by visitor on one offer and promoter: of hot IPs only
    // (a cold IP's clicks flag nothing and are flagged by nothing, the batch's own included:
    // they were counted before it was found cold).
    let mut by_ip: HashMap<IpAddr, Vec<(Timed, Member)>> = HashMap::new();
    for (i, c) in clicks.iter().enumerate() {
        if let Some(ip) = c.ip.filter(|ip| windows.is_hot(*ip)) {
            let t = Timed {
                ts: c.ts,
                id: c.id.0,
            };
            by_ip.entry(ip).or_default().push((t, Member::New(i)));
        }
    }
    for (i, s) in stored.iter().enumerate() {
        let t = Timed {
            ts: s.ts,
            id: s.id.0,
        };
        by_ip
            .entry(s.ip.addr())
            .or_default()
            .push((t, Member::Stored(i)));
    }
    let mut stored_flags: Vec<Vec<Reason>> = vec![Vec::new(); stored.len()];
    let visitor_of = |m: Member| -> (&str, OfferId, PromoterId) {
        match m {
            Member::New(i) => (
                clicks[i].user_agent,
                clicks[i].offer_id,
                clicks[i].promoter_id,
            ),
            Member::Stored(i) => (
                stored[i].user_agent.as_str(),
                stored[i].offer_id,
                stored[i].promoter_id,
            ),
        }
    };
    let mut flag = |m: Member, r: Reason| match m {
        Member::New(i) => reasons[i].push(r),
        Member::Stored(i) => stored_flags[i].push(r),
    };
    for (_, mut members) in by_ip {
        members.sort_by_key(|(t, _)| *t);
        let timed: Vec<Timed> = members.iter().map(|(t, _)| *t).collect();
        for (flooded, (_, m)) in rules::flooded(&timed, window, scoring.limits.per_ip)
            .into_iter()
            .zip(&members)
        {
            if flooded {
                flag(*m, Reason::IpFlood);
            }
        }
        let mut visitors: HashMap<Visitor<'_>, Vec<(Timed, Member)>> = HashMap::new();
        for (t, m) in &members {
            visitors.entry(visitor_of(*m)).or_default().push((*t, *m));
        }
        for (_, group) in visitors {
            // Still in (ts, id) order: taken from the sorted members.
            let timed: Vec<Timed> = group.iter().map(|(t, _)| *t).collect();
            for (flooded, (_, m)) in rules::flooded(&timed, window, scoring.limits.per_visitor)
                .into_iter()
                .zip(&group)
            {
                if flooded {
                    flag(*m, Reason::ClickFlood);
                }
            }
        }
    }

    for (c, r) in clicks.iter().zip(reasons) {
        if !r.is_empty() {
            out.reasons.insert(c.id, rules::normalized(r));
        }
    }
    for (s, flags) in stored.into_iter().zip(stored_flags) {
        let before = rules::from_texts(&s.fraud);
        let after = rules::normalized(before.iter().copied().chain(flags).collect());
        if after == before {
            continue;
        }
        out.restamped.push(Restamped {
            id: s.id,
            ts: s.ts,
            offer_id: s.offer_id,
            promoter_id: s.promoter_id,
            advertiser_id: s.advertiser_id,
            ip: s.ip.addr(),
            user_agent: s.user_agent,
            country: s.country,
            sub1: s.sub1,
            is_unique: s.is_unique,
            before,
            after,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_765_000_000 - 1_765_000_000 % 60 + secs)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn a_window_either_side_touches_the_minutes_it_overlaps() {
        let w = Duration::seconds(60);
        assert_eq!(minutes_around(at(0), w), vec![at(-60), at(0), at(60)]);
        assert_eq!(minutes_around(at(59), w), vec![at(-60), at(0), at(60)]);
        assert_eq!(minutes_around(at(30), Duration::seconds(10)), vec![at(0)]);
        assert_eq!(
            minutes_around(at(55), Duration::seconds(10)),
            vec![at(0), at(60)]
        );
        assert_eq!(minute_of(at(-1)), at(-60));
    }

    fn batch(limit: i64, clicks: &[(&str, i64)]) -> Windows {
        let mut windows = Windows {
            limit,
            ..Windows::default()
        };
        for (ip, secs) in clicks {
            let ip: IpAddr = ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            windows
                .ips
                .entry(ip)
                .or_default()
                .around
                .push(minutes_around(at(*secs), Duration::seconds(60)));
        }
        windows
    }

    #[test]
    fn an_ip_is_hot_when_the_minutes_around_one_of_its_clicks_pass_the_limit() {
        let a: IpAddr = "192.0.2.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let b: IpAddr = "192.0.2.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let mut windows = batch(5, &[("192.0.2.1", 0), ("192.0.2.2", 0)]);
        let mut counts = HashMap::new();
        // Five around a's click (the limit): cold; six around b's: hot.
        counts.insert((a, at(-60)), 2);
        counts.insert((a, at(60)), 3);
        counts.insert((b, at(0)), 6);
        // Counts two minutes away are outside every window of the click.
        counts.insert((a, at(120)), 50);
        assert_eq!(windows.heat_up(&counts, at(-3600)), 1);
        assert!(!windows.is_hot(a) && windows.is_hot(b));
        assert_eq!(windows.heat(), (1, 1));
        // Only the cold IP's minutes are read again; one more click there turns it.
        assert_eq!(windows.spans(true), vec![(a, at(-60), at(60))]);
        counts.insert((a, at(0)), 1);
        assert_eq!(windows.heat_up(&counts, at(-3600)), 1);
        assert!(windows.is_hot(a) && windows.spans(true).is_empty());
    }

    #[test]
    fn an_ip_is_hot_when_a_minute_around_one_of_its_clicks_is_not_counted() {
        let a: IpAddr = "192.0.2.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let b: IpAddr = "192.0.2.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        // a's click at 0 reaches back into minute -60; b's at 150 starts at minute 60.
        let mut windows = batch(5, &[("192.0.2.1", 0), ("192.0.2.2", 150)]);
        assert_eq!(windows.heat_up(&HashMap::new(), at(0)), 1);
        assert!(windows.is_hot(a) && !windows.is_hot(b));
        assert_eq!(windows.heat_up(&HashMap::new(), at(60)), 0);
        assert_eq!(windows.heat_up(&HashMap::new(), at(120)), 1);
        assert_eq!(windows.all_hot(), 0);
    }
}
