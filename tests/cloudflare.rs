//! The Cloudflare worker as real Wasm in workerd (`wrangler dev --local`): redirects,
//! postbacks (from servers, and from web pages with CORS), the link vectors verified inside
//! Wasm, and events reaching a control-plane stand-in through the local queue and its
//! consumer, signed, retried, never lost.

use std::collections::BTreeSet;

use afftok_shared::vectors::{self, link_token};
use afftok_shared::{ConversionSource, Event, Verdict};
use afftok_tests::eventually;
use afftok_tests::fixtures::{self, BROWSER, POSTBACK_KEY, client};
use afftok_tests::receiver::Receiver;
use afftok_tests::wrangler::Worker;
use uuid::Uuid;

const SECRET: &str = "test-ingest-secret";

/// The test copy of wrangler.toml retries after 1 s instead of 30 s, so retries fit a test.
fn fast_retries(config: String) -> String {
    assert!(
        config.contains("retry_delay = 30"),
        "wrangler.toml changed: update this test"
    );
    config.replace("retry_delay = 30", "retry_delay = 1")
}

async fn start(receiver: &Receiver, edit: impl Fn(String) -> String) -> Worker {
    Worker::start(
        &[
            ("CONTROL_PLANE_URL", receiver.url()),
            ("INGEST_SECRET", SECRET.to_owned()),
        ],
        &fixtures::edge_kv(),
        edit,
    )
    .await
}

/// Follows a link on the worker once.
async fn click(worker: &Worker, path: &str) -> (u16, Option<Uuid>) {
    fixtures::click(&worker.base, path).await
}

fn ids(events: &[Event]) -> BTreeSet<Uuid> {
    events.iter().map(Event::id).collect()
}

#[tokio::test]
async fn redirects_postbacks_and_events_through_the_queue() {
    let receiver = Receiver::start(SECRET, 0).await;
    let worker = start(&receiver, fast_retries).await;
    let mut expected = BTreeSet::new();

    // The link vectors, checked by the Wasm build: valid ones redirect (or 410 if expired),
    // invalid ones are 404.
    let file: serde_json::Value =
        serde_json::from_str(vectors::LINK_V1).unwrap_or_else(|e| panic!("vectors: {e}"));
    for v in file["valid"].as_array().into_iter().flatten() {
        let token = v["token"].as_str().unwrap_or_default();
        let (status, id) = click(&worker, &format!("/c/{token}?sub1=vec")).await;
        if v["expired"].as_bool() == Some(true) {
            assert_eq!(status, 410, "expired vector {token}");
        } else {
            assert_eq!(status, 302, "valid vector {token}\n{}", worker.logs());
            let id = id.unwrap_or_else(|| panic!("no click id for {token}"));
            assert_eq!(id.get_version_num(), 7);
            expected.insert(id);
        }
    }
    for v in file["invalid"].as_array().into_iter().flatten() {
        let token = v["token"].as_str().unwrap_or_default();
        let (status, _) = click(&worker, &format!("/c/{token}")).await;
        assert_eq!(status, 404, "invalid vector ({}) {token}", v["why"]);
    }
    // An expired link of our own, and a paused offer without fallback (404 with an event).
    assert_eq!(
        click(&worker, &format!("/c/{}", link_token(1, 1, 9, 1)))
            .await
            .0,
        410
    );
    assert_eq!(
        click(&worker, &format!("/c/{}", link_token(1, 2, 9, 0)))
            .await
            .0,
        404
    );

    // Postbacks.
    let some_click = *expected
        .iter()
        .next()
        .unwrap_or_else(|| panic!("no clicks"));
    let http = client();
    let accepted = http
        .get(format!(
            "{}/postback/{POSTBACK_KEY}?click_id={some_click}&txid=T-1&amount=12.50&currency=usd",
            worker.base
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("postback: {e}"));
    assert_eq!(accepted.status(), 200);
    let answer: serde_json::Value = accepted.json().await.unwrap_or_default();
    assert_eq!(answer["status"], "accepted");
    let conversion_id = answer["event_id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .unwrap_or_else(|| panic!("no event id in {answer}"));
    expected.insert(conversion_id);
    for (path, status, code) in [
        (
            format!("/postback/nope?click_id={some_click}"),
            403,
            "forbidden",
        ),
        (
            format!("/postback/{POSTBACK_KEY}?click_id=bad"),
            400,
            "invalid_click_id",
        ),
        (
            format!("/postback/{POSTBACK_KEY}?click_id={some_click}&amount=1e3"),
            400,
            "invalid_amount",
        ),
    ] {
        let resp = http
            .get(format!("{}{path}", worker.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        assert_eq!(body["error"], code, "{path}");
    }
    // A web page's conversion with the publishable key, after its CORS preflight.
    let browser_id = fixtures::browser_postback(&worker.base, some_click).await;
    expected.insert(browser_id);

    // Every click (the paused one too) and the conversions reach the receiver, signed.
    let events = eventually("all events at the receiver", || {
        let events = receiver.events();
        let complete = ids(&events).len() == expected.len() + 1;
        async move { complete.then_some(events) }
    })
    .await;
    assert_eq!(receiver.bad_signatures(), 0);
    let got = ids(&events);
    assert!(
        expected.is_subset(&got),
        "missing events: {:?}",
        expected.difference(&got)
    );
    let mut verdicts = Vec::new();
    for event in &events {
        match event {
            Event::Click(c) => {
                assert!(c.edge.starts_with("cloudflare"), "{}", c.edge);
                assert_eq!(c.user_agent, BROWSER);
                verdicts.push(c.verdict);
                if c.verdict == Verdict::Ok {
                    assert_eq!(c.subs.get(1), Some("vec"));
                }
            }
            Event::Conversion(c) if c.id == browser_id => {
                assert_eq!(c.click_id, some_click);
                assert_eq!(c.txid.as_deref(), Some("WEB-1"));
                // Parsed from the JSON the worker queued: `"source":"browser"`.
                assert_eq!(c.source, Some(ConversionSource::Browser));
                assert!(!c.test);
            }
            Event::Conversion(c) => {
                assert_eq!(c.id, conversion_id);
                assert_eq!(c.click_id, some_click);
                assert_eq!(c.advertiser_id, 5);
                assert_eq!(c.txid.as_deref(), Some("T-1"));
                assert_eq!(c.currency.map(|c| c.code()), Some("USD"));
                assert_eq!(c.source, None, "a server's postback");
            }
        }
    }
    assert_eq!(
        verdicts
            .iter()
            .filter(|v| **v == Verdict::OfferPaused)
            .count(),
        1
    );
    assert_eq!(
        verdicts.iter().filter(|v| **v == Verdict::Ok).count(),
        expected.len() - 2,
        "every expected event but the two conversions is an ok click"
    );
}

#[tokio::test]
async fn events_survive_a_failing_control_plane() {
    // The first three deliveries are answered 500.
    let receiver = Receiver::start(SECRET, 3).await;
    let worker = start(&receiver, fast_retries).await;
    let mut expected = BTreeSet::new();
    for promoter in 0..5 {
        let (status, id) = click(&worker, &format!("/c/{}", link_token(7, 42, promoter, 0))).await;
        assert_eq!(status, 302);
        expected.insert(id.unwrap_or_else(|| panic!("no click id")));
    }
    let events = eventually("the clicks after the receiver recovers", || {
        let events = receiver.events();
        let complete = ids(&events).is_superset(&expected);
        async move { complete.then_some(events) }
    })
    .await;
    assert_eq!(receiver.failed(), 3, "the failures really happened");
    assert_eq!(
        ids(&events),
        expected,
        "nothing lost, nothing extra after dedup by id"
    );
    assert_eq!(receiver.bad_signatures(), 0);
}

#[tokio::test]
async fn without_the_queue_events_go_straight_to_the_control_plane() {
    // A copy of wrangler.toml without the producer binding: every queue send fails, so the
    // worker must post each event itself.
    let receiver = Receiver::start(SECRET, 0).await;
    let worker = start(&receiver, |config| {
        let config = fast_retries(config);
        let start = config
            .find("[[queues.producers]]")
            .unwrap_or_else(|| panic!("wrangler.toml has no producer"));
        let end = config[start..]
            .find("\n\n")
            .map_or(config.len(), |n| start + n);
        format!("{}{}", &config[..start], &config[end..])
    })
    .await;
    let (status, id) = click(&worker, &format!("/c/{}", link_token(1, 42, 1, 0))).await;
    assert_eq!(status, 302);
    let click_id = id.unwrap_or_else(|| panic!("no click id"));
    let accepted = client()
        .get(format!(
            "{}/postback/{POSTBACK_KEY}?click_id={click_id}",
            worker.base
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("postback: {e}"));
    assert_eq!(accepted.status(), 200, "{}", worker.logs());
    let answer: serde_json::Value = accepted.json().await.unwrap_or_default();
    let conversion_id = answer["event_id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .unwrap_or_else(|| panic!("no event id in {answer}"));
    // With no queue there is no consumer: whatever arrives was posted by the worker itself,
    // one event per batch.
    let events = eventually("the direct posts", || {
        let events = receiver.events();
        async move { (events.len() >= 2).then_some(events) }
    })
    .await;
    assert_eq!(ids(&events), BTreeSet::from([click_id, conversion_id]));
    assert_eq!(receiver.batches(), 2);
}
