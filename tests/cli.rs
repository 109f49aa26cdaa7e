//! The `onboard` command end to end: the main job, a run on a named scenario and
//! on a file, and one clear line with exit code 2 for every kind of bad input.

mod common;

use common::{onboard, stderr};
use std::path::Path;

/// Reads a metrics CSV: header and rows.
fn read_metrics(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut reader = csv::Reader::from_path(path).expect("metrics.csv exists");
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.expect("row")
                .iter()
                .map(|x| x.parse().expect("number"))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Every one of `needles` occurs in `text` (read from `what`).
fn assert_contains_all(text: &str, needles: &[impl AsRef<str>], what: &str) {
    for needle in needles {
        let needle = needle.as_ref();
        assert!(text.contains(needle), "{needle} missing from {what}");
    }
}

#[test]
fn demo_trains_runs_the_ab_test_and_writes_the_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("demo");
    let output = onboard(&[
        "demo",
        "--users",
        "2000",
        "--dqn-cohorts",
        "3",
        "--bandit-cohorts",
        "2",
        "--training-users",
        "300",
        "--eval-users",
        "500",
        "--replicates",
        "4",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let arms = [
        "nothing",
        "best-constant",
        "tour-recs-email",
        "segment-rules",
        "linucb",
        "dqn",
    ];
    assert_contains_all(&stdout, &arms, "the demo's output");
    let report = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(report.contains("Lift against best-constant"));
    // DQN's levers by age: all users, then one panel per segment signal.
    let mix = std::fs::read_to_string(out.join("actions-dqn.svg")).expect("actions-dqn.svg");
    let panels = [
        "all users",
        "first-session signal: browser",
        "first-session signal: bargain_hunter",
        "first-session signal: high_intent",
        "first-session signal: gift_buyer",
    ];
    assert_contains_all(&mix, &panels, "actions-dqn.svg");
    // The learning curves show both evaluation cohorts of each learner.
    let learning = std::fs::read_to_string(out.join("learning.svg")).expect("learning.svg");
    let series = [
        "DQN, validation",
        "DQN, test",
        "LinUCB, validation",
        "LinUCB, test",
    ];
    assert_contains_all(&learning, &series, "learning.svg");
    for file in [
        "learning.svg",
        "survival.png",
        "actions-dqn.svg",
        "dqn.ot",
        "summary.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let (header, rows) = read_metrics(&out.join("metrics-dqn.csv"));
    assert_eq!(rows.len(), 31, "one row per age of the default horizon");
    // Latent survival falls with each churn and rises only by the day's win-backs.
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (survival, won_back) = (column("survival"), column("won_back"));
    for pair in rows.windows(2) {
        assert!(
            pair[1][survival] <= pair[0][survival] + pair[1][won_back] + 1e-12,
            "survival rises only by win-backs: {pair:?}"
        );
    }
    assert!(header.iter().any(|h| h == "lapsed"));
    // The trained DQN is a policy the other commands accept.
    let checkpoint = out.join("dqn.ot");
    let output = onboard(&[
        "run",
        "default",
        "--users",
        "500",
        "--policy",
        checkpoint.to_str().expect("utf-8"),
        "--out",
        dir.path().join("run").to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = std::fs::read_to_string(dir.path().join("run/report.html")).expect("report");
    assert!(
        report.contains("default under dqn"),
        "the run's report names its policy"
    );
    assert_eq!(
        report.matches("<svg").count(),
        5,
        "four cohort plots and the action mix"
    );
}

#[test]
fn train_writes_the_learning_curve_and_evaluation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("train");
    let agent = format!("{}/agents/configs/linucb.ron", env!("CARGO_MANIFEST_DIR"));
    let output = onboard(&[
        "train",
        "tiny",
        "--agent",
        &agent,
        "--cohorts",
        "4",
        "--users",
        "300",
        "--eval-users",
        "1000",
        "--eval-every",
        "2",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("chosen snapshot: cohort ") && stdout.contains("test users"),
        "{stdout}"
    );
    let curve = csv::Reader::from_path(out.join("learning_curve.csv"))
        .expect("learning_curve.csv")
        .records()
        .count();
    assert_eq!(curve, 4, "one row per training cohort");
    let (_, rows) = read_metrics(&out.join("evaluation.csv"));
    assert_eq!(rows.len(), 8, "one row per age of tiny");
    assert!(out.join("learning_curve.svg").exists());
    let report = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(report.contains("Training linucb on tiny") && report.contains("<svg"));
    // The saved learner is a policy, frozen.
    let state = out.join("checkpoint.agent.ron");
    let output = onboard(&[
        "run",
        "tiny",
        "--users",
        "200",
        "--policy",
        state.to_str().expect("utf-8"),
        "--out",
        dir.path().join("run").to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("policy linucb"), "{stdout}");
    let output = onboard(&["run", "default", "--policy", state.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("scenario 'default' has 27 actions each user-day"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn ab_runs_an_experiment_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("experiment.ron");
    std::fs::write(
        &file,
        r#"Experiment(name: "t", scenario: "tiny", users: 1000, assignment: Split, replicates: 3,
            arms: [(name: "a", policy: "nothing"), (name: "b", policy: "coupon")])"#,
    )
    .expect("write");
    let out = dir.path().join("ab");
    let output = onboard(&[
        "ab",
        file.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("profit lift vs control"));
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("summary.json")).expect("summary.json"),
    )
    .expect("JSON");
    assert_eq!(summary["assignment"], "Split");
    assert!(out.join("report.html").exists());
}

#[test]
fn run_accepts_a_name_or_a_file_and_the_same_seed_gives_the_same_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR"));
    let mut written = Vec::new();
    for (i, scenario) in ["tiny", file.as_str()].into_iter().enumerate() {
        let out = dir.path().join(format!("run{i}"));
        let args = [
            "run",
            scenario,
            "--policy",
            "coupon",
            "--users",
            "2000",
            "--out",
            out.to_str().expect("utf-8"),
        ];
        let output = onboard(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        written.push(std::fs::read_to_string(out.join("metrics.csv")).expect("written"));
    }
    assert_eq!(written[0], written[1]);
    let rules = format!(
        "{}/agents/configs/welcome-then-email.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let scheduled = dir.path().join("rules");
    let output = onboard(&[
        "run",
        "default",
        "--policy",
        &rules,
        "--users",
        "2000",
        "--out",
        scheduled.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("policy welcome-then-email"));
    let launch = dir.path().join("launch");
    let output = onboard(&[
        "run",
        "tiny",
        "--launch",
        "5",
        "--out",
        launch.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn bad_input_gives_one_clear_line_and_exit_code_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.ron");
    std::fs::write(&broken, "Scenario(\n  name: \"x\",\n  seed: oops,\n)").expect("write");
    let invalid = dir.path().join("invalid.ron");
    let text =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("tiny")
            .replacen("horizon: 8,", "horizon: 0,", 1);
    std::fs::write(&invalid, text).expect("write");
    let one_arm = dir.path().join("one-arm.ron");
    std::fs::write(
        &one_arm,
        r#"Experiment(name: "t", scenario: "tiny", users: 10, arms: [(name: "a", policy: "nothing")])"#,
    )
    .expect("write");
    let bad_arm = dir.path().join("bad-arm.ron");
    std::fs::write(
        &bad_arm,
        r#"Experiment(name: "t", scenario: "tiny", users: 100,
            arms: [(name: "a", policy: "nothing"), (name: "b", policy: "fax")])"#,
    )
    .expect("write");
    let few_users = dir.path().join("few-users.ron");
    std::fs::write(
        &few_users,
        r#"Experiment(name: "t", scenario: "tiny", users: 10,
            arms: [(name: "a", policy: "nothing"), (name: "b", policy: "coupon")])"#,
    )
    .expect("write");
    let bad_agent = dir.path().join("agent.ron");
    std::fs::write(&bad_agent, "LinUcb(alpha: -1.0, regularization: 1.0)").expect("write");
    let broken = broken.to_str().expect("utf-8");
    let invalid = invalid.to_str().expect("utf-8");
    let one_arm = one_arm.to_str().expect("utf-8");
    let bad_arm = bad_arm.to_str().expect("utf-8");
    let few_users = few_users.to_str().expect("utf-8");
    let bad_agent = bad_agent.to_str().expect("utf-8");
    let journeys_agent = format!(
        "{}/agents/configs/journey-thompson.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let demo_out = dir.path().join("demo");
    let demo_out = demo_out.to_str().expect("utf-8");
    let cases: [(&[&str], &str); 16] = [
        // Refused before any training (else after a minute of it).
        (
            &["demo", "--users", "5", "--out", demo_out],
            "users: must lie in [30",
        ),
        (&["run", "defualt"], "error: unknown scenario 'defualt'"),
        (
            &["run", "nowhere/missing.ron"],
            "error: nowhere/missing.ron: cannot read",
        ),
        (&["run", broken], ":3:"),
        (&["run", invalid], "horizon: must lie in [1, 366]"),
        (
            &["run", "tiny", "--policy", "bogus"],
            "error: unknown policy 'bogus'",
        ),
        (
            &["run", "tiny", "--users", "5", "--launch", "3"],
            "cannot be used with",
        ),
        (
            &["run", "tiny", "--policy", "nowhere/dqn.ot"],
            "error: nowhere/dqn.ot: no such file",
        ),
        (&["run", "tiny", "--policy", broken], "error: "),
        (
            &["ab", "nowhere/experiment.ron"],
            "nowhere/experiment.ron: cannot read",
        ),
        (
            &["ab", one_arm],
            "arms: an experiment needs at least two arms",
        ),
        (&["ab", bad_arm], "unknown policy 'fax'"),
        (&["ab", few_users], "users: must lie in [30, 10000000]"),
        (
            &["train", "tiny", "--agent", bad_agent],
            "agent.ron: alpha: must be",
        ),
        (
            &["train", "tiny", "--agent", "nowhere/agent.ron"],
            "nowhere/agent.ron: cannot be read",
        ),
        (
            &["train", "tiny", "--agent", &journeys_agent, "--at-signup"],
            "has no journey templates",
        ),
    ];
    for (args, expected) in cases {
        let output = onboard(args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
    }
    assert!(
        !Path::new(demo_out).exists(),
        "a refused demo writes nothing"
    );
}

/// `onboard … | head` ends quietly when the reader goes: the program is ended by
/// SIGPIPE, as other Unix tools are, and does not panic on its next print. The
/// reader closes before the program has loaded, so its first print meets a
/// closed pipe.
#[test]
fn a_closed_pipe_ends_the_program_without_a_panic() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("scenarios")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("it ends");
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}
