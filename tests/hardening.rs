//! Hostile but realistic input, end to end through the `onboard` binary: sizes a
//! run cannot hold are refused before any work, a learner that diverges stops
//! training with an error, a saved learner that diverged is refused, and an
//! untrained learner is a policy only when asked for by name, outputs stay in
//! their own folder, progress shows where stderr is not a terminal, and a scenario
//! at the edges of its validated ranges gives finite numbers only, an output file
//! appears whole or not at all, a training run killed midway resumes to the
//! results of one never interrupted, a saved learner acts only where what it
//! decides fits, a launch that draws nobody is refused, and a parser's message
//! never echoes a huge token whole.

mod common;

use common::{kill_when, onboard, onboard_with_progress, stderr};
use std::path::Path;
use std::process::Command;

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

/// The shipped DQN configuration (one field a line) with the lines of the given
/// fields replaced by `field: value,`, written to `dir`.
fn dqn_config(dir: &Path, name: &str, replacements: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(format!(
        "{}/agents/configs/dqn.ron",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the shipped DQN configuration");
    for (field, value) in replacements {
        let start = text
            .find(&format!("{field}:"))
            .unwrap_or_else(|| panic!("dqn.ron has {field}"));
        let end = start + text[start..].find('\n').expect("one field a line");
        text.replace_range(start..end, &format!("{field}: {value},"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// `train tiny` with `agent` on `cohorts` cohorts of 200 users, writing to `out`.
fn short_training<'a>(agent: &'a str, cohorts: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "tiny",
        "--agent",
        agent,
        "--cohorts",
        cohorts,
        "--users",
        "200",
        "--eval-users",
        "200",
        "--out",
        out,
    ]
}

#[test]
fn sizes_a_run_cannot_hold_are_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("utf-8");
    let run = |extra: &[&str], expected: &str| {
        let mut args = vec!["run", "tiny", "--out", out];
        args.extend_from_slice(extra);
        refused(&args, expected);
    };
    run(
        &["--users", "0"],
        "users: a simulation needs at least 1 user",
    );
    run(
        &["--users", "4294967296"],
        "users: a simulation holds at most 10000000",
    );
    run(&["--users", "18446744073709551615"], "at most 10000000");
    run(&["--launch", "0"], "launch: must last 1 to 3660 days");
    run(
        &["--launch", "4000000000"],
        "launch: must last 1 to 3660 days",
    );
    // Training sizes that would run for days are refused, before the folder is made.
    let linucb = "agents/configs/linucb.ron";
    let train = |extra: &[&str], expected: &str| {
        let mut args = vec!["train", "tiny", "--agent", linucb, "--out", out];
        args.extend_from_slice(extra);
        refused(&args, expected);
    };
    train(
        &["--cohorts", "1000000000000"],
        "a training run takes at most 10000000000",
    );
    train(
        &["--users", "100000000"],
        "users: a training cohort holds at most",
    );
    train(
        &["--eval-users", "100000000"],
        "eval_users: an evaluation cohort holds",
    );
    train(
        &["--online", "100000"],
        "online: a launch lasts 1 to 3660 days",
    );
    assert!(
        !Path::new(out).exists(),
        "nothing is written for a refused run"
    );

    let buffer = dqn_config(dir.path(), "buffer.ron", &[("buffer_size", "10000000000")]);
    refused(
        &["train", "tiny", "--agent", &buffer, "--out", out],
        "buffer_size: 10000000000 transitions",
    );
    let wide = dqn_config(dir.path(), "wide.ron", &[("hidden", "[65536, 65536]")]);
    refused(
        &["train", "tiny", "--agent", &wide, "--out", out],
        "hidden: [65536, 65536] gives",
    );
}

#[test]
fn a_learner_that_could_not_take_one_learning_step_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("utf-8");
    let never = dqn_config(dir.path(), "never.ron", &[("gradient_steps", "0")]);
    refused(
        &short_training(&never, "2", out),
        "would never learn: gradient_steps is 0",
    );
    // tiny's users live 8 days: 2 cohorts of 200 give 3,200 transitions, short of
    // the 5,000 the shipped configuration waits for.
    let shipped = format!("{}/agents/configs/dqn.ron", env!("CARGO_MANIFEST_DIR"));
    refused(
        &short_training(&shipped, "2", out),
        "training gives 3200 transitions (2 cohorts × 200 users × 8 decisions each)",
    );
    let unreachable = dqn_config(
        dir.path(),
        "unreachable.ron",
        &[("buffer_size", "1000"), ("learning_starts", "2000")],
    );
    refused(
        &short_training(&unreachable, "40", out),
        "learning_starts: must be at most buffer_size (1000)",
    );
    assert!(
        !Path::new(out).exists(),
        "nothing is written for a refused run"
    );
}

#[test]
fn a_learner_that_diverges_stops_training_with_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dqn_config(
        dir.path(),
        "diverging.ron",
        &[
            ("learning_rate", "1e30"),
            ("final_learning_rate", "None"),
            ("learning_starts", "64"),
        ],
    );
    let out = dir.path().join("out");
    let message = refused(
        &short_training(&config, "3", out.to_str().expect("utf-8")),
        "the learner diverged",
    );
    assert!(message.contains("training cohort 1"), "{message}");
    assert!(message.contains("weights not finite"), "{message}");
    let record = run_record(&out);
    assert_eq!(record["status"], "failed");
    let error = record["error"].as_str().expect("the error is recorded");
    assert!(error.contains("the learner diverged"), "{error}");
}

/// The `run.json` of the training run in `folder`.
fn run_record(folder: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(folder.join("run.json")).expect("run.json");
    serde_json::from_str(&text).expect("run.json is JSON")
}

#[test]
fn a_training_run_killed_midway_resumes_to_the_results_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dqn_config(dir.path(), "dqn.ron", &[("buffer_size", "20000")]);
    let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
    let train = |out: &Path| {
        let mut args = short_training(&config, "30", out.to_str().expect("utf-8"));
        args.extend(["--eval-every", "3"]);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let output = onboard(&train(&whole).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(run_record(&whole)["status"], "finished");
    assert!(
        !whole.join("resume").exists(),
        "a finished run keeps no resume state"
    );

    // The same run, killed (SIGKILL) once its third evaluation point is committed.
    let committed = |folder: &Path| {
        std::fs::read_to_string(folder.join("run.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|record| record["step"].as_u64())
            .is_some_and(|step| step >= 9)
    };
    let mut args = train(&killed);
    args.push("--quiet".to_string());
    kill_when(&args, || committed(&killed));
    let record = run_record(&killed);
    assert_eq!(record["status"], "running", "{record}");
    assert!(record["step"].as_u64().expect("a step") < 30, "{record}");
    // Neither another command nor a new training run takes the interrupted run's
    // folder: its resume state stays.
    let killed_out = killed.to_str().expect("utf-8");
    refused(
        &["run", "tiny", "--users", "200", "--out", killed_out],
        "holds the output of `onboard train`",
    );
    refused(
        &train(&killed)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        "holds an interrupted training run",
    );
    assert!(killed.join("resume").join("setup.json").exists());

    // What a resume reads back is checked again: an edited plan that would run for
    // days is refused.
    let edited = dir.path().join("edited");
    std::fs::create_dir_all(edited.join("resume")).expect("mkdir");
    std::fs::copy(killed.join("run.json"), edited.join("run.json")).expect("copy");
    for entry in std::fs::read_dir(killed.join("resume")).expect("read") {
        let name = entry.expect("entry").file_name();
        std::fs::copy(
            killed.join("resume").join(&name),
            edited.join("resume").join(&name),
        )
        .expect("copy");
    }
    let setup = edited.join("resume").join("setup.json");
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&setup).expect("read")).expect("JSON");
    plan["plan"]["cohorts"] = 1_000_000_000_000u64.into();
    std::fs::write(&setup, plan.to_string()).expect("write");
    refused(
        &["train", "--resume", edited.to_str().expect("utf-8")],
        "a training run takes at most",
    );

    let resumed = onboard(&["train", "--resume", killed.to_str().expect("utf-8")]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    for file in [
        "learning_curve.csv",
        "evaluation.csv",
        "checkpoint.ot",
        "best.ot",
    ] {
        let (a, b) = (whole.join(file), killed.join(file));
        assert!(
            std::fs::read(&a).expect("written") == std::fs::read(&b).expect("written"),
            "{file} differs after the resume"
        );
    }
    assert_eq!(run_record(&killed)["status"], "finished");
    let leftovers: Vec<_> = std::fs::read_dir(&killed)
        .expect("read")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    refused(
        &["train", "--resume", killed.to_str().expect("utf-8")],
        "nothing to resume",
    );
    refused(
        &["train", "--resume", dir.path().to_str().expect("utf-8")],
        "not the folder of an `onboard train` run",
    );
}

#[test]
fn an_online_training_run_is_not_resumed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("online");
    let output = onboard(&[
        "train",
        "tiny",
        "--agent",
        "agents/configs/linucb.ron",
        "--online",
        "3",
        "--eval-users",
        "100",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut record = run_record(&out);
    assert_eq!(record["resumable"], false);
    // As a kill would have left it.
    record["status"] = "running".into();
    std::fs::write(out.join("run.json"), record.to_string()).expect("write");
    refused(
        &["train", "--resume", out.to_str().expect("utf-8")],
        "cannot be resumed",
    );
}

#[test]
fn a_saved_learner_that_diverged_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("ucb1");
    let ucb1 = dir.path().join("ucb1.ron");
    std::fs::write(&ucb1, "Ucb1(scale: 1.0)").expect("write");
    let output = onboard(&[
        "train",
        "tiny",
        "--agent",
        ucb1.to_str().expect("utf-8"),
        "--cohorts",
        "1",
        "--users",
        "200",
        "--eval-users",
        "200",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = out.join("checkpoint.agent.ron");
    let text = std::fs::read_to_string(&state).expect("the saved state");
    let start = text.find("means: [").expect("the arm means") + "means: [".len();
    let end = start + text[start..].find(',').expect("more than one arm");
    let mut diverged = text.clone();
    diverged.replace_range(start..end, "NaN");
    std::fs::write(&state, diverged).expect("write");
    refused(
        &["run", "tiny", "--policy", state.to_str().expect("utf-8")],
        "holds a learner that diverged (means[0] = NaN not finite)",
    );
}

#[test]
fn an_untrained_learner_is_a_policy_only_when_its_prior_is_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let linucb = format!("{}/agents/configs/linucb.ron", env!("CARGO_MANIFEST_DIR"));
    let out = dir.path().join("prior");
    let out = out.to_str().expect("utf-8");
    refused(
        &[
            "run", "tiny", "--policy", &linucb, "--users", "200", "--out", out,
        ],
        "an untrained linucb configuration, which would act on its prior alone",
    );
    let prior = format!("prior:{linucb}");
    let output = onboard(&[
        "run", "tiny", "--policy", &prior, "--users", "200", "--out", out,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    // A rule schedule is a policy as written: no prior to ask for.
    let rules = format!(
        "{}/agents/configs/welcome-then-email.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = onboard(&[
        "run", "default", "--policy", &rules, "--users", "200", "--out", out,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn outputs_stay_in_a_folder_of_their_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A scenario whose name would lead out of results/ is refused before it runs.
    let tiny =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("tiny");
    let escaping = dir.path().join("escaping.ron");
    std::fs::write(
        &escaping,
        tiny.replacen("name: \"tiny\"", "name: \"../../escape\"", 1),
    )
    .expect("write");
    refused(
        &["run", escaping.to_str().expect("utf-8"), "--users", "200"],
        "'../../escape' cannot name an output folder",
    );
    // A folder of someone else's files is refused as --out, and left alone.
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).expect("mkdir");
    std::fs::write(theirs.join("thesis.tex"), "mine").expect("write");
    let theirs = theirs.to_str().expect("utf-8");
    refused(
        &["run", "tiny", "--users", "200", "--out", theirs],
        "is not empty and is not an onboard output folder",
    );
    assert!(Path::new(theirs).join("thesis.tex").exists());
}

/// The names in `folder`, sorted.
fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn onboard_deletes_only_files_it_wrote_and_never_another_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |out: &str, policy: &str, more: &[&str]| {
        let mut args = vec!["run", "tiny", "--policy", policy, "--users", "200"];
        args.extend(["--out", out]);
        args.extend(more);
        onboard(&args)
    };
    // A rerun into the same folder replaces the first run's files and keeps the
    // user's own, files and folders.
    let ours = dir.path().join("ours");
    let ours_out = ours.to_str().expect("utf-8");
    let first = run(ours_out, "push", &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    std::fs::write(ours.join("notes.txt"), "mine").expect("write");
    std::fs::create_dir(ours.join("mydata")).expect("mkdir");
    std::fs::write(ours.join("mydata").join("a.csv"), "1").expect("write");
    let second = run(ours_out, "coupon", &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(ours.join("notes.txt").exists() && ours.join("mydata").join("a.csv").exists());
    assert!(ours.join("actions-coupon.svg").exists());
    assert!(
        !ours.join("actions-push.svg").exists(),
        "a stale file of the first run"
    );

    // A finished training run's folder is refused by another command; with
    // --force the other command writes beside it and deletes none of its files.
    let trained = dir.path().join("trained");
    let trained_out = trained.to_str().expect("utf-8");
    let training = onboard(&[
        "train",
        "tiny",
        "--agent",
        "agents/configs/linucb.ron",
        "--cohorts",
        "2",
        "--users",
        "100",
        "--eval-users",
        "100",
        "--out",
        trained_out,
    ]);
    assert!(training.status.success(), "{}", stderr(&training));
    let before = names(&trained);
    assert!(
        before.contains(&"checkpoint.agent.ron".to_string()),
        "{before:?}"
    );
    refused(
        &["run", "tiny", "--users", "200", "--out", trained_out],
        "holds the output of `onboard train`",
    );
    assert_eq!(names(&trained), before);
    let forced = run(trained_out, "push", &["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let after = names(&trained);
    assert!(
        before.iter().all(|name| after.contains(name)),
        "{before:?} → {after:?}"
    );
    // A rerun of `run` there deletes `run`'s files only.
    let again = run(trained_out, "coupon", &["--force"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let last = names(&trained);
    assert!(
        before.iter().all(|name| last.contains(name)),
        "{before:?} → {last:?}"
    );
    assert!(!last.contains(&"actions-push.svg".to_string()), "{last:?}");

    // A folder onboard never marked is refused wherever it is, under results/ too.
    let precious = dir.path().join("results").join("precious");
    std::fs::create_dir_all(&precious).expect("mkdir");
    std::fs::write(precious.join("data.csv"), "1").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .current_dir(dir.path())
        .args([
            "run",
            "tiny",
            "--users",
            "200",
            "--quiet",
            "--out",
            "results/precious",
        ])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("is not an onboard output folder"));
    assert_eq!(names(&precious), ["data.csv"]);
}

#[test]
fn progress_is_reported_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let output = onboard_with_progress(&[
        "run",
        "tiny",
        "--users",
        "200",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("] day ")).collect();
    // The first state at once, then a line every 5 seconds: a run this short (well
    // under a second) prints one, as a plain line (no cursor movement), and not the
    // 8 redraws a terminal would get.
    assert!((1..=2).contains(&lines.len()), "{log}");
    assert!(lines[0].contains("day 0/8"), "{log}");
    assert!(!log.contains('\u{1b}'), "{log}");
}

#[test]
fn a_scenario_at_the_edges_of_its_ranges_gives_finite_numbers_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("tiny");
    // Order values of median 1e7 spread by σ = 5 (the largest allowed) and a
    // coupon that costs 1e7: sums, squares and intervals must stay finite.
    let extreme = tiny
        .replace("median: 35.0, sigma: 0.6", "median: 1e7, sigma: 5.0")
        .replace("median: 28.0, sigma: 0.5", "median: 1e7, sigma: 5.0")
        .replacen("cost: 0.01,", "cost: 1e7,", 1);
    let scenario = dir.path().join("extreme.ron");
    std::fs::write(&scenario, extreme).expect("write");
    let out = dir.path().join("out");
    let output = onboard(&[
        "run",
        scenario.to_str().expect("utf-8"),
        "--policy",
        "coupon+push",
        "--users",
        "20000",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = std::fs::read_to_string(out.join("metrics.csv")).expect("metrics.csv");
    let mut values = 0;
    for line in csv.lines().skip(1) {
        for cell in line.split(',') {
            let x: f64 = cell.parse().expect("a number");
            assert!(x.is_finite(), "{cell} in {line}");
            values += 1;
        }
    }
    assert!(values > 100);
    let table = String::from_utf8_lossy(&output.stdout).to_lowercase();
    assert!(!table.contains("nan") && !table.contains("inf"), "{table}");
}

#[test]
fn an_output_file_appears_whole_or_not_at_all() {
    use onboard::output::write_atomically;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("metrics.csv");
    // A writer that fails halfway (as on a full disk): nothing under the name, no
    // temporary file left, and the error names the file.
    let error = write_atomically(&path, |partial| {
        std::fs::write(partial, "age,users\n0,")?;
        Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "No space left on device",
        ))
    })
    .expect_err("the write fails");
    assert!(error.to_string().contains("metrics.csv"), "{error}");
    assert!(error.to_string().contains("No space left"), "{error}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("read").collect();
    assert!(left.is_empty(), "{left:?}");
    // An earlier, whole version stays as it was when the new one fails.
    std::fs::write(&path, "whole").expect("write");
    let failed = write_atomically(&path, |partial| {
        std::fs::write(partial, "trunc")?;
        Err(std::io::Error::other("interrupted"))
    });
    assert!(failed.is_err());
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "whole");
    // A writer that succeeds: the file, whole, and nothing else.
    write_atomically(&path, |partial| std::fs::write(partial, "age,users\n0,5\n"))
        .expect("the write succeeds");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "age,users\n0,5\n"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("read").count(), 1);
}

#[test]
fn a_saved_learner_is_a_policy_only_where_what_it_decides_fits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let trained = |args: &[&str], out: &str| {
        let mut all = vec!["train"];
        all.extend(args);
        all.extend([
            "--cohorts",
            "1",
            "--users",
            "100",
            "--eval-users",
            "100",
            "--out",
            out,
        ]);
        let output = onboard(&all);
        assert!(output.status.success(), "{}", stderr(&output));
        format!("{out}/checkpoint.agent.ron")
    };
    // Chosen once per user among journeys: not a policy for each user-day.
    let journeys = trained(
        &[
            "default",
            "--agent",
            "agents/configs/linucb.ron",
            "--at-signup",
        ],
        &folder("journeys"),
    );
    let message = refused(
        &[
            "run",
            "default",
            "--policy",
            &journeys,
            "--users",
            "100",
            "--out",
            &folder("a"),
        ],
        "trained to choose once per user at signup",
    );
    assert!(message.contains("journeys"), "{message}");
    // The same number of actions under other names: not this scenario's actions.
    let tiny = trained(
        &["tiny", "--agent", "agents/configs/linucb.ron"],
        &folder("tiny"),
    );
    let renamed = dir.path().join("renamed.ron");
    let text =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("the tiny scenario")
            .replace("\"coupon\"", "\"voucher\"")
            .replace("\"tiny\"", "\"renamed\"");
    std::fs::write(&renamed, text).expect("write");
    let message = refused(
        &[
            "run",
            renamed.to_str().expect("utf-8"),
            "--policy",
            &tiny,
            "--users",
            "100",
            "--out",
            &folder("b"),
        ],
        "chooses among 4 actions each user-day (none+none, none+coupon, push+none, push+coupon)",
    );
    assert!(message.contains("voucher"), "{message}");
    // Where it fits, it runs.
    let output = onboard(&[
        "run",
        "tiny",
        "--policy",
        &tiny,
        "--users",
        "100",
        "--out",
        &folder("c"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_launch_that_draws_nobody_is_refused_not_reported_as_nan() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One expected signup: refused by no size check, yet seed 7 draws none.
    let sparse = dir.path().join("sparse.ron");
    let text =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("the tiny scenario")
            .replace("rate: 200.0", "rate: 1.0");
    std::fs::write(&sparse, text).expect("write");
    let out = dir.path().join("out");
    let args = |seed: &'static str| {
        vec![
            "run".to_string(),
            sparse.to_str().expect("utf-8").to_string(),
            "--launch".into(),
            "1".into(),
            "--seed".into(),
            seed.into(),
            "--out".into(),
            out.to_str().expect("utf-8").into(),
        ]
    };
    let refused_args = args("7");
    let message = refused(
        &refused_args.iter().map(String::as_str).collect::<Vec<_>>(),
        "drew no signups with seed 7",
    );
    assert!(message.contains("1.0 expected"), "{message}");
    assert!(!out.exists(), "a refused run writes nothing");
    // Seed 1 draws users: a table of numbers, none of them NaN.
    let drawn = onboard(&args("1").iter().map(String::as_str).collect::<Vec<_>>());
    assert!(drawn.status.success(), "{}", stderr(&drawn));
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).expect("metrics.csv");
    assert!(!metrics.to_lowercase().contains("nan"), "{metrics}");
}

#[test]
fn a_huge_garbage_token_is_not_echoed_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let token = "y".repeat(5_000_000);
    let scenario = dir.path().join("garbage.ron");
    std::fs::write(&scenario, format!("Scenario({token}: 1)")).expect("write");
    let agent = dir.path().join("garbage-agent.ron");
    std::fs::write(&agent, format!("Dqn({token}: 1)")).expect("write");
    let out = dir.path().join("out");
    let out = out.to_str().expect("utf-8");
    for (args, file) in [
        (
            vec!["run", scenario.to_str().expect("utf-8"), "--out", out],
            "garbage.ron:1:10",
        ),
        (
            vec![
                "train",
                "tiny",
                "--agent",
                agent.to_str().expect("utf-8"),
                "--out",
                out,
            ],
            "garbage-agent.ron:1:5",
        ),
    ] {
        let message = refused(&args, file);
        assert!(message.len() < 2_000, "{} bytes", message.len());
        assert!(message.contains("yyyy… (5000000 characters)"), "{message}");
    }
}

#[test]
fn an_experiment_checks_its_sizes_and_its_output_folder_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let experiment = |name: &str, users: &str, replicates: &str| {
        let path = dir.path().join(format!("{name}.ron"));
        std::fs::write(
            &path,
            format!(
                "Experiment(name: \"{name}\", scenario: \"tiny\", arms: [(name: \"a\", policy: \"nothing\"), \
                 (name: \"b\", policy: \"push\")], control: \"a\", assignment: Paired, users: {users}, \
                 replicates: {replicates})"
            ),
        )
        .expect("write");
        path.to_str().expect("utf-8").to_string()
    };
    refused(
        &["ab", &experiment("many", "1000", "18446744073709551615")],
        "replicates: at most 10000",
    );
    // Hours of work if the folder were prepared after it: refused at once.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("write");
    let inside = file.join("out");
    refused(
        &[
            "ab",
            &experiment("big", "10000000", "1000"),
            "--out",
            inside.to_str().expect("utf-8"),
        ],
        "cannot create the folder",
    );
}

/// `tiny` with `from` replaced by `to` once, written to `dir/name`.
fn tiny_with(dir: &Path, name: &str, from: &str, to: &str) -> String {
    let tiny =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("tiny");
    assert!(tiny.contains(from), "tiny has {from}");
    let path = dir.join(name);
    std::fs::write(&path, tiny.replacen(from, to, 1)).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn a_map_that_names_a_key_twice_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let twice = tiny_with(
        dir.path(),
        "twice.ron",
        r#"segments: {"browser": 0.6, "bargain_hunter": 0.4}"#,
        r#"segments: {"browser": 0.6, "browser": 0.4}"#,
    );
    refused(
        &["run", &twice, "--users", "100"],
        "the key \"browser\" appears twice in one map",
    );
    let tabular = dir.path().join("tabular.ron");
    std::fs::write(
        &tabular,
        "QLearning(gamma: 0.9, learning_rate: 0.1, epsilon: 0.1, epsilon_decay: 1.0, \
         epsilon_min: 0.0, bins: {\"age\": [1.0], \"age\": [2.0]})",
    )
    .expect("write");
    refused(
        &["train", "tiny", "--agent", tabular.to_str().expect("utf-8")],
        "the key \"age\" appears twice",
    );
}

#[test]
fn messages_say_what_is_wrong_in_the_users_terms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    // A byte-order mark (Notepad writes one) is no part of the file.
    let tiny =
        std::fs::read_to_string(format!("{}/scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR")))
            .expect("tiny");
    let marked = dir.path().join("marked.ron");
    std::fs::write(&marked, format!("\u{feff}{tiny}")).expect("write");
    let output = onboard(&[
        "run",
        marked.to_str().expect("utf-8"),
        "--users",
        "100",
        "--out",
        &out("marked"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    // A file that is no checkpoint is named as such, without libtorch's internals.
    for (name, bytes) in [
        ("empty.ot", Vec::new()),
        ("text.ot", b"LinUcb(alpha: 1.0)".to_vec()),
        ("damaged.ot", b"PK\x03\x04 not really a zip".to_vec()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let message = refused(
            &[
                "run",
                "tiny",
                "--policy",
                path.to_str().expect("utf-8"),
                "--users",
                "10",
            ],
            "not a checkpoint onboard can read",
        );
        assert!(!message.contains("miniz"), "{message}");
    }
    // A launch that expects nobody says so in a sentence.
    let quiet = tiny_with(dir.path(), "quiet.ron", "rate: 200.0", "rate: 0.0000001");
    let message = refused(
        &["run", &quiet, "--launch", "1"],
        "1 days of signups, in which scenario 'tiny' expects 0.0 users",
    );
    assert!(!message.contains("''s"), "{message}");
    // An infinite value is not 'not above 0'.
    let infinite = dqn_config(dir.path(), "inf.ron", &[("reward_scale", "inf")]);
    refused(
        &short_training(&infinite, "2", &out("inf")),
        "reward_scale: must be a finite number above 0, got inf",
    );
    // A log that cannot be read leaves no output folder; a negative penalty is a
    // value the user typed, not an unknown flag.
    let never = out("never");
    refused(
        &[
            "ope",
            &out("missing.csv"),
            "--target",
            "recs",
            "--out",
            &never,
        ],
        "missing.csv: No such file",
    );
    assert!(!Path::new(&never).exists());
    refused(
        &[
            "ope",
            &out("missing.csv"),
            "--target",
            "recs",
            "--ridge",
            "-1",
        ],
        "--ridge: the models' penalty must be a finite number > 0, got -1",
    );
    // A chart that cannot be written: the file once, and the system's reason.
    let charts = out("charts");
    let first = onboard(&["run", "tiny", "--users", "100", "--out", &charts]);
    assert!(first.status.success(), "{}", stderr(&first));
    std::fs::create_dir(Path::new(&charts).join(".partial-survival.png")).expect("mkdir");
    let message = stderr(&onboard(&[
        "run", "tiny", "--users", "100", "--out", &charts,
    ]));
    assert!(
        message.contains("survival.png: Is a directory"),
        "{message}"
    );
    assert!(!message.contains("ImageError"), "{message}");
    assert_eq!(message.matches("survival.png").count(), 1, "{message}");
}

#[test]
fn one_users_value_is_shown_without_an_interval() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("one");
    let output = onboard(&[
        "run",
        "tiny",
        "--users",
        "1",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("no interval can be estimated"), "{table}");
    // Profit per user of one user: its value and "–", not [x, x].
    let day0 = table
        .lines()
        .find(|l| l.trim_start().starts_with("0 "))
        .expect("day 0");
    assert!(day0.contains("[–]"), "{day0}");
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).expect("metrics.csv");
    let header: Vec<&str> = metrics.lines().next().expect("header").split(',').collect();
    let row: Vec<&str> = metrics.lines().nth(1).expect("day 0").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect(name);
    assert!(!row[column("profit_per_user")].is_empty());
    assert_eq!(row[column("profit_per_user_low")], "", "{metrics}");
    assert_eq!(row[column("profit_per_user_high")], "", "{metrics}");
}
