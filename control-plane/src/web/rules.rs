//! Which paths the web app may answer, and how its answers are cached: decisions on the
//! path alone, without I/O.

use percent_encoding::percent_decode_str;

/// What a request path is, for the web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// The API's: never the web app (an unknown one is a problem 404).
    Api,
    /// A path with a `..` segment, a backslash or a NUL (in clear or percent-encoded): a
    /// traversal attempt or nonsense, refused outright.
    Refused,
    /// Under `/assets/`: Vite's content-hashed files; a missing one is a 404, never the app
    /// (a stale page asking for last build's chunk must fail loudly, not get HTML).
    Asset,
    /// Anything else: a file of the build if there is one, else a client route.
    Page,
}

/// Exact paths the API owns besides its prefixes.
const API_PATHS: [&str; 5] = ["/docs", "/openapi.json", "/metrics", "/healthz", "/readyz"];

/// Prefixes the API owns, as whole segments (`/v1` and `/v1/…`, not `/v10`).
const API_PREFIXES: [&str; 3] = ["/v1", "/internal", "/docs"];

/// Classifies a request path (as sent, percent-encoding and all).
pub(super) fn classify(path: &str) -> Target {
    let owned_by_api = API_PATHS.contains(&path)
        || API_PREFIXES.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
    if owned_by_api {
        Target::Api
    } else if !is_clean(path) {
        Target::Refused
    } else if path.starts_with("/assets/") {
        Target::Asset
    } else {
        Target::Page
    }
}

/// No `.` or `..` segment, backslash or NUL, before or after percent-decoding (ServeDir
/// refuses these too; refusing them here keeps them from falling back to `index.html`).
fn is_clean(path: &str) -> bool {
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return false;
    };
    [path, decoded.as_ref()].into_iter().all(|p| {
        !p.contains(['\\', '\0'])
            && p.split('/')
                .all(|segment| segment != ".." && segment != ".")
    })
}

/// `Cache-Control` of a file of the build served at `path`.
pub(super) fn cache_control(target: Target) -> &'static str {
    match target {
        // Vite names these by their content: a new build gets new names.
        Target::Asset => "public, max-age=31536000, immutable",
        // index.html, sw.js, the manifest, icons: same name across builds, so revalidate.
        _ => "no-cache",
    }
}

/// The Content-Security-Policy of the app's HTML: everything from our origin; inline styles
/// (React and chart libraries set `style` attributes) and `data:`/`blob:` images (QR codes)
/// allowed; no framing, no foreign form targets or base URLs.
pub(super) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; \
     style-src 'self' 'unsafe-inline'; connect-src 'self'; manifest-src 'self'; \
     worker-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_keeps_its_paths() {
        for path in [
            "/v1",
            "/v1/",
            "/v1/nope",
            "/v1/auth/login",
            "/internal/v1/events",
            "/internal",
            "/docs",
            "/docs/",
            "/docs/swagger-ui.css",
            "/openapi.json",
            "/metrics",
            "/healthz",
            "/readyz",
        ] {
            assert_eq!(classify(path), Target::Api, "{path}");
        }
    }

    #[test]
    fn pages_and_assets() {
        for path in [
            "/",
            "/offers/42",
            "/ar/stats",
            "/v10",
            "/v1x/offers",
            "/internals",
            "/docsy",
            "/healthz/",
            "/metrics.txt",
            "/sw.js",
            "/manifest.webmanifest",
            "/assets",
            "/index.html",
            "/a..b/file..js",
        ] {
            assert_eq!(classify(path), Target::Page, "{path}");
        }
        assert_eq!(classify("/assets/app-abc123.js"), Target::Asset);
        assert_eq!(classify("/assets/fonts/x.woff2"), Target::Asset);
    }

    #[test]
    fn traversals_are_refused() {
        for path in [
            "/assets/../../etc/passwd",
            "/../etc/passwd",
            "/assets/%2e%2e/%2e%2e/etc/passwd",
            "/assets/%2E%2E/x",
            "/%2e%2e%2fetc%2fpasswd",
            "/assets/..%2f..%2fetc/passwd",
            "/assets/..\\..\\etc\\passwd",
            "/assets/%5c..%5cx",
            "/x/%00",
            "/./index.html",
            "/%ff",
        ] {
            assert_eq!(classify(path), Target::Refused, "{path}");
        }
    }

    #[test]
    fn hashed_assets_are_immutable_the_rest_revalidated() {
        assert!(cache_control(Target::Asset).contains("immutable"));
        assert_eq!(cache_control(Target::Page), "no-cache");
    }
}
