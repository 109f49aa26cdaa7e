//! Off-policy evaluation on the command line: `onboard log` writes a behaviour's
//! decisions as a log ([`log_command`], simulated by [`logging`]), `onboard ope`
//! estimates a target policy's value from a log ([`evaluate`], shown and written by
//! [`outputs`]), and `onboard ope-bench` checks every estimator against the
//! simulator's truth ([`bench`]). The estimators themselves live in
//! [`onboard_ope`], which knows only columns.

pub mod bench;
pub mod evaluate;
pub mod log_command;
pub mod logging;
pub mod outputs;

use crate::policies::policy_from_spec;
use anyhow::{Context, Result};
use evaluate::{Evaluation, EvaluationPlan, Target, evaluate};
use onboard_envs::{Model, Scenario};
use onboard_ope::{ColumnMap, LogError, ReadOptions, read_log};
use std::path::{Path, PathBuf};

/// What `onboard ope` evaluates.
#[derive(Debug, Clone)]
pub struct OpeCommand {
    /// The log file.
    pub log: PathBuf,
    /// The target policy as `run --policy` takes it; `None` uses the log's `pi_e`.
    pub target: Option<String>,
    /// The scenario whose actions and observation features the log holds (for an
    /// onboard target).
    pub scenario: String,
    /// The file's names for the schema's columns.
    pub columns: String,
    /// How the estimates are computed.
    pub plan: EvaluationPlan,
    /// Output folder (default: results/ope-<timestamp>).
    pub out: Option<PathBuf>,
    /// Write into `out` even where another kind of command wrote.
    pub force: bool,
}

/// Reads the log, evaluates the target and writes `ope.csv`, the forest plots and
/// `report.html`; returns the evaluation and the output folder.
pub fn run_ope(command: &OpeCommand) -> Result<(Evaluation, PathBuf)> {
    let columns = ColumnMap::parse(&command.columns).map_err(anyhow::Error::msg)?;
    command.plan.check()?;
    let writer = crate::folder::Writer {
        command: "ope",
        force: command.force,
    };
    // Once the log is read, before the evaluation's work: a log refused leaves no
    // folder behind, a folder that cannot be written is found before the work.
    let prepare = || crate::folder::run_folder(command.out.as_deref(), "ope", writer);
    let (evaluation, folder) = match &command.target {
        Some(spec) => {
            let scenario = Scenario::load(&command.scenario)?;
            let seed = scenario.seed;
            let model = Model::new(scenario)?;
            let options = ReadOptions {
                columns,
                actions: Some(model.actions().names()),
                features: Some(model.layout().names()),
            };
            let log = read_log(&command.log, &options).map_err(|e| {
                // Only a missing feature or an unknown action hints at another scenario.
                let other_scenario = matches!(&e, LogError::MissingColumn { .. })
                    || matches!(&e, LogError::Value { message, .. }
                        if message.starts_with("unknown action"));
                let e = anyhow::Error::from(e);
                if other_scenario {
                    e.context(format!(
                        "reading a log of scenario '{}' (give the log's scenario with --scenario)",
                        model.scenario().name
                    ))
                } else {
                    e
                }
            })?;
            let mut policy = policy_from_spec(spec, &model, seed)?;
            let folder = prepare()?;
            (
                evaluate(&log, Target::Policy(policy.as_mut()), &command.plan),
                folder,
            )
        }
        None => {
            let log = read_log(
                &command.log,
                &ReadOptions {
                    columns,
                    ..ReadOptions::default()
                },
            )?;
            let folder = prepare()?;
            (evaluate(&log, Target::Logged, &command.plan), folder)
        }
    };
    let evaluation = evaluation.with_context(|| format!("evaluating {}", command.log.display()))?;
    let title = format!(
        "Off-policy evaluation of {} on {}",
        command.target.as_deref().unwrap_or("the log's pi_e"),
        file_name(&command.log)
    );
    outputs::write(&folder, &title, &evaluation)?;
    Ok((evaluation, folder))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
