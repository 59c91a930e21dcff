//! `afftok`: the control plane's service and administration commands (see `cli`).

use std::process::ExitCode;

use afftok_control_plane::app::cli::{Cli, run};
use clap::Parser as _;

#[tokio::main]
async fn main() -> ExitCode {
    run(Cli::parse()).await
}
