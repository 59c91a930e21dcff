//! Offers: advertisers create and edit them, admins review them (draft → pending_review →
//! approved | rejected; approved ↔ paused; archived), promoters find approved ones in the
//! marketplace and join them.

mod db;
mod http;
mod rules;

pub use db::{OfferRow, first, get};
pub use http::router;
pub use rules::{CurrencyCode, FraudPolicy, OfferStatus, PayoutModel};
