//! `onboard ope-bench`: simulates logs of a behaviour policy again and again, runs
//! every estimator on each, and compares them with the simulator's truth: bias,
//! standard deviation, RMSE and interval coverage per estimator.
//!
//! Two truths, one per family of estimators:
//! - per trajectory, the target's on-policy value: the mean return of a user's
//!   window on a large cohort run under the target;
//! - per decision, the target's mean immediate reward on the behaviour's states: on
//!   a large cohort run under the behaviour, each user-day is also stepped, on a
//!   copy of the user with the same random draws (common random numbers), under
//!   each action the target might take, weighted by its probability.

use super::evaluate::{EstimateRow, Evaluation, EvaluationPlan, Family, Target, evaluate};
use super::logging::{Behaviour, StepView, simulate_log};
use super::outputs::{figure, signed};
use crate::ab::run::derive_seed;
use crate::output::cell;
use crate::plots::{ForestRow, forest};
use crate::policies::policy_from_spec;
use crate::report::{Page, escape};
use anyhow::{Result, bail};
use ndarray::Array2;
use onboard_envs::{Model, Scenario, step_user};
use onboard_ope::LogBuilder;
use rayon::prelude::*;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `onboard ope-bench` runs.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// The behaviour policy (as `run --policy` takes it).
    pub behaviour: String,
    /// Uniform exploration mixed into the behaviour.
    pub epsilon: f64,
    /// The target policy.
    pub target: String,
    /// Simulated logs.
    pub reps: usize,
    /// Users per log.
    pub users: usize,
    /// Users of each truth cohort.
    pub truth_users: usize,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
    /// How each log is evaluated.
    pub evaluation: EvaluationPlan,
}

impl BenchPlan {
    /// Checks the plan before any work: the exploration share, the evaluation, at
    /// least 2 truth users (for the truth's standard error) and 2 users per log (for
    /// an interval), and 2 to [`MAX_REPS`] replicates.
    pub fn check(&self) -> Result<()> {
        super::log_command::check_epsilon(self.epsilon)?;
        self.evaluation.check()?;
        if self.truth_users < 2 {
            bail!(
                "--truth-users: the truth's standard error needs at least 2 users, got {}",
                self.truth_users
            );
        }
        if self.users < 2 {
            bail!(
                "--users: an interval over users needs at least 2 users per log, got {}",
                self.users
            );
        }
        if self.reps > MAX_REPS {
            bail!(
                "--reps: at most {MAX_REPS} simulated logs (coverage is then known to ±0.5 points), got {}",
                self.reps
            );
        }
        if self.reps < 2 {
            bail!(
                "--reps: the benchmark needs at least 2 replicates for a standard deviation, got {}",
                self.reps
            );
        }
        Ok(())
    }
}

/// A truth with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    /// The value.
    pub value: f64,
    /// Its standard error (the truth cohort is finite).
    pub standard_error: f64,
    /// The standard deviation of one user's value, from which the floor of any
    /// estimate on a sample of users follows ([`BenchResult::floor`]).
    pub sd: f64,
}

/// One estimator's record over the replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// What it estimates.
    pub family: Family,
    /// The estimator.
    pub name: String,
    /// Mean estimate over the replicates.
    pub mean: f64,
    /// Mean minus truth.
    pub bias: f64,
    /// Standard deviation of the estimates.
    pub sd: f64,
    /// Root mean squared error against the truth.
    pub rmse: f64,
    /// Share of replicates whose t interval covers the truth; `None` where some
    /// replicate has no t interval (see [`Evaluation`]'s rows), so that no share
    /// counts an interval that does not exist as a miss.
    pub t_coverage: Option<f64>,
    /// Share whose bootstrap interval covers it, if bootstrapped; `None` as for
    /// the t interval.
    pub bootstrap_coverage: Option<f64>,
    /// Replicates that computed the estimate (the others could not: an overflow);
    /// the mean, bias, sd and rmse are over them.
    pub computed: usize,
    /// Replicates without a t interval, and without a bootstrap one when
    /// bootstrapped.
    pub missing: (usize, usize),
}

/// The benchmark's result.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    /// Truth per decision.
    pub per_decision: Truth,
    /// Truth per trajectory.
    pub per_trajectory: Truth,
    /// Mean share of decisions on which the target acts otherwise than the log.
    pub mismatch: f64,
    /// The estimators' records.
    pub rows: Vec<BenchRow>,
    /// Replicates.
    pub reps: usize,
    /// Users per simulated log.
    pub users: usize,
}

impl BenchResult {
    /// The truth of `family`.
    pub fn truth(&self, family: Family) -> Truth {
        match family {
            Family::PerDecision => self.per_decision,
            Family::PerTrajectory => self.per_trajectory,
        }
    }

    /// The floor of `family`: the RMSE of the on-policy sample mean of the target on
    /// as many users as a log holds (its standard error, `sd / √users`). No
    /// estimator from a log of the behaviour can expect to do better than an
    /// experiment that ran the target on the same users.
    pub fn floor(&self, family: Family) -> f64 {
        self.truth(family).sd / (self.users as f64).sqrt()
    }
}

/// Mean and standard error of `values`.
fn mean_and_error(values: &[f64]) -> Truth {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    Truth {
        value: mean,
        standard_error: (var / n).sqrt(),
        sd: var.sqrt(),
    }
}

/// Most simulated logs a benchmark may run.
pub const MAX_REPS: usize = 10_000;

/// Parts of the seed of each cohort.
const TRUTH_TARGET: u64 = 1;
const TRUTH_BEHAVIOUR: u64 = 2;
const REPLICATE: u64 = 3;

/// Runs the benchmark on `scenario`.
pub fn run_bench(scenario: Scenario, plan: &BenchPlan, quiet: bool) -> Result<BenchResult> {
    plan.check()?;
    let seed = plan.seed.unwrap_or(scenario.seed);
    let model = Arc::new(Model::new(scenario)?);
    let truths = (
        truth_per_decision(&model, plan, seed)?,
        truth_per_trajectory(&model, plan, seed)?,
    );
    bench_with_truths(&model, plan, seed, truths, quiet)
}

/// The per-trajectory truth: the target run on its own cohort of `truth_users`.
/// It depends on the target, the truth cohort and `seed` only, so designs that
/// share them share it.
pub fn truth_per_trajectory(model: &Arc<Model>, plan: &BenchPlan, seed: u64) -> Result<Truth> {
    let mut target = policy_from_spec(&plan.target, model, seed)?;
    let mut on_policy = vec![0.0; plan.truth_users];
    simulate_log(
        Arc::clone(model),
        derive_seed(seed, &[TRUTH_TARGET]),
        plan.truth_users,
        &mut Behaviour {
            policy: target.as_mut(),
            epsilon: 0.0,
        },
        |_| {},
        |row| {
            on_policy[row.user as usize] += row.reward;
            Ok(())
        },
        &indicatif::ProgressBar::hidden(),
    )?;
    Ok(mean_and_error(&on_policy))
}

/// The per-decision truth: the behaviour's states (with its exploration), each
/// stepped under the target's actions. It does not depend on the users per log.
pub fn truth_per_decision(model: &Arc<Model>, plan: &BenchPlan, seed: u64) -> Result<Truth> {
    let horizon = model.horizon() as usize;
    let mut target = policy_from_spec(&plan.target, model, seed)?;
    let mut behaviour = policy_from_spec(&plan.behaviour, model, seed)?;
    let mut counterfactual = vec![0.0; plan.truth_users];
    let mut probabilities = Array2::zeros((0, 0));
    simulate_log(
        Arc::clone(model),
        derive_seed(seed, &[TRUTH_BEHAVIOUR]),
        plan.truth_users,
        &mut Behaviour {
            policy: behaviour.as_mut(),
            epsilon: plan.epsilon,
        },
        |view: &StepView<'_>| {
            let shape = (view.observations.nrows(), target.n_actions());
            if probabilities.dim() != shape {
                probabilities = Array2::zeros(shape);
            }
            target.probabilities(view.observations, probabilities.view_mut());
            for (user, row) in view.users.iter().zip(probabilities.rows()) {
                let reward: f64 = row
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| **p > 0.0)
                    .map(|(a, p)| p * step_user(view.model, &mut user.clone(), a).reward)
                    .sum();
                counterfactual[user.profile.id as usize] += reward / horizon as f64;
            }
        },
        |_| Ok(()),
        &indicatif::ProgressBar::hidden(),
    )?;
    Ok(mean_and_error(&counterfactual))
}

/// The benchmark of `plan` (checked) against truths already simulated, per decision
/// and per trajectory.
pub fn bench_with_truths(
    model: &Arc<Model>,
    plan: &BenchPlan,
    seed: u64,
    (per_decision, per_trajectory): (Truth, Truth),
    quiet: bool,
) -> Result<BenchResult> {
    let progress = crate::progress::bar(plan.reps as u64, "", "log", quiet);
    progress.set_message("ope-bench");
    let evaluations: Vec<Evaluation> = (0..plan.reps)
        .into_par_iter()
        .map(|rep| {
            let log_seed = derive_seed(seed, &[REPLICATE, rep as u64]);
            let evaluation = replicate(model, plan, log_seed, rep);
            progress.inc(1);
            evaluation
        })
        .collect::<Result<_>>()?;
    progress.finish_and_clear();
    Ok(summarise(
        per_decision,
        per_trajectory,
        &evaluations,
        plan.evaluation.bootstrap > 0,
        plan.users,
    ))
}

/// Simulates one log with `log_seed` and evaluates the target on it.
fn replicate(
    model: &Arc<Model>,
    plan: &BenchPlan,
    log_seed: u64,
    rep: usize,
) -> Result<Evaluation> {
    let mut behaviour = policy_from_spec(&plan.behaviour, model, log_seed)?;
    let mut target = policy_from_spec(&plan.target, model, log_seed)?;
    let mut builder = LogBuilder::new(
        &format!("simulated log {rep}"),
        model.layout().names(),
        model.actions().names(),
    );
    simulate_log(
        Arc::clone(model),
        log_seed,
        plan.users,
        &mut Behaviour {
            policy: behaviour.as_mut(),
            epsilon: plan.epsilon,
        },
        |_| {},
        |row| {
            builder.push(row);
            Ok(())
        },
        &indicatif::ProgressBar::hidden(),
    )?;
    let log = builder.finish()?;
    let mut evaluation_plan = plan.evaluation.clone();
    evaluation_plan.seed = derive_seed(log_seed, &[plan.evaluation.seed]);
    evaluate(&log, Target::Policy(target.as_mut()), &evaluation_plan)
}

/// Bias, spread and coverage of every estimator over the replicates.
fn summarise(
    per_decision: Truth,
    per_trajectory: Truth,
    evaluations: &[Evaluation],
    bootstrapped: bool,
    users: usize,
) -> BenchResult {
    let reps = evaluations.len();
    let truth = |family| match family {
        Family::PerDecision => per_decision.value,
        Family::PerTrajectory => per_trajectory.value,
    };
    let covers = |interval: (f64, f64), truth: f64| interval.0 <= truth && truth <= interval.1;
    // Every estimator some replicate computed, in the order they come.
    let mut names: Vec<(Family, &str)> = Vec::new();
    for row in evaluations.iter().flat_map(|e| &e.rows) {
        if !names.contains(&(row.family, row.name.as_str())) {
            names.push((row.family, &row.name));
        }
    }
    let rows = names
        .into_iter()
        .map(|(family, name)| {
            let truth = truth(family);
            // The estimator's row of each replicate that computed it.
            let found: Vec<&EstimateRow> = evaluations
                .iter()
                .filter_map(|e| e.rows.iter().find(|r| r.family == family && r.name == name))
                .collect();
            let n = found.len();
            let estimates: Vec<f64> = found.iter().map(|r| r.value).collect();
            let spread = mean_and_error(&estimates);
            let mse = estimates.iter().map(|v| (v - truth).powi(2)).sum::<f64>() / n as f64;
            // The share of replicates whose interval covers the truth, and how many
            // have none; no share where any has none.
            let coverage = |interval: fn(&EstimateRow) -> Option<(f64, f64)>| {
                let intervals: Vec<_> = found.iter().filter_map(|r| interval(r)).collect();
                let missing = reps - intervals.len();
                let hits = intervals.iter().filter(|i| covers(**i, truth)).count();
                ((missing == 0).then(|| hits as f64 / reps as f64), missing)
            };
            let (t_coverage, t_missing) = coverage(|r| r.t);
            let (bootstrap_coverage, bootstrap_missing) = if bootstrapped {
                coverage(|r| r.bootstrap)
            } else {
                (None, 0)
            };
            BenchRow {
                family,
                name: name.to_string(),
                mean: spread.value,
                bias: spread.value - truth,
                sd: spread.standard_error * (n as f64).sqrt(),
                rmse: mse.sqrt(),
                t_coverage,
                bootstrap_coverage,
                computed: n,
                missing: (t_missing, bootstrap_missing),
            }
        })
        .collect();
    BenchResult {
        per_decision,
        per_trajectory,
        mismatch: evaluations.iter().map(|e| e.mismatch).sum::<f64>() / reps as f64,
        rows,
        reps,
        users,
    }
}

/// Why some of `row`'s numbers are `–`, if any are: the replicates without an
/// estimate or an interval.
fn missing_note(row: &BenchRow, reps: usize) -> Option<String> {
    let mut parts = Vec::new();
    if row.computed < reps {
        parts.push(format!(
            "no estimate on {} of {reps} logs (its numbers are over the other {})",
            reps - row.computed,
            row.computed
        ));
    }
    for (missing, which) in [(row.missing.0, "t"), (row.missing.1, "bootstrap")] {
        if missing > 0 {
            parts.push(format!(
                "no {which} interval on {missing} of {reps} logs, so no {which} coverage"
            ));
        }
    }
    (!parts.is_empty()).then(|| format!("{}: {}", row.name, parts.join("; ")))
}

/// The result as a text table.
pub fn render(result: &BenchResult) -> String {
    let mut out = format!(
        "{} replicates; the target acts otherwise than the behaviour on {:.1} % of decisions\n",
        result.reps,
        100.0 * result.mismatch
    );
    for family in [Family::PerDecision, Family::PerTrajectory] {
        let _ = writeln!(out, "{}", truth_line(result, family));
        let line = |cells: &[String]| {
            let rest: String = cells[1..].iter().map(|c| format!(" {c:>10}")).collect();
            format!("  {:<18}{rest}", cells[0])
        };
        let _ = writeln!(out, "{}", line(&COLUMNS.map(String::from)));
        for r in result.rows.iter().filter(|r| r.family == family) {
            let _ = writeln!(out, "{}", line(&shown(r, result)));
        }
    }
    for note in result
        .rows
        .iter()
        .filter_map(|r| missing_note(r, result.reps))
    {
        let _ = writeln!(out, "–: {note}");
    }
    out
}

/// The columns of a benchmark's table, as [`shown`] fills them.
const COLUMNS: [&str; 9] = [
    "estimator",
    "mean",
    "bias",
    "sd",
    "rmse",
    "rmse/truth",
    "rmse/floor",
    "t cover",
    "boot cover",
];

/// One estimator's record as the tables show it, in the order of [`COLUMNS`].
fn shown(r: &BenchRow, result: &BenchResult) -> Vec<String> {
    let ratio = |x: f64, of: f64| {
        if of > 0.0 && (x / of).is_finite() {
            format!("{:.2}", x / of)
        } else {
            "–".to_string()
        }
    };
    let truth = result.truth(r.family).value;
    vec![
        r.name.clone(),
        figure(r.mean),
        signed(Some(r.bias)),
        figure(r.sd),
        figure(r.rmse),
        ratio(r.rmse, truth.abs()),
        ratio(r.rmse, result.floor(r.family)),
        percent(r.t_coverage),
        percent(r.bootstrap_coverage),
    ]
}

/// The truth of `family` with its standard error, and the floor.
fn truth_line(result: &BenchResult, family: Family) -> String {
    let truth = result.truth(family);
    format!(
        "{}: truth {} ± {} (standard error); floor {} (the RMSE of the target's own mean on {} users)",
        super::outputs::quantity(family),
        figure(truth.value),
        figure(truth.standard_error),
        figure(result.floor(family)),
        result.users
    )
}

/// A share as a whole percentage, `–` where there is none.
fn percent(share: Option<f64>) -> String {
    share.map_or("–".to_string(), |c| format!("{:.0} %", 100.0 * c))
}

/// Writes `ope-bench.csv`, a plot per family and `report.html` into `folder`.
pub fn write(folder: &Path, title: &str, result: &BenchResult) -> Result<PathBuf> {
    let header = [
        "family",
        "estimator",
        "truth",
        "floor",
        "mean",
        "bias",
        "sd",
        "rmse",
        "t_coverage",
        "bootstrap_coverage",
    ];
    let rows: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|r| {
            vec![
                r.family.name().to_string(),
                r.name.clone(),
                cell(result.truth(r.family).value),
                cell(result.floor(r.family)),
                cell(r.mean),
                cell(r.bias),
                cell(r.sd),
                cell(r.rmse),
                r.t_coverage.map_or(String::new(), cell),
                r.bootstrap_coverage.map_or(String::new(), cell),
            ]
        })
        .collect();
    crate::output::write_csv(&folder.join("ope-bench.csv"), |w| {
        w.write_record(header)?;
        rows.iter().try_for_each(|row| w.write_record(row))
    })?;
    let mut page = Page::new(folder, title);
    page.paragraph(
        &format!(
            "{} simulated logs; the target acts otherwise than the behaviour on {:.1} % of decisions.",
            result.reps,
            100.0 * result.mismatch
        ),
        false,
    );
    for family in [Family::PerDecision, Family::PerTrajectory] {
        let family_rows: Vec<&BenchRow> =
            result.rows.iter().filter(|r| r.family == family).collect();
        if family_rows.is_empty() {
            continue;
        }
        let truth = result.truth(family);
        let stem = format!("ope-bench-{}", family.name());
        let bars: Vec<ForestRow> = family_rows
            .iter()
            .map(|r| ForestRow {
                label: r.name.clone(),
                estimate: r.mean,
                low: r.mean - r.sd,
                high: r.mean + r.sd,
            })
            .collect();
        forest(
            &folder.join(&stem),
            &format!(
                "{}: mean estimate ± 1 sd over {} logs",
                super::outputs::quantity(family),
                result.reps
            ),
            super::outputs::quantity(family),
            &bars,
            Some(("truth", truth.value)),
        )?;
        page.heading(super::outputs::quantity(family));
        page.paragraph(&truth_line(result, family), false);
        let table: Vec<Vec<String>> = family_rows
            .iter()
            .map(|r| {
                let mut cells = shown(r, result);
                cells[0] = escape(&cells[0]);
                cells
            })
            .collect();
        page.table(&COLUMNS, &table);
        page.figures(&[(
            stem,
            "Mean estimate and ± 1 standard deviation over the logs; the black line is the truth."
                .into(),
        )]);
        for note in family_rows
            .iter()
            .filter_map(|r| missing_note(r, result.reps))
        {
            page.paragraph(&format!("–: {note}"), true);
        }
    }
    page.write()
}
