//! The log reader: every validation error names its line and column; rows are
//! grouped by user in age order; the writer's output reads back exactly.

use onboard_ope::{ColumnMap, Log, LogBuilder, LogRow, LogWriter, ReadOptions, read_log};
use std::path::PathBuf;

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onboard-ope-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write log");
    path
}

fn error(name: &str, text: &str, options: &ReadOptions<'_>) -> String {
    match read_log(&file(name, text), options) {
        Ok(_) => panic!("{name}: read without error"),
        Err(e) => e.to_string(),
    }
}

const HEADER: &str = "user,age,obs:x,action,propensity,reward,end\n";

#[test]
fn rows_are_grouped_by_user_in_age_order_whatever_the_file_order() {
    let text = format!(
        "{HEADER}7,1,0.5,b,0.5,2,1\n3,0,0.1,a,0.25,1,0\n7,0,0.2,a,0.5,0,0\n3,1,0.3,b,1,4,1\n"
    );
    let log = read_log(&file("order.csv", &text), &ReadOptions::default()).expect("log");
    // Users by id and actions by name, not by their first row.
    assert_eq!(log.users, vec![3, 7]);
    assert_eq!(log.starts, vec![0, 2, 4]);
    assert_eq!(log.ages, vec![0, 1, 0, 1]);
    assert_eq!(log.reward, vec![1.0, 4.0, 0.0, 2.0]);
    assert_eq!(log.propensity, vec![0.25, 1.0, 0.5, 0.5]);
    assert_eq!(log.features, vec![0.1, 0.3, 0.2, 0.5]);
    assert_eq!(log.lines, vec![3, 5, 4, 2]);
    assert_eq!(log.action_names, vec!["a", "b"]);
    assert_eq!(log.actions, vec![0, 1, 0, 1]);
}

#[test]
fn the_file_order_of_rows_changes_nothing_read() {
    let users = format!(
        "{HEADER}7,1,0.5,b,0.5,2,1\n3,0,0.1,a,0.25,1,0\n7,0,0.2,a,0.5,0,0\n3,1,0.3,c,1,4,1\n"
    );
    let independent =
        "action,propensity,reward,pi_e\nb,0.5,1,0.9\na,0.25,0,0.1\nb,0.5,0,0.9\na,0.5,1,0.2\n";
    for (name, text) in [("users.csv", users.as_str()), ("bandit.csv", independent)] {
        let mut lines: Vec<&str> = text.lines().collect();
        let forward = read_log(&file(name, text), &ReadOptions::default()).expect("log");
        lines[1..].reverse();
        let reversed = read_log(
            &file(name, &(lines.join("\n") + "\n")),
            &ReadOptions::default(),
        )
        .expect("log");
        assert_eq!(
            Log {
                lines: Vec::new(),
                ..forward
            },
            Log {
                lines: Vec::new(),
                ..reversed
            },
            "{name}"
        );
    }
}

#[test]
fn each_validation_error_names_its_line_and_column() {
    let options = ReadOptions::default();
    let cases = [
        (
            "missing.csv",
            "user,age,action,reward\n1,0,a,1\n",
            "missing column 'propensity'",
        ),
        (
            "nan.csv",
            &format!("{HEADER}1,0,0,a,0.5,NaN,0\n"),
            "line 2, column 'reward': NaN is not a finite number",
        ),
        (
            "inf.csv",
            &format!("{HEADER}1,0,inf,a,0.5,1,0\n"),
            "line 2, column 'obs:x': inf is not a finite number",
        ),
        (
            "text.csv",
            &format!("{HEADER}1,0,0,a,0.5,1,0\n1,1,0,a,0.5,lots,0\n"),
            "line 3, column 'reward': 'lots' is not a number",
        ),
        (
            "zero.csv",
            &format!("{HEADER}1,0,0,a,0,1,0\n"),
            "line 2, column 'propensity': 0 is outside (0, 1]",
        ),
        (
            "above.csv",
            &format!("{HEADER}1,0,0,a,1.5,1,0\n"),
            "line 2, column 'propensity': 1.5 is outside (0, 1]",
        ),
        (
            "user.csv",
            &format!("{HEADER}x,0,0,a,0.5,1,0\n"),
            "line 2, column 'user': 'x' is not a whole number",
        ),
        (
            "duplicate.csv",
            &format!("{HEADER}1,0,0,a,0.5,1,0\n1,0,0,a,0.5,1,0\n"),
            "line 3: user 1 has age 0 twice (first on line 2)",
        ),
        (
            "late.csv",
            &format!("{HEADER}1,2,0,a,0.5,1,0\n1,3,0,a,0.5,1,0\n"),
            "line 2: user 1's first decision is at age 2: a user's decisions start at age 0",
        ),
        (
            "tiny.csv",
            &format!("{HEADER}1,0,0,a,1e-310,1,0\n"),
            "line 2, column 'propensity': 1e-310 is below 2.2250738585072014e-308",
        ),
        (
            "huge.csv",
            &format!("{HEADER}1,0,0,a,0.5,1.7e308,0\n"),
            "line 2, column 'reward': 1.7e308 is beyond ±1e100",
        ),
        (
            "wide.csv",
            &format!("{HEADER}1,0,1e39,a,0.5,1,0\n"),
            "line 2, column 'obs:x': 1e39 is beyond ±3.4028235e38",
        ),
        ("blank.csv", "", "the file is empty"),
        (
            "gap.csv",
            &format!("{HEADER}1,0,0,a,0.5,1,0\n1,3,0,a,0.5,1,0\n"),
            "line 3: user 1 jumps from age 0 (line 2) to age 3: ages 1..2 are missing",
        ),
        (
            "ended.csv",
            &format!("{HEADER}1,0,0,a,0.5,1,1\n1,1,0,a,0.5,1,0\n"),
            "line 3: user 1's episode ended at age 0 (line 2), yet age 1 follows",
        ),
        (
            "end.csv",
            &format!("{HEADER}1,0,0,a,0.5,1,maybe\n"),
            "line 2, column 'end': 'maybe' is not 0 or 1",
        ),
        (
            "ragged.csv",
            &format!("{HEADER}1,0,0,a,0.5\n"),
            "found record with 5 fields",
        ),
        ("empty.csv", HEADER, "the log has no rows"),
        (
            "twice.csv",
            "reward,reward,action,propensity\n1,1,a,1\n",
            "column 'reward' appears twice",
        ),
        (
            "age.csv",
            "user,action,propensity,reward\n1,a,1,1\n",
            "missing column 'age'",
        ),
        (
            "pi.csv",
            "action,propensity,reward,pi_e\na,1,1,2\n",
            "line 2, column 'pi_e': 2 is outside [0, 1]",
        ),
        (
            "q.csv",
            "action,propensity,reward,q_hat\na,1,1,2\n",
            "missing column 'q_hat_target'",
        ),
    ];
    for (name, text, expected) in cases {
        let message = error(name, text, &options);
        assert!(
            message.contains(expected),
            "{name}: {message:?} lacks {expected:?}"
        );
        assert!(
            message.contains(name),
            "{name}: {message:?} does not name the file"
        );
    }
    let actions = ["a".to_string(), "b".to_string()];
    let known = ReadOptions {
        actions: Some(&actions),
        ..ReadOptions::default()
    };
    let message = error(
        "unknown.csv",
        &format!("{HEADER}1,0,0,coupon,0.5,1,0\n"),
        &known,
    );
    assert!(
        message.contains(
            "line 2, column 'action': unknown action 'coupon' (expected one of 2 actions: a, b)"
        ),
        "{message}"
    );
    let features = ["x".to_string(), "visits".to_string()];
    let wanted = ReadOptions {
        features: Some(&features),
        ..ReadOptions::default()
    };
    let message = error(
        "feature.csv",
        &format!("{HEADER}1,0,0,a,0.5,1,0\n"),
        &wanted,
    );
    assert!(message.contains("missing column 'obs:visits'"), "{message}");
    assert!(error("absent.csv", "", &options).contains("absent.csv"));
    let missing = read_log(std::path::Path::new("/nonexistent/log.csv"), &options)
        .map(|_| ())
        .unwrap_err();
    assert!(
        missing.to_string().contains("/nonexistent/log.csv"),
        "{missing}"
    );
}

#[test]
fn a_log_without_users_is_one_decision_per_unit_and_columns_can_be_renamed() {
    let text =
        "pscore,click,item,pi_e,q_hat,q_hat_target\n0.5,1,x,0.9,0.4,0.6\n0.25,0,y,0.1,0.2,0.5\n";
    let columns = ColumnMap::parse("propensity=pscore, reward=click,action=item").expect("map");
    let options = ReadOptions {
        columns,
        ..ReadOptions::default()
    };
    let log = read_log(&file("bandit.csv", text), &options).expect("log");
    assert!(log.independent());
    assert_eq!(log.starts, vec![0, 1, 2]);
    assert_eq!(log.propensity, vec![0.5, 0.25]);
    assert_eq!(log.reward, vec![1.0, 0.0]);
    assert_eq!(log.pi_e, Some(vec![0.9, 0.1]));
    let model = log.reward_model.expect("q_hat columns");
    assert_eq!(
        (model.logged, model.target),
        (vec![0.4, 0.2], vec![0.6, 0.5])
    );
    let missing = ColumnMap::parse("propensity=pscore").expect("map");
    let message = error(
        "bandit.csv",
        text,
        &ReadOptions {
            columns: missing,
            ..ReadOptions::default()
        },
    );
    assert!(message.contains("missing column 'action'"), "{message}");
    for (spec, expected) in [
        ("propensity", "expected SCHEMA=FILE"),
        ("score=p", "'score' is not a column of the log schema"),
        ("reward=", "the file's column name is empty"),
        ("reward=a,reward=b", "'reward' is mapped twice"),
    ] {
        let message = ColumnMap::parse(spec).unwrap_err();
        assert!(message.contains(expected), "{spec}: {message}");
    }
}

/// (user, age, features, action, probabilities, reward, end)
type WrittenRow = (u64, u32, [f32; 2], usize, [f64; 2], f64, bool);

#[test]
fn what_the_writer_writes_reads_back_as_the_builder_built_it() {
    let features = ["x".to_string(), "y".to_string()];
    let actions = ["none".to_string(), "push".to_string()];
    let rows: Vec<WrittenRow> = vec![
        (0, 0, [0.0, 1.5], 1, [0.25, 0.75], 2.5, false),
        (1, 0, [0.0, -2.0], 0, [0.5, 0.5], 0.0, false),
        (
            0,
            1,
            [0.1, 1.0 / 3.0],
            0,
            [1.0 / 3.0, 2.0 / 3.0],
            -0.125,
            true,
        ),
        (1, 1, [0.1, 7.0], 1, [0.1, 0.9], 1e-9, true),
    ];
    let mut bytes = Vec::new();
    let mut writer = LogWriter::new(&mut bytes, &features, &actions, true).expect("writer");
    let mut builder = LogBuilder::new("memory", &features, &actions);
    for (user, age, x, action, probabilities, reward, end) in &rows {
        let row = LogRow {
            user: *user,
            signup_day: 0,
            age: *age,
            features: x,
            action: *action,
            probabilities,
            reward: *reward,
            end: *end,
        };
        writer.write(&row).expect("row");
        builder.push(&row);
    }
    writer.finish().expect("flush");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(
        text.starts_with(
            "user,signup_day,age,obs:x,obs:y,action,propensity,prob:none,prob:push,reward,end\n"
        ),
        "{text}"
    );
    let read = read_log(
        &file("written.csv", &text),
        &ReadOptions {
            actions: Some(&actions),
            features: Some(&features),
            ..ReadOptions::default()
        },
    )
    .expect("log");
    let built = builder.finish().expect("built");
    assert_eq!(read.starts, built.starts);
    assert_eq!(read.users, built.users);
    assert_eq!(read.ages, built.ages);
    assert_eq!(read.actions, built.actions);
    assert_eq!(read.propensity, built.propensity);
    assert_eq!(read.reward, built.reward);
    assert_eq!(read.features, built.features);
    assert_eq!(read.propensity, vec![0.75, 1.0 / 3.0, 0.5, 0.9]);
}
