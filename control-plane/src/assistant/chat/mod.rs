//! The assistant's bring-your-own-key chat (DESIGN §14): a model that answers from the
//! caller's own numbers through tools that run the assistant's insights and the stats API.
//!
//! - A promoter or advertiser stores an OpenAI-compatible provider (`provider.rs`): base URL,
//!   model and API key, the key sealed with AES-256-GCM under the key-encryption key with the
//!   user id as associated data, never shown again (its last 4 characters are).
//! - `POST /v1/assistant/chat` (`http.rs`) streams the answer as server-sent events while
//!   reading the provider's stream (`client.rs`): text deltas, tool activity, a final
//!   message, or an error event with a code; never a 500 once the stream has started.
//! - The model's tools (`tools.rs`) read the caller's own data through the stats and offers
//!   features, as the caller's tenant; their results are size-limited.
//! - The provider's URL passes the webhooks' SSRF guard when stored and at every connection.
//! - Limits (`settings.rs`): a total time, a per-read time, and a number of tool rounds.

mod client;
mod http;
mod provider;
pub(crate) mod settings;
mod tools;

pub(super) use http::router;
pub use settings::AssistantChatSettings;
