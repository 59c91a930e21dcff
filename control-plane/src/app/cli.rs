//! The `afftok` command line: `serve`, `migrate`, `admin create|verify-email`,
//! `keys create|rotate|activate|revoke|list`, `edge push`, `stats rebuild`,
//! `fraud ranges import|list`, `dev seed|check`.

use anyhow::Context as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::accounts::Role;
use crate::accounts::password;
use crate::accounts::{self, NewUser};
use crate::app::MIGRATOR;
use crate::app::config::{Need, Settings, TargetKind};
use crate::app::seed;
use crate::app::startup::{self, Application};
use crate::app::telemetry;
use crate::edge_push::{push, target::Target};
use crate::fraud::{self, RangeKind};
use crate::kernel::{Kid, Mode, email};
use crate::links::signing_keys;

/// The AffTok control plane.
#[derive(Debug, Parser)]
#[command(
    name = "afftok",
    version,
    about = "AffTok control plane: the API service and its administration"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrates first). Settings: config/defaults.toml and AFFTOK_* variables.
    Serve,
    /// Apply the database migrations (DATABASE_URL).
    Migrate,
    /// Manage admin accounts.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage link signing keys (AFFTOK_KEY_ENCRYPTION_KEY encrypts them at rest).
    Keys {
        /// What to do.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The edge config (DESIGN §5): keys, offer routes and postback keys in the edges' KV.
    Edge {
        /// What to do.
        #[command(subcommand)]
        command: EdgeCommand,
    },
    /// The stats rollups.
    Stats {
        /// What to do.
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// The promoter programme (DESIGN §13): its leaderboards.
    Programme {
        /// What to do.
        #[command(subcommand)]
        command: ProgrammeCommand,
    },
    /// What is kept of visitors, and for how long (README: Privacy).
    Retention {
        /// What to do.
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Fraud scoring's data: the hosting and VPN ranges (DESIGN §11).
    Fraud {
        /// What to do.
        #[command(subcommand)]
        command: FraudCommand,
    },
    /// Print the API's OpenAPI document (what `/openapi.json` serves); needs no settings.
    ///
    /// The web app's typed client is generated from it (`web/scripts/gen-api`).
    Openapi,
    /// The demo of scripts/dev, made through a running control plane's API.
    ///
    /// Made as users make it; the settings are environment variables (see each command), not
    /// the control plane's.
    Dev {
        /// What to do.
        #[command(subcommand)]
        command: DevCommand,
    },
}

/// The demo of scripts/dev. Progress goes to standard error; a failure exits 1 with one line.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Make sure the demo exists, reusing what is there, and print it as name=value lines.
    ///
    /// The demo advertiser and promoter (signed in, or signed up), the demo offer brought to
    /// approved (by the admin made with `afftok admin create`), the advertiser's postback key
    /// (kept in a file while it is active), the promoter's link. Prints offer_id,
    /// advertiser_id (the advertiser's user id), promoter_id, link, token, postback_key.
    /// Settings: AFFTOK_API (the control plane's base URL), AFFTOK_DEV_ADMIN_EMAIL,
    /// AFFTOK_DEV_ADMIN_PASSWORD, AFFTOK_DEV_ADVERTISER_EMAIL, AFFTOK_DEV_ADVERTISER_PASSWORD,
    /// AFFTOK_DEV_PROMOTER_EMAIL, AFFTOK_DEV_PROMOTER_PASSWORD, AFFTOK_DEV_POSTBACK_KEY_FILE,
    /// AFFTOK_DEV_OFFER_URL (the demo offer's url_template, when it is created).
    Seed,
    /// Wait until the demo promoter's stats show the expected clicks and conversions.
    ///
    /// AFFTOK_DEV_EXPECT_CLICKS clicks and AFFTOK_DEV_EXPECT_CONVERSIONS conversions in its
    /// stats from yesterday to tomorrow (UTC), and in its live counters too while it is still
    /// AFFTOK_DEV_CLICK_DAY (UTC, YYYY-MM-DD; default today). Gives up after
    /// AFFTOK_DEV_CHECK_SECS (default 30). Also reads AFFTOK_API, AFFTOK_DEV_PROMOTER_EMAIL
    /// and AFFTOK_DEV_PROMOTER_PASSWORD.
    Check,
}

/// Fraud scoring's data.
#[derive(Debug, Subcommand)]
pub enum FraudCommand {
    /// The hosting (datacenter) and VPN ranges clicks are scored against.
    Ranges {
        /// What to do.
        #[command(subcommand)]
        command: RangesCommand,
    },
}

/// The imported IP ranges.
#[derive(Debug, Subcommand)]
pub enum RangesCommand {
    /// Replace every range of a kind with the ranges in these files, at once: every control
    /// plane uses the new set from its next batch of clicks on.
    ///
    /// A file holds one range a line, IPv4 or IPv6: `192.0.2.0/24`, `2001:db8::/32`, or a
    /// bare address (a single host); `#` starts a comment, blank lines are ignored, host bits
    /// are cleared (`10.0.0.1/8` is `10.0.0.0/8`). Bad lines are reported as
    /// `FILE:LINE: why: text` on standard error, and then nothing is imported (exit 1)
    /// unless --skip-invalid. Current lists: the X4BNet/lists_vpn project (MIT), files
    /// `output/datacenter/ipv4.txt`, `output/vpn/ipv4.txt` and their IPv6 twins.
    Import {
        /// datacenter (hosting providers and clouds: such clicks are blocked) or vpn (VPN
        /// exits: such clicks are flagged, not blocked).
        #[arg(long, value_parser = parse_range_kind)]
        kind: RangeKind,
        /// Report bad lines and import the other lines anyway.
        #[arg(long)]
        skip_invalid: bool,
        /// The list files (all of them make the kind's new set).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show each kind's ranges (IPv4, IPv6) and its latest import.
    List,
}

fn parse_range_kind(name: &str) -> Result<RangeKind, String> {
    name.parse().map_err(|e: fraud::UnknownKind| e.to_string())
}

/// The promoter programme.
#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// Recompute the leaderboards from the points ledger and the team memberships in
    /// Postgres, then replace them in Redis (REDIS_URL, AFFTOK_REDIS_KEY_PREFIX). Points keep
    /// being earned meanwhile (their writers wait for the recount); the leaderboard endpoints
    /// answer from Postgres while Redis is being filled. A running control plane also refills
    /// Redis by itself when it finds the boards gone (a Redis that lost its data).
    Rebuild,
}

/// The retention of visitor data.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Cut visitor IPs older than AFFTOK_IP_RETENTION_DAYS to their /24 (IPv6 /48) and drop
    /// raw click months older than AFFTOK_RAW_RETENTION_MONTHS (the stats stay as they are);
    /// the service does it every hour by itself.
    Run {
        /// Only say what would be cut and dropped.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The stats rollups.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recompute every rollup from the stored clicks and conversions (after repairing data
    /// by hand, or loading rows that did not come through ingestion). Ingestion waits while
    /// it runs; stats keep answering with the old numbers until it commits.
    Rebuild,
}

/// The edge config.
#[derive(Debug, Subcommand)]
pub enum EdgeCommand {
    /// Make the targets hold exactly what Postgres says: writes only what changed, deletes
    /// what should no longer exist. Without --target: the targets of AFFTOK_EDGE_TARGETS.
    Push {
        /// redis, cloudflare or wrangler-local (repeat for several).
        #[arg(long = "target", value_parser = parse_target)]
        targets: Vec<TargetKind>,
        /// Print the changes (+ added, ~ changed, - deleted) without making them.
        #[arg(long)]
        dry_run: bool,
    },
}

fn parse_target(name: &str) -> Result<TargetKind, String> {
    TargetKind::parse(name)
        .ok_or_else(|| format!("{name:?} is not one of redis, cloudflare, wrangler-local"))
}

/// Admin accounts.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin. The password is read from standard input (one line) or from
    /// AFFTOK_ADMIN_PASSWORD, never from the command line.
    Create {
        /// Email to sign in with.
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long, default_value = "Admin")]
        display_name: String,
    },
    /// Mark an account's email verified, as its verification link would (any role; for
    /// operators, and for scripts whose demo accounts cannot read mail).
    VerifyEmail {
        /// The account's email (any case).
        #[arg(long)]
        email: String,
    },
}

/// Link signing keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key (active if no key is, or with --activate); with --test, a test key
    /// (test links are signed with the newest test key; one is created when first needed).
    Create {
        /// Sign new links with it from now on.
        #[arg(long, conflicts_with = "test")]
        activate: bool,
        /// A sandbox key: the clicks of its links are test traffic.
        #[arg(long)]
        test: bool,
    },
    /// Create a key, push it to every edge target, wait until every edge has it, then sign
    /// new links with it; old links keep working until their key is revoked.
    Rotate {
        /// Seconds to wait between the push and the switch: edges cache the keys for up to
        /// 30 s, and Cloudflare KV may take up to 60 s more to reach every location.
        /// Default: 30, or 90 when a cloudflare target is configured.
        #[arg(long)]
        wait: Option<u64>,
    },
    /// Sign new links with an existing key (after it reached the edges).
    Activate {
        /// The key id.
        kid: Kid,
    },
    /// Revoke a key and push the revocation to every edge target: links signed with it stop
    /// working once the edges see it.
    Revoke {
        /// The key id.
        kid: Kid,
    },
    /// List the keys.
    List,
}

/// Runs a command; the exit code says how it went.
pub async fn run(cli: Cli) -> ExitCode {
    if let Command::Dev { command } = cli.command {
        return dev(command).await;
    }
    if let Command::Openapi = cli.command {
        return match crate::http::openapi().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("afftok: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let need = match cli.command {
        Command::Serve => Need::Serve,
        _ => Need::DatabaseOnly,
    };
    let settings = match Settings::load(need) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("afftok: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.json_logs);
    match execute(cli.command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("afftok: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `dev seed|check`: a client of the API, which needs none of the control plane's settings.
async fn dev(command: DevCommand) -> ExitCode {
    let env = seed::process_env();
    let done = match command {
        DevCommand::Seed => seed::seed(&env)
            .await
            .map(|demo| print!("{}", demo.lines())),
        DevCommand::Check => seed::check(&env).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("afftok: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Dev { .. } | Command::Openapi => Err(anyhow::anyhow!(
            "this command runs without the control plane's settings"
        )),
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = startup::connect_db(&settings).await?;
            MIGRATOR.run(&db).await.context("migrations failed")?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email: address,
                    display_name,
                },
        } => {
            let db = migrated(&settings).await?;
            email::check(&address).map_err(|why| anyhow::anyhow!("--email {why}"))?;
            let password = match std::env::var("AFFTOK_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            password::check_strength(&password)
                .map_err(|why| anyhow::anyhow!("the password {why}"))?;
            let hash = tokio::task::spawn_blocking(move || password::hash(&password))
                .await
                .map_err(|e| anyhow::anyhow!(e.to_string()))?
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            let user = accounts::create_user(
                &db,
                NewUser {
                    email: &address,
                    password_hash: &hash,
                    role: Role::Admin,
                    display_name: &display_name,
                    company: None,
                },
            )
            .await
            .context("creating the admin")?;
            println!("admin {} created (user id {})", user.email, user.id);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::VerifyEmail { email: address },
        } => {
            let db = migrated(&settings).await?;
            let address = address.trim();
            match accounts::mark_verified_by_email(&db, address)
                .await
                .context("marking the email verified")?
            {
                accounts::MarkedVerified::Now(id) => {
                    println!("{address}: email verified (user id {id})");
                }
                accounts::MarkedVerified::Already(id) => {
                    println!("{address}: email already verified (user id {id})");
                }
                accounts::MarkedVerified::NoSuchAccount => {
                    anyhow::bail!("no account has the email {address}");
                }
            }
            Ok(())
        }
        Command::Edge { command } => edge(&settings, command).await,
        Command::Fraud {
            command: FraudCommand::Ranges { command },
        } => ranges(&settings, command).await,
        Command::Programme {
            command: ProgrammeCommand::Rebuild,
        } => {
            let db = migrated(&settings).await?;
            let mut redis = crate::app::startup::connect_redis(&settings).await?;
            let started = std::time::Instant::now();
            let (rows, copied) = crate::programme::leaderboards::rebuild(
                &db,
                &mut redis,
                &settings.redis_key_prefix,
            )
            .await?;
            println!(
                "leaderboards rebuilt in {:.1} s: {rows} totals in Postgres, {copied} places of the current periods in Redis",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run },
        } => {
            let db = migrated(&settings).await?;
            let r = crate::tracking::retention::run(
                &db,
                settings.retention,
                time::OffsetDateTime::now_utc(),
                dry_run,
            )
            .await
            .context("retention run failed")?;
            let (cut, drop) = if dry_run {
                ("would cut", "would drop")
            } else {
                ("cut", "dropped")
            };
            let day = |d: Option<time::OffsetDateTime>| {
                d.map(|d| d.date().to_string()).unwrap_or_default()
            };
            println!(
                "visitor IPs before {} ({} days): {cut} {} on clicks, {} on conversions",
                day(r.ip_cutoff),
                settings.retention.ip_days,
                r.click_ips,
                r.conversion_ips
            );
            println!(
                "raw clicks before {} ({} months): {drop} {} partitions{}, {} stray clicks, {} unique-visitor marks",
                r.raw_cutoff.map(|d| d.to_string()).unwrap_or_default(),
                settings.retention.raw_months,
                r.partitions.len(),
                if r.partitions.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.partitions.join(", "))
                },
                r.stray_clicks,
                r.unique_marks
            );
            Ok(())
        }
        Command::Stats {
            command: StatsCommand::Rebuild,
        } => {
            use sqlx::ConnectOptions as _;
            // Its statements run for minutes on big tables: that is expected, not worth a
            // slow-statement warning each.
            let options: sqlx::postgres::PgConnectOptions =
                settings.database_url().parse().context("DATABASE_URL")?;
            let db = sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .connect_with(options.disable_statement_logging())
                .await
                .context("cannot connect to Postgres (DATABASE_URL)")?;
            MIGRATOR.run(&db).await.context("migrations failed")?;
            let started = std::time::Instant::now();
            let done = crate::stats::rebuild(&db)
                .await
                .map_err(|e| anyhow::anyhow!(crate::kernel::ApiError::from(e).message()))?;
            println!(
                "stats rebuilt in {:.1} s: {} click rollup rows, {} conversion rollup rows",
                started.elapsed().as_secs_f64(),
                done.click_rows,
                done.conversion_rows
            );
            Ok(())
        }
        Command::Keys { command } => {
            let db = migrated(&settings).await?;
            let kek = settings.key_encryption_key.expose_secret();
            if !settings.key_encryption_key_set {
                return Err(anyhow::anyhow!(
                    "AFFTOK_KEY_ENCRYPTION_KEY is required to manage signing keys"
                ));
            }
            match command {
                KeysCommand::Create { activate, test } => {
                    let mode = if test { Mode::Test } else { Mode::Live };
                    let key = signing_keys::create(&db, kek, activate, mode).await?;
                    println!(
                        "created kid {}{}",
                        key.kid,
                        match (key.active, test) {
                            (true, _) => " (active)",
                            (false, true) => " (test)",
                            (false, false) => "",
                        }
                    );
                }
                KeysCommand::Rotate { wait } => {
                    let targets = targets(&settings, &settings.edge_push.targets).await?;
                    let key = signing_keys::create(&db, kek, false, Mode::Live).await?;
                    println!("created kid {}", key.kid);
                    if !key.active {
                        push_keys(&db, kek, &targets).await.map_err(|e| {
                            anyhow::anyhow!(
                                "{e:#}\nkid {} exists but does not sign links yet: once the edges have it, run `afftok keys activate {}`",
                                key.kid, key.kid
                            )
                        })?;
                        let cloudflare = targets.iter().any(|t| t.kind() == TargetKind::Cloudflare);
                        let wait = wait.unwrap_or(if cloudflare { 90 } else { 30 });
                        if wait > 0 {
                            println!("waiting {wait} s for every edge to see it");
                            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                        }
                        signing_keys::activate(&db, key.kid).await?;
                        push_keys(&db, kek, &targets).await?;
                    }
                    println!(
                        "kid {} is active: new links are signed with it; links of older kids keep working until revoked",
                        key.kid
                    );
                }
                KeysCommand::Activate { kid } => {
                    let targets = targets(&settings, &settings.edge_push.targets).await?;
                    let key = signing_keys::activate(&db, kid).await?;
                    push_keys(&db, kek, &targets).await?;
                    println!("kid {} is active: new links are signed with it", key.kid);
                }
                KeysCommand::Revoke { kid } => {
                    let targets = targets(&settings, &settings.edge_push.targets).await?;
                    let key = signing_keys::revoke(&db, kid).await?;
                    println!("revoked kid {}", key.kid);
                    push_keys(&db, kek, &targets).await.map_err(|e| {
                        anyhow::anyhow!("{e:#}\nthe revocation is queued: the service pushes it once the target works")
                    })?;
                }
                KeysCommand::List => {
                    // Decrypting proves the key-encryption key matches.
                    signing_keys::keyset(&db, kek).await?;
                    println!("kid\tmode\tstate\tcreated");
                    for key in signing_keys::list(&db).await.context("database")? {
                        let state = match (key.active, key.revoked_at) {
                            (_, Some(_)) => "revoked",
                            (true, None) => "active",
                            (false, None) => "valid",
                        };
                        println!("{}\t{}\t{state}\t{}", key.kid, key.mode, key.created_at);
                    }
                }
            }
            Ok(())
        }
    }
}

/// Builds the edge targets, connecting to Redis only when one of them needs it.
async fn targets(settings: &Settings, kinds: &[TargetKind]) -> anyhow::Result<Vec<Target>> {
    let redis = if kinds.contains(&TargetKind::Redis) {
        Some(startup::connect_redis(settings).await?)
    } else {
        None
    };
    kinds
        .iter()
        .map(|&kind| {
            Target::build(kind, &settings.edge_push, redis.as_ref())
                .map_err(|e| anyhow::anyhow!(e.to_string()))
        })
        .collect()
}

/// Pushes the `keys` entry to every target now (the service's push job would too, but the
/// key commands must know it landed before they go on).
async fn push_keys(db: &sqlx::PgPool, kek: &[u8; 32], targets: &[Target]) -> anyhow::Result<()> {
    let keys = std::iter::once(afftok_shared::kv::KEYS_KEY.to_owned()).collect();
    push::these(db, kek, targets, &keys)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let names: Vec<_> = targets.iter().map(Target::name).collect();
    if names.is_empty() {
        println!("no edge target configured (AFFTOK_EDGE_TARGETS): nothing pushed");
    } else {
        println!("keys pushed to {}", names.join(", "));
    }
    Ok(())
}

async fn edge(settings: &Settings, command: EdgeCommand) -> anyhow::Result<()> {
    let EdgeCommand::Push {
        targets: kinds,
        dry_run,
    } = command;
    if !settings.key_encryption_key_set {
        return Err(anyhow::anyhow!(
            "AFFTOK_KEY_ENCRYPTION_KEY is required to push the keys"
        ));
    }
    let kinds = if kinds.is_empty() {
        settings.edge_push.targets.clone()
    } else {
        kinds
    };
    if kinds.is_empty() {
        anyhow::bail!(
            "no target: pass --target redis|cloudflare|wrangler-local or set AFFTOK_EDGE_TARGETS"
        );
    }
    let db = migrated(settings).await?;
    let kek = settings.key_encryption_key.expose_secret();
    for target in targets(settings, &kinds).await? {
        let name = target.name();
        let mut shown = 0;
        let plan = push::full(&db, kek, &target, dry_run, |done, total| {
            // Progress for large pushes, at most every 10%.
            if total >= 1000 && (done * 10 / total > shown || done == total) {
                shown = done * 10 / total;
                eprintln!("{name}: {done}/{total} entries");
            }
        })
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        if dry_run {
            for line in plan.describe() {
                println!("{name}: {line}");
            }
        }
        let added = plan
            .put
            .iter()
            .filter(|(_, c)| *c == crate::edge_push::plan::Change::Added)
            .count();
        println!(
            "{name}: {} {added} added, {} changed, {} deleted, {} unchanged",
            if dry_run { "would push" } else { "pushed" },
            plan.put.len() - added,
            plan.delete.len(),
            plan.unchanged
        );
    }
    Ok(())
}

async fn ranges(settings: &Settings, command: RangesCommand) -> anyhow::Result<()> {
    match command {
        RangesCommand::Import {
            kind,
            skip_invalid,
            files,
        } => {
            // Every file is read and checked before the database is touched.
            let (mut nets, mut bad) = (Vec::new(), 0usize);
            for file in &files {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                // Not UTF-8: the lines that are not ranges are reported as bad lines.
                let parsed = fraud::parse_ranges(&String::from_utf8_lossy(&bytes));
                for line in &parsed.bad {
                    eprintln!(
                        "{}:{}: {}: {}",
                        file.display(),
                        line.line,
                        line.why,
                        line.text
                    );
                }
                bad += parsed.bad.len();
                nets.extend(parsed.nets);
            }
            let names = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>();
            if bad > 0 && !skip_invalid {
                anyhow::bail!(
                    "{bad} bad line{} in {}: nothing imported (fix {}, or pass --skip-invalid to import the other lines)",
                    plural(bad),
                    names.join(", "),
                    if bad == 1 { "it" } else { "them" }
                );
            }
            if nets.is_empty() {
                anyhow::bail!(
                    "no range in {}: nothing imported, the {kind} ranges are left as they were",
                    names.join(", ")
                );
            }
            let lines = nets.len();
            let db = migrated(settings).await?;
            let done = fraud::import_ranges(&db, kind, nets, &names, bad)
                .await
                .context("importing the ranges")?;
            let held = fraud::list_ranges(&db)
                .await
                .context("database")?
                .into_iter()
                .find(|k| k.kind == kind);
            let (ipv4, ipv6) = held.map_or((0, 0), |k| (k.ipv4, k.ipv6));
            println!(
                "imported {} {kind} range{} ({ipv4} IPv4, {ipv6} IPv6) from {} file{}: {}",
                done.ranges,
                plural(done.ranges),
                files.len(),
                plural(files.len()),
                names.join(", ")
            );
            println!(
                "    {lines} range line{} ({} duplicate{}), {bad} bad line{} skipped; {} range{} replaced (import {})",
                plural(lines),
                lines - done.ranges,
                plural(lines - done.ranges),
                plural(bad),
                done.replaced,
                plural(done.replaced),
                done.id
            );
            Ok(())
        }
        RangesCommand::List => {
            let db = migrated(settings).await?;
            println!("kind\tranges\tipv4\tipv6\timported_at\tskipped\tsources");
            for k in fraud::list_ranges(&db).await.context("database")? {
                match k.last_import {
                    Some(i) => println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        k.kind,
                        k.ranges,
                        k.ipv4,
                        k.ipv6,
                        i.imported_at
                            .replace_nanosecond(0)
                            .unwrap_or(i.imported_at)
                            .format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default(),
                        i.skipped,
                        i.sources.join(", ")
                    ),
                    None => println!("{}\t0\t0\t0\tnever\t-\t-", k.kind),
                }
            }
            Ok(())
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

async fn migrated(settings: &Settings) -> anyhow::Result<sqlx::PgPool> {
    let db = startup::connect_db(settings).await?;
    MIGRATOR.run(&db).await.context("migrations failed")?;
    Ok(db)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let addr = app
        .local_addr()
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    println!("afftok listening on http://{addr}");
    tracing::info!(%addr, "listening");
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut terminate) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
        } else {
            let _ = interrupt.await;
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
