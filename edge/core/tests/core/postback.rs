//! `/postback/{key}`: key and address checks, parameters, answers and conversion events.

use afftok_edge_core::{MAX_BODY_BYTES, Method, Request, Response};
use afftok_shared::{ConversionEvent, Event};
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
