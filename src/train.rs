//! Training: a learner acts on simulated users and learns from what follows; at
//! every evaluation point its frozen copy ([`Learner::frozen`]) is evaluated on
//! fresh users, and the best snapshot is kept.
//!
//! One loop, [`train_learner`], serves every mode:
//!
//! - *episodic* (the default): the learner trains on cohorts of users who all sign
//!   up on day 0, one cohort per training seed;
//! - *online* (a launch simulation): users keep arriving for a number of days while
//!   the learner acts and learns every calendar day; the curve is by calendar day.
//!
//! Either way the learner decides for every user in their window every day, or, with
//! `decide_at_signup`, once per user at signup among the scenario's journey
//! templates ([`OncePerUser`]), learning from each user's whole-window reward.
//!
//! **Model selection without selection bias.** Every `eval_every` steps (and after
//! the last) the learner is frozen and the frozen copy is evaluated on two fresh
//! cohorts of `eval_users` users: the *validation* cohort, which chooses the
//! snapshot, and the *test* cohort, which reports it. The snapshot kept is the one
//! of highest validation value (the earliest on ties), as frozen then; the result
//! is its value on the test cohort, which played no part in choosing it. The seeds
//! come from [`RunSeeds`], the tool's one seed rule: no validation or test user is
//! ever a training user, and every evaluation point meets the same validation and
//! test users (common random numbers), so the points differ only by the policy.
//! The same plan and seeds give bit-identical curves.
//!
//! [`train_agent`] is `onboard train`: the same loop, writing the learning curve,
//! the learner's state at every evaluation point and, at the end, the chosen
//! snapshot's test evaluation, charts and report (see [`outputs`]).

pub mod outputs;
pub mod resume;

use crate::journeys::{JourneyAgent, JourneyRun, JourneyScratch, journey_day, run_journeys};
use crate::progress;
use crate::simulate::{Population, Simulation, check_launch_draws_users, simulate};
use anyhow::{Context, Result, anyhow, bail};
use onboard_agents::{
    AgentConfig, Decisions, ExperienceBuffer, FrozenPolicy, Learner, OncePerUser, Policy,
};
use onboard_envs::{Cohort, CohortMetrics, Estimate, Model, Quantity, Scenario, Transitions};
use outputs::TrainFiles;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The seeds of one run, all derived from the run seed `s`: the validation cohort,
/// the test cohort and training cohort `k` (1, 2, …; a launch is cohort 1).
///
/// The rule: seed = `r + i (mod 2⁶⁴)` with `r = s·2³²` (exactly: `s` with its two
/// 32-bit halves swapped, the same for `s < 2³²`) and the index `i` = 0 for
/// validation, 1 for test, `k + 2` for training cohort `k`.
///
/// - Within a run the seeds are pairwise distinct for every `k < 2⁶⁴ − 2`: distinct
///   indices below 2⁶⁴ are distinct modulo 2⁶⁴.
/// - Two runs whose seeds `s ≠ s'` are both below 2³² never share a seed while
///   `k < 2³² − 2`: then `i < 2³²`, so the seed's high half is `s` and its low half
///   is `i`, and the seed gives back both.
/// - Seeds of the environment are keyed through a hash with the user id, so
///   neighbouring seeds give unrelated users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSeeds {
    run: u64,
}

impl RunSeeds {
    /// The seeds of the run seeded with `run`.
    pub fn new(run: u64) -> Self {
        Self { run }
    }

    /// The run seed.
    pub fn run(&self) -> u64 {
        self.run
    }

    /// The seed of the validation cohort, which chooses the snapshot.
    pub fn validation(&self) -> u64 {
        self.seed(0)
    }

    /// The seed of the test cohort, which reports the chosen snapshot.
    pub fn test(&self) -> u64 {
        self.seed(1)
    }

    /// The seed of training cohort `cohort` (1, 2, …).
    pub fn training(&self, cohort: u64) -> u64 {
        self.seed(cohort.wrapping_add(2))
    }

    fn seed(&self, index: u64) -> u64 {
        self.run.rotate_left(32).wrapping_add(index)
    }
}

/// How a learner trains and how often its frozen copy is evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingPlan {
    /// Training cohorts (episodic training; ignored when learning online).
    pub cohorts: usize,
    /// Users per training cohort (episodic training; ignored when learning online).
    pub users: usize,
    /// Users in each of the validation and test cohorts.
    pub eval_users: usize,
    /// Training cohorts (online: calendar days) between evaluations of the frozen
    /// policy; 0 evaluates only at the end. The end is always evaluated.
    pub eval_every: usize,
    /// Learn online during a launch in which users arrive for this many days,
    /// instead of on episodic cohorts.
    pub online: Option<u32>,
    /// Decide once per user at signup among the scenario's journey templates,
    /// instead of every user-day among its actions.
    pub decide_at_signup: bool,
}

impl TrainingPlan {
    /// Episodic training on `cohorts` cohorts of `users` users, evaluating on
    /// `eval_users` validation and test users every `eval_every` cohorts, deciding
    /// every user-day.
    pub fn episodic(cohorts: usize, users: usize, eval_users: usize, eval_every: usize) -> Self {
        Self {
            cohorts,
            users,
            eval_users,
            eval_every,
            online: None,
            decide_at_signup: false,
        }
    }

    /// Checks the sizes and the decision mode against `scenario`.
    pub fn validate(&self, scenario: &Scenario) -> Result<()> {
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
        if self.decide_at_signup && scenario.journeys.is_empty() {
            bail!(
                "scenario '{}' has no journey templates: deciding at signup chooses among \
                 the scenario's `journeys`, so add some to the scenario (see the default \
                 scenario) or decide every user-day",
                scenario.name
            );
        }
        Ok(())
    }

    /// What a step of the curve is: `cohort`, or `day` when learning online.
    pub fn step_name(&self) -> &'static str {
        if self.online.is_some() {
            "day"
        } else {
            "cohort"
        }
    }
}

impl Default for TrainingPlan {
    /// 20 cohorts of 2 000 users, validation and test cohorts of 10 000 users every
    /// 5 cohorts.
    fn default() -> Self {
        Self::episodic(20, 2_000, 10_000, 5)
    }
}

/// One point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
    /// Where the policy was frozen after this step: its reward per user summed over
    /// the horizon on the validation cohort, with a 95 % interval.
    pub validation: Option<Estimate>,
    /// The same frozen policy on the test cohort.
    pub test: Option<Estimate>,
}

/// A frozen policy's run on an evaluation cohort.
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

/// What [`train_learner`] yielded.
pub struct Trained {
    /// The learning curve: one point per training cohort, or per calendar day online.
    pub curve: Vec<CurvePoint>,
    /// The chosen snapshot: the frozen policy of highest validation value.
    pub best: Box<dyn FrozenPolicy>,
    /// The curve step after which it was frozen.
    pub best_step: u64,
    /// Its value on the validation cohort.
    pub validation: Estimate,
    /// Its run on the test cohort: the result of the training.
    pub test: Evaluation,
}

impl Trained {
    /// The chosen snapshot's value on the test cohort, with its 95 % interval.
    pub fn test_value(&self) -> Estimate {
        self.test.value()
    }
}

impl std::fmt::Debug for Trained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trained")
            .field("curve", &self.curve)
            .field("best", &self.best.name())
            .field("best_step", &self.best_step)
            .field("validation", &self.validation)
            .field("test", &self.test_value())
            .finish()
    }
}

/// Trains `learner` on `model`'s users as `plan` says, with the seeds of `seeds`,
/// evaluating its frozen copy on the validation and test cohorts; returns the curve
/// and the chosen snapshot. The learner is left as after the last step. Shows a
/// progress bar unless `quiet`.
pub fn train_learner(
    model: &Arc<Model>,
    learner: &mut dyn Learner,
    plan: &TrainingPlan,
    seeds: &RunSeeds,
    quiet: bool,
) -> Result<Trained> {
    let hooks = Hooks {
        label: learner.name().to_string(),
        quiet,
        on_evaluation: Box::new(|_, _, _| Ok(())),
        resume: None,
    };
    train_learner_with(model, learner, plan, seeds, hooks)
}

/// Called at every evaluation point with the learner, the curve so far and the step
/// of the best snapshot so far; an error stops the training and is returned.
pub type OnEvaluation<'f> = dyn FnMut(&dyn Learner, &[CurvePoint], u64) -> Result<()> + 'f;

/// What a training run shows, where it starts and what it does at every evaluation
/// point.
pub struct Hooks<'f> {
    /// The progress bar's label.
    pub label: String,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Called after every evaluation point (to save what an interruption must not
    /// lose, or to stop early).
    pub on_evaluation: Box<OnEvaluation<'f>>,
    /// Where an interrupted run stopped, to go on from there (episodic runs only);
    /// `None` starts at the first cohort.
    pub resume: Option<ResumePoint>,
}

/// Where an interrupted episodic run stopped, at one of its evaluation points: the
/// curve up to it, and the learner as it was after the step of the best snapshot
/// then (its frozen copy is that snapshot). The learner handed to
/// [`train_learner_with`] is the one after the curve's last step.
pub struct ResumePoint {
    /// The curve up to the evaluation point, that point last.
    pub curve: Vec<CurvePoint>,
    /// The learner after step `best_step`.
    pub best: Box<dyn Learner>,
    /// The step of the best snapshot so far.
    pub best_step: u64,
}

/// [`train_learner`] with `hooks`: a progress label, a call at every evaluation
/// point, and optionally the point an interrupted run goes on from. Going on from
/// a point gives bit for bit the run that was never interrupted.
pub fn train_learner_with(
    model: &Arc<Model>,
    learner: &mut dyn Learner,
    plan: &TrainingPlan,
    seeds: &RunSeeds,
    hooks: Hooks<'_>,
) -> Result<Trained> {
    plan.validate(model.scenario())?;
    let Hooks {
        label,
        quiet,
        mut on_evaluation,
        resume,
    } = hooks;
    let mut trainer = Trainer {
        model: Arc::clone(model),
        learner,
        chooser: plan.decide_at_signup.then(OncePerUser::new),
        plan,
        seeds,
        scratch: Scratch::default(),
        curve: Vec::new(),
        best: None,
        on_evaluation: on_evaluation.as_mut(),
    };
    let done = match resume {
        Some(point) => trainer.resume_from(point)?,
        None => 0,
    };
    match plan.online {
        None => trainer.episodic(done, &label, quiet)?,
        Some(_) if done > 0 => bail!("online training cannot go on from an evaluation point"),
        Some(days) => trainer.online(days, &label, quiet)?,
    }
    let best = trainer
        .best
        .take()
        .ok_or_else(|| anyhow!("training ended without an evaluation"))?;
    Ok(Trained {
        curve: trainer.curve,
        best: best.policy,
        best_step: best.step,
        validation: best.validation,
        test: best.test,
    })
}

/// The best snapshot so far.
struct Best {
    policy: Box<dyn FrozenPolicy>,
    step: u64,
    validation: Estimate,
    test: Evaluation,
}

/// A training run in progress.
struct Trainer<'a, 'f> {
    model: Arc<Model>,
    learner: &'a mut dyn Learner,
    /// The training users' pending choices, when deciding at signup.
    chooser: Option<OncePerUser>,
    plan: &'a TrainingPlan,
    seeds: &'a RunSeeds,
    scratch: Scratch,
    curve: Vec<CurvePoint>,
    best: Option<Best>,
    on_evaluation: &'a mut OnEvaluation<'f>,
}

/// Stops training once the learner's state holds NaN or infinity: it has diverged,
/// and every later step and evaluation would be garbage.
fn check_finite(learner: &dyn Learner) -> Result<()> {
    match learner.non_finite() {
        Some(what) => bail!(
            "the learner diverged: {what} not finite (a step size or reward scale too \
             large for this scenario?)"
        ),
        None => Ok(()),
    }
}

impl Trainer<'_, '_> {
    /// Takes up the curve and the best snapshot of `point`; returns the number of
    /// cohorts already trained.
    fn resume_from(&mut self, point: ResumePoint) -> Result<u64> {
        let done = point.curve.last().map_or(0, |p| p.step);
        if done > self.plan.cohorts as u64 {
            bail!(
                "the run to resume stopped after cohort {done}, but the plan has only {} cohorts",
                self.plan.cohorts
            );
        }
        let validation = point
            .curve
            .iter()
            .find(|p| p.step == point.best_step)
            .and_then(|p| p.validation)
            .ok_or_else(|| {
                anyhow!(
                    "the curve to resume has no evaluation at cohort {}, its best snapshot",
                    point.best_step
                )
            })?;
        let policy = point.best.frozen();
        let test_seed = self.seeds.test();
        let test = self
            .run_frozen(policy.as_ref(), test_seed)
            .with_context(|| format!("testing the best snapshot again (seed {test_seed})"))?;
        self.best = Some(Best {
            policy,
            step: point.best_step,
            validation,
            test,
        });
        self.curve = point.curve;
        Ok(done)
    }

    /// One fixed cohort per training seed after the first `done`, evaluating every
    /// `eval_every` cohorts and after the last.
    fn episodic(&mut self, done: u64, label: &str, quiet: bool) -> Result<()> {
        let plan = self.plan;
        let progress = progress::bar(plan.cohorts as u64, "training ", "cohort", quiet);
        progress.set_message(label.to_string());
        progress.set_position(done);
        for k in done + 1..=plan.cohorts as u64 {
            let seed = self.seeds.training(k);
            let mut cohort = Cohort::fixed(Arc::clone(&self.model), seed, plan.users);
            let mut reward = 0.0;
            while !cohort.is_finished() {
                reward += self
                    .day(&mut cohort)
                    .with_context(|| format!("training cohort {k} (seed {seed})"))?
                    .reward;
            }
            self.curve.push(CurvePoint {
                step: k,
                users: plan.users as u64,
                training_reward: reward / plan.users as f64,
                validation: None,
                test: None,
            });
            if is_due(k, plan.eval_every) || k == plan.cohorts as u64 {
                self.evaluate()?;
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        Ok(())
    }

    /// A launch of `days` days of arrivals, learning every calendar day until the
    /// last user's window ends; evaluates every `eval_every` days and at the end.
    fn online(&mut self, days: u32, label: &str, quiet: bool) -> Result<()> {
        let seed = self.seeds.training(1);
        check_launch_draws_users(&self.model, seed, days)?;
        let total = u64::from(days) + u64::from(self.model.horizon());
        let progress = progress::bar(total, "training ", "day", quiet);
        progress.set_message(label.to_string());
        let mut cohort = Cohort::launch(Arc::clone(&self.model), seed, days);
        let mut day = 0;
        while !cohort.is_finished() {
            let stats = self
                .day(&mut cohort)
                .with_context(|| format!("launch day {day} (seed {seed})"))?;
            self.curve.push(CurvePoint {
                step: day,
                users: stats.users,
                training_reward: stats.reward / stats.users as f64,
                validation: None,
                test: None,
            });
            day += 1;
            if is_due(day, self.plan.eval_every) {
                self.evaluate()?;
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        match self.curve.last() {
            None => bail!("the launch simulated no day"),
            Some(point) if point.validation.is_none() => self.evaluate(),
            Some(_) => Ok(()),
        }
    }

    /// One training day of `cohort`: the learner acts for every user in their
    /// window (or gives new users their journey) and learns from what follows.
    fn day(&mut self, cohort: &mut Cohort) -> Result<Day> {
        let scratch = &mut self.scratch;
        match &mut self.chooser {
            None => {
                let observations = cohort.observations();
                scratch.actions.clear();
                scratch.actions.resize(observations.nrows(), 0);
                self.learner.act(observations, &mut scratch.actions);
                let transitions = cohort.step(&scratch.actions)?;
                let reward = day_reward(&transitions);
                self.learner
                    .observe(&scratch.experience.view(&scratch.actions, &transitions));
                check_finite(&*self.learner)?;
                Ok(Day {
                    users: scratch.actions.len() as u64,
                    reward,
                })
            }
            Some(chooser) => {
                let mut agent = JourneyAgent::Learning(&mut *self.learner);
                let day = journey_day(
                    &self.model,
                    cohort,
                    chooser,
                    &mut agent,
                    &mut scratch.journeys,
                )?;
                check_finite(&*self.learner)?;
                Ok(Day {
                    users: day.users,
                    reward: day.reward,
                })
            }
        }
    }

    /// Freezes the learner, evaluates the frozen copy on the validation and the test
    /// cohorts, attaches both values to the last curve point, keeps the copy if its
    /// validation value is the best so far, and hands the curve to `on_evaluation`.
    fn evaluate(&mut self) -> Result<()> {
        let frozen = self.learner.frozen();
        let (validation_seed, test_seed) = (self.seeds.validation(), self.seeds.test());
        let validation = self
            .run_frozen(frozen.as_ref(), validation_seed)
            .with_context(|| format!("validating the frozen policy (seed {validation_seed})"))?
            .value();
        let test = self
            .run_frozen(frozen.as_ref(), test_seed)
            .with_context(|| format!("testing the frozen policy (seed {test_seed})"))?;
        let point = self
            .curve
            .last_mut()
            .ok_or_else(|| anyhow!("an evaluation before the first training step"))?;
        point.validation = Some(validation);
        point.test = Some(test.value());
        let step = point.step;
        let better = self
            .best
            .as_ref()
            .is_none_or(|best| validation.mean > best.validation.mean);
        if better {
            self.best = Some(Best {
                policy: frozen,
                step,
                validation,
                test,
            });
        }
        let best_step = self.best.as_ref().map_or(step, |best| best.step);
        (self.on_evaluation)(&*self.learner, &self.curve, best_step)
    }

    /// A fresh copy of `frozen` on the evaluation cohort of `seed`.
    fn run_frozen(&self, frozen: &dyn FrozenPolicy, seed: u64) -> Result<Evaluation> {
        let mut policy: Box<dyn Policy> = frozen.clone_box();
        let model = Arc::clone(&self.model);
        let population = Population::Cohort {
            users: self.plan.eval_users,
        };
        let evaluation = if self.plan.decide_at_signup {
            let agent = JourneyAgent::Acting(policy.as_mut());
            Evaluation::Journeys(run_journeys(model, seed, population, agent, true)?)
        } else {
            Evaluation::Daily(simulate(model, seed, population, policy.as_mut(), true)?)
        };
        Ok(evaluation)
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

fn day_reward(transitions: &Transitions<'_>) -> f64 {
    transitions.outcomes.iter().map(|o| o.reward).sum()
}

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
    /// Seed of the run: fixes the agent's randomness and, through [`RunSeeds`],
    /// every simulated user.
    pub seed: u64,
    /// Output folder, created if missing.
    pub out: PathBuf,
    /// Hide the progress bar.
    pub quiet: bool,
}

impl TrainOptions {
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
        format!(
            "chosen snapshot: {} {} (best validation value of {evaluations} evaluations: \
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
    options.plan.validate(&options.scenario)?;
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
    options.plan.validate(&options.scenario)?;
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
    let model = Arc::new(
        Model::new(options.scenario.clone())
            .with_context(|| format!("compiling scenario '{}'", options.scenario.name))?,
    );
    let mut agent = match learner {
        Some(learner) => learner,
        None => build_learner(
            &options.agent,
            &model,
            options.plan.decide_at_signup,
            options.seed,
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
        files,
    })
}
