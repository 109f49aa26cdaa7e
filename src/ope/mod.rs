//! Off-policy evaluation on the command line: `onboard log` writes a behaviour's
//! decisions as a log ([`log_command`], simulated by [`logging`]), `onboard ope`
//! estimates a target policy's value from a log ([`evaluate`], shown and written by
//! [`outputs`]), and `onboard ope-bench` checks every estimator against the
//! simulator's truth ([`bench`]); `onboard ope` runs such a benchmark on the log's
//! twin ([`twin`], from the log's [`provenance`]) to recommend an estimator, or to
//! say that the log cannot answer; `onboard ope-plan` finds, before anything is
//! logged, the exploration and users a log needs ([`plan`]). The estimators
//! themselves live in
//! [`onboard_ope`], which knows only columns.

pub mod bench;
pub mod evaluate;
pub mod log_command;
pub mod logging;
pub mod outputs;
pub mod plan;
pub mod provenance;
pub mod twin;

use crate::ab::run::derive_seed;
use crate::policies::policy_from_spec;
use anyhow::{Context, Result};
use evaluate::{Evaluation, EvaluationPlan, Target, evaluate};
use onboard_envs::{Model, Scenario};
use onboard_ope::{ColumnMap, Log, LogError, ReadOptions, read_log};
use provenance::Provenance;
use std::path::{Path, PathBuf};
use twin::{TwinCheck, TwinPlan};

/// What `onboard ope` evaluates.
#[derive(Debug, Clone)]
pub struct OpeCommand {
    /// The log file.
    pub log: PathBuf,
    /// The target policy as `run --policy` takes it; `None` uses the log's `pi_e`.
    pub target: Option<String>,
    /// The scenario whose actions and observation features the log holds (for an
    /// onboard target); `None`: the log's provenance's, else `default`.
    pub scenario: Option<String>,
    /// The behaviour that wrote the log and its exploration, for the twin; `None`:
    /// the log's provenance's.
    pub behaviour: Option<(String, f64)>,
    /// How the twin is simulated; `None`: no twin.
    pub twin: Option<TwinOptions>,
    /// The file's names for the schema's columns.
    pub columns: String,
    /// How the estimates are computed.
    pub plan: EvaluationPlan,
    /// Output folder (default: results/ope-<timestamp>).
    pub out: Option<PathBuf>,
    /// Write into `out` even where another kind of command wrote.
    pub force: bool,
}

/// How `onboard ope` simulates the log's twin.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinOptions {
    /// Simulated logs.
    pub reps: usize,
    /// Users of each truth cohort.
    pub truth_users: usize,
    /// The largest RMSE to recommend, in floors.
    pub tolerance: f64,
}

/// What `onboard ope` found: the evaluation, the twin's verdict and the folder.
#[derive(Debug, Clone)]
pub struct OpeOutcome {
    /// The estimates.
    pub evaluation: Evaluation,
    /// The twin, or why none ran.
    pub twin: TwinCheck,
    /// The output folder.
    pub folder: PathBuf,
}

/// Part of the twin's seed.
const TWIN: u64 = 4;

/// Reads the log, evaluates the target, checks the estimators on the log's twin and
/// writes `ope.csv`, the forest plots and `report.html`.
pub fn run_ope(command: &OpeCommand, quiet: bool) -> Result<OpeOutcome> {
    let columns = ColumnMap::parse(&command.columns).map_err(anyhow::Error::msg)?;
    command.plan.check()?;
    let provenance = if command.behaviour.is_some() && command.scenario.is_some() {
        None
    } else {
        provenance::read(&command.log)?
    };
    let scenario_spec = command
        .scenario
        .clone()
        .or_else(|| provenance.as_ref().map(|p| p.scenario.clone()))
        .unwrap_or_else(|| "default".to_string());
    let writer = crate::folder::Writer {
        command: "ope",
        force: command.force,
    };
    // Once the log is read, before the evaluation's work: a log refused leaves no
    // folder behind, a folder that cannot be written is found before the work.
    let prepare = || crate::folder::run_folder(command.out.as_deref(), "ope", writer);
    let (evaluation, twin, folder) = match &command.target {
        Some(spec) => {
            let scenario = Scenario::load(&scenario_spec)?;
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
            let twin_plan = twin_plan(command, provenance.as_ref(), &log, seed);
            if let Ok(plan) = &twin_plan {
                plan.check(log.units(), model.horizon())?;
            }
            let folder = prepare()?;
            let evaluation = evaluate(&log, Target::Policy(policy.as_mut()), &command.plan)
                .with_context(|| format!("evaluating {}", command.log.display()))?;
            let check = match twin_plan {
                Ok(plan) => TwinCheck::Ran(Box::new(twin::run_twin(
                    model.scenario().clone(),
                    spec,
                    log.units(),
                    &command.plan,
                    &plan,
                    quiet,
                )?)),
                Err(why) => TwinCheck::Skipped(why),
            };
            (evaluation, check, folder)
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
            let evaluation = evaluate(&log, Target::Logged, &command.plan)
                .with_context(|| format!("evaluating {}", command.log.display()))?;
            let why = "the target is the log's pi_e column, a policy onboard cannot run";
            (evaluation, TwinCheck::Skipped(why.into()), folder)
        }
    };
    let title = format!(
        "Off-policy evaluation of {} on {}",
        command.target.as_deref().unwrap_or("the log's pi_e"),
        file_name(&command.log)
    );
    outputs::write(&folder, &title, &evaluation, &twin)?;
    Ok(OpeOutcome {
        evaluation,
        twin,
        folder,
    })
}

/// The twin of `log` as `command` and the log's provenance describe it, or why
/// there can be none.
fn twin_plan(
    command: &OpeCommand,
    provenance: Option<&Provenance>,
    log: &Log,
    scenario_seed: u64,
) -> Result<TwinPlan, String> {
    let options = command.twin.as_ref().ok_or("--no-twin was given")?;
    if log.independent() {
        return Err("a log of independent decisions has no users to simulate".into());
    }
    let (behaviour, epsilon) = match (&command.behaviour, provenance) {
        (Some(given), _) => given.clone(),
        (None, Some(p)) if p.users != log.units() => {
            return Err(format!(
                "{} records a log of {} users and this log has {}, so it is another log's; give \
                 --behaviour and --epsilon",
                provenance::path_of(&command.log).display(),
                p.users,
                log.units()
            ));
        }
        (None, Some(p)) => (p.behaviour.clone(), p.epsilon),
        (None, None) => {
            return Err(format!(
                "the behaviour that wrote the log is unknown: give --behaviour and --epsilon, or \
                 keep the {} that `onboard log` writes beside it",
                provenance::path_of(Path::new(&file_name(&command.log))).display()
            ));
        }
    };
    Ok(TwinPlan {
        behaviour,
        epsilon,
        reps: options.reps,
        truth_users: options.truth_users,
        tolerance: options.tolerance,
        seed: derive_seed(scenario_seed, &[TWIN, command.plan.seed]),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
