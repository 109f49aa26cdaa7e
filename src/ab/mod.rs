//! A/B/n experiments: arms simulated on paired or split users, analysed with
//! intervals, lifts, survival and power, and written as tables, plots and a report.
//!
//! - [`experiment`]: the RON file;
//! - [`run`]: simulating the arms, and replicate split tests for the power curve;
//! - [`analysis`]: per-arm metrics, lifts, Kaplan–Meier and log-rank, power;
//! - [`outputs`]: CSV tables, `summary.json`, plots and `report.html`.

pub mod analysis;
pub mod experiment;
pub mod outputs;
pub mod run;

use crate::output::run_folder;
use analysis::{Analysis, analyse, power_point};
use anyhow::{Context, Result};
use experiment::{Experiment, resolve};
use onboard_envs::{Model, Scenario};
use run::{ArmRun, PolicyFactory, replicate_p_values, run_arms, spec_factory};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A finished experiment.
pub struct ExperimentResult {
    /// The experiment as read.
    pub experiment: Experiment,
    /// The scenario's name.
    pub scenario: String,
    /// The seed of the users.
    pub seed: u64,
    /// Every arm's simulation.
    pub runs: Vec<ArmRun>,
    /// The analysis.
    pub analysis: Analysis,
    /// Where the outputs were written.
    pub folder: PathBuf,
}

/// Runs the experiment in `path` and writes its outputs to `out` (default:
/// `results/<name>-<timestamp>`).
pub fn run_experiment_file(
    path: &Path,
    out: Option<&Path>,
    quiet: bool,
) -> Result<ExperimentResult> {
    let experiment = Experiment::from_file(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let scenario = Scenario::load(&resolve(&experiment.scenario, base))
        .with_context(|| format!("{}: scenario", path.display()))?;
    run_experiment(experiment, scenario, base, out, quiet)
}

/// Runs `experiment` on `scenario`; policy files are found from `base`.
pub fn run_experiment(
    experiment: Experiment,
    scenario: Scenario,
    base: &Path,
    out: Option<&Path>,
    quiet: bool,
) -> Result<ExperimentResult> {
    let model = Arc::new(Model::new(scenario)?);
    let factories = experiment
        .arms
        .iter()
        .map(|arm| {
            spec_factory(resolve(&arm.policy, base), Arc::clone(&model))
                .with_context(|| format!("arm '{}'", arm.name))
        })
        .collect::<Result<_>>()?;
    run_experiment_with(experiment, &model, factories, out, quiet)
}

/// Runs `experiment` on `model` with arm `k`'s policy made by `factories[k]` (the
/// arms' `policy` fields are then only labels): how trained, in-memory agents
/// enter an experiment.
pub fn run_experiment_with(
    experiment: Experiment,
    model: &Arc<Model>,
    factories: Vec<PolicyFactory>,
    out: Option<&Path>,
    quiet: bool,
) -> Result<ExperimentResult> {
    anyhow::ensure!(
        factories.len() == experiment.arms.len(),
        "{} policies for {} arms",
        factories.len(),
        experiment.arms.len()
    );
    let scenario = model.scenario();
    let seed = experiment.seed.unwrap_or(scenario.seed);
    let name = scenario.name.clone();
    let runs = run_arms(&experiment, &factories, model, seed, quiet)?;
    let control = experiment.control_index();
    let horizon = model.horizon() as usize;
    let mut analysis = analyse(&runs, control, experiment.assignment, horizon)?;
    if experiment.replicates > 0 {
        add_power_curve(&experiment, &factories, model, seed, &mut analysis, quiet)?;
    }
    let folder = run_folder(out, &experiment.name)?;
    let result = ExperimentResult {
        experiment,
        scenario: name,
        seed,
        runs,
        analysis,
        folder,
    };
    outputs::write_all(&result, model)?;
    Ok(result)
}

/// Sample sizes at which the power curve is simulated: around the size the best
/// arm's profit lift needs, within sensible bounds.
fn power_sizes(analysis: &Analysis, arm: &str, users: usize) -> Vec<usize> {
    let needed = analysis
        .lifts
        .iter()
        .find(|l| l.arm == arm && l.metric == "profit")
        .and_then(|l| l.sample_size)
        .map_or(users, |n| n.min(4 * users as u64) as usize);
    [0.25, 0.5, 1.0, 2.0]
        .iter()
        .map(|f| ((needed as f64 * f) as usize).clamp(50, 200_000))
        .collect()
}

fn add_power_curve(
    experiment: &Experiment,
    factories: &[PolicyFactory],
    model: &Arc<Model>,
    seed: u64,
    analysis: &mut Analysis,
    quiet: bool,
) -> Result<()> {
    let control = experiment.control_index();
    let Some(best) = analysis
        .arms
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != control)
        .max_by(|a, b| a.1.profit.estimate.total_cmp(&b.1.profit.estimate))
        .map(|(k, _)| k)
    else {
        return Ok(());
    };
    let best_name = experiment.arms[best].name.clone();
    let sizes = power_sizes(analysis, &best_name, experiment.users);
    let replicates = (sizes.len() * experiment.replicates) as u64;
    let progress = crate::progress::bar(replicates, "power curve", "test", quiet);
    for users in sizes {
        let p_values = replicate_p_values(
            model,
            &factories[control],
            &factories[best],
            users,
            experiment.replicates,
            seed,
            &progress,
        )?;
        analysis.power.push(power_point(users, &p_values));
    }
    progress.finish_and_clear();
    analysis.power_arm = Some(best_name);
    Ok(())
}
