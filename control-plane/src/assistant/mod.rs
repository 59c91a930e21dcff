//! The assistant (DESIGN §14): what a promoter's or an advertiser's own numbers say, with no
//! model: an overview (today, 7 and 30 days with trends, level progress, the best offer),
//! offers to join ranked by fit, findings with recommendations, and tips, in English and
//! Arabic.
//!
//! - `rules.rs`: the reading of the numbers, without I/O: trends, the best offer, the fit
//!   score of suggestions, findings and tips, with their minimums and thresholds.
//! - `texts.rs`: the catalogue of texts in both languages, filled with the rules' figures.
//! - `db.rs`: the facts, from the stats rollups (live traffic only), offers, links,
//!   conversions and points.
//! - `http.rs`: `GET /v1/assistant/overview`, `/suggestions`, `/analysis`, `/tips`; the
//!   answers are built by functions the chat's tools call too, as the same caller.
//! - `chat/`: the bring-your-own-key chat (`PUT`/`GET`/`DELETE /v1/assistant/provider`,
//!   `POST /v1/assistant/chat`).
//!
//! [`router`] serves both.

mod chat;
mod db;
mod http;
mod rules;
mod texts;

pub use chat::AssistantChatSettings;
pub(crate) use chat::settings;

/// The assistant's routes: the insights and the chat.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::app::startup::AppState> {
    http::router().merge(chat::router())
}
