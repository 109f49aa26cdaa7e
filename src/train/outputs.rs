//! The files of a training run, in its output folder:
//!
//! - [`CURVE_CSV`]: one row per training cohort (or launch day): users, training
//!   reward per user, and the frozen evaluation's mean and 95 % interval where it
//!   was evaluated (empty elsewhere);
//! - [`CURVE_CHART`]`.svg/.png`: the learning curve; episodic runs draw the
//!   evaluation points with their interval band on the same axes, online runs
//!   (whose training reward is per user-day, not per user) draw them apart in
//!   [`EVALUATION_CHART`]`.svg/.png`;
//! - [`EVALUATION_CSV`]: the frozen evaluation's metrics by age
//!   ([`write_metrics_csv`]), and with journeys [`JOURNEYS_CSV`], how many
//!   evaluation users were given each journey;
//! - [`CHECKPOINT`]: the DQN agent's whole training state ([`Dqn::save`]); other
//!   agents are not checkpointed;
//! - the evaluation's cohort plots and `report.html`, the run on one page.
//!
//! [`Dqn::save`]: onboard_agents::dqn::Dqn::save

use super::{CurvePoint, Evaluation, TrainOptions, TrainedAgent};
use crate::cohort_plots::write_cohort_plots;
use crate::output::write_metrics_csv;
use crate::plots::{ChartFiles, Series, line_chart};
use crate::report::{self, RunReport};
use anyhow::{Context, Result};
use onboard_envs::{Model, Objective};
use std::path::{Path, PathBuf};

/// The learning curve's CSV file.
pub const CURVE_CSV: &str = "learning_curve.csv";
/// The learning curve chart's file stem (`.svg` and `.png`).
pub const CURVE_CHART: &str = "learning_curve";
/// The evaluation chart's file stem, drawn for online runs.
pub const EVALUATION_CHART: &str = "evaluation_curve";
/// The frozen evaluation's metrics by age.
pub const EVALUATION_CSV: &str = "evaluation.csv";
/// Users given each journey in the frozen evaluation (deciding at signup).
pub const JOURNEYS_CSV: &str = "evaluation_journeys.csv";
/// The DQN checkpoint.
pub const CHECKPOINT: &str = "checkpoint.ot";

/// The files a training run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainFiles {
    /// The learning curve as CSV.
    pub curve_csv: PathBuf,
    /// The learning curve chart.
    pub curve_chart: ChartFiles,
    /// The evaluation points by launch day (online runs only).
    pub evaluation_chart: Option<ChartFiles>,
    /// The frozen evaluation's metrics by age.
    pub evaluation_csv: PathBuf,
    /// Users given each journey in the evaluation (deciding at signup only).
    pub journeys_csv: Option<PathBuf>,
    /// The DQN checkpoint; `None` for other agents, which are not checkpointed.
    pub checkpoint: Option<PathBuf>,
    /// `report.html`: the run's tables and plots on one page.
    pub report: PathBuf,
}

impl TrainFiles {
    /// One line per file written, and a line saying when no checkpoint was written
    /// for `agent` (its name).
    pub fn summary(&self, agent: &str) -> String {
        let mut lines = vec![
            format!("learning curve: {}", self.curve_csv.display()),
            format!("chart: {}", self.curve_chart.svg.display()),
        ];
        if let Some(chart) = &self.evaluation_chart {
            lines.push(format!("evaluation chart: {}", chart.svg.display()));
        }
        lines.push(format!(
            "evaluation metrics: {}",
            self.evaluation_csv.display()
        ));
        if let Some(journeys) = &self.journeys_csv {
            lines.push(format!("journeys given: {}", journeys.display()));
        }
        lines.push(match &self.checkpoint {
            Some(path) => format!("checkpoint: {}", path.display()),
            None => format!("no checkpoint: only DQN agents are checkpointed, not {agent}"),
        });
        lines.push(format!("report: {}", self.report.display()));
        lines.iter().map(|l| format!("{l}\n")).collect()
    }
}

/// Writes `curve` as CSV to `path`; the first column is `day` when `online`, else
/// `cohort`.
pub fn write_curve_csv(path: &Path, curve: &[CurvePoint], online: bool) -> Result<()> {
    let context = || format!("cannot write {}", path.display());
    let mut writer = csv::Writer::from_path(path).with_context(context)?;
    let (step, training) = if online {
        ("day", "training_reward_per_user_day")
    } else {
        ("cohort", "training_reward_per_user")
    };
    writer
        .write_record([
            step,
            "users",
            training,
            "evaluation_reward_per_user",
            "evaluation_low",
            "evaluation_high",
        ])
        .with_context(context)?;
    for point in curve {
        let (mean, low, high) = point.evaluation.map_or_else(
            || (String::new(), String::new(), String::new()),
            |e| (e.mean.to_string(), e.low.to_string(), e.high.to_string()),
        );
        writer
            .write_record([
                point.step.to_string(),
                point.users.to_string(),
                point.training_reward.to_string(),
                mean,
                low,
                high,
            ])
            .with_context(context)?;
    }
    writer.flush().with_context(context)
}

/// Saves `agent`'s checkpoint into `folder` if it is a DQN agent; returns its path.
/// The file is replaced atomically: an interruption leaves the previous one whole.
pub fn save_checkpoint(folder: &Path, agent: &TrainedAgent) -> Result<Option<PathBuf>> {
    let Some(dqn) = agent.dqn() else {
        return Ok(None);
    };
    let path = folder.join(CHECKPOINT);
    let partial = folder.join(format!("{CHECKPOINT}.partial"));
    dqn.save(&partial)
        .with_context(|| format!("saving the DQN checkpoint to {}", path.display()))?;
    std::fs::rename(&partial, &path)
        .with_context(|| format!("cannot move {} to {}", partial.display(), path.display()))?;
    Ok(Some(path))
}

/// Writes the outputs of a finished run into `options.out`, but for the checkpoint,
/// which was saved with the final evaluation.
pub(super) fn write_final(
    options: &TrainOptions,
    model: &Model,
    curve: &[CurvePoint],
    evaluation: &Evaluation,
    checkpoint: Option<PathBuf>,
) -> Result<TrainFiles> {
    let folder = &options.out;
    let online = options.online.is_some();
    let curve_csv = folder.join(CURVE_CSV);
    write_curve_csv(&curve_csv, curve, online)?;
    let (curve_chart, evaluation_chart) = draw(options, model, curve)?;
    let evaluation_csv = folder.join(EVALUATION_CSV);
    write_metrics_csv(&evaluation_csv, evaluation.metrics())
        .context("writing the frozen evaluation's metrics")?;
    let journeys_csv = match evaluation {
        Evaluation::Journeys(run) => {
            let path = folder.join(JOURNEYS_CSV);
            write_journeys_csv(&path, model, &run.starts_over(0..run.starts.len()))?;
            Some(path)
        }
        Evaluation::Daily(_) => None,
    };
    let report = write_report(options, model, evaluation)?;
    Ok(TrainFiles {
        curve_csv,
        curve_chart,
        evaluation_chart,
        evaluation_csv,
        journeys_csv,
        checkpoint,
        report,
    })
}

/// The evaluation's cohort plots and `report.html`.
fn write_report(options: &TrainOptions, model: &Model, evaluation: &Evaluation) -> Result<PathBuf> {
    let simulation = match evaluation {
        Evaluation::Daily(simulation) => {
            write_cohort_plots(&options.out, model, &[("evaluation", simulation)])?;
            Some(("evaluation", simulation))
        }
        Evaluation::Journeys(_) => None,
    };
    let mode = match (options.online, options.decide_at_signup) {
        (None, false) => format!(
            "{} training cohorts of {} users",
            options.cohorts, options.users
        ),
        (None, true) => format!(
            "{} training cohorts of {} users, one journey per user at signup",
            options.cohorts, options.users
        ),
        (Some(days), false) => format!("online during a {days}-day launch"),
        (Some(days), true) => {
            format!("online during a {days}-day launch, one journey per user at signup")
        }
    };
    let value = evaluation.value();
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
            ("evaluation users", options.eval_users.to_string()),
            ("seed", options.seed.to_string()),
        ],
        lines: vec![format!(
            "The frozen policy earns {:.4} per user on fresh users (95 % interval {:.4} to {:.4}).",
            value.mean, value.low, value.high
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
    let context = || format!("cannot write {}", path.display());
    let mut writer = csv::Writer::from_path(path).with_context(context)?;
    writer
        .write_record(["journey", "users", "share"])
        .with_context(context)?;
    let total: u64 = starts.iter().sum();
    for (journey, &users) in model.scenario().journeys.iter().zip(starts) {
        let share = users as f64 / total.max(1) as f64;
        writer
            .write_record([journey.name.clone(), users.to_string(), share.to_string()])
            .with_context(context)?;
    }
    writer.flush().with_context(context)
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

/// Draws the learning curve, and for online runs the evaluation points apart.
fn draw(
    options: &TrainOptions,
    model: &Model,
    curve: &[CurvePoint],
) -> Result<(ChartFiles, Option<ChartFiles>)> {
    let unit = reward_unit(&model.scenario().objective);
    let horizon = model.horizon();
    let per_user = format!("reward per user over {horizon} days ({unit})");
    let title = format!(
        "{} on {}: learning curve",
        options.agent_name, options.scenario.name
    );
    let evaluation_name = format!("frozen ({} users)", options.eval_users);
    let training: Vec<(f64, f64)> = curve
        .iter()
        .map(|p| (p.step as f64, p.training_reward))
        .collect();
    let evaluated: Vec<_> = curve
        .iter()
        .filter_map(|p| p.evaluation.map(|e| (p.step as f64, e)))
        .collect();
    let evaluation = Series::new(
        evaluation_name,
        evaluated.iter().map(|&(x, e)| (x, e.mean)).collect(),
    )
    .with_band(evaluated.iter().map(|&(x, e)| (x, e.low, e.high)).collect());
    let folder = &options.out;
    let chart_error = || "drawing the learning curve";
    if options.online.is_none() {
        let series = [Series::new("training", training), evaluation];
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
        &[evaluation],
    )
    .with_context(chart_error)?;
    Ok((chart, Some(evaluation_chart)))
}
