//! Thompson sampling, as probability matching with Monte-Carlo probabilities.
//!
//! Thompson sampling plays each arm with the posterior probability that it is the
//! best, which has no closed form. When first asked after an update, the policy
//! draws `draws` samples from the posterior of every arm with its own generator
//! and estimates `p(a)` as the share of draws in which arm `a` is the largest (the
//! lowest index on ties). The estimate is shared by every row (the bandit is
//! context-free) and kept until the next [`Learner::observe`]:
//! [`Policy::probabilities`] reports it and [`Policy::act`] samples from exactly
//! it, so the logged propensities are exactly those sampled from. Since
//! `E[p̂(a)]` is the Thompson probability, each action is, marginally, distributed
//! as in Thompson sampling whatever `draws`; more draws only bring the logged
//! propensities closer to the posterior ones.
//!
//! Two posteriors:
//! - [`BetaThompson`]: Beta–Bernoulli. A reward is clipped to `[0, 1]` and
//!   counted as a fractional success: `α_a += r`, `β_a += 1 − r` (Bernoulli
//!   rewards give the exact conjugate update).
//! - [`GaussianThompson`]: Normal prior `N(μ₀, σ²/κ₀)` on each arm's mean with
//!   known reward noise variance `σ²`; after `n_a` rewards of mean `x̄_a` the
//!   posterior is `N((κ₀μ₀ + n_a x̄_a)/(κ₀ + n_a), σ²/(κ₀ + n_a))`.

use super::arms::{ArmStats, pulls};
use crate::baselines::ConstantPolicy;
use crate::checks::{argmax, check, check_n_actions, check_positive};
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, PolicyRng, Sampler};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2, aview1};
use rand_distr::{Beta, Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Probability matching with Monte-Carlo probabilities, kept between updates.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

    /// The current estimate, drawn now if the posterior changed since the last one.
    fn estimate<P>(
        &mut self,
        posteriors: &[P],
        draw: impl Fn(&P, &mut PolicyRng) -> f64,
    ) -> &[f64] {
        let Self {
            draws,
            sampler,
            estimate,
        } = self;
        estimate.get_or_insert_with(|| monte_carlo(*draws, sampler.rng(), posteriors, draw))
    }

    /// Writes the estimate into every row of `probabilities`.
    fn probabilities<P>(
        &mut self,
        posteriors: &[P],
        draw: impl Fn(&P, &mut PolicyRng) -> f64,
        mut probabilities: ArrayViewMut2<'_, f64>,
    ) {
        probabilities.assign(&aview1(self.estimate(posteriors, draw)));
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
        sampler.sample_shared(estimate, actions);
    }

    /// Forgets the estimate after the posterior changed.
    fn invalidate(&mut self) {
        self.estimate = None;
    }
}

/// The share of `draws` joint posterior draws (`draw(posterior, rng)` per arm) in
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
}

impl Default for BetaThompsonConfig {
    /// Uniform prior, 1,000 draws.
    fn default() -> Self {
        Self {
            prior_alpha: 1.0,
            prior_beta: 1.0,
            draws: 1000,
        }
    }
}

impl BetaThompsonConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        check_positive("prior_alpha", self.prior_alpha)?;
        check_positive("prior_beta", self.prior_beta)?;
        check_draws(self.draws)
    }
}

/// The Beta posterior of one arm's success probability.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct BetaPosterior {
    alpha: f64,
    beta: f64,
}

impl BetaPosterior {
    /// The posterior mean `α/(α + β)`.
    fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// What a draw of the arm's success probability comes from. `α` and `β` stay
    /// finite and at least the validated prior (> 0), so the distribution always
    /// exists; were it ever not to, the draw would be the posterior mean.
    fn sampler(&self) -> Result<Beta<f64>, f64> {
        Beta::new(self.alpha, self.beta).map_err(|_| self.mean())
    }

    /// The samplers of `posteriors`, made once for all the draws of an estimate.
    fn samplers(posteriors: &[Self]) -> Vec<Result<Beta<f64>, f64>> {
        posteriors.iter().map(Self::sampler).collect()
    }

    /// One draw from a sampler of [`BetaPosterior::samplers`].
    fn draw(sampler: &Result<Beta<f64>, f64>, rng: &mut PolicyRng) -> f64 {
        match sampler {
            Ok(beta) => beta.sample(rng),
            Err(mean) => *mean,
        }
    }
}

/// Thompson sampling with a Beta–Bernoulli posterior per arm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BetaThompson {
    posteriors: Vec<BetaPosterior>,
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
        let prior = BetaPosterior {
            alpha: config.prior_alpha,
            beta: config.prior_beta,
        };
        Ok(Self {
            posteriors: vec![prior; n_actions],
            matching: Matching::new(config.draws, seed),
        })
    }

    /// The posterior parameters `(α, β)` of every arm.
    pub fn posterior(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.posteriors.iter().map(|p| (p.alpha, p.beta))
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
        let samplers = BetaPosterior::samplers(&self.posteriors);
        self.matching
            .probabilities(&samplers, BetaPosterior::draw, probabilities);
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        let samplers = BetaPosterior::samplers(&self.posteriors);
        self.matching.act(&samplers, BetaPosterior::draw, actions);
    }
}

impl Learner for BetaThompson {
    fn observe(&mut self, experience: &Experience<'_>) {
        for (arm, reward) in pulls(experience) {
            let r = reward.clamp(0.0, 1.0);
            let posterior = &mut self.posteriors[arm];
            posterior.alpha += r;
            posterior.beta += 1.0 - r;
        }
        self.matching.invalidate();
    }

    /// The arm of highest posterior mean.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        let best = argmax(self.posteriors.iter().map(BetaPosterior::mean));
        Box::new(ConstantPolicy::new(
            self.name(),
            best,
            self.posteriors.len(),
        ))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::BetaThompson(self.clone()), decisions)
    }

    fn non_finite(&self) -> Option<String> {
        let parameters = self.posteriors.iter().flat_map(|p| [&p.alpha, &p.beta]);
        crate::first_non_finite("posterior (alpha, beta)", parameters)
    }
}

/// Hyperparameters of [`GaussianThompson`] (the same prior for every arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianThompsonConfig {
    /// Prior mean reward μ₀, finite.
    pub prior_mean: f64,
    /// Pseudo-observations κ₀ behind the prior mean (prior variance `σ²/κ₀`),
    /// finite and > 0.
    pub prior_count: f64,
    /// Known variance σ² of a reward around its arm's mean, finite and > 0
    /// (at most 0.25 for rewards in `[0, 1]`).
    pub noise_variance: f64,
    /// Posterior draws per Monte-Carlo estimate of the probabilities, at least 1.
    pub draws: usize,
}

impl Default for GaussianThompsonConfig {
    /// μ₀ = 0 worth one observation, σ² = 1, 1,000 draws.
    fn default() -> Self {
        Self {
            prior_mean: 0.0,
            prior_count: 1.0,
            noise_variance: 1.0,
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
        check_positive("noise_variance", self.noise_variance)?;
        check_draws(self.draws)
    }
}

/// The Normal posterior of one arm's mean reward.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct NormalPosterior {
    mean: f64,
    std_dev: f64,
}

impl NormalPosterior {
    /// One draw of the arm's mean.
    fn draw(&self, rng: &mut PolicyRng) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        self.mean + self.std_dev * z
    }
}

/// Thompson sampling with a Normal posterior per arm and known noise variance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GaussianThompson {
    config: GaussianThompsonConfig,
    arms: ArmStats,
    posteriors: Vec<NormalPosterior>,
    matching: Matching,
}

impl GaussianThompson {
    /// Gaussian Thompson sampling over `n_actions` arms, drawing with a generator
    /// seeded by `seed`.
    pub fn new(
        config: &GaussianThompsonConfig,
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        check_n_actions(n_actions)?;
        let arms = ArmStats::new(n_actions);
        let posteriors = (0..n_actions)
            .map(|arm| Self::posterior_of(config, &arms, arm))
            .collect();
        Ok(Self {
            config: config.clone(),
            arms,
            posteriors,
            matching: Matching::new(config.draws, seed),
        })
    }

    /// The posterior mean and standard deviation of every arm's mean reward.
    pub fn posterior(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.posteriors.iter().map(|p| (p.mean, p.std_dev))
    }

    /// `N((κ₀μ₀ + n x̄)/(κ₀ + n), σ²/(κ₀ + n))` for the pulls of `arm`.
    fn posterior_of(
        config: &GaussianThompsonConfig,
        arms: &ArmStats,
        arm: usize,
    ) -> NormalPosterior {
        let n = arms.count(arm) as f64;
        let count = config.prior_count + n;
        NormalPosterior {
            mean: (config.prior_count * config.prior_mean + n * arms.mean(arm)) / count,
            std_dev: (config.noise_variance / count).sqrt(),
        }
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
            .probabilities(&self.posteriors, NormalPosterior::draw, probabilities);
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.matching
            .act(&self.posteriors, NormalPosterior::draw, actions);
    }
}

impl Learner for GaussianThompson {
    fn observe(&mut self, experience: &Experience<'_>) {
        self.arms.update(experience);
        for (arm, posterior) in self.posteriors.iter_mut().enumerate() {
            *posterior = Self::posterior_of(&self.config, &self.arms, arm);
        }
        self.matching.invalidate();
    }

    /// The arm of highest posterior mean.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        let best = argmax(self.posteriors.iter().map(|p| p.mean));
        Box::new(ConstantPolicy::new(
            self.name(),
            best,
            self.posteriors.len(),
        ))
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::GaussianThompson(self.clone()), decisions)
    }

    fn non_finite(&self) -> Option<String> {
        let parameters = self.posteriors.iter().flat_map(|p| [&p.mean, &p.std_dev]);
        crate::first_non_finite("posterior (mean, std_dev)", parameters)
    }
}

impl AgentKind for BetaThompson {
    type Config = BetaThompsonConfig;
    const KIND: &'static str = "beta-thompson";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.options.len(), context.seed)
    }
}

impl AgentKind for GaussianThompson {
    type Config = GaussianThompsonConfig;
    const KIND: &'static str = "gaussian-thompson";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.options.len(), context.seed)
    }
}
