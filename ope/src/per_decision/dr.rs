//! Doubly robust, plain or with clipped weights.

use super::{PerDecisionEstimator, check_lambda, clip, fused, mean_per_decision, with_lambda};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Doubly robust (OBP's `DoublyRobust`):
///
/// `V̂ = Eₙ[q̂(x, π_e) + min(w, λ) · (r − q̂(x, a))]`.
///
/// The direct method corrected by the importance-weighted residual: unbiased when
/// the propensities are right (and support holds) whatever the model, consistent
/// when either the propensities or the model are right, and of lower variance than
/// IPS the better the model (Dudík et al. 2014). With `λ = ∞` (the default, `dr`);
/// a finite `λ` (`dr(λ=…)`) clips the weights, OBP's "DR with pessimistic
/// shrinkage". Prefer DR whenever a reasonable reward model exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoublyRobust {
    lambda: f64,
}

impl DoublyRobust {
    /// Plain DR, `λ = ∞`.
    pub fn new() -> Self {
        Self {
            lambda: f64::INFINITY,
        }
    }

    /// DR with weights clipped at `λ` in `[0, ∞]` (∞ is plain DR).
    pub fn clipped(lambda: f64) -> Result<Self, OpeError> {
        let lambda = check_lambda("dr", lambda, 0.0, f64::INFINITY)?;
        Ok(Self { lambda })
    }

    /// The maximum weight `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl Default for DoublyRobust {
    fn default() -> Self {
        Self::new()
    }
}

impl PerDecisionEstimator for DoublyRobust {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        true
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        let lambda = self.lambda;
        chunk.sum_model(out, 2, 0, |row| {
            [row.target + clip(row.w, lambda) * (row.reward - row.logged)]
        });
        chunk.count(out, 2, 1);
    }
}

impl Estimator for DoublyRobust {
    fn name(&self) -> String {
        if self.lambda.is_finite() {
            with_lambda("dr", self.lambda)
        } else {
            "dr".into()
        }
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        mean_per_decision(means)
    }
}
