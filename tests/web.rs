//! The web app in a real browser: the control plane serves the built app (web/dist) and the
//! API, the native edge redirects, and `web/e2e/journeys.mjs` drives Debian's Chromium
//! through each role's main journey (playwright-core; see web/e2e/README.md): an advertiser
//! signs up and submits an offer, the admin approves it, a promoter joins and takes the link,
//! a click through the edge and a postback show in the promoter's stats and live counters,
//! the advertiser reverses the conversion and the promoter's stats drop; plus the Arabic UI
//! right to left, the API's field errors in a form, a silent refresh of an expired access
//! token, and a promoter refused an advertiser page; the fraud pages (web/e2e/fraud.mjs); the
//! webhooks and postbacks pages against a receiver on loopback (web/e2e/webhooks.mjs: an
//! endpoint's secret shown once, a signed test delivered and in the log, a promoter's
//! postback); the points pages (web/e2e/points.mjs: an admin's adjustments take the promoter
//! to Silver, which its Points page shows with the ledger); the team page (web/e2e/teams.mjs);
//! the leaderboards (web/e2e/leaderboards.mjs: places, ties to the first, my place, paging,
//! periods, the teams' board); the contests (web/e2e/contests.mjs: an admin publishes one, a
//! promoter enters and sees the standings, an advertiser's draft with a field error, edited and
//! cancelled); the sandbox (web/e2e/sandbox.mjs: a publishable test key and its snippet, test
//! mode's banner, a minted test click and its conversion in the test lists, live lists again);
//! the assistant (web/e2e/assistant.mjs: a promoter with traffic made here reads its insights,
//! joins a suggested offer, and chats through a fake OpenAI-compatible provider on loopback);
//! and every page through axe in both languages. Screenshots go to target/e2e/.
//!
//! Needs `web/dist` (scripts/test builds it; by hand: `cd web && npm ci && npm run build`),
//! Node 20 and Chromium (`AFFTOK_CHROMIUM`, default the `chromium` on PATH).

use std::process::Stdio;
use std::time::Duration;

use afftok_tests::platform::{ControlPlane, INGEST_SECRET, NativeEdge, PASSWORD, Run};
use afftok_tests::repo_root;

/// The access token lives this long here, so the journeys meet expired tokens (plus the
/// control plane's 5 s leeway).
const ACCESS_TTL_SECS: &str = "2";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_role_s_journey_in_chromium() {
    let root = repo_root();
    let dist = root.join("web/dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} is not built: run scripts/test, or `cd web && npm ci && npm run build`",
        dist.display()
    );
    let chromium = std::env::var("AFFTOK_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());

    let run = Run::new();
    let edge = NativeEdge::start(&run, 1).await;
    let cp = ControlPlane::start(
        &run,
        &[
            ("AFFTOK_WEB_DIR", dist.display().to_string()),
            ("AFFTOK_EDGE_BASE_URL", edge.base.clone()),
            ("AFFTOK_ACCESS_TOKEN_TTL_SECS", ACCESS_TTL_SECS.to_owned()),
            // Three browsers refreshing every few seconds from one IP.
            ("AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE", "10000".to_owned()),
            ("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", "10000".to_owned()),
            // The webhooks journey's receiver and the assistant journey's fake provider listen
            // on loopback, over http (the chat's provider URL passes the webhooks' guard).
            ("AFFTOK_WEBHOOK_ALLOW_HTTP", "true".to_owned()),
            ("AFFTOK_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8".to_owned()),
        ],
    )
    .await;
    cp.signing_key(true).await;
    let admin_email = "admin@web.e2e";
    cp.create_admin(admin_email).await;

    // A promoter with three weeks of traffic (through the signed ingest, as scripts/dev
    // seeds it), for the screenshots of a stats page with something on it.
    let demo_promoter = "demo-promoter@web.e2e";
    let postback_key_file =
        std::env::temp_dir().join(format!("afftok-web-e2e-{}", run.prefix.replace(':', "-")));
    let seed_env: std::collections::HashMap<&str, String> = [
        ("AFFTOK_API", cp.base.clone()),
        ("AFFTOK_DEV_ADMIN_EMAIL", admin_email.to_owned()),
        ("AFFTOK_DEV_ADMIN_PASSWORD", PASSWORD.to_owned()),
        (
            "AFFTOK_DEV_ADVERTISER_EMAIL",
            "demo-advertiser@web.e2e".to_owned(),
        ),
        ("AFFTOK_DEV_ADVERTISER_PASSWORD", PASSWORD.to_owned()),
        ("AFFTOK_DEV_PROMOTER_EMAIL", demo_promoter.to_owned()),
        ("AFFTOK_DEV_PROMOTER_PASSWORD", PASSWORD.to_owned()),
        (
            "AFFTOK_DEV_POSTBACK_KEY_FILE",
            postback_key_file.display().to_string(),
        ),
        (
            "AFFTOK_DEV_OFFER_URL",
            "https://shop.example/land?c={click_id}".to_owned(),
        ),
        ("AFFTOK_DEV_TRAFFIC_DAYS", "21".to_owned()),
        ("AFFTOK_INGEST_SECRET", INGEST_SECRET.to_owned()),
    ]
    .into_iter()
    .collect();
    afftok_control_plane::app::seed::seed(&afftok_control_plane::app::seed::Env(|n: &str| {
        seed_env.get(n).cloned()
    }))
    .await
    .unwrap_or_else(|e| panic!("demo traffic: {e}"));
    let _ = std::fs::remove_file(&postback_key_file);
    let assistant_promoter = "assistant-promoter@web.e2e";
    assistant_traffic(
        &cp.base,
        admin_email,
        "demo-advertiser@web.e2e",
        assistant_promoter,
    )
    .await;

    let screens = root.join("target/e2e");
    // Screenshots of an earlier run's failures would mislead.
    let _ = std::fs::remove_dir_all(&screens);
    std::fs::create_dir_all(&screens).unwrap_or_else(|e| panic!("{}: {e}", screens.display()));
    let mut node = tokio::process::Command::new("node");
    node.arg(root.join("web/e2e/journeys.mjs"))
        .current_dir(root.join("web"))
        .env("AFFTOK_E2E_APP", &cp.base)
        .env("AFFTOK_E2E_EDGE", &edge.base)
        .env("AFFTOK_E2E_ADMIN_EMAIL", admin_email)
        .env("AFFTOK_E2E_DEMO_EMAIL", demo_promoter)
        .env("AFFTOK_E2E_ASSISTANT_EMAIL", assistant_promoter)
        .env("AFFTOK_E2E_PASSWORD", PASSWORD)
        .env("AFFTOK_E2E_ACCESS_TTL_SECS", ACCESS_TTL_SECS)
        .env("AFFTOK_E2E_SCREENS", &screens)
        .env("AFFTOK_CHROMIUM", chromium)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let status = tokio::time::timeout(Duration::from_secs(600), node.status())
        .await
        .unwrap_or_else(|_| panic!("the journeys took more than 10 minutes"))
        .unwrap_or_else(|e| panic!("node web/e2e/journeys.mjs: {e}"));
    assert!(
        status.success(),
        "the journeys in Chromium failed ({status}): see above"
    );
}

/// The assistant journey's promoter (web/e2e/assistant.mjs), made through the API as the
/// demo is: the demo advertiser's second offer (same category and payout model as the demo
/// offer), approved; a promoter who joins it and has ten days of traffic on it ending two
/// days ago, its clicks without a sub-ID (so the tip about sub-IDs fires). It has not joined
/// the demo offer, which the demo promoter's three weeks of clicks give platform figures: its
/// first suggestion, with the reasons that need 100 clicks.
async fn assistant_traffic(base: &str, admin: &str, advertiser: &str, promoter: &str) {
    use afftok_control_plane::accounts::Role;
    use afftok_control_plane::app::seed::{self, Client, NewAccount, Offer, traffic};

    let client = Client::new(base).unwrap_or_else(|e| panic!("{e}"));
    let admin = client
        .login(admin, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("login {admin}: {e}"));
    let adv = client
        .login(advertiser, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("login {advertiser}: {e}"));
    let offer: Offer = client
        .create_offer(
            &adv.access_token,
            &serde_json::json!({
                "name": "Assistant journey offer",
                "description": "The assistant journey's promoter sends its traffic here.",
                "category": "shopping",
                "url_template": "https://shop.example/land?c={click_id}",
                "fallback_url": "https://example.com/",
                "payout_model": "cpa",
                "payout_amount": "3.00",
                "currency": "USD",
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("the assistant journey's offer: {e}"));
    let offer = seed::approved(&client, offer, &adv.access_token, &admin.access_token)
        .await
        .unwrap_or_else(|e| panic!("approving the assistant journey's offer: {e}"));
    let session = client
        .register(&NewAccount {
            role: Role::Promoter,
            email: promoter,
            password: PASSWORD,
            display_name: "Asma Assistant",
            company: None,
        })
        .await
        .unwrap_or_else(|e| panic!("registering {promoter}: {e}"));
    let joined = client
        .join(&session.access_token, offer.id)
        .await
        .unwrap_or_else(|e| panic!("{promoter} joining {}: {e}", offer.id));
    let advertiser_id = adv
        .user
        .advertiser
        .as_ref()
        .map(|a| a.id)
        .unwrap_or_else(|| panic!("{advertiser} has no company"));
    let (first_day, last_day) = traffic::days_before(time::OffsetDateTime::now_utc().date(), 10);
    let mut events = traffic::events(&traffic::Plan {
        offer_id: offer.id,
        promoter_id: session.user.id,
        kid: joined.link.kid,
        advertiser_id,
        first_day,
        last_day,
        shape: traffic::Shape {
            base_clicks: 25,
            conversion_percent: 7,
            countries: &["SA", "SA", "AE", "EG", "US"],
            fraud: false,
        },
    });
    for e in events.iter_mut().filter(|e| e["type"] == "click") {
        e["subs"] = serde_json::json!({});
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    for batch in events.chunks(100) {
        client
            .send_events(INGEST_SECRET.as_bytes(), now, batch)
            .await
            .unwrap_or_else(|e| panic!("the assistant journey's traffic: {e}"));
    }
}
