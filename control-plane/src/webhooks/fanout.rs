//! The fan-out: a consumer of the domain events that makes one message per (event, endpoint
//! that may see it and subscribes to it), and per promoter postback that fires, in the
//! transaction that moves its position (so each is made exactly once), then wakes the
//! sender.

use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;

use crate::app::AppState;
use crate::events::catalogue::{
    ContestFinished, ConversionChanged, LevelReached, OfferStatusChanged, PromoterJoined,
};
use crate::events::{Consumer, ConsumerError, EventKind, Handled, StoredEvent};
use crate::kernel::money::Money;
use crate::kernel::status::ConversionStatus;
use crate::kernel::{ConversionId, OfferId, PromoterId};
use crate::webhooks::db::endpoints::{self, Kind, Target};
use crate::webhooks::db::messages::{self, NewMessage};
use crate::webhooks::payloads::{
    self, ContestData, ConversionData, JoinedData, LevelData, OfferData,
};
use crate::webhooks::rules::{self, EventType, PostbackValues};

/// The webhooks consumer (position `webhooks`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Fanout;

impl Consumer for Fanout {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn handle<'a>(
        &'a self,
        _state: &'a AppState,
        conn: &'a mut PgConnection,
        events: &'a [StoredEvent],
    ) -> Handled<'a> {
        Box::pin(async move {
            fan_out(conn, events).await?;
            Ok(())
        })
    }

    fn committed(&self, state: &AppState) {
        state.webhook_wake.notify_one();
    }
}

/// Whom an event concerns.
#[derive(Debug, Clone, Copy)]
struct Concerns {
    advertiser: Option<crate::kernel::AdvertiserId>,
    promoter: Option<PromoterId>,
}

/// Whether `target`'s owner may see an event that concerns `c` (admins' endpoints see all).
fn sees(target: &Target, c: Concerns) -> bool {
    match (target.advertiser_id, target.promoter_id) {
        (None, None) => true,
        (Some(a), _) => c.advertiser == Some(a),
        (_, Some(p)) => c.promoter == Some(p),
    }
}

/// Whether `w` subscribes to `t` and existed when `e` was recorded (an endpoint made while
/// the consumer catches up does not get what happened before it).
fn fits(w: &Target, e: &StoredEvent, t: EventType) -> bool {
    w.created_at <= e.recorded_at && rules::subscribed(&w.event_types, t)
}

async fn fan_out(conn: &mut PgConnection, events: &[StoredEvent]) -> Result<usize, ConsumerError> {
    let relevant = events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::ConversionDecided
                | EventKind::ConversionReversed
                | EventKind::OfferStatusChanged
                | EventKind::PromoterJoined
                | EventKind::PointsLevelReached
                | EventKind::ContestFinished
        )
    });
    if !relevant {
        return Ok(0);
    }
    let targets = endpoints::enabled_targets(&mut *conn).await?;
    if targets.is_empty() {
        return Ok(0);
    }
    let webhooks: Vec<&Target> = targets.iter().filter(|t| t.kind == Kind::Webhook).collect();
    let postbacks: Vec<&Target> = targets
        .iter()
        .filter(|t| t.kind == Kind::Postback)
        .collect();

    // Facts some events need: which promoters with webhooks joined the offers that changed,
    // and the sub-IDs of the conversions a postback fires for.
    let mut offer_changes = Vec::new();
    let mut conversions = Vec::new();
    let mut joined = Vec::new();
    let mut levels = Vec::new();
    let mut contests = Vec::new();
    for e in events {
        match e.kind {
            EventKind::ConversionDecided | EventKind::ConversionReversed => {
                conversions.push((e, e.payload::<ConversionChanged>()?));
            }
            EventKind::OfferStatusChanged => {
                offer_changes.push((e, e.payload::<OfferStatusChanged>()?))
            }
            EventKind::PromoterJoined => joined.push((e, e.payload::<PromoterJoined>()?)),
            EventKind::PointsLevelReached => levels.push((e, e.payload::<LevelReached>()?)),
            EventKind::ContestFinished => contests.push((e, e.payload::<ContestFinished>()?)),
            _ => {}
        }
    }
    let promoters_with_webhooks: Vec<i64> = webhooks
        .iter()
        .filter_map(|t| t.promoter_id.map(|p| p.0))
        .collect();
    let joined_offers: HashSet<(i64, i64)> = if offer_changes.is_empty()
        || promoters_with_webhooks.is_empty()
    {
        HashSet::new()
    } else {
        let offers: Vec<i64> = offer_changes.iter().map(|(_, o)| o.offer_id.0).collect();
        sqlx::query!(
            "SELECT promoter_id, offer_id FROM links WHERE offer_id = ANY($1) AND promoter_id = ANY($2)",
            &offers,
            &promoters_with_webhooks,
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.promoter_id, r.offer_id))
        .collect()
    };

    let mut out: Vec<NewMessage> = Vec::new();
    let mut firing: Vec<(i64, &Target, &ConversionChanged)> = Vec::new();
    for (e, c) in &conversions {
        let t = if e.kind == EventKind::ConversionDecided && c.from == ConversionStatus::Pending {
            EventType::ConversionCreated
        } else {
            EventType::ConversionUpdated
        };
        let concerns = Concerns {
            advertiser: Some(c.advertiser_id),
            promoter: c.promoter_id,
        };
        let mut body = None;
        for w in webhooks
            .iter()
            .filter(|w| fits(w, e, t) && sees(w, concerns))
        {
            let body = body
                .get_or_insert_with(|| payloads::body(t, e.recorded_at, ConversionData::from(c)));
            out.push(NewMessage {
                endpoint_id: w.id,
                source_event: Some(e.id),
                event_type: t.as_str(),
                body: body.clone(),
            });
        }
        if let Some(p) = postback_for(&postbacks, c).filter(|p| p.created_at <= e.recorded_at) {
            firing.push((e.id, p, c));
        }
    }
    for (e, o) in &offer_changes {
        let t = EventType::OfferUpdated;
        let mut body = None;
        for w in &webhooks {
            let sees = match (w.advertiser_id, w.promoter_id) {
                (None, None) => true,
                (Some(a), _) => a == o.advertiser_id,
                (_, Some(p)) => joined_offers.contains(&(p.0, o.offer_id.0)),
            };
            if sees && fits(w, e, t) {
                let body = body
                    .get_or_insert_with(|| payloads::body(t, e.recorded_at, OfferData::from(o)));
                out.push(NewMessage {
                    endpoint_id: w.id,
                    source_event: Some(e.id),
                    event_type: t.as_str(),
                    body: body.clone(),
                });
            }
        }
    }
    for (e, j) in &joined {
        let t = EventType::PromoterJoined;
        let concerns = Concerns {
            advertiser: Some(j.advertiser_id),
            promoter: Some(j.promoter_id),
        };
        let mut body = None;
        for w in webhooks
            .iter()
            .filter(|w| fits(w, e, t) && sees(w, concerns))
        {
            let body =
                body.get_or_insert_with(|| payloads::body(t, e.recorded_at, JoinedData::from(j)));
            out.push(NewMessage {
                endpoint_id: w.id,
                source_event: Some(e.id),
                event_type: t.as_str(),
                body: body.clone(),
            });
        }
    }
    for (e, l) in &levels {
        let t = EventType::PointsLevelReached;
        let concerns = Concerns {
            advertiser: None,
            promoter: Some(l.promoter_id),
        };
        let mut body = None;
        for w in webhooks
            .iter()
            .filter(|w| fits(w, e, t) && sees(w, concerns))
        {
            let body =
                body.get_or_insert_with(|| payloads::body(t, e.recorded_at, LevelData::from(l)));
            out.push(NewMessage {
                endpoint_id: w.id,
                source_event: Some(e.id),
                event_type: t.as_str(),
                body: body.clone(),
            });
        }
    }
    for (e, c) in &contests {
        let t = EventType::ContestFinished;
        // The owning advertiser, admins, and the promoters who won a prize (a winning team's
        // members).
        let winners: HashSet<PromoterId> = c
            .results
            .iter()
            .filter(|r| r.prize.is_some())
            .flat_map(|r| r.promoter_id.into_iter().chain(r.members.iter().copied()))
            .collect();
        let mut body = None;
        for w in &webhooks {
            let sees = match (w.advertiser_id, w.promoter_id) {
                (None, None) => true,
                (Some(a), _) => c.advertiser_id == Some(a),
                (_, Some(p)) => winners.contains(&p),
            };
            if sees && fits(w, e, t) {
                let body = body
                    .get_or_insert_with(|| payloads::body(t, e.recorded_at, ContestData::from(c)));
                out.push(NewMessage {
                    endpoint_id: w.id,
                    source_event: Some(e.id),
                    event_type: t.as_str(),
                    body: body.clone(),
                });
            }
        }
    }
    if !firing.is_empty() {
        let ids: Vec<uuid::Uuid> = firing.iter().map(|(_, _, c)| c.conversion_id.0).collect();
        let subs: HashMap<ConversionId, [Option<String>; 5]> = sqlx::query!(
            r#"SELECT v.id AS "id: ConversionId", c.sub1, c.sub2, c.sub3, c.sub4, c.sub5
               FROM conversions v JOIN clicks c ON c.id = v.click_id AND c.ts = v.click_ts
               WHERE v.id = ANY($1)"#,
            &ids,
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.id, [r.sub1, r.sub2, r.sub3, r.sub4, r.sub5]))
        .collect();
        for (event_id, p, c) in firing {
            let values =
                postback_values(c, subs.get(&c.conversion_id).cloned().unwrap_or_default());
            out.push(NewMessage {
                endpoint_id: p.id,
                source_event: Some(event_id),
                event_type: if c.to == ConversionStatus::Reversed {
                    "conversion.reversed"
                } else {
                    "conversion.approved"
                },
                body: rules::fill_postback(&p.url, &values),
            });
        }
    }
    Ok(messages::insert_many(conn, &out).await?.len())
}

/// The promoter postback that fires for a conversion change, if any: its offer's own, else
/// the promoter's one for all offers; on an approval, and on a reversal when it asks.
fn postback_for<'t>(postbacks: &[&'t Target], c: &ConversionChanged) -> Option<&'t Target> {
    let promoter = c.promoter_id?;
    let offer = c.offer_id?;
    let fires = |p: &Target| match c.to {
        ConversionStatus::Approved => c.from != ConversionStatus::Approved,
        ConversionStatus::Reversed => p.on_reversal,
        _ => false,
    };
    let mine = |p: &&&Target| p.promoter_id == Some(promoter);
    let chosen = postbacks
        .iter()
        .filter(mine)
        .find(|p| p.offer_id == Some(offer))
        .or_else(|| postbacks.iter().filter(mine).find(|p| p.offer_id.is_none()))?;
    fires(chosen).then_some(*chosen)
}

fn postback_values(c: &ConversionChanged, subs: [Option<String>; 5]) -> PostbackValues {
    let (payout, currency) = match c.payout.as_ref().or(c.previous_payout.as_ref()) {
        Some(p) => (
            Money::in_code(p.amount, Some(&p.currency)).to_string(),
            p.currency.clone(),
        ),
        None => (String::new(), String::new()),
    };
    PostbackValues {
        click_id: c.click_id.0.to_string(),
        subs,
        payout,
        currency,
        offer_id: c
            .offer_id
            .map(|o: OfferId| o.0.to_string())
            .unwrap_or_default(),
        status: c.to.as_str().to_owned(),
        txid: c.txid.clone().unwrap_or_default(),
    }
}
