//! Switch doubly robust.

use super::{PerDecisionEstimator, check_lambda, fused, mean_per_decision, with_lambda};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Switch doubly robust (OBP's `SwitchDoublyRobust`):
///
/// `V̂ = Eₙ[q̂(x, π_e) + 1{w ≤ λ} · w · (r − q̂(x, a))]`.
///
/// DR on the rows whose weight is at most `λ`, the direct method on the others
/// (Wang et al. 2017): bias only from the model's error on the rows it switches,
/// variance bounded by `λ`. `λ = ∞` is DR, `λ = 0` is DM (bar rows of weight 0). OBP
/// defaults to `λ = ∞`; see [`default_per_decision`](super::default_per_decision) for
/// this crate's default. Prefer it to DR when the model is fair and a few rows have
/// huge weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwitchDoublyRobust {
    lambda: f64,
}

impl SwitchDoublyRobust {
    /// Switch-DR with threshold `λ` in `[0, ∞]`.
    pub fn new(lambda: f64) -> Result<Self, OpeError> {
        let lambda = check_lambda("switch-dr", lambda, 0.0, f64::INFINITY)?;
        Ok(Self { lambda })
    }

    /// The switching threshold `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
}

impl PerDecisionEstimator for SwitchDoublyRobust {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        true
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        let lambda = self.lambda;
        chunk.sum_model(out, 2, 0, |row| {
            let w = if row.w <= lambda { row.w } else { 0.0 };
            [row.target + w * (row.reward - row.logged)]
        });
        chunk.count(out, 2, 1);
    }
}

impl Estimator for SwitchDoublyRobust {
    fn name(&self) -> String {
        with_lambda("switch-dr", self.lambda)
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        mean_per_decision(means)
    }
}
