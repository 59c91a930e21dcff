//! The web app's build served by the control plane (`control-plane/src/web/`), and `/docs`
//! working offline.

use std::path::{Path, PathBuf};

use reqwest::Response;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{Options, TestApp, problem, spawn_with};

const INDEX: &str = "<!doctype html><html><head><title>AffTok</title></head>\
                     <body><div id=\"root\"></div>\
                     <script type=\"module\" src=\"/assets/app-abc123.js\"></script></body></html>";
const APP_JS: &str = "console.log('afftok app abc123');";
const MANIFEST: &str = r#"{"name":"AffTok","start_url":"/"}"#;
const SW_JS: &str = "self.addEventListener('fetch', () => {});";
const SECRET: &str = "root:x:0:0:secret outside the web directory";

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                   connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; \
                   base-uri 'self'; form-action 'self'";

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `{root}/dist` holds a Vite-like build; `{root}/secret.txt` sits beside it, for traversals
/// to aim at.
fn build_dir() -> (Scratch, PathBuf) {
    let root = std::env::temp_dir().join(format!("afftok-web-{}", uuid::Uuid::new_v4().simple()));
    let dist = root.join("dist");
    std::fs::create_dir_all(dist.join("assets")).expect("mkdir");
    for (path, text) in [
        ("index.html", INDEX),
        ("assets/app-abc123.js", APP_JS),
        ("manifest.webmanifest", MANIFEST),
        ("sw.js", SW_JS),
    ] {
        std::fs::write(dist.join(path), text).expect("write build file");
    }
    std::fs::write(root.join("secret.txt"), SECRET).expect("write secret");
    (Scratch(root), dist)
}

async fn spawn_serving(dir: &Path) -> TestApp {
    spawn_with(Options {
        env: vec![("AFFTOK_WEB_DIR", dir.display().to_string())],
        ..Options::default()
    })
    .await
}

fn header<'a>(resp: &'a Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The headers every HTML answer of the web app carries.
fn assert_html_security(resp: &Response, what: &str) {
    assert!(
        header(resp, "content-type").starts_with("text/html"),
        "{what}"
    );
    assert_eq!(header(resp, "content-security-policy"), CSP, "{what}");
    assert_eq!(header(resp, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(
        header(resp, "referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
    assert_eq!(header(resp, "x-frame-options"), "DENY", "{what}");
}

/// Sends `target` as the request line's path, byte for byte (HTTP clients normalise `..`
/// and `%2e%2e` away before sending); returns the status and the whole answer.
async fn raw_get(app: &TestApp, target: &str) -> (u16, String) {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    (status, answer)
}

#[tokio::test]
async fn pages_client_routes_and_files_are_served_with_their_headers() {
    let (_scratch, dist) = build_dir();
    let app = spawn_serving(&dist).await;

    // The app's page and every client route: index.html, 200, revalidated, secured.
    for path in [
        "/",
        "/offers/42",
        "/ar/stats",
        "/v10",
        "/docsy",
        "/index.html",
    ] {
        let resp = app.get(path).send().await.expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
        assert_html_security(&resp, path);
        assert_eq!(resp.text().await.expect("body"), INDEX, "{path}");
    }

    // Vite's hashed assets: cached for a year, never sniffed.
    let js = app
        .get("/assets/app-abc123.js")
        .send()
        .await
        .expect("request");
    assert_eq!(js.status(), 200);
    assert_eq!(
        header(&js, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&js, "x-content-type-options"), "nosniff");
    assert!(header(&js, "content-type").contains("javascript"), "{js:?}");
    assert_eq!(js.text().await.expect("body"), APP_JS);

    // Other files of the build: the same name across builds, so revalidated.
    for (path, body) in [("/manifest.webmanifest", MANIFEST), ("/sw.js", SW_JS)] {
        let resp = app.get(path).send().await.expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(resp.text().await.expect("body"), body, "{path}");
    }

    // A missing asset is a 404, never the page.
    for path in ["/assets/app-old999.js", "/assets/", "/assets/nested/x.css"] {
        let resp = app.get(path).send().await.expect("request");
        assert_eq!(resp.status(), 404, "{path}");
        let body = resp.text().await.expect("body");
        assert!(!body.contains("<html"), "{path}: {body}");
    }

    // HEAD answers like GET, without a body.
    let head = app.head("/").send().await.expect("request");
    assert_eq!(head.status(), 200);
    assert_html_security(&head, "HEAD /");
    assert_eq!(head.text().await.expect("body"), "");
    let head = app
        .head("/assets/app-abc123.js")
        .send()
        .await
        .expect("request");
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-length"), APP_JS.len().to_string());
    let head = app.head("/offers/7").send().await.expect("request");
    assert_eq!(head.status(), 200);

    // Other methods on the app's paths: 405, as a problem.
    for resp in [
        app.post("/somewhere").send().await.expect("request"),
        app.delete("/offers/42").send().await.expect("request"),
        app.post("/assets/app-abc123.js")
            .send()
            .await
            .expect("request"),
    ] {
        assert_eq!(header(&resp, "allow"), "GET, HEAD");
        problem(resp, 405, "method_not_allowed").await;
    }

    // The web app's answers are counted under one label.
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"http_requests_total{method="GET",route="web",status="200"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_api_keeps_its_paths() {
    let (_scratch, dist) = build_dir();
    let app = spawn_serving(&dist).await;
    for path in ["/v1/nope", "/v1", "/v1/", "/internal/nope", "/docs/nope.js"] {
        let resp = app.get(path).send().await.expect("request");
        let body = problem(resp, 404, "not_found").await;
        assert!(body.to_string().contains("no such"), "{path}: {body}");
    }
    problem(
        app.post("/v1/nope").send().await.expect("request"),
        404,
        "not_found",
    )
    .await;
    problem(
        app.delete("/v1/auth/login").send().await.expect("request"),
        405,
        "method_not_allowed",
    )
    .await;
    for path in ["/healthz", "/readyz", "/openapi.json", "/metrics", "/docs"] {
        let resp = app.get(path).send().await.expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        let body = resp.text().await.expect("body");
        assert_ne!(body, INDEX, "{path} is the API's");
    }
    // An API answer carries none of the page's headers.
    let health = app.get("/healthz").send().await.expect("request");
    assert!(health.headers().get("content-security-policy").is_none());
}

#[tokio::test]
async fn traversals_are_refused() {
    let (_scratch, dist) = build_dir();
    let app = spawn_serving(&dist).await;
    for target in [
        "/assets/../../etc/passwd",
        "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/%2E%2E/%2E%2E/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/assets/%2e%2e/index.html",
    ] {
        let (status, answer) = raw_get(&app, target).await;
        assert_eq!(status, 404, "{target}: {answer}");
        assert!(!answer.contains("root:x:"), "{target} leaked: {answer}");
        assert!(!answer.contains("<html"), "{target}: not the page either");
    }
    // The same client normalising the path reaches only what is inside the directory.
    let (status, answer) = raw_get(&app, "/assets/app-abc123.js").await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn without_a_build_pages_answer_503_and_the_api_works() {
    let (_scratch, dist) = build_dir();
    let empty = dist.parent().expect("root").join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    for dir in [dist.join("missing"), empty] {
        let app = spawn_serving(&dir).await;
        for path in ["/", "/offers/42"] {
            let resp = app.get(path).send().await.expect("request");
            assert_eq!(resp.status(), 503, "{path}");
            assert_html_security(&resp, path);
            assert_eq!(header(&resp, "cache-control"), "no-store");
            let page = resp.text().await.expect("body");
            assert!(
                page.contains("cd web &amp;&amp; npm ci &amp;&amp; npm run build")
                    && page.contains("AFFTOK_WEB_DIR"),
                "{page}"
            );
            assert!(!page.contains(&dir.display().to_string()), "no server path");
        }
        let asset = app.get("/assets/app.js").send().await.expect("request");
        assert_eq!(asset.status(), 404);
        assert_eq!(
            app.get("/healthz").send().await.expect("request").status(),
            200
        );
        problem(
            app.get("/v1/nope").send().await.expect("request"),
            404,
            "not_found",
        )
        .await;
        let login = app
            .post("/v1/auth/login")
            .json(&serde_json::json!({"email": "a@b.test", "password": "x"}))
            .send()
            .await
            .expect("request");
        problem(login, 401, "unauthorized").await;
    }
    // A build made after start-up is served without a restart.
    let (_later_scratch, later) = build_dir();
    let pending = later.with_file_name("pending");
    let app = spawn_serving(&pending).await;
    assert_eq!(app.get("/").send().await.expect("request").status(), 503);
    std::fs::rename(&later, &pending).expect("build lands");
    let resp = app.get("/").send().await.expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.expect("body"), INDEX);
}

/// Every `http://` or `https://` URL in `text`.
fn absolute_urls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (at, _) in text.match_indices(scheme) {
            let url: String = text[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>' | ')'))
                .collect();
            found.push(url);
        }
    }
    found
}

/// The values of `attribute="…"` in `html`.
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let needle = format!("{attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn docs_work_offline() {
    let (_scratch, dist) = build_dir();
    let app = spawn_serving(&dist).await;
    for path in ["/docs", "/docs/"] {
        let resp = app.get(path).send().await.expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        assert!(header(&resp, "content-type").starts_with("text/html"));
        let html = resp.text().await.expect("html");
        assert!(html.contains("<base href=\"/docs/\">"), "{html}");
        assert!(
            absolute_urls(&html).is_empty(),
            "{path} reaches out: {html}"
        );
        // Every script, style sheet and icon it references is served here.
        let refs: Vec<String> = attribute_values(&html, "src")
            .into_iter()
            .chain(attribute_values(&html, "href"))
            .filter(|r| r != "/docs/")
            .collect();
        assert!(refs.len() >= 4, "{refs:?}");
        for reference in refs {
            let url = format!("/docs/{}", reference.trim_start_matches("./"));
            let resp = app.get(&url).send().await.expect("request");
            assert_eq!(resp.status(), 200, "{url}");
            assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
        }
    }
    // The initializer points at our document and turns off the online validator.
    let init = app
        .get("/docs/swagger-initializer.js")
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("js");
    assert!(init.contains("\"/openapi.json\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    assert!(absolute_urls(&init).is_empty(), "{init}");
}
