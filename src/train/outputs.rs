//! The files of a training run, in its output folder:
//!
//! - [`CURVE_CSV`]: one row per training cohort (or launch day): users, training
//!   reward per user, and where the policy was frozen and evaluated, its validation
//!   and test values with their 95 % intervals (empty elsewhere); `best` is 1 on the
//!   row of the chosen snapshot (the best validation value so far while the run is
//!   going), 0 elsewhere; the training reward is empty on a launch day without users
//!   (online), where it is undefined;
//! - [`CURVE_CHART`]`.svg/.png`: the learning curve; episodic runs draw the
//!   validation and test points with their interval bands on the same axes and a dot
//!   on the chosen snapshot's test value; online runs (whose training reward is per
//!   user-day, not per user) draw the evaluations apart in
//!   [`EVALUATION_CHART`]`.svg/.png`;
//! - [`EVALUATION_CSV`]: the chosen snapshot's metrics by age on the test cohort
//!   ([`write_metrics_csv`]), and with journeys [`JOURNEYS_CSV`], how many test users
//!   were given each journey;
//! - the learner's whole state ([`onboard_agents::Learner::to_bytes`]) as it was at the latest
//!   evaluation point: [`CHECKPOINT_STEM`]`.ot` for DQN (a libtorch checkpoint),
//!   [`CHECKPOINT_STEM`]`.agent.ron` for the other agents; either is a policy for
//!   `run --policy` and experiments (frozen), and [`onboard_agents::load_agent`]
//!   reads it back to continue;
//! - the learner's state at the chosen snapshot, [`BEST_STEM`]`.ot` or
//!   [`BEST_STEM`]`.agent.ron`: the policy the run reports, for `run --policy`,
//!   experiment arms and the demo (rewritten whenever a snapshot beats the best so
//!   far on validation);
//! - the test evaluation's cohort plots and `report.html`, the run on one page.

use super::{CurvePoint, Evaluation, TrainOptions, Trained};
use crate::cohort_plots::write_cohort_plots;
use crate::output::{cell, write_atomically, write_csv, write_metrics_csv};
use crate::plots::{ChartFiles, Series, line_chart};
use crate::report::{self, RunReport};
use anyhow::{Context, Result};
use onboard_agents::AgentConfig;
use onboard_envs::{Estimate, Model, Objective};
use std::path::{Path, PathBuf};

/// The learning curve's CSV file.
pub const CURVE_CSV: &str = "learning_curve.csv";
/// The learning curve chart's file stem (`.svg` and `.png`).
pub const CURVE_CHART: &str = "learning_curve";
/// The evaluation chart's file stem, drawn for online runs.
pub const EVALUATION_CHART: &str = "evaluation_curve";
/// The chosen snapshot's metrics by age on the test cohort.
pub const EVALUATION_CSV: &str = "evaluation.csv";
/// Test users given each journey by the chosen snapshot (deciding at signup).
pub const JOURNEYS_CSV: &str = "evaluation_journeys.csv";
/// The file stem of the learner's saved state.
pub const CHECKPOINT_STEM: &str = "checkpoint";
/// The file stem of the learner's state at the chosen snapshot.
pub const BEST_STEM: &str = "best";

/// The files a training run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainFiles {
    /// The learning curve as CSV.
    pub curve_csv: PathBuf,
    /// The learning curve chart.
    pub curve_chart: ChartFiles,
    /// The evaluation points by launch day (online runs only).
    pub evaluation_chart: Option<ChartFiles>,
    /// The chosen snapshot's metrics by age on the test cohort.
    pub evaluation_csv: PathBuf,
    /// Test users given each journey (deciding at signup only).
    pub journeys_csv: Option<PathBuf>,
    /// The learner's state at the latest evaluation point.
    pub checkpoint: PathBuf,
    /// The learner's state at the chosen snapshot.
    pub best: PathBuf,
    /// `report.html`: the run's tables and plots on one page.
    pub report: PathBuf,
}

impl TrainFiles {
    /// One line per file written.
    pub fn summary(&self) -> String {
        let mut lines = vec![
            format!("learning curve: {}", self.curve_csv.display()),
            format!("chart: {}", self.curve_chart.svg.display()),
        ];
        if let Some(chart) = &self.evaluation_chart {
            lines.push(format!("evaluation chart: {}", chart.svg.display()));
        }
        lines.push(format!(
            "test metrics of the chosen snapshot: {}",
            self.evaluation_csv.display()
        ));
        if let Some(journeys) = &self.journeys_csv {
            lines.push(format!("journeys given: {}", journeys.display()));
        }
        lines.push(format!(
            "chosen snapshot (a policy for run --policy and experiments): {}",
            self.best.display()
        ));
        lines.push(format!(
            "learner after the last step (to train on): {}",
            self.checkpoint.display()
        ));
        lines.push(format!("report: {}", self.report.display()));
        lines.iter().map(|l| format!("{l}\n")).collect()
    }
}

/// Where the learner of `agent` saves a state called `stem` in `folder`.
fn state_path(folder: &Path, stem: &str, agent: &AgentConfig) -> PathBuf {
    folder.join(format!("{stem}.{}", agent.state_extension()))
}

/// What a run rewrites at every evaluation point, so that an interruption keeps its
/// latest evaluated state: the curve so far, the learner's state and its state at
/// the best snapshot so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressFiles {
    /// The learning curve's CSV.
    pub curve_csv: PathBuf,
    /// The learner's state.
    pub checkpoint: PathBuf,
    /// The learner's state at the best snapshot so far.
    pub best: PathBuf,
    /// The run learns online (the curve is by calendar day).
    pub online: bool,
}

impl ProgressFiles {
    /// The files of the run `options` describes, in its output folder.
    pub fn new(options: &TrainOptions) -> Self {
        Self {
            curve_csv: options.out.join(CURVE_CSV),
            checkpoint: state_path(&options.out, CHECKPOINT_STEM, &options.agent),
            best: state_path(&options.out, BEST_STEM, &options.agent),
            online: options.plan.online.is_some(),
        }
    }

    /// Writes the curve so far, the best snapshot so far being the point of step
    /// `best`, and the learner's saved `state` ([`Learner::to_bytes`]), also as the
    /// best snapshot's when the curve's last point is the best.
    pub fn write(&self, state: &[u8], curve: &[CurvePoint], best: u64) -> Result<()> {
        if super::ends_at_best(curve, best) {
            self.write_best(state)?;
        }
        write_curve_csv(&self.curve_csv, curve, self.online, best)?;
        write_atomically(&self.checkpoint, |partial| std::fs::write(partial, state))
            .context("saving the learner")?;
        Ok(())
    }

    /// Writes `state` as the chosen snapshot's: at a new best, and when a run goes
    /// on from an evaluation point (a run killed after writing a better snapshot
    /// but before committing its point left a snapshot the resumed run may not
    /// choose).
    pub fn write_best(&self, state: &[u8]) -> Result<()> {
        write_atomically(&self.best, |partial| std::fs::write(partial, state))
            .context("saving the chosen snapshot")
    }
}

/// The three CSV cells of an estimate, empty when there is none.
fn cells(estimate: Option<Estimate>) -> [String; 3] {
    estimate.map_or_else(Default::default, |e| {
        [cell(e.mean), cell(e.low), cell(e.high)]
    })
}

/// Writes `curve` as CSV to `path`, marking the point of step `best` as the chosen
/// snapshot; the first column is `day` when `online`, else `cohort`.
fn write_curve_csv(path: &Path, curve: &[CurvePoint], online: bool, best: u64) -> Result<()> {
    let (step, training) = if online {
        ("day", "training_reward_per_user_day")
    } else {
        ("cohort", "training_reward_per_user")
    };
    write_csv(path, |writer| {
        writer.write_record([
            step,
            "users",
            training,
            "validation_reward_per_user",
            "validation_low",
            "validation_high",
            "test_reward_per_user",
            "test_low",
            "test_high",
            "best",
        ])?;
        for point in curve {
            let chosen = point.validation.is_some() && point.step == best;
            let mut record = vec![
                point.step.to_string(),
                point.users.to_string(),
                cell(point.training_reward),
            ];
            record.extend(cells(point.validation));
            record.extend(cells(point.test));
            record.push(u8::from(chosen).to_string());
            writer.write_record(&record)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Writes the outputs of a finished run into `options.out`, but for the curve's CSV
/// and the learner's state, which `progress` wrote at the last evaluation point (the
/// end is always one).
pub(super) fn write_final(
    options: &TrainOptions,
    model: &Model,
    trained: &Trained,
    progress: ProgressFiles,
) -> Result<TrainFiles> {
    let folder = &options.out;
    let ProgressFiles {
        curve_csv,
        checkpoint,
        best,
        ..
    } = progress;
    let (curve_chart, evaluation_chart) = draw(options, model, trained)?;
    let evaluation_csv = folder.join(EVALUATION_CSV);
    write_metrics_csv(&evaluation_csv, trained.test.metrics())
        .context("writing the chosen snapshot's test metrics")?;
    let journeys_csv = match &trained.test {
        Evaluation::Journeys(run) => {
            let path = folder.join(JOURNEYS_CSV);
            write_journeys_csv(&path, model, &run.starts_over(0..run.starts.len()))?;
            Some(path)
        }
        Evaluation::Daily(_) => None,
    };
    let report = write_report(options, model, trained)?;
    Ok(TrainFiles {
        curve_csv,
        curve_chart,
        evaluation_chart,
        evaluation_csv,
        journeys_csv,
        checkpoint,
        best,
        report,
    })
}

/// The test evaluation's cohort plots and `report.html`.
fn write_report(options: &TrainOptions, model: &Model, trained: &Trained) -> Result<PathBuf> {
    let simulation = match &trained.test {
        Evaluation::Daily(simulation) => {
            write_cohort_plots(&options.out, model, &[("test", simulation)])?;
            Some(("test", simulation))
        }
        Evaluation::Journeys(_) => None,
    };
    let plan = &options.plan;
    let mode = match (plan.online, plan.decide_at_signup) {
        (None, false) => format!("{} training cohorts of {} users", plan.cohorts, plan.users),
        (None, true) => format!(
            "{} training cohorts of {} users, one journey per user at signup",
            plan.cohorts, plan.users
        ),
        (Some(days), false) => format!("online during a {days}-day launch"),
        (Some(days), true) => {
            format!("online during a {days}-day launch, one journey per user at signup")
        }
    };
    let seeds = options.seeds();
    let (validation, test) = (trained.validation, trained.test_value());
    let report = RunReport {
        title: format!(
            "Training {} on {}",
            options.agent_name,
            model.scenario().name
        ),
        facts: vec![
            (
                "agent",
                format!("{} ({})", options.agent_name, options.agent.kind()),
            ),
            ("training", mode),
            (
                "validation and test users",
                format!("{} each", plan.eval_users),
            ),
            (
                "seeds",
                format!(
                    "run {}, validation {}, test {}",
                    seeds.run(),
                    seeds.validation(),
                    seeds.test()
                ),
            ),
        ],
        lines: vec![format!(
            "The chosen snapshot, frozen after {} {} (the best of the evaluations on \
             validation users: {:.4} per user), earns {:.4} per user on fresh test users \
             (95 % interval {:.4} to {:.4}).",
            plan.step_name(),
            trained.best_step,
            validation.mean,
            test.mean,
            test.low,
            test.high
        )],
        figures: vec![
            (CURVE_CHART.to_string(), "Learning curve".to_string()),
            (
                EVALUATION_CHART.to_string(),
                "Evaluations of the frozen policy".to_string(),
            ),
        ],
        simulation,
    };
    report::write_run(&options.out, model.scenario(), &report)
}

/// `journey,users,share` rows, one per journey template.
fn write_journeys_csv(path: &Path, model: &Model, starts: &[u64]) -> Result<()> {
    let total: u64 = starts.iter().sum();
    write_csv(path, |writer| {
        writer.write_record(["journey", "users", "share"])?;
        for (journey, &users) in model.scenario().journeys.iter().zip(starts) {
            let share = users as f64 / total.max(1) as f64;
            writer.write_record([journey.name.clone(), users.to_string(), cell(share)])?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The unit of the scenario's reward, for axis labels.
fn reward_unit(objective: &Objective) -> &'static str {
    match objective {
        Objective::Profit => "currency units",
        Objective::Conversions => "first purchases",
        Objective::Retention => "active days",
        Objective::Weighted { .. } => "weighted objective",
    }
}

/// The frozen policy's values at each evaluation point of `curve`, as `value` reads
/// them (validation or test), with their band.
pub(crate) fn evaluated(
    name: String,
    curve: &[CurvePoint],
    value: fn(&CurvePoint) -> Option<Estimate>,
) -> Series {
    let values: Vec<(f64, Estimate)> = curve
        .iter()
        .filter_map(|p| value(p).map(|e| (p.step as f64, e)))
        .collect();
    Series::new(name, values.iter().map(|&(x, e)| (x, e.mean)).collect())
        .with_band(values.iter().map(|&(x, e)| (x, e.low, e.high)).collect())
}

/// The validation and test series and the chosen snapshot (the best on validation)
/// at its test value, a dot.
fn evaluation_series(options: &TrainOptions, trained: &Trained) -> [Series; 3] {
    let users = options.plan.eval_users;
    let chosen = format!("chosen: {} {}", options.plan.step_name(), trained.best_step);
    [
        evaluated(format!("validation ({users} users)"), &trained.curve, |p| {
            p.validation
        }),
        evaluated(format!("test ({users} users)"), &trained.curve, |p| p.test),
        Series::new(
            chosen,
            vec![(trained.best_step as f64, trained.test_value().mean)],
        ),
    ]
}

/// Draws the learning curve, and for online runs the evaluation points apart.
fn draw(
    options: &TrainOptions,
    model: &Model,
    trained: &Trained,
) -> Result<(ChartFiles, Option<ChartFiles>)> {
    let unit = reward_unit(&model.scenario().objective);
    let horizon = model.horizon();
    let per_user = format!("reward per user over {horizon} days ({unit})");
    let title = format!(
        "{} on {}: learning curve",
        options.agent_name, options.scenario.name
    );
    let training: Vec<(f64, f64)> = trained
        .curve
        .iter()
        .map(|p| (p.step as f64, p.training_reward))
        .collect();
    let evaluations = evaluation_series(options, trained);
    let folder = &options.out;
    let chart_error = || "drawing the learning curve";
    if options.plan.online.is_none() {
        let mut series = vec![Series::new("training", training)];
        series.extend(evaluations);
        let chart = line_chart(
            &folder.join(CURVE_CHART),
            &title,
            "training cohort",
            &per_user,
            &series,
        )
        .with_context(chart_error)?;
        return Ok((chart, None));
    }
    let x_label = "calendar day of the launch";
    let chart = line_chart(
        &folder.join(CURVE_CHART),
        &title,
        x_label,
        &format!("reward per user in their window that day ({unit})"),
        &[Series::new("training, online", training)],
    )
    .with_context(chart_error)?;
    let evaluation_chart = line_chart(
        &folder.join(EVALUATION_CHART),
        &format!(
            "{} on {}: frozen policy during the launch",
            options.agent_name, options.scenario.name
        ),
        x_label,
        &per_user,
        &evaluations,
    )
    .with_context(chart_error)?;
    Ok((chart, Some(evaluation_chart)))
}
