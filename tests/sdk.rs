//! The Web SDK in a real browser (DESIGN §16), through both edges: a landing page on one
//! local origin loads `sdk/web/dist/afftok.min.js` with a publishable key; Chromium arrives
//! on it through a real click on the native edge and, in a second run, on the Cloudflare
//! worker in workerd; the click id lands in the cookie; a conversion posted from the page
//! with a navigation right after it reaches the control plane attributed to the click
//! (`source: browser`); the same page on another origin is refused, and so is the
//! advertiser's secret key used from the page. `web/e2e/sdk.mjs` drives Chromium
//! (playwright-core, as the web app's journeys) and prints what the pages saw.
//!
//! Needs `sdk/web/dist` (scripts/test builds it; by hand: `cd sdk/web && npm ci && npm run
//! build`), the web app's packages (playwright-core) and Chromium (`AFFTOK_CHROMIUM`).

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use afftok_tests::platform::ControlPlane;
use afftok_tests::stack::Stack;
use afftok_tests::{eventually, repo_root};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse};
use serde_json::{Value, json};

/// The shop's site: `/{edge}/landing.html` (the SDK set to that edge) and
/// `/{edge}/thanks.html`, and the SDK itself.
#[derive(Debug)]
struct Site {
    /// Edge name → its base URL.
    edges: BTreeMap<String, String>,
    /// The publishable key the pages use.
    key: String,
    /// `afftok.min.js`.
    sdk: String,
}

async fn landing(State(site): State<Arc<Site>>, Path(edge): Path<String>) -> impl IntoResponse {
    let endpoint = site.edges.get(&edge).cloned().unwrap_or_default();
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="/afftok.min.js" data-key="{key}" data-endpoint="{endpoint}"></script></head>
<body><h1>Spring sale</h1>
<button id="buy" type="button">Buy</button>
<script>
document.getElementById("buy").addEventListener("click", function () {{
  // The conversion, then at once away: keepalive must carry it past the navigation.
  window.afftok.conversion({{txid: "SALE-{edge}", amount: "19.90", currency: "EUR"}});
  location.href = "/{edge}/thanks.html";
}});
</script></body></html>"#,
        key = site.key,
    ))
}

async fn thanks() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Thanks</title></head><body><h1>Thank you</h1></body></html>",
    )
}

async fn sdk(State(site): State<Arc<Site>>) -> impl IntoResponse {
    (
        [("content-type", "text/javascript; charset=utf-8")],
        site.sdk.clone(),
    )
}

/// Serves the site on `listener`.
fn serve(listener: std::net::TcpListener, site: Arc<Site>) {
    listener.set_nonblocking(true).expect("nonblocking");
    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
    let app = axum::Router::new()
        .route("/afftok.min.js", axum::routing::get(sdk))
        .route("/{edge}/landing.html", axum::routing::get(landing))
        .route("/{edge}/thanks.html", axum::routing::get(thanks))
        .with_state(site);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

/// An approved offer whose visitors land on `url`.
async fn offer(cp: &ControlPlane, adv: &str, admin: &str, url: &str) -> i64 {
    let offer = cp
        .post(
            201,
            "/v1/offers",
            adv,
            json!({
                "name": "Spring sale", "category": "shopping", "url_template": url,
                "payout_model": "cpa", "payout_amount": "2.50", "currency": "USD",
            }),
        )
        .await["id"]
        .as_i64()
        .expect("offer id");
    cp.post(200, &format!("/v1/offers/{offer}/submit"), adv, json!({}))
        .await;
    cp.post(
        200,
        &format!("/v1/admin/offers/{offer}/approve"),
        admin,
        json!({}),
    )
    .await;
    offer
}

/// The advertiser's conversion with `txid`, once the control plane has it.
async fn conversion(cp: &ControlPlane, adv: &str, txid: &str) -> Value {
    eventually(&format!("the conversion {txid}"), || async {
        let page = cp.get("/v1/conversions?limit=100", adv).await;
        page["data"]
            .as_array()?
            .iter()
            .find(|c| c["txid"] == txid)
            .cloned()
    })
    .await
}

/// The conversion once it has left `pending`: an edge may deliver the conversion before its
/// click (the worker batches clicks), and it is attributed when the click lands (DESIGN §7).
async fn settled_conversion(cp: &ControlPlane, adv: &str, txid: &str) -> Value {
    eventually(&format!("the conversion {txid} attributed"), || async {
        let found = conversion(cp, adv, txid).await;
        (found["status"] != "pending").then_some(found)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sdk_reports_a_conversion_from_a_page_through_both_edges() {
    let root = repo_root();
    let bundle = root.join("sdk/web/dist/afftok.min.js");
    let sdk_js = std::fs::read_to_string(&bundle).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run scripts/test, or `cd sdk/web && npm ci && npm run build`",
            bundle.display()
        )
    });
    let chromium = std::env::var("AFFTOK_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());

    let stack = Stack::start(2, &[]).await;
    let cp = &stack.cp;
    cp.signing_key(true).await;
    let admin = cp.admin().await;
    let adv = cp.register("advertiser", "ads@shop.e2e").await;
    let promoter = cp.register("promoter", "pat@promo.e2e").await;

    // The site's origins are known before the key: bind both servers first.
    let edges: BTreeMap<String, String> = [
        ("native".to_owned(), stack.native.base.clone()),
        ("worker".to_owned(), stack.worker.base.clone()),
    ]
    .into();
    // The shop's origin (allowed) and another one serving the same pages: bound first, so
    // the key can name the shop's origin before the servers start.
    let shop_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let other_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let shop = format!("http://{}", shop_listener.local_addr().expect("addr"));
    let other = format!("http://{}", other_listener.local_addr().expect("addr"));

    let created = cp
        .post(
            201,
            "/v1/postback-keys",
            &adv,
            json!({"name": "shop site", "kind": "publishable", "origins": [shop]}),
        )
        .await;
    let publishable = created["key"].as_str().expect("key").to_owned();
    assert!(publishable.starts_with("pk_live_"), "{created}");
    let secret = cp
        .post(
            201,
            "/v1/postback-keys",
            &adv,
            json!({"name": "shop server"}),
        )
        .await["key"]
        .as_str()
        .expect("key")
        .to_owned();

    let site = Arc::new(Site {
        edges: edges.clone(),
        key: publishable.clone(),
        sdk: sdk_js,
    });
    for listener in [shop_listener, other_listener] {
        serve(listener, site.clone());
    }

    let mut cases = Vec::new();
    for (name, base) in &edges {
        let offer = offer(
            cp,
            &adv,
            &admin,
            &format!("{shop}/{name}/landing.html?click_id={{click_id}}"),
        )
        .await;
        let link = cp
            .post(
                201,
                &format!("/v1/marketplace/offers/{offer}/join"),
                &promoter,
                json!({}),
            )
            .await;
        let path = format!("/c/{}", link["token"].as_str().expect("token"));
        // The edge has the pushed offer and keys once it redirects.
        eventually(&format!("{name} redirects"), || async {
            let (status, _) = afftok_tests::fixtures::click(base, &path).await;
            (status == 302).then_some(())
        })
        .await;
        cases.push(json!({
            "edge": name, "base": base, "link": format!("{base}{path}"),
            "other": format!("{other}/{name}/landing.html"), "secret": secret,
        }));
    }

    let mut node = tokio::process::Command::new("node");
    node.arg(root.join("web/e2e/sdk.mjs"))
        .current_dir(root.join("web"))
        .env("AFFTOK_SDK_CASES", Value::from(cases).to_string())
        .env("AFFTOK_CHROMIUM", chromium)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(300), node.output())
        .await
        .unwrap_or_else(|_| panic!("web/e2e/sdk.mjs took more than 5 minutes"))
        .unwrap_or_else(|e| panic!("node web/e2e/sdk.mjs: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "web/e2e/sdk.mjs failed ({}): {stdout}",
        out.status
    );
    let seen: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no result from web/e2e/sdk.mjs: {stdout}"));

    for name in edges.keys() {
        let page = &seen[name];
        let click = page["click_id"].as_str().expect("click id");
        assert_eq!(
            page["cookie"], click,
            "the cookie keeps the click id: {page}"
        );
        assert_eq!(
            page["landed"], click,
            "the edge's click id reached the page: {page}"
        );
        // The marker was posted after the refused attempts: once it is stored, they would
        // have been too (an edge emits an event only for what it accepts).
        let marker = conversion(cp, &adv, &format!("MARKER-{name}")).await;
        assert_eq!(marker["click_id"], click);
        let sale = settled_conversion(cp, &adv, &format!("SALE-{name}")).await;
        assert_eq!(
            (&sale["click_id"], &sale["status"], &sale["source"]),
            (&json!(click), &json!("approved"), &json!("browser")),
            "{sale}"
        );
        assert_eq!(sale["payout"], "2.50", "{sale}");
        assert_eq!(
            page["other_origin"]["ok"], false,
            "another origin is refused: {page}"
        );
        assert_eq!(
            page["secret_from_page"], "blocked",
            "a secret key cannot be used from a page: {page}"
        );
        let all = cp.get("/v1/conversions?mode=all&limit=100", &adv).await;
        for refused in [format!("OTHER-{name}"), format!("SECRET-{name}")] {
            assert!(
                !all["data"]
                    .as_array()
                    .expect("data")
                    .iter()
                    .any(|c| c["txid"] == refused.as_str()),
                "{refused} must not be stored: {all}"
            );
        }
    }
}
