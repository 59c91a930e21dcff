//! The spine, end to end, with every piece real: the control plane on Postgres and Redis, the
//! Cloudflare worker in workerd (`wrangler dev`) sending its events through the local queue,
//! the native edge on Redis, and the edge config pushed by the control plane itself to Redis
//! and to wrangler's local KV.
//!
//! An advertiser registers, creates an offer, an admin approves it, a promoter joins it and
//! takes the link; the link is clicked through both edges; the advertiser's server posts
//! conversions to the edges' postback URL; both sides read the click and the attributed
//! conversion, with the right payout, in their stats. Then the same with the conversion
//! arriving before its click's batch. Then a pause, a key rotation and a revocation reach
//! both edges.

use afftok_tests::eventually;
use afftok_tests::fixtures::{self, client};
use afftok_tests::platform::{ControlPlane, market};
use afftok_tests::stack::Stack;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// Edges cache KV reads this long here (the default is 10 s), so pushes show quickly.
const CACHE_SECS: u64 = 2;

/// Clicks `path` on `base` until the edge has the pushed config and redirects; the click id.
async fn click_through(base: &str, path: &str) -> Uuid {
    eventually(&format!("a redirect from {base}{path}"), || async {
        match fixtures::click(base, path).await {
            (302, Some(id)) => Some(id),
            _ => None,
        }
    })
    .await
}

/// Posts a conversion for `click` through `edge`'s postback URL.
async fn postback(edge: &str, key: &str, click: Uuid, txid: &str) {
    let resp = client()
        .get(format!(
            "{edge}/postback/{key}?click_id={click}&txid={txid}"
        ))
        .send()
        .await
        .expect("postback");
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "accepted", "{body}");
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The totals of today's stats as `token` sees them, once they show `clicks` and
/// `conversions`.
async fn stats_show(cp: &ControlPlane, token: &str, clicks: i64, conversions: i64) -> Value {
    let day = today();
    let path = format!("/v1/stats?from={day}&to={day}&granularity=day");
    eventually(
        &format!("stats with {clicks} clicks, {conversions} conversions"),
        || async {
            let totals = cp.get(&path, token).await["totals"].clone();
            (totals["clicks"] == clicks && totals["conversions"] == conversions).then_some(totals)
        },
    )
    .await
}

fn amount(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

async fn conversion_of(cp: &ControlPlane, token: &str, click: Uuid) -> Option<Value> {
    let page = cp.get("/v1/conversions?limit=100", token).await;
    page["data"]
        .as_array()?
        .iter()
        .find(|c| c["click_id"] == click.to_string())
        .cloned()
}

#[tokio::test]
async fn a_click_and_its_conversion_through_both_edges_reach_both_tenants_stats() {
    let p = Stack::start(CACHE_SECS, &[]).await;
    let m = market(&p.cp).await;

    // The control plane pushed the config to both edges by itself.
    let via_worker = click_through(&p.worker.base, &format!("{}?sub1=bio", m.link)).await;
    let via_native = click_through(&p.native.base, &m.link).await;
    postback(&p.worker.base, &m.postback_key, via_worker, "order-1").await;
    postback(&p.native.base, &m.postback_key, via_native, "order-2").await;

    // Both tenants see two clicks and two approved conversions paying 2.50 each.
    for token in [&m.promoter, &m.adv] {
        let totals = stats_show(&p.cp, token, 2, 2).await;
        assert_eq!(amount(&totals["payout"]["USD"]), 5.0, "{totals}");
    }
    for click in [via_worker, via_native] {
        let conversion = conversion_of(&p.cp, &m.adv, click)
            .await
            .expect("the conversion is listed for the advertiser");
        assert_eq!(conversion["status"], "approved", "{conversion}");
        assert_eq!(conversion["payout"], "2.50");
        assert_eq!(conversion["offer_id"], m.offer);
        let mine = conversion_of(&p.cp, &m.promoter, click).await;
        assert!(mine.is_some(), "the promoter sees its conversion");
    }
    let clicks = p.cp.get("/v1/clicks?limit=100", &m.promoter).await;
    let edges: Vec<&str> = clicks["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["edge"].as_str())
        .collect();
    assert!(
        edges.iter().any(|e| e.starts_with("cloudflare")),
        "{clicks}"
    );
    assert!(edges.iter().any(|e| e.starts_with("native")), "{clicks}");

    // A conversion that arrives before its click's batch waits, then is attributed: the
    // worker's click batch is held back at the gate while the conversion goes through the
    // native edge's stream.
    p.gate.close();
    let held_before = p.gate.held();
    let late = click_through(&p.worker.base, &m.link).await;
    eventually("the click batch to be held back", || async {
        (p.gate.held() > held_before).then_some(())
    })
    .await;
    postback(&p.native.base, &m.postback_key, late, "order-3").await;
    let waiting = eventually("the early conversion to be stored", || async {
        conversion_of(&p.cp, &m.adv, late).await
    })
    .await;
    assert_eq!(waiting["status"], "pending", "{waiting}");
    p.gate.open();
    let done = eventually("the early conversion to be attributed", || async {
        conversion_of(&p.cp, &m.adv, late)
            .await
            .filter(|c| c["status"] == "approved")
    })
    .await;
    assert_eq!(done["payout"], "2.50");
    let totals = stats_show(&p.cp, &m.promoter, 3, 3).await;
    assert_eq!(amount(&totals["payout"]["USD"]), 7.5, "{totals}");
    // The admin sees everything; another promoter sees none of it.
    stats_show(&p.cp, &m.admin, 3, 3).await;
    let other = p.cp.register("promoter", "other@promo.e2e").await;
    stats_show(&p.cp, &other, 0, 0).await;
}

#[tokio::test]
async fn a_batch_whose_answer_was_lost_is_delivered_again_and_stored_once() {
    let p = Stack::start(CACHE_SECS, &[]).await;
    let m = market(&p.cp).await;
    // The worker has the config and its queue reaches the control plane.
    click_through(&p.worker.base, &m.link).await;
    eventually("the first click to be stored", || async {
        (stored_clicks(&p.cp).await == 1).then_some(())
    })
    .await;
    let before = 1;
    // The control plane commits the next batch, but its answer never reaches the queue
    // consumer, which retries the batch as it is: the redelivery is answered 200 (its events
    // duplicates), and the queue stops retrying.
    p.gate.lose_answers(1);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(click_through(&p.worker.base, &m.link).await);
    }
    eventually("the clicks to be stored", || async {
        (stored_clicks(&p.cp).await == before + 5).then_some(())
    })
    .await;
    // The gate counts the answer it drops as it drops it, which may come a moment after the
    // commit that made the clicks visible.
    eventually("the answer to be lost", || async {
        (p.gate.lost() >= 1).then_some(())
    })
    .await;
    assert_eq!(p.gate.lost(), 1, "an answer was lost");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM clicks WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_one(&p.cp.db)
        .await
        .expect("clicks");
    assert_eq!(rows, 5, "each click stored once");
    // The queue's retry reached the control plane (the batch came twice) and was taken.
    eventually("the redelivery to be counted", || async {
        let metrics = client()
            .get(format!("{}/metrics", p.cp.base))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        metrics
            .lines()
            .filter(|l| {
                l.starts_with("afftok_events_total{")
                    && l.contains(r#"outcome="duplicate""#)
                    && l.contains(r#"source="http""#)
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .any(|n| n > 0.0)
            .then_some(())
    })
    .await;
}

/// Clicks the control plane has stored.
async fn stored_clicks(cp: &ControlPlane) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM clicks")
        .fetch_one(&cp.db)
        .await
        .expect("clicks")
}

#[tokio::test]
async fn pauses_rotations_and_revocations_reach_both_edges() {
    let p = Stack::start(CACHE_SECS, &[]).await;
    let m = market(&p.cp).await;
    let edges = [p.worker.base.clone(), p.native.base.clone()];
    for edge in &edges {
        click_through(edge, &m.link).await;
    }

    // Paused (no fallback URL): the link stops redirecting on both edges, then resumes.
    p.cp.post(
        200,
        &format!("/v1/offers/{}/pause", m.offer),
        &m.adv,
        json!({}),
    )
    .await;
    for edge in &edges {
        eventually(
            &format!("{edge} to stop redirecting the paused offer"),
            || async { (fixtures::click(edge, &m.link).await.0 == 404).then_some(()) },
        )
        .await;
    }
    p.cp.post(
        200,
        &format!("/v1/offers/{}/resume", m.offer),
        &m.adv,
        json!({}),
    )
    .await;
    for edge in &edges {
        click_through(edge, &m.link).await;
    }

    // Rotation: a new active key; links signed with the old one keep working on both edges.
    let old_kid = p.cp.get("/v1/links", &m.promoter).await["data"][0]["kid"]
        .as_i64()
        .expect("kid");
    let new_kid = p.cp.signing_key(true).await;
    assert_ne!(old_kid, new_kid);
    eventually("the new key to reach Redis", || async {
        let mut conn = redis::Client::open(
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        )
        .ok()?
        .get_multiplexed_async_connection()
        .await
        .ok()?;
        let keys: Option<String> = redis::AsyncCommands::get(
            &mut conn,
            format!("{}keys", p.cp.settings.edge_push.kv_prefix),
        )
        .await
        .ok()?;
        let doc = afftok_shared::kv::KeysDoc::parse(keys?.as_bytes()).ok()?;
        (doc.active == new_kid.unsigned_abs()).then_some(())
    })
    .await;
    for edge in &edges {
        click_through(edge, &m.link).await;
    }
    // Revoking the old key reaches both edges: its links stop working there.
    afftok_control_plane::links::signing_keys::revoke(
        &p.cp.db,
        afftok_control_plane::kernel::Kid(old_kid),
    )
    .await
    .expect("revoke");
    for edge in &edges {
        eventually(
            &format!("{edge} to refuse the revoked key's link"),
            || async { (fixtures::click(edge, &m.link).await.0 == 404).then_some(()) },
        )
        .await;
    }
    // Joining again re-signs the link with the active key, which both edges accept.
    let link =
        p.cp.expect(
            200,
            Method::POST,
            &format!("/v1/marketplace/offers/{}/join", m.offer),
            Some(&m.promoter),
            None,
        )
        .await;
    assert_eq!(link["kid"], new_kid, "{link}");
    let fresh = format!("/c/{}", link["token"].as_str().expect("token"));
    assert_ne!(fresh, m.link);
    for edge in &edges {
        click_through(edge, &fresh).await;
    }
}
