//! No input makes the core panic, and every answer is a well-formed HTTP response.

use afftok_edge_core::{Method, Request};
use proptest::prelude::*;
use serde_json::json;

use crate::fake::{Fake, token};

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Get),
        Just(Method::Head),
        Just(Method::Post),
        Just(Method::Options),
        Just(Method::Other)
    ]
}

fn fake() -> Fake {
    let fake = Fake::new();
    fake.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/{sub1}{sub2}{country}{x", "geo_deny": ["KP"], "advertiser_id": 5}),
    );
    fake.put_postback_key("k", json!({"advertiser_id": 5}));
    fake.put_postback_key(
        "pk",
        json!({"advertiser_id": 5, "kind": "publishable", "origins": ["https://shop.example"]}),
    );
    fake
}

fn check_headers(resp: &afftok_edge_core::Response) {
    for (name, value) in resp.headers() {
        assert!(
            value
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b)),
            "header {name} is not printable ASCII: {value:?}"
        );
    }
    assert!((200..600).contains(&resp.status));
    assert!(resp.status != 500, "no input is a server error");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_requests(
        method in method(),
        path in prop_oneof![
            ".{0,80}",
            "/c/[A-Za-z0-9_=%-]{0,70}",
            "/postback/[a-z%0-9]{0,10}",
            Just("/postback/pk".to_owned()),
        ],
        origin in proptest::option::of(prop_oneof![
            Just("https://shop.example".to_owned()),
            Just("HTTPS://SHOP.EXAMPLE".to_owned()),
            ".{0,40}",
        ]),
        query in ".{0,200}",
        ua in proptest::option::of(".{0,300}"),
        referer in proptest::option::of(".{0,100}"),
        content_type in proptest::option::of(prop_oneof![
            Just("application/json".to_owned()),
            Just("application/x-www-form-urlencoded".to_owned()),
            ".{0,30}",
        ]),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let fake = fake();
        let resp = fake.run(&Request {
            method,
            path: &path,
            query: &query,
            user_agent: ua.as_deref(),
            referer: referer.as_deref(),
            content_type: content_type.as_deref(),
            origin: origin.as_deref(),
            body: &body,
            body_too_large: false,
        });
        check_headers(&resp);
    }

    #[test]
    fn arbitrary_queries_on_a_valid_link(query in ".{0,400}", ua in ".{0,100}") {
        let fake = fake();
        let path = format!("/c/{}", token(1, 1, 1, 0));
        let resp = fake.run(&Request {
            method: Method::Get,
            path: &path,
            query: &query,
            user_agent: Some(&ua),
            referer: None,
            content_type: None,
            origin: None,
            body: &[],
            body_too_large: false,
        });
        prop_assert_eq!(resp.status, 302);
        check_headers(&resp);
        prop_assert_eq!(fake.clicks.borrow().len(), 1);
    }

    #[test]
    fn arbitrary_postback_bodies(
        query in ".{0,200}",
        json_body in proptest::collection::vec(any::<u8>(), 0..200),
        as_json in any::<bool>(),
    ) {
        let fake = fake();
        let resp = fake.run(&Request {
            method: Method::Post,
            path: "/postback/k",
            query: &query,
            user_agent: None,
            referer: None,
            content_type: Some(if as_json { "application/json" } else { "application/x-www-form-urlencoded" }),
            origin: None,
            body: &json_body,
            body_too_large: false,
        });
        prop_assert!(matches!(resp.status, 200 | 400), "{resp:?}");
        check_headers(&resp);
    }
}
