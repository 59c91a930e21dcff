//! Building and running the service: pools, shared state, the listener, graceful shutdown.

use anyhow::Context as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;

use crate::accounts::jwt::JwtKeys;
use crate::app::config::Settings;
use crate::http;
use crate::http::metrics::Metrics;
use crate::http::rate_limit::RateLimiter;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Postgres.
    pub db: PgPool,
    /// Redis (rate limits; later live counters and the event stream).
    pub redis: ConnectionManager,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Access token keys.
    pub jwt: Arc<JwtKeys>,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// Rate limits.
    pub limiter: RateLimiter,
    /// Redis calls on the request path (rate limits, live counters).
    pub redis_guard: Arc<crate::app::redis_guard::RedisGuard>,
    /// What fraud scoring holds in memory (the imported ranges, the suspended promoters).
    pub fraud_scoring: Arc<crate::fraud::ScoringCache>,
    /// The flood counts fraud scoring keeps in Redis.
    pub flood_counts: crate::fraud::FloodCounts,
    /// Wakes the webhook sender when messages were made or became due.
    pub webhook_wake: Arc<tokio::sync::Notify>,
    /// Wakes the leaderboard syncer when points were written.
    pub leaderboard_wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Connects to Postgres (without migrating).
pub async fn connect_db(settings: &Settings) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(settings.database_url())
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")
}

/// Connects to Redis.
pub async fn connect_redis(settings: &Settings) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(settings.redis_url.expose_secret()).context("REDIS_URL")?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(3);
    ConnectionManager::new_with_config(client, config)
        .await
        .context("cannot reach Redis (REDIS_URL)")
}

/// A bound, not yet serving control plane.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").finish_non_exhaustive()
    }
}

impl Application {
    /// Connects, migrates and binds `settings.listen` (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect_db(&settings).await?;
        crate::app::MIGRATOR
            .run(&db)
            .await
            .context("migrations failed")?;
        crate::tracking::partitions::ensure(&db, 2)
            .await
            .context("creating click partitions failed")?;
        let redis = connect_redis(&settings).await?;
        let flood_counts =
            crate::fraud::FloodCounts::new(redis.clone(), &settings.redis_key_prefix);
        if settings.fraud.scoring {
            // Counted from the first batch on, rather than once the first batches find the
            // counts lost (a new database, Redis emptied) and wait for each other to start them.
            crate::fraud::start_counting(&db, &flood_counts)
                .await
                .context("starting the flood counts failed")?;
        } else {
            // Its clicks are stored uncounted: the flood counts fall behind (fraud::scoring).
            crate::fraud::counts_not_kept(&db)
                .await
                .context("moving the flood counts' epoch failed")?;
        }
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on AFFTOK_LISTEN {}", settings.listen))?;
        let state = AppState {
            jwt: Arc::new(JwtKeys::new(&settings.jwt)),
            metrics: Arc::new(Metrics::new()),
            limiter: RateLimiter::new(redis.clone(), &settings.redis_key_prefix),
            // A Redis nearby answers in a millisecond; away, one call a second finds out.
            redis_guard: Arc::new(crate::app::redis_guard::RedisGuard::new(
                settings.redis_call_timeout,
                Duration::from_secs(1),
            )),
            fraud_scoring: Arc::new(crate::fraud::ScoringCache::default()),
            flood_counts,
            webhook_wake: Arc::new(tokio::sync::Notify::new()),
            leaderboard_wake: Arc::new(tokio::sync::Notify::new()),
            settings: Arc::new(settings),
            db,
            redis,
        };
        Ok(Self { listener, state })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (tests use its pool).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and runs the background jobs: the event stream reader, the sweeper) until
    /// `shutdown` resolves, then lets open requests and the batch being stored finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let jobs = crate::app::jobs::Jobs::start(self.state.clone());
        let app = http::router(self.state);
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        jobs.stop().await;
        served
    }
}
