//! Every row of the DESIGN §4 click table against a fake platform.

use crate::fake::{BROWSER, Fake, NOW_MS, token};
use afftok_edge_core::{Method, Request, Response};
use afftok_shared::{Country, Verdict};
use serde_json::json;
use uuid::Uuid;

fn offer(url: &str) -> serde_json::Value {
    json!({"status": "active", "url": url, "advertiser_id": 5})
}

fn with_offer() -> Fake {
    let fake = Fake::new();
    fake.put_offer(
        42,
        offer("https://shop.example/land?c={click_id}&p={promoter_id}&s={sub1}"),
    );
    fake
}

fn assert_no_store(resp: &Response) {
    assert!(
        resp.headers()
            .any(|(k, v)| k == "cache-control" && v == "no-store"),
        "missing Cache-Control: no-store on {resp:?}"
    );
}

fn location(resp: &Response) -> &str {
    assert_eq!(resp.status, 302, "{resp:?}");
    resp.location.as_deref().expect("a Location")
}

#[test]
fn rule_7_redirects_with_macros_and_emits_an_ok_click() {
    let fake = with_offer();
    let t = token(1, 42, 1001, 0);
    let resp = fake.run(&Request {
        user_agent: Some(BROWSER),
        referer: Some("https://social.example/post/1"),
        ..Request::get(&format!("/c/{t}?sub1=tik%20tok&sub2=b"))
    });
    assert_no_store(&resp);
    let click = fake.last_click();
    assert_eq!(
        location(&resp),
        format!(
            "https://shop.example/land?c={}&p=1001&s=tik%20tok",
            click.id
        )
    );
    assert_eq!(click.verdict, Verdict::Ok);
    assert_eq!(
        (click.offer_id, click.promoter_id, click.kid),
        (42, 1001, 1)
    );
    assert_eq!(click.ts.unix_millis(), NOW_MS);
    assert_eq!(click.ip, "203.0.113.9".parse().ok());
    assert_eq!(click.country, Country::parse("US").ok());
    assert_eq!(click.user_agent, BROWSER);
    assert_eq!(
        click.referer.as_deref(),
        Some("https://social.example/post/1")
    );
    assert_eq!(click.subs.get(1), Some("tik tok"));
    assert_eq!(click.subs.get(2), Some("b"));
    assert_eq!(click.edge, "native:test");
    assert_eq!(fake.clicks.borrow().len(), 1);
}

#[test]
fn click_ids_are_lowercase_uuid_v7_carrying_the_click_time() {
    let fake = with_offer();
    let t = token(1, 42, 1001, 0);
    let first = location(&fake.get(&format!("/c/{t}"))).to_owned();
    let second = location(&fake.get(&format!("/c/{t}"))).to_owned();
    let id_of = |loc: &str| {
        let text = loc
            .split("c=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .expect("c= parameter")
            .to_owned();
        assert_eq!(text, text.to_lowercase());
        Uuid::parse_str(&text).expect("a uuid")
    };
    let (a, b) = (id_of(&first), id_of(&second));
    assert_ne!(a, b, "click ids are unique");
    for id in [a, b] {
        assert_eq!(id.get_version_num(), 7);
        let (secs, nanos) = id.get_timestamp().expect("v7 has a timestamp").to_unix();
        assert_eq!(secs * 1000 + u64::from(nanos) / 1_000_000, NOW_MS);
    }
}

#[test]
fn every_macro_is_filled_and_encoded() {
    let fake = Fake::new();
    fake.put_offer(
        9,
        offer("https://a.example/{click_id}/{offer_id}/{promoter_id}?1={sub1}&2={sub2}&3={sub3}&4={sub4}&5={sub5}&c={country}&t={ts}&u={unknown}"),
    );
    let t = token(7, 9, 4294967301, 0);
    let resp = fake.get(&format!(
        "/c/{t}?sub1=a%2Fb&sub2=%C3%A9&sub3=x+y&sub4=~._-&sub5=%26%3D%3F%23"
    ));
    let id = fake.last_click().id;
    assert_eq!(
        location(&resp),
        format!(
            "https://a.example/{id}/9/4294967301?1=a%2Fb&2=%C3%A9&3=x%20y&4=~._-&5=%26%3D%3F%23&c=US&t={NOW_MS}&u={{unknown}}"
        )
    );
}

#[test]
fn subs_are_cut_to_128_bytes_and_only_sub1_to_sub5_count() {
    let fake = with_offer();
    let t = token(1, 42, 1001, 0);
    let long = "é".repeat(100);
    let encoded: String = long.bytes().map(|b| format!("%{b:02X}")).collect();
    fake.get(&format!(
        "/c/{t}?sub1={encoded}&sub6=x&sub0=y&sub12=z&sub3=&sub3=second"
    ));
    let subs = fake.last_click().subs;
    let sub1 = subs.get(1).expect("kept, cut");
    assert_eq!(sub1.len(), 128);
    assert!(long.starts_with(sub1));
    assert_eq!(subs.get(3), Some("second"), "empty values do not count");
    let json = serde_json::to_value(&subs).expect("serializes");
    assert_eq!(json.as_object().map(|o| o.len()), Some(2), "{json}");
}

#[test]
fn rule_1_bad_tokens_are_404_without_an_event() {
    let fake = with_offer();
    let vectors: serde_json::Value =
        serde_json::from_str(afftok_shared::vectors::LINK_V1).expect("parses");
    let mut bad: Vec<String> = vectors["invalid"]
        .as_array()
        .expect("invalid list")
        .iter()
        .map(|v| v["token"].as_str().expect("token").to_owned())
        .collect();
    bad.extend(
        [
            "%41%51",
            "..%2F..%2Fetc",
            "AQEq6QcAxS5cLCYfgCwwZ12ZY2fExA/extra",
        ]
        .map(String::from),
    );
    for t in bad {
        let resp = fake.get(&format!("/c/{t}"));
        assert_eq!(resp.status, 404, "{t}");
        assert_eq!(resp.content_type, "text/html; charset=utf-8");
        assert_no_store(&resp);
    }
    assert!(fake.clicks.borrow().is_empty());
}

#[test]
fn rule_1_malformed_tokens_cost_no_kv_read() {
    let fake = with_offer();
    for t in [
        "",
        "x",
        "!!!!",
        &"A".repeat(65),
        "AQEq6QcAxS5cLCYfgCwwZ12ZY2fExA=",
    ] {
        assert_eq!(fake.get(&format!("/c/{t}")).status, 404);
    }
    assert_eq!(fake.kv_reads.get(), 0);
}

#[test]
fn rule_1_revoked_kid_is_404() {
    let fake = with_offer();
    fake.put_keys(&[7]);
    assert_eq!(fake.get(&format!("/c/{}", token(7, 42, 1, 0))).status, 404);
    let resp = fake.get(&format!("/c/{}", token(1, 42, 1, 0)));
    assert!(location(&resp).starts_with("https://shop.example/"));
    assert_eq!(fake.clicks.borrow().len(), 1);
}

#[test]
fn rule_1_no_keys_entry_refuses_every_link() {
    let fake = with_offer();
    fake.kv.borrow_mut().remove("keys");
    assert_eq!(fake.get(&format!("/c/{}", token(1, 42, 1, 0))).status, 404);
}

#[test]
fn rule_2_expired_is_410_without_an_event() {
    let fake = with_offer();
    let now = NOW_MS / 1000;
    let resp = fake.get(&format!("/c/{}", token(1, 42, 1, now)));
    assert_eq!(resp.status, 410);
    assert_no_store(&resp);
    assert!(fake.clicks.borrow().is_empty());
    // One second before expiry it still works.
    assert_eq!(
        fake.get(&format!("/c/{}", token(1, 42, 1, now + 1))).status,
        302
    );
}

#[test]
fn rule_3_unknown_offer_is_404_without_an_event() {
    let fake = with_offer();
    let resp = fake.get(&format!("/c/{}", token(1, 43, 1, 0)));
    assert_eq!(resp.status, 404);
    assert_no_store(&resp);
    assert!(fake.clicks.borrow().is_empty());
}

#[test]
fn rule_4_paused_offer_goes_to_its_fallback_or_404() {
    let fake = Fake::new();
    fake.put_offer(
        1,
        json!({"status": "paused", "url": "https://a.example/", "fallback_url": "https://b.example/?c={click_id}&o={offer_id}", "advertiser_id": 5}),
    );
    fake.put_offer(
        2,
        json!({"status": "paused", "url": "https://a.example/", "advertiser_id": 5}),
    );
    let resp = fake.get(&format!("/c/{}", token(1, 1, 1, 0)));
    let click = fake.last_click();
    assert_eq!(
        location(&resp),
        format!("https://b.example/?c={}&o=1", click.id)
    );
    assert_eq!(click.verdict, Verdict::OfferPaused);
    let resp = fake.get(&format!("/c/{}", token(1, 2, 1, 0)));
    assert_eq!(resp.status, 404);
    assert_no_store(&resp);
    assert_eq!(fake.last_click().verdict, Verdict::OfferPaused);
    assert_eq!(fake.clicks.borrow().len(), 2);
}

#[test]
fn rule_4_comes_before_geo_and_bot_rules() {
    let fake = Fake::new();
    fake.put_offer(
        1,
        json!({"status": "paused", "url": "https://a.example/", "geo_allow": ["DE"], "advertiser_id": 5}),
    );
    let resp = fake.run(&Request {
        method: Method::Head,
        user_agent: Some("curl/8"),
        ..Request::get(&format!("/c/{}", token(1, 1, 1, 0)))
    });
    assert_eq!(resp.status, 404);
    assert_eq!(fake.last_click().verdict, Verdict::OfferPaused);
}

#[test]
fn rule_5_geo_rules() {
    let fake = Fake::new();
    fake.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/", "geo_allow": ["US", "CA"], "advertiser_id": 5}),
    );
    fake.put_offer(
        2,
        json!({"status": "active", "url": "https://a.example/", "geo_deny": ["US"], "fallback_url": "https://fallback.example/{country}", "advertiser_id": 5}),
    );
    let t1 = format!("/c/{}", token(1, 1, 1, 0));
    let t2 = format!("/c/{}", token(1, 2, 1, 0));

    // Allowed country.
    assert_eq!(location(&fake.get(&t1)), "https://a.example/");
    assert_eq!(fake.last_click().verdict, Verdict::Ok);
    // Not in the allow list, no fallback: 451.
    fake.country.set(Country::parse("DE").ok());
    let resp = fake.get(&t1);
    assert_eq!(resp.status, 451);
    assert_no_store(&resp);
    assert_eq!(fake.last_click().verdict, Verdict::GeoBlocked);
    // Unknown country with an allow list: blocked too.
    fake.country.set(None);
    assert_eq!(fake.get(&t1).status, 451);
    assert_eq!(fake.last_click().verdict, Verdict::GeoBlocked);
    assert_eq!(fake.last_click().country, None);
    // Unknown country, deny list only: allowed.
    assert_eq!(location(&fake.get(&t2)), "https://a.example/");
    // Denied country with a fallback: 302 to the filled fallback.
    fake.country.set(Country::parse("US").ok());
    assert_eq!(location(&fake.get(&t2)), "https://fallback.example/US");
    assert_eq!(fake.last_click().verdict, Verdict::GeoBlocked);
    assert_eq!(fake.clicks.borrow().len(), 5);
}

#[test]
fn rule_6_bots_and_head_are_redirected_but_marked() {
    let fake = with_offer();
    let path = format!("/c/{}", token(1, 42, 1, 0));
    for ua in [
        Some("facebookexternalhit/1.1"),
        Some("Twitterbot/1.0"),
        Some("Slackbot-LinkExpanding 1.0"),
        Some("WhatsApp/2.23.20.0 A"),
        Some("TelegramBot (like TwitterBot)"),
        Some("Mozilla/5.0 (compatible; Discordbot/2.0)"),
        Some("LinkedInBot/1.0"),
        Some("Mozilla/5.0 (compatible; Googlebot/2.1)"),
        Some("curl/8.5.0"),
        Some("Wget/1.21"),
        None,
    ] {
        let resp = fake.run(&Request {
            user_agent: ua,
            ..Request::get(&path)
        });
        assert!(
            location(&resp).starts_with("https://shop.example/land?c="),
            "{ua:?}"
        );
        assert_no_store(&resp);
        assert_eq!(fake.last_click().verdict, Verdict::Bot, "{ua:?}");
    }
    let resp = fake.run(&Request {
        method: Method::Head,
        user_agent: Some(BROWSER),
        ..Request::get(&path)
    });
    assert_eq!(resp.status, 302);
    assert_eq!(fake.last_click().verdict, Verdict::Bot);
    assert_eq!(fake.clicks.borrow().len(), 12);
    assert!(!fake.last_click().verdict.is_counted());
}

#[test]
fn long_headers_are_cut_in_the_event() {
    let fake = with_offer();
    let ua = format!("{BROWSER} {}", "x".repeat(1000));
    let referer = format!("https://r.example/{}", "y".repeat(2000));
    fake.run(&Request {
        user_agent: Some(&ua),
        referer: Some(&referer),
        ..Request::get(&format!("/c/{}", token(1, 42, 1, 0)))
    });
    let click = fake.last_click();
    assert_eq!(click.user_agent.len(), 512);
    assert_eq!(click.referer.map(|r| r.len()), Some(1024));
}

#[test]
fn routing_and_methods() {
    let fake = with_offer();
    assert_eq!(fake.get("/healthz").status, 200);
    assert_eq!(fake.get("/").status, 404);
    assert_eq!(fake.get("/c").status, 404);
    assert_eq!(fake.get("/nope/c/x").status, 404);
    let post = fake.run(&Request {
        method: Method::Post,
        ..Request::get(&format!("/c/{}", token(1, 42, 1, 0)))
    });
    assert_eq!((post.status, post.allow), (405, Some("GET, HEAD")));
    let put = fake.run(&Request {
        method: Method::Other,
        ..Request::get("/postback/k")
    });
    assert_eq!((put.status, put.allow), (405, Some("GET, POST, OPTIONS")));
    // OPTIONS is only a postback's preflight: links and health stay 405, without CORS.
    let link = format!("/c/{}", token(1, 42, 1, 0));
    for (path, allow) in [(link.as_str(), "GET, HEAD"), ("/healthz", "GET, HEAD")] {
        let options = fake.run(&Request {
            method: Method::Options,
            origin: Some("https://shop.example"),
            ..Request::get(path)
        });
        assert_eq!(
            (options.status, options.allow),
            (405, Some(allow)),
            "{path}"
        );
        assert_eq!(options.cors, None, "{path}");
    }
    assert!(fake.clicks.borrow().is_empty());
}

#[test]
fn clicks_never_carry_cors() {
    let fake = with_offer();
    let resp = fake.run(&Request {
        user_agent: Some(BROWSER),
        origin: Some("https://shop.example"),
        ..Request::get(&format!("/c/{}", token(1, 42, 1, 0)))
    });
    assert_eq!(resp.status, 302);
    assert_eq!(resp.cors, None);
    assert!(
        resp.headers()
            .all(|(name, _)| !name.starts_with("access-control") && name != "vary"),
        "{resp:?}"
    );
}
