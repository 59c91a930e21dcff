//! The Spin component as real Wasm (wasm32-wasip2, `wasi:http` 0.3) under the Spin test
//! host: its key-value store and outbound Redis on the real Redis, the link vectors checked
//! by the Wasm build, click events XADDed after the response, postbacks XADDed before it
//! (from servers, and from web pages with CORS).

use std::collections::BTreeSet;

use afftok_shared::vectors::{self, link_token};
use afftok_shared::{ConversionSource, Event, Verdict};
use afftok_tests::eventually;
use afftok_tests::fixtures::{self, BROWSER, POSTBACK_KEY, client};
use afftok_tests::spin_host::SpinEdge;
use uuid::Uuid;

/// Every variable the tests set must be one spin.toml passes to the component.
#[test]
fn spin_toml_declares_the_variables_the_component_reads() {
    let manifest = std::fs::read_to_string(afftok_tests::repo_root().join("spin.toml"))
        .unwrap_or_else(|e| panic!("spin.toml: {e}"));
    for var in [
        "redis_address",
        "event_stream",
        "kv_prefix",
        "country_header",
        "edge_name",
    ] {
        assert!(
            manifest.contains(&format!("{var} = \"{{{{ {var} }}}}\"")),
            "spin.toml does not pass {var} to the component"
        );
    }
    assert!(manifest.contains("key_value_stores = [\"default\"]"));
    assert!(manifest.contains("source = \"target/wasm32-wasip2/release/afftok_edge_spin.wasm\""));
}

#[tokio::test]
async fn links_redirect_and_clicks_reach_the_stream() {
    let edge = SpinEdge::start(&fixtures::edge_kv(), &[("edge_name", "spin:test")]).await;
    let mut expected = BTreeSet::new();
    let file: serde_json::Value =
        serde_json::from_str(vectors::LINK_V1).unwrap_or_else(|e| panic!("vectors: {e}"));
    for v in file["valid"].as_array().into_iter().flatten() {
        let token = v["token"].as_str().unwrap_or_default();
        let (status, id) = fixtures::click(&edge.base, &format!("/c/{token}?sub1=spin")).await;
        if v["expired"].as_bool() == Some(true) {
            assert_eq!(status, 410, "expired vector {token}");
        } else {
            assert_eq!(status, 302, "valid vector {token}\n{}", edge.logs());
            let id = id.unwrap_or_else(|| panic!("no click id for {token}"));
            assert_eq!(id.get_version_num(), 7);
            expected.insert(id);
        }
    }
    for v in file["invalid"].as_array().into_iter().flatten() {
        let token = v["token"].as_str().unwrap_or_default();
        let (status, _) = fixtures::click(&edge.base, &format!("/c/{token}")).await;
        assert_eq!(status, 404, "invalid vector ({}) {token}", v["why"]);
    }
    assert_eq!(
        fixtures::click(&edge.base, &format!("/c/{}", link_token(1, 2, 9, 0)))
            .await
            .0,
        404
    );
    assert_eq!(fixtures::click(&edge.base, "/healthz").await.0, 200);

    // Click events are sent after the response: wait for them.
    // The valid vectors' clicks and the paused offer's.
    let want = expected.len() + 1;
    let events = eventually("the click events in the stream", || {
        let events = edge.events();
        async move {
            let events = events.await;
            (events.len() >= want).then_some(events)
        }
    })
    .await;
    let mut ok = BTreeSet::new();
    let mut paused = 0;
    for event in &events {
        let Event::Click(click) = event else {
            panic!("not a click: {event:?}")
        };
        assert_eq!(click.edge, "spin:test");
        assert_eq!(click.ip, "127.0.0.1".parse().ok(), "spin-client-addr");
        assert_eq!(click.user_agent, BROWSER);
        match click.verdict {
            Verdict::Ok => {
                assert_eq!(click.subs.get(1), Some("spin"));
                ok.insert(click.id);
            }
            Verdict::OfferPaused => paused += 1,
            other => panic!("unexpected verdict {other:?}"),
        }
    }
    assert_eq!(ok, expected);
    assert_eq!(paused, 1);
    edge.stop().await;
}

#[tokio::test]
async fn postbacks_are_in_the_stream_when_answered() {
    let edge = SpinEdge::start(&fixtures::edge_kv(), &[]).await;
    let click_id = Uuid::now_v7();
    let http = client();
    let accepted = http
        .get(format!(
            "{}/postback/{POSTBACK_KEY}?cid={click_id}&order_id=O-7&amount=9.99&currency=eur",
            edge.base
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("postback: {e}"));
    assert_eq!(accepted.status(), 200, "{}", edge.logs());
    let answer: serde_json::Value = accepted.json().await.unwrap_or_default();
    assert_eq!(answer["status"], "accepted");
    // Durable before the answer: no waiting.
    let events = edge.events().await;
    let [Event::Conversion(conversion)] = events.as_slice() else {
        panic!("expected one conversion, found {events:?}")
    };
    assert_eq!(answer["event_id"], conversion.id.to_string());
    assert_eq!(conversion.click_id, click_id);
    assert_eq!(conversion.advertiser_id, 5);
    assert_eq!(conversion.txid.as_deref(), Some("O-7"));
    assert_eq!(conversion.currency.map(|c| c.code()), Some("EUR"));
    assert_eq!(conversion.edge, "spin");

    for (path, status, code) in [
        (
            format!("/postback/nope?click_id={click_id}"),
            403,
            "forbidden",
        ),
        (
            format!("/postback/{POSTBACK_KEY}?click_id=x"),
            400,
            "invalid_click_id",
        ),
        (format!("/postback/{POSTBACK_KEY}"), 400, "missing_click_id"),
    ] {
        let resp = http
            .get(format!("{}{path}", edge.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        assert_eq!(body["error"], code, "{path}");
    }
    let json_post = http
        .post(format!("{}/postback/{POSTBACK_KEY}", edge.base))
        .json(&serde_json::json!({"click_id": click_id, "amount": 12.5, "event": "sale"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_eq!(json_post.status(), 200);
    assert_eq!(
        edge.events().await.len(),
        2,
        "only accepted postbacks are recorded"
    );

    // A web page's conversion with the publishable key, after its CORS preflight.
    let browser_id = fixtures::browser_postback(&edge.base, click_id).await;
    let raw = edge.raw_events().await;
    assert_eq!(raw.len(), 3, "only the page's accepted conversion is added");
    let browser = raw
        .iter()
        .find(|json| json.contains(&browser_id.to_string()))
        .unwrap_or_else(|| panic!("no event {browser_id} in {raw:?}"));
    assert!(browser.contains(r#""source":"browser""#), "{browser}");
    let events = edge.events().await;
    let conversions: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Conversion(c) => Some((c.id == browser_id, c.source)),
            Event::Click(_) => None,
        })
        .collect();
    assert_eq!(
        conversions,
        [
            (false, None),
            (false, None),
            (true, Some(ConversionSource::Browser))
        ]
    );
    edge.stop().await;
}

#[tokio::test]
async fn the_country_header_variable_drives_geo_rules() {
    let edge = SpinEdge::start(&fixtures::edge_kv(), &[("country_header", "CF-IPCountry")]).await;
    let path = format!("/c/{}", link_token(1, 3, 1, 0));
    let http = client();
    let from = |country: &'static str| {
        http.get(format!("{}{path}", edge.base))
            .header("cf-ipcountry", country)
            .send()
    };
    let de = from("DE").await.unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(de.status(), 302);
    let us = from("US").await.unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(us.status(), 451);
    let events = eventually("both clicks", || {
        let events = edge.events();
        async move {
            let events = events.await;
            (events.len() == 2).then_some(events)
        }
    })
    .await;
    let verdicts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Click(c) => Some((c.country.map(|c| c.to_string()), c.verdict)),
            Event::Conversion(_) => None,
        })
        .collect();
    assert!(
        verdicts.contains(&(Some("DE".into()), Verdict::Ok)),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&(Some("US".into()), Verdict::GeoBlocked)),
        "{verdicts:?}"
    );
    edge.stop().await;
}
