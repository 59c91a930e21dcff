//! `GET|POST /postback/{postback_key}`: conversions reported by advertisers (DESIGN §4).

use afftok_shared::kv;
use afftok_shared::postback::{self, BodyFormat};
use afftok_shared::{ConversionEvent, Event, Timestamp};
use percent_encoding::percent_decode_str;
use uuid::Uuid;

use crate::http::{Answer, MAX_BODY_BYTES, Method, Request, Response};
use crate::platform::Platform;
use crate::routes;

/// Longest postback key looked up; anything longer is refused without a KV read.
const MAX_KEY_LEN: usize = 256;

pub(crate) async fn handle<P: Platform>(req: &Request<'_>, raw_key: &str, p: &P) -> Response {
    // The key is checked first: nothing about the parameters is said to an unknown caller.
    let key = percent_decode_str(raw_key).decode_utf8().ok();
    let Some(key) = key.filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN) else {
        return forbidden();
    };
    let entry = match routes::postback_key(p, kv::postback_key_hash(&key)).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return forbidden(),
        Err(_) => return unavailable(),
    };
    let ip = p.visitor_ip();
    if !entry.ip_allow.allows(ip) {
        return forbidden();
    }
    if req.body.len() > MAX_BODY_BYTES {
        return Response::body_too_large();
    }

    let body = (req.method == Method::Post)
        .then(|| (BodyFormat::detect(req.content_type, req.body), req.body));
    let params = match postback::parse(req.query, body) {
        Ok(params) => params,
        Err(e) => {
            return Response::postback(400, &Answer::rejected(e.code.as_str(), Some(e.detail)));
        }
    };

    let now_ms = p.now_millis();
    let mut random = [0u8; 10];
    p.fill_random(&mut random);
    let id = uuid::Builder::from_unix_timestamp_millis(now_ms, &random).into_uuid();
    let event = Event::Conversion(ConversionEvent {
        id,
        ts: Timestamp::from_unix_millis(now_ms),
        advertiser_id: entry.advertiser_id,
        click_id: params.click_id,
        txid: params.txid,
        amount: params.amount,
        currency: params.currency,
        event: params.event,
        ip,
        edge: p.edge_name().to_owned(),
        source: None,
        test: entry.mode.is_test(),
    });
    match p.emit_durable(event).await {
        Ok(()) => accepted(id),
        Err(e) => {
            p.warn(&format!("conversion event {id} could not be sent: {e}"));
            unavailable()
        }
    }
}

fn accepted(id: Uuid) -> Response {
    Response::postback(
        200,
        &Answer {
            status: "accepted",
            event_id: Some(id),
            ..Answer::default()
        },
    )
}

fn forbidden() -> Response {
    Response::postback(403, &Answer::rejected("forbidden", None))
}

/// The KV or the event transport is down: the advertiser should retry, nothing was kept.
fn unavailable() -> Response {
    Response {
        retry_after: Some(5),
        ..Response::postback(
            503,
            &Answer {
                status: "error",
                error: Some("unavailable"),
                detail: Some("the conversion was not recorded; retry later"),
                event_id: None,
            },
        )
    }
}
