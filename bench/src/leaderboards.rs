//! Row 9: the leaderboards at scale. 1,000,000 promoters (half of them in 10,000 teams) with
//! two ledger entries each over the past 40 days: how long `afftok programme rebuild` takes
//! (the recount in Postgres, then the copy to Redis), and the read latency of the top 100
//! and of a promoter's own place through `afftok serve`, against an authenticated endpoint
//! that reads nothing (`GET /v1/points/levels`) on the same server in the same run.

use std::time::{Duration, Instant};

use crate::Ctx;
use crate::api::Api;
use crate::results::{Figure, Row, percentiles};

/// Runs the row.
pub async fn run(ctx: &Ctx) -> Result<Vec<Row>, String> {
    let (promoters, teams, reads) = if ctx.quick {
        (20_000_i64, 200_i64, 200)
    } else {
        (1_000_000, 10_000, 3_000)
    };
    let name = format!("afftok_bench_leaderboards_{}", ctx.run);
    let db = crate::pg::fresh(ctx, &name).await?;
    let url = crate::pg::url_of(ctx, &name);
    let result = async {
        let cp = crate::ingest::serve(
            ctx,
            &url,
            "leaderboards",
            &[("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", "10000000")],
        )
        .await?;
        let api = Api::new(&cp.base);
        let viewer = api
            .account("promoter", "viewer@lb.bench", "bench password 1")
            .await?;
        println!("    generating {promoters} promoters, {teams} teams and their ledger");
        let started = Instant::now();
        generate(&db, promoters, teams, viewer.user_id).await?;
        println!("    generated in {:.1} s", started.elapsed().as_secs_f64());
        let started = Instant::now();
        let out = crate::procs::run(
            &ctx.afftok,
            &["programme", "rebuild"],
            &[
                ("DATABASE_URL".to_owned(), url.clone()),
                ("REDIS_URL".to_owned(), ctx.redis_url.clone()),
                (
                    "AFFTOK_REDIS_KEY_PREFIX".to_owned(),
                    ctx.redis_prefix("leaderboards"),
                ),
            ],
        )
        .await?;
        let rebuild_secs = started.elapsed().as_secs_f64();
        println!("    {}", out.trim());
        // Warm up, and check Redis answers.
        let top = api
            .get("/v1/leaderboards/promoters?limit=100", &viewer.token)
            .await?;
        if top["source"] != "redis" || top["size"].as_i64() != Some(promoters + 1) {
            return Err(format!(
                "the board is not in Redis with every promoter: {}",
                &top.to_string()[..top.to_string().len().min(300)]
            ));
        }
        let lat = |path: &'static str| {
            let api = api.clone();
            let token = viewer.token.clone();
            async move {
                let mut samples = Vec::with_capacity(reads);
                for _ in 0..reads {
                    let t = Instant::now();
                    let v = api.get(path, &token).await?;
                    samples.push(t.elapsed());
                    if v.get("source").is_some_and(|s| s != "redis") {
                        return Err(format!("{path} answered from {}", v["source"]));
                    }
                }
                Ok::<Vec<Duration>, String>(samples)
            }
        };
        let base = percentiles(&lat("/v1/points/levels").await?);
        let top = percentiles(&lat("/v1/leaderboards/promoters?limit=100").await?);
        let me = percentiles(&lat("/v1/leaderboards/promoters/me?around=2").await?);
        let teams_top = percentiles(&lat("/v1/leaderboards/teams?limit=100").await?);
        cp.stop().await?;
        Ok::<_, String>((rebuild_secs, base, top, me, teams_top))
    }
    .await;
    db.close().await;
    ctx.drop_database(&name).await;
    let (rebuild_secs, base, top, me, teams_top) = result?;
    let data = format!(
        "{promoters} promoters (half in {teams} teams of 50), 2 ledger entries each over 40 days, so every \
         board and period is full; PostgreSQL and Redis on the same machine"
    );
    let read_row = |id: &str, title: &str, name: &str, p: crate::results::Percentiles| Row {
        id: id.to_owned(),
        title: title.to_owned(),
        metric: "ms (p99)".to_owned(),
        subject: Figure::new(name, p.p99)
            .with("p50_ms", p.p50)
            .with("max_ms", p.max)
            .with("requests", p.n as f64),
        baseline: Some(
            Figure::new(
                "GET /v1/points/levels (authenticated, reads nothing)",
                base.p99,
            )
            .with("p50_ms", base.p50),
        ),
        ratio: Some(p.p99 / base.p99),
        target: "p99 ≤ 5 ms".to_owned(),
        met: p.p99 <= 5.0,
        how: format!(
            "{} requests one after another over HTTP/1.1 keep-alive to afftok serve, each with a promoter's \
             access token (authentication and the rate limit included), answered from the Redis sorted sets; \
             names from Postgres; {data}",
            p.n
        ),
        notes: (id == "leaderboard-top").then(|| {
            format!(
                "the teams' board top 100: p50 {:.2} ms, p99 {:.2} ms",
                teams_top.p50, teams_top.p99
            )
        }),
        extra: serde_json::Map::new(),
    };
    Ok(vec![
        read_row(
            "leaderboard-top",
            "Leaderboard top 100",
            "GET /v1/leaderboards/promoters?limit=100",
            top,
        ),
        read_row(
            "leaderboard-my-rank",
            "Leaderboard, my rank",
            "GET /v1/leaderboards/promoters/me?around=2",
            me,
        ),
        Row {
            id: "leaderboard-rebuild".to_owned(),
            title: "Leaderboard rebuild".to_owned(),
            metric: "s".to_owned(),
            subject: Figure::new("afftok programme rebuild", rebuild_secs),
            baseline: None,
            ratio: None,
            target: "≤ 60 s".to_owned(),
            met: rebuild_secs <= 60.0,
            how: format!(
                "the whole command: the recount of every board and period in Postgres from the ledger and \
                 the memberships, then the copy of the current periods' boards (promoters and teams; all time, \
                 month, week) to Redis; {data}"
            ),
            notes: None,
            extra: serde_json::Map::new(),
        },
    ])
}

/// Promoters, teams (the first promoters own them; the first half of the promoters are
/// members, 50 a team), and two entries per promoter at random times in the past 40 days.
async fn generate(
    db: &sqlx::PgPool,
    promoters: i64,
    teams: i64,
    viewer: i64,
) -> Result<(), String> {
    let steps = [
        "INSERT INTO users (email, password_hash, role, display_name)
         SELECT 'p' || g || '@lb.bench', 'not a password', 'promoter', 'Promoter ' || g
         FROM generate_series(1, $1) g",
        "CREATE TEMP TABLE bench_p AS
         SELECT id, row_number() OVER (ORDER BY id) AS n FROM users
         WHERE email LIKE 'p%@lb.bench'",
        "INSERT INTO teams (name, owner_id, invite_code)
         SELECT 'Team ' || n, id, 'bench' || n FROM bench_p WHERE n <= $2",
        "INSERT INTO team_memberships (team_id, promoter_id, joined_at)
         SELECT t.id, p.id, now() - interval '60 days'
         FROM bench_p p JOIN teams t ON t.invite_code = 'bench' || (1 + (p.n - 1) % $2)
         WHERE p.n <= $2 * 50",
        "INSERT INTO points_ledger (promoter_id, points, cause, source_event, day, created_at)
         SELECT p.id, 1 + (random() * 499)::int, 'unique_clicks', -(p.n * 2 + k), CURRENT_DATE,
                now() - random() * interval '40 days'
         FROM bench_p p, generate_series(0, 1) k",
        "INSERT INTO points_ledger (promoter_id, points, cause, source_event, day)
         VALUES ($3, 250, 'unique_clicks', -1, CURRENT_DATE)",
        "ANALYZE",
    ];
    let mut conn = db.acquire().await.map_err(|e| e.to_string())?;
    for sql in steps {
        // Numbers of this program's own, written into the statements.
        let sql = sql
            .replace("$1", &promoters.to_string())
            .replace("$2", &teams.to_string())
            .replace("$3", &viewer.to_string());
        sqlx::raw_sql(&sql)
            .execute(&mut *conn)
            .await
            .map_err(|e| format!("generating the data: {e}: {sql}"))?;
    }
    Ok(())
}
