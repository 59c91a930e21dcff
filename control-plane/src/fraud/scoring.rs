//! Click scoring at ingest (DESIGN §11), one batch at a time and without a query per click:
//! the IP ranges are in memory; suspended promoters are one query; the flood windows are one
//! query for the stored ok clicks of the batch's IPs around the batch's times, read behind a
//! lock per IP, so batches of the same IP are scored one after the other whichever control
//! plane takes them.
//!
//! A flood flag depends on the clicks before a click in its window, and clicks arrive in any
//! order: a late click can make stored clicks after it the 6th (or 61st) of their window.
//! Those come back as [`Restamped`], for ingest to write with their counts moved. Flags are
//! only ever added (a click added to a window never clears a flag), so the outcome is the
//! same whatever order the clicks arrive in.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use crate::fraud::db::{suspensions, windows};
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
    /// The imported ranges.
    pub ranges: std::sync::Arc<RangeSet>,
}

/// Takes the flood-window locks of the IPs of a batch's clicks until the transaction ends.
/// Call it before reading which of the clicks are stored already, so a concurrent delivery
/// of the same clicks is seen whole.
pub async fn lock_windows(
    tx: &mut Transaction<'_, Postgres>,
    ips: impl IntoIterator<Item = IpAddr>,
) -> sqlx::Result<()> {
    windows::lock(tx, ips).await
}

/// The reasons that depend on the click alone.
fn own_reasons(click: &NewClick<'_>, ranges: &RangeSet, suspended: bool) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(ip) = click.ip {
        if ranges.datacenter.contains(ip) {
            reasons.push(Reason::DatacenterIp);
        }
        if ranges.vpn.contains(ip) {
            reasons.push(Reason::VpnIp);
        }
    }
    if rules::suspicious_agent(click.user_agent) {
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

/// Scores a batch's new ok clicks (none stored yet), with [`lock_windows`] held for their
/// IPs.
pub async fn score_clicks(
    tx: &mut Transaction<'_, Postgres>,
    scoring: &Scoring,
    clicks: &[NewClick<'_>],
) -> sqlx::Result<Scored> {
    let mut out = Scored::default();
    if clicks.is_empty() {
        return Ok(out);
    }
    let promoters: Vec<PromoterId> = clicks
        .iter()
        .map(|c| c.promoter_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let suspended = suspensions::suspended_among(&mut **tx, &promoters).await?;
    let mut reasons: Vec<Vec<Reason>> = clicks
        .iter()
        .map(|c| own_reasons(c, &scoring.ranges, suspended.contains(&c.promoter_id)))
        .collect();

    // Each IP's window bounds: a click's flags depend on the window before it, and it can
    // flag clicks in the window after it. Per click, merged where they overlap, so an old
    // click redelivered beside new ones does not read all the IP's clicks in between.
    let window = scoring.limits.window;
    let mut times: BTreeMap<IpAddr, Vec<OffsetDateTime>> = BTreeMap::new();
    for c in clicks {
        if let Some(ip) = c.ip {
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

    // Windows by IP, and within them by visitor on one offer and promoter.
    let mut by_ip: HashMap<IpAddr, Vec<(Timed, Member)>> = HashMap::new();
    for (i, c) in clicks.iter().enumerate() {
        if let Some(ip) = c.ip {
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
