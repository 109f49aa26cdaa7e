//! `onboard sweep slurm SPEC --array N`: a sweep as a Slurm job array of `N` shards
//! and a merge job that runs when every shard has succeeded.
//!
//! The sweep's folder gets `slurm/array.sbatch` (task `K` of the array runs
//! `onboard sweep SPEC --shard K/N` into `shards/shard-K-of-N`), `slurm/merge.sbatch`
//! (`onboard sweep merge` of every shard into the sweep's folder), `slurm/submit.sh`
//! (submits both, the merge with `--dependency=afterok` on the array) and
//! `slurm/logs/` for the jobs' output. With `--submit`, onboard submits both itself
//! and reports the job ids. The scripts name this very `onboard` binary and the spec
//! by absolute paths, so they run from any folder of a cluster whose nodes share the
//! file system; a shard that fails can be rerun and goes on where it stopped.

use super::error::SweepError;
use super::{Plan, SWEEP_CSV, check_folder, check_shards, counted, keep_spec};
use crate::output::write_atomically;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The most shards of a job array.
pub const MAX_ARRAY: usize = 10_000;
/// The most CPUs per task (`--cpus`), which are also each shard's `--jobs`: more
/// than a node of any cluster has, so larger is a typo.
pub const MAX_CPUS: usize = 1_024;

/// How the job array is asked of Slurm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Shards, one array task each.
    pub array: usize,
    /// The partition (`--partition`), or Slurm's default.
    pub partition: Option<String>,
    /// The time limit of each task (`--time`, e.g. `30`, `2:00:00`, `1-0`).
    pub time: Option<String>,
    /// CPUs per task (`--cpus-per-task`), which are also the shard's `--jobs`.
    pub cpus: usize,
    /// Submit both jobs with `sbatch` instead of only writing the scripts.
    pub submit: bool,
}

/// What [`write_slurm`] wrote, and submitted.
#[derive(Debug)]
pub struct SlurmOutcome {
    /// The sweep's folder, where the merge writes the table.
    pub folder: PathBuf,
    /// Cells in the sweep.
    pub cells: usize,
    /// Shards in the array.
    pub array: usize,
    /// The scripts' folder.
    pub scripts: PathBuf,
    /// The ids of the array job and of the merge job, when submitted.
    pub jobs: Option<(String, String)>,
}

impl SlurmOutcome {
    /// A few lines for the terminal.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} in {}; scripts in {}: {ARRAY_SCRIPT} (the shards), \
             {MERGE_SCRIPT} (the merge), {SUBMIT_SCRIPT}\n",
            counted(self.cells, "cell", "cells"),
            counted(self.array, "shard", "shards"),
            self.scripts.display(),
        );
        match &self.jobs {
            Some((array, merge)) => text.push_str(&format!(
                "submitted: array job {array}, merge job {merge} (runs when every shard has \
                 succeeded)\ntable, once merged: {}\n",
                self.folder.join(SWEEP_CSV).display()
            )),
            None => text.push_str(&format!(
                "submit both with: {}\n",
                self.scripts.join(SUBMIT_SCRIPT).display()
            )),
        }
        text
    }
}

const ARRAY_SCRIPT: &str = "array.sbatch";
const MERGE_SCRIPT: &str = "merge.sbatch";
const SUBMIT_SCRIPT: &str = "submit.sh";

/// Writes the job-array and merge scripts of the sweep of `spec_path` into its
/// folder `out` (default `results/sweep-<name>`), after checking the spec as a
/// local sweep would; submits them when `options.submit`.
pub fn write_slurm(
    spec_path: &Path,
    out: Option<&Path>,
    options: &SlurmOptions,
) -> Result<SlurmOutcome> {
    check_options(options)?;
    let (plan, text) = Plan::load(spec_path)?;
    let cells = plan.cells.len();
    check_shards("--array", options.array, cells)?;
    let folder = out.map_or_else(
        || Path::new("results").join(format!("sweep-{}", plan.spec.name)),
        Path::to_path_buf,
    );
    check_folder(&folder, &plan.layout)?;
    let folder = absolute(&folder)?;
    if folder.to_string_lossy().contains(['"', '\n']) {
        bail!(
            "{}: a sweep's folder for Slurm cannot hold a double quote or a line break \
             (sbatch reads the log paths from the script's #SBATCH lines)",
            folder.display()
        );
    }
    let scripts = folder.join("slurm");
    std::fs::create_dir_all(scripts.join("logs"))
        .with_context(|| format!("cannot create the folder {}", scripts.display()))?;
    keep_spec(&folder, &text, &plan.layout)?;

    let onboard = std::env::current_exe().context("cannot find the onboard binary's path")?;
    let spec = absolute(spec_path)?;
    let scripts_text = Scripts {
        onboard: &onboard,
        spec: &spec,
        folder: &folder,
        name: &plan.spec.name,
        options,
    };
    write_script(&scripts.join(ARRAY_SCRIPT), &scripts_text.array())?;
    write_script(&scripts.join(MERGE_SCRIPT), &scripts_text.merge())?;
    write_script(&scripts.join(SUBMIT_SCRIPT), &scripts_text.submit())?;
    let jobs = if options.submit {
        let array = sbatch(&[], &scripts.join(ARRAY_SCRIPT))?;
        let merge = sbatch(
            &[format!("--dependency=afterok:{array}")],
            &scripts.join(MERGE_SCRIPT),
        )?;
        Some((array, merge))
    } else {
        None
    };
    Ok(SlurmOutcome {
        folder,
        cells,
        array: options.array,
        scripts,
        jobs,
    })
}

/// Refuses options that Slurm would reject later, or that would break the scripts.
fn check_options(options: &SlurmOptions) -> Result<()> {
    if !(1..=MAX_ARRAY).contains(&options.array) {
        bail!(
            "--array: must lie in [1, {MAX_ARRAY}], got {}",
            options.array
        );
    }
    if options.cpus == 0 {
        bail!("--cpus: must be at least 1");
    }
    if options.cpus > MAX_CPUS {
        Err(SweepError::TooMany {
            what: "--cpus",
            given: options.cpus,
            most: MAX_CPUS,
            why: "more than a node of any cluster has; they are also each shard's --jobs".into(),
        })?;
    }
    if let Some(partition) = &options.partition
        && (partition.is_empty()
            || !partition
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.,".contains(c)))
    {
        bail!("--partition: '{partition}' is not a partition name (letters, digits, _ - . ,)");
    }
    if let Some(time) = &options.time
        && (time.is_empty() || !time.chars().all(|c| c.is_ascii_digit() || ":-".contains(c)))
    {
        bail!(
            "--time: '{time}' is not a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM)"
        );
    }
    Ok(())
}

/// The absolute form of `path` (the scripts run from another folder).
fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}

/// The text of the three scripts.
struct Scripts<'a> {
    onboard: &'a Path,
    spec: &'a Path,
    folder: &'a Path,
    name: &'a str,
    options: &'a SlurmOptions,
}

impl Scripts<'_> {
    fn shard_folder(&self, index: &str) -> String {
        let shards = self.folder.join("shards");
        format!(
            "{}/shard-{index}-of-{}",
            quote(&shards.to_string_lossy()),
            self.options.array
        )
    }

    /// The lines every job script starts with.
    fn header(&self, job: &str, output: &str) -> String {
        let mut text = format!(
            "#!/bin/bash\n# Written by `onboard sweep slurm`.\n\
             #SBATCH --job-name=onboard-{job}-{}\n#SBATCH --output=\"{}\"\n",
            self.name,
            self.folder.join("slurm/logs").join(output).display()
        );
        if let Some(partition) = &self.options.partition {
            text.push_str(&format!("#SBATCH --partition={partition}\n"));
        }
        if let Some(time) = &self.options.time {
            text.push_str(&format!("#SBATCH --time={time}\n"));
        }
        text
    }

    /// Lines that make the binary runnable on the node: libtorch's folder.
    fn environment(&self) -> String {
        let mut text = String::from("set -euo pipefail\n");
        if let Some(libraries) = std::env::var_os("LD_LIBRARY_PATH") {
            text.push_str(&format!(
                "export LD_LIBRARY_PATH={}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\n",
                quote(&libraries.to_string_lossy())
            ));
        }
        text
    }

    fn array(&self) -> String {
        let n = self.options.array;
        format!(
            "{}#SBATCH --array=1-{n}\n#SBATCH --cpus-per-task={cpus}\n{}\
             exec {} --quiet sweep {} --jobs {cpus} --shard \"$SLURM_ARRAY_TASK_ID/{n}\" \
             --out {}\n",
            self.header("sweep", "shard-%a.out"),
            self.environment(),
            quote(&self.onboard.to_string_lossy()),
            quote(&self.spec.to_string_lossy()),
            self.shard_folder("\"$SLURM_ARRAY_TASK_ID\""),
            cpus = self.options.cpus,
        )
    }

    fn merge(&self) -> String {
        let shards: Vec<String> = (1..=self.options.array)
            .map(|k| self.shard_folder(&k.to_string()))
            .collect();
        format!(
            "{}#SBATCH --cpus-per-task=1\n{}exec {} --quiet sweep merge {} --out {}\n",
            self.header("merge", "merge.out"),
            self.environment(),
            quote(&self.onboard.to_string_lossy()),
            shards.join(" "),
            quote(&self.folder.to_string_lossy()),
        )
    }

    fn submit(&self) -> String {
        let scripts = self.folder.join("slurm");
        format!(
            "#!/bin/bash\n# Written by `onboard sweep slurm`: submits the shards, then the merge \
             once every shard has succeeded.\nset -euo pipefail\n\
             array=$(sbatch --parsable {})\narray=${{array%%;*}}\n\
             merge=$(sbatch --parsable --dependency=afterok:\"$array\" {})\n\
             echo \"array job $array, merge job ${{merge%%;*}}\"\n",
            quote(&scripts.join(ARRAY_SCRIPT).to_string_lossy()),
            quote(&scripts.join(MERGE_SCRIPT).to_string_lossy()),
        )
    }
}

/// `text` as one shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Writes an executable script, atomically.
fn write_script(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    write_atomically(path, |partial| {
        std::fs::write(partial, text)?;
        std::fs::set_permissions(partial, std::fs::Permissions::from_mode(0o755))
    })?;
    Ok(())
}

/// Submits `script` with `sbatch --parsable` and `options`; returns the job id.
fn sbatch(options: &[String], script: &Path) -> Result<String> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(options)
        .arg(script)
        .output()
        .with_context(|| {
            format!(
                "cannot run sbatch to submit {} (is Slurm's client installed and on PATH?)",
                script.display()
            )
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let id = stdout.trim().split(';').next().unwrap_or("").to_string();
    if !output.status.success() || id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        bail!(
            "sbatch refused {}: {}{}",
            script.display(),
            String::from_utf8_lossy(&output.stderr).trim(),
            stdout.trim()
        );
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_spaces_and_quotes_in_one_word() {
        assert_eq!(quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn bad_options_are_refused_with_the_option_named() {
        let good = SlurmOptions {
            array: 2,
            partition: Some("debug".into()),
            time: Some("0:30:00".into()),
            cpus: 1,
            submit: false,
        };
        assert!(check_options(&good).is_ok());
        let cases = [
            (
                SlurmOptions {
                    array: 0,
                    ..good.clone()
                },
                "--array",
            ),
            (
                SlurmOptions {
                    cpus: 0,
                    ..good.clone()
                },
                "--cpus",
            ),
            (
                SlurmOptions {
                    partition: Some("a b\n".into()),
                    ..good.clone()
                },
                "--partition",
            ),
            (
                SlurmOptions {
                    time: Some("soon".into()),
                    ..good.clone()
                },
                "--time",
            ),
        ];
        for (options, named) in cases {
            let error = check_options(&options).expect_err("refused").to_string();
            assert!(error.starts_with(named), "{error}");
        }
    }
}
