//! Sub-Gaussian doubly robust.

use super::{
    PerDecisionEstimator, check_lambda, fused, mean_per_decision, sub_gaussian, with_lambda,
};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Sub-Gaussian doubly robust (OBP's `SubGaussianDoublyRobust`):
///
/// `V̂ = Eₙ[q̂(x, π_e) + ŵ · (r − q̂(x, a))]`, `ŵ = w / (1 − λ + λ w)`, `λ ∈ [0, 1]`.
///
/// DR with the power-mean weights of
/// [`SubGaussianInverseProbabilityWeighting`](super::SubGaussianInverseProbabilityWeighting)
/// (Metelli et al. 2021): the model carries what the shrunk weights no longer
/// correct, so the bias of the shrinkage is only the model's error times the
/// weights' change. `λ = 0` is DR; `λ = 1` gives every row of positive weight the
/// weight 1. Prefer it to DR when the weights are heavy-tailed and a reasonable
/// reward model exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubGaussianDoublyRobust {
    lambda: f64,
}

impl SubGaussianDoublyRobust {
    /// Sub-Gaussian DR with `λ` in `[0, 1]`.
    pub fn new(lambda: f64) -> Result<Self, OpeError> {
        let lambda = check_lambda("sg-dr", lambda, 0.0, 1.0)?;
        Ok(Self { lambda })
    }

    /// The shrinkage hyperparameter `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl PerDecisionEstimator for SubGaussianDoublyRobust {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        true
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        let lambda = self.lambda;
        chunk.sum_model(out, 2, 0, |row| {
            [row.target + sub_gaussian(row.w, lambda) * (row.reward - row.logged)]
        });
        chunk.count(out, 2, 1);
    }
}

impl Estimator for SubGaussianDoublyRobust {
    fn name(&self) -> String {
        with_lambda("sg-dr", self.lambda)
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        mean_per_decision(means)
    }
}
