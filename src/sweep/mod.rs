//! Parameter sweeps: one base experiment run for every combination of values of a
//! few parameters (addressed by path into the scenario or the experiment), with
//! replicates, in parallel, resumable.
//!
//! `onboard sweep SPEC --jobs N` ([`run_sweep`]):
//!
//! 1. reads the spec ([`spec::SweepSpec`]) and checks, before any cell runs, that
//!    every path exists and holds a number, and that every cell's scenario is
//!    valid: an error names the path or the cell and what was expected;
//! 2. runs the cells not yet finished on `N` threads, showing a progress bar with
//!    an ETA. The cells run in a rayon pool of `N` threads of its own, and the
//!    cohort stepper's own parallel chunks run inside that pool too, so the sweep
//!    never uses more than `N` cores; libtorch, for a DQN policy, runs one thread;
//! 3. keeps every finished cell in its own file under `cells/`, written atomically
//!    ([`cells::CellStore`]): a rerun of the same spec skips them, so a killed
//!    sweep loses only the cells that were running; cells finished with a spec that
//!    has since changed in what they depend on are named as stale and run again;
//! 4. writes `sweep.csv` (one row per cell, in grid order: the parameters, the
//!    replicates, each metric's mean and 95 % interval), a chart per metric
//!    against the first parameter (one line per combination of the others, the
//!    best cell marked), a heatmap per metric when two parameters are swept, and
//!    `report.html` with the best cells, the table, the charts and the spec.
//!
//! Results do not depend on `N`: every cell's seeds derive from the spec's seed and
//! the cell's key ([`cells::Cell::seed`]).

pub mod cells;
mod merge;
pub mod outputs;
pub mod params;
mod replicate;
mod slurm;
pub mod spec;

pub use merge::merge;
pub use slurm::{SlurmOptions, SlurmOutcome, write_slurm};

use crate::output::write_atomically;
use crate::policies::policy_from_spec;
use crate::train::build_learner;
use anyhow::{Context, Result, anyhow, bail};
use cells::{Cell, CellMetric, CellResult, CellStore, Stored, fnv1a, grid, random};
use onboard_agents::AgentConfig;
use onboard_envs::{Model, Scenario};
use outputs::{Layout, draw, write_report, write_table};
use params::{Documents, Target};
use rayon::prelude::*;
use serde_json::Value;
use spec::{Base, Design, MAX_CELLS, MAX_REPLICATES, SweepSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The sweep's table.
pub const SWEEP_CSV: &str = "sweep.csv";
/// The folder of finished cells.
pub const CELLS_FOLDER: &str = "cells";
/// The copy of the spec a sweep keeps in its folder.
pub const SPEC_COPY: &str = "sweep.ron";

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
        spec.base = spec.base.resolve(spec_dir)?;
        if spec.parameters.is_empty() {
            bail!("parameters: a sweep needs at least one parameter");
        }
        if !(1..=MAX_REPLICATES).contains(&spec.replicates) {
            bail!(
                "replicates: must lie in [1, {MAX_REPLICATES}], got {}",
                spec.replicates
            );
        }
        if spec.metrics.is_empty() {
            bail!(
                "metrics: name at least one (Profit, Revenue, Reward, Conversion, Active(N), \
                 Lift(Profit))"
            );
        }
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
        let base_fingerprint = fnv1a(
            format!(
                "{}|{}|{}|{}|{:?}",
                documents.scenario,
                documents
                    .agent
                    .as_ref()
                    .map_or(String::new(), Value::to_string),
                documents.experiment,
                spec.replicates,
                spec.metrics
            )
            .as_bytes(),
        );
        let layout = Layout {
            name: spec.name.clone(),
            paths,
            metrics: spec.metrics.clone(),
            replicates: spec.replicates,
            keys: cells.iter().map(|c| c.cell.key.clone()).collect(),
            base_fingerprint,
        };
        Ok(Self {
            layout,
            cells,
            spec,
        })
    }

    /// The plan of the spec file at `spec_path`, with the file's text.
    fn load(spec_path: &Path) -> Result<(Self, String)> {
        let text = std::fs::read_to_string(spec_path)
            .with_context(|| format!("cannot read {}", spec_path.display()))?;
        let spec: SweepSpec = onboard_agents::from_ron(&text, &spec_path.display().to_string())?;
        let spec_dir = spec_path.parent().unwrap_or(Path::new("."));
        let plan = Self::new(spec, spec_dir).with_context(|| spec_path.display().to_string())?;
        crate::output::check_name(&plan.spec.name)?;
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
            "design: Random(count: {count}) must lie in [1, {most}] (the grid has {grid_size} \
             combinations; a sweep may have at most {MAX_CELLS} cells)"
        ),
        Design::Random { count, seed } => Ok(random(paths, values, count, seed)),
    }
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
            "{} cells{of}: {} run, {} already finished\n",
            self.cells, self.ran, self.skipped
        );
        if !self.stale.is_empty() {
            text.push_str(&format!(
                "{} cells were finished with a spec that has changed since, and were run again:\n",
                self.stale.len()
            ));
            for key in &self.stale {
                text.push_str(&format!("  {key}\n"));
            }
        }
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
    let folder = out.map_or_else(
        || {
            let suffix = shard.map_or(String::new(), |s| {
                format!("-shard-{}-of-{}", s.index, s.count)
            });
            Path::new("results").join(format!("sweep-{}{suffix}", plan.spec.name))
        },
        Path::to_path_buf,
    );
    check_folder(&folder)?;
    let store = CellStore::open(&folder.join(CELLS_FOLDER))?;
    keep_spec(&folder, &text, &plan.layout)?;

    let layout = &plan.layout;
    let mut results: Vec<Option<CellResult>> = Vec::with_capacity(plan.cells.len());
    let mut stale = Vec::new();
    let mut todo = Vec::new();
    let mine = |i: usize| shard.is_none_or(|s| s.holds(i));
    for (i, prepared) in plan.cells.iter().enumerate() {
        match store.get(&prepared.cell, layout.fingerprint(&prepared.cell.key)) {
            Stored::Fresh(result) => results.push(Some(result)),
            Stored::Stale if mine(i) => {
                stale.push(prepared.cell.key.clone());
                todo.push(i);
                results.push(None);
            }
            Stored::Missing if mine(i) => {
                todo.push(i);
                results.push(None);
            }
            Stored::Stale | Stored::Missing => results.push(None),
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
            store.put(&prepared.cell, &result)?;
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

/// Refuses a non-empty `folder` that is not a sweep's: a sweep reuses its folder
/// (that is how it resumes), so it must never mix its files with others.
pub(crate) fn check_folder(folder: &Path) -> Result<()> {
    let Ok(mut entries) = std::fs::read_dir(folder) else {
        return Ok(());
    };
    if entries.next().is_some() && !folder.join(outputs::LAYOUT_JSON).is_file() {
        bail!(
            "{} is not empty and is not a sweep's folder (it has no {}): give an empty or \
             new folder, or the folder of an earlier run of this sweep",
            folder.display(),
            outputs::LAYOUT_JSON
        );
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
