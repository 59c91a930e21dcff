//! `GET /c/{token}`: the redirect (DESIGN §4, rules 1–7).

use afftok_shared::event::{MAX_REFERER_LEN, MAX_USER_AGENT_LEN, truncate};
use afftok_shared::kv::OfferStatus;
use afftok_shared::link::{self, LinkError};
use afftok_shared::{ClickEvent, Event, Subs, Timestamp, Verdict};
use uuid::Uuid;

use crate::bot;
use crate::http::{Method, Request, Response};
use crate::macros::MacroValues;
use crate::platform::Platform;
use crate::routes::{self, Route};

pub(crate) async fn handle<P: Platform>(req: &Request<'_>, token: &str, p: &P) -> Response {
    // Rule 1, structure first: garbage never costs a KV read.
    let Ok(decoded) = link::decode(token) else {
        return Response::link_not_found();
    };
    let Ok(keyset) = routes::keyset(p).await else {
        return Response::link_unavailable();
    };
    let now_ms = p.now_millis();
    let link = match keyset.check(&decoded, now_ms / 1000) {
        Ok(link) => link,
        // Rule 2.
        Err(LinkError::Expired(_)) => return Response::link_expired(),
        // Rule 1: unknown or revoked kid, tag mismatch.
        Err(_) => return Response::link_not_found(),
    };
    // Rule 3.
    let offer = match routes::offer(p, link.offer_id).await {
        Ok(Some(offer)) => offer,
        Ok(None) => return Response::link_not_found(),
        Err(_) => return Response::link_unavailable(),
    };

    let click_id = mint_click_id(p, now_ms);
    let subs = subs_of(req.query);
    let country = p.visitor_country();
    let values = MacroValues {
        click_id,
        offer_id: link.offer_id,
        promoter_id: link.promoter_id,
        subs: &subs,
        country,
        ts_millis: now_ms,
    };
    let (verdict, response) = decide(req, &offer, &values);

    p.emit(Event::Click(ClickEvent {
        id: click_id,
        ts: Timestamp::from_unix_millis(now_ms),
        offer_id: link.offer_id,
        promoter_id: link.promoter_id,
        kid: link.kid,
        verdict,
        ip: p.visitor_ip(),
        user_agent: truncate(req.user_agent.unwrap_or(""), MAX_USER_AGENT_LEN).to_owned(),
        referer: req
            .referer
            .filter(|r| !r.is_empty())
            .map(|r| truncate(r, MAX_REFERER_LEN).to_owned()),
        country,
        subs,
        edge: p.edge_name().to_owned(),
    }));
    response
}

/// Rules 4–7 for a known offer.
fn decide(req: &Request<'_>, offer: &Route, values: &MacroValues<'_>) -> (Verdict, Response) {
    let fallback_or = |refusal: fn() -> Response| match &offer.fallback {
        Some(fallback) => Response::redirect(fallback.fill(values)),
        None => refusal(),
    };
    if offer.doc.status == OfferStatus::Paused {
        return (Verdict::OfferPaused, fallback_or(Response::link_not_found));
    }
    if !offer.doc.allows_country(values.country) {
        return (
            Verdict::GeoBlocked,
            fallback_or(Response::unavailable_in_country),
        );
    }
    let verdict = if req.method == Method::Head || bot::is_bot(req.user_agent) {
        Verdict::Bot
    } else {
        Verdict::Ok
    };
    (verdict, Response::redirect(offer.url.fill(values)))
}

/// A UUIDv7: the click's millisecond, then 74 random bits.
fn mint_click_id<P: Platform>(p: &P, now_ms: u64) -> Uuid {
    let mut random = [0u8; 10];
    p.fill_random(&mut random);
    uuid::Builder::from_unix_timestamp_millis(now_ms, &random).into_uuid()
}

/// `sub1`…`sub5` from the query: first occurrence wins, cut to 128 bytes, empty ignored.
fn subs_of(query: &str) -> Subs {
    let mut subs = Subs::default();
    if query.is_empty() {
        return subs;
    }
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(n) = name
            .strip_prefix("sub")
            .filter(|d| d.len() == 1)
            .and_then(|d| d.parse::<usize>().ok())
        {
            subs.set_first(n, &value);
        }
    }
    subs
}
