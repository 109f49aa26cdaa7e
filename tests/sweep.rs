//! `onboard sweep` end to end: one row per cell in grid order, the same table on
//! any number of threads, cells that keep their results when values are added, a
//! killed sweep that reruns to the same table, stale cells named, bad paths and
//! values refused before any cell runs, and shards that merge into the table of a
//! single run.

mod common;

use common::{kill_when, onboard, stderr};
use std::path::Path;

/// A sweep of `policy` on `tiny` over the coupon's discount (`discounts`, RON list
/// items) and the users per run, written to `dir/name.ron`.
fn spec(dir: &Path, name: &str, discounts: &str, users: &str, replicates: u32) -> String {
    let path = dir.join(format!("{name}.ron"));
    std::fs::write(
        &path,
        format!(
            "Sweep(name: \"{name}\", base: Run(scenario: \"tiny\", policy: \"none+coupon\", users: 500),
              parameters: [
                (path: \"scenario.levers[0].discount\", values: List([{discounts}])),
                (path: \"experiment.users\", values: List([{users}])),
              ],
              replicates: {replicates}, seed: 3, metrics: [Profit, Conversion, Active(3)])"
        ),
    )
    .expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// Runs `onboard sweep SPEC --out OUT` with `extra` arguments; returns the table.
fn sweep(spec: &str, out: &Path, extra: &[&str]) -> (String, String) {
    let mut args = vec!["sweep", spec, "--out", out.to_str().expect("utf-8")];
    args.extend(extra);
    let output = onboard(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv");
    (table, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The table's rows by their parameter cells (the first two columns).
fn rows(table: &str) -> Vec<(String, String)> {
    table
        .lines()
        .skip(1)
        .map(|line| {
            let mut cells = line.splitn(3, ',');
            let key = format!(
                "{},{}",
                cells.next().unwrap_or(""),
                cells.next().unwrap_or("")
            );
            (key, cells.next().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn a_sweep_has_one_row_per_cell_in_grid_order_and_the_same_table_on_any_number_of_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = spec(dir.path(), "grid", "0.1, 0.2, 0.3", "300, 600", 2);
    let (one, summary) = sweep(&spec, &dir.path().join("one"), &["--jobs", "1"]);
    assert!(
        summary.contains("6 cells: 6 run, 0 already finished"),
        "{summary}"
    );
    let (two, _) = sweep(&spec, &dir.path().join("two"), &["--jobs", "2"]);
    assert_eq!(
        one, two,
        "the table does not depend on the number of threads"
    );
    // Two parameters: a line chart and a heatmap per metric, and the report with
    // every chart inline and the spec.
    for metric in ["profit", "conversion", "active_d3"] {
        for chart in [format!("sweep-{metric}"), format!("sweep-{metric}-heatmap")] {
            assert!(
                dir.path()
                    .join("one")
                    .join(format!("{chart}.png"))
                    .is_file(),
                "{chart}.png missing"
            );
        }
    }
    let report = std::fs::read_to_string(dir.path().join("one/report.html")).expect("report");
    assert_eq!(report.matches("<svg").count(), 6, "six charts inline");
    assert!(report.contains("Best cells") && report.contains("scenario.levers[0].discount"));
    assert!(report.contains("none+coupon"), "the spec is in the report");
    let header = one.lines().next().expect("a header");
    assert_eq!(
        header,
        "scenario.levers[0].discount,experiment.users,replicates,profit,profit_low,profit_high,\
         conversion,conversion_low,conversion_high,active_d3,active_d3_low,active_d3_high"
    );
    let keys: Vec<String> = rows(&one).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "0.1,300.0",
            "0.1,600.0",
            "0.2,300.0",
            "0.2,600.0",
            "0.3,300.0",
            "0.3,600.0"
        ]
    );
    // Every metric is a number inside its interval.
    for line in one.lines().skip(1) {
        let x: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().expect("a number"))
            .collect();
        for m in 0..3 {
            let (mean, low, high) = (x[3 + 3 * m], x[4 + 3 * m], x[5 + 3 * m]);
            assert!(low <= mean && mean <= high, "{line}");
        }
    }
    // A deeper discount converts more users (tiny's coupon raises purchases).
    let conversion = |row: &str| -> f64 {
        row.split(',')
            .nth(4)
            .expect("conversion")
            .parse()
            .expect("a number")
    };
    let table = rows(&one);
    assert!(conversion(&table[5].1) > conversion(&table[1].1), "{one}");
    assert!(dir.path().join("one/sweep-profit.svg").exists());
}

#[test]
fn adding_values_to_a_grid_leaves_the_cells_already_there_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let small = spec(dir.path(), "small", "0.1, 0.3", "400", 2);
    let large = spec(dir.path(), "large", "0.05, 0.1, 0.2, 0.3", "400", 2);
    let (before, _) = sweep(&small, &dir.path().join("small"), &[]);
    let (after, _) = sweep(&large, &dir.path().join("large"), &[]);
    let after = rows(&after);
    for (key, values) in rows(&before) {
        let same = after
            .iter()
            .find(|(k, _)| *k == key)
            .expect("the cell is still there");
        assert_eq!(same.1, values, "cell {key} changed when values were added");
    }
}

#[test]
fn a_sweep_killed_midway_reruns_to_the_table_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let discounts: Vec<String> = (1..=12).map(|i| format!("0.{i:02}")).collect();
    let spec = spec(dir.path(), "long", &discounts.join(", "), "20000, 40000", 2);
    let (whole, _) = sweep(&spec, &dir.path().join("whole"), &["--jobs", "2"]);

    let killed = dir.path().join("killed");
    let finished = |folder: &Path| {
        std::fs::read_dir(folder.join("cells")).map_or(0, |entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".json") && !name.starts_with(".partial-")
                })
                .count()
        })
    };
    let out = killed.to_str().expect("utf-8");
    kill_when(
        &["sweep", &spec, "--jobs", "2", "--quiet", "--out", out],
        || finished(&killed) >= 3,
    );
    let kept = finished(&killed);
    assert!(
        kept < 24,
        "the kill came too late to test anything: {kept} cells"
    );
    assert!(
        !killed.join("sweep.csv").exists(),
        "no table from a killed sweep"
    );

    let (resumed, summary) = sweep(&spec, &killed, &["--jobs", "2"]);
    assert!(
        summary.contains(&format!("{} already finished", kept)),
        "{summary}"
    );
    assert_eq!(
        resumed, whole,
        "the rerun's table differs from an uninterrupted run's"
    );
}

#[test]
fn a_changed_spec_names_its_stale_cells_and_runs_them_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let first = spec(dir.path(), "same", "0.1, 0.2", "300", 1);
    sweep(&first, &out, &[]);
    let (_, again) = sweep(&first, &out, &[]);
    assert!(
        again.contains("2 cells: 0 run, 2 already finished"),
        "{again}"
    );
    let changed = spec(dir.path(), "same", "0.1, 0.2", "300", 3);
    let (table, summary) = sweep(&changed, &out, &[]);
    assert!(
        summary.contains("2 cells were finished with a spec that has changed"),
        "{summary}"
    );
    assert!(
        summary.contains("scenario.levers[0].discount=0.1;experiment.users=300.0"),
        "{summary}"
    );
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(2) == Some("3")),
        "{table}"
    );
}

#[test]
fn bad_paths_and_values_are_refused_before_any_cell_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, parameter: &str| {
        let path = dir.path().join(format!("{name}.ron"));
        std::fs::write(
            &path,
            format!(
                "Sweep(name: \"{name}\", base: Run(scenario: \"tiny\", policy: \"nothing\", users: 300),
                  parameters: [{parameter}], seed: 1, metrics: [Profit])"
            ),
        )
        .expect("write");
        path.to_str().expect("utf-8").to_string()
    };
    for (parameter, expected) in [
        (
            "(path: \"scenario.levers[7].cost\", values: List([1.0]))",
            "scenario.levers[7].cost: the scenario has no such field",
        ),
        (
            "(path: \"scenario.name\", values: List([1.0]))",
            "scenario.name: holds text, not a number",
        ),
        (
            "(path: \"scenario.levers[x].cost\", values: List([1.0]))",
            "malformed index",
        ),
        (
            "(path: \"experiment.seed\", values: List([1.0]))",
            "experiment.seed: `Run` has no such field (it has users)",
        ),
        (
            "(path: \"agent.learning_rate\", values: List([1.0]))",
            "the base experiment `Run` has no agent",
        ),
        (
            "(path: \"experiment.policy\", values: List([1.0]))",
            "experiment.policy: holds text, not a number",
        ),
        (
            "(path: \"levers[0].cost\", values: List([1.0]))",
            "a path starts with `scenario.`, `agent.` or `experiment.`",
        ),
        (
            "(path: \"scenario.horizon\", values: List([2.5]))",
            "takes a whole number",
        ),
        (
            "(path: \"scenario.margin\", values: Linear(from: 0.1, to: 0.2, count: 0))",
            "count must lie in",
        ),
        (
            "(path: \"scenario.margin\", values: Log(from: 0.0, to: 1.0, count: 3))",
            "a log range needs ends above 0",
        ),
        (
            "(path: \"scenario.margin\", values: List([0.3, -4.0]))",
            "cell scenario.margin=-4.0",
        ),
    ] {
        let out = dir.path().join("out");
        let output = onboard(&[
            "sweep",
            &write("bad", parameter),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{parameter}: {message}");
        assert!(message.contains(expected), "{parameter}: {message}");
        assert!(!out.join("cells").exists(), "{parameter}: a cell ran");
    }
    // A folder that holds other files is not a sweep's.
    let other = dir.path().join("thesis");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("thesis.tex"), "…").expect("write");
    let output = onboard(&[
        "sweep",
        &write("fine", "(path: \"scenario.margin\", values: List([0.3]))"),
        "--out",
        other.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a sweep's folder"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(&other).expect("read").count(), 1);
}

#[test]
fn shards_merge_into_the_table_of_a_single_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sharded = spec(dir.path(), "sharded", "0.1, 0.2, 0.3, 0.4", "300, 500", 2);
    let (single, _) = sweep(&sharded, &dir.path().join("single"), &[]);
    let shards: Vec<String> = (1..=3)
        .map(|k| {
            let folder = dir.path().join(format!("shard-{k}"));
            let output = onboard(&[
                "sweep",
                &sharded,
                "--shard",
                &format!("{k}/3"),
                "--out",
                folder.to_str().expect("utf-8"),
            ]);
            assert!(output.status.success(), "{}", stderr(&output));
            let summary = String::from_utf8_lossy(&output.stdout).into_owned();
            let share = if k < 3 { 3 } else { 2 };
            assert!(
                summary.contains(&format!("shard {k} of 3: {share} of them")),
                "{summary}"
            );
            assert!(
                !folder.join("sweep.csv").exists(),
                "a shard writes no table"
            );
            folder.to_str().expect("utf-8").to_string()
        })
        .collect();
    let merged = dir.path().join("merged");
    let mut args = vec!["sweep", "merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().expect("utf-8")]);
    let output = onboard(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = std::fs::read_to_string(merged.join("sweep.csv")).expect("sweep.csv");
    assert_eq!(
        table, single,
        "the merged table differs from a single run's"
    );
    for file in ["report.html", "sweep-profit-heatmap.svg"] {
        assert_eq!(
            std::fs::read(merged.join(file)).expect(file),
            std::fs::read(dir.path().join("single").join(file)).expect(file),
            "the merged {file} differs from a single run's"
        );
    }

    // A shard missing: its cells are named.
    let output = onboard(&[
        "sweep",
        "merge",
        &shards[0],
        &shards[1],
        "--out",
        dir.path().join("part").to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("2 of 8 cells are finished in none of the folders"),
        "{}",
        stderr(&output)
    );
    // Another sweep's folder does not merge.
    let other = spec(dir.path(), "other", "0.1", "300", 1);
    let other_folder = dir.path().join("other");
    sweep(&other, &other_folder, &[]);
    let output = onboard(&[
        "sweep",
        "merge",
        &shards[0],
        other_folder.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("holds another sweep"),
        "{}",
        stderr(&output)
    );
    // Shards are K/N with 1 ≤ K ≤ N.
    for bad in ["0/3", "4/3", "2", "a/b"] {
        let output = onboard(&["sweep", &sharded, "--shard", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&output).contains("expected K/N"),
            "{bad}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn the_slurm_scripts_run_the_shards_and_the_merge_into_the_table_of_a_single_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = spec(dir.path(), "scripted", "0.1, 0.3", "300, 500", 1);
    let (single, _) = sweep(&spec, &dir.path().join("single"), &[]);
    let folder = dir.path().join("scripted");
    let output = onboard(&[
        "sweep",
        "slurm",
        &spec,
        "--array",
        "3",
        "--partition",
        "debug",
        "--time",
        "10:00",
        "--out",
        folder.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(summary.contains("4 cells in 3 shards"), "{summary}");
    assert!(summary.contains("submit both with"), "{summary}");
    let scripts = folder.join("slurm");
    let array = std::fs::read_to_string(scripts.join("array.sbatch")).expect("array.sbatch");
    for line in [
        "#SBATCH --array=1-3",
        "#SBATCH --partition=debug",
        "#SBATCH --time=10:00",
    ] {
        assert!(array.contains(line), "{line} missing from:\n{array}");
    }
    // What Slurm would do, by hand: every array task, then the merge.
    let run = |script: &str, task: Option<usize>| {
        let mut command = std::process::Command::new("bash");
        command.arg(scripts.join(script));
        if let Some(task) = task {
            command.env("SLURM_ARRAY_TASK_ID", task.to_string());
        }
        let output = command.output().expect("bash runs");
        assert!(output.status.success(), "{script}: {}", stderr(&output));
    };
    for task in 1..=3 {
        run("array.sbatch", Some(task));
    }
    run("merge.sbatch", None);
    let merged = std::fs::read_to_string(folder.join("sweep.csv")).expect("merged sweep.csv");
    assert_eq!(
        merged, single,
        "the scripts' table differs from a single run's"
    );

    let output = onboard(&[
        "sweep",
        "slurm",
        &spec,
        "--array",
        "5",
        "--out",
        dir.path().join("too-many").to_str().expect("utf-8"),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("--array: 5 shards for 4 cells"),
        "{}",
        stderr(&output)
    );
}

/// The column `name` of `table`, as numbers.
fn column(table: &str, name: &str) -> Vec<f64> {
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|line| {
            line.split(',')
                .nth(at)
                .expect("a cell")
                .parse()
                .expect("a number")
        })
        .collect()
}

/// Writes the sweep spec `Sweep(name: NAME, BODY` (the body ends with the closing
/// parenthesis) to `dir/name.ron`.
fn write_spec(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(format!("{name}.ron"));
    std::fs::write(&path, format!("Sweep(name: \"{name}\", {body}")).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn a_random_design_draws_distinct_cells_and_a_larger_count_keeps_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = |count: usize| {
        format!(
            "base: Run(scenario: \"tiny\", policy: \"none+coupon\", users: 300),
             parameters: [
               (path: \"scenario.levers[0].discount\", values: Linear(from: 0.1, to: 0.5, count: 5)),
               (path: \"experiment.users\", values: List([200, 300, 400])),
             ],
             design: Random(count: {count}, seed: 9), seed: 2, metrics: [Profit])"
        )
    };
    let out = dir.path().join("random");
    let (three, _) = sweep(&write_spec(dir.path(), "random", &body(3)), &out, &[]);
    let keys: Vec<String> = rows(&three).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys.len(), 3);
    let distinct: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 3, "the draw repeats a cell: {keys:?}");
    let (six, summary) = sweep(&write_spec(dir.path(), "random", &body(6)), &out, &[]);
    assert!(
        summary.contains("6 cells: 3 run, 3 already finished"),
        "{summary}"
    );
    assert_eq!(
        rows(&six)[..3],
        rows(&three)[..],
        "a larger count keeps the cells, and the results, of a smaller one"
    );
    let output = onboard(&["sweep", &write_spec(dir.path(), "random", &body(16))]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("design: Random(count: 16) must lie in [1, 15]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_lift_is_the_paired_difference_with_the_control_on_the_same_users() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = |policy: &str| {
        format!(
            "base: Run(scenario: \"tiny\", policy: \"{policy}\", users: 400, control: \"nothing\"),
             parameters: [(path: \"scenario.levers[0].discount\", values: List([0.1, 0.4]))],
             replicates: 2, seed: 4, metrics: [Profit, Lift(Profit), Lift(Conversion)])"
        )
    };
    let (coupon, _) = sweep(
        &write_spec(dir.path(), "coupon", &body("none+coupon")),
        &dir.path().join("coupon"),
        &[],
    );
    let (nothing, _) = sweep(
        &write_spec(dir.path(), "nothing", &body("nothing")),
        &dir.path().join("nothing"),
        &[],
    );
    // The control on the same users: a lift of "nothing" against "nothing" is 0,
    // interval included, and the coupon's lift is its profit less the control's.
    for name in [
        "profit_lift",
        "profit_lift_low",
        "profit_lift_high",
        "conversion_lift",
    ] {
        assert_eq!(column(&nothing, name), vec![0.0, 0.0], "{name}");
    }
    let lift = column(&coupon, "profit_lift");
    for ((lift, a), b) in lift
        .iter()
        .zip(column(&coupon, "profit"))
        .zip(column(&nothing, "profit"))
    {
        assert!((lift - (a - b)).abs() < 1e-9, "{lift} ≠ {a} − {b}");
    }
    let (low, high) = (
        column(&coupon, "profit_lift_low"),
        column(&coupon, "profit_lift_high"),
    );
    assert!(
        low.iter()
            .zip(&lift)
            .zip(&high)
            .all(|((l, m), h)| l < m && m < h)
    );

    let no_control = write_spec(
        dir.path(),
        "bare",
        "base: Run(scenario: \"tiny\", policy: \"nothing\", users: 300),
         parameters: [(path: \"experiment.users\", values: List([300]))],
         seed: 1, metrics: [Lift(Profit)])",
    );
    let output = onboard(&["sweep", &no_control]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("Lift(Profit) is measured against a control"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_train_base_sweeps_the_agent_and_reports_its_test_users() {
    let dir = tempfile::tempdir().expect("temp dir");
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/configs/linucb.ron");
    let body = |path: &str| {
        format!(
            "base: Train(scenario: \"tiny\", agent: {agent:?}, cohorts: 2, users: 200,
                         eval_users: 300, control: \"nothing\"),
             parameters: [(path: \"{path}\", values: List([0.5, 2.0]))],
             seed: 6, metrics: [Profit, Lift(Profit)])"
        )
    };
    let spec = write_spec(dir.path(), "alpha", &body("agent.alpha"));
    let (one, _) = sweep(&spec, &dir.path().join("one"), &["--jobs", "1"]);
    let (two, _) = sweep(&spec, &dir.path().join("two"), &["--jobs", "2"]);
    assert_eq!(
        one, two,
        "training cells do not depend on the number of threads"
    );
    assert_eq!(
        rows(&one).len(),
        2,
        "one row per value of agent.alpha:\n{one}"
    );
    assert!(one.starts_with("agent.alpha,replicates,profit,"), "{one}");
    let output = onboard(&[
        "sweep",
        &write_spec(dir.path(), "beta", &body("agent.beta")),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("agent.beta: `LinUcb` has no such field (it has alpha, regularization)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_ab_base_is_the_run_of_its_arm_against_the_files_control() {
    let dir = tempfile::tempdir().expect("temp dir");
    let experiment = |assignment: &str| {
        format!(
            "Experiment(name: \"pair\", scenario: \"tiny\", users: 400, control: \"none\",
               assignment: {assignment},
               arms: [(name: \"none\", policy: \"nothing\"), (name: \"coupon\", policy: \"none+coupon\")])"
        )
    };
    std::fs::write(dir.path().join("pair.ron"), experiment("Paired")).expect("write");
    std::fs::write(dir.path().join("split.ron"), experiment("Split")).expect("write");
    let parameters = "parameters: [
          (path: \"scenario.levers[0].discount\", values: List([0.1, 0.3])),
          (path: \"experiment.users\", values: List([300, 500])),
        ], replicates: 2, seed: 8, metrics: [Profit, Lift(Profit)])";
    let ab = |file: &str, arm: &str| {
        format!("base: Ab(experiment: \"{file}\", arm: \"{arm}\"), {parameters}")
    };
    let (from_ab, _) = sweep(
        &write_spec(dir.path(), "from-ab", &ab("pair.ron", "coupon")),
        &dir.path().join("from-ab"),
        &[],
    );
    let run = format!(
        "base: Run(scenario: \"tiny\", policy: \"none+coupon\", users: 400, control: \"nothing\"), \
         {parameters}"
    );
    let (from_run, _) = sweep(
        &write_spec(dir.path(), "from-run", &run),
        &dir.path().join("from-run"),
        &[],
    );
    assert_eq!(
        from_ab, from_run,
        "the Ab base runs as the Run of its arm against the control"
    );
    for (body, says) in [
        (
            ab("pair.ron", "push"),
            "base.arm: 'push' is not an arm of 'pair.ron' (none, coupon)",
        ),
        (ab("pair.ron", "none"), "base.arm: 'none' is the control"),
        (ab("split.ron", "coupon"), "assigns split users"),
        (
            ab("missing.ron", "coupon"),
            "base.experiment: 'missing.ron'",
        ),
    ] {
        let output = onboard(&["sweep", &write_spec(dir.path(), "bad-ab", &body)]);
        assert_eq!(output.status.code(), Some(2), "{body}");
        assert!(
            stderr(&output).contains(says),
            "{says}: {}",
            stderr(&output)
        );
    }
}
