//! Webhooks and promoter postbacks (DESIGN §12).
//!
//! - Endpoints (webhooks of advertisers, promoters and admins; promoters' postback
//!   templates) are managed through [`router`] (`http/`) and stored by `db/endpoints.rs`,
//!   webhook secrets sealed with the key-encryption key.
//! - [`Fanout`], a consumer of the domain events, makes one message per (event, endpoint
//!   that may see it), exactly once, in the transaction that moves its position.
//! - [`deliver`], a background job, claims due messages a few per endpoint at a time and
//!   sends them: webhooks signed per Standard Webhooks v1 (`rules.rs`), postbacks as GETs;
//!   retries on the schedule, honours `Retry-After`, disables an endpoint on 410 or after
//!   days of failures; every attempt is logged (`db/sending.rs`).
//! - [`DisabledNotices`] mails an endpoint's maker when it is disabled.
//! - Every connection goes through the SSRF guard ([`guard`]).
//! - What a webhook carries is in `payloads.rs`, also written into the OpenAPI document.

mod db;
mod deliver;
mod fanout;
pub mod guard;
mod http;
mod notices;
pub mod payloads;
pub mod rules;
pub mod settings;

pub use deliver::deliver;
pub use fanout::Fanout;
pub use http::router;
pub use notices::DisabledNotices;
pub use settings::WebhookSettings;
