//! `GET|POST|OPTIONS /postback/{postback_key}`: conversions reported by advertisers' servers
//! with a secret key (DESIGN §4), or by their web pages with a publishable key, with CORS
//! (DESIGN §16).
//!
//! Who may call, once the key and the address are checked:
//! - no `Origin` header (a server): a secret key only, as before publishable keys existed;
//! - an `Origin` (a browser page): a publishable key whose origins include it; every answer
//!   from then on (200, 400, 413, 503) carries the CORS headers, so the page can read it,
//!   and `OPTIONS` is its preflight (204).
//!
//! Anything else is the same 403 as an unknown key, without CORS headers: a secret key is
//! never usable from a page, and a publishable key never from a server or another site.

use std::net::IpAddr;

use afftok_shared::kv::{self, PostbackKeyDoc, PostbackKeyKind};
use afftok_shared::postback::{self, BodyFormat};
use afftok_shared::{ConversionEvent, ConversionSource, Event, Timestamp};
use percent_encoding::percent_decode_str;
use uuid::Uuid;

use crate::http::{Answer, Cors, MAX_BODY_BYTES, Method, Request, Response};
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
    let Some(caller) = Caller::of(&entry, req.origin) else {
        return forbidden();
    };
    match (caller, req.method) {
        (Caller::Page(origin), Method::Options) => Response::preflight(origin),
        // A server has no use for a preflight.
        (Caller::Server, Method::Options) => forbidden(),
        (Caller::Server, _) => convert(req, &entry, ip, None, p).await,
        (Caller::Page(origin), _) => {
            let source = Some(ConversionSource::Browser);
            convert(req, &entry, ip, source, p)
                .await
                .with_cors(Some(Cors {
                    origin: origin.to_owned(),
                    preflight: false,
                }))
        }
    }
}

/// Who is calling with a known key, as far as the key lets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller<'a> {
    /// No `Origin`, a secret key: an advertiser's server.
    Server,
    /// A web page at this origin, which the publishable key allows.
    Page(&'a str),
}

impl<'a> Caller<'a> {
    /// `None` when this key may not be used by this caller.
    fn of(entry: &PostbackKeyDoc, origin: Option<&'a str>) -> Option<Self> {
        match (entry.kind, origin) {
            (PostbackKeyKind::Secret, None) => Some(Self::Server),
            (PostbackKeyKind::Publishable, Some(origin))
                if is_echoable(origin) && entry.allows_origin(origin) =>
            {
                Some(Self::Page(origin))
            }
            _ => None,
        }
    }
}

/// Whether `origin` is a real one that can be echoed in a header: `null` (sandboxed frames,
/// `file:` pages, redirects across sites) is shared by every such page, and anything not
/// visible ASCII is no origin a browser sends.
fn is_echoable(origin: &str) -> bool {
    !origin.eq_ignore_ascii_case("null") && origin.bytes().all(|b| b.is_ascii_graphic())
}

/// The parameters checked and the conversion recorded, for a caller the key allows.
async fn convert<P: Platform>(
    req: &Request<'_>,
    entry: &PostbackKeyDoc,
    ip: Option<IpAddr>,
    source: Option<ConversionSource>,
    p: &P,
) -> Response {
    if req.body_too_large || req.body.len() > MAX_BODY_BYTES {
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
        source,
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
