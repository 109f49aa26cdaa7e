//! The direct method.

use super::{PerDecisionEstimator, fused, mean_per_decision};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// The direct method (OBP's `DirectMethod`):
///
/// `V̂ = Eₙ[q̂(x, π_e)]`, `q̂(x, π_e) = Σ_a π_e(a|x) q̂(x, a)`.
///
/// Uses no weights, so neither the propensities nor support matter, and its variance
/// is small; it is consistent only if the reward model is (Beygelzimer & Langford
/// 2009). Prefer it when the model is trusted and the weights are wild; otherwise use
/// it as the baseline the doubly robust estimators correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectMethod;

impl PerDecisionEstimator for DirectMethod {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        true
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        chunk.sum_model(out, 2, 0, |row| [row.target]);
        chunk.count(out, 2, 1);
    }
}

impl Estimator for DirectMethod {
    fn name(&self) -> String {
        "dm".into()
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        mean_per_decision(means)
    }
}
