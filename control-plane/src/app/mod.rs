//! Running the control plane: settings, logging, start-up and shared state, the background
//! jobs under one stop signal, and the `afftok` command line.

/// The `afftok` command line.
pub mod cli;
/// Settings from the defaults file and the environment.
pub mod config;
/// Background work: each feature's jobs, started and stopped together.
pub mod jobs;
/// Redis on the request path, under a timeout and a pause after failures.
pub mod redis_guard;
/// The demo of `scripts/dev` through the API (`afftok dev`), and the API client the tests
/// share with it.
pub mod seed;
/// Building and running the service.
pub mod startup;
/// Logging.
pub mod telemetry;

pub use config::Settings;
pub use startup::{AppState, Application};

/// The migrations in `migrations/`, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
