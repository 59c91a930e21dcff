//! The OpenAPI document is whole: clients are generated from it (the web app's typed
//! client), and a generator stops at the first `$ref` that points nowhere. A `$ref` to a
//! schema the document did not carry (the marketplace's `SortBy`, referenced from a query
//! parameter) once broke that build.

use serde_json::Value;

use crate::helpers::spawn_app;

/// Every `$ref` under `value`, with the JSON pointer of where it was found.
fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => out.push((at.clone(), target)),
                    _ => refs(
                        child,
                        format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                        out,
                    ),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_ref_resolves_to_a_component() {
    let app = spawn_app().await;
    let resp = app.get("/openapi.json").send().await.expect("request");
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.expect("json");
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(
        found.len() > 20,
        "the document refers to its schemas ({} refs)",
        found.len()
    );
    let broken: Vec<String> = found
        .iter()
        .filter(|(_, target)| {
            // Only local references into components, and each must exist.
            !target.starts_with("#/components/")
                || doc.pointer(target.trim_start_matches('#')).is_none()
        })
        .map(|(at, target)| format!("{at} -> {target}"))
        .collect();
    assert!(
        broken.is_empty(),
        "$refs that do not resolve to a component:\n{}",
        broken.join("\n")
    );
    // Query parameters that take one of a few values say which (the marketplace's sort,
    // the admins' role filter), rather than a name a generator must look up.
    let param = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("GET {path} has a {name} parameter"))
    };
    for (path, name, values) in [
        ("/v1/marketplace/offers", "sort", &["newest", "payout"][..]),
        (
            "/v1/admin/users",
            "role",
            &["promoter", "advertiser", "admin"],
        ),
    ] {
        let p = param(path, name);
        let text = p["schema"].to_string();
        for value in values {
            assert!(text.contains(value), "{path} {name}: {p}");
        }
    }
}

#[tokio::test]
async fn the_web_app_endpoints_are_documented() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/openapi.json")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    for (path, method, tag) in [
        ("/v1/me", "get", "auth"),
        ("/v1/me", "patch", "auth"),
        ("/v1/auth/password/change", "post", "auth"),
        ("/v1/admin/users", "get", "admin"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        assert_eq!(op["tags"][0], tag, "{method} {path}");
    }
    let market = doc["paths"]["/v1/marketplace/offers"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    assert!(market.iter().any(|p| p["name"] == "q"), "marketplace q");
    // PATCH /v1/me answers what GET /v1/me answers.
    let body = |method: &str| {
        doc["paths"]["/v1/me"][method]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    assert_eq!(body("patch"), body("get"));
}
