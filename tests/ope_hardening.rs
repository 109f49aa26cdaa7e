//! Hostile but valid logs and options for `onboard ope`, `onboard ope-bench` and
//! `onboard log`, end to end: the order of a log's rows changes no number, huge
//! weights and values give finite numbers in readable form or a clear refusal, an
//! interval that cannot be estimated is refused or shown as missing, and every
//! message says what is wrong without echoing a huge field.

mod common;

use common::{onboard, stderr};
use std::path::Path;

/// Asserts that `args` fail with exit code 2 and one message containing
/// `expected`, with no panic or allocation abort; returns the message.
fn refused(args: &[&str], expected: &str) -> String {
    let output = onboard(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(message.contains(expected), "{args:?}: {message}");
    for crash in ["panicked", "memory allocation", "terminate called"] {
        assert!(!message.contains(crash), "{args:?}: {message}");
    }
    message
}

/// What `output` wrote on stdout.
fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A log of 200 users of the `tiny` scenario under the random policy (1,600 rows),
/// written to `dir/log.csv`; its lines, the header first.
fn tiny_log(dir: &Path) -> Vec<String> {
    let path = dir.join("log.csv");
    let output = onboard(&[
        "log",
        "tiny",
        "--users",
        "200",
        "--out",
        path.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(&path)
        .expect("the log")
        .lines()
        .map(String::from)
        .collect()
}

/// `ope`'s options for the target `push` on a log of `tiny`, with 50 bootstrap
/// replicates.
const PUSH_ON_TINY: [&str; 6] = [
    "--target",
    "push",
    "--scenario",
    "tiny",
    "--bootstrap",
    "50",
];

/// Writes `lines` to `dir/name`; its path.
fn write_lines(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// `ope` of `log` with `extra` options into `dir/out`: its output and `ope.csv`.
fn ope(dir: &Path, log: &str, out: &str, extra: &[&str]) -> (std::process::Output, String) {
    let out = dir.join(out);
    let mut args = vec!["ope", log, "--out", out.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let output = onboard(&args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    let table = std::fs::read_to_string(out.join("ope.csv")).expect("ope.csv");
    (output, table)
}

/// The body lines in a fixed order unrelated to the file's: `i ↦ 7919 i mod n`.
fn shuffled(lines: &[String]) -> Vec<String> {
    let (header, body) = lines.split_first().expect("a header");
    let n = body.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (i * 7919) % n);
    std::iter::once(header.clone())
        .chain(order.into_iter().map(|i| body[i].clone()))
        .collect()
}

#[test]
fn the_order_of_a_logs_rows_changes_no_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = tiny_log(dir.path());
    let mut reversed = lines.clone();
    reversed[1..].reverse();
    let (_, forward) = ope(
        dir.path(),
        &write_lines(dir.path(), "forward.csv", &lines),
        "forward",
        &PUSH_ON_TINY,
    );
    for (name, lines) in [("shuffled", shuffled(&lines)), ("reversed", reversed)] {
        let log = write_lines(dir.path(), &format!("{name}.csv"), &lines);
        let (_, table) = ope(dir.path(), &log, name, &PUSH_ON_TINY);
        assert_eq!(table, forward, "{name}");
    }
    // A log of independent decisions, each its own unit, with its own action names.
    let mut bandit = vec!["action,propensity,reward,pi_e".to_string()];
    for i in 0..300u32 {
        let (action, propensity, pi_e) = match i % 3 {
            0 => ("b", 0.5, 0.2),
            1 => ("a", 0.3, 0.7),
            _ => ("c", 0.2, 0.1),
        };
        bandit.push(format!("{action},{propensity},{},{pi_e}", (i * 37) % 11));
    }
    let plain = ["--bootstrap", "50"];
    let (_, forward) = ope(
        dir.path(),
        &write_lines(dir.path(), "bandit.csv", &bandit),
        "bandit",
        &plain,
    );
    let log = write_lines(dir.path(), "bandit-shuffled.csv", &shuffled(&bandit));
    let (_, table) = ope(dir.path(), &log, "bandit-shuffled", &plain);
    assert_eq!(table, forward);
}

#[test]
fn huge_weights_and_values_give_finite_readable_numbers_or_a_refusal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = tiny_log(dir.path());
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (action, propensity, reward) = (column("action"), column("propensity"), column("reward"));
    let with = |row: usize, column: usize, value: &str| {
        let mut changed = lines.clone();
        let mut fields: Vec<&str> = changed[row].split(',').collect();
        fields[column] = value;
        changed[row] = fields.join(",");
        changed
    };
    // One decision the behaviour took with a probability of 1e-300, and the target
    // with certainty, its reward not 0: an importance weight of 1e300.
    let row = (1..lines.len())
        .find(|&i| {
            let fields: Vec<&str> = lines[i].split(',').collect();
            fields[action] == "push+none" && fields[reward] != "0"
        })
        .expect("a rewarded push");
    let log = write_lines(dir.path(), "tiny-p.csv", &with(row, propensity, "1e-300"));
    let (output, table) = ope(dir.path(), &log, "tiny-p", &PUSH_ON_TINY);
    let text = stdout(&output);
    for bad in ["NaN", "inf"] {
        assert!(!text.contains(bad), "{bad} in\n{text}");
        assert!(!table.contains(bad), "{bad} in\n{table}");
    }
    let digits = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max();
    assert!(
        digits < Some(20),
        "a number of {digits:?} digits in\n{text}"
    );
    assert!(text.contains("effective sample size: 1.0"), "{text}");
    assert!(text.contains("1.000e300"), "{text}");
    for field in table.lines().skip(1).flat_map(|l| l.split(',').skip(2)) {
        assert!(
            field.is_empty() || field.parse::<f64>().is_ok_and(f64::is_finite),
            "{field}"
        );
        assert!(field.len() < 30, "{field}");
    }
    // Values beyond what the sums can hold are refused by name, line and column.
    let log = write_lines(dir.path(), "huge-r.csv", &with(3, reward, "1.7e308"));
    refused(
        &["ope", &log, "--target", "push", "--scenario", "tiny"],
        "huge-r.csv: line 4, column 'reward': 1.7e308 is beyond ±1e100",
    );
    let log = write_lines(dir.path(), "subnormal.csv", &with(4, propensity, "1e-310"));
    refused(
        &["ope", &log, "--target", "push", "--scenario", "tiny"],
        "subnormal.csv: line 5, column 'propensity': 1e-310 is below 2.2250738585072014e-308",
    );
}

#[test]
fn a_user_without_a_first_day_and_a_deterministic_log_are_not_accepted_silently() {
    let dir = tempfile::tempdir().expect("temp dir");
    let late = write_lines(
        dir.path(),
        "late.csv",
        &[
            "user,age,action,propensity,reward,pi_e".into(),
            "1,0,a,0.5,1,0.5".into(),
            "2,1,a,0.5,1,0.5".into(),
            "2,2,b,0.5,0,0.5".into(),
        ],
    );
    refused(
        &[
            "ope",
            &late,
            "--out",
            dir.path().join("late").to_str().expect("utf-8"),
        ],
        "late.csv: line 3: user 2's first decision is at age 1",
    );
    let mut certain = vec!["action,propensity,reward,pi_e".to_string()];
    certain.extend((0..50).map(|i| format!("{},1,{},0.5", ["a", "b"][i % 2], i % 3)));
    let (output, _) = ope(
        dir.path(),
        &write_lines(dir.path(), "certain.csv", &certain),
        "certain",
        &["--bootstrap", "0"],
    );
    assert!(
        stdout(&output).contains(
            "warning: on 100 % of the rows the behaviour chose its action with probability 1"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_interval_that_cannot_be_estimated_is_refused_or_shown_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = write_lines(
        dir.path(),
        "one.csv",
        &["action,propensity,reward,pi_e".into(), "a,0.5,1,0.5".into()],
    );
    let out = dir.path().join("o");
    let out = out.to_str().expect("utf-8");
    refused(
        &["ope", &log, "--bootstrap", "1", "--out", out],
        "--bootstrap: a 95 % percentile interval needs at least 40 replicates",
    );
    refused(
        &[
            "ope",
            &log,
            "--bootstrap",
            "19",
            "--level",
            "0.9",
            "--out",
            out,
        ],
        "at least 20 replicates",
    );
    // One unit: no interval at all, and the table says why.
    let (output, table) = ope(dir.path(), &log, "one", &["--bootstrap", "40"]);
    assert!(
        stdout(&output).contains("–: no interval"),
        "{}",
        stdout(&output)
    );
    // The interval columns, t_low to bernstein_high, are empty.
    for row in table.lines().skip(1) {
        assert!(row.split(',').skip(3).take(6).all(str::is_empty), "{row}");
    }
    let bench = |option: &'static str| {
        vec![
            "ope-bench",
            "tiny",
            "--behaviour",
            "random",
            "--target",
            "push",
            option,
            "1",
            "--out",
            out,
        ]
    };
    refused(
        &bench("--truth-users"),
        "--truth-users: the truth's standard error needs at least 2 users, got 1",
    );
    refused(
        &bench("--users"),
        "--users: an interval over users needs at least 2 users per log, got 1",
    );
    refused(&bench("--bootstrap"), "needs at least 40 replicates");
}

#[test]
fn messages_say_what_is_wrong_without_echoing_a_huge_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let out = path("out");
    // A huge garbage field is cut; a line beyond the reader's cap is refused as it
    // is read, not echoed.
    let header = "action,propensity,reward,pi_e\na,0.5,1,0.5";
    for (name, field, expected) in [
        (
            "token.csv",
            "y".repeat(5_000_000),
            "y… (5000000 characters)' is not a number",
        ),
        (
            "long.csv",
            "7".repeat(17 << 20),
            "long.csv: line 3 is longer than 16 MiB",
        ),
    ] {
        std::fs::write(path(name), format!("{header}\na,0.5,{field},0.5\n")).expect("write");
        let message = refused(&["ope", &path(name), "--out", &out], expected);
        assert!(message.len() < 2_000, "{} bytes", message.len());
    }
    std::fs::write(path("empty.csv"), "").expect("write");
    refused(
        &["ope", &path("empty.csv"), "--out", &out],
        "empty.csv: the file is empty",
    );
    std::fs::write(
        path("bandit.csv"),
        "action,propensity,reward,pi_e\na,0.5,1,0.5\n",
    )
    .expect("write");
    let message = refused(
        &[
            "ope",
            &path("bandit.csv"),
            "--estimators",
            "clipped-ips:-1",
            "--out",
            &out,
        ],
        "clipped-ips: λ = -1 is outside [0, ∞]",
    );
    assert!(!message.contains("per-trajectory"), "{message}");
    refused(
        &[
            "ope",
            &path("bandit.csv"),
            "--estimators",
            "pdis:3",
            "--out",
            &out,
        ],
        "pdis takes no λ",
    );
    refused(
        &["ope", &path("bandit.csv"), "--folds", "0", "--out", &out],
        "--folds: cross-fitting needs at least 1 fold",
    );
    let message = refused(
        &["log", "tiny", "--users", "0", "--out", &path("never.csv")],
        "--users: a log needs at least 1 user, got 0",
    );
    assert!(!message.contains("cannot write"), "{message}");
    assert!(!dir.path().join("never.csv").exists());
}
