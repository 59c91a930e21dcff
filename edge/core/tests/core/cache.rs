//! The KV cache: reads saved, pushes seen within the TTL, outages ridden out.

use std::time::Duration;

use afftok_shared::Verdict;
use serde_json::json;

use crate::fake::{Fake, TTL, token};

fn active(url: &str) -> serde_json::Value {
    json!({"status": "active", "url": url, "advertiser_id": 5})
}

#[test]
fn a_cached_click_reads_nothing() {
    let fake = Fake::new();
    fake.put_offer(1, active("https://a.example/"));
    let path = format!("/c/{}", token(1, 1, 1, 0));
    assert_eq!(fake.get(&path).status, 302);
    assert_eq!(fake.kv_reads.get(), 2, "keys and offer:1");
    for _ in 0..5 {
        assert_eq!(fake.get(&path).status, 302);
    }
    assert_eq!(fake.kv_reads.get(), 2);
}

#[test]
fn a_pause_is_seen_after_the_ttl_not_before() {
    let fake = Fake::new();
    fake.put_offer(1, active("https://a.example/"));
    let path = format!("/c/{}", token(1, 1, 1, 0));
    assert_eq!(fake.get(&path).status, 302);
    fake.put_offer(
        1,
        json!({"status": "paused", "url": "https://a.example/", "advertiser_id": 5}),
    );
    fake.advance(TTL - Duration::from_millis(1));
    assert_eq!(fake.get(&path).status, 302, "still cached");
    fake.advance(Duration::from_millis(1));
    assert_eq!(
        fake.get(&path).status,
        404,
        "the pause is seen once the TTL has passed"
    );
    assert_eq!(fake.last_click().verdict, Verdict::OfferPaused);
}

#[test]
fn a_revocation_is_seen_after_the_ttl() {
    let fake = Fake::new();
    fake.put_offer(1, active("https://a.example/"));
    let path = format!("/c/{}", token(7, 1, 1, 0));
    assert_eq!(fake.get(&path).status, 302);
    fake.put_keys(&[7]);
    fake.advance(TTL);
    assert_eq!(fake.get(&path).status, 404);
}

#[test]
fn unknown_offers_are_cached_as_absent() {
    let fake = Fake::new();
    let path = format!("/c/{}", token(1, 99, 1, 0));
    for _ in 0..5 {
        assert_eq!(fake.get(&path).status, 404);
    }
    assert_eq!(fake.kv_reads.get(), 2);
    // And a new offer shows up after the TTL.
    fake.put_offer(99, active("https://a.example/"));
    fake.advance(TTL);
    assert_eq!(fake.get(&path).status, 302);
}

#[test]
fn kv_outage_serves_the_last_good_value() {
    let fake = Fake::new();
    fake.put_offer(1, active("https://a.example/"));
    let path = format!("/c/{}", token(1, 1, 1, 0));
    assert_eq!(fake.get(&path).status, 302);
    fake.kv_down.set(true);
    fake.advance(TTL * 3);
    assert_eq!(fake.get(&path).status, 302, "stale but served");
    assert!(fake.warnings.borrow().iter().any(|w| w.contains("failed")));
    // A link to an offer never cached cannot be served: 503, not a wrong answer.
    let resp = fake.get(&format!("/c/{}", token(1, 2, 1, 0)));
    assert_eq!(resp.status, 503);
    assert_eq!(resp.retry_after, Some(5));
    // During the outage the KV is retried about once a second, not on every click.
    let reads = fake.kv_reads.get();
    fake.get(&path);
    assert_eq!(fake.kv_reads.get(), reads);
    fake.advance(Duration::from_secs(1));
    fake.kv_down.set(false);
    fake.get(&path);
    assert!(fake.kv_reads.get() > reads);
}

#[test]
fn a_bad_push_keeps_the_previous_value() {
    let fake = Fake::new();
    fake.put_offer(1, active("https://a.example/"));
    let path = format!("/c/{}", token(1, 1, 1, 0));
    assert_eq!(fake.get(&path).status, 302);
    fake.put_offer(
        1,
        json!({"status": "active", "url": "javascript:alert(1)", "advertiser_id": 5}),
    );
    fake.put("keys", "{not json");
    fake.advance(TTL);
    let resp = fake.get(&path);
    assert_eq!(resp.location.as_deref(), Some("https://a.example/"));
    let warnings = fake.warnings.borrow();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("offer:1") && w.contains("unusable")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("keys") && w.contains("unusable")),
        "{warnings:?}"
    );
}

#[test]
fn a_bad_entry_never_seen_good_is_503() {
    let fake = Fake::new();
    fake.put("offer:1", "[]");
    assert_eq!(fake.get(&format!("/c/{}", token(1, 1, 1, 0))).status, 503);
}

#[test]
fn the_clock_going_back_does_not_pin_an_entry() {
    let fake = Fake::new();
    fake.put_offer(1, active("https://a.example/"));
    let path = format!("/c/{}", token(1, 1, 1, 0));
    assert_eq!(fake.get(&path).status, 302);
    fake.put_offer(1, active("https://b.example/"));
    fake.now_ms.set(fake.now_ms.get() - 3_600_000);
    assert_eq!(
        fake.get(&path).location.as_deref(),
        Some("https://b.example/")
    );
}

#[test]
fn the_ttl_is_capped_at_30_seconds() {
    let cache = afftok_edge_core::EdgeCache::new(Duration::from_secs(3600));
    assert_eq!(cache.ttl(), Duration::from_secs(30));
}
