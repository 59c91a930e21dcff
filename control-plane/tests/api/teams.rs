//! Teams (DESIGN §13): create with a unique name, join by code, one team at a time, the size
//! limit, the owner's rules (remove, hand over, rotate the code, disband), team points
//! across joins and leaves, and who sees what.

use serde_json::{Value, json};

use crate::helpers::{Account, Options, TestApp, fields, problem, spawn_with};

async fn create(app: &TestApp, who: &Account, name: &str) -> reqwest::Response {
    app.post("/v1/teams")
        .bearer_auth(&who.token)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("request")
}

async fn join(app: &TestApp, who: &Account, code: &str) -> reqwest::Response {
    app.post("/v1/teams/join")
        .bearer_auth(&who.token)
        .json(&json!({"invite_code": code}))
        .send()
        .await
        .expect("request")
}

async fn adjust(app: &TestApp, admin: &Account, promoter: &Account, points: i64) {
    let resp = app
        .post(&format!("/v1/admin/promoters/{}/points", promoter.id))
        .bearer_auth(&admin.token)
        .json(&json!({"points": points, "reason": "test"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
}

async fn post(app: &TestApp, who: &Account, path: &str) -> reqwest::Response {
    app.post(path)
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn teams_from_creation_to_disbanding() {
    let app = spawn_with(Options {
        env: vec![("AFFTOK_TEAM_MAX_MEMBERS", "3".to_owned())],
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let ann = app.promoter("ann").await;
    let bob = app.promoter("bob").await;
    let cat = app.promoter("cat").await;
    let dan = app.promoter("dan").await;
    let adv = app.advertiser("acme").await;

    // Points before joining never count for the team.
    adjust(&app, &admin, &bob, 7).await;

    let resp = create(&app, &ann, "  The   Closers ").await;
    assert_eq!(resp.status(), 201);
    let team: Value = resp.json().await.expect("json");
    assert_eq!(team["name"], "The Closers");
    assert_eq!(team["owner_id"], ann.id);
    assert_eq!(team["member_count"], 1);
    let id = team["id"].as_i64().expect("id");
    let code = team["invite_code"].as_str().expect("code").to_owned();

    // Names are unique whatever the case; bad names and roles are refused.
    problem(
        create(&app, &bob, "the closers").await,
        409,
        "team_name_taken",
    )
    .await;
    let p = problem(create(&app, &bob, "x").await, 422, "validation_failed").await;
    assert_eq!(fields(&p), vec!["name"]);
    problem(create(&app, &adv, "Acme team").await, 403, "forbidden").await;
    problem(
        create(&app, &ann, "Second team").await,
        409,
        "already_in_team",
    )
    .await;

    // Join by code (as typed: lower case, dashes); one team at a time; the size limit.
    let typed = format!("{}-{}", code[..5].to_lowercase(), &code[5..]);
    assert_eq!(join(&app, &bob, &typed).await.status(), 200);
    assert_eq!(join(&app, &cat, &code).await.status(), 200);
    problem(join(&app, &dan, &code).await, 409, "team_full").await;
    problem(join(&app, &bob, &code).await, 409, "already_in_team").await;
    let p = problem(
        join(&app, &dan, "NOPE234567").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["invite_code"]);

    // Team points: what members earn while members.
    adjust(&app, &admin, &ann, 10).await;
    adjust(&app, &admin, &bob, 20).await;
    adjust(&app, &admin, &cat, 30).await;
    let mine = app.get_json("/v1/teams/mine", &bob.token).await;
    assert_eq!(mine["points"], 60, "{mine}");
    let members: Vec<(i64, i64)> = mine["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["promoter_id"].as_i64().unwrap_or(0),
                m["points"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(members, vec![(ann.id, 10), (bob.id, 20), (cat.id, 30)]);

    // Others see the name and points, not the members or the code.
    let seen = app.get_json(&format!("/v1/teams/{id}"), &dan.token).await;
    assert_eq!(seen["points"], 60);
    assert_eq!(seen["member_count"], 3);
    assert_eq!(seen["invite_code"], Value::Null);
    assert_eq!(seen["members"], json!([]));
    let resp = app
        .get("/v1/teams/mine")
        .bearer_auth(&dan.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;

    // Only the owner manages; the owner cannot just leave a team with members.
    problem(
        post(&app, &bob, "/v1/teams/mine/invite-code/rotate").await,
        403,
        "forbidden",
    )
    .await;
    let resp = app
        .delete(&format!("/v1/teams/mine/members/{}", cat.id))
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    problem(
        post(&app, &ann, "/v1/teams/mine/leave").await,
        409,
        "owner_must_hand_over",
    )
    .await;

    // Cat is removed: the points cat earned while a member stay the team's, later ones not.
    let resp = app
        .delete(&format!("/v1/teams/mine/members/{}", cat.id))
        .bearer_auth(&ann.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    adjust(&app, &admin, &cat, 100).await;
    let mine = app.get_json("/v1/teams/mine", &ann.token).await;
    assert_eq!(mine["points"], 60);
    assert_eq!(mine["member_count"], 2);

    // A new code: the old one stops working; dan joins with the new one.
    let rotated = post(&app, &ann, "/v1/teams/mine/invite-code/rotate").await;
    let rotated: Value = rotated.json().await.expect("json");
    let new_code = rotated["invite_code"].as_str().expect("code").to_owned();
    assert_ne!(new_code, code);
    problem(join(&app, &dan, &code).await, 422, "validation_failed").await;
    assert_eq!(join(&app, &dan, &new_code).await.status(), 200);

    // Hand over to bob; ann may leave then; bob leaves and comes back: points of the gap
    // are not the team's.
    let resp = app
        .post("/v1/teams/mine/owner")
        .bearer_auth(&ann.token)
        .json(&json!({"promoter_id": dan.id + 1000}))
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = app
        .post("/v1/teams/mine/owner")
        .bearer_auth(&ann.token)
        .json(&json!({"promoter_id": bob.id}))
        .send()
        .await
        .expect("request");
    let handed: Value = resp.json().await.expect("json");
    assert_eq!(handed["owner_id"], bob.id);
    assert_eq!(post(&app, &ann, "/v1/teams/mine/leave").await.status(), 204);
    adjust(&app, &admin, &ann, 1000).await;
    let mine = app.get_json("/v1/teams/mine", &bob.token).await;
    assert_eq!(
        mine["points"], 60,
        "ann's points after leaving are not the team's"
    );

    // The admin sees everything; an advertiser sees a team without its members.
    let by_admin = app.get_json(&format!("/v1/teams/{id}"), &admin.token).await;
    assert_eq!(by_admin["member_count"], 2);
    assert!(by_admin["invite_code"].is_string());
    let by_adv = app.get_json(&format!("/v1/teams/{id}"), &adv.token).await;
    assert_eq!(by_adv["members"], json!([]));

    // Disbanding ends every membership and frees the name.
    let resp = app
        .delete("/v1/teams/mine")
        .bearer_auth(&dan.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = app
        .delete("/v1/teams/mine")
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    let resp = app
        .get(&format!("/v1/teams/{id}"))
        .bearer_auth(&dan.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    assert_eq!(create(&app, &dan, "THE CLOSERS").await.status(), 201);
    problem(
        post(&app, &ann, "/v1/teams/mine/leave").await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn concurrent_joins_never_pass_the_size_limit() {
    let app = spawn_with(Options {
        env: vec![("AFFTOK_TEAM_MAX_MEMBERS", "3".to_owned())],
        ..Options::default()
    })
    .await;
    let owner = app.promoter("owner").await;
    let resp = create(&app, &owner, "Racers").await;
    let team: Value = resp.json().await.expect("json");
    let code = team["invite_code"].as_str().expect("code").to_owned();
    let mut joiners = Vec::new();
    for n in 0..8 {
        joiners.push(app.promoter(&format!("racer{n}")).await);
    }
    let statuses = futures_join_all(&app, &joiners, &code).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        6,
        "{statuses:?}"
    );
    let mine = app.get_json("/v1/teams/mine", &owner.token).await;
    assert_eq!(mine["member_count"], 3);
}

/// Every joiner asks at once; their statuses.
async fn futures_join_all(app: &TestApp, joiners: &[Account], code: &str) -> Vec<u16> {
    let mut tasks = tokio::task::JoinSet::new();
    for j in joiners {
        let (req, token) = (app.post("/v1/teams/join"), j.token.clone());
        let code = code.to_owned();
        tasks.spawn(async move {
            req.bearer_auth(token)
                .json(&json!({"invite_code": code}))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        });
    }
    let mut out = Vec::new();
    while let Some(s) = tasks.join_next().await {
        out.push(s.expect("task"));
    }
    out
}
