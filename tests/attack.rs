//! The API under attack (README "Reliability"): schemathesis over the whole OpenAPI document,
//! signed in as each role in turn (a market made over the API first), with the checks
//! `not_a_server_error` and `response_schema_conformance`, every phase (examples, coverage,
//! fuzzing, and the stateful phase, which follows the document's links from each creation to
//! the created object's operations). Any 5xx or any answer its documented schema does not
//! allow fails the test, with schemathesis's report and a curl command to reproduce it.
//!
//! Needs schemathesis on `PYTHONPATH` (scripts/lib.sh `ensure_schemathesis`; scripts/test
//! installs it). `AFFTOK_ATTACK_EXAMPLES` sets the examples per operation (15 here;
//! `scripts/chaos` runs 100), `AFFTOK_ATTACK_SEED` the seed (42).

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
    }
    assert!(
        failed.is_empty(),
        "schemathesis found failures as {failed:?} (reports above; curl commands show the \
         token as [Filtered])"
    );
}
