//! Linear Thompson sampling (Agrawal & Goyal, 2013), as probability matching with
//! Monte-Carlo probabilities.
//!
//! The posterior of arm `a` is `θ̃_a ~ N(θ̂_a, v²·A_a⁻¹)`, with the ridge estimate
//! `θ̂_a` and `A_a⁻¹` of its [`Ridge`] statistics; Thompson sampling plays
//! `argmax_a θ̃_aᵀx`, that is each arm with the posterior probability that it is
//! the best for the context `x`, which has no closed form. After each update
//! that changed the statistics, the policy draws `draws` samples
//! `θ̃_a = θ̂_a + v·L_a z` of every arm (`L_a` the Cholesky factor of `A_a⁻¹`,
//! refreshed only for the arms whose statistics changed, `z` standard normal)
//! and keeps them until the next such update. The probability of arm `a` for a
//! row is the share of draws in which `θ̃_aᵀx` is the largest (the lowest index
//! on ties): [`Policy::probabilities`] reports it and [`Policy::act`] samples from
//! exactly it, so logged propensities are exact for what was sampled. Since the
//! expectation of that share is the Thompson probability, the action of each row
//! is, marginally, distributed exactly as under Thompson sampling, whatever
//! `draws`; more draws make the logged propensities closer to the posterior ones.
//!
//! With `v` equal to the standard deviation of the reward noise, the posterior is
//! the exact Bayesian one under the prior `θ_a ~ N(0, v²/λ·I)`; the regret bound
//! of the paper takes a larger `v`.

use super::greedy::RidgeGreedy;
use super::ridge::{Ridge, cholesky, contexts, learn, new_arms};
use crate::checks::{argmax, check, check_non_negative, check_positive};
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, Sampler};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`LinThompson`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinThompsonConfig {
    /// Posterior scale `v`: the draws have covariance `v²·A⁻¹`; finite and at
    /// least 0 (0 is the greedy ridge policy). The noise standard deviation of
    /// the rewards makes the posterior the Bayesian one.
    pub scale: f64,
    /// Ridge penalty `λ` of every arm (`A = λI + Σ x xᵀ`); finite and > 0.
    pub regularization: f64,
    /// Posterior draws per arm behind the Monte-Carlo probabilities; at least 1.
    pub draws: usize,
}

impl Default for LinThompsonConfig {
    /// `v = 1`, `λ = 1`, 200 draws (probabilities within about ±0.035).
    fn default() -> Self {
        Self {
            scale: 1.0,
            regularization: 1.0,
            draws: 200,
        }
    }
}

impl LinThompsonConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check_non_negative("scale", self.scale)?;
        check_positive("regularization", self.regularization)?;
        check("draws", self.draws >= 1, "must be at least 1", self.draws)
    }
}

/// Linear Thompson sampling over observation rows of `n_features` features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinThompson {
    scale: f64,
    draws: usize,
    n_features: usize,
    arms: Vec<Ridge>,
    /// Cholesky factor of each arm's `A⁻¹`.
    factors: Vec<Array2<f64>>,
    /// Arms whose factor no longer matches their statistics.
    stale: Vec<bool>,
    /// Per arm, `draws × (n_features + 1)` posterior draws, one per row.
    samples: Vec<Array2<f64>>,
    /// The draws match the statistics.
    fresh: bool,
    sampler: Sampler,
}

impl LinThompson {
    /// Linear Thompson sampling over `n_actions` arms for observations of
    /// `n_features` features (contexts of `n_features + 1` entries with the
    /// bias), drawing with a generator seeded by `seed`.
    pub fn new(
        config: &LinThompsonConfig,
        n_features: usize,
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        let arms = new_arms(n_actions, n_features, config.regularization)?;
        Ok(Self {
            scale: config.scale,
            draws: config.draws,
            n_features,
            factors: vec![Array2::zeros((n_features + 1, n_features + 1)); n_actions],
            stale: vec![true; n_actions],
            samples: Vec::with_capacity(n_actions),
            fresh: false,
            sampler: Sampler::new(seed),
            arms,
        })
    }

    /// The ridge statistics of every arm.
    pub fn arms(&self) -> &[Ridge] {
        &self.arms
    }

    /// Redraws the posterior samples if the statistics changed since the last
    /// draw, refactoring the covariance of the arms that changed.
    fn refresh(&mut self) {
        if self.fresh {
            return;
        }
        let dimension = self.n_features + 1;
        let rng = self.sampler.rng();
        self.samples.clear();
        for ((arm, factor), stale) in self
            .arms
            .iter()
            .zip(self.factors.iter_mut())
            .zip(self.stale.iter_mut())
        {
            if *stale {
                *factor = cholesky(arm.inverse());
                *stale = false;
            }
            let z = Array2::from_shape_simple_fn((self.draws, dimension), || {
                StandardNormal.sample(&mut *rng)
            });
            let mut draws = z.dot(&factor.t()) * self.scale;
            draws += &arm.theta();
            self.samples.push(draws);
        }
        self.fresh = true;
    }
}

/// Writes, for each row of `contexts`, the share of draws in which each arm's
/// sample scores highest (the lowest index on ties).
fn matching(
    samples: &[Array2<f64>],
    contexts: &Array2<f64>,
    mut probabilities: ArrayViewMut2<'_, f64>,
) {
    let scores: Vec<Array2<f64>> = samples.iter().map(|s| s.dot(&contexts.t())).collect();
    let draws = samples.first().map_or(0, Array2::nrows);
    let mut counts = vec![0_usize; samples.len()];
    for (i, mut row) in probabilities.rows_mut().into_iter().enumerate() {
        counts.fill(0);
        for j in 0..draws {
            counts[argmax(scores.iter().map(|s| s[[j, i]]))] += 1;
        }
        for (p, &count) in row.iter_mut().zip(&counts) {
            *p = count as f64 / draws as f64;
        }
    }
}

impl Policy for LinThompson {
    fn name(&self) -> &str {
        "lin-thompson"
    }

    fn n_actions(&self) -> usize {
        self.arms.len()
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        self.refresh();
        let contexts = contexts(observations, self.n_features);
        matching(&self.samples, &contexts, probabilities);
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.refresh();
        let contexts = contexts(observations, self.n_features);
        let buffer = self.sampler.buffer(observations.nrows(), self.arms.len());
        matching(&self.samples, &contexts, buffer);
        self.sampler.sample(actions);
    }
}

impl Learner for LinThompson {
    fn observe(&mut self, experience: &Experience<'_>) {
        let changed = learn(&mut self.arms, self.n_features, experience);
        for (stale, changed) in self.stale.iter_mut().zip(changed) {
            if changed {
                *stale = true;
                self.fresh = false;
            }
        }
    }

    /// The posterior mean `θ̂ᵀx`.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(RidgeGreedy::new(self.name(), self.n_features, &self.arms))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::LinThompson(self.clone()), decisions)
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

impl AgentKind for LinThompson {
    type Config = LinThompsonConfig;
    const KIND: &'static str = "lin-thompson";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(
            config,
            context.layout.len(),
            context.options.len(),
            context.seed,
        )
    }
}
