//! Training: a learner acts on simulated users and learns from what follows, then
//! its frozen policy is evaluated on fresh users.
//!
//! [`train_agent`] is the library side of `onboard train`. It runs one of two
//! protocols:
//!
//! - *episodic* (the default): the learner trains on cohorts of users who all sign
//!   up on day 0, one cohort per training seed; every `eval_every` cohorts (and after
//!   the last) its policy is frozen and evaluated on a fresh cohort whose seed no
//!   training cohort uses;
//! - *online* (a launch simulation): users keep arriving for a number of days while
//!   the learner acts and learns every calendar day; the curve is by calendar day,
//!   and the frozen policy is evaluated as above.
//!
//! Either way the learner decides for every user in their window every day, or, with
//! `decide_at_signup`, once per user at signup among the scenario's journey
//! templates ([`OncePerUser`]), learning from each user's whole-window reward.
//! The learning curve, the evaluation metrics, the charts and, for DQN, a
//! checkpoint are written into the output folder (see [`outputs`]).
//!
//! Seeds: with run seed `s`, the evaluation cohort uses [`evaluation_seed`]`(s)` and
//! training cohort `k` (or the launch, `k = 1`) uses [`training_seed`]`(s, k)`; every
//! evaluation point uses the same evaluation users (common random numbers), so the
//! curve's evaluation points differ only by the policy. The same options give
//! bit-identical curves.
//!
//! [`train`] is the bare episodic loop, for experiments that drive learners
//! themselves.

pub mod outputs;

use crate::journeys::{JourneyRun, JourneyScratch, journey_day, run_journeys};
use crate::progress;
use crate::simulate::{Population, Simulation, simulate};
use anyhow::{Context, Result, anyhow, bail};
use onboard_agents::dqn::Dqn;
use onboard_agents::{AgentConfig, ExperienceBuffer, Learner, OncePerUser};
use onboard_envs::{
    Cohort, CohortMetrics, Estimate, Model, Quantity, Scenario, StepError, Transitions,
};
use outputs::TrainFiles;
use std::path::PathBuf;
use std::sync::Arc;

/// What one training cohort yielded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortResult {
    /// The cohort's seed.
    pub seed: u64,
    /// Mean total reward per user over the horizon.
    pub reward_per_user: f64,
    /// User-days simulated.
    pub user_days: u64,
}

/// Trains `learner` on one fixed cohort of `users` per seed, in order; returns the
/// learning curve. Shows a progress bar over cohorts unless `quiet`.
pub fn train(
    model: &Arc<Model>,
    learner: &mut dyn Learner,
    seeds: &[u64],
    users: usize,
    quiet: bool,
) -> Result<Vec<CohortResult>, StepError> {
    let progress = progress::bar(seeds.len() as u64, "training ", "cohort", quiet);
    progress.set_message(learner.name().to_string());
    let mut scratch = Scratch::default();
    let mut curve = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        let mut cohort = Cohort::fixed(Arc::clone(model), seed, users);
        let mut reward = 0.0;
        let mut user_days = 0;
        while !cohort.is_finished() {
            let day = learn_day(learner, &mut cohort, &mut scratch)?;
            reward += day.reward;
            user_days += day.users;
        }
        curve.push(CohortResult {
            seed,
            reward_per_user: reward / users as f64,
            user_days,
        });
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(curve)
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
    /// Training cohorts (episodic training; ignored when learning online).
    pub cohorts: usize,
    /// Users per training cohort (episodic training; ignored when learning online).
    pub users: usize,
    /// Users in the evaluation cohort.
    pub eval_users: usize,
    /// Training cohorts (online: calendar days) between evaluations of the frozen
    /// policy; 0 evaluates only at the end. The end is always evaluated.
    pub eval_every: usize,
    /// Seed of the run: fixes the agent's randomness and, through
    /// [`training_seed`] and [`evaluation_seed`], every simulated user.
    pub seed: u64,
    /// Learn online during a launch in which users arrive for this many days,
    /// instead of on episodic cohorts.
    pub online: Option<u32>,
    /// Decide once per user at signup among the scenario's journey templates,
    /// instead of every user-day among its actions.
    pub decide_at_signup: bool,
    /// Output folder, created if missing.
    pub out: PathBuf,
    /// Hide the progress bar.
    pub quiet: bool,
}

impl TrainOptions {
    /// Options with the usual sizes (20 cohorts of 2 000 users, an evaluation
    /// cohort of 10 000 users every 5 cohorts, the scenario's seed), episodic and
    /// deciding every user-day.
    pub fn new(
        scenario: Scenario,
        agent: AgentConfig,
        agent_name: impl Into<String>,
        out: impl Into<PathBuf>,
    ) -> Self {
        Self {
            seed: scenario.seed,
            scenario,
            agent,
            agent_name: agent_name.into(),
            cohorts: 20,
            users: 2_000,
            eval_users: 10_000,
            eval_every: 5,
            online: None,
            decide_at_signup: false,
            out: out.into(),
            quiet: false,
        }
    }

    /// Checks the sizes and the decision mode against the scenario.
    pub fn validate(&self) -> Result<()> {
        match self.online {
            Some(0) => bail!("a launch needs at least one day of arrivals (online: 0)"),
            Some(_) => {}
            None => {
                if self.cohorts == 0 {
                    bail!("episodic training needs at least one training cohort (cohorts: 0)");
                }
                if self.users == 0 {
                    bail!("a training cohort needs at least one user (users: 0)");
                }
            }
        }
        if self.eval_users == 0 {
            bail!("the evaluation needs at least one user (eval_users: 0)");
        }
        if self.decide_at_signup && self.scenario.journeys.is_empty() {
            bail!(
                "scenario '{}' has no journey templates: deciding at signup chooses among \
                 the scenario's `journeys`, so add some to the scenario (see the default \
                 scenario) or decide every user-day",
                self.scenario.name
            );
        }
        Ok(())
    }
}

/// The seed of training cohort `cohort` (1, 2, …; the launch is 1) of a run seeded
/// with `seed`: never the run's [`evaluation_seed`] (below 2⁶⁴ cohorts).
pub fn training_seed(seed: u64, cohort: u64) -> u64 {
    evaluation_seed(seed).wrapping_add(cohort)
}

/// The seed of the evaluation cohort of a run seeded with `seed`. Runs whose seeds
/// differ get disjoint seeds as long as they train on fewer than a million cohorts.
pub fn evaluation_seed(seed: u64) -> u64 {
    seed.wrapping_mul(1_000_000)
}

/// One point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Training cohort (1, 2, …) in episodic training; calendar day of the launch
    /// (0, 1, …) when learning online.
    pub step: u64,
    /// Users the learner acted for: the cohort's size, or the users in their
    /// window that day.
    pub users: u64,
    /// Training reward per user: summed over the horizon for a cohort; that day's
    /// reward per user in their window when learning online (NaN on a day without
    /// users).
    pub training_reward: f64,
    /// Where the frozen policy was evaluated after this step: its reward per user
    /// summed over the horizon on the evaluation cohort, with a 95 % interval.
    pub evaluation: Option<Estimate>,
}

/// The trained agent, concrete where it can be checkpointed.
pub enum TrainedAgent {
    /// A DQN agent: [`Dqn::save`] writes its checkpoint.
    Dqn(Box<Dqn>),
    /// Any other learner (nothing to checkpoint).
    Other(Box<dyn Learner>),
}

impl TrainedAgent {
    /// Builds `config`'s agent for observations of `model`, choosing among its actions,
    /// or among its journey templates when `journeys`; `seed` fixes its randomness.
    pub fn build(config: &AgentConfig, model: &Model, journeys: bool, seed: u64) -> Result<Self> {
        let scenario = model.scenario();
        let options: Vec<String> = if journeys {
            scenario.journey_names()
        } else {
            scenario.action_names()
        };
        if options.is_empty() {
            bail!(
                "scenario '{}' has no {} to choose among",
                scenario.name,
                if journeys {
                    "journey templates"
                } else {
                    "actions"
                }
            );
        }
        let layout = model.layout();
        let agent = match config {
            AgentConfig::Dqn(c) => {
                Self::Dqn(Box::new(Dqn::new(c, layout.len(), options.len(), seed)?))
            }
            other => Self::Other(other.build(layout, &options, seed)?),
        };
        Ok(agent)
    }

    /// The learner.
    pub fn learner(&self) -> &dyn Learner {
        match self {
            Self::Dqn(dqn) => dqn.as_ref(),
            Self::Other(learner) => learner.as_ref(),
        }
    }

    /// The learner, to act or learn.
    pub fn learner_mut(&mut self) -> &mut dyn Learner {
        match self {
            Self::Dqn(dqn) => dqn.as_mut(),
            Self::Other(learner) => learner.as_mut(),
        }
    }

    /// The DQN agent, if it is one.
    pub fn dqn(&self) -> Option<&Dqn> {
        match self {
            Self::Dqn(dqn) => Some(dqn),
            Self::Other(_) => None,
        }
    }

    /// Freezes the policy for an evaluation (DQN acts greedily), or thaws it. Other
    /// learners are evaluated as they act; they do not learn while evaluated
    /// because nothing is handed to them to learn from.
    fn set_frozen(&mut self, frozen: bool) {
        if let Self::Dqn(dqn) = self {
            dqn.set_epsilon(frozen.then_some(0.0));
        }
    }
}

impl std::fmt::Debug for TrainedAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.dqn().is_some() { "Dqn" } else { "Other" };
        f.debug_tuple(kind).field(&self.learner().name()).finish()
    }
}

/// The frozen policy's run on the evaluation cohort.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    /// Deciding every user-day: the simulation, with per-user records and action mix.
    Daily(Simulation),
    /// Deciding once per user: the metrics and the journeys given, by signup day.
    Journeys(JourneyRun),
}

impl Evaluation {
    /// Cohort metrics by age.
    pub fn metrics(&self) -> &CohortMetrics {
        match self {
            Self::Daily(simulation) => &simulation.metrics,
            Self::Journeys(run) => &run.metrics,
        }
    }

    /// Reward per user summed over the horizon, with its 95 % interval.
    pub fn value(&self) -> Estimate {
        self.metrics().by_age().last().map_or(
            Estimate {
                mean: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
            },
            |age| age.to_date(Quantity::Reward),
        )
    }
}

/// What [`train_agent`] yielded.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The trained agent, as it was after the last training step.
    pub agent: TrainedAgent,
    /// The learning curve: one point per training cohort, or per calendar day online.
    pub curve: Vec<CurvePoint>,
    /// The frozen policy's final evaluation (also the last curve point's).
    pub evaluation: Evaluation,
    /// The evaluation cohort's seed.
    pub evaluation_seed: u64,
    /// The files written.
    pub files: TrainFiles,
}

impl TrainOutcome {
    /// A few lines for the terminal: the final evaluation and the files written.
    pub fn summary(&self) -> String {
        let value = self.evaluation.value();
        let users = self.evaluation.metrics().users();
        let mut text = format!(
            "frozen policy on {users} fresh users (seed {}): reward per user {:.4} \
             (95% interval {:.4} to {:.4})\n",
            self.evaluation_seed, value.mean, value.low, value.high
        );
        text.push_str(&self.files.summary(self.agent.learner().name()));
        text
    }
}

/// Trains the agent of `options` on simulated users, evaluates its frozen policy on
/// fresh ones, and writes the learning curve, the evaluation and (DQN) the
/// checkpoint into `options.out`. The checkpoint and the curve's CSV are rewritten
/// at every evaluation point, so an interrupted run keeps its latest evaluated state.
pub fn train_agent(options: &TrainOptions) -> Result<TrainOutcome> {
    options.validate()?;
    let model = Arc::new(
        Model::new(options.scenario.clone())
            .with_context(|| format!("compiling scenario '{}'", options.scenario.name))?,
    );
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create the folder {}", options.out.display()))?;
    let agent = TrainedAgent::build(
        &options.agent,
        &model,
        options.decide_at_signup,
        options.seed,
    )
    .with_context(|| {
        format!(
            "building agent '{}' for scenario '{}'",
            options.agent_name, options.scenario.name
        )
    })?;
    let mut run = Run {
        model,
        options,
        driver: Driver::new(agent, options.decide_at_signup),
        scratch: Scratch::default(),
        curve: Vec::new(),
        evaluation: None,
        checkpoint: None,
    };
    match options.online {
        None => run.episodic()?,
        Some(days) => run.online(days)?,
    }
    let evaluation = run
        .evaluation
        .take()
        .ok_or_else(|| anyhow!("training ended without an evaluation"))?;
    let agent = run.driver.into_agent();
    let files = outputs::write_final(
        options,
        &run.model,
        &run.curve,
        &evaluation,
        run.checkpoint.take(),
    )?;
    Ok(TrainOutcome {
        agent,
        curve: run.curve,
        evaluation,
        evaluation_seed: evaluation_seed(options.seed),
        files,
    })
}

/// A training run in progress.
struct Run<'a> {
    model: Arc<Model>,
    options: &'a TrainOptions,
    driver: Driver,
    scratch: Scratch,
    curve: Vec<CurvePoint>,
    /// The latest evaluation.
    evaluation: Option<Evaluation>,
    /// The checkpoint saved at the latest evaluation (DQN only).
    checkpoint: Option<PathBuf>,
}

impl Run<'_> {
    /// One fixed cohort per training seed, evaluating every `eval_every` cohorts and
    /// after the last.
    fn episodic(&mut self) -> Result<()> {
        let o = self.options;
        let progress = progress::bar(o.cohorts as u64, "training ", "cohort", o.quiet);
        progress.set_message(o.agent_name.clone());
        for k in 1..=o.cohorts as u64 {
            let seed = training_seed(o.seed, k);
            let mut cohort = Cohort::fixed(Arc::clone(&self.model), seed, o.users);
            let mut reward = 0.0;
            while !cohort.is_finished() {
                reward += self
                    .driver
                    .day(&self.model, &mut cohort, &mut self.scratch)
                    .with_context(|| format!("training cohort {k} (seed {seed})"))?
                    .reward;
            }
            self.curve.push(CurvePoint {
                step: k,
                users: o.users as u64,
                training_reward: reward / o.users as f64,
                evaluation: None,
            });
            if is_due(k, o.eval_every) || k == o.cohorts as u64 {
                self.evaluate()?;
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        Ok(())
    }

    /// A launch of `days` days of arrivals, learning every calendar day until the
    /// last user's window ends; evaluates every `eval_every` days and at the end.
    fn online(&mut self, days: u32) -> Result<()> {
        let o = self.options;
        let seed = training_seed(o.seed, 1);
        let total = u64::from(days) + u64::from(self.model.horizon());
        let progress = progress::bar(total, "training ", "day", o.quiet);
        progress.set_message(o.agent_name.clone());
        let mut cohort = Cohort::launch(Arc::clone(&self.model), seed, days);
        let mut day = 0;
        while !cohort.is_finished() {
            let stats = self
                .driver
                .day(&self.model, &mut cohort, &mut self.scratch)
                .with_context(|| format!("launch day {day} (seed {seed})"))?;
            self.curve.push(CurvePoint {
                step: day,
                users: stats.users,
                training_reward: stats.reward / stats.users as f64,
                evaluation: None,
            });
            day += 1;
            if is_due(day, o.eval_every) {
                self.evaluate()?;
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        match self.curve.last() {
            None => bail!("the launch simulated no day"),
            Some(point) if point.evaluation.is_none() => self.evaluate(),
            Some(_) => Ok(()),
        }
    }

    /// Evaluates the frozen policy, attaches the value to the last curve point, and
    /// saves what an interruption must not lose: the curve so far and the checkpoint.
    fn evaluate(&mut self) -> Result<()> {
        let o = self.options;
        let seed = evaluation_seed(o.seed);
        let evaluation = self
            .driver
            .evaluate(&self.model, seed, o.eval_users)
            .with_context(|| format!("evaluating the frozen policy (seed {seed})"))?;
        if let Some(point) = self.curve.last_mut() {
            point.evaluation = Some(evaluation.value());
        }
        self.evaluation = Some(evaluation);
        outputs::write_curve_csv(
            &o.out.join(outputs::CURVE_CSV),
            &self.curve,
            o.online.is_some(),
        )?;
        self.checkpoint = outputs::save_checkpoint(&o.out, self.driver.agent())?;
        Ok(())
    }
}

/// True when an evaluation is due after step `k` (1-based) with one every `every`.
fn is_due(k: u64, every: usize) -> bool {
    every > 0 && k.is_multiple_of(every as u64)
}

/// What one simulated day gave.
#[derive(Debug, Clone, Copy)]
struct Day {
    /// Users in their window that day.
    users: u64,
    /// Their total reward.
    reward: f64,
}

/// Buffers reused from day to day.
#[derive(Debug, Default)]
struct Scratch {
    actions: Vec<usize>,
    experience: ExperienceBuffer,
    journeys: JourneyScratch,
}

/// One day for every user of `cohort` in their window: `learner` acts, and learns from the
/// day's transitions.
fn learn_day(
    learner: &mut dyn Learner,
    cohort: &mut Cohort,
    scratch: &mut Scratch,
) -> Result<Day, StepError> {
    let observations = cohort.observations();
    scratch.actions.clear();
    scratch.actions.resize(observations.nrows(), 0);
    learner.act(observations, &mut scratch.actions);
    let transitions = cohort.step(&scratch.actions)?;
    let reward = day_reward(&transitions);
    learner.observe(&scratch.experience.view(&scratch.actions, &transitions));
    Ok(Day {
        users: scratch.actions.len() as u64,
        reward,
    })
}

fn day_reward(transitions: &Transitions<'_>) -> f64 {
    transitions.outcomes.iter().map(|o| o.reward).sum()
}

/// How the agent is asked for decisions.
enum Driver {
    /// Every user in their window, every day.
    Daily(TrainedAgent),
    /// Once per user at signup, among journeys; `chooser` keeps the training
    /// users' pending choices.
    Journeys {
        agent: TrainedAgent,
        chooser: OncePerUser,
    },
}

impl Driver {
    fn new(agent: TrainedAgent, journeys: bool) -> Self {
        if journeys {
            Self::Journeys {
                agent,
                chooser: OncePerUser::new(),
            }
        } else {
            Self::Daily(agent)
        }
    }

    /// One training day of `cohort`.
    fn day(&mut self, model: &Model, cohort: &mut Cohort, scratch: &mut Scratch) -> Result<Day> {
        match self {
            Self::Daily(agent) => Ok(learn_day(agent.learner_mut(), cohort, scratch)?),
            Self::Journeys { agent, chooser } => {
                let day = journey_day(
                    model,
                    cohort,
                    chooser,
                    agent.learner_mut(),
                    true,
                    &mut scratch.journeys,
                )?;
                Ok(Day {
                    users: day.users,
                    reward: day.reward,
                })
            }
        }
    }

    /// The frozen policy on a fresh cohort of `users` with `seed`.
    fn evaluate(&mut self, model: &Arc<Model>, seed: u64, users: usize) -> Result<Evaluation> {
        let population = Population::Cohort { users };
        let journeys = matches!(self, Self::Journeys { .. });
        let (Self::Daily(agent) | Self::Journeys { agent, .. }) = self;
        agent.set_frozen(true);
        let learner = agent.learner_mut();
        let evaluation = if journeys {
            run_journeys(Arc::clone(model), seed, population, learner, false, true)
                .map(Evaluation::Journeys)
        } else {
            simulate(Arc::clone(model), seed, population, learner, true).map(Evaluation::Daily)
        };
        agent.set_frozen(false);
        Ok(evaluation?)
    }

    fn agent(&self) -> &TrainedAgent {
        let (Self::Daily(agent) | Self::Journeys { agent, .. }) = self;
        agent
    }

    fn into_agent(self) -> TrainedAgent {
        let (Self::Daily(agent) | Self::Journeys { agent, .. }) = self;
        agent
    }
}
