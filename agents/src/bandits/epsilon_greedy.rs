//! ε-greedy with a decaying ε.
//!
//! With probability ε the action is uniform, otherwise the arm of highest mean
//! reward: `p(a) = ε/K + (1 − ε)·[a = argmax]`, ties going to the lowest index
//! (before any reward every mean is 0, so arm 0 is greedy). ε is
//! `ε_t = max(epsilon_min, epsilon · decay^t)` where `t` counts the calls of
//! [`Learner::observe`] so far (learning batches, i.e. cohort days, not rows).

use super::arms::ArmStats;
use crate::baselines::ConstantPolicy;
use crate::checks::{check, check_n_actions};
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, Sampler};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2, aview1};
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`EpsilonGreedy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpsilonGreedyConfig {
    /// Exploration ε before the first update, in `[0, 1]`.
    pub epsilon: f64,
    /// ε is multiplied by this after each learning batch, in `(0, 1]` (1: no decay).
    pub decay: f64,
    /// ε never falls below this, in `[0, epsilon]`.
    pub epsilon_min: f64,
}

impl Default for EpsilonGreedyConfig {
    /// ε = 0.1 without decay.
    fn default() -> Self {
        Self {
            epsilon: 0.1,
            decay: 1.0,
            epsilon_min: 0.0,
        }
    }
}

impl EpsilonGreedyConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check(
            "epsilon",
            (0.0..=1.0).contains(&self.epsilon),
            "must lie in [0, 1]",
            self.epsilon,
        )?;
        check(
            "decay",
            self.decay > 0.0 && self.decay <= 1.0,
            "must lie in (0, 1]",
            self.decay,
        )?;
        check(
            "epsilon_min",
            (0.0..=self.epsilon).contains(&self.epsilon_min),
            &format!("must lie in [0, epsilon = {}]", self.epsilon),
            self.epsilon_min,
        )
    }
}

/// ε-greedy on the running mean reward of each arm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpsilonGreedy {
    config: EpsilonGreedyConfig,
    arms: ArmStats,
    batches: u64,
    sampler: Sampler,
}

impl EpsilonGreedy {
    /// ε-greedy over `n_actions` arms, sampling with a generator seeded by `seed`.
    pub fn new(
        config: &EpsilonGreedyConfig,
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        check_n_actions(n_actions)?;
        Ok(Self {
            config: config.clone(),
            arms: ArmStats::new(n_actions),
            batches: 0,
            sampler: Sampler::new(seed),
        })
    }

    /// The current ε: `max(epsilon_min, epsilon · decay^t)`, `t` the batches observed.
    pub fn epsilon(&self) -> f64 {
        let decayed = self.config.epsilon * self.config.decay.powf(self.batches as f64);
        decayed.max(self.config.epsilon_min)
    }

    /// The action probabilities, the same for every row.
    fn distribution(&self) -> Vec<f64> {
        let n = self.arms.n_arms();
        let epsilon = self.epsilon();
        let mut distribution = vec![epsilon / n as f64; n];
        distribution[self.arms.best()] += 1.0 - epsilon;
        distribution
    }
}

impl Policy for EpsilonGreedy {
    fn name(&self) -> &str {
        "epsilon-greedy"
    }

    fn n_actions(&self) -> usize {
        self.arms.n_arms()
    }

    fn probabilities(
        &mut self,
        _observations: ArrayView2<'_, f32>,
        mut probabilities: ArrayViewMut2<'_, f64>,
    ) {
        probabilities.assign(&aview1(&self.distribution()));
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        let distribution = self.distribution();
        self.sampler.sample_shared(&distribution, actions);
    }
}

impl Learner for EpsilonGreedy {
    fn observe(&mut self, experience: &Experience<'_>) {
        self.arms.update(experience);
        self.batches += 1;
    }

    /// The arm of highest mean reward.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        let n = self.arms.n_arms();
        Box::new(ConstantPolicy::new(self.name(), self.arms.best(), n))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::EpsilonGreedy(self.clone()), decisions)
    }

    fn non_finite(&self) -> Option<String> {
        self.arms.non_finite()
    }
}

impl AgentKind for EpsilonGreedy {
    type Config = EpsilonGreedyConfig;
    const KIND: &'static str = "epsilon-greedy";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.options.len(), context.seed)
    }
}
