//! Doubly robust with optimistic shrinkage.

use super::{PerDecisionEstimator, check_lambda, fused, mean_per_decision, with_lambda};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Doubly robust with optimistic shrinkage (OBP's `DoublyRobustWithShrinkage`):
///
/// `V̂ = Eₙ[q̂(x, π_e) + ŵ · (r − q̂(x, a))]`, `ŵ = λ w / (w² + λ)`.
///
/// The shrunk weight minimises a bound on the MSE (Su et al. 2020): `ŵ ≈ w` while
/// `w² ≪ λ`, at most `√λ / 2` (reached at `w = √λ`), and `ŵ → 0` for huge `w`.
/// `λ = ∞` is DR (`ŵ = w`), `λ = 0` is DM (`ŵ = 0`, where OBP's formula gives
/// 0/0 on rows of weight 0; here 0). Bias only from the model's error, weighted by
/// `w − ŵ`. OBP defaults to `λ = 0`; see
/// [`default_per_decision`](super::default_per_decision) for this crate's default.
/// Prefer it to DR when the weights have a heavy tail and the model is fair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoublyRobustWithShrinkage {
    lambda: f64,
}

impl DoublyRobustWithShrinkage {
    /// DR-OS with shrinkage `λ` in `[0, ∞]`.
    pub fn new(lambda: f64) -> Result<Self, OpeError> {
        let lambda = check_lambda("dr-os", lambda, 0.0, f64::INFINITY)?;
        Ok(Self { lambda })
    }

    /// The shrinkage hyperparameter `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl PerDecisionEstimator for DoublyRobustWithShrinkage {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        true
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        let lambda = self.lambda;
        if lambda.is_infinite() {
            chunk.sum_model(out, 2, 0, |row| {
                [row.target + row.w * (row.reward - row.logged)]
            });
        } else {
            chunk.sum_model(out, 2, 0, |row| {
                let d = row.w * row.w + lambda;
                let w = if d > 0.0 { lambda * row.w / d } else { 0.0 };
                [row.target + w * (row.reward - row.logged)]
            });
        }
        chunk.count(out, 2, 1);
    }
}

impl Estimator for DoublyRobustWithShrinkage {
    fn name(&self) -> String {
        with_lambda("dr-os", self.lambda)
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        mean_per_decision(means)
    }
}
