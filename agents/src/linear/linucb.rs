//! Disjoint LinUCB (Li, Chu, Langford & Schapire, 2010): each row gets the arm of
//! highest upper confidence bound `θ_aᵀx + α·sqrt(xᵀA_a⁻¹x)`, the lowest index on
//! ties, with the per-arm ridge statistics of [`Ridge`]. The policy is
//! deterministic: probabilities are one-hot.
//!
//! The paper's `α = 1 + sqrt(ln(2/δ)/2)` gives the confidence `1 − δ` for rewards
//! in `[0, 1]`; for noise of another scale, scale `α` with it.

use super::greedy::RidgeGreedy;
use super::ridge::{Ridge, contexts, learn, new_arms};
use crate::checks::{argmax, check_non_negative, check_positive};
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, deterministic_probabilities};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2, Axis};
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`LinUcb`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinUcbConfig {
    /// Multiplies the exploration bonus `sqrt(xᵀA⁻¹x)`; finite and at least 0
    /// (0 is the greedy ridge policy).
    pub alpha: f64,
    /// Ridge penalty `λ` of every arm (`A = λI + Σ x xᵀ`); finite and > 0.
    pub regularization: f64,
}

impl Default for LinUcbConfig {
    /// `α = 1`, `λ = 1`, as in the paper's experiments up to the choice of `α`.
    fn default() -> Self {
        Self {
            alpha: 1.0,
            regularization: 1.0,
        }
    }
}

impl LinUcbConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check_non_negative("alpha", self.alpha)?;
        check_positive("regularization", self.regularization)
    }
}

/// Disjoint LinUCB over observation rows of `n_features` features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinUcb {
    alpha: f64,
    n_features: usize,
    arms: Vec<Ridge>,
}

impl LinUcb {
    /// LinUCB over `n_actions` arms for observations of `n_features` features
    /// (contexts of `n_features + 1` entries with the bias). Deterministic, so no
    /// seed.
    pub fn new(
        config: &LinUcbConfig,
        n_features: usize,
        n_actions: usize,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        Ok(Self {
            alpha: config.alpha,
            n_features,
            arms: new_arms(n_actions, n_features, config.regularization)?,
        })
    }

    /// The ridge statistics of every arm.
    pub fn arms(&self) -> &[Ridge] {
        &self.arms
    }

    /// Writes the arm of highest upper confidence bound of every row.
    fn choose(&self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        let contexts = contexts(observations, self.n_features);
        for (x, action) in contexts.axis_iter(Axis(0)).zip(actions.iter_mut()) {
            *action = argmax(
                self.arms
                    .iter()
                    .map(|arm| arm.mean(x) + self.alpha * arm.width(x)),
            );
        }
    }
}

impl Policy for LinUcb {
    fn name(&self) -> &str {
        "linucb"
    }

    fn n_actions(&self) -> usize {
        self.arms.len()
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        deterministic_probabilities(self, observations, probabilities);
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.choose(observations, actions);
    }
}

impl Learner for LinUcb {
    fn observe(&mut self, experience: &Experience<'_>) {
        learn(&mut self.arms, self.n_features, experience);
    }

    /// The ridge mean without the bonus (`α = 0`).
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(RidgeGreedy::new(self.name(), self.n_features, &self.arms))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::LinUcb(self.clone()), decisions)
    }

    fn features(&self) -> Option<usize> {
        Some(self.n_features)
    }

    fn non_finite(&self) -> Option<String> {
        self.arms
            .iter()
            .enumerate()
            .find_map(|(arm, ridge)| ridge.non_finite().map(|what| format!("arm {arm}: {what}")))
    }
}

impl AgentKind for LinUcb {
    type Config = LinUcbConfig;
    const KIND: &'static str = "linucb";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.layout.len(), context.options.len())
    }
}
