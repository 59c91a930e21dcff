//! `afftok-edge`: configure from the environment, serve until SIGINT or SIGTERM.

use std::num::NonZeroUsize;
use std::process::ExitCode;

use afftok_edge_native::{Config, Edge, telemetry};

fn main() -> ExitCode {
    // tokio's default: one worker thread per core the process may run on (its CPU affinity,
    // e.g. `taskset`; TOKIO_WORKER_THREADS overrides it).
    // On a single core, tokio's single-threaded scheduler: the same work without the
    // cross-thread queues and wake-ups of the work-stealing one.
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let runtime = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("afftok-edge: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("afftok-edge: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.json_logs);
    let edge = match Edge::build(&config).await {
        Ok(edge) => edge,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("afftok-edge: {e}");
            return ExitCode::FAILURE;
        }
    };
    match edge.local_addr() {
        Ok(addr) => {
            println!("afftok-edge listening on http://{addr}");
            tracing::info!(%addr, edge = %config.edge_name, "listening");
        }
        Err(e) => tracing::warn!(error = %e, "bound address unknown"),
    }
    match edge.run_until(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
