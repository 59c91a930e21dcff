//! Row 6: the web app's stats page in headless Chromium (Debian's `chromium`, driven by
//! `web/e2e/bench.mjs` with playwright-core) against `afftok serve` serving the built app
//! (web/dist) over a promoter with three weeks of demo traffic (`afftok dev seed`, through the
//! signed ingest): its initial JavaScript gzipped, its time to first render (cold cache, a new
//! browser context per load), and the API calls a load makes, in how many rounds. The login
//! page, loaded the same way in the same run, is the baseline.

use std::path::PathBuf;

use serde_json::Value;

use crate::Ctx;
use crate::procs::{self, Service};
use crate::results::{Figure, Row};

const PASSWORD: &str = "bench-Password-4f1c9a";

/// Runs the row.
pub async fn run(ctx: &Ctx) -> Result<Vec<Row>, String> {
    let name = format!("afftok_bench_web_{}", ctx.run);
    let result = measure(ctx, &name).await;
    ctx.drop_database(&name).await;
    result
}

fn root() -> Result<PathBuf, String> {
    std::env::current_dir().map_err(|e| e.to_string())
}

async fn measure(ctx: &Ctx, name: &str) -> Result<Vec<Row>, String> {
    let root = root()?;
    let dist = root.join("web/dist");
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} is not built (scripts/bench builds it)",
            dist.display()
        ));
    }
    let db = crate::pg::fresh(ctx, name).await?;
    db.close().await;
    let url = crate::pg::url_of(ctx, name);
    let port = procs::free_port()?;
    let mut env = crate::ingest::serve_env(ctx, &url, port, "web");
    env.extend(
        [
            ("AFFTOK_WEB_DIR", dist.display().to_string()),
            ("AFFTOK_ADMIN_PASSWORD", PASSWORD.to_owned()),
            // Every load signs in anew.
            ("AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE", "100000".to_owned()),
            ("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", "100000".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    procs::run(&ctx.afftok, &["keys", "create"], &env).await?;
    let admin = "admin@bench.afftok.test";
    procs::run(&ctx.afftok, &["admin", "create", "--email", admin], &env).await?;
    let cp = Service::start(
        "afftok serve",
        &ctx.afftok,
        &["serve"],
        &env,
        format!("http://127.0.0.1:{port}"),
        ctx.log("control-plane-web"),
    )
    .await?;
    let promoter = "promoter@bench.afftok.test";
    let days = if ctx.quick { "7" } else { "30" };
    let key_file = ctx.logs.join("web-postback-key");
    let ingest_secret = env
        .iter()
        .find(|(k, _)| k == "AFFTOK_INGEST_SECRET")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let seed_env: Vec<(String, String)> = [
        ("AFFTOK_API", cp.base.clone()),
        ("AFFTOK_DEV_ADMIN_EMAIL", admin.to_owned()),
        ("AFFTOK_DEV_ADMIN_PASSWORD", PASSWORD.to_owned()),
        (
            "AFFTOK_DEV_ADVERTISER_EMAIL",
            "advertiser@bench.afftok.test".to_owned(),
        ),
        ("AFFTOK_DEV_ADVERTISER_PASSWORD", PASSWORD.to_owned()),
        ("AFFTOK_DEV_PROMOTER_EMAIL", promoter.to_owned()),
        ("AFFTOK_DEV_PROMOTER_PASSWORD", PASSWORD.to_owned()),
        (
            "AFFTOK_DEV_POSTBACK_KEY_FILE",
            key_file.display().to_string(),
        ),
        (
            "AFFTOK_DEV_OFFER_URL",
            "https://shop.example/land?cid={click_id}".to_owned(),
        ),
        ("AFFTOK_DEV_TRAFFIC_DAYS", days.to_owned()),
        ("AFFTOK_INGEST_SECRET", ingest_secret),
    ]
    .map(|(k, v)| (k.to_owned(), v))
    .to_vec();
    procs::run(&ctx.afftok, &["dev", "seed"], &seed_env).await?;

    let loads = if ctx.quick { 2 } else { 10 };
    let out = tokio::process::Command::new("node")
        .arg(root.join("web/e2e/bench.mjs"))
        .current_dir(root.join("web"))
        .env("AFFTOK_E2E_APP", &cp.base)
        .env("AFFTOK_BENCH_EMAIL", promoter)
        .env("AFFTOK_BENCH_PASSWORD", PASSWORD)
        .env("AFFTOK_BENCH_LOADS", loads.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .map_err(|e| format!("node web/e2e/bench.mjs: {e}"))?;
    cp.stop().await?;
    if !out.status.success() {
        return Err(format!("web/e2e/bench.mjs failed ({})", out.status));
    }
    let figures: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("web/e2e/bench.mjs printed no JSON: {e}"))?;
    let num = |page: &str, key: &str| figures[page][key].as_f64().unwrap_or(f64::NAN);
    let how = format!(
        "headless Chromium (Debian), {loads} cold loads each (a new browser context per load, \
         signed in through the refresh cookie), 412×915 viewport, afftok serve serving web/dist \
         on loopback, a promoter with {days} days of demo traffic"
    );
    let stats_kib = num("stats", "js_gzip_bytes") / 1024.0;
    let login_kib = num("login", "js_gzip_bytes") / 1024.0;
    let stats_ms = num("stats", "render_ms_p50");
    let login_ms = num("login", "render_ms_p50");
    let calls = num("stats", "api_calls");
    let rounds = num("stats", "data_rounds");
    Ok(vec![
        Row {
            id: "web-stats-js".into(),
            title: "Stats page: initial JavaScript, gzipped".into(),
            metric: "KiB".into(),
            subject: Figure::new("stats page", stats_kib).with("files", num("stats", "js_files")),
            baseline: Some(
                Figure::new("login page", login_kib).with("files", num("login", "js_files")),
            ),
            ratio: Some(login_kib / stats_kib),
            target: "≤ 150 KiB".into(),
            met: stats_kib <= 150.0,
            how: format!("{how}; the JavaScript fetched before the first render, gzipped -9"),
            notes: Some(
                "the chart (uPlot, about 23 KiB) is fetched when the numbers arrive, so it is \
                 not in the figure"
                    .into(),
            ),
            extra: Default::default(),
        },
        Row {
            id: "web-stats-render".into(),
            title: "Stats page: time to first render".into(),
            metric: "ms (p50)".into(),
            subject: Figure::new("stats page", stats_ms)
                .with("max_ms", num("stats", "render_ms_max")),
            baseline: Some(
                Figure::new("login page", login_ms).with("max_ms", num("login", "render_ms_max")),
            ),
            ratio: Some(login_ms / stats_ms),
            target: "≤ 1000 ms".into(),
            met: stats_ms <= 1000.0,
            how: format!(
                "{how}; from navigation start to the totals showing numbers (the login page: \
                 its heading)"
            ),
            notes: None,
            extra: Default::default(),
        },
        Row {
            id: "web-stats-calls".into(),
            title: "Stats page: API calls per load".into(),
            metric: "calls".into(),
            subject: Figure::new("stats page", calls)
                .with("rounds", rounds)
                .with("auth_calls", num("stats", "auth_calls")),
            baseline: None,
            ratio: None,
            target: "one per widget (live counters, stats), one round: no waterfall".into(),
            met: calls <= 2.0 && rounds <= 1.0,
            how: format!(
                "{how}; /v1/ requests before the first render, the session's refresh apart \
                 (it comes first by design); a round is a call that starts after another ended"
            ),
            notes: Some(format!(
                "the last load's calls (from navigation start): {}",
                figures["stats"]["api_timeline"]
            )),
            extra: Default::default(),
        },
    ])
}
