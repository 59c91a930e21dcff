//! The edge core against a fake platform: one test binary, one module per area.

mod fake;

mod cache;
mod campaign;
mod postback;
mod redirect;
mod robustness;
