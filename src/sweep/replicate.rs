//! One replicate of a cell's base experiment: the simulation its metrics are read
//! from and, when the base has a control, the control's on the same users.
//!
//! Adding a base experiment is one arm in [`check`] and one in [`run`].

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

/// Checks the sizes of `base` against `model`, before any cell runs.
pub fn check(base: &Base, model: &Model) -> Result<()> {
    match base {
        Base::Run { users, .. } => {
            Population::Cohort { users: *users }.check(model)?;
        }
        Base::Train {
            cohorts,
            users,
            eval_users,
            eval_every,
            ..
        } => {
            TrainingPlan::episodic(*cohorts, *users, *eval_users, *eval_every)
                .validate(model.scenario())?;
            Population::Cohort { users: *eval_users }.check(model)?;
        }
    }
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
    let (simulation, users, users_seed) = match base {
        Base::Run { policy, users, .. } => {
            let mut policy = policy_from_spec(policy, model, seed)?;
            let population = Population::Cohort { users: *users };
            let simulation = simulate(Arc::clone(model), seed, population, policy.as_mut(), true)?;
            (simulation, *users, seed)
        }
        Base::Train {
            cohorts,
            users,
            eval_users,
            eval_every,
            ..
        } => {
            let Some(agent) = agent else {
                bail!("a Train base without an agent");
            };
            let plan = TrainingPlan::episodic(*cohorts, *users, *eval_users, *eval_every);
            let seeds = RunSeeds::new(seed);
            let mut learner = build_learner(agent, model, false, seed)?;
            let trained = train_learner(model, learner.as_mut(), &plan, &seeds, true)?;
            let Evaluation::Daily(simulation) = trained.test else {
                bail!("a Train base decides every user-day, yet its test ran journeys");
            };
            (simulation, *eval_users, seeds.test())
        }
    };
    let control = match base.control() {
        Some(control) => {
            let mut policy = policy_from_spec(control, model, users_seed)?;
            let population = Population::Cohort { users };
            Some(simulate(
                Arc::clone(model),
                users_seed,
                population,
                policy.as_mut(),
                true,
            )?)
        }
        None => None,
    };
    Ok(Replicate {
        simulation,
        control,
    })
}
