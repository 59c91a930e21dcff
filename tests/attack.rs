//! The API under attack (README "Reliability"): schemathesis over the whole OpenAPI document,
//! signed in as each role in turn (a market made over the API first), with the checks
//! `not_a_server_error` and `response_schema_conformance`, every phase (examples, coverage,
//! fuzzing, and the stateful phase, which follows the document's links from each creation to
//! the created object's operations). Any 5xx or any answer its documented schema does not
//! allow fails the test, with schemathesis's report and a curl command to reproduce it. So
//! does an operation that refused every request its document allows (schemathesis's "Schema
//! validation mismatch" warning) unless `ALLOWED_MISMATCHES` names it with the reason the
//! document cannot say what the API takes.
//!
//! Needs schemathesis on `PYTHONPATH` (scripts/lib.sh `ensure_schemathesis`; scripts/test
//! installs it). `AFFTOK_ATTACK_EXAMPLES` sets the examples per operation (15 here;
//! `scripts/chaos` runs 100), `AFFTOK_ATTACK_SEED` the seed (42); `AFFTOK_ATTACK_REPORT_DIR`
//! keeps every request and answer there (schemathesis's VCR cassette and NDJSON events).

use std::process::Stdio;

use afftok_tests::platform::{ControlPlane, Run, market};

/// Signing out or changing the password would end the session the run signs with; the
/// ingest takes signed batches from the edges, not a user's token.
const EXCLUDED: &str = "^(/v1/auth/(logout|password/change)|/internal/)";

fn config(examples: u32) -> String {
    format!(
        "[cache]\nenabled = false\n\n[generation]\nmax-examples = {examples}\n\n\
         [phases.stateful]\nmax-steps = 10\n\n[phases.stateful.generation]\nmax-examples = {}\n",
        examples * 8
    )
}

/// Operations whose generated requests may all be refused with a 4xx other than 401, 403,
/// 404, 409 and 429 (schemathesis's "Schema validation mismatch" warning), by role (`*`: any),
/// with the reason the document cannot say what the API takes: a rule across fields or on
/// the caller's role, or a value only the API hands out. Their descriptions say it in words.
/// Any other operation that warns fails the test: its document allows what the API refuses.
const ALLOWED_MISMATCHES: &[(&str, &str, &str)] = &[
    (
        "*",
        "POST /v1/auth/email/verify",
        "the token is a single-use secret from an email",
    ),
    (
        "*",
        "POST /v1/auth/password/reset",
        "the token is a single-use secret from an email",
    ),
    (
        "*",
        "POST /v1/teams/join",
        "an invite code names a team that exists",
    ),
    (
        "*",
        "POST /v1/auth/register",
        "company_name is required with the role advertiser and refused with promoter",
    ),
    (
        "*",
        "GET /v1/contests/{id}/standings",
        "a cursor is one the API gave out (its example is valid, generated ones are not)",
    ),
    (
        "*",
        "GET /v1/admin/promoters/{id}/suspensions",
        "a cursor is one the API gave out; admins only",
    ),
    (
        "*",
        "GET /v1/admin/fraud/queue",
        "a cursor is one the API gave out; from is before to, at most 92 days apart (to \
         defaults to now)",
    ),
    (
        "*",
        "GET /v1/points/ledger",
        "a cursor is one the API gave out; promoter_id is required for admins, and \
         advertisers have no points",
    ),
    (
        "*",
        "GET /v1/fraud/offers/{id}/insight",
        "from is before to, at most 92 days apart, and to defaults to now",
    ),
    (
        "*",
        "GET /v1/fraud/promoters/{id}/insight",
        "from is before to, at most 92 days apart, and to defaults to now",
    ),
    (
        "*",
        "POST /v1/promoter-postbacks/{id}/redeliver",
        "to is after from",
    ),
    (
        "*",
        "POST /v1/webhooks/endpoints/{id}/redeliver",
        "to is after from",
    ),
    (
        "promoter",
        "GET /v1/stats/live",
        "offer_id is for advertisers and admins",
    ),
    (
        "promoter",
        "POST /v1/sandbox/click",
        "a promoter names no promoter_id but its own",
    ),
    (
        "*",
        "POST /v1/assistant/chat",
        "the last message is the user's",
    ),
    (
        "*",
        "POST /v1/contests",
        "ends_at after starts_at by at most 366 days; currency with (only) the payout metric; \
         an advertiser names its own offers; one prize per rank",
    ),
    (
        "advertiser",
        "POST /v1/offers",
        "payout_amount with (only) cpa and cpl, payout_percent with (only) cps and revshare",
    ),
    (
        "*",
        "PATCH /v1/offers/{id}",
        "payout_amount with (only) cpa and cpl, payout_percent with (only) cps and revshare, \
         against the payout model the offer has (seen at 100 examples an operation)",
    ),
];

/// `--report` options keeping schemathesis's VCR cassette and NDJSON events (every request
/// and answer) under `AFFTOK_ATTACK_REPORT_DIR`, to see why an operation warns.
fn report_args() -> Vec<String> {
    match std::env::var("AFFTOK_ATTACK_REPORT_DIR") {
        Ok(dir) => vec![
            "--report".to_owned(),
            "vcr,ndjson".to_owned(),
            "--report-dir".to_owned(),
            format!("{dir}/{}", uuid::Uuid::new_v4()),
        ],
        Err(_) => Vec::new(),
    }
}

/// The operations listed under the report's "Schema validation mismatch" warning.
fn mismatches(report: &str) -> Vec<String> {
    let mut lines = report
        .lines()
        .skip_while(|l| !l.starts_with("Schema validation mismatch:"));
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let ops: Vec<String> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with("  - "))
        .map(|l| l.trim_start_matches("  - ").trim().to_owned())
        .collect();
    // "Schema validation mismatch: 21 operations mostly rejected ...": the list is whole.
    let count: Option<usize> = header
        .split_whitespace()
        .nth(3)
        .and_then(|n| n.parse().ok());
    assert_eq!(
        count,
        Some(ops.len()),
        "the warning's list could not be read:\n{header}\n{ops:?}"
    );
    ops
}

/// Runs schemathesis as `token`'s holder; its exit status and its report.
async fn schemathesis(base: &str, token: &str, examples: u32, seed: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("afftok-attack-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    std::fs::write(dir.join("st.toml"), config(examples))
        .unwrap_or_else(|e| panic!("st.toml: {e}"));
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg("import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())")
        .args(["--config-file", "st.toml", "run"])
        .arg(format!("{base}/openapi.json"))
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-c", "not_a_server_error,response_schema_conformance"])
        .args(["--exclude-path-regex", EXCLUDED])
        .args([
            "--seed",
            seed,
            "--generation-database",
            "none",
            "-w",
            "1",
            "--no-color",
        ])
        .args(report_args())
        // Its own working directory: it keeps a .hypothesis folder there.
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| panic!("python3: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !report.contains("No module named"),
        "schemathesis is not installed: scripts/test installs it (scripts/lib.sh \
         ensure_schemathesis), or put it on PYTHONPATH\n{report}"
    );
    (output.status.success(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schemathesis_finds_no_server_error_and_no_answer_off_its_schema_for_any_role() {
    let examples: u32 = std::env::var("AFFTOK_ATTACK_EXAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let seed = std::env::var("AFFTOK_ATTACK_SEED").unwrap_or_else(|_| "42".to_owned());
    let run = Run::new();
    let cp = ControlPlane::start(
        &run,
        &[
            // Thousands of calls a minute from one address and one session each.
            ("AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE", "100000".to_owned()),
            ("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", "100000".to_owned()),
            ("AFFTOK_RATE_LIMIT_API_KEY_PER_MINUTE", "100000".to_owned()),
            ("AFFTOK_ACCESS_TOKEN_TTL_SECS", "3600".to_owned()),
        ],
    )
    .await;
    let m = market(&cp).await;
    let mut failed = Vec::new();
    let mut mismatched = Vec::new();
    // The admin last: its suspensions and rejections would change what the others meet.
    for (role, token) in [
        ("promoter", &m.promoter),
        ("advertiser", &m.adv),
        ("admin", &m.admin),
    ] {
        let (passed, report) = schemathesis(&cp.base, token, examples, &seed).await;
        println!("=== schemathesis as the {role}\n{report}");
        if !passed {
            failed.push(role);
        }
        for op in mismatches(&report) {
            if !ALLOWED_MISMATCHES
                .iter()
                .any(|(r, o, _)| (*r == "*" || *r == role) && *o == op)
            {
                mismatched.push(format!("{role}: {op}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "schemathesis found failures as {failed:?} (reports above; curl commands show the \
         token as [Filtered])"
    );
    assert!(
        mismatched.is_empty(),
        "the API refused every request its document allows (schemathesis's \"Schema \
         validation mismatch\") for these operations; make the document say what the API \
         takes (AFFTOK_ATTACK_REPORT_DIR keeps the requests and answers), or list them in \
         ALLOWED_MISMATCHES with the reason it cannot:\n  {}",
        mismatched.join("\n  ")
    );
}
