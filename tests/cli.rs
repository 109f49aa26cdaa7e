//! The `onboard` command end to end: the main job, a run on a named scenario and
//! on a file, and one clear line with exit code 2 for every kind of bad input.

use std::path::Path;
use std::process::{Command, Output};

fn onboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

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

#[test]
fn demo_prints_the_table_and_writes_metrics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("demo");
    let output = onboard(&[
        "demo",
        "--users",
        "3000",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("3000 users") && stdout.contains("active (day-N)"),
        "{stdout}"
    );
    let (header, rows) = read_metrics(&out.join("metrics.csv"));
    assert_eq!(rows.len(), 31, "one row per age of the default horizon");
    let survival = header.iter().position(|h| h == "survival").expect("column");
    let low = header
        .iter()
        .position(|h| h == "survival_low")
        .expect("column");
    let high = header
        .iter()
        .position(|h| h == "survival_high")
        .expect("column");
    for pair in rows.windows(2) {
        assert!(
            pair[1][survival] <= pair[0][survival],
            "survival never rises"
        );
    }
    for row in &rows {
        assert!(row[low] <= row[survival] && row[survival] <= row[high]);
    }
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
    let broken = broken.to_str().expect("utf-8");
    let invalid = invalid.to_str().expect("utf-8");
    let cases: [(&[&str], &str); 6] = [
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
    ];
    for (args, expected) in cases {
        let output = onboard(args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
    }
}
