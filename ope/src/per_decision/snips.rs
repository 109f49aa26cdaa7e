//! Self-normalised inverse probability weighting.

use super::{PerDecisionEstimator, fused, ratio};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Self-normalised inverse probability weighting (OBP's
/// `SelfNormalizedInverseProbabilityWeighting`):
///
/// `V̂ = Eₙ[w · r] / Eₙ[w]`.
///
/// Biased for finite samples but consistent under the same assumptions as IPS
/// (correct propensities, support); the estimate stays within the range of the
/// observed rewards and is invariant to a constant shift of them, which makes it far
/// steadier than IPS when the weights are large (Swaminathan & Joachims 2015). Prefer
/// it to IPS for most logs without a reward model. OBP applies no clipping here.
/// Statistics per unit: `Σ w r`, `Σ w`; no weight anywhere gives 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SelfNormalizedInverseProbabilityWeighting;

impl PerDecisionEstimator for SelfNormalizedInverseProbabilityWeighting {
    fn k(&self) -> usize {
        2
    }

    fn needs_reward_model(&self) -> bool {
        false
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        chunk.sum(out, 2, 0, |w, r| [w * r, w]);
    }
}

impl Estimator for SelfNormalizedInverseProbabilityWeighting {
    fn name(&self) -> String {
        "snips".into()
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        ratio(means[0], means[1])
    }
}
