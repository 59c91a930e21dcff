//! The `afftok` command line: `serve`, `migrate`, `admin create`, `keys create|rotate|revoke|list`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::config::{Need, Settings};
use crate::db::users::{self, NewUser};
use crate::db::{self as database, signing_keys};
use crate::domain::role::Role;
use crate::domain::{email, password};
use crate::startup::{self, Application};
use crate::telemetry;

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
}

/// Link signing keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key (active if no key is, or with --activate).
    Create {
        /// Sign new links with it from now on.
        #[arg(long)]
        activate: bool,
    },
    /// Create a key and sign new links with it; old links keep working until their key is
    /// revoked.
    Rotate,
    /// Revoke a key: links signed with it stop working once the edges see it.
    Revoke {
        /// The key id.
        kid: i64,
    },
    /// List the keys.
    List,
}

/// Runs a command; the exit code says how it went.
pub async fn run(cli: Cli) -> ExitCode {
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
            eprintln!("afftok: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = startup::connect_db(&settings).await?;
            database::MIGRATOR
                .run(&db)
                .await
                .map_err(|e| format!("migrations failed: {e}"))?;
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
            email::check(&address).map_err(|why| format!("--email {why}"))?;
            let password = match std::env::var("AFFTOK_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| format!("reading the password from standard input: {e}"))?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            password::check_strength(&password).map_err(|why| format!("the password {why}"))?;
            let hash = tokio::task::spawn_blocking(move || password::hash(&password))
                .await
                .map_err(|e| e.to_string())??;
            let user = users::create(
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
            .map_err(|e| e.message())?;
            println!("admin {} created (user id {})", user.email, user.id);
            Ok(())
        }
        Command::Keys { command } => {
            let db = migrated(&settings).await?;
            let kek = settings.key_encryption_key.expose_secret();
            if !settings.key_encryption_key_set {
                return Err("AFFTOK_KEY_ENCRYPTION_KEY is required to manage signing keys".into());
            }
            match command {
                KeysCommand::Create { activate } => {
                    let key = signing_keys::create(&db, kek, activate)
                        .await
                        .map_err(|e| e.message())?;
                    println!(
                        "created kid {}{}",
                        key.kid,
                        if key.active { " (active)" } else { "" }
                    );
                }
                KeysCommand::Rotate => {
                    let key = signing_keys::create(&db, kek, true)
                        .await
                        .map_err(|e| e.message())?;
                    println!(
                        "created kid {} (active): new links are signed with it",
                        key.kid
                    );
                }
                KeysCommand::Revoke { kid } => {
                    let key = signing_keys::revoke(&db, kid)
                        .await
                        .map_err(|e| e.message())?;
                    println!("revoked kid {}", key.kid);
                }
                KeysCommand::List => {
                    // Decrypting proves the key-encryption key matches.
                    signing_keys::keyset(&db, kek)
                        .await
                        .map_err(|e| e.message())?;
                    println!("kid\tstate\tcreated");
                    for key in signing_keys::list(&db).await.map_err(|e| e.message())? {
                        let state = match (key.active, key.revoked_at) {
                            (_, Some(_)) => "revoked",
                            (true, None) => "active",
                            (false, None) => "valid",
                        };
                        println!("{}\t{state}\t{}", key.kid, key.created_at);
                    }
                }
            }
            Ok(())
        }
    }
}

async fn migrated(settings: &Settings) -> Result<sqlx::PgPool, String> {
    let db = startup::connect_db(settings).await?;
    database::MIGRATOR
        .run(&db)
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

async fn serve(settings: Settings) -> Result<(), String> {
    let app = Application::build(settings).await?;
    let addr = app.local_addr().map_err(|e| e.to_string())?;
    println!("afftok listening on http://{addr}");
    tracing::info!(%addr, "listening");
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
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
