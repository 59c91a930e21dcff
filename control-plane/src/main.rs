//! `afftok`: the control plane's CLI. Only a skeleton so far: the service, its migrations
//! and `edge push` arrive with the "Control plane" issue.

use std::process::ExitCode;

fn main() -> ExitCode {
    let version = env!("CARGO_PKG_VERSION");
    match std::env::args().nth(1).as_deref() {
        Some("--version" | "version") => {
            println!(
                "afftok {version} (link token v{})",
                afftok_shared::link::VERSION
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "afftok {version}: the control plane is not built yet; only `afftok --version` works."
            );
            ExitCode::from(2)
        }
    }
}
