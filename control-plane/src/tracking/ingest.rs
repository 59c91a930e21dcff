//! Event ingestion: one path for the signed HTTP batches (Cloudflare) and the Redis Stream
//! (Spin, native). Each event is parsed on its own: a malformed one goes to `dead_letters`
//! with the reason, the rest of the batch is stored. Clicks and conversions are written with
//! multi-row inserts (`UNNEST`) and `ON CONFLICT DO NOTHING`, so a batch delivered twice
//! changes nothing the second time. Clicks and their rollups commit together; conversions are
//! then attributed one by one (with pending ones whose click just landed), and the live
//! counters are bumped last.

use std::collections::{BTreeMap, HashSet};

use afftok_shared::{ClickEvent, ConversionEvent, Event};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::startup::AppState;
use crate::conversions;
use crate::conversions::NewConversion;
use crate::events::catalogue::ClicksStored;
use crate::events::{self, EventKind};
use crate::fraud::rules::{self as fraud_rules, blocked};
use crate::fraud::{self, NewClick, Reason, Scored, Scoring, Windows};
use crate::kernel::event_time;
use crate::kernel::{AdvertiserId, ClickId, ConversionId, OfferId, PromoterId};
use crate::stats::{self as rollups, ClickKey, FilteredKey};
use crate::tracking::rescore::{self, Owners, Tally};
use crate::tracking::uniques;

/// What became of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Report {
    /// Events stored now.
    pub stored: usize,
    /// Events already stored (redelivered).
    pub duplicates: usize,
    /// Events kept aside as unreadable.
    pub dead_lettered: usize,
}

/// Why a batch was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Other deliveries of its clicks kept committing first, every time it was tried.
    #[error("another delivery stored these clicks first")]
    Raced,
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl IngestError {
    /// Whether the database is away (nothing can be stored now): the errors `kernel::error`
    /// answers 503 for.
    pub fn is_unavailable(&self) -> bool {
        match self {
            IngestError::Db(e) => crate::kernel::error::is_unavailable(e),
            IngestError::Raced => false,
        }
    }
}

/// A click's offer (its id fits: [`read_event`] checked).
fn offer_of(click: &ClickEvent) -> OfferId {
    OfferId(click.offer_id as i64)
}

/// A click's promoter (its id fits: [`read_event`] checked).
fn promoter_of(click: &ClickEvent) -> PromoterId {
    PromoterId(click.promoter_id as i64)
}

/// The visitor of a click: SHA-256 of its IP and User-Agent (no IP is kept in the key).
fn visitor(click: &ClickEvent) -> Vec<u8> {
    visitor_hash(click.ip, &click.user_agent)
}

/// SHA-256 of an IP and a User-Agent: a visitor.
pub(super) fn visitor_hash(ip: Option<std::net::IpAddr>, user_agent: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(ip.map(|ip| ip.to_string()).unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(user_agent.as_bytes());
    h.finalize().to_vec()
}

fn i64_of(value: u64, what: &str) -> Result<i64, String> {
    i64::try_from(value).map_err(|_| format!("{what} {value} is out of range"))
}

/// Longest `edge` name kept.
const MAX_EDGE_LEN: usize = 64;

/// Postgres text cannot hold NUL.
fn clean(text: &str, max: usize) -> String {
    afftok_shared::event::truncate(text, max).replace('\0', "")
}

/// Reads one event and checks what the edge guarantees but a reader must not take on trust;
/// the error says why it was set aside.
fn read_event(text: &str) -> Result<Event, String> {
    let event = serde_json::from_str::<Event>(text)
        .map_err(|e| format!("not a valid event: {e}").replace('\0', "\u{fffd}"))?;
    match event {
        Event::Click(mut c) => {
            // Ids are i64 in Postgres: refuse what does not fit rather than wrap.
            i64_of(c.offer_id, "offer_id")?;
            i64_of(c.promoter_id, "promoter_id")?;
            i32::try_from(c.kid).map_err(|_| format!("kid {} is out of range", c.kid))?;
            // A click id is the UUIDv7 the edge minted at the click's time: the time in the id
            // is the click's `ts`, so the id alone identifies the stored row.
            let id_millis =
                c.id.get_timestamp()
                    .filter(|_| c.id.get_version_num() == 7)
                    .map(|t| {
                        let (secs, nanos) = t.to_unix();
                        u128::from(secs) * 1000 + u128::from(nanos / 1_000_000)
                    });
            if id_millis != Some(u128::from(c.ts.unix_millis())) {
                return Err("the click id is not the UUIDv7 of the click's ts".to_owned());
            }
            c.user_agent = clean(&c.user_agent, afftok_shared::event::MAX_USER_AGENT_LEN);
            c.referer = c
                .referer
                .map(|r| clean(&r, afftok_shared::event::MAX_REFERER_LEN));
            c.edge = clean(&c.edge, MAX_EDGE_LEN);
            let mut subs = afftok_shared::event::Subs::default();
            for n in 1..=5 {
                if let Some(sub) = c.subs.get(n) {
                    subs.set_first(n, &clean(sub, afftok_shared::event::MAX_SUB_LEN));
                }
            }
            c.subs = subs;
            Ok(Event::Click(c))
        }
        Event::Conversion(mut c) => {
            i64_of(c.advertiser_id, "advertiser_id")?;
            if !afftok_shared::postback::valid_event(&c.event) {
                return Err("event must be 1 to 64 characters of A-Z, a-z, 0-9, _ . -".to_owned());
            }
            if c.txid
                .as_deref()
                .is_some_and(|t| !afftok_shared::postback::valid_txid(t))
            {
                return Err("txid must be at most 128 bytes without control characters".to_owned());
            }
            c.edge = clean(&c.edge, MAX_EDGE_LEN);
            Ok(Event::Conversion(c))
        }
    }
}

/// Parses and stores a batch of events given as JSON texts. `source` names where they came
/// from in dead letters (`http`, `stream`).
pub async fn ingest(
    state: &AppState,
    source: &str,
    texts: &[String],
) -> Result<Report, IngestError> {
    // Another delivery of some of the same clicks committed while this one was storing them:
    // the next time they are found stored. Each lost race means another delivery committed
    // more of this batch, so the loop ends; the bound only guards against a bug there.
    let mut attempts = 1;
    loop {
        match ingest_once(state, source, texts).await {
            Err(IngestError::Raced) if attempts < MAX_ATTEMPTS => attempts += 1,
            done => return done,
        }
    }
}

/// How many times a batch is tried when other deliveries of its clicks keep committing first.
const MAX_ATTEMPTS: usize = 16;

async fn ingest_once(
    state: &AppState,
    source: &str,
    texts: &[String],
) -> Result<Report, IngestError> {
    let mut report = Report::default();
    let mut clicks: Vec<ClickEvent> = Vec::new();
    let mut conversions_in: Vec<ConversionEvent> = Vec::new();
    let mut dead: Vec<(&str, String)> = Vec::new();
    let mut seen = HashSet::new();
    for text in texts {
        match read_event(text) {
            Ok(event) => {
                if !seen.insert(event.id()) {
                    report.duplicates += 1;
                    continue;
                }
                match event {
                    Event::Click(c) => clicks.push(c),
                    Event::Conversion(c) => conversions_in.push(c),
                }
            }
            Err(why) => dead.push((text, why)),
        }
    }
    // Rows are written in id order, so concurrent deliveries of overlapping batches lock them
    // in the same order (no deadlocks).
    clicks.sort_by_key(|c| c.id);
    conversions_in.sort_by_key(|c| c.id);

    // Clicks on links signed with a test key are sandbox traffic (DESIGN §16).
    let test_kids: HashSet<i64> = if clicks.is_empty() {
        HashSet::new()
    } else {
        let kids: Vec<i64> = clicks
            .iter()
            .map(|c| c.kid as i64)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        crate::links::signing_keys::test_kids_among(&state.db, &kids)
            .await?
            .into_iter()
            .collect()
    };

    // The flood-window locks first, before anything reads what is stored: a delivery of the
    // same IPs' clicks that holds them exclusively commits first, and its clicks are then
    // found stored. Scoring takes them shared, then counts the batch's ok clicks in Redis
    // (fraud::scoring). When an IP is hot, the transaction starts again with that IP locked
    // exclusively (rolling back lets go of the locks taken), and again while one turns hot.
    // When the counts were lost, they start again from the stored clicks, and the batch with
    // them.
    let scored_clicks = || {
        clicks
            .iter()
            .filter(|c| c.verdict.is_counted() && !test_kids.contains(&(c.kid as i64)))
            .filter_map(|c| Some((c.ip?, event_time(c.ts))))
    };
    let mut tx = state.db.begin().await?;
    let scoring = if state.settings.fraud.scoring && !clicks.is_empty() {
        let mut restarted = false;
        loop {
            let (scoring, mut windows, prepared) = fraud::prepare(
                &mut tx,
                &state.db,
                &state.fraud_scoring,
                &state.flood_counts,
                state.settings.fraud.flood,
                scored_clicks(),
                restarted,
            )
            .await?;
            match prepared {
                fraud::Prepared::AllCold => break Some((scoring, windows)),
                fraud::Prepared::SomeHot => {
                    tx.rollback().await?;
                    tx = loop {
                        let mut tx = state.db.begin().await?;
                        if fraud::lock_windows(
                            &mut tx,
                            &state.db,
                            &state.fraud_scoring,
                            &state.flood_counts,
                            &mut windows,
                        )
                        .await?
                        {
                            break tx;
                        }
                        tx.rollback().await?;
                    };
                    break Some((scoring, windows));
                }
                fraud::Prepared::CountsLost => {
                    tx.rollback().await?;
                    fraud::start_counting(&state.db, &state.flood_counts).await?;
                    restarted = true;
                    tx = state.db.begin().await?;
                }
            }
        }
    } else {
        None
    };
    if !dead.is_empty() {
        store_dead_letters(&mut tx, source, &dead).await?;
        report.dead_lettered = dead.len();
    }
    let scorer = scoring.as_ref().map(|(s, w)| (s, w));
    let (new_clicks, newly_blocked) = store_clicks(&mut tx, &clicks, &test_kids, scorer).await?;
    report.stored += new_clicks.len();
    report.duplicates += clicks.len() - new_clicks.len();
    let new_conversions = store_conversions(&mut tx, &conversions_in).await?;
    report.stored += new_conversions;
    report.duplicates += conversions_in.len() - new_conversions;
    tx.commit().await?;

    // Attribute every pending conversion of the batch and every one waiting for a click of the
    // batch, new or redelivered: a redelivery after a crash between the commit above and
    // attribution finishes the work instead of leaving conversions pending.
    // A conversion whose attribution fails stays pending (the sweeper retries it) and does not
    // hold up the batch, which is stored.
    let conversion_ids: Vec<ConversionId> =
        conversions_in.iter().map(|c| ConversionId(c.id)).collect();
    let click_ids: Vec<ClickId> = clicks.iter().map(|c| ClickId(c.id)).collect();
    match conversions::pending_among(&state.db, &conversion_ids, &click_ids).await {
        Ok(pending) => {
            conversions::attribute_all(&state.db, state.settings.fraud.min_ctit, &pending).await
        }
        Err(e) => {
            tracing::warn!(error = %e, "finding conversions to attribute failed; the sweeper will")
        }
    }
    conversions::reconsider_flagged(&state.db, state.settings.fraud.min_ctit, &newly_blocked).await;
    state.metrics.count_events(source, &report);
    let newest = clicks
        .iter()
        .map(|c| c.ts.unix_millis())
        .chain(conversions_in.iter().map(|c| c.ts.unix_millis()))
        .max();
    if let Some(newest) = newest {
        let now = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as f64;
        state
            .metrics
            .observe_ingest_lag(source, (now - newest as f64) / 1000.0);
    }
    Ok(report)
}

/// Sets one event aside that could not be stored, with the reason.
pub(super) async fn dead_letter(
    state: &AppState,
    source: &str,
    text: &str,
    reason: &str,
) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    store_dead_letters(&mut tx, source, &[(text, reason.replace('\0', "\u{fffd}"))]).await?;
    tx.commit().await?;
    state.metrics.count_events(
        source,
        &Report {
            dead_lettered: 1,
            ..Report::default()
        },
    );
    Ok(())
}

/// Keeps unreadable events, once per payload (a redelivery bumps `times_seen`).
async fn store_dead_letters(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    source: &str,
    dead: &[(&str, String)],
) -> sqlx::Result<()> {
    let mut by_hash: BTreeMap<Vec<u8>, (String, &str)> = BTreeMap::new();
    for (payload, reason) in dead {
        let hash = Sha256::digest(payload.as_bytes()).to_vec();
        // Postgres text cannot hold NUL; the hash is of the payload as received.
        by_hash
            .entry(hash)
            .or_insert_with(|| (payload.replace('\0', "\u{fffd}"), reason.as_str()));
    }
    let (hashes, rest): (Vec<Vec<u8>>, Vec<(String, &str)>) = by_hash.into_iter().unzip();
    let (payloads, reasons): (Vec<String>, Vec<String>) = rest
        .into_iter()
        .map(|(payload, reason)| (payload, reason.to_owned()))
        .unzip();
    sqlx::query!(
        "INSERT INTO dead_letters (source, payload, payload_sha256, reason)
         SELECT $1, * FROM UNNEST($2::text[], $3::bytea[], $4::text[])
         ON CONFLICT (payload_sha256) DO UPDATE SET
             times_seen = dead_letters.times_seen + 1, last_seen_at = now()",
        source,
        &payloads,
        &hashes,
        &reasons,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A CSV field for COPY: quoted (so an empty text is not NULL), quotes doubled; `None` is
/// NULL.
fn csv_field(out: &mut String, value: Option<&str>) {
    if let Some(v) = value {
        out.push('"');
        for ch in v.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        out.push('"');
    }
}

/// One `clicks` row as a CSV line, in the column order of the COPY in `store_clicks`.
fn click_csv(
    out: &mut String,
    c: &ClickEvent,
    advertiser: Option<AdvertiserId>,
    unique: bool,
    fraud: &[Reason],
    test: bool,
) {
    use std::fmt::Write as _;
    let at = event_time(c.ts)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let _ = write!(
        out,
        "{},{at},{},{},{},{},{},{},",
        c.id,
        c.offer_id,
        c.promoter_id,
        advertiser.map(|a| a.to_string()).unwrap_or_default(),
        c.kid,
        c.verdict.as_str(),
        if unique { 't' } else { 'f' }
    );
    if let Some(ip) = c.ip {
        let _ = write!(out, "{ip}");
    }
    out.push(',');
    csv_field(out, Some(&c.user_agent));
    out.push(',');
    csv_field(out, c.referer.as_deref());
    out.push(',');
    csv_field(out, c.country.as_ref().map(|c| c.as_str()));
    for n in 1..=5 {
        out.push(',');
        csv_field(out, c.subs.get(n));
    }
    out.push(',');
    csv_field(out, Some(&c.edge));
    // A Postgres array literal: the reason names need no quoting inside it.
    let _ = write!(out, ",\"{{{}}}\"", fraud_rules::to_texts(fraud).join(","));
    out.push_str(if test { ",t\n" } else { ",f\n" });
}

/// Each offer's advertiser and currency (the stats count its clicks under both).
async fn owners_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    offer_ids: impl IntoIterator<Item = OfferId>,
) -> sqlx::Result<Owners> {
    let ids: Vec<i64> = offer_ids
        .into_iter()
        .map(|o| o.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(Owners::new());
    }
    Ok(sqlx::query!(
        r#"SELECT id AS "id: OfferId", advertiser_id AS "advertiser_id: AdvertiserId",
            currency::text AS "currency!" FROM offers WHERE id = ANY($1)"#,
        &ids,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|o| (o.id, (o.advertiser_id, o.currency)))
    .collect())
}

/// Stores new clicks with their fraud reasons, uniqueness and rollups, and records their
/// `click.stored` event, the flood-window locks of their IPs held (`fraud::prepare`, then
/// `fraud::lock_windows` if an IP was hot);
/// returns the ids stored now, and the stored clicks they blocked. A click already stored (a
/// redelivery) is left as it is: its reasons, uniqueness and counts were settled when it was
/// first stored (or since, by the clicks of its flood windows: `rescore`). Test clicks (their kid is in
/// `test_kids`) are stored marked `test` and nothing else: no scoring, no uniqueness, no
/// rollups, no event.
async fn store_clicks(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    clicks: &[ClickEvent],
    test_kids: &HashSet<i64>,
    scoring: Option<(&Scoring, &Windows)>,
) -> Result<(Vec<ClickId>, Vec<ClickId>), IngestError> {
    if clicks.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let is_test = |c: &ClickEvent| test_kids.contains(&(c.kid as i64));
    let mut owners = owners_of(tx, clicks.iter().map(offer_of)).await?;
    let all_ids: Vec<Uuid> = clicks.iter().map(|c| c.id).collect();
    let (earliest, latest) = clicks.iter().map(|c| event_time(c.ts)).fold(
        (None, None),
        |(lo, hi): (Option<OffsetDateTime>, Option<OffsetDateTime>), t| {
            (
                Some(lo.map_or(t, |lo| lo.min(t))),
                Some(hi.map_or(t, |hi| hi.max(t))),
            )
        },
    );
    // The ts range lets Postgres look in the partitions that can hold them only.
    let stored_before: HashSet<ClickId> = sqlx::query_scalar!(
        r#"SELECT id AS "id: ClickId" FROM clicks WHERE id = ANY($1) AND ts >= $2 AND ts <= $3"#,
        &all_ids,
        earliest,
        latest,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let (test_fresh, fresh): (Vec<&ClickEvent>, Vec<&ClickEvent>) = clicks
        .iter()
        .filter(|c| !stored_before.contains(&ClickId(c.id)))
        .partition(|c| is_test(c));
    if fresh.is_empty() && test_fresh.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }

    // Fraud reasons of the new ok clicks, and the stored clicks they flag.
    let scored = match scoring {
        Some((scoring, windows)) => {
            let new: Vec<NewClick<'_>> = fresh
                .iter()
                .filter(|c| c.verdict.is_counted())
                .map(|c| NewClick {
                    id: ClickId(c.id),
                    ts: event_time(c.ts),
                    offer_id: offer_of(c),
                    promoter_id: promoter_of(c),
                    ip: c.ip,
                    user_agent: &c.user_agent,
                })
                .collect();
            fraud::score_clicks(tx, scoring, windows, &new).await?
        }
        None => Scored::default(),
    };
    let reasons_of =
        |id: ClickId| -> &[Reason] { scored.reasons.get(&id).map_or(&[], |r| r.as_slice()) };
    // Counted: ok at the edge and no blocking reason.
    let counted = |c: &ClickEvent| c.verdict.is_counted() && !blocked(reasons_of(ClickId(c.id)));
    let unknown: Vec<OfferId> = scored
        .restamped
        .iter()
        .map(|r| r.offer_id)
        .filter(|o| !owners.contains_key(o))
        .collect();
    owners.extend(owners_of(tx, unknown).await?);
    let mut tally = Tally::default();
    let newly_blocked = rescore::apply(tx, &scored.restamped, &owners, &mut tally).await?;

    // Uniqueness next, so each click is written once with its flag: the earliest counted
    // click of a visitor per offer, promoter and UTC day, among clicks on offers this control
    // plane knows (the ones counted).
    let candidates: Vec<uniques::Candidate> = fresh
        .iter()
        .filter(|c| counted(c) && owners.contains_key(&offer_of(c)))
        .map(|c| uniques::Candidate {
            key: (
                event_time(c.ts).date(),
                offer_of(c),
                promoter_of(c),
                visitor(c),
            ),
            id: ClickId(c.id),
            ts: event_time(c.ts),
        })
        .collect();
    let unique = uniques::assign(tx, &candidates).await?;
    let is_unique = |id: ClickId| unique.first_seen.contains(&id) || unique.took_over.contains(&id);

    // COPY is the fastest way in. The clicks are new (checked above): a delivery of the same
    // clicks racing this one makes the COPY fail on the primary key, and the caller runs
    // the batch again, when they are found stored.
    let mut csv = String::with_capacity((fresh.len() + test_fresh.len()) * 320);
    for c in &fresh {
        click_csv(
            &mut csv,
            c,
            owners.get(&offer_of(c)).map(|(a, _)| *a),
            is_unique(ClickId(c.id)),
            reasons_of(ClickId(c.id)),
            false,
        );
    }
    for c in &test_fresh {
        let advertiser = owners.get(&offer_of(c)).map(|(a, _)| *a);
        click_csv(&mut csv, c, advertiser, false, &[], true);
    }
    // COPY stays unchecked (sqlx has no macro for it): its columns are in the order
    // `click_csv` writes them.
    let mut copy = tx
        .copy_in_raw(
            "COPY clicks (id, ts, offer_id, promoter_id, advertiser_id, kid, verdict, is_unique, ip,
                          user_agent, referer, country, sub1, sub2, sub3, sub4, sub5, edge, fraud,
                          test)
             FROM STDIN WITH (FORMAT csv)",
        )
        .await?;
    copy.send(csv.into_bytes()).await?;
    if let Err(e) = copy.finish().await {
        if crate::kernel::error::is_unique_violation(&e, None) {
            return Err(IngestError::Raced);
        }
        return Err(e.into());
    }
    // The COPY stored every fresh click (or failed above).
    let inserted: Vec<ClickId> = fresh
        .iter()
        .chain(&test_fresh)
        .map(|c| ClickId(c.id))
        .collect();

    // Rollups by 15-minute bucket, offer, promoter, country and sub1 (and per scope);
    // filtered clicks by reason per day.
    for c in &fresh {
        let (offer_id, promoter_id) = (offer_of(c), promoter_of(c));
        let Some((advertiser, currency)) = owners.get(&offer_id) else {
            // A click on an offer this control plane does not know is stored, not counted.
            continue;
        };
        let at = event_time(c.ts);
        let key = ClickKey::new(
            at,
            (offer_id, promoter_id, *advertiser),
            currency,
            c.country.as_ref().map(|c| c.as_str()),
            c.subs.get(1),
        );
        let entry = tally.counts.entry(key).or_default();
        let is_counted = counted(c);
        if is_counted {
            entry.clicks += 1;
        } else {
            entry.filtered_clicks += 1;
        }
        if is_unique(ClickId(c.id)) {
            entry.unique_clicks += 1;
        }
        let day = at.date();
        let reasons: Vec<&'static str> = if c.verdict.is_counted() {
            reasons_of(ClickId(c.id))
                .iter()
                .map(|r| r.as_str())
                .collect()
        } else {
            vec![c.verdict.as_str()]
        };
        for reason in reasons {
            *tally
                .filtered
                .entry(FilteredKey {
                    day,
                    offer_id,
                    promoter_id,
                    advertiser_id: *advertiser,
                    reason,
                })
                .or_default() += 1;
        }
        let count = tally.day(offer_id, promoter_id, *advertiser, day);
        if is_counted {
            count.clicks += 1;
        } else {
            count.filtered_clicks += 1;
        }
        // A click taking the place of a later one of the same UTC day leaves the day's
        // unique count as it was.
        if unique.first_seen.contains(&ClickId(c.id)) {
            count.unique_clicks += 1;
        }
    }
    for d in &unique.displaced {
        let Some(advertiser) = d.advertiser_id else {
            continue;
        };
        // A displaced click is on the offer of the click taking its place: loaded above.
        let currency = owners.get(&d.offer_id).map_or("", |(_, c)| c.as_str());
        let key = ClickKey::new(
            d.ts,
            (d.offer_id, d.promoter_id, advertiser),
            currency,
            d.country.as_deref(),
            d.sub1.as_deref(),
        );
        tally.counts.entry(key).or_default().unique_clicks -= 1;
    }
    rollups::add_clicks(tx, &tally.counts).await?;
    rollups::add_filtered(tx, &tally.filtered).await?;
    if !tally.stored.is_empty() {
        events::record(
            tx,
            EventKind::ClickStored,
            &ClicksStored {
                counts: tally.stored.into_values().collect(),
            },
        )
        .await?;
    }
    Ok((inserted, newly_blocked))
}

/// Stores new conversions as pending; returns how many were stored now.
async fn store_conversions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    conversions_in: &[ConversionEvent],
) -> Result<usize, IngestError> {
    if conversions_in.is_empty() {
        return Ok(0);
    }
    let rows: Vec<NewConversion> = conversions_in
        .iter()
        .map(NewConversion::from_event)
        .collect();
    Ok(crate::conversions::insert_conversions(tx, &rows)
        .await?
        .len())
}
