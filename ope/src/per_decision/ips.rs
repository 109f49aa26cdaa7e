//! Inverse probability weighting, plain or clipped.

use super::{PerDecisionEstimator, check_lambda, clip, fused, mean_per_decision, with_lambda};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Inverse probability weighting (OBP's `InverseProbabilityWeighting`):
///
/// `V̂ = Eₙ[min(w, λ) · r]`, `w = π_e(a|x) / π_b(a|x)`.
///
/// With `λ = ∞` (the default, `ips`) it is unbiased whenever the behaviour's
/// propensities are right and every action the target may take has positive
/// propensity (support); its variance grows with the weights. A finite `λ`
/// (`clipped-ips(λ=…)`, Strehl et al. 2010, Su et al. 2020) caps each weight: lower
/// variance, a downward bias (for positive rewards) from the rows whose weight exceeds
/// `λ`. Prefer plain IPS when the weights are moderate and you want no model and no
/// bias; clipped IPS when a few rows carry large weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverseProbabilityWeighting {
    lambda: f64,
}

impl InverseProbabilityWeighting {
    /// Plain IPS, `λ = ∞`.
    pub fn new() -> Self {
        Self {
            lambda: f64::INFINITY,
        }
    }

    /// Clipped IPS with maximum weight `λ` in `[0, ∞]` (∞ is plain IPS).
    pub fn clipped(lambda: f64) -> Result<Self, OpeError> {
        let lambda = check_lambda("clipped-ips", lambda, 0.0, f64::INFINITY)?;
        Ok(Self { lambda })
    }

    /// The maximum weight `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl Default for InverseProbabilityWeighting {
    fn default() -> Self {
        Self::new()
    }
}

impl PerDecisionEstimator for InverseProbabilityWeighting {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        false
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        let lambda = self.lambda;
        chunk.sum(out, 2, 0, |w, r| [clip(w, lambda) * r]);
        chunk.count(out, 2, 1);
    }
}

impl Estimator for InverseProbabilityWeighting {
    fn name(&self) -> String {
        if self.lambda.is_finite() {
            with_lambda("clipped-ips", self.lambda)
        } else {
            "ips".into()
        }
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
