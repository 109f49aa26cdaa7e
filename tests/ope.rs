//! `onboard log`, `onboard ope` and `onboard ope-bench` end to end: the files they
//! write, what they print, and their errors on bad input.

mod common;

use common::{onboard, stderr};
use std::path::Path;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    reader.records().map(|r| r.expect("record")).collect()
}

const RULE: &str = "agents/configs/tour-recs-email.ron";

#[test]
fn a_log_of_a_behaviour_evaluates_a_target_with_every_estimator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("logs.csv");
    let log_arg = log.to_str().expect("utf-8");
    let output = onboard(&[
        "log",
        "default",
        "--policy",
        RULE,
        "--epsilon",
        "0.3",
        "--users",
        "300",
        "--out",
        log_arg,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("9300 decisions written"),
        "{}",
        stdout(&output)
    );
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
    let rows = csv_rows(&log);
    assert_eq!(rows.len(), 300 * 31);
    assert!(!dir.path().join(".partial-logs.csv").exists());

    let out = dir.path().join("ope");
    let output = onboard(&[
        "ope",
        log_arg,
        "--target",
        "recs",
        "--bootstrap",
        "50",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for name in [
        "dm",
        "ips",
        "snips",
        "dr",
        "sndr",
        "switch-dr",
        "dr-os",
        "sg-ips",
        "sg-dr",
        "clipped-ips",
        "pdis",
        "wpdis",
        "seq-dr",
        "wdr",
        "fqe",
        "trajectory-is",
    ] {
        assert!(
            text.contains(&format!("  {name}")),
            "{name} missing from\n{text}"
        );
    }
    assert!(text.contains("effective sample size"), "{text}");
    let table = csv_rows(&out.join("ope.csv"));
    assert_eq!(table.len(), 16);
    for row in &table {
        for field in row.iter().skip(2) {
            assert!(
                field.is_empty() || field.parse::<f64>().is_ok_and(f64::is_finite),
                "{row:?}"
            );
        }
        let (estimate, low, high): (f64, f64, f64) = (
            row[2].parse().expect("estimate"),
            row[3].parse().expect("low"),
            row[4].parse().expect("high"),
        );
        assert!(low <= estimate && estimate <= high, "{row:?}");
    }
    for file in [
        "report.html",
        "forest-per-decision.svg",
        "forest-per-trajectory.svg",
        "forest-per-decision.png",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
}

#[test]
fn a_deterministic_behaviour_is_warned_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("recs.csv");
    let output = onboard(&[
        "log",
        "default",
        "--policy",
        "recs",
        "--users",
        "20",
        "--out",
        log.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("probability 1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_log_from_outside_onboard_is_evaluated_by_its_pi_e_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("bandit.csv");
    std::fs::write(
        &log,
        "item,pscore,click,pi_e\na,0.5,1,0.9\nb,0.5,0,0.1\na,0.5,0,0.9\nb,0.5,1,0.1\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let output = onboard(&[
        "ope",
        log.to_str().expect("utf-8"),
        "--columns",
        "action=item,propensity=pscore,reward=click",
        "--estimators",
        "ips,snips",
        "--bootstrap",
        "0",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = csv_rows(&out.join("ope.csv"));
    let ips: f64 = table[0][2].parse().expect("ips");
    // IPS: mean of (0.9/0.5)·1, 0, 0, (0.1/0.5)·1 = (1.8 + 0.2) / 4.
    assert!((ips - 0.5).abs() < 1e-12, "{ips}");
    assert!(
        stdout(&output).contains("only 4 units"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn bad_input_is_refused_with_the_file_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "action,propensity,reward,pi_e\na,0.5,NaN,0.9\n").expect("write");
    let output = onboard(&[
        "ope",
        bad.to_str().expect("utf-8"),
        "--out",
        dir.path().join("o").to_str().expect("utf-8"),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("bad.csv: line 2, column 'reward': NaN is not a finite number"),
        "{}",
        stderr(&output)
    );
    let no_target = dir.path().join("no-target.csv");
    std::fs::write(&no_target, "action,propensity,reward\na,0.5,1\n").expect("write");
    let output = onboard(&[
        "ope",
        no_target.to_str().expect("utf-8"),
        "--out",
        dir.path().join("p").to_str().expect("utf-8"),
    ]);
    assert!(
        stderr(&output).contains("no --target was given and the log has no pi_e column"),
        "{}",
        stderr(&output)
    );
    for (args, expected) in [
        (
            vec!["log", "default", "--epsilon", "1.5", "--out", "x.csv"],
            "--epsilon",
        ),
        (
            vec!["log", "default", "--users", "0", "--out", "x.csv"],
            "at least 1 user",
        ),
        (
            vec![
                "ope-bench",
                "default",
                "--behaviour",
                "random",
                "--target",
                "recs",
                "--reps",
                "1",
            ],
            "--reps",
        ),
    ] {
        let output = onboard(&args);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn ope_bench_reports_every_estimator_against_the_truth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("bench");
    let output = onboard(&[
        "ope-bench",
        "tiny",
        "--behaviour",
        "random",
        "--epsilon",
        "0",
        "--target",
        "push",
        "--reps",
        "4",
        "--users",
        "200",
        "--truth-users",
        "2000",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("truth"), "{text}");
    let table = csv_rows(&out.join("ope-bench.csv"));
    assert_eq!(table.len(), 16);
    for row in &table {
        for field in row.iter().skip(2).filter(|f| !f.is_empty()) {
            assert!(field.parse::<f64>().is_ok_and(f64::is_finite), "{row:?}");
        }
    }
    assert!(out.join("report.html").exists());
    assert!(out.join("ope-bench-per-trajectory.svg").exists());
}

/// Every column the reader ignores is named in a warning, a `position` column
/// (OBP's one row per slot) with what that means, while the columns onboard writes
/// for people (`signup_day`, `prob:…`) and those it reads are not.
#[test]
fn columns_nothing_reads_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("slots.csv");
    std::fs::write(
        &log,
        "item,position,pscore,click,pi_e,campaign,signup_day,prob:a\n\
         a,0,0.5,1,0.9,x,0,0.5\nb,1,0.5,0,0.1,x,0,0.5\na,0,0.5,0,0.9,y,0,0.5\nb,1,0.5,1,0.1,y,0,0.5\n",
    )
    .expect("write");
    let output = onboard(&[
        "ope",
        log.to_str().expect("utf-8"),
        "--columns",
        "action=item,propensity=pscore,reward=click",
        "--estimators",
        "ips",
        "--bootstrap",
        "0",
        "--out",
        dir.path().join("out").to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("warning: the log's columns 'position', 'campaign' are not read"),
        "{text}"
    );
    assert!(
        text.contains("a position column (one row per slot"),
        "{text}"
    );
    for read in ["'item'", "'pscore'", "'signup_day'", "'prob:a'", "'pi_e'"] {
        assert!(!text.contains(read), "{read} named in\n{text}");
    }
}
