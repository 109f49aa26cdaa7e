//! What a training run does: its sizes, evaluations and decision mode.

use crate::simulate::{MAX_LAUNCH_DAYS, MAX_USERS};
use anyhow::{Result, bail};
use onboard_agents::AgentConfig;
use onboard_envs::Scenario;
use serde::{Deserialize, Serialize};

/// Most user-days one training run simulates: about two days of DQN training on
/// one core (72,000 user-days a second), the most a run without a checkpoint
/// schedule of its own should take.
pub const MAX_TRAINING_USER_DAYS: u64 = 10_000_000_000;

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

    /// Checks the sizes and the decision mode against `scenario`: every size is
    /// bounded ([`MAX_USERS`], [`MAX_LAUNCH_DAYS`], [`MAX_TRAINING_USER_DAYS`]), so
    /// that no typo starts a run that would not end (a resume checks its saved
    /// plan again).
    pub fn validate(&self, scenario: &Scenario) -> Result<()> {
        match self.online {
            Some(days) if !(1..=MAX_LAUNCH_DAYS).contains(&days) => bail!(
                "online: a launch lasts 1 to {MAX_LAUNCH_DAYS} days of arrivals (ten years), \
                 got {days}"
            ),
            Some(_) => {}
            None => {
                if self.cohorts == 0 {
                    bail!("episodic training needs at least one training cohort (cohorts: 0)");
                }
                if self.users == 0 {
                    bail!("a training cohort needs at least one user (users: 0)");
                }
                if self.users as u64 > MAX_USERS {
                    bail!(
                        "users: a training cohort holds at most {MAX_USERS} users (about 1 KB \
                         each), got {}",
                        self.users
                    );
                }
                let user_days = (self.cohorts as u64)
                    .saturating_mul(self.users as u64)
                    .saturating_mul(u64::from(scenario.horizon));
                if user_days > MAX_TRAINING_USER_DAYS {
                    bail!(
                        "cohorts: {} cohorts of {} users over {} days are {user_days} user-days; \
                         a training run takes at most {MAX_TRAINING_USER_DAYS} (about two days \
                         of DQN on one core): train on fewer cohorts or users",
                        self.cohorts,
                        self.users,
                        scenario.horizon
                    );
                }
            }
        }
        if self.eval_users < 2 {
            bail!(
                "eval_users: the validation and test cohorts need at least 2 users each (one \
                 user's value has no interval), got {}",
                self.eval_users
            );
        }
        if self.eval_users as u64 > MAX_USERS {
            bail!(
                "eval_users: an evaluation cohort holds at most {MAX_USERS} users (about 1 KB \
                 each), got {}",
                self.eval_users
            );
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

    /// Checks that `agent`, if it learns, can take a learning step in this plan on
    /// `scenario`: a run that never learns would be reported as trained. An online
    /// run's arrivals are random, so only a learner that never learns is refused
    /// there.
    pub fn check_learning(&self, scenario: &Scenario, agent: &AgentConfig) -> Result<()> {
        if !agent.learns() {
            return Ok(());
        }
        let needed = agent
            .transitions_before_learning()
            .map_err(|why| anyhow::anyhow!("this agent would never learn: {why}"))?;
        if self.online.is_some() {
            return Ok(());
        }
        let per_user = if self.decide_at_signup {
            1
        } else {
            u64::from(scenario.horizon)
        };
        let transitions = (self.cohorts as u64)
            .saturating_mul(self.users as u64)
            .saturating_mul(per_user);
        if transitions < needed {
            bail!(
                "this agent would never learn: training gives {transitions} transitions \
                 ({} cohorts × {} users × {per_user} decisions each) and its first learning \
                 step needs {needed} (learning_starts and train_frequency): train on more \
                 cohorts or users, or lower learning_starts",
                self.cohorts,
                self.users
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
