//! Per-decision estimators of the immediate reward, as the Open Bandit Pipeline
//! defines them (`obp.ope.estimators`), with position 0 and the importance weight
//! `w = π_e(a|x) / π_b(a|x)` of the logged action.
//!
//! Each estimator sums its per-row terms over a unit's rows; the estimate is the
//! ratio of those sums to the unit's row counts (or to its summed weights), so it is
//! OBP's number, the mean per decision, while the intervals treat a unit's rows as one
//! correlated draw. With one row per unit the statistics are OBP's round rewards.
//!
//! All of them are evaluated together in one pass over the rows
//! ([`evaluate_per_decision`]); [`Estimator::unit_stats`] of each goes through the
//! same pass with itself alone.

mod dm;
mod dr;
mod dr_os;
mod fused;
mod ips;
mod sg_dr;
mod sg_ips;
mod sndr;
mod snips;
mod spec;
mod switch_dr;

pub use dm::DirectMethod;
pub use dr::DoublyRobust;
pub use dr_os::DoublyRobustWithShrinkage;
pub use fused::{Chunk, Row, evaluate_per_decision};
pub use ips::InverseProbabilityWeighting;
pub use sg_dr::SubGaussianDoublyRobust;
pub use sg_ips::SubGaussianInverseProbabilityWeighting;
pub use sndr::SelfNormalizedDoublyRobust;
pub use snips::SelfNormalizedInverseProbabilityWeighting;
pub use spec::{
    DEFAULT_CLIP, DEFAULT_SHRINKAGE, DEFAULT_SPECS, DEFAULT_SUB_GAUSSIAN, DEFAULT_SWITCH,
    default_per_decision, parse_per_decision,
};
pub use switch_dr::SwitchDoublyRobust;

use crate::error::OpeError;
use crate::estimator::Estimator;

/// A per-decision estimator: its per-unit statistics are sums over the unit's rows
/// of per-row terms, computed a chunk of whole units at a time.
pub trait PerDecisionEstimator: Estimator {
    /// Number of statistics per unit.
    fn k(&self) -> usize;

    /// Whether the estimator reads the reward model's predictions.
    fn needs_reward_model(&self) -> bool;

    /// Writes the statistics of the chunk's units into `out` (`chunk.units() × k`,
    /// row-major). A chunk has model rows whenever the estimator needs them.
    fn chunk_stats(&self, chunk: &Chunk<'_>, out: &mut [f64]);
}

/// `num / den`, or 0 when `den` is 0 (no rows or no weight anywhere): the estimators'
/// rule against NaN.
pub(crate) fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { num / den }
}

/// `min(w, λ)` for a weight that is not NaN, as one `minpd`.
#[inline(always)]
pub(crate) fn clip(w: f64, lambda: f64) -> f64 {
    if w < lambda { w } else { lambda }
}

/// The estimate of a mean per decision from the means of `[Σ term, rows]`.
/// The power-mean correction of a weight, `w / (1 − λ + λ w)` (sub-Gaussian IPS
/// and DR); a weight of 0 stays 0, also at `λ = 1`.
#[inline(always)]
pub(crate) fn sub_gaussian(w: f64, lambda: f64) -> f64 {
    let d = 1.0 - lambda + lambda * w;
    if d > 0.0 { w / d } else { 0.0 }
}

pub(crate) fn mean_per_decision(means: &[f64]) -> f64 {
    ratio(means[0], means[1])
}

/// A name with its hyperparameter, `base(λ=…)`, as tables show it.
pub(crate) fn with_lambda(base: &str, lambda: f64) -> String {
    format!("{base}(λ={lambda})")
}

/// Checks a hyperparameter `λ` of `estimator` against `[low, high]`.
pub(crate) fn check_lambda(
    estimator: &str,
    lambda: f64,
    low: f64,
    high: f64,
) -> Result<f64, OpeError> {
    if (low..=high).contains(&lambda) {
        Ok(lambda)
    } else {
        Err(OpeError::Parameter(format!(
            "{estimator}: λ = {lambda} is outside [{low}, {}]",
            if high.is_infinite() {
                "∞".to_string()
            } else {
                high.to_string()
            }
        )))
    }
}
