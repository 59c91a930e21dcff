//! Cookie sessions for the web app (DESIGN §7 sessions): the refresh token travels in an
//! HttpOnly cookie scripts cannot read, scoped to `/v1/auth`; a second cookie, readable by
//! the app's scripts, holds a random CSRF token that every cookie-authenticated refresh or
//! logout must echo in the `X-CSRF-Token` header (double submit). Another site can make a
//! browser send our cookies, but can neither read the CSRF cookie nor set that header.
//! Both are `SameSite=Strict` as well, and `Secure` unless `AFFTOK_SECURE_COOKIES=false`.

use std::time::Duration;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponseParts, ResponseParts};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use rand::Rng as _;
use subtle::ConstantTimeEq as _;

use crate::kernel::error::ApiError;

/// The refresh token (HttpOnly, `Path=/v1/auth`).
pub(super) const REFRESH_COOKIE: &str = "afftok_refresh";
/// The CSRF token (readable by scripts, `Path=/`).
pub(super) const CSRF_COOKIE: &str = "afftok_csrf";
/// The header that must repeat the CSRF cookie.
pub(super) const CSRF_HEADER: &str = "x-csrf-token";
/// Where the refresh cookie is sent: only the auth routes need it.
const REFRESH_PATH: &str = "/v1/auth";

/// `Set-Cookie` headers to add to an answer.
#[derive(Debug)]
pub(super) struct SetCookies(Vec<HeaderValue>);

impl IntoResponseParts for SetCookies {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        for value in self.0 {
            res.headers_mut().append(SET_COOKIE, value);
        }
        Ok(res)
    }
}

fn refresh_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((REFRESH_COOKIE, token))
        .path(REFRESH_PATH)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, token))
        .path("/")
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

fn header_values(cookies: [Cookie<'static>; 2]) -> Result<SetCookies, ApiError> {
    cookies
        .into_iter()
        .map(|c| HeaderValue::from_str(&c.to_string()).map_err(ApiError::internal))
        .collect::<Result<_, _>>()
        .map(SetCookies)
}

/// The cookies of a new or rotated session: the refresh token and a fresh CSRF token, both
/// living as long as the refresh token.
pub(super) fn issue(
    refresh_token: String,
    ttl: Duration,
    secure: bool,
) -> Result<SetCookies, ApiError> {
    let max_age = cookie::time::Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    let csrf = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>());
    let mut refresh = refresh_cookie(refresh_token, secure);
    refresh.set_max_age(max_age);
    let mut csrf = csrf_cookie(csrf, secure);
    csrf.set_max_age(max_age);
    header_values([refresh, csrf])
}

/// Cookies that make the browser drop both (same names, paths and attributes; `Max-Age=0`).
pub(super) fn clear(secure: bool) -> Result<SetCookies, ApiError> {
    let mut refresh = refresh_cookie(String::new(), secure);
    refresh.make_removal();
    let mut csrf = csrf_cookie(String::new(), secure);
    csrf.make_removal();
    header_values([refresh, csrf])
}

/// The first non-empty cookie `name` the request carries (a browser sends the one with the
/// longest path first).
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// The `afftok_refresh` cookie's value, if the request carries one (no CSRF check: for
/// routes authenticated otherwise, which only use it to name the caller's session).
pub(super) fn refresh_token_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, REFRESH_COOKIE)
}

/// The refresh token a request presents, and where from: the body's, else the cookie's
/// (which then needs the CSRF header). Neither: 401.
pub(super) fn presented(
    body: Option<String>,
    headers: &HeaderMap,
) -> Result<(String, Presented), ApiError> {
    if let Some(token) = body {
        return Ok((token, Presented::Body));
    }
    let token = cookie(headers, REFRESH_COOKIE).ok_or(ApiError::Unauthorized(
        "no refresh token: send refresh_token in the body, or the afftok_refresh cookie \
         set by signing in with \"session\": \"cookie\"",
    ))?;
    check_csrf(headers)?;
    Ok((token, Presented::Cookie))
}

/// Where the refresh token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presented {
    /// `refresh_token` in the JSON body (API clients): the answer carries the next one.
    Body,
    /// The `afftok_refresh` cookie (the web app): the answer sets the next one.
    Cookie,
}

/// The `X-CSRF-Token` header must equal the `afftok_csrf` cookie (compared in constant time).
fn check_csrf(headers: &HeaderMap) -> Result<(), ApiError> {
    let refused = |detail: &'static str| ApiError::Refused {
        code: "csrf_failed",
        detail: detail.into(),
    };
    let expected = cookie(headers, CSRF_COOKIE)
        .ok_or(refused("the afftok_csrf cookie is missing: sign in again"))?;
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(refused(
            "send the value of the afftok_csrf cookie in the X-CSRF-Token header",
        ))?;
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(refused(
            "the X-CSRF-Token header does not match the afftok_csrf cookie",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_cookies(s: SetCookies) -> Vec<String> {
        s.0.iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect()
    }

    fn attributes(line: &str) -> Vec<String> {
        line.split(';').map(|a| a.trim().to_owned()).collect()
    }

    #[test]
    fn issued_cookies_carry_their_attributes() {
        let lines = set_cookies(
            issue("afr_token".into(), Duration::from_secs(2_592_000), true).expect("cookies"),
        );
        let refresh = attributes(&lines[0]);
        assert_eq!(refresh[0], "afftok_refresh=afr_token");
        for a in [
            "Path=/v1/auth",
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Max-Age=2592000",
        ] {
            assert!(refresh.iter().any(|x| x == a), "{a} in {lines:?}");
        }
        let csrf = attributes(&lines[1]);
        let value = csrf[0].strip_prefix("afftok_csrf=").expect("csrf cookie");
        assert_eq!(URL_SAFE_NO_PAD.decode(value).expect("base64url").len(), 32);
        for a in ["Path=/", "Secure", "SameSite=Strict", "Max-Age=2592000"] {
            assert!(csrf.iter().any(|x| x == a), "{a} in {lines:?}");
        }
        assert!(!csrf.iter().any(|x| x == "HttpOnly"), "scripts read it");
        let other = set_cookies(issue("x".into(), Duration::from_secs(60), true).expect("c"));
        assert_ne!(lines[1], other[1], "a fresh CSRF token each time");
    }

    #[test]
    fn insecure_cookies_and_removal() {
        let lines = set_cookies(issue("t".into(), Duration::from_secs(60), false).expect("c"));
        assert!(lines.iter().all(|l| !l.contains("Secure")), "{lines:?}");
        let cleared = set_cookies(clear(true).expect("c"));
        assert!(cleared[0].starts_with("afftok_refresh=;"), "{cleared:?}");
        assert!(cleared[1].starts_with("afftok_csrf=;"), "{cleared:?}");
        assert!(
            cleared.iter().all(|l| l.contains("Max-Age=0")),
            "{cleared:?}"
        );
        assert!(
            cleared[0].contains("Path=/v1/auth"),
            "same path, or it is another cookie"
        );
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).expect("value"));
        }
        h
    }

    fn code(e: ApiError) -> String {
        match e {
            ApiError::Refused { code, .. } => code.to_owned(),
            ApiError::Unauthorized(_) => "unauthorized".to_owned(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn the_body_wins_then_the_cookie_with_its_csrf_header() {
        let both = headers(&[("cookie", "afftok_refresh=afr_c; afftok_csrf=k")]);
        assert_eq!(
            presented(Some("afr_b".into()), &both).expect("body"),
            ("afr_b".to_owned(), Presented::Body)
        );
        let ok = headers(&[
            ("cookie", "theme=dark; afftok_refresh=afr_c"),
            ("cookie", "afftok_csrf=k"),
            ("x-csrf-token", "k"),
        ]);
        assert_eq!(
            presented(None, &ok).expect("cookie"),
            ("afr_c".to_owned(), Presented::Cookie)
        );
        for (case, h) in [
            (
                "no header",
                headers(&[("cookie", "afftok_refresh=a; afftok_csrf=k")]),
            ),
            (
                "wrong header",
                headers(&[
                    ("cookie", "afftok_refresh=a; afftok_csrf=k"),
                    ("x-csrf-token", "j"),
                ]),
            ),
            (
                "no csrf cookie",
                headers(&[("cookie", "afftok_refresh=a"), ("x-csrf-token", "k")]),
            ),
            (
                "longer header",
                headers(&[
                    ("cookie", "afftok_refresh=a; afftok_csrf=k"),
                    ("x-csrf-token", "kk"),
                ]),
            ),
        ] {
            let e = presented(None, &h).expect_err(case);
            assert_eq!(code(e), "csrf_failed", "{case}");
        }
        for h in [
            headers(&[]),
            headers(&[("cookie", "afftok_refresh=; afftok_csrf=k")]),
        ] {
            assert_eq!(code(presented(None, &h).expect_err("none")), "unauthorized");
        }
    }
}
