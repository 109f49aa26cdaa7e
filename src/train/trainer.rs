//! The training loop, read top to bottom: each day the learner acts for every
//! user in their window, the cohort steps, the learner stores what followed and
//! learns from it (for DQN: [`onboard_agents::dqn`]'s `observe`); every
//! `eval_every` steps the learner is frozen, evaluated on validation and test users,
//! and the best snapshot kept.

use super::{CurvePoint, Evaluation, RunSeeds, Trained, TrainingPlan};
use crate::journeys::{JourneyAgent, JourneyScratch, journey_day, run_journeys};
use crate::progress;
use crate::simulate::{Population, check_launch_draws_users, simulate};
use anyhow::{Context, Result, anyhow, bail};
use onboard_agents::{ExperienceBuffer, FrozenPolicy, Learner, OncePerUser, Policy};
use onboard_envs::{Cohort, Estimate, Model, Transitions};
use std::sync::Arc;

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
