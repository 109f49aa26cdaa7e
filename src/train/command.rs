//! `onboard train`: a learner built from its file, trained by [`super::trainer`]
//! while its progress is kept in the run's folder, and the run's outputs.

use super::outputs::{self, TrainFiles};
use super::resume;
use super::{CurvePoint, Hooks, ResumePoint, RunSeeds, Trained, TrainingPlan, train_learner_with};
use anyhow::{Context, Result, bail};
use onboard_agents::{AgentConfig, Decisions, Learner};
use onboard_envs::{Model, Scenario};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a learner for `model` decides: among its journey templates once per user
/// when `journeys`, else among its actions every user-day.
pub fn decisions(model: &Model, journeys: bool) -> Decisions {
    let scenario = model.scenario();
    Decisions {
        at_signup: journeys,
        options: if journeys {
            scenario.journey_names()
        } else {
            scenario.action_names()
        },
    }
}

/// Builds `config`'s agent for observations of `model`, choosing among its actions,
/// or among its journey templates when `journeys`; `seed` fixes its randomness.
pub fn build_learner(
    config: &AgentConfig,
    model: &Model,
    journeys: bool,
    seed: u64,
) -> Result<Box<dyn Learner>> {
    let options = decisions(model, journeys).options;
    if options.is_empty() {
        bail!(
            "scenario '{}' has no {} to choose among",
            model.scenario().name,
            if journeys {
                "journey templates"
            } else {
                "actions"
            }
        );
    }
    Ok(config.build(model.layout(), &options, seed)?)
}

/// Everything `onboard train` needs to know.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The scenario users are simulated from.
    pub scenario: Scenario,
    /// The agent and its hyperparameters.
    pub agent: AgentConfig,
    /// The agent's name in progress bars, charts and summaries (e.g. its file stem).
    pub agent_name: String,
    /// Sizes, evaluations and decision mode.
    pub plan: TrainingPlan,
    /// Seed of the run: fixes, through [`RunSeeds`], every simulated user, and the
    /// agent's randomness unless `agent_seed` is given.
    pub seed: u64,
    /// Seed of the agent's randomness (initial weights, exploration, minibatches)
    /// apart from the run's: training seeds of one learner on the same users.
    pub agent_seed: Option<u64>,
    /// Let the learner see each user's latent traits and state (simulator truth,
    /// [`Model::with_latent_observations`]): a reference for how much of the
    /// reachable value a platform-visible policy captures, not a policy to run.
    pub privileged: bool,
    /// Output folder, created if missing.
    pub out: PathBuf,
    /// Hide the progress bar.
    pub quiet: bool,
}

impl TrainOptions {
    /// Checks, before any work, the agent's hyperparameters (those a resume reads
    /// back too), the plan's sizes, and that the agent can learn in the plan.
    pub fn check(&self) -> Result<()> {
        self.agent.validate()?;
        self.plan.validate(&self.scenario)?;
        self.plan.check_learning(&self.scenario, &self.agent)
    }

    /// Options with the usual plan ([`TrainingPlan::default`]) and the scenario's
    /// seed.
    pub fn new(
        scenario: Scenario,
        agent: AgentConfig,
        agent_name: impl Into<String>,
        out: impl Into<PathBuf>,
    ) -> Self {
        Self {
            seed: scenario.seed,
            agent_seed: None,
            privileged: false,
            scenario,
            agent,
            agent_name: agent_name.into(),
            plan: TrainingPlan::default(),
            out: out.into(),
            quiet: false,
        }
    }

    /// The seeds of the run.
    pub fn seeds(&self) -> RunSeeds {
        RunSeeds::new(self.seed)
    }

    /// The compiled scenario, with latent observations when `privileged`.
    pub fn model(&self) -> Result<Arc<Model>> {
        let model = Model::new(self.scenario.clone())
            .with_context(|| format!("compiling scenario '{}'", self.scenario.name))?;
        Ok(Arc::new(if self.privileged {
            model.with_latent_observations()
        } else {
            model
        }))
    }

    /// The seed of the agent's randomness: `agent_seed`, else the run seed.
    pub fn agent_seed(&self) -> u64 {
        self.agent_seed.unwrap_or(self.seed)
    }
}

/// What [`train_agent`] yielded.
pub struct TrainOutcome {
    /// The learner, as it was after the last training step (its state is the
    /// checkpoint).
    pub agent: Box<dyn Learner>,
    /// The curve and the chosen snapshot.
    pub trained: Trained,
    /// The run's seeds.
    pub seeds: RunSeeds,
    /// What a step of the curve is (`cohort` or `day`).
    pub step_name: &'static str,
    /// The learner saw latent traits and state (a reference, not a policy to run).
    pub privileged: bool,
    /// The files written.
    pub files: TrainFiles,
}

impl std::fmt::Debug for TrainOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainOutcome")
            .field("agent", &self.agent.name())
            .field("trained", &self.trained)
            .field("seeds", &self.seeds)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl TrainOutcome {
    /// A few lines for the terminal: the chosen snapshot, its test value and the
    /// files written.
    pub fn summary(&self) -> String {
        let t = &self.trained;
        let (validation, test) = (t.validation, t.test_value());
        let users = t.test.metrics().users();
        let evaluations = t.curve.iter().filter(|p| p.validation.is_some()).count();
        let privileged = if self.privileged {
            "privileged reference: the learner saw each user's latent traits and state \
             (simulator truth, which no platform has)\n"
        } else {
            ""
        };
        format!(
            "{privileged}chosen snapshot: {} {} (best validation value of {evaluations} evaluations: \
             {:.4} per user, seed {})\n\
             its value on {users} test users (seed {}): reward per user {:.4} \
             (95% interval {:.4} to {:.4})\n{}",
            self.step_name,
            t.best_step,
            validation.mean,
            self.seeds.validation(),
            self.seeds.test(),
            test.mean,
            test.low,
            test.high,
            self.files.summary()
        )
    }
}

/// Trains the agent of `options` on simulated users and writes into `options.out`
/// the learning curve and the learner's state (both rewritten at every evaluation
/// point, so an interrupted run keeps its latest evaluated state, and
/// [`resume_training`] goes on from there), then the chosen snapshot's test
/// evaluation, the charts and the report; [`resume::RUN_JSON`] says where the run
/// stands.
pub fn train_agent(options: &TrainOptions) -> Result<TrainOutcome> {
    options.check()?;
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create the folder {}", options.out.display()))?;
    let log = resume::RunLog::start(options)?;
    run_logged(options, log, None, None)
}

/// Resumes the interrupted `onboard train` run in `folder` from its last evaluation
/// point (see [`resume`]): the outcome and the files are those of the run had it
/// never been interrupted.
pub fn resume_training(folder: &Path, quiet: bool) -> Result<TrainOutcome> {
    let (log, mut options, point) = resume::RunLog::open(folder)?;
    options.quiet = quiet;
    options.check()?;
    let learner = log.learner()?;
    run_logged(&options, log, learner, point)
}

/// Trains as `options` say (going on with `learner` from `point`, if given), keeping
/// `log` up to date, and records in it how the run ended.
fn run_logged(
    options: &TrainOptions,
    mut log: resume::RunLog,
    learner: Option<Box<dyn Learner>>,
    point: Option<ResumePoint>,
) -> Result<TrainOutcome> {
    let result = run_training(options, &mut log, learner, point);
    match &result {
        Ok(_) => log.finish()?,
        Err(error) => log.fail(error),
    }
    result
}

/// The body of [`run_logged`].
fn run_training(
    options: &TrainOptions,
    log: &mut resume::RunLog,
    learner: Option<Box<dyn Learner>>,
    point: Option<ResumePoint>,
) -> Result<TrainOutcome> {
    let model = options.model()?;
    let mut agent = match learner {
        Some(learner) => learner,
        None => build_learner(
            &options.agent,
            &model,
            options.plan.decide_at_signup,
            options.agent_seed(),
        )
        .with_context(|| {
            format!(
                "building agent '{}' for scenario '{}'",
                options.agent_name, options.scenario.name
            )
        })?,
    };
    let progress = outputs::ProgressFiles::new(options);
    let decides = decisions(&model, options.plan.decide_at_signup);
    if let Some(point) = &point {
        progress.write_best(&point.best.to_bytes(&decides)?)?;
    }
    let on_evaluation = |learner: &dyn Learner, curve: &[CurvePoint], best_step: u64| {
        let state = learner.to_bytes(&decides)?;
        let step = curve.last().map_or(0, |p| p.step);
        log.keep_state(step, &state)?;
        progress.write(&state, curve, best_step)?;
        log.commit(curve, best_step)
    };
    let hooks = Hooks {
        label: options.agent_name.clone(),
        quiet: options.quiet,
        on_evaluation: Box::new(on_evaluation),
        resume: point,
    };
    let seeds = options.seeds();
    let trained = train_learner_with(&model, agent.as_mut(), &options.plan, &seeds, hooks)?;
    let files = outputs::write_final(options, &model, &trained, progress)?;
    Ok(TrainOutcome {
        agent,
        trained,
        seeds,
        step_name: options.plan.step_name(),
        privileged: options.privileged,
        files,
    })
}
