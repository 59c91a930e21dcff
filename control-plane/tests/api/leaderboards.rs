//! Leaderboards (DESIGN §13): promoters and teams by points per period, ties to whoever got
//! there first, the caller's place with neighbours, pagination; equal to a recount from the
//! ledger after a rebuild and after Redis lost them (the service rebuilds by itself); answered
//! from Postgres, with the same numbers, while Redis is away; bad input and who sees what.

use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt as _;

use crate::helpers::{Account, Options, TestApp, problem, spawn_app, spawn_with};

async fn adjust(app: &TestApp, admin: &Account, promoter: &Account, points: i64) {
    let resp = app
        .post(&format!("/v1/admin/promoters/{}/points", promoter.id))
        .bearer_auth(&admin.token)
        .json(&json!({"points": points, "reason": "leaderboard test"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
}

/// (id, points) of a board's places, best first, and who answered.
fn places(page: &Value) -> Vec<(i64, i64)> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().expect("id"),
                p["points"].as_i64().expect("points"),
            )
        })
        .collect()
}

/// Polls `path` until Redis answers with `want` as its places.
async fn until_redis(app: &TestApp, token: &str, path: &str, want: &[(i64, i64)]) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        last = app.get_json(path, token).await;
        if last["source"] == "redis" && places(&last) == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never showed {want:?} from Redis; last: {last}");
}

#[tokio::test]
async fn boards_follow_points_with_ties_to_whoever_got_there_first() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let ann = app.promoter("lb-ann").await;
    let bob = app.promoter("lb-bob").await;
    let cat = app.promoter("lb-cat").await;
    adjust(&app, &admin, &ann, 50).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    adjust(&app, &admin, &bob, 50).await;
    adjust(&app, &admin, &cat, 70).await;
    // Ann reached 50 before Bob.
    let want = [(cat.id, 70), (ann.id, 50), (bob.id, 50)];
    for period in ["all", "month", "week"] {
        let page = until_redis(
            &app,
            &bob.token,
            &format!("/v1/leaderboards/promoters?period={period}"),
            &want,
        )
        .await;
        assert_eq!(page["size"], 3);
        assert_eq!(page["data"][0]["rank"], 1);
        assert_eq!(page["data"][1]["name"], "lb-ann@promo.test");
        assert!(page["next_cursor"].is_null());
    }
    let now = OffsetDateTime::now_utc();
    let page = app
        .get_json("/v1/leaderboards/promoters?period=month", &ann.token)
        .await;
    assert_eq!(
        page["period_key"],
        format!("month:{:04}-{:02}", now.year(), u8::from(now.month()))
    );

    // Ann loses 10: Bob is second now.
    adjust(&app, &admin, &ann, -10).await;
    let want = [(cat.id, 70), (bob.id, 50), (ann.id, 40)];
    until_redis(&app, &cat.token, "/v1/leaderboards/promoters", &want).await;

    // Pages of 2.
    let first = app
        .get_json("/v1/leaderboards/promoters?limit=2", &cat.token)
        .await;
    assert_eq!(places(&first), want[..2]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get_json(
            &format!("/v1/leaderboards/promoters?limit=2&cursor={cursor}"),
            &cat.token,
        )
        .await;
    assert_eq!(places(&second), want[2..]);
    assert_eq!(second["data"][0]["rank"], 3);
    assert!(second["next_cursor"].is_null());

    // My place with one neighbour each side, and at the top.
    let me = app
        .get_json("/v1/leaderboards/promoters/me?around=1", &bob.token)
        .await;
    assert_eq!(me["source"], "redis");
    assert_eq!(me["entry"]["rank"], 2);
    assert_eq!(me["entry"]["points"], 50);
    assert_eq!(places(&json!({"data": me["neighbours"]})), want);
    let top = app
        .get_json("/v1/leaderboards/promoters/me?around=1", &cat.token)
        .await;
    assert_eq!(top["entry"]["rank"], 1);
    assert_eq!(places(&json!({"data": top["neighbours"]})), want[..2]);
    // No points yet: no place.
    let dan = app.promoter("lb-dan").await;
    let none = app
        .get_json("/v1/leaderboards/promoters/me", &dan.token)
        .await;
    assert!(none["entry"].is_null());
    assert_eq!(none["subject_id"], dan.id);

    // Teams: what members earn while members.
    let made = app
        .post("/v1/teams")
        .bearer_auth(&ann.token)
        .json(&json!({"name": "Leaders"}))
        .send()
        .await
        .expect("request");
    assert_eq!(made.status(), 201);
    let team: Value = made.json().await.expect("json");
    let team_id = team["id"].as_i64().expect("id");
    let code = team["invite_code"].as_str().expect("code");
    let joined = app
        .post("/v1/teams/join")
        .bearer_auth(&bob.token)
        .json(&json!({"invite_code": code}))
        .send()
        .await
        .expect("request");
    assert_eq!(joined.status(), 200);
    let no_team = app.get_json("/v1/leaderboards/teams/me", &cat.token).await;
    assert!(no_team["subject_id"].is_null());
    adjust(&app, &admin, &ann, 5).await;
    adjust(&app, &admin, &bob, 7).await;
    adjust(&app, &admin, &cat, 100).await;
    until_redis(&app, &dan.token, "/v1/leaderboards/teams", &[(team_id, 12)]).await;
    let mine = app.get_json("/v1/leaderboards/teams/me", &bob.token).await;
    assert_eq!(mine["subject_id"], team_id);
    assert_eq!(mine["entry"]["rank"], 1);
    assert_eq!(mine["entry"]["name"], "Leaders");

    // A disbanded team leaves the board.
    for who in [&bob, &ann] {
        let left = app
            .post("/v1/teams/mine/leave")
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("request");
        assert_eq!(left.status(), 204);
    }
    until_redis(&app, &dan.token, "/v1/leaderboards/teams", &[]).await;
    let gone: i64 =
        sqlx::query_scalar("SELECT count(*) FROM leaderboard_totals WHERE board = 'teams'")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(
        gone, 0,
        "the syncer deletes a gone team's rows once Redis forgot it"
    );
    // Every change noted with the totals was taken by the syncer.
    app.eventually("SELECT count(*) FROM leaderboard_changes", 0)
        .await;
}

/// Promoters, teams, memberships and ledger entries over the past 70 days, written straight
/// into Postgres (as a restore or a repair would leave them), with ties.
async fn generate(app: &TestApp) -> Vec<i64> {
    let mut promoters = Vec::new();
    for i in 0..40 {
        promoters.push(app.promoter(&format!("gen-{i}")).await.id);
    }
    let owner = promoters[0];
    sqlx::query(
        "INSERT INTO teams (name, owner_id, invite_code, disbanded_at)
         VALUES ('Alpha', $1, 'code-a', NULL), ('Beta', $1, 'code-b', NULL),
                ('Gamma', $1, 'code-c', now() - interval '1 day')",
    )
    .bind(owner)
    .execute(&app.db)
    .await
    .expect("teams");
    // Memberships: some left a while ago, some joined late; Gamma was disbanded.
    sqlx::query(
        "INSERT INTO team_memberships (team_id, promoter_id, joined_at, left_at, left_how)
         SELECT t.id, p, now() - (p % 50) * interval '1 day',
                CASE WHEN p % 7 = 0 THEN now() - (p % 5) * interval '1 day' END,
                CASE WHEN p % 7 = 0 THEN 'left' END
         FROM unnest($1::bigint[]) WITH ORDINALITY AS u(p, n)
         JOIN teams t ON t.name = (ARRAY['Alpha', 'Beta', 'Gamma'])[1 + n % 3]
         WHERE n % 4 <> 0",
    )
    .bind(&promoters)
    .execute(&app.db)
    .await
    .expect("memberships");
    // Entries: every promoter some, at spread times over 70 days, and three in this week and
    // this month (which may have begun minutes ago); equal totals happen (points from a small
    // set); a pair written at the same instant.
    sqlx::query(
        "WITH recent AS (
             SELECT greatest(date_trunc('week', now() AT TIME ZONE 'UTC'),
                             date_trunc('month', now() AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC' AS since)
         INSERT INTO points_ledger (promoter_id, points, cause, source_event, day, created_at)
         SELECT p, (ARRAY[1, 5, 20, -20, 10])[1 + (p * k) % 5], 'unique_clicks', -(p * 100 + k),
                CURRENT_DATE,
                CASE WHEN k <= 3 THEN now() - (now() - r.since) * ((p * 37 + k * 101) % 1000) / 1000
                     ELSE now() - ((p * 37 + k * 101) % (70 * 24)) * interval '1 hour' END
         FROM unnest($1::bigint[]) AS p, generate_series(1, 12) AS k, recent AS r",
    )
    .bind(&promoters)
    .execute(&app.db)
    .await
    .expect("entries");
    promoters
}

/// The boards recounted from the ledger, independently of the service's SQL: (id, points),
/// best first, ties to the earlier last change, then the lower id.
async fn recount(app: &TestApp, board: &str, period: &str) -> Vec<(i64, i64)> {
    let since = match period {
        "all" => "'-infinity'::timestamptz",
        "month" => "date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
        _ => "date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    };
    let subject = if board == "promoters" {
        "l.promoter_id"
    } else {
        "m.team_id"
    };
    let joins = if board == "promoters" {
        ""
    } else {
        "JOIN team_memberships m ON m.promoter_id = l.promoter_id AND m.joined_at <= l.created_at
              AND (m.left_at IS NULL OR l.created_at < m.left_at)
         JOIN teams t ON t.id = m.team_id AND t.disbanded_at IS NULL"
    };
    let sql = format!(
        "SELECT {subject} AS id, sum(l.points)::bigint AS points
         FROM points_ledger l {joins}
         WHERE l.created_at >= {since}
         GROUP BY {subject}
         ORDER BY 2 DESC, max(date_trunc('milliseconds', l.created_at)), 1"
    );
    sqlx::query_as::<_, (i64, i64)>(&sql)
        .fetch_all(&app.db)
        .await
        .expect("recount")
}

/// A whole board through the API, page by page.
async fn read_board(
    app: &TestApp,
    token: &str,
    board: &str,
    period: &str,
) -> (String, Vec<(i64, i64)>) {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let mut sources = Vec::new();
    loop {
        let mut path = format!("/v1/leaderboards/{board}?period={period}&limit=7");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get_json(&path, token).await;
        sources.push(page["source"].as_str().expect("source").to_owned());
        let ranks: Vec<i64> = page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|p| p["rank"].as_i64().expect("rank"))
            .collect();
        let first = all.len() as i64 + 1;
        assert_eq!(
            ranks,
            (first..first + ranks.len() as i64).collect::<Vec<_>>()
        );
        all.extend(places(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    sources.dedup();
    (sources.join(","), all)
}

async fn redis_conn() -> redis::aio::MultiplexedConnection {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    redis::Client::open(url)
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis")
}

#[tokio::test]
async fn boards_equal_a_recount_after_a_rebuild_and_after_redis_loses_them() {
    // The recount and the service must agree on this week and this month.
    crate::helpers::clear_of_midnight(Duration::from_secs(180)).await;
    let app = spawn_app().await;
    let promoters = generate(&app).await;
    let viewer = app.promoter("gen-viewer").await;
    let mut redis = afftok_control_plane::app::startup::connect_redis(&app.settings)
        .await
        .expect("redis");
    let (rows, copied) = afftok_control_plane::programme::leaderboards::rebuild(
        &app.db,
        &mut redis,
        &app.settings.redis_key_prefix,
    )
    .await
    .expect("rebuild");
    assert!(rows > 40 && copied > 40, "{rows} rows, {copied} copied");
    // Only all time, this month and this week are kept (the entries span 70 days).
    let periods: i64 = sqlx::query_scalar("SELECT count(DISTINCT period) FROM leaderboard_totals")
        .fetch_one(&app.db)
        .await
        .expect("periods");
    assert_eq!(periods, 3);
    // A past week's row (left from before the week ended) is forgotten by the syncer of a
    // control plane that starts.
    sqlx::query(
        "INSERT INTO leaderboard_totals (board, period, subject_id, points, reached_at)
         VALUES ('promoters', 'week:2001-W01', $1, 5, now())",
    )
    .bind(promoters[0])
    .execute(&app.db)
    .await
    .expect("a past row");
    let _twin = app.twin().await;
    crate::helpers::wait_until("the past week forgotten", async || {
        sqlx::query_scalar::<_, bool>(
            "SELECT NOT EXISTS (SELECT 1 FROM leaderboard_totals WHERE period = 'week:2001-W01')",
        )
        .fetch_one(&app.db)
        .await
        .expect("query")
    })
    .await;
    for board in ["promoters", "teams"] {
        for period in ["all", "month", "week"] {
            let want = recount(&app, board, period).await;
            assert!(board == "teams" || period != "all" || want.len() == promoters.len());
            let (source, got) = read_board(&app, &viewer.token, board, period).await;
            assert_eq!(source, "redis", "{board} {period}");
            assert_eq!(got, want, "{board} {period} after a rebuild");
        }
    }
    // Ties exist in the data set (else the order test above proves little).
    let all = recount(&app, "promoters", "all").await;
    assert!(all.windows(2).any(|w| w[0].1 == w[1].1), "no ties: {all:?}");

    // Redis loses everything of this service: Postgres answers meanwhile, then the service
    // rebuilds by itself.
    let mut conn = redis_conn().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}lb:*", app.settings.redis_key_prefix))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert!(!keys.is_empty());
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .expect("del");
    let want = recount(&app, "promoters", "all").await;
    let (_, got) = read_board(&app, &viewer.token, "promoters", "all").await;
    assert_eq!(
        got, want,
        "while Redis is empty (Postgres, or Redis once rebuilt)"
    );
    for _ in 0..100 {
        let page = app.get_json("/v1/leaderboards/teams", &viewer.token).await;
        if page["source"] == "redis" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for board in ["promoters", "teams"] {
        for period in ["all", "month", "week"] {
            let (source, got) = read_board(&app, &viewer.token, board, period).await;
            assert_eq!(source, "redis", "{board} {period} rebuilt by the service");
            assert_eq!(got, recount(&app, board, period).await, "{board} {period}");
        }
    }
    // And a promoter's own place agrees with the recount.
    let (third, points) = want[2];
    let token = app
        .api
        .login(
            &format!(
                "gen-{}@promo.test",
                promoters.iter().position(|p| *p == third).expect("ours")
            ),
            crate::helpers::PASSWORD,
        )
        .await
        .expect("login")
        .access_token;
    let me = app.get_json("/v1/leaderboards/promoters/me", &token).await;
    assert_eq!(me["entry"]["rank"], 3);
    assert_eq!(me["entry"]["points"], points);
}

/// Forwards a local port to Redis until dropped (then Redis looks away to whoever used it).
struct RedisProxy {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl RedisProxy {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                links.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect("127.0.0.1:6379").await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                    let _ = inbound.shutdown().await;
                });
            }
        });
        Self { port, task }
    }
}

impl Drop for RedisProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn postgres_answers_with_the_same_numbers_while_redis_is_away() {
    let proxy = RedisProxy::start().await;
    let app = spawn_with(Options {
        env: vec![("REDIS_URL", format!("redis://127.0.0.1:{}", proxy.port))],
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let ann = app.promoter("away-ann").await;
    let bob = app.promoter("away-bob").await;
    adjust(&app, &admin, &ann, 30).await;
    adjust(&app, &admin, &bob, 40).await;
    let want = [(bob.id, 40), (ann.id, 30)];
    until_redis(&app, &ann.token, "/v1/leaderboards/promoters", &want).await;
    drop(proxy);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Points keep being earned; the board shows them, from Postgres.
    adjust(&app, &admin, &ann, 20).await;
    let page = app.get_json("/v1/leaderboards/promoters", &bob.token).await;
    assert_eq!(page["source"], "postgres");
    assert_eq!(places(&page), [(ann.id, 50), (bob.id, 40)]);
    let me = app
        .get_json("/v1/leaderboards/promoters/me", &bob.token)
        .await;
    assert_eq!(me["source"], "postgres");
    assert_eq!(me["entry"]["rank"], 2);
    // What has no Postgres copy says so: 503 with Retry-After, not a 500.
    let live = app
        .get("/v1/stats/live")
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("request");
    assert_eq!(live.status(), 503);
    assert_eq!(
        live.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert_eq!(
        places(&json!({"data": me["neighbours"]})),
        [(ann.id, 50), (bob.id, 40)]
    );
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_and_places_are_for_promoters() {
    let app = spawn_app().await;
    let adv = app.advertiser("lb-adv").await;
    let promoter = app.promoter("lb-p").await;
    for (path, status, field) in [
        ("/v1/leaderboards/promoters?period=year", 400, None),
        ("/v1/leaderboards/promoters?limit=0", 422, Some("limit")),
        ("/v1/leaderboards/promoters?limit=201", 422, Some("limit")),
        (
            "/v1/leaderboards/promoters?cursor=nonsense",
            422,
            Some("cursor"),
        ),
        (
            "/v1/leaderboards/promoters/me?around=11",
            422,
            Some("around"),
        ),
    ] {
        let resp = app
            .get(path)
            .bearer_auth(&promoter.token)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), status, "{path}");
        let body: Value = resp.json().await.expect("json");
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        }
    }
    let resp = app
        .get("/v1/leaderboards/everyone")
        .bearer_auth(&promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400, "an unknown board");
    // A cursor of another period is refused, not misread.
    let cursor =
        afftok_control_plane::kernel::cursor::encode(&json!({"at": 2, "period": "month:2001-01"}));
    let resp = app
        .get(&format!(
            "/v1/leaderboards/promoters?period=month&cursor={cursor}"
        ))
        .bearer_auth(&promoter.token)
        .send()
        .await
        .expect("request");
    let body = problem(resp, 422, "validation_failed").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("period")
    );
    // Everyone signed in sees the boards; only promoters have a place.
    app.get_json("/v1/leaderboards/teams", &adv.token).await;
    let resp = app
        .get("/v1/leaderboards/promoters/me")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = app
        .get("/v1/leaderboards/promoters")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rebuild_command_recounts_from_the_ledger() {
    let app = spawn_app().await;
    let ann = app.promoter("cli-ann").await;
    // Entries the boards know nothing of (restored from a backup, say).
    sqlx::query(
        "INSERT INTO points_ledger (promoter_id, points, cause, source_event, day)
         VALUES ($1, 33, 'unique_clicks', -1, CURRENT_DATE)",
    )
    .bind(ann.id)
    .execute(&app.db)
    .await
    .expect("entry");
    let page = app.get_json("/v1/leaderboards/promoters", &ann.token).await;
    assert!(places(&page).is_empty());
    let prefix = app.settings.redis_key_prefix.clone();
    let db_url = app.db_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_afftok"))
            .args(["programme", "rebuild"])
            .env("DATABASE_URL", db_url)
            .env("AFFTOK_REDIS_KEY_PREFIX", prefix)
            .env_remove("AFFTOK_CONFIG")
            .output()
            .expect("afftok runs")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("leaderboards rebuilt"), "{stdout}");
    until_redis(
        &app,
        &ann.token,
        "/v1/leaderboards/promoters",
        &[(ann.id, 33)],
    )
    .await;
    // Without Redis it says so, and exits non-zero.
    let db_url = app.db_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_afftok"))
            .args(["programme", "rebuild"])
            .env("DATABASE_URL", db_url)
            .env("REDIS_URL", "redis://127.0.0.1:1")
            .env_remove("AFFTOK_CONFIG")
            .output()
            .expect("afftok runs")
    })
    .await
    .expect("joined");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Redis"));
}
