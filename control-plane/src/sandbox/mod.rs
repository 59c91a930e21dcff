//! The sandbox (DESIGN §16): test traffic that integrations can try end to end without
//! touching live figures. Test clicks come from links signed with a test key (`links`), or
//! are minted here by `POST /v1/sandbox/click`; test conversions from test keys or on test
//! clicks (`conversions`). Both are stored marked `test`, listed with `mode=test`, and
//! counted nowhere live (no rollups, uniques, fraud windows or domain events).

mod http;

pub use http::router;
