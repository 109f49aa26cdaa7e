//! A/B/n experiments: arms simulated on paired or split users, analysed with
//! intervals, lifts, survival and power, and written as tables, plots and a report.
//!
//! - [`experiment`]: the RON file;
//! - [`run`]: simulating the arms, and replicate split tests for the power curve;
//! - [`analysis`]: per-arm metrics, lifts, Kaplan–Meier and log-rank, power;
//! - [`verdict`]: the paragraph a product manager reads first;
//! - [`outputs`]: CSV tables, `summary.json`, plots and `report.html`.

pub mod analysis;
pub mod experiment;
pub mod outputs;
pub mod run;
pub mod verdict;

use crate::folder::{Writer, run_folder};
use analysis::{Analysis, ArmSummary, PowerPlan, analyse, power_plan, power_point};
use anyhow::{Context, Result};
use experiment::{Assignment, Experiment, resolve};
use onboard_envs::{Model, Scenario};
use run::{
    ArmRun, PolicyFactory, derive_seed, replicate_p_values, run_arms, simulate_cohort, spec_factory,
};
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
    writer: Writer,
    quiet: bool,
) -> Result<ExperimentResult> {
    let experiment = Experiment::from_file(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let scenario = Scenario::load(&resolve(&experiment.scenario, base))
        .with_context(|| format!("{}: scenario", path.display()))?;
    run_experiment(experiment, scenario, base, out, writer, quiet)
}

/// Runs `experiment` on `scenario`; policy files are found from `base`.
pub fn run_experiment(
    experiment: Experiment,
    scenario: Scenario,
    base: &Path,
    out: Option<&Path>,
    writer: Writer,
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
    run_experiment_with(experiment, &model, factories, out, writer, quiet)
}

/// Runs `experiment` on `model` with arm `k`'s policy made by `factories[k]` (the
/// arms' `policy` fields are then only labels): how trained, in-memory agents
/// enter an experiment.
pub fn run_experiment_with(
    experiment: Experiment,
    model: &Arc<Model>,
    factories: Vec<PolicyFactory>,
    out: Option<&Path>,
    writer: Writer,
    quiet: bool,
) -> Result<ExperimentResult> {
    experiment.check()?;
    anyhow::ensure!(
        factories.len() == experiment.arms.len(),
        "{} policies for {} arms",
        factories.len(),
        experiment.arms.len()
    );
    let scenario = model.scenario();
    let seed = experiment.seed.unwrap_or(scenario.seed);
    let name = scenario.name.clone();
    // Before any work: an output folder that cannot be written is found now.
    let folder = run_folder(out, &experiment.name, writer)?;
    let runs = run_arms(&experiment, &factories, model, seed, quiet)?;
    let control = experiment.control_index();
    let horizon = model.horizon() as usize;
    let mut analysis = analyse(&runs, control, experiment.assignment, horizon)?;
    if experiment.replicates > 0 {
        add_power_curve(
            &experiment,
            &factories,
            model,
            seed,
            &runs,
            &mut analysis,
            quiet,
        )?;
    }
    analysis.verdict = verdict::verdict(&analysis, verdict::objective_metric(&scenario.objective));
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

/// The part of [`derive_seed`]'s input that draws the power curve's pilot users,
/// distinct from the experiment's users (the experiment seed itself) and from the
/// replicates' (three parts each).
const PILOT: u64 = u64::MAX;

/// Sample sizes at which the power curve is simulated: a quarter, half, once,
/// twice and four times the users the plan needs (or the experiment's size when its
/// effect is 0), without those below the normal-approximation floor, four at most.
fn power_sizes(plan: &PowerPlan, users: usize) -> Vec<usize> {
    let centre = plan
        .users_needed
        .map_or(users as u64, |n| n.min(4 * users as u64));
    let mut sizes: Vec<usize> = [0.25, 0.5, 1.0, 2.0, 4.0]
        .iter()
        .map(|f| (centre as f64 * f) as u64)
        .filter(|&n| n >= plan.floor)
        .map(|n| n.min(MAX_POWER_USERS.max(plan.floor)) as usize)
        .collect();
    sizes.dedup();
    sizes.truncate(4);
    sizes
}

/// The most users per arm a power-curve replicate simulates.
const MAX_POWER_USERS: u64 = 200_000;

/// Fixes the power curve's arm (its index and plan) and effect before any
/// replicate: the experiment's `power_arm`, measured on the experiment's users;
/// else the arm with the best observed profit, measured again on a pilot of fresh
/// users, so that the choice does not inflate the effect.
fn plan_power(
    experiment: &Experiment,
    factories: &[PolicyFactory],
    model: &Arc<Model>,
    seed: u64,
    runs: &[ArmRun],
    arms: &[ArmSummary],
) -> Result<Option<(usize, PowerPlan)>> {
    let control = experiment.control_index();
    let paired = experiment.assignment == Assignment::Paired;
    if let Some(name) = &experiment.power_arm {
        let Some(arm) = runs.iter().position(|r| &r.name == name) else {
            anyhow::bail!("power_arm: '{name}' is not one of the arms");
        };
        let plan = power_plan(
            name,
            "named in the experiment file",
            "the experiment's users",
            &runs[control].simulation.users,
            &runs[arm].simulation.users,
            paired,
        )?;
        return Ok(Some((arm, plan)));
    }
    let Some(best) = arms
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != control)
        .max_by(|a, b| a.1.profit.estimate.total_cmp(&b.1.profit.estimate))
        .map(|(k, _)| k)
    else {
        return Ok(None);
    };
    let users_seed = derive_seed(seed, &[PILOT]);
    let pilot = |k: usize| {
        let policy_seed = derive_seed(users_seed, &[k as u64]);
        simulate_cohort(
            model,
            &factories[k],
            experiment.users,
            users_seed,
            policy_seed,
            true,
        )
        .map(|(_, simulation)| simulation.users)
        .with_context(|| format!("arm '{}': power pilot", runs[k].name))
    };
    let plan = power_plan(
        &runs[best].name,
        "the best observed profit among the arms",
        &format!(
            "a pilot of {} fresh users, the same in both arms, none of them in the experiment or the replicates",
            experiment.users
        ),
        &pilot(control)?,
        &pilot(best)?,
        true,
    )?;
    Ok(Some((best, plan)))
}

fn add_power_curve(
    experiment: &Experiment,
    factories: &[PolicyFactory],
    model: &Arc<Model>,
    seed: u64,
    runs: &[ArmRun],
    analysis: &mut Analysis,
    quiet: bool,
) -> Result<()> {
    let Some((arm, plan)) = plan_power(experiment, factories, model, seed, runs, &analysis.arms)?
    else {
        return Ok(());
    };
    let control = experiment.control_index();
    let sizes = power_sizes(&plan, experiment.users);
    let replicates = (sizes.len() * experiment.replicates) as u64;
    let progress = crate::progress::bar(replicates, "power curve", "test", quiet);
    for users in sizes {
        let p_values = replicate_p_values(
            model,
            &factories[control],
            &factories[arm],
            users,
            experiment.replicates,
            seed,
            &progress,
        )?;
        analysis.power.push(power_point(users, &p_values));
    }
    progress.finish_and_clear();
    analysis.power_plan = Some(plan);
    Ok(())
}
