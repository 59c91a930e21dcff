//! `afftok-bench`: the control plane's rows of `scripts/bench` and the report of every row
//! (see the library's documentation for what each command measures).

use std::path::PathBuf;
use std::process::ExitCode;

use afftok_bench::{
    Common, Ctx, ingest, leaderboards, postback, ranges, report, results, stats, web, webhooks,
};
use clap::{Parser, Subcommand};

/// AffTok's benchmarks (control plane rows) and their report.
#[derive(Debug, Parser)]
#[command(name = "afftok-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Row 3: ingest throughput against COPY (and the control plane's peak memory).
    Ingest(Common),
    /// Row 4: stats latency over a generated data set against a GROUP BY over raw rows.
    Stats {
        #[command(flatten)]
        common: Common,
        /// Clicks in the data set (default 10,000,000; 200,000 with --quick). The data set
        /// is kept in its own database and reused by later runs.
        #[arg(long)]
        clicks: Option<u64>,
        /// Drop the kept data set and generate it again.
        #[arg(long)]
        regenerate: bool,
    },
    /// Row 5: postback at the edge to the conversion in the live stats and to its webhook.
    Postback(Common),
    /// Row 6: the web app's stats page in headless Chromium (needs web/dist and Node).
    Web(Common),
    /// Row 7: the fraud ranges' memory and lookup cost against a hash set per prefix length
    /// (no row without the snapshot of the lists).
    FraudRanges {
        #[command(flatten)]
        common: Common,
        /// The lists (datacenter-ipv4.txt, datacenter-ipv6.txt, vpn-ipv4.txt,
        /// vpn-ipv6.txt): the shared snapshot beside the repository.
        #[arg(long, default_value = "../shared/data/ip-ranges")]
        dir: PathBuf,
    },
    /// Row 8: webhook deliveries per second against a plain HTTP client's posts.
    Webhooks(Common),
    /// Row 9: the leaderboards with 1,000,000 promoters: the rebuild, the top 100 and a
    /// promoter's own place, against an endpoint that reads nothing.
    Leaderboards(Common),
    /// Prints the table of a results file and writes it as Markdown and JSON beside it.
    Report {
        /// The results file (JSON Lines).
        #[arg(long, env = "AFFTOK_BENCH_OUT")]
        out: PathBuf,
        /// A title line (e.g. the run's mode and build profile).
        #[arg(long, default_value = "")]
        title: String,
    },
    /// Drops the kept stats data sets.
    Clean(Common),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Ingest(c) => {
            measure(c, |ctx| Box::pin(async move { ingest::run(&ctx).await })).await
        }
        Command::Stats {
            common,
            clicks,
            regenerate,
        } => {
            measure(common, move |ctx| {
                Box::pin(async move { stats::run(&ctx, clicks, regenerate).await })
            })
            .await
        }
        Command::Postback(c) => {
            measure(c, |ctx| Box::pin(async move { postback::run(&ctx).await })).await
        }
        Command::Webhooks(c) => {
            measure(c, |ctx| Box::pin(async move { webhooks::run(&ctx).await })).await
        }
        Command::Leaderboards(c) => {
            measure(c, |ctx| {
                Box::pin(async move { leaderboards::run(&ctx).await })
            })
            .await
        }
        Command::Web(c) => measure(c, |ctx| Box::pin(async move { web::run(&ctx).await })).await,
        Command::FraudRanges { common, dir } => {
            measure(common, move |ctx| {
                Box::pin(async move { ranges::run(&ctx, &dir) })
            })
            .await
        }
        Command::Report { out, title } => report::run(&out, &title),
        Command::Clean(c) => match Ctx::new(c) {
            Ok(ctx) => stats::clean(&ctx).await,
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("afftok-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

type RowFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<results::Row>, String>>>>;

/// Runs one measuring command, appends its rows, and cleans the run's Redis keys whatever
/// happened.
async fn measure(common: Common, f: impl FnOnce(Ctx) -> RowFuture) -> Result<(), String> {
    let ctx = Ctx::new(common)?;
    let rows = f(ctx.clone()).await;
    ctx.clean_redis().await;
    results::append(&ctx.out, &rows?)
}
