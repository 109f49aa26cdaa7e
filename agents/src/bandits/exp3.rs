//! EXP3 (Auer, Cesa-Bianchi, Freund & Schapire, 2002): exponential weights with
//! uniform exploration, for rewards that need not be stochastic.
//!
//! `p(a) = (1 − γ)·w_a/Σ_b w_b + γ/K`. A reward `r` is rescaled to `x ∈ [0, 1]`
//! by the configured bounds (clamped outside), and the arm taken is updated with
//! the importance-weighted estimate: `w_a ← w_a · exp(γ·x/(p(a)·K))`. Within a
//! batch, `p` is recomputed from the weights as they stand when
//! [`Learner::observe`] starts — the probabilities the batch was sampled from when
//! `act` and `observe` alternate — and used for every row of the batch. The
//! weights are kept as logarithms, shifted after each update so that the largest
//! is 0, so they neither overflow nor lose all precision.

use super::arms::{check_reward_bounds, pulls, rescale};
use crate::baselines::ConstantPolicy;
use crate::checks::{argmax, check, check_n_actions};
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, Sampler};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2, aview1};
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`Exp3`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exp3Config {
    /// Exploration γ, in `(0, 1]`; Auer et al. tune it to
    /// `min(1, sqrt(K ln K / ((e − 1) g)))` for a horizon of `g` pulls.
    pub gamma: f64,
    /// Rewards at or below this count as 0; finite.
    pub reward_min: f64,
    /// Rewards at or above this count as 1; finite and > `reward_min`.
    pub reward_max: f64,
}

impl Default for Exp3Config {
    /// γ = 0.1, rewards in `[0, 1]`.
    fn default() -> Self {
        Self {
            gamma: 0.1,
            reward_min: 0.0,
            reward_max: 1.0,
        }
    }
}

impl Exp3Config {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check(
            "gamma",
            self.gamma > 0.0 && self.gamma <= 1.0,
            "must lie in (0, 1]",
            self.gamma,
        )?;
        check_reward_bounds(self.reward_min, self.reward_max)
    }
}

/// EXP3 with log-weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exp3 {
    config: Exp3Config,
    log_weights: Vec<f64>,
    sampler: Sampler,
}

impl Exp3 {
    /// EXP3 over `n_actions` arms, sampling with a generator seeded by `seed`.
    pub fn new(config: &Exp3Config, n_actions: usize, seed: u64) -> Result<Self, AgentError> {
        config.validate()?;
        check_n_actions(n_actions)?;
        Ok(Self {
            config: config.clone(),
            log_weights: vec![0.0; n_actions],
            sampler: Sampler::new(seed),
        })
    }

    /// The action probabilities, the same for every row.
    fn distribution(&self) -> Vec<f64> {
        let k = self.log_weights.len() as f64;
        let top = self
            .log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = self.log_weights.iter().map(|w| (w - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        let gamma = self.config.gamma;
        weights
            .iter()
            .map(|w| (1.0 - gamma) * w / total + gamma / k)
            .collect()
    }
}

impl Policy for Exp3 {
    fn name(&self) -> &str {
        "exp3"
    }

    fn n_actions(&self) -> usize {
        self.log_weights.len()
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

impl Learner for Exp3 {
    fn observe(&mut self, experience: &Experience<'_>) {
        let probabilities = self.distribution();
        let k = self.log_weights.len() as f64;
        let Exp3Config {
            gamma,
            reward_min,
            reward_max,
        } = self.config;
        for (arm, reward) in pulls(experience) {
            let x = rescale(reward, reward_min, reward_max);
            self.log_weights[arm] += gamma * x / (probabilities[arm] * k);
        }
        let top = self
            .log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        self.log_weights.iter_mut().for_each(|w| *w -= top);
    }

    /// The arm of highest weight.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        let best = argmax(self.log_weights.iter().copied());
        Box::new(ConstantPolicy::new(
            self.name(),
            best,
            self.log_weights.len(),
        ))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::Exp3(self.clone()), decisions)
    }

    fn non_finite(&self) -> Option<String> {
        crate::first_non_finite("log_weights", &self.log_weights)
    }
}

impl AgentKind for Exp3 {
    type Config = Exp3Config;
    const KIND: &'static str = "exp3";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.options.len(), context.seed)
    }
}
