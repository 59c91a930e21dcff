//! `/postback/{key}`: key and address checks, parameters, answers and conversion events.

use afftok_edge_core::{MAX_BODY_BYTES, Method, Request, Response};
use afftok_shared::{ConversionEvent, ConversionSource, Event};
use serde_json::{Value, json};

use crate::fake::{Fake, NOW_MS};

const KEY: &str = "pbk_live_4f9a2c";
const CLICK: &str = "019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10";

fn fake() -> Fake {
    let fake = Fake::new();
    fake.put_postback_key(KEY, json!({"advertiser_id": 5}));
    fake.put_postback_key(
        "restricted",
        json!({"advertiser_id": 6, "ip_allow": ["198.51.100.0/24", "2001:db8::/32"]}),
    );
    fake
}

fn body(resp: &Response) -> Value {
    assert_eq!(resp.content_type, "application/json", "{resp:?}");
    serde_json::from_str(&resp.body).expect("a JSON body")
}

fn post(fake: &Fake, path: &str, content_type: Option<&str>, payload: &str) -> Response {
    fake.run(&Request {
        method: Method::Post,
        content_type,
        body: payload.as_bytes(),
        ..Request::get(path)
    })
}

fn last_conversion(fake: &Fake) -> ConversionEvent {
    match fake.conversions.borrow().last() {
        Some(Event::Conversion(c)) => c.clone(),
        other => panic!("no conversion: {other:?}"),
    }
}

#[test]
fn accepted_postback_emits_a_durable_conversion() {
    let fake = fake();
    let resp = fake.get(&format!(
        "/postback/{KEY}?click_id={CLICK}&txid=ORD-9&amount=12.50&currency=usd&event=sale"
    ));
    assert_eq!(resp.status, 200);
    let answer = body(&resp);
    assert_eq!(answer["status"], "accepted");
    let c = last_conversion(&fake);
    assert_eq!(answer["event_id"], c.id.to_string());
    assert_eq!(c.id.get_version_num(), 7);
    assert_eq!(c.advertiser_id, 5);
    assert_eq!(c.click_id.to_string(), CLICK);
    assert_eq!(c.txid.as_deref(), Some("ORD-9"));
    assert_eq!(c.amount.map(|a| a.to_string()), Some("12.50".into()));
    assert_eq!(c.currency.map(|c| c.code()), Some("USD"));
    assert_eq!(c.event, "sale");
    assert_eq!(c.ts.unix_millis(), NOW_MS);
    assert_eq!(c.ip, "203.0.113.9".parse().ok());
    assert_eq!(c.edge, "native:test");
    assert!(
        fake.clicks.borrow().is_empty(),
        "conversions go the durable way"
    );
}

#[test]
fn unknown_key_is_403_before_any_parameter_check() {
    let fake = fake();
    for path in [
        "/postback/nope?click_id=bad".to_owned(),
        "/postback/".to_owned(),
        format!("/postback/{}?click_id={CLICK}", "k".repeat(300)),
        "/postback/%FF%FE".to_owned(),
    ] {
        let resp = fake.get(&path);
        assert_eq!(resp.status, 403, "{path}");
        assert_eq!(
            body(&resp),
            json!({"status": "rejected", "error": "forbidden"})
        );
    }
    assert!(fake.conversions.borrow().is_empty());
}

#[test]
fn percent_encoded_keys_are_decoded() {
    let fake = fake();
    fake.put_postback_key("a b/c", json!({"advertiser_id": 8}));
    let resp = fake.get(&format!("/postback/a%20b%2Fc?cid={CLICK}"));
    assert_eq!(resp.status, 200);
    assert_eq!(last_conversion(&fake).advertiser_id, 8);
}

#[test]
fn ip_allowlist() {
    let fake = fake();
    let path = format!("/postback/restricted?click_id={CLICK}");
    assert_eq!(fake.get(&path).status, 403, "203.0.113.9 is not allowed");
    fake.ip.set(None);
    assert_eq!(
        fake.get(&path).status,
        403,
        "an unknown address never passes a list"
    );
    fake.ip.set("198.51.100.77".parse().ok());
    assert_eq!(fake.get(&path).status, 200);
    fake.ip.set("::ffff:198.51.100.1".parse().ok());
    assert_eq!(fake.get(&path).status, 200);
    fake.ip.set("2001:db8:ff::1".parse().ok());
    assert_eq!(fake.get(&path).status, 200);
    assert_eq!(last_conversion(&fake).advertiser_id, 6);
    assert_eq!(fake.conversions.borrow().len(), 3);
}

#[test]
fn bad_parameters_are_400_with_their_code() {
    let fake = fake();
    let cases = [
        ("", "missing_click_id"),
        ("click_id=", "missing_click_id"),
        ("click_id=nope", "invalid_click_id"),
        ("amount=1.23456", "invalid_amount"),
        ("amount=-3", "invalid_amount"),
        ("amount=1e5", "invalid_amount"),
        ("currency=dollars", "invalid_currency"),
        ("currency=ABC", "invalid_currency"),
        ("event=has%20space", "invalid_event"),
    ];
    for (query, code) in cases {
        let q = if code == "missing_click_id" || code == "invalid_click_id" {
            query.to_owned()
        } else {
            format!("click_id={CLICK}&{query}")
        };
        let resp = fake.get(&format!("/postback/{KEY}?{q}"));
        assert_eq!(resp.status, 400, "{q}");
        let answer = body(&resp);
        assert_eq!(answer["status"], "rejected");
        assert_eq!(answer["error"], code, "{q}");
        assert!(answer["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let long_txid = format!("/postback/{KEY}?click_id={CLICK}&txid={}", "t".repeat(129));
    assert_eq!(body(&fake.get(&long_txid))["error"], "invalid_txid");
    let long_event = format!("/postback/{KEY}?click_id={CLICK}&event={}", "e".repeat(65));
    assert_eq!(body(&fake.get(&long_event))["error"], "invalid_event");
    assert!(fake.conversions.borrow().is_empty());
}

#[test]
fn aliases_of_other_trackers() {
    let fake = fake();
    let resp = fake.get(&format!(
        "/postback/{KEY}?transaction_id={CLICK}&adv_sub=A1&sale_amount=99.9"
    ));
    assert_eq!(resp.status, 200);
    let c = last_conversion(&fake);
    assert_eq!(c.txid.as_deref(), Some("A1"));
    assert_eq!(c.amount.map(|a| a.to_string()), Some("99.9".into()));
    assert_eq!(c.event, "conversion");
}

#[test]
fn post_bodies_form_and_json_win_over_the_query() {
    let fake = fake();
    let other = "019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a99";
    let path = format!("/postback/{KEY}?click_id={other}&amount=1&txid=from-query");
    let resp = post(
        &fake,
        &path,
        Some("application/x-www-form-urlencoded"),
        &format!("click_id={CLICK}&amount=2.5"),
    );
    assert_eq!(resp.status, 200);
    let c = last_conversion(&fake);
    assert_eq!(c.click_id.to_string(), CLICK);
    assert_eq!(c.amount.map(|a| a.to_string()), Some("2.5".into()));
    assert_eq!(c.txid.as_deref(), Some("from-query"));

    let resp = post(
        &fake,
        &path,
        Some("application/json"),
        &format!(r#"{{"clickid":"{CLICK}","payout":7.25,"currency":"eur"}}"#),
    );
    assert_eq!(resp.status, 200);
    let c = last_conversion(&fake);
    assert_eq!(c.click_id.to_string(), CLICK);
    assert_eq!(c.amount.map(|a| a.to_string()), Some("7.25".into()));
    assert_eq!(c.currency.map(|c| c.code()), Some("EUR"));

    // Without a Content-Type, a JSON-looking body is read as JSON.
    let resp = post(
        &fake,
        &format!("/postback/{KEY}"),
        None,
        &format!(r#"{{"cid":"{CLICK}"}}"#),
    );
    assert_eq!(resp.status, 200);

    let resp = post(
        &fake,
        &format!("/postback/{KEY}"),
        Some("application/json"),
        "{oops",
    );
    assert_eq!(resp.status, 400);
    assert_eq!(body(&resp)["error"], "invalid_body");
    assert_eq!(fake.conversions.borrow().len(), 3);
}

#[test]
fn a_get_body_is_ignored() {
    let fake = fake();
    let resp = fake.run(&Request {
        body: b"click_id=nope",
        content_type: Some("application/x-www-form-urlencoded"),
        ..Request::get(&format!("/postback/{KEY}?click_id={CLICK}"))
    });
    assert_eq!(resp.status, 200);
}

#[test]
fn oversized_body_is_413() {
    let fake = fake();
    let big = format!("click_id={CLICK}&pad={}", "x".repeat(MAX_BODY_BYTES));
    let resp = post(&fake, &format!("/postback/{KEY}"), None, &big);
    assert_eq!(resp.status, 413);
    assert_eq!(body(&resp)["error"], "body_too_large");
    assert!(fake.conversions.borrow().is_empty());
}

#[test]
fn transport_down_is_503_so_the_advertiser_retries() {
    let fake = fake();
    fake.transport_down.set(true);
    let resp = fake.get(&format!("/postback/{KEY}?click_id={CLICK}"));
    assert_eq!(resp.status, 503);
    assert_eq!(resp.retry_after, Some(5));
    assert_eq!(body(&resp)["status"], "error");
    assert!(
        fake.warnings
            .borrow()
            .iter()
            .any(|w| w.contains("could not be sent"))
    );
    fake.transport_down.set(false);
    assert_eq!(
        fake.get(&format!("/postback/{KEY}?click_id={CLICK}"))
            .status,
        200
    );
}

#[test]
fn kv_down_without_cache_is_503() {
    let fake = fake();
    fake.kv_down.set(true);
    let resp = fake.get(&format!("/postback/{KEY}?click_id={CLICK}"));
    assert_eq!(resp.status, 503);
    assert!(fake.conversions.borrow().is_empty());
}

#[test]
fn each_postback_gets_its_own_event_id() {
    let fake = fake();
    let path = format!("/postback/{KEY}?click_id={CLICK}");
    let a = body(&fake.get(&path))["event_id"].clone();
    let b = body(&fake.get(&path))["event_id"].clone();
    assert_ne!(a, b);
}

// Publishable keys and CORS (DESIGN §16).

const PK: &str = "pk_live_7c1e";
const SHOP: &str = "https://shop.example";

/// A platform with [`KEY`] (secret, an old document without kind, origins or mode) and [`PK`]
/// (publishable, for [`SHOP`] and a local dev server).
fn with_publishable() -> Fake {
    let fake = fake();
    fake.put_postback_key(
        PK,
        json!({
            "advertiser_id": 7,
            "kind": "publishable",
            "origins": [SHOP, "http://localhost:5173"],
            "mode": "live",
        }),
    );
    fake
}

fn from_page(fake: &Fake, method: Method, path: &str, origin: Option<&str>) -> Response {
    fake.run(&Request {
        method,
        origin,
        ..Request::get(path)
    })
}

/// The CORS headers on the wire, by name.
fn cors_headers(resp: &Response) -> Vec<(String, String)> {
    resp.headers()
        .filter(|(name, _)| name.starts_with("access-control-") || *name == "vary")
        .map(|(name, value)| (name.to_owned(), value.into_owned()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn assert_forbidden_without_cors(resp: &Response, what: &str) {
    assert_eq!(resp.status, 403, "{what}: {resp:?}");
    assert_eq!(
        body(resp),
        json!({"status": "rejected", "error": "forbidden"}),
        "{what}"
    );
    assert_eq!(resp.cors, None, "{what}");
    assert!(cors_headers(resp).is_empty(), "{what}: {resp:?}");
}

#[test]
fn preflight_from_an_allowed_origin_is_204_with_the_cors_headers() {
    let fake = with_publishable();
    for origin in [SHOP, "HTTPS://Shop.Example", "http://localhost:5173"] {
        let resp = from_page(
            &fake,
            Method::Options,
            &format!("/postback/{PK}"),
            Some(origin),
        );
        assert_eq!(resp.status, 204, "{origin}: {resp:?}");
        assert!(resp.body.is_empty(), "{origin}");
        assert!(
            resp.headers().all(|(name, _)| name != "content-type"),
            "a 204 has no body to type: {resp:?}"
        );
        // The origin is echoed as the browser sent it (browsers compare it byte for byte).
        assert_eq!(
            cors_headers(&resp),
            pairs(&[
                ("access-control-allow-origin", origin),
                ("vary", "Origin"),
                ("access-control-allow-methods", "POST, GET, OPTIONS"),
                ("access-control-allow-headers", "content-type"),
                ("access-control-max-age", "86400"),
            ]),
            "{origin}"
        );
    }
    assert!(
        fake.conversions.borrow().is_empty(),
        "a preflight records nothing"
    );
}

#[test]
fn preflights_that_are_not_allowed_are_403_without_cors() {
    let fake = with_publishable();
    let pk = format!("/postback/{PK}");
    let secret = format!("/postback/{KEY}");
    for (path, origin, what) in [
        (&pk, Some("https://evil.example"), "another origin"),
        (
            &pk,
            Some("https://shop.example.evil.example"),
            "a longer host",
        ),
        (&pk, Some("http://shop.example"), "another scheme"),
        (&pk, Some("https://shop.example:8443"), "another port"),
        (&pk, None, "no origin"),
        (&pk, Some("null"), "the null origin"),
        (&pk, Some(""), "an empty origin"),
        (&secret, Some(SHOP), "a secret key"),
        (&secret, None, "a secret key, no origin"),
        (
            &"/postback/pk_unknown".to_owned(),
            Some(SHOP),
            "an unknown key",
        ),
    ] {
        let resp = from_page(&fake, Method::Options, path, origin);
        assert_forbidden_without_cors(&resp, what);
    }
}

#[test]
fn browser_conversions_from_an_allowed_origin_carry_cors_and_source_browser() {
    let fake = with_publishable();
    let get = from_page(
        &fake,
        Method::Get,
        &format!("/postback/{PK}?click_id={CLICK}&txid=W-1&amount=5"),
        Some(SHOP),
    );
    assert_eq!(get.status, 200, "{get:?}");
    assert_eq!(body(&get)["status"], "accepted");
    assert_eq!(
        cors_headers(&get),
        pairs(&[("access-control-allow-origin", SHOP), ("vary", "Origin")]),
        "no preflight headers on the answer itself"
    );
    let c = last_conversion(&fake);
    assert_eq!(body(&get)["event_id"], c.id.to_string());
    assert_eq!(c.advertiser_id, 7);
    assert_eq!(c.txid.as_deref(), Some("W-1"));
    assert_eq!(c.source, Some(ConversionSource::Browser));
    assert!(!c.test);

    // What the SDK sends: a JSON POST (after its preflight).
    let post = fake.run(&Request {
        method: Method::Post,
        origin: Some("HTTPS://SHOP.EXAMPLE"),
        content_type: Some("application/json"),
        body: format!(r#"{{"click_id":"{CLICK}","txid":"W-2","currency":"eur"}}"#).as_bytes(),
        ..Request::get(&format!("/postback/{PK}"))
    });
    assert_eq!(post.status, 200, "{post:?}");
    assert_eq!(
        cors_headers(&post),
        pairs(&[
            ("access-control-allow-origin", "HTTPS://SHOP.EXAMPLE"),
            ("vary", "Origin")
        ])
    );
    let c = last_conversion(&fake);
    assert_eq!(c.txid.as_deref(), Some("W-2"));
    assert_eq!(c.source, Some(ConversionSource::Browser));
    let json = afftok_edge_core::event_json::to_string(&Event::Conversion(c));
    assert!(json.contains(r#""source":"browser""#), "{json}");
    assert!(
        !json.contains(r#""test""#),
        "live events leave test out: {json}"
    );
    assert_eq!(fake.conversions.borrow().len(), 2);
}

#[test]
fn a_publishable_key_without_an_allowed_origin_is_403_and_records_nothing() {
    let fake = with_publishable();
    let path = format!("/postback/{PK}?click_id={CLICK}");
    for origin in [
        None,
        Some("https://evil.example"),
        Some("null"),
        Some("NULL"),
    ] {
        for method in [Method::Get, Method::Post] {
            let resp = from_page(&fake, method, &path, origin);
            assert_forbidden_without_cors(&resp, &format!("{method:?} from {origin:?}"));
        }
    }
    // `null` is every sandboxed or file page's origin: refused even if a document lists it.
    fake.put_postback_key(
        "pk_null",
        json!({"advertiser_id": 7, "kind": "publishable", "origins": ["null", SHOP]}),
    );
    let path = format!("/postback/pk_null?click_id={CLICK}");
    for method in [Method::Options, Method::Get, Method::Post] {
        let resp = from_page(&fake, method, &path, Some("null"));
        assert_forbidden_without_cors(&resp, &format!("{method:?} from null"));
    }
    assert!(fake.conversions.borrow().is_empty());
}

#[test]
fn a_secret_key_is_refused_from_any_page_and_works_from_servers_as_before() {
    let fake = with_publishable();
    let path = format!("/postback/{KEY}?click_id={CLICK}");
    for origin in [SHOP, "https://evil.example", "null", ""] {
        for method in [Method::Get, Method::Post] {
            let resp = from_page(&fake, method, &path, Some(origin));
            assert_forbidden_without_cors(&resp, &format!("{method:?} from {origin:?}"));
        }
    }
    assert!(fake.conversions.borrow().is_empty());

    let resp = from_page(&fake, Method::Get, &path, None);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.cors, None);
    let c = last_conversion(&fake);
    assert_eq!((c.source, c.test), (None, false));
    let json = afftok_edge_core::event_json::to_string(&Event::Conversion(c));
    assert!(
        !json.contains("\"source\"") && !json.contains("\"test\""),
        "a server's live conversion is written as before: {json}"
    );
}

#[test]
fn refusals_after_the_key_check_carry_cors_for_an_allowed_origin() {
    let fake = with_publishable();
    let allowed = pairs(&[("access-control-allow-origin", SHOP), ("vary", "Origin")]);

    let bad = from_page(
        &fake,
        Method::Get,
        &format!("/postback/{PK}?click_id=nope"),
        Some(SHOP),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(body(&bad)["error"], "invalid_click_id");
    assert_eq!(cors_headers(&bad), allowed, "the page can read why");

    let big = format!("click_id={CLICK}&pad={}", "x".repeat(MAX_BODY_BYTES));
    let too_large_read = fake.run(&Request {
        method: Method::Post,
        origin: Some(SHOP),
        body: big.as_bytes(),
        ..Request::get(&format!("/postback/{PK}"))
    });
    // What an adapter sends when it did not read an oversized body.
    let too_large_unread = fake.run(&Request {
        method: Method::Post,
        origin: Some(SHOP),
        body_too_large: true,
        ..Request::get(&format!("/postback/{PK}"))
    });
    for resp in [&too_large_read, &too_large_unread] {
        assert_eq!(resp.status, 413, "{resp:?}");
        assert_eq!(body(resp)["error"], "body_too_large");
        assert_eq!(cors_headers(resp), allowed);
    }

    fake.transport_down.set(true);
    let down = from_page(
        &fake,
        Method::Get,
        &format!("/postback/{PK}?click_id={CLICK}"),
        Some(SHOP),
    );
    assert_eq!(down.status, 503);
    assert_eq!(down.retry_after, Some(5));
    assert_eq!(cors_headers(&down), allowed);
    assert!(fake.conversions.borrow().is_empty());
}

#[test]
fn an_oversized_body_is_checked_after_the_key() {
    let fake = with_publishable();
    let resp = fake.run(&Request {
        method: Method::Post,
        body_too_large: true,
        ..Request::get("/postback/unknown")
    });
    assert_forbidden_without_cors(&resp, "an unknown key");
    let resp = fake.run(&Request {
        method: Method::Post,
        body_too_large: true,
        ..Request::get(&format!("/postback/{KEY}"))
    });
    assert_eq!(resp.status, 413);
    assert_eq!(resp.cors, None);
}

#[test]
fn the_address_allowlist_applies_to_publishable_keys_too() {
    let fake = with_publishable();
    fake.put_postback_key(
        "pk_office",
        json!({"advertiser_id": 7, "kind": "publishable", "origins": [SHOP], "ip_allow": ["198.51.100.0/24"]}),
    );
    let path = format!("/postback/pk_office?click_id={CLICK}");
    assert_forbidden_without_cors(
        &from_page(&fake, Method::Options, &path, Some(SHOP)),
        "preflight from 203.0.113.9",
    );
    assert_forbidden_without_cors(
        &from_page(&fake, Method::Get, &path, Some(SHOP)),
        "GET from 203.0.113.9",
    );
    fake.ip.set("198.51.100.20".parse().ok());
    assert_eq!(
        from_page(&fake, Method::Options, &path, Some(SHOP)).status,
        204
    );
    assert_eq!(from_page(&fake, Method::Get, &path, Some(SHOP)).status, 200);
}

#[test]
fn test_mode_keys_mark_their_conversions_test() {
    let fake = with_publishable();
    fake.put_postback_key(
        "pk_test_1",
        json!({"advertiser_id": 7, "kind": "publishable", "origins": [SHOP], "mode": "test"}),
    );
    fake.put_postback_key(
        "afk_test_1",
        json!({"advertiser_id": 7, "kind": "secret", "mode": "test"}),
    );
    let resp = from_page(
        &fake,
        Method::Get,
        &format!("/postback/pk_test_1?click_id={CLICK}"),
        Some(SHOP),
    );
    assert_eq!(resp.status, 200);
    let c = last_conversion(&fake);
    assert_eq!((c.source, c.test), (Some(ConversionSource::Browser), true));
    let json = afftok_edge_core::event_json::to_string(&Event::Conversion(c));
    assert!(
        json.contains(r#""source":"browser""#) && json.contains(r#""test":true"#),
        "{json}"
    );

    let resp = fake.get(&format!("/postback/afk_test_1?click_id={CLICK}"));
    assert_eq!(resp.status, 200);
    let c = last_conversion(&fake);
    assert_eq!((c.source, c.test), (None, true));
}

#[test]
fn an_old_document_is_a_live_secret_key() {
    let fake = Fake::new();
    // Exactly what edges read before kind, origins and mode existed.
    fake.put_postback_key(
        "old",
        json!({"advertiser_id": 9, "ip_allow": ["203.0.113.0/24"]}),
    );
    let path = format!("/postback/old?click_id={CLICK}");
    let resp = fake.get(&path);
    assert_eq!(resp.status, 200, "{resp:?}");
    assert_eq!(resp.cors, None);
    let c = last_conversion(&fake);
    assert_eq!((c.advertiser_id, c.source, c.test), (9, None, false));
    assert_forbidden_without_cors(
        &from_page(&fake, Method::Get, &path, Some(SHOP)),
        "an old key from a page",
    );
    assert_forbidden_without_cors(
        &from_page(&fake, Method::Options, &path, Some(SHOP)),
        "a preflight for an old key",
    );
    assert_eq!(fake.conversions.borrow().len(), 1);
}
