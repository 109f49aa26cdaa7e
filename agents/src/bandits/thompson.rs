//! Thompson sampling, as probability matching with Monte-Carlo probabilities.
//!
//! Thompson sampling plays each arm with the posterior probability that it is the
//! best, which has no closed form. After each update the policy draws `draws`
//! samples from the posterior of every arm and estimates `p(a)` as the share of
//! draws in which arm `a` is the largest (the lowest index on ties). That
//! estimate is kept until the next [`Learner::observe`]: [`Policy::probabilities`]
//! reports it for every row (the bandit is context-free) and [`Policy::act`]
//! samples from exactly it, so the logged propensities are exact for what was
//! sampled. Since `E[p̂(a)]` is the Thompson probability, the action of a row is,
//! marginally, distributed exactly as in Thompson sampling, whatever `draws`;
//! more draws only make the logged propensities closer to the posterior ones.
//!
//! Two posteriors:
//! - [`BetaThompson`]: Beta–Bernoulli, for rewards rescaled to `[0, 1]` by the
//!   configured bounds. A reward `r ∈ [0, 1]` is turned into a Bernoulli(`r`)
//!   success with the policy's generator (Agrawal & Goyal's trick), so the
//!   posterior stays an exact Beta with integer counts; Bernoulli rewards pass
//!   unchanged.
//! - [`GaussianThompson`]: Normal–Gamma, for rewards of any scale with unknown
//!   mean and variance per arm: precision `τ ~ Gamma(α, rate β)`, mean
//!   `μ | τ ~ Normal(μ₀, 1/(κ τ))`, updated in closed form.

use super::arms::{
    ArmStats, argmax, check, check_n_actions, check_positive, check_reward_bounds, pulls, rescale,
};
use crate::error::AgentError;
use crate::policy::{Experience, Learner, Policy, PolicyRng, Sampler};
use ndarray::{ArrayView2, ArrayViewMut2, aview1};
use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, StandardNormal};
use serde::{Deserialize, Serialize};

/// Probability matching with Monte-Carlo probabilities, kept between updates.
#[derive(Debug, Clone)]
struct Matching {
    draws: usize,
    sampler: Sampler,
    estimate: Option<Vec<f64>>,
}

impl Matching {
    fn new(draws: usize, seed: u64) -> Self {
        Self {
            draws,
            sampler: Sampler::new(seed),
            estimate: None,
        }
    }

    /// Writes the estimate into every row of `probabilities`.
    fn probabilities<P>(
        &mut self,
        posteriors: &[P],
        draw: impl Fn(&P, &mut PolicyRng) -> f64,
        mut probabilities: ArrayViewMut2<'_, f64>,
    ) {
        let Self {
            draws,
            sampler,
            estimate,
        } = self;
        let estimate =
            estimate.get_or_insert_with(|| monte_carlo(*draws, sampler.rng(), posteriors, draw));
        probabilities.assign(&aview1(estimate));
    }

    /// Samples one action per row from the estimate.
    fn act<P>(
        &mut self,
        posteriors: &[P],
        draw: impl Fn(&P, &mut PolicyRng) -> f64,
        actions: &mut [usize],
    ) {
        let Self {
            draws,
            sampler,
            estimate,
        } = self;
        let estimate =
            estimate.get_or_insert_with(|| monte_carlo(*draws, sampler.rng(), posteriors, draw));
        sampler
            .buffer(actions.len(), estimate.len())
            .assign(&aview1(estimate));
        sampler.sample(actions);
    }

    /// Forgets the estimate after the posterior changed.
    fn invalidate(&mut self) {
        self.estimate = None;
    }

    /// The generator, for draws of the update.
    fn rng(&mut self) -> &mut PolicyRng {
        self.sampler.rng()
    }
}

/// The share of `draws` posterior draws (`draw(posterior, rng)` per arm) in
/// which each arm is the largest.
fn monte_carlo<P>(
    draws: usize,
    rng: &mut PolicyRng,
    posteriors: &[P],
    draw: impl Fn(&P, &mut PolicyRng) -> f64,
) -> Vec<f64> {
    let mut wins = vec![0_u64; posteriors.len()];
    for _ in 0..draws {
        wins[argmax(posteriors.iter().map(|posterior| draw(posterior, rng)))] += 1;
    }
    wins.iter().map(|&w| w as f64 / draws as f64).collect()
}

/// Checks the number of Monte-Carlo draws.
fn check_draws(draws: usize) -> Result<(), AgentError> {
    check("draws", draws >= 1, "must be at least 1", draws)
}

/// Hyperparameters of [`BetaThompson`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BetaThompsonConfig {
    /// Prior successes α₀ of every arm, finite and > 0 (1 with `prior_beta` 1: uniform).
    pub prior_alpha: f64,
    /// Prior failures β₀ of every arm, finite and > 0.
    pub prior_beta: f64,
    /// Posterior draws per Monte-Carlo estimate of the probabilities, at least 1.
    pub draws: usize,
    /// Rewards at or below this count as 0; finite.
    pub reward_min: f64,
    /// Rewards at or above this count as 1; finite and > `reward_min`.
    pub reward_max: f64,
}

impl Default for BetaThompsonConfig {
    /// Uniform prior, 1,000 draws, rewards in `[0, 1]`.
    fn default() -> Self {
        Self {
            prior_alpha: 1.0,
            prior_beta: 1.0,
            draws: 1000,
            reward_min: 0.0,
            reward_max: 1.0,
        }
    }
}

impl BetaThompsonConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check_positive("prior_alpha", self.prior_alpha)?;
        check_positive("prior_beta", self.prior_beta)?;
        check_draws(self.draws)?;
        check_reward_bounds(self.reward_min, self.reward_max)
    }
}

/// Thompson sampling with a Beta–Bernoulli posterior per arm.
#[derive(Debug, Clone)]
pub struct BetaThompson {
    config: BetaThompsonConfig,
    successes: Vec<u64>,
    failures: Vec<u64>,
    posteriors: Vec<Beta<f64>>,
    matching: Matching,
}

impl BetaThompson {
    /// Beta–Bernoulli Thompson sampling over `n_actions` arms, drawing with a
    /// generator seeded by `seed`.
    pub fn new(
        config: &BetaThompsonConfig,
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        check_n_actions(n_actions)?;
        let prior =
            Beta::new(config.prior_alpha, config.prior_beta).map_err(|e| AgentError::Invalid {
                path: "prior_alpha".to_string(),
                rule: e.to_string(),
            })?;
        Ok(Self {
            config: config.clone(),
            successes: vec![0; n_actions],
            failures: vec![0; n_actions],
            posteriors: vec![prior; n_actions],
            matching: Matching::new(config.draws, seed),
        })
    }

    fn draw(posterior: &Beta<f64>, rng: &mut PolicyRng) -> f64 {
        posterior.sample(rng)
    }
}

impl Policy for BetaThompson {
    fn name(&self) -> &str {
        "thompson-beta"
    }

    fn n_actions(&self) -> usize {
        self.posteriors.len()
    }

    fn probabilities(
        &mut self,
        _observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        self.matching
            .probabilities(&self.posteriors, Self::draw, probabilities);
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.matching.act(&self.posteriors, Self::draw, actions);
    }
}

impl Learner for BetaThompson {
    fn observe(&mut self, experience: &Experience<'_>) {
        let (min, max) = (self.config.reward_min, self.config.reward_max);
        for (arm, reward) in pulls(experience) {
            let u: f64 = self.matching.rng().random();
            if u < rescale(reward, min, max) {
                self.successes[arm] += 1;
            } else {
                self.failures[arm] += 1;
            }
        }
        for (arm, posterior) in self.posteriors.iter_mut().enumerate() {
            let alpha = self.config.prior_alpha + self.successes[arm] as f64;
            let beta = self.config.prior_beta + self.failures[arm] as f64;
            // Both parameters are at least the validated prior (> 0), so `new` succeeds.
            if let Ok(updated) = Beta::new(alpha, beta) {
                *posterior = updated;
            }
        }
        self.matching.invalidate();
    }
}

/// Hyperparameters of [`GaussianThompson`] (Normal–Gamma prior, the same for every arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianThompsonConfig {
    /// Prior mean reward μ₀, finite.
    pub prior_mean: f64,
    /// Pseudo-observations κ₀ behind the prior mean, finite and > 0.
    pub prior_count: f64,
    /// Shape α₀ of the Gamma prior on the reward precision, finite and > 0.
    pub prior_shape: f64,
    /// Rate β₀ of the Gamma prior on the reward precision, finite and > 0
    /// (`β₀/α₀` is a prior guess of the reward variance).
    pub prior_rate: f64,
    /// Posterior draws per Monte-Carlo estimate of the probabilities, at least 1.
    pub draws: usize,
}

impl Default for GaussianThompsonConfig {
    /// μ₀ = 0 worth one observation, variance guess 1, 1,000 draws.
    fn default() -> Self {
        Self {
            prior_mean: 0.0,
            prior_count: 1.0,
            prior_shape: 1.0,
            prior_rate: 1.0,
            draws: 1000,
        }
    }
}

impl GaussianThompsonConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check(
            "prior_mean",
            self.prior_mean.is_finite(),
            "must be finite",
            self.prior_mean,
        )?;
        check_positive("prior_count", self.prior_count)?;
        check_positive("prior_shape", self.prior_shape)?;
        check_positive("prior_rate", self.prior_rate)?;
        check_draws(self.draws)
    }
}

/// The Normal–Gamma posterior of one arm's mean reward.
#[derive(Debug, Clone)]
struct NormalGamma {
    mean: f64,
    count: f64,
    precision: Gamma<f64>,
}

impl NormalGamma {
    /// The posterior after `n` rewards of mean `x̄` and squared deviations `s`:
    /// `κ = κ₀ + n`, `μ = (κ₀μ₀ + n x̄)/κ`, `α = α₀ + n/2`,
    /// `β = β₀ + s/2 + κ₀ n (x̄ − μ₀)² / (2κ)`.
    fn new(
        prior: &GaussianThompsonConfig,
        n: f64,
        mean: f64,
        squares: f64,
    ) -> Result<Self, rand_distr::GammaError> {
        let count = prior.prior_count + n;
        let shape = prior.prior_shape + n / 2.0;
        let deviation = mean - prior.prior_mean;
        let rate = prior.prior_rate
            + squares / 2.0
            + prior.prior_count * n * deviation * deviation / (2.0 * count);
        Ok(Self {
            mean: (prior.prior_count * prior.prior_mean + n * mean) / count,
            count,
            precision: Gamma::new(shape, 1.0 / rate)?,
        })
    }

    /// One draw of the mean: `τ ~ Gamma`, then `μ ~ Normal(mean, 1/(κτ))`.
    fn draw(&self, rng: &mut PolicyRng) -> f64 {
        let precision = self.precision.sample(rng);
        let z: f64 = StandardNormal.sample(rng);
        self.mean + z / (self.count * precision).sqrt()
    }
}

/// Thompson sampling with a Normal–Gamma posterior per arm.
#[derive(Debug, Clone)]
pub struct GaussianThompson {
    config: GaussianThompsonConfig,
    arms: ArmStats,
    posteriors: Vec<NormalGamma>,
    matching: Matching,
}

impl GaussianThompson {
    /// Normal–Gamma Thompson sampling over `n_actions` arms, drawing with a
    /// generator seeded by `seed`.
    pub fn new(
        config: &GaussianThompsonConfig,
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        check_n_actions(n_actions)?;
        let prior = NormalGamma::new(config, 0.0, 0.0, 0.0).map_err(|e| AgentError::Invalid {
            path: "prior_shape".to_string(),
            rule: e.to_string(),
        })?;
        Ok(Self {
            config: config.clone(),
            arms: ArmStats::new(n_actions),
            posteriors: vec![prior; n_actions],
            matching: Matching::new(config.draws, seed),
        })
    }
}

impl Policy for GaussianThompson {
    fn name(&self) -> &str {
        "thompson-gaussian"
    }

    fn n_actions(&self) -> usize {
        self.posteriors.len()
    }

    fn probabilities(
        &mut self,
        _observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        self.matching
            .probabilities(&self.posteriors, NormalGamma::draw, probabilities);
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.matching
            .act(&self.posteriors, NormalGamma::draw, actions);
    }
}

impl Learner for GaussianThompson {
    fn observe(&mut self, experience: &Experience<'_>) {
        self.arms.update(experience);
        for (arm, posterior) in self.posteriors.iter_mut().enumerate() {
            let n = self.arms.count(arm) as f64;
            // Fails only if the rewards' squares overflow (rate = ∞); the previous
            // posterior is then kept.
            if let Ok(updated) =
                NormalGamma::new(&self.config, n, self.arms.mean(arm), self.arms.squares(arm))
            {
                *posterior = updated;
            }
        }
        self.matching.invalidate();
    }
}
