//! `onboard log`: a behaviour policy's decisions on a simulated cohort, written as a
//! CSV log in the schema of `docs/log-schema.md`.

use super::logging::{Behaviour, simulate_log};
use crate::output::write_atomically;
use crate::policies::policy_from_spec;
use anyhow::{Result, bail};
use onboard_envs::{Model, Scenario};
use onboard_ope::LogWriter;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// What `onboard log` writes.
#[derive(Debug, Clone)]
pub struct LogPlan {
    /// The behaviour policy, as `run --policy` takes it.
    pub policy: String,
    /// Share of uniform exploration mixed into the policy.
    pub epsilon: f64,
    /// Users in the cohort.
    pub users: usize,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Also write the behaviour's probability of every action.
    pub every_probability: bool,
    /// The CSV file to write.
    pub out: PathBuf,
}

/// What a log run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSummary {
    /// The file.
    pub path: PathBuf,
    /// Rows (user-days).
    pub rows: u64,
    /// Share of rows whose logged action had probability 1.
    pub deterministic: f64,
}

impl LogSummary {
    /// A warning when the behaviour gave other actions no chance on most rows.
    pub fn warning(&self) -> Option<String> {
        deterministic_note(self.deterministic).map(|note| format!("warning: {note}"))
    }
}

/// What to say of a log where a share `certain` of the rows logged an action of
/// probability 1, when that is most of them: the behaviour was deterministic there.
pub fn deterministic_note(certain: f64) -> Option<String> {
    (certain > 0.5).then(|| {
        format!(
            "on {:.0} % of the rows the behaviour chose its action with probability 1: \
             the log holds no decision of another action there, so no other policy can be \
             evaluated on those rows (importance weights are 0 or undefined); log a stochastic \
             policy, or add exploration (onboard log --epsilon 0.1)",
            100.0 * certain
        )
    })
}

/// Checks `epsilon` is a share.
pub fn check_epsilon(epsilon: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&epsilon) {
        bail!("--epsilon: the share of uniform exploration must lie in [0, 1], got {epsilon}");
    }
    Ok(())
}

/// Simulates `plan.users` users of `scenario` under the behaviour and writes every
/// decision to `plan.out`, then the log's [`provenance`](super::provenance) beside
/// it; each file appears whole or not at all ([`write_atomically`]). `scenario_spec`
/// is how the scenario was named, for the provenance.
pub fn write_log(
    scenario: Scenario,
    scenario_spec: &str,
    plan: &LogPlan,
    quiet: bool,
) -> Result<LogSummary> {
    check_epsilon(plan.epsilon)?;
    if plan.users == 0 {
        bail!("--users: a log needs at least 1 user, got 0");
    }
    let seed = plan.seed.unwrap_or(scenario.seed);
    let model = Arc::new(Model::new(scenario)?);
    let mut policy = policy_from_spec(&plan.policy, &model, seed)?;
    let progress = crate::progress::bar(u64::from(model.horizon()), "", "day", quiet);
    progress.set_message(policy.name().to_string());
    let mut behaviour = Behaviour {
        policy: policy.as_mut(),
        epsilon: plan.epsilon,
    };
    let (mut rows, mut certain) = (0u64, 0u64);
    let written = write_atomically(&plan.out, |partial| -> Result<(), String> {
        let mut write = || -> Result<()> {
            let file = std::fs::File::create(partial)?;
            let mut writer = LogWriter::new(
                std::io::BufWriter::new(file),
                model.layout().names(),
                model.actions().names(),
                plan.every_probability,
            )?;
            rows = simulate_log(
                Arc::clone(&model),
                seed,
                plan.users,
                &mut behaviour,
                |_| {},
                |row| {
                    certain += u64::from(row.probabilities[row.action] >= 1.0);
                    writer.write(row).map_err(anyhow::Error::from)
                },
                &progress,
            )?;
            writer.finish()?.flush()?;
            Ok(())
        };
        write().map_err(|e| format!("{e:#}"))
    });
    progress.finish_and_clear();
    written?;
    super::provenance::write(
        &plan.out,
        &super::provenance::Provenance {
            scenario: super::provenance::resolved(scenario_spec),
            behaviour: super::provenance::resolved(&plan.policy),
            epsilon: plan.epsilon,
            users: plan.users,
            seed,
        },
    )?;
    Ok(LogSummary {
        path: plan.out.clone(),
        rows,
        deterministic: certain as f64 / rows.max(1) as f64,
    })
}
