//! `onboard ope` checks its estimators on the log's twin: it recommends only what
//! the twin shows near the truth with intervals that cover, says plainly when the
//! log cannot answer, and recommends nothing when no twin could be simulated.

mod common;

use common::{onboard, stderr};
use std::collections::HashMap;
use std::path::Path;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const RULE: &str = "agents/configs/tour-recs-email.ron";

/// Twin logs in these tests: a correct 95 % interval covers at least
/// 0.95 − 3·√(0.95·0.05/20) = 80.4 % of them.
const TWIN_REPS: &str = "20";
const LEAST_COVERAGE: f64 = 0.804;

/// Writes a log of `users` users of `default` under the tour-recs-email rule with
/// ε = 0.3 (and its provenance beside it) into `dir`.
fn rule_log(dir: &Path, users: &str) -> String {
    let log = dir.join("logs.csv").to_str().expect("utf-8").to_string();
    let output = onboard(&[
        "log",
        "default",
        "--policy",
        RULE,
        "--epsilon",
        "0.3",
        "--users",
        users,
        "--out",
        &log,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    log
}

/// Runs `ope` on `log` for the target `recs` with a small twin, into `dir/out`.
fn ope(log: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "ope",
        log,
        "--target",
        "recs",
        "--bootstrap",
        "0",
        "--twin-reps",
        TWIN_REPS,
        "--twin-truth-users",
        "20000",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    onboard(&args)
}

/// `ope.csv` as one map of column to value per row.
fn table(folder: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(folder.join("ope.csv")).expect("ope.csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.expect("record").iter().map(String::from))
                .collect()
        })
        .collect()
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column}: {row:?}"))
}

/// A month of `recs` from a log of the tour-recs-email rule with ε = 0.3: on its
/// twin the best per-trajectory estimator is 4.0 to 4.7 floors off (log and twin
/// seeds 1 to 5 and the scenario's, 500 users, 20 twin logs), twice the tolerance,
/// so the month is abstained on (every row 0, the sentence says so); and every
/// estimator recommended meets every rule of the verdict on its twin numbers.
/// Whether any per-decision estimator is recommended varies by seed (none on seed
/// 5, where the best covered just under 80 %), so that is not asserted.
#[test]
fn the_month_is_abstained_on_where_the_twin_shows_every_estimator_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = rule_log(dir.path(), "500");
    let out = dir.path().join("ope");
    let output = ope(&log, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("verdict: return per user (the whole window): this log cannot answer it"),
        "{text}"
    );
    assert!(text.contains("verdict: reward per decision: "), "{text}");
    let rows = table(&out);
    let best = |family: &str| {
        rows.iter()
            .filter(|r| r["family"] == family)
            .map(|r| number(r, "twin_rmse"))
            .fold(f64::INFINITY, f64::min)
    };
    for row in &rows {
        assert!(number(row, "twin_rmse").is_finite(), "{row:?}");
        let change = number(row, "estimate") - number(row, "logged_value");
        assert!((number(row, "change") - change).abs() < 1e-9, "{row:?}");
        if row["recommended"] == "1" {
            assert_eq!(row["family"], "per-decision", "{row:?}");
            assert!(number(row, "twin_floors") <= 2.0, "{row:?}");
            assert!(number(row, "twin_coverage") >= LEAST_COVERAGE, "{row:?}");
            assert!(
                number(row, "twin_rmse") <= 2.0 * best(&row["family"]),
                "{row:?}"
            );
        } else {
            assert_eq!(row["recommended"], "0", "{row:?}");
        }
    }
    let report = std::fs::read_to_string(out.join("report.html")).expect("report");
    assert!(report.contains("this log cannot answer it"));
}

/// The twin is simulated from seeds alone: the same command gives the same
/// verdicts and numbers on 1 thread and on 2.
#[test]
fn the_twin_is_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = rule_log(dir.path(), "200");
    let run = |threads: &str, out: &str| {
        let out = dir.path().join(out);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_onboard"))
            .env("RAYON_NUM_THREADS", threads)
            .args(["ope", &log, "--target", "recs", "--bootstrap", "50"])
            .args(["--twin-reps", "6", "--twin-truth-users", "2000", "--quiet"])
            .arg("--out")
            .arg(&out)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", stderr(&output));
        std::fs::read(out.join("ope.csv")).expect("ope.csv")
    };
    assert_eq!(run("1", "one"), run("2", "two"));
}

/// Without a known behaviour there is no twin, and then nothing is recommended
/// and the output says why; `--behaviour` brings the twin back, and a record
/// beside the log of another size is not taken for this log's.
#[test]
fn without_a_twin_nothing_is_recommended_and_the_reason_is_given() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = rule_log(dir.path(), "100");
    let record = format!("{log}.onboard.json");
    let saved = std::fs::read_to_string(&record).expect("the log's record");
    assert!(saved.contains("tour-recs-email.ron"), "{saved}");

    std::fs::remove_file(&record).expect("remove");
    let out = dir.path().join("none");
    let output = ope(&log, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(
            "no estimator is recommended: no twin of the log was simulated (the behaviour \
             that wrote the log is unknown"
        ),
        "{}",
        stdout(&output)
    );
    assert!(table(&out).iter().all(|r| r["recommended"] == "0"));

    let out = dir.path().join("given");
    let output = ope(&log, &out, &["--behaviour", RULE, "--epsilon", "0.3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(table(&out).iter().all(|r| !r["twin_rmse"].is_empty()));

    std::fs::write(&record, saved.replace("\"users\": 100", "\"users\": 99")).expect("write");
    let out = dir.path().join("other");
    let output = ope(&log, &out, &[]);
    assert!(
        stdout(&output).contains("records a log of 99 users and this log has 100"),
        "{}",
        stdout(&output)
    );

    let out = dir.path().join("off");
    let output = ope(&log, &out, &["--no-twin", "--behaviour", RULE]);
    assert!(stdout(&output).contains("(--no-twin was given)"));
}

#[test]
fn bad_twin_options_and_records_are_refused_saying_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = rule_log(dir.path(), "20");
    for (extra, expected) in [
        (
            vec!["--twin-reps", "1"],
            "--twin-reps: the twin needs at least 2",
        ),
        (vec!["--twin-tolerance", "0.5"], "--twin-tolerance"),
        (vec!["--twin-tolerance", "NaN"], "--twin-tolerance"),
        (
            vec!["--twin-reps", "10000000", "--twin-truth-users", "2"],
            "user-days",
        ),
        (
            vec!["--behaviour", RULE, "--epsilon", "2"],
            "--epsilon: the share of uniform exploration must lie in [0, 1], got 2",
        ),
    ] {
        let out = dir.path().join("refused");
        let mut args = vec!["ope", &log, "--target", "recs", "--out"];
        args.push(out.to_str().expect("utf-8"));
        args.extend_from_slice(&extra);
        let output = onboard(&args);
        assert!(!output.status.success(), "{extra:?}");
        assert!(
            stderr(&output).contains(expected),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists(), "{extra:?}: a refused run left a folder");
    }
    let output = onboard(&["ope", &log, "--target", "recs", "--epsilon", "0.1"]);
    assert!(
        stderr(&output).contains("--behaviour"),
        "{}",
        stderr(&output)
    );
    std::fs::write(format!("{log}.onboard.json"), "{not json").expect("write");
    let output = ope(&log, &dir.path().join("corrupt"), &[]);
    assert!(
        stderr(&output).contains("logs.csv.onboard.json: not the record of a log onboard wrote"),
        "{}",
        stderr(&output)
    );
}
