//! What a training run records as it goes, so that an interrupted run can be told
//! from a finished one and resumed: `onboard train --resume DIR`.
//!
//! In the run's folder:
//!
//! - [`RUN_JSON`], written first and rewritten at every evaluation point and at
//!   the end: the status (`running`, `finished`, or `failed` with the error), the
//!   command, the version, the seed, and the last evaluation point whose state is
//!   whole (`step`, with `best_step`, the chosen snapshot so far);
//! - `resume/setup.json`, written once at the start: the scenario, the agent
//!   configuration, the plan and the seed, so that a resume does not depend on
//!   files that may have changed since;
//! - `resume/state-K.ot` (or `.agent.ron`): the learner's whole state after step
//!   `K`, kept for the last evaluation point and for the best snapshot's;
//! - `resume/curve.json`: the learning curve up to the last evaluation point.
//!
//! A finished run removes `resume/`: its checkpoint is the learner after the last
//! step.
//!
//! At an evaluation point the learner's state, the checkpoint and the curves are
//! written first, each atomically, and `run.json` last: it is the commit. A run
//! killed at any moment leaves a `run.json` whose `step` names files that are
//! whole and agree with each other; what was written after it is ignored by a
//! resume and rewritten. A resumed run trains on from that point and gives the
//! same curve, checkpoint and evaluation, bit for bit, as a run never interrupted,
//! because every cohort's users come from its own seed and the saved state holds
//! every generator of the learner. A run interrupted before its first evaluation
//! starts over, which gives the same.
//!
//! Online runs (a launch) record their status too, but cannot be resumed: at every
//! evaluation point users are halfway through their windows.

use super::{CurvePoint, ResumePoint, TrainOptions, TrainingPlan};
use crate::output::{write_atomically, write_json};
use anyhow::{Context, Result, bail};
use onboard_agents::{AgentConfig, Learner, load_agent};
use onboard_envs::Scenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The run's record.
pub const RUN_JSON: &str = "run.json";
/// The folder of what a resume needs.
pub const RESUME_FOLDER: &str = "resume";
const SETUP_JSON: &str = "setup.json";
const CURVE_JSON: &str = "curve.json";
const STATE_STEM: &str = "state-";

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Started and not ended: still going, or interrupted (killed, power lost).
    Running,
    /// Ended with every output written.
    Finished,
    /// Ended with an error, recorded in `error`.
    Failed,
}

/// The content of [`RUN_JSON`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Where the run stands.
    pub status: Status,
    /// The command line that started it.
    pub command: Vec<String>,
    /// The version of onboard that ran it.
    pub version: String,
    /// The run seed.
    pub seed: u64,
    /// When it started (UTC, RFC 3339).
    pub started: String,
    /// When this record was written.
    pub updated: String,
    /// Whether `train --resume` can go on from its last evaluation point (episodic
    /// runs).
    pub resumable: bool,
    /// The last evaluation point whose state is whole; `None` before the first.
    pub step: Option<u64>,
    /// The step of the chosen snapshot so far.
    pub best_step: Option<u64>,
    /// Why the run failed.
    pub error: Option<String>,
}

/// What a run needs to be run again: written once, at the start.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Setup {
    scenario: Scenario,
    agent: AgentConfig,
    agent_name: String,
    plan: TrainingPlan,
    seed: u64,
    /// Absent in runs of earlier versions, whose agent seed was the run seed.
    #[serde(default)]
    agent_seed: Option<u64>,
    /// Absent in runs of earlier versions, which were never privileged.
    #[serde(default)]
    privileged: bool,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not as `onboard train` writes it (edited, or from another version?)",
            path.display()
        )
    })
}

/// Refuses to start a new run in `folder` if it holds an interrupted run that
/// `train --resume` can go on from an evaluation point, unless `force`: a new run
/// there would replace that run's checkpoints and resume state.
pub fn check_no_interrupted_run(folder: &Path, force: bool) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(folder.join(RUN_JSON)) else {
        return Ok(());
    };
    let Ok(record) = serde_json::from_str::<RunRecord>(&text) else {
        return Ok(());
    };
    // A run stopped before its first evaluation point has nothing to lose: a
    // resume would start it over too.
    let (Some(step), false) = (record.step, force || record.status == Status::Finished) else {
        return Ok(());
    };
    if !record.resumable {
        return Ok(());
    }
    bail!(
        "{} holds an interrupted training run (its last evaluation point is step {step}): \
         go on with it by `onboard train --resume {}`, give another --out, or add --force \
         to start a new run there (which replaces its checkpoints and resume state)",
        folder.display(),
        folder.display()
    )
}

/// The record of a training run in its folder, kept up to date as it goes.
#[derive(Debug)]
pub struct RunLog {
    folder: PathBuf,
    record: RunRecord,
    /// The extension of the learner's saved state.
    extension: &'static str,
}

impl RunLog {
    /// Starts the record of the run `options` describes: writes its set-up (for a
    /// resume) and [`RUN_JSON`] with status `running`.
    pub fn start(options: &TrainOptions) -> Result<Self> {
        let resumable = options.plan.online.is_none();
        let log = Self {
            folder: options.out.clone(),
            record: RunRecord {
                status: Status::Running,
                command: std::env::args().collect(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                seed: options.seed,
                started: now(),
                updated: now(),
                resumable,
                step: None,
                best_step: None,
                error: None,
            },
            extension: options.agent.state_extension(),
        };
        if resumable {
            let resume = log.resume_folder();
            std::fs::create_dir_all(&resume)
                .with_context(|| format!("cannot create the folder {}", resume.display()))?;
            let setup = Setup {
                scenario: options.scenario.clone(),
                agent: options.agent.clone(),
                agent_name: options.agent_name.clone(),
                plan: options.plan.clone(),
                seed: options.seed,
                agent_seed: options.agent_seed,
                privileged: options.privileged,
            };
            write_json(&resume.join(SETUP_JSON), &setup)?;
        }
        log.write()?;
        Ok(log)
    }

    /// Opens the record of the interrupted run in `folder`, to resume it: returns
    /// the record, the run's options (writing into `folder`) and where it stopped
    /// (`None`: before its first evaluation point, so it starts over).
    pub fn open(folder: &Path) -> Result<(Self, TrainOptions, Option<ResumePoint>)> {
        let path = folder.join(RUN_JSON);
        if !path.is_file() {
            bail!(
                "{} has no {RUN_JSON}: it is not the folder of an `onboard train` run",
                folder.display()
            );
        }
        let record: RunRecord = read_json(&path)?;
        match record.status {
            Status::Finished => bail!(
                "the run in {} finished: there is nothing to resume",
                folder.display()
            ),
            _ if !record.resumable => bail!(
                "the run in {} learned online during a launch, which cannot be resumed \
                 (users are halfway through their windows at every evaluation point): \
                 run it again",
                folder.display()
            ),
            Status::Running | Status::Failed => {}
        }
        let resume = folder.join(RESUME_FOLDER);
        let setup: Setup = read_json(&resume.join(SETUP_JSON))?;
        let options = TrainOptions {
            scenario: setup.scenario,
            agent: setup.agent,
            agent_name: setup.agent_name,
            plan: setup.plan,
            seed: setup.seed,
            agent_seed: setup.agent_seed,
            privileged: setup.privileged,
            out: folder.to_path_buf(),
            quiet: false,
        };
        let mut log = Self {
            folder: folder.to_path_buf(),
            extension: options.agent.state_extension(),
            record,
        };
        log.record.status = Status::Running;
        log.record.error = None;
        let point = match (log.record.step, log.record.best_step) {
            (Some(step), Some(best_step)) => Some(log.point(step, best_step)?),
            _ => None,
        };
        Ok((log, options, point))
    }

    /// The learner after the last evaluation point `step` and the resume point.
    fn point(&self, step: u64, best_step: u64) -> Result<ResumePoint> {
        let mut curve: Vec<CurvePoint> = read_json(&self.resume_folder().join(CURVE_JSON))?;
        curve.retain(|p| p.step <= step);
        if curve.last().map(|p| p.step) != Some(step) {
            bail!(
                "{} ends before cohort {step}, where {RUN_JSON} says the run stopped",
                self.resume_folder().join(CURVE_JSON).display()
            );
        }
        Ok(ResumePoint {
            curve,
            best: load_agent(&self.state_path(best_step))?,
            best_step,
        })
    }

    /// The learner as it was at the last evaluation point, to train on.
    pub fn learner(&self) -> Result<Option<Box<dyn Learner>>> {
        match self.record.step {
            Some(step) => Ok(Some(load_agent(&self.state_path(step))?)),
            None => Ok(None),
        }
    }

    fn resume_folder(&self) -> PathBuf {
        self.folder.join(RESUME_FOLDER)
    }

    fn state_path(&self, step: u64) -> PathBuf {
        self.resume_folder()
            .join(format!("{STATE_STEM}{step}.{}", self.extension))
    }

    /// Keeps `state`, the learner's saved state after `step`, for a resume.
    pub fn keep_state(&self, step: u64, state: &[u8]) -> Result<()> {
        if self.record.resumable {
            write_atomically(&self.state_path(step), |partial| {
                std::fs::write(partial, state)
            })?;
        }
        Ok(())
    }

    /// Commits the evaluation point at the end of `curve`, the best snapshot being
    /// that of `best_step`: writes the curve for a resume, then [`RUN_JSON`], then
    /// removes the states no resume can need any more.
    pub fn commit(&mut self, curve: &[CurvePoint], best_step: u64) -> Result<()> {
        let step = curve.last().map(|p| p.step);
        if self.record.resumable {
            write_json(&self.resume_folder().join(CURVE_JSON), &curve)?;
        }
        self.record.step = step;
        self.record.best_step = Some(best_step);
        self.write()?;
        if self.record.resumable {
            self.remove_states_other_than(step, best_step)?;
        }
        Ok(())
    }

    fn remove_states_other_than(&self, step: Option<u64>, best_step: u64) -> Result<()> {
        let folder = self.resume_folder();
        let keep = [
            step.map(|s| self.state_path(s)),
            Some(self.state_path(best_step)),
        ];
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read {}", folder.display()))?;
        for entry in entries {
            let path = entry?.path();
            let is_state = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(STATE_STEM));
            if is_state && !keep.contains(&Some(path.clone())) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Records that the run ended with every output written, and removes what only
    /// a resume needed.
    pub fn finish(&mut self) -> Result<()> {
        self.record.status = Status::Finished;
        self.write()?;
        let resume = self.resume_folder();
        if resume.exists() {
            std::fs::remove_dir_all(&resume)
                .with_context(|| format!("cannot remove {}", resume.display()))?;
        }
        Ok(())
    }

    /// Records that the run failed with `error`. The record stays as it was if even
    /// that cannot be written (a full disk): the error the user sees is `error`.
    pub fn fail(&mut self, error: &anyhow::Error) {
        self.record.status = Status::Failed;
        self.record.error = Some(format!("{error:#}"));
        let _ = self.write();
    }

    fn write(&self) -> Result<()> {
        let record = RunRecord {
            updated: now(),
            ..self.record.clone()
        };
        Ok(write_json(&self.folder.join(RUN_JSON), &record)?)
    }
}
