//! What a training run does: its sizes, evaluations and decision mode.

use anyhow::{Result, bail};
use onboard_envs::Scenario;
use serde::{Deserialize, Serialize};

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
