//! Parameter sweeps: one base experiment run for every combination of values of a
//! few parameters (addressed by path into the scenario or the experiment), with
//! replicates, in parallel, resumable.
//!
//! `onboard sweep SPEC --jobs N` ([`run_sweep`]):
//!
//! 1. reads the spec ([`spec::SweepSpec`]) and checks, before any cell runs, that
//!    every path exists and holds a number, that no field, value or metric is
//!    given twice, that every count is within its bound, and that every cell's
//!    scenario is valid: an error names the path, value, metric or cell and what
//!    was expected ([`error::SweepError`]);
//! 2. runs the cells not yet finished on `N` threads (at most [`MAX_JOBS_PER_CORE`]
//!    times the cores the process may use), showing a progress bar with
//!    an ETA. The cells run in a rayon pool of `N` threads of its own, and the
//!    cohort stepper's own parallel chunks run inside that pool too, so the sweep
//!    never uses more than `N` cores; libtorch, for a DQN policy, runs one thread;
//! 3. keeps every finished cell in its own file under `cells/`, written atomically
//!    ([`cells::CellStore`]): a rerun of the same spec skips them, so a killed
//!    sweep loses only the cells that were running; cells finished with a spec that
//!    has since changed in what they depend on are named as stale and run again,
//!    and so are cell files that are not as a sweep writes them. A folder holds
//!    one sweep (its name and parameters, [`outputs::Layout`]): another sweep is
//!    refused there, and nothing in the folder is changed;
//! 4. writes `sweep.csv` (one row per cell, in grid order: the parameters, the
//!    replicates, each metric's mean and 95 % interval), a chart per metric
//!    against the first parameter (one line per combination of the others, the
//!    best cell marked), a heatmap per metric when two parameters are swept, and
//!    `report.html` with the best cells, the table, the charts and the spec.
//!
//! Results do not depend on `N`: every cell's seeds derive from the spec's seed and
//! the cell's key ([`cells::Cell::seed`]).

pub mod cells;
pub mod error;
mod merge;
pub mod outputs;
pub mod params;
mod replicate;
mod slurm;
pub mod spec;

pub use merge::merge;
pub use slurm::{SlurmOptions, SlurmOutcome, write_slurm};

use crate::output::write_atomically;
use crate::policies::PRIOR_PREFIX;
use crate::policies::policy_from_spec;
use crate::train::build_learner;
use anyhow::{Context, Result, anyhow, bail};
use cells::{Cell, CellMetric, CellResult, CellStore, Stored, fnv1a, grid, random};
use error::SweepError;
use onboard_agents::AgentConfig;
use onboard_envs::{Model, Scenario};
use outputs::{Layout, draw, write_report, write_table};
use params::{Documents, Target};
use rayon::prelude::*;
use serde_json::Value;
use spec::{Base, Design, MAX_CELLS, SweepSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The sweep's table.
pub const SWEEP_CSV: &str = "sweep.csv";
/// The folder of finished cells.
pub const CELLS_FOLDER: &str = "cells";
/// The copy of the spec a sweep keeps in its folder.
pub const SPEC_COPY: &str = "sweep.ron";
/// Threads a sweep may run per core it may use (`--jobs`): more only wait for a
/// core, each holding a cell's users in memory.
pub const MAX_JOBS_PER_CORE: usize = 4;
/// The largest spec file read (and its copy in a sweep's folder), in bytes.
pub const MAX_SPEC_BYTES: u64 = 16 << 20;
/// The largest layout read back, in bytes: its keys are every cell's parameters.
pub const MAX_LAYOUT_BYTES: u64 = 256 << 20;
/// The largest cell file read back, in bytes.
pub const MAX_CELL_BYTES: u64 = 1 << 20;

/// The text of `path`, `what` in messages (e.g. `a cell's file`): refused without
/// reading if it is not a plain file or is larger than `most` bytes, so that no
/// file read back (a spec, its copy, a layout, a cell) can hold a sweep for ever.
pub(crate) fn read_text(path: &Path, most: u64, what: &str) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("is not a file; {what} is expected"),
        ));
    }
    let too_large = |size: u64| {
        Error::new(
            ErrorKind::InvalidData,
            format!("is {size} bytes; {what} is at most {most} bytes"),
        )
    };
    if metadata.len() > most {
        return Err(too_large(metadata.len()));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(most + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > most {
        return Err(too_large(text.len() as u64));
    }
    Ok(text)
}

/// One cell, ready to run: its scenario, its base experiment and its agent, with
/// the cell's values applied.
struct Prepared {
    cell: Cell,
    model: Arc<Model>,
    base: Base,
    agent: Option<AgentConfig>,
}

/// The sweep of a spec, resolved and checked.
struct Plan {
    spec: SweepSpec,
    layout: Layout,
    cells: Vec<Prepared>,
}

impl Plan {
    fn new(mut spec: SweepSpec, spec_dir: &Path) -> Result<Self> {
        spec.check()?;
        spec.base = spec.base.resolve(spec_dir)?;
        let scenario = load_scenario(spec.base.scenario(), spec_dir)?;
        for metric in &spec.metrics {
            metric.check(scenario.horizon, spec.base.control().is_some())?;
        }
        let agent = match &spec.base {
            Base::Run { .. } | Base::Ab { .. } => None,
            Base::Train { agent, .. } => {
                let path = spec_dir.join(agent);
                let config = AgentConfig::from_file(&path)
                    .with_context(|| format!("base.agent: '{agent}'"))?;
                Some(serde_json::to_value(config)?)
            }
        };
        let documents = Documents {
            scenario: serde_json::to_value(&scenario)?,
            agent,
            experiment: serde_json::to_value(&spec.base)?,
        };
        let paths: Vec<String> = spec.parameters.iter().map(|p| p.path.clone()).collect();
        let targets = paths
            .iter()
            .map(|path| documents.target(path))
            .collect::<Result<Vec<_>>>()?;
        for (j, target) in targets.iter().enumerate() {
            if let Some(i) = targets[..j].iter().position(|t| t == target) {
                Err(SweepError::DuplicatePath {
                    first: paths[i].clone(),
                    second: paths[j].clone(),
                })?;
            }
        }
        let values = spec
            .parameters
            .iter()
            .map(|p| p.values.expand(&p.path))
            .collect::<Result<Vec<_>>>()?;
        let cells = design_cells(spec.design, &paths, &values)?
            .into_par_iter()
            .map(|cell| prepare(cell, &targets, &documents))
            .collect::<Result<Vec<_>>>()?;
        if let Some(first) = cells.first() {
            check_policies(first, spec.seed)?;
        }
        // Everything a cell's result depends on besides its key.
        let base_fingerprint = fnv1a(
            format!(
                "{}|{}|{}|{}|{}|{:?}|{}",
                documents.scenario,
                documents
                    .agent
                    .as_ref()
                    .map_or(String::new(), Value::to_string),
                documents.experiment,
                policy_files(&spec.base)?,
                spec.replicates,
                spec.metrics,
                spec.seed,
            )
            .as_bytes(),
        );
        let keys: Vec<String> = cells.iter().map(|c| c.cell.key.clone()).collect();
        let key_bytes: usize = keys.iter().map(|k| k.len() + 4).sum();
        if key_bytes as u64 > MAX_LAYOUT_BYTES / 2 {
            bail!(
                "parameters: the keys of {} cells over {} parameters would take {key_bytes} \
                 bytes in {}, more than the {} a sweep's folder may hold; sweep fewer \
                 parameters or fewer cells",
                keys.len(),
                paths.len(),
                outputs::LAYOUT_JSON,
                MAX_LAYOUT_BYTES / 2
            );
        }
        let layout = Layout {
            name: spec.name.clone(),
            paths,
            metrics: spec.metrics.clone(),
            replicates: spec.replicates,
            keys,
            base_fingerprint,
            spec_fingerprint: None,
        };
        Ok(Self {
            layout,
            cells,
            spec,
        })
    }

    /// The plan of the spec file at `spec_path`, with the file's text.
    fn load(spec_path: &Path) -> Result<(Self, String)> {
        let text = read_text(spec_path, MAX_SPEC_BYTES, "a sweep spec")
            .with_context(|| format!("cannot read {}", spec_path.display()))?;
        let spec: SweepSpec = onboard_agents::from_ron(&text, &spec_path.display().to_string())?;
        let spec_dir = spec_path.parent().unwrap_or(Path::new("."));
        if crate::output::check_name(&spec.name).is_err() {
            let shown: String = spec.name.chars().take(60).collect();
            bail!(
                "{}: name: '{shown}' cannot name a sweep: use letters, digits, '-', '_', '.' \
                 and '+', not starting with '.' (it names the sweep's default folder \
                 results/sweep-<name> and its Slurm jobs)",
                spec_path.display()
            );
        }
        let mut plan =
            Self::new(spec, spec_dir).with_context(|| spec_path.display().to_string())?;
        plan.layout.spec_fingerprint = Some(fnv1a(text.as_bytes()));
        Ok((plan, text))
    }
}

/// The cells of `design` over `values`, checked against [`MAX_CELLS`].
fn design_cells(design: Design, paths: &[String], values: &[Vec<f64>]) -> Result<Vec<Cell>> {
    let grid_size = values
        .iter()
        .map(Vec::len)
        .try_fold(1_usize, |a, n| a.checked_mul(n))
        .unwrap_or(usize::MAX);
    let most = MAX_CELLS.min(grid_size);
    match design {
        Design::Grid if grid_size > MAX_CELLS => {
            bail!("parameters: {grid_size} cells; a sweep may have at most {MAX_CELLS}")
        }
        Design::Grid => Ok(grid(paths, values)),
        Design::Random { count, .. } if count == 0 || count > most => bail!(
            "design: Random(count: {count}) must lie in [1, {most}] (the grid has {}; a sweep \
             may have at most {MAX_CELLS} cells)",
            counted(grid_size, "combination", "combinations")
        ),
        Design::Random { count, seed } => Ok(random(paths, values, count, seed)),
    }
}

/// The files that the base's policies name (a saved learner or an agent file),
/// each as the policy and the hash of the file's bytes, for the fingerprint: a
/// cell's result depends on what the file holds, not only on its name.
fn policy_files(base: &Base) -> Result<String> {
    let policies = match base {
        Base::Run {
            policy, control, ..
        } => [Some(policy.as_str()), control.as_deref()],
        Base::Train { control, .. } => [None, control.as_deref()],
        Base::Ab { .. } => [None, None],
    };
    let mut hashes = Vec::new();
    for policy in policies.into_iter().flatten() {
        let file = Path::new(policy.strip_prefix(PRIOR_PREFIX).unwrap_or(policy));
        if file.is_file() {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            hashes.push(format!("{policy}#{:016x}", fnv1a(&bytes)));
        }
    }
    Ok(hashes.join("|"))
}

/// `n` and the words after it, singular or plural: `1 cell was`, `2 cells were`.
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Refuses `count` shards (`what`, the option) of a sweep of `cells` cells when
/// some would have nothing to run.
fn check_shards(what: &str, count: usize, cells: usize) -> Result<()> {
    if count > cells {
        bail!(
            "{what}: {count} shards for {cells} cells would leave shards with nothing to run; \
             use at most {cells}"
        );
    }
    Ok(())
}

/// Builds the policies of the cell `first` once, so that a bad policy, control or
/// agent is an error before any cell runs.
fn check_policies(first: &Prepared, seed: u64) -> Result<()> {
    if let Base::Run { policy, .. } = &first.base {
        policy_from_spec(policy, &first.model, seed)
            .with_context(|| format!("base.policy: '{policy}'"))?;
    }
    if let Some(control) = first.base.control() {
        policy_from_spec(control, &first.model, seed)
            .with_context(|| format!("base.control: '{control}'"))?;
    }
    if let Some(agent) = &first.agent {
        build_learner(agent, &first.model, false, seed).context("base.agent")?;
    }
    Ok(())
}

fn load_scenario(scenario: &str, spec_dir: &Path) -> Result<Scenario> {
    let relative = spec_dir.join(scenario);
    let name = if relative.is_file() {
        relative.to_string_lossy().into_owned()
    } else {
        scenario.to_string()
    };
    Scenario::load(&name).with_context(|| format!("base.scenario: '{scenario}'"))
}

/// `cell` applied to the documents: its scenario, experiment and agent, validated.
fn prepare(cell: Cell, targets: &[Target], documents: &Documents) -> Result<Prepared> {
    let key = &cell.key;
    let documents = documents.with(targets, &cell.values, key)?;
    let scenario: Scenario =
        serde_json::from_value(documents.scenario).with_context(|| format!("cell {key}"))?;
    let model = Arc::new(Model::new(scenario).with_context(|| format!("cell {key}"))?);
    let base: Base =
        serde_json::from_value(documents.experiment).with_context(|| format!("cell {key}"))?;
    let agent = documents
        .agent
        .map(|value| -> Result<AgentConfig> {
            let config: AgentConfig = serde_json::from_value(value)?;
            config.validate()?;
            Ok(config)
        })
        .transpose()
        .with_context(|| format!("cell {key}: the agent"))?;
    replicate::check(&base, &model).with_context(|| format!("cell {key}"))?;
    Ok(Prepared {
        cell,
        model,
        base,
        agent,
    })
}

/// What [`run_sweep`] did.
#[derive(Debug)]
pub struct SweepOutcome {
    /// The sweep's folder.
    pub folder: PathBuf,
    /// Cells in the whole sweep.
    pub cells: usize,
    /// The shard run, if only one was.
    pub shard: Option<Shard>,
    /// Every cell's result, in grid order (`None` for a shard, which writes no
    /// table).
    pub results: Option<Vec<CellResult>>,
    /// Cells run this time.
    pub ran: usize,
    /// Cells found finished and skipped.
    pub skipped: usize,
    /// Keys of cells found finished with a different spec, run again.
    pub stale: Vec<String>,
    /// Cell files that were not as a sweep writes them (the file and why), whose
    /// cells were run again.
    pub invalid: Vec<String>,
}

impl SweepOutcome {
    /// A few lines for the terminal.
    pub fn summary(&self) -> String {
        let of = self.shard.map_or(String::new(), |s| {
            format!(
                " (shard {} of {}: {} of them)",
                s.index,
                s.count,
                self.ran + self.skipped
            )
        });
        let mut text = format!(
            "{}{of}: {} run, {} already finished\n",
            counted(self.cells, "cell", "cells"),
            self.ran,
            self.skipped
        );
        let stale = counted(self.stale.len(), "cell was", "cells were");
        push_list(
            &mut text,
            &format!("{stale} finished with a spec that has changed since, and run again"),
            &self.stale,
        );
        let invalid = counted(self.invalid.len(), "cell file was", "cell files were");
        push_list(
            &mut text,
            &format!("{invalid} not as `onboard sweep` writes them; their cells were run again"),
            &self.invalid,
        );
        match self.shard {
            Some(_) => text.push_str(&format!(
                "cells kept in {}: combine the shards with `onboard sweep merge`\n",
                self.folder.join(CELLS_FOLDER).display()
            )),
            None => text.push_str(&format!(
                "table: {}\n",
                self.folder.join(SWEEP_CSV).display()
            )),
        }
        text
    }
}

/// Appends `heading` and each of `items` on a line of its own, when there are any.
fn push_list(text: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    text.push_str(&format!("{heading}:\n"));
    for item in items {
        text.push_str(&format!("  {item}\n"));
    }
}

/// A deterministic part of a sweep's cells, for a job array: shard `index` of
/// `count` (1-based) runs the cells whose grid position is `index − 1` modulo
/// `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N`, with 1 ≤ K ≤ N.
    fn from_str(text: &str) -> Result<Self, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if (1..=count).contains(&index) => Ok(Self { index, count }),
            _ => Err(format!("'{text}': expected K/N with 1 ≤ K ≤ N, e.g. 2/8")),
        }
    }
}

impl Shard {
    fn holds(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

/// Runs the sweep of `spec_path` on `jobs` threads into `out` (default
/// `results/sweep-<name>`, or `results/sweep-<name>-shard-K-of-N` for a shard),
/// skipping the cells already finished there. A shard runs only its cells and
/// writes no table: [`merge`] combines the shards' folders.
pub fn run_sweep(
    spec_path: &Path,
    jobs: usize,
    out: Option<&Path>,
    shard: Option<Shard>,
    quiet: bool,
) -> Result<SweepOutcome> {
    if jobs == 0 {
        bail!("--jobs: must be at least 1");
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let most = MAX_JOBS_PER_CORE * cores;
    if jobs > most {
        Err(SweepError::TooMany {
            what: "--jobs",
            given: jobs,
            most,
            why: format!(
                "{MAX_JOBS_PER_CORE} × the {cores} cores this process may use: more threads \
                 only wait for a core, each holding a cell's users in memory"
            ),
        })?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("starting the sweep's threads")?;
    pool.install(|| sweep_in_pool(spec_path, out, shard, quiet))
}

/// [`run_sweep`] inside its pool of threads.
fn sweep_in_pool(
    spec_path: &Path,
    out: Option<&Path>,
    shard: Option<Shard>,
    quiet: bool,
) -> Result<SweepOutcome> {
    let (plan, text) = Plan::load(spec_path)?;
    if let Some(shard) = shard {
        check_shards("--shard", shard.count, plan.cells.len())?;
    }
    let folder = out.map_or_else(
        || {
            let suffix = shard.map_or(String::new(), |s| {
                format!("-shard-{}-of-{}", s.index, s.count)
            });
            Path::new("results").join(format!("sweep-{}{suffix}", plan.spec.name))
        },
        Path::to_path_buf,
    );
    check_folder(&folder, &plan.layout)?;
    let store = CellStore::create(&folder.join(CELLS_FOLDER))?;
    keep_spec(&folder, &text, &plan.layout)?;

    let layout = &plan.layout;
    let mut results: Vec<Option<CellResult>> = Vec::with_capacity(plan.cells.len());
    let mut stale = Vec::new();
    let mut invalid = Vec::new();
    let mut todo = Vec::new();
    let mine = |i: usize| shard.is_none_or(|s| s.holds(i));
    for (i, prepared) in plan.cells.iter().enumerate() {
        let stored = store.get(layout, &prepared.cell.key);
        if let Stored::Fresh(result) = stored {
            results.push(Some(result));
            continue;
        }
        results.push(None);
        if mine(i) {
            match stored {
                Stored::Stale => stale.push(prepared.cell.key.clone()),
                Stored::Invalid(problem) => invalid.push(problem),
                Stored::Fresh(_) | Stored::Missing => {}
            }
            todo.push(i);
        }
    }
    let skipped = (0..plan.cells.len()).filter(|&i| mine(i)).count() - todo.len();
    let progress = crate::progress::bar(todo.len() as u64, "sweep ", "cell", quiet);
    progress.set_message(plan.spec.name.clone());
    let finished: Vec<(usize, CellResult)> = todo
        .par_iter()
        .map(|&i| {
            let prepared = &plan.cells[i];
            let result = run_cell(&plan, prepared, layout.fingerprint(&prepared.cell.key))?;
            store.put(&result)?;
            progress.inc(1);
            Ok((i, result))
        })
        .collect::<Result<Vec<_>>>()?;
    progress.finish_and_clear();
    for (i, result) in finished {
        results[i] = Some(result);
    }
    let table = match shard {
        Some(_) => None,
        None => {
            let results: Vec<CellResult> = results
                .into_iter()
                .map(|r| r.ok_or_else(|| anyhow!("a cell of the sweep has no result")))
                .collect::<Result<_>>()?;
            write_table(&folder.join(SWEEP_CSV), layout, &results)?;
            draw(&folder, layout, &results)?;
            write_report(&folder, layout, &results, &text)?;
            Some(results)
        }
    };
    Ok(SweepOutcome {
        folder,
        cells: plan.cells.len(),
        ran: todo.len(),
        skipped,
        stale,
        invalid,
        shard,
        results: table,
    })
}

/// Keeps the spec's text and the sweep's layout in its folder `folder`.
fn keep_spec(folder: &Path, text: &str, layout: &Layout) -> Result<()> {
    write_atomically(&folder.join(SPEC_COPY), |partial| {
        std::fs::write(partial, text)
    })?;
    layout.save(folder)
}

/// Refuses a non-empty `folder` that is not the folder of the sweep `ours` (its
/// name and parameters, [`Layout::same_sweep`]): a sweep reuses its folder (that
/// is how it resumes), so it must never mix its files with others', nor replace
/// another sweep's table. Its layout is read back and checked ([`Layout::load`]).
pub(crate) fn check_folder(folder: &Path, ours: &Layout) -> Result<()> {
    if folder.exists() && !folder.is_dir() {
        bail!(
            "{} is a file, not a folder: give a folder for the sweep's files (--out)",
            folder.display()
        );
    }
    let Ok(mut entries) = std::fs::read_dir(folder) else {
        return Ok(());
    };
    if entries.next().is_none() {
        return Ok(());
    }
    if !folder.join(outputs::LAYOUT_JSON).exists() {
        bail!(
            "{} is not empty and is not a sweep's folder (it has no {}): give an empty or \
             new folder, or the folder of an earlier run of this sweep",
            folder.display(),
            outputs::LAYOUT_JSON
        );
    }
    let theirs = Layout::load(folder)?;
    if !theirs.same_sweep(ours) {
        Err(SweepError::OtherSweep {
            folder: folder.to_path_buf(),
            theirs: theirs.describe(),
            ours: ours.describe(),
        })?;
    }
    Ok(())
}

/// Runs every replicate of one cell.
fn run_cell(plan: &Plan, prepared: &Prepared, fingerprint: u64) -> Result<CellResult> {
    let spec = &plan.spec;
    let mut estimates = vec![Vec::with_capacity(spec.replicates); spec.metrics.len()];
    for replicate in 0..spec.replicates {
        let seed = prepared.cell.seed(spec.seed, replicate);
        let run = replicate::run(
            &prepared.base,
            &prepared.model,
            prepared.agent.as_ref(),
            seed,
        )
        .with_context(|| format!("cell {}, replicate {replicate}", prepared.cell.key))?;
        for (metric, values) in spec.metrics.iter().zip(&mut estimates) {
            values.push(metric.of(&run.simulation, run.control.as_ref()));
        }
    }
    Ok(CellResult {
        key: prepared.cell.key.clone(),
        fingerprint,
        values: prepared.cell.values.clone(),
        replicates: spec.replicates,
        metrics: spec
            .metrics
            .iter()
            .zip(&estimates)
            .map(|(&metric, values)| CellMetric::combine(metric, values))
            .collect(),
    })
}
