//! `onboard sweep` refuses what would mix what should not mix, and bounds what
//! would run for ever, end to end: a field, value or metric given twice; another
//! sweep run into a sweep's folder; shards of different specs merged; cells whose
//! seed or policy file changed reused; thread and shard counts past their bounds;
//! and files read back from a sweep's folder (layout, spec copy, cells) that are
//! not as `onboard sweep` wrote them. Every sweep here is one or two cells of a
//! hundred users of `tiny`.

mod common;

use common::{onboard, stderr};
use std::path::Path;

/// Asserts that `onboard args` ends with exit code 2 and `expected` in its
/// message, without a crash; returns the message.
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

/// Runs `onboard args`, asserting success; returns what it printed.
fn succeeds(args: &[&str]) -> String {
    let output = onboard(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A sweep spec `dir/file.ron` named `name`: `policy` on 100 users of `tiny`,
/// with `parameters` (RON list items), `seed` and `metrics`.
fn spec(dir: &Path, file: &str, name: &str, parameters: &str, seed: u64, metrics: &str) -> String {
    let path = dir.join(format!("{file}.ron"));
    std::fs::write(
        &path,
        format!(
            "Sweep(name: \"{name}\", base: Run(scenario: \"tiny\", policy: \"none+coupon\", \
             users: 100), parameters: [{parameters}], seed: {seed}, metrics: [{metrics}])"
        ),
    )
    .expect("write the spec");
    text(&path)
}

/// The sweep's margin over `values`.
fn margin(values: &str) -> String {
    format!("(path: \"scenario.margin\", values: List([{values}]))")
}

fn text(path: &Path) -> String {
    path.to_str().expect("utf-8").to_string()
}

/// A cell file of the sweep's `cells` folder.
fn first_cell(cells: &Path) -> std::path::PathBuf {
    std::fs::read_dir(cells)
        .expect("cells")
        .map(|e| e.expect("entry").path())
        .next()
        .expect("a cell")
}

/// Everything in `folder`, by relative path, with its bytes.
fn snapshot(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(folder).expect("inside").display();
                files.push((name.to_string(), std::fs::read(&path).expect("read")));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_field_value_or_metric_given_twice_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let cases = [
        (
            format!("{}, {}", margin("0.3, 0.4"), margin("0.5")),
            "Profit",
            "'scenario.margin' is given twice",
        ),
        // Two spellings of one field are one field.
        (
            "(path: \"scenario.levers[0].discount\", values: List([0.1])), \
             (path: \"scenario.levers[00].discount\", values: List([0.2]))"
                .to_string(),
            "Profit",
            "'scenario.levers[0].discount' and 'scenario.levers[00].discount' address the \
             same field",
        ),
        (
            margin("0.3, 0.4, 0.30"),
            "Profit",
            "scenario.margin: the value 0.3 is given twice",
        ),
        // 0 and -0 are one value to the model.
        (
            margin("0.0, -0.0"),
            "Profit",
            "scenario.margin: the value 0 is given twice",
        ),
        // A range can repeat a value too.
        (
            "(path: \"scenario.margin\", values: Linear(from: 0.3, to: 0.3, count: 3))".to_string(),
            "Profit",
            "scenario.margin: the value 0.3 is given twice",
        ),
        (
            margin("0.3"),
            "Profit, Active(1), Conversion, Active(1)",
            "metrics: Active(1) is named twice",
        ),
    ];
    for (parameters, metrics, expected) in &cases {
        let spec = spec(dir.path(), "twice", "twice", parameters, 1, metrics);
        refused(&["sweep", &spec, "--out", &text(&out)], expected);
        assert!(
            !out.exists(),
            "{expected}: the refused sweep wrote its folder"
        );
    }
}

#[test]
fn another_sweep_is_refused_in_a_sweeps_folder_and_nothing_there_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("mine");
    let out = text(&folder);
    let mine = spec(dir.path(), "mine", "mine", &margin("0.3, 0.4"), 1, "Profit");
    succeeds(&["sweep", &mine, "--out", &out]);
    let before = snapshot(&folder);

    // Another name, or the same name over other parameters: another sweep.
    let other = spec(
        dir.path(),
        "other",
        "other",
        &margin("0.3, 0.4"),
        1,
        "Profit",
    );
    refused(
        &["sweep", &other, "--out", &out],
        "holds the sweep 'mine' over scenario.margin, and this is the sweep 'other' over \
         scenario.margin: give another --out",
    );
    let columns = format!(
        "{}, (path: \"experiment.users\", values: List([100]))",
        margin("0.3")
    );
    let wider = spec(dir.path(), "wider", "mine", &columns, 1, "Profit");
    refused(
        &["sweep", &wider, "--out", &out],
        "this is the sweep 'mine' over scenario.margin, experiment.users",
    );
    refused(
        &["sweep", "slurm", &other, "--array", "1", "--out", &out],
        "holds the sweep 'mine'",
    );
    // Nor does a merge of another sweep replace its table.
    let elsewhere = text(&dir.path().join("other"));
    succeeds(&["sweep", &other, "--out", &elsewhere]);
    refused(
        &["sweep", "merge", &elsewhere, "--out", &out],
        "holds the sweep 'mine'",
    );
    assert_eq!(
        snapshot(&folder),
        before,
        "a refused sweep changed the folder"
    );

    // The same sweep resumes there as before.
    let again = succeeds(&["sweep", &mine, "--out", &out]);
    assert!(
        again.contains("2 cells: 0 run, 2 already finished"),
        "{again}"
    );
}

#[test]
fn a_changed_seed_or_policy_file_makes_the_cells_stale() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = text(&dir.path().join("out"));
    let first = spec(dir.path(), "seeded", "seeded", &margin("0.3"), 1, "Profit");
    succeeds(&["sweep", &first, "--out", &out]);
    let reseeded = spec(dir.path(), "seeded", "seeded", &margin("0.3"), 2, "Profit");
    let summary = succeeds(&["sweep", &reseeded, "--out", &out]);
    assert!(
        summary.contains("1 run, 0 already finished") && summary.contains("changed since"),
        "a cell of seed 1 was taken for one of seed 2: {summary}"
    );

    // A policy file's content, not only its name.
    let policy = dir.path().join("policy.ron");
    std::fs::write(&policy, "Constant(action: \"nothing\")").expect("write");
    let with_file = dir.path().join("file.ron");
    std::fs::write(
        &with_file,
        format!(
            "Sweep(name: \"file\", base: Run(scenario: \"tiny\", policy: \"{}\", users: 100), \
             parameters: [{}], seed: 1, metrics: [Profit])",
            text(&policy),
            margin("0.3")
        ),
    )
    .expect("write");
    let out = text(&dir.path().join("file"));
    succeeds(&["sweep", &text(&with_file), "--out", &out]);
    std::fs::write(&policy, "Constant(action: \"none+coupon\")").expect("write");
    let summary = succeeds(&["sweep", &text(&with_file), "--out", &out]);
    assert!(
        summary.contains("1 run, 0 already finished"),
        "a cell of another policy was reused: {summary}"
    );
}

#[test]
fn merge_refuses_shards_of_another_spec_and_files_not_as_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shard = |k: usize, seed: u64| {
        let spec = spec(
            dir.path(),
            "sharded",
            "sharded",
            &margin("0.3, 0.4"),
            seed,
            "Profit",
        );
        let folder = text(&dir.path().join(format!("shard-{k}-seed-{seed}")));
        succeeds(&[
            "sweep",
            &spec,
            "--shard",
            &format!("{k}/2"),
            "--out",
            &folder,
        ]);
        folder
    };
    let (one, two) = (shard(1, 1), shard(2, 1));
    let other_seed = shard(2, 7);
    let merged = text(&dir.path().join("merged"));
    refused(
        &["sweep", "merge", &one, &other_seed, "--out", &merged],
        "holds another sweep than",
    );
    let message = refused(&["sweep", "merge", &one, &other_seed], "its base differs");
    assert!(message.contains("seed"), "{message}");
    succeeds(&["sweep", "merge", &one, &two, "--out", &merged]);

    // A cell file changed after the fact: named, with what is wrong.
    let cells = Path::new(&two).join("cells");
    let cell = first_cell(&cells);
    let original = std::fs::read_to_string(&cell).expect("read");
    for (from, to, says) in [
        (
            "\"replicates\": 1",
            "\"replicates\": 2",
            "has 2 replicates; the sweep runs 1",
        ),
        (
            "\"name\": \"profit\"",
            "\"name\": \"revenue\"",
            "has the metrics revenue",
        ),
        (
            "\"values\": [\n    0.4",
            "\"values\": [\n    0.5",
            "which are not its key's",
        ),
    ] {
        assert!(original.contains(from), "{original}");
        std::fs::write(&cell, original.replace(from, to)).expect("write");
        let message = refused(
            &["sweep", "merge", &one, &two, "--out", &merged],
            "cell file is not as `onboard sweep` writes them",
        );
        assert!(
            message.contains(&text(&cell)) && message.contains(says),
            "{message}"
        );
    }
    // One far too large is not read at all.
    std::fs::File::create(&cell)
        .and_then(|f| f.set_len(8 << 20))
        .expect("a large file");
    refused(
        &["sweep", "merge", &one, &two, "--out", &merged],
        "a cell's file is at most",
    );
    std::fs::write(&cell, &original).expect("write");

    // The spec copy beside the layout is the one it was written with.
    let copy = Path::new(&one).join("sweep.ron");
    let spec_text = std::fs::read_to_string(&copy).expect("read");
    std::fs::write(&copy, spec_text.replace("seed: 1", "seed: 2")).expect("write");
    refused(
        &["sweep", "merge", &one, &two, "--out", &merged],
        "is not the spec that layout.json beside it was written with",
    );
    std::fs::write(&copy, &spec_text).expect("write");

    // A layout whose name would lead out of results/, or that holds a cell twice.
    let layout = Path::new(&one).join("layout.json");
    let layout_text = std::fs::read_to_string(&layout).expect("read");
    std::fs::write(
        &layout,
        layout_text.replace("\"sharded\"", "\"../../elsewhere\""),
    )
    .expect("write");
    refused(
        &["sweep", "merge", &one, &two, "--out", &merged],
        "layout.json: not as `onboard sweep` writes it",
    );
    let twice = layout_text.replace("\"scenario.margin=0.4\"", "\"scenario.margin=0.3\"");
    std::fs::write(&layout, twice).expect("write");
    refused(
        &["sweep", "merge", &one, &two, "--out", &merged],
        "the cell scenario.margin=0.3 twice",
    );
    std::fs::write(&layout, &layout_text).expect("write");
    succeeds(&["sweep", "merge", &one, &two, "--out", &merged]);
}

#[test]
fn resumed_cells_are_checked_again_and_an_undefined_number_is_still_finished() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    // One user: the paired lift has no interval, an undefined number.
    let spec_path = dir.path().join("lift.ron");
    std::fs::write(
        &spec_path,
        format!(
            "Sweep(name: \"lift\", base: Run(scenario: \"tiny\", policy: \"none+coupon\", \
             users: 1, control: \"nothing\"), parameters: [{}], seed: 1, \
             metrics: [Profit, Lift(Profit)])",
            margin("0.3, 0.4")
        ),
    )
    .expect("write");
    let spec = text(&spec_path);
    succeeds(&["sweep", &spec, "--out", &text(&out)]);
    let again = succeeds(&["sweep", &spec, "--out", &text(&out)]);
    assert!(
        again.contains("2 cells: 0 run, 2 already finished"),
        "{again}"
    );

    // A cell file that is not a cell is named, and its cell run again.
    let cell = first_cell(&out.join("cells"));
    std::fs::write(&cell, "{\"key\": 3}").expect("write");
    let summary = succeeds(&["sweep", &spec, "--out", &text(&out)]);
    assert!(
        summary.contains("2 cells: 1 run, 1 already finished")
            && summary.contains("1 cell file was not as `onboard sweep` writes them")
            && summary.contains(&text(&cell)),
        "{summary}"
    );
}

#[test]
fn thread_shard_and_file_sizes_are_bounded_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = spec(
        dir.path(),
        "sized",
        "sized",
        &margin("0.3, 0.4"),
        1,
        "Profit",
    );
    let out = text(&dir.path().join("out"));
    let message = refused(
        &["sweep", &spec, "--jobs", "100000", "--out", &out],
        "--jobs: 100000 is too many; at most",
    );
    assert!(
        message.contains("× the") && message.contains("cores"),
        "{message}"
    );
    refused(
        &["sweep", &spec, "--jobs", "0", "--out", &out],
        "--jobs: must be at least 1",
    );
    refused(
        &["sweep", &spec, "--shard", "3/5", "--out", &out],
        "--shard: 5 shards for 2 cells would leave shards with nothing to run; use at most 2",
    );
    refused(
        &[
            "sweep", "slurm", &spec, "--array", "1", "--cpus", "100000", "--out", &out,
        ],
        "--cpus: 100000 is too many; at most 1024",
    );
    assert!(
        !Path::new(&out).exists(),
        "a refused sweep wrote its folder"
    );

    // A spec that is a folder, or far too large, is not read.
    refused(
        &["sweep", &text(dir.path())],
        "is not a file; a sweep spec is expected",
    );
    let huge = dir.path().join("huge.ron");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(64 << 20))
        .expect("a large file");
    refused(&["sweep", &text(&huge)], "a sweep spec is at most");
    // Too many parameters or metrics.
    let many: Vec<String> = (0..65).map(|_| margin("0.3")).collect();
    refused(
        &[
            "sweep",
            &self::spec(dir.path(), "wide", "wide", &many.join(", "), 1, "Profit"),
            "--out",
            &out,
        ],
        "parameters: 65 is too many; at most 64",
    );
}

#[test]
fn a_field_given_twice_in_the_spec_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("twice.ron");
    std::fs::write(
        &path,
        "Sweep(name: \"a\", base: Run(scenario: \"tiny\", policy: \"nothing\", users: 100), \
         parameters: [(path: \"scenario.margin\", path: \"scenario.horizon\", \
         values: List([0.3]))], seed: 1, seed: 2, metrics: [Profit])",
    )
    .expect("write");
    refused(&["sweep", &text(&path)], "duplicate field named `path`");
}

#[test]
fn wrong_folders_and_names_are_refused_saying_what_was_expected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").expect("write");
    refused(
        &["sweep", "merge", &text(&empty)],
        "is not a sweep's folder: it has no layout.json (give folders that `onboard sweep` \
         wrote",
    );
    refused(
        &["sweep", "merge", &text(&file)],
        "is not a sweep's folder: it is a file",
    );
    refused(
        &["sweep", "merge", &text(&dir.path().join("gone"))],
        "is not a sweep's folder: there is no such folder",
    );
    let spec = spec(dir.path(), "named", "named", &margin("0.3"), 1, "Profit");
    refused(
        &["sweep", &spec, "--out", &text(&file)],
        "is a file, not a folder: give a folder for the sweep's files (--out)",
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "mine");
    let badly = spec.replace("named.ron", "badly.ron");
    std::fs::write(
        &badly,
        std::fs::read_to_string(&spec)
            .expect("read")
            .replace("\"named\"", "\"../up\""),
    )
    .expect("write");
    refused(
        &["sweep", &badly, "--out", &text(&dir.path().join("out"))],
        "badly.ron: name: '../up' cannot name a sweep",
    );
}
