//! Sub-Gaussian inverse probability weighting.

use super::{
    PerDecisionEstimator, check_lambda, fused, mean_per_decision, sub_gaussian, with_lambda,
};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Sub-Gaussian inverse probability weighting (OBP's
/// `SubGaussianInverseProbabilityWeighting`):
///
/// `V̂ = Eₙ[ŵ · r]`, `ŵ = w / (1 − λ + λ w)`, `λ ∈ [0, 1]`.
///
/// A power-mean correction of the weights (Metelli et al. 2021): `ŵ < 1/λ`, weights
/// below 1 are raised and above 1 lowered, so the estimator has sub-Gaussian tails
/// at the price of a bias that grows with `λ`. `λ = 0` is IPS; `λ = 1` gives every
/// row with positive weight the weight 1 (a row of weight 0 keeps 0, where OBP's
/// formula gives 0/0). OBP defaults to `λ = 0`; see
/// [`default_per_decision`](super::default_per_decision) for this crate's default.
/// Prefer it to clipped IPS when no model exists and you want a smooth shrinkage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubGaussianInverseProbabilityWeighting {
    lambda: f64,
}

impl SubGaussianInverseProbabilityWeighting {
    /// Sub-Gaussian IPS with `λ` in `[0, 1]`.
    pub fn new(lambda: f64) -> Result<Self, OpeError> {
        let lambda = check_lambda("sg-ips", lambda, 0.0, 1.0)?;
        Ok(Self { lambda })
    }

    /// The shrinkage hyperparameter `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl PerDecisionEstimator for SubGaussianInverseProbabilityWeighting {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        false
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        let lambda = self.lambda;
        chunk.sum(out, 2, 0, |w, r| [sub_gaussian(w, lambda) * r]);
        chunk.count(out, 2, 1);
    }
}

impl Estimator for SubGaussianInverseProbabilityWeighting {
    fn name(&self) -> String {
        with_lambda("sg-ips", self.lambda)
    }

    fn is_importance_weighted(&self) -> bool {
        true
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        mean_per_decision(means)
    }
}
