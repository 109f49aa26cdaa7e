//! `onboard sweep slurm --submit` on a real single-node Slurm cluster: the test
//! starts one on localhost (`scripts/slurm-cluster.sh`, which installs Slurm and
//! munge from Debian's packages if missing; root needed), submits a sweep as a job
//! array plus a merge job, waits for both by polling `squeue`, checks every job's
//! final state with `scontrol` (an exit status alone would not show a merge job
//! cancelled for a failed dependency), and compares the merged table with a local
//! run's, byte for byte. It stops only the daemons it started.

mod common;

use common::{onboard, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The longest the jobs may take (a few seconds on two cores).
const JOBS_TIMEOUT: Duration = Duration::from_secs(300);

/// A cluster started for the test, stopped when dropped.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    fn start() -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slurm-cluster");
        let status = Command::new(script())
            .arg("start")
            .arg(&dir)
            .status()
            .expect("scripts/slurm-cluster.sh runs");
        assert!(
            status.success(),
            "could not start a Slurm cluster on localhost (see the lines above)"
        );
        let conf = dir.join("slurm.conf");
        Self { dir, conf }
    }

    /// A Slurm command pointed at this cluster.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("SLURM_CONF", &self.conf);
        command
    }

    /// Waits until none of `jobs` is queued or running.
    fn wait(&self, jobs: &[&str]) {
        let started = Instant::now();
        loop {
            let output = self
                .command("squeue")
                .args(["-h", "-j", &jobs.join(",")])
                .output()
                .expect("squeue runs");
            assert!(output.status.success(), "squeue: {}", stderr(&output));
            if output.stdout.is_empty() {
                return;
            }
            assert!(
                started.elapsed() < JOBS_TIMEOUT,
                "jobs still queued after {JOBS_TIMEOUT:?}:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The final state of every task of `job` (one per array task).
    fn states(&self, job: &str) -> Vec<String> {
        let output = self
            .command("scontrol")
            .args(["show", "job", "-o", job])
            .output()
            .expect("scontrol runs");
        assert!(output.status.success(), "scontrol: {}", stderr(&output));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| {
                line.split_whitespace()
                    .find_map(|field| field.strip_prefix("JobState="))
                    .map(str::to_string)
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-cluster.sh")
}

/// The number after `label` in `text` (`array job 12`).
fn job_id<'a>(text: &'a str, label: &str) -> &'a str {
    text.split(label)
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no '{label}' id in: {text}"))
}

/// Every log the jobs wrote, for a failure message.
fn logs(folder: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(folder.join("slurm/logs")) else {
        return "no logs".into();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            format!("{}:\n{text}", e.path().display())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_sweep_submitted_as_a_job_array_merges_into_the_local_table_on_a_real_cluster() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("cluster.ron");
    std::fs::write(
        &spec,
        "Sweep(name: \"cluster\", base: Run(scenario: \"tiny\", policy: \"none+coupon\", users: 400),
          parameters: [
            (path: \"scenario.levers[0].discount\", values: List([0.1, 0.2, 0.3])),
            (path: \"experiment.users\", values: List([300, 500])),
          ],
          replicates: 2, seed: 11, metrics: [Profit, Conversion])",
    )
    .expect("write the spec");
    let spec = spec.to_str().expect("utf-8");
    let local = dir.path().join("local");
    let output = onboard(&["sweep", spec, "--out", local.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", stderr(&output));

    let cluster = Cluster::start();
    let folder = dir.path().join("on-slurm");
    let output = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .env("SLURM_CONF", &cluster.conf)
        .args([
            "--quiet", "sweep", "slurm", spec, "--array", "4", "--submit",
        ])
        .arg("--out")
        .arg(&folder)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = String::from_utf8_lossy(&output.stdout);
    let array = job_id(&summary, "array job ");
    let merge = job_id(&summary, "merge job ");

    cluster.wait(&[array, merge]);
    let shards = cluster.states(array);
    assert_eq!(
        shards,
        vec!["COMPLETED"; 4],
        "every shard completes\n{}",
        logs(&folder)
    );
    assert_eq!(
        cluster.states(merge),
        vec!["COMPLETED"],
        "the merge completes\n{}",
        logs(&folder)
    );
    let merged = std::fs::read(folder.join("sweep.csv")).expect("the merge wrote sweep.csv");
    let single = std::fs::read(local.join("sweep.csv")).expect("local sweep.csv");
    assert_eq!(
        merged, single,
        "the cluster's merged table is the local run's, byte for byte"
    );
}
