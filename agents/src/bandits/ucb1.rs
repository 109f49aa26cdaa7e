//! UCB1 (Auer, Cesa-Bianchi & Fischer, 2002): play each arm once, then the arm of
//! highest upper confidence bound `mean_a + scale·sqrt(2 ln n / n_a)`, where `n`
//! counts all pulls observed and `n_a` those of arm `a`.
//!
//! The bound of the paper holds for rewards in `[0, 1]` with `scale = 1`; for
//! rewards in an interval of width `w`, set `scale = w` (the bonus is then in the
//! rewards' unit). The policy is deterministic: probabilities are one-hot.
//! While some arm is unplayed, every row of a batch gets the lowest unplayed
//! index; afterwards every row gets the arm of highest bound, the lowest index
//! on ties.

use super::arms::ArmStats;
use crate::baselines::ConstantPolicy;
use crate::checks::{argmax, check_n_actions, check_positive};
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, one_hot};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`Ucb1`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ucb1Config {
    /// Multiplies the exploration bonus: the width of the reward range, 1 for
    /// rewards in `[0, 1]`; finite and > 0.
    pub scale: f64,
}

impl Default for Ucb1Config {
    /// The paper's UCB1, for rewards in `[0, 1]`.
    fn default() -> Self {
        Self { scale: 1.0 }
    }
}

impl Ucb1Config {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check_positive("scale", self.scale)
    }
}

/// UCB1 on the running mean reward of each arm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ucb1 {
    scale: f64,
    arms: ArmStats,
}

impl Ucb1 {
    /// UCB1 over `n_actions` arms (deterministic: it needs no seed).
    pub fn new(config: &Ucb1Config, n_actions: usize) -> Result<Self, AgentError> {
        config.validate()?;
        check_n_actions(n_actions)?;
        Ok(Self {
            scale: config.scale,
            arms: ArmStats::new(n_actions),
        })
    }

    /// Writes the action of every row.
    fn choose(&self, actions: &mut [usize]) {
        let n = self.arms.n_arms();
        let best = match (0..n).find(|&a| self.arms.count(a) == 0) {
            Some(unplayed) => unplayed,
            None => {
                let log_total = (self.arms.total() as f64).ln();
                argmax((0..n).map(|a| {
                    let count = self.arms.count(a) as f64;
                    self.arms.mean(a) + self.scale * (2.0 * log_total / count).sqrt()
                }))
            }
        };
        actions.fill(best);
    }
}

impl Policy for Ucb1 {
    fn name(&self) -> &str {
        "ucb1"
    }

    fn n_actions(&self) -> usize {
        self.arms.n_arms()
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        let mut actions = vec![0; observations.nrows()];
        self.choose(&mut actions);
        one_hot(&actions, probabilities);
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.choose(actions);
    }
}

impl Learner for Ucb1 {
    fn observe(&mut self, experience: &Experience<'_>) {
        self.arms.update(experience);
    }

    /// The arm of highest mean reward, without the exploration bonus.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        let n = self.arms.n_arms();
        Box::new(ConstantPolicy::new(self.name(), self.arms.best(), n))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::Ucb1(self.clone()), decisions)
    }

    fn non_finite(&self) -> Option<String> {
        self.arms.non_finite()
    }
}

impl AgentKind for Ucb1 {
    type Config = Ucb1Config;
    const KIND: &'static str = "ucb1";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.options.len())
    }
}
