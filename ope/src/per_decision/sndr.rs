//! Self-normalised doubly robust.

use super::{PerDecisionEstimator, fused, ratio};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Self-normalised doubly robust (OBP's `SelfNormalizedDoublyRobust`):
///
/// `V̂ = Eₙ[q̂(x, π_e)] + Eₙ[w · (r − q̂(x, a))] / Eₙ[w]`.
///
/// DR with its correction term self-normalised as in SNIPS: consistent under DR's
/// assumptions, slightly biased in finite samples, steadier than DR when the weights
/// are large (Kallus & Uehara 2019). Prefer it to DR when a few rows carry large
/// weights. OBP applies no clipping here. Statistics per unit: `Σ q̂(x, π_e)`, rows,
/// `Σ w (r − q̂)`, `Σ w`; a zero denominator makes its ratio 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SelfNormalizedDoublyRobust;

impl PerDecisionEstimator for SelfNormalizedDoublyRobust {
    fn k(&self) -> usize {
        4
    }

    fn needs_reward_model(&self) -> bool {
        true
    }

    fn chunk_stats(&self, chunk: &fused::Chunk<'_>, out: &mut [f64]) {
        chunk.sum_model(out, 4, 0, |row| [row.target]);
        chunk.count(out, 4, 1);
        chunk.sum_model(out, 4, 2, |row| [row.w * (row.reward - row.logged), row.w]);
    }
}

impl Estimator for SelfNormalizedDoublyRobust {
    fn name(&self) -> String {
        "sndr".into()
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        fused::unit_stats(self, columns)
    }

    fn finish(&self, means: &[f64]) -> f64 {
        ratio(means[0], means[1]) + ratio(means[2], means[3])
    }
}
