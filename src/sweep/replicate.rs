//! One replicate of a cell's base experiment: the simulation its metrics are read
//! from and, when the base has a control, the control's on the same users.
//!
//! Adding a base experiment is one variant of [`Experiment`] and one arm in each
//! of [`check`] and [`run`].

use super::spec::Base;
use crate::policies::policy_from_spec;
use crate::simulate::{Population, Simulation, simulate};
use crate::train::{Evaluation, RunSeeds, TrainingPlan, build_learner, train_learner};
use anyhow::{Result, bail};
use onboard_agents::AgentConfig;
use onboard_envs::Model;
use std::sync::Arc;

/// What one replicate yields.
pub struct Replicate {
    /// The evaluated policy's run.
    pub simulation: Simulation,
    /// The control's run on the same users, when the base has a control.
    pub control: Option<Simulation>,
}

/// What a base runs, its fields resolved.
enum Experiment<'a> {
    /// A policy on a cohort of `users` users.
    Run { policy: &'a str, users: usize },
    /// Training as the plan says, then the chosen snapshot on the test users.
    Train(TrainingPlan),
}

impl<'a> Experiment<'a> {
    fn of(base: &'a Base) -> Result<Self> {
        Ok(match *base {
            Base::Run {
                ref policy, users, ..
            } => Experiment::Run { policy, users },
            Base::Train {
                cohorts,
                users,
                eval_users,
                eval_every,
                ..
            } => Experiment::Train(TrainingPlan::episodic(
                cohorts, users, eval_users, eval_every,
            )),
            Base::Ab { .. } => bail!("an Ab base runs as the Run it resolves to"),
        })
    }
}

/// Checks the sizes of `base` against `model`, before any cell runs.
pub fn check(base: &Base, model: &Model) -> Result<()> {
    let users = match Experiment::of(base)? {
        Experiment::Run { users, .. } => users,
        Experiment::Train(plan) => {
            plan.validate(model.scenario())?;
            plan.eval_users
        }
    };
    Population::Cohort { users }.check(model)?;
    Ok(())
}

/// Runs `base` on `model` with the replicate's `seed`; `agent` is the agent of a
/// `Train` base.
pub fn run(
    base: &Base,
    model: &Arc<Model>,
    agent: Option<&AgentConfig>,
    seed: u64,
) -> Result<Replicate> {
    let (simulation, users, users_seed) = match Experiment::of(base)? {
        Experiment::Run { policy, users } => (run_policy(policy, model, seed, users)?, users, seed),
        Experiment::Train(plan) => {
            let Some(agent) = agent else {
                bail!("a Train base without an agent");
            };
            let seeds = RunSeeds::new(seed);
            let mut learner = build_learner(agent, model, false, seed)?;
            let trained = train_learner(model, learner.as_mut(), &plan, &seeds, true)?;
            let Evaluation::Daily(simulation) = trained.test else {
                bail!("a Train base decides every user-day, yet its test ran journeys");
            };
            (simulation, plan.eval_users, seeds.test())
        }
    };
    let control = base
        .control()
        .map(|control| run_policy(control, model, users_seed, users))
        .transpose()?;
    Ok(Replicate {
        simulation,
        control,
    })
}

/// The policy `spec` on the `users` users of `seed`.
fn run_policy(spec: &str, model: &Arc<Model>, seed: u64, users: usize) -> Result<Simulation> {
    let mut policy = policy_from_spec(spec, model, seed)?;
    let population = Population::Cohort { users };
    Ok(simulate(
        Arc::clone(model),
        seed,
        population,
        policy.as_mut(),
        true,
    )?)
}
