//! The web app (`web/`, DESIGN §15): the control plane serves its Vite build from the
//! directory `AFFTOK_WEB_DIR` at every path the API does not own, so one binary ships both
//! and no other web server is needed.
//!
//! - The API keeps `/v1/…`, `/internal/…`, `/docs`, `/openapi.json`, `/metrics`, `/healthz`
//!   and `/readyz`: an unknown path there is a problem document, never the app.
//! - A file of the build is served as is (path traversal refused); Vite's hashed files under
//!   `/assets/` are cached for a year, the rest (`index.html`, `sw.js`, the manifest) are
//!   revalidated on every use, so a new build is picked up at once.
//! - Any other path is a client route (`/offers/42`, `/ar/stats`): `index.html`, 200.
//! - Without a build, pages answer 503 with a page saying how to make one; the API works.
//!
//! The session cookies the app signs in with are the accounts feature's
//! (`POST /v1/auth/login` with `"session": "cookie"`).

mod http;
mod rules;

pub use http::{Web, WebAnswer};
