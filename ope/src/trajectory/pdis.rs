//! Per-decision importance sampling.

use super::per_unit;
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Per-decision importance sampling (PDIS, Precup 2000): the mean over units of
/// `Σ_t ρ_t r_t`, each reward weighted by the weights of the steps up to it only.
///
/// Unbiased under the same assumptions as [`TrajectoryIs`](super::TrajectoryIs)
/// (true propensities, support of the target within the behaviour's), with a
/// variance never larger, since a reward does not pay for later steps' weights.
/// Prefer it as the unbiased reference when there is no value model; prefer
/// [`Wpdis`](super::Wpdis) for a lower variance at a small bias.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pdis;

impl Estimator for Pdis {
    fn name(&self) -> String {
        "pdis".into()
    }

    fn is_importance_weighted(&self) -> bool {
        true
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        per_unit(
            columns,
            |_| 1,
            None,
            |unit, out| {
                out[0] = unit.steps(unit.len()).map(|s| s.rho * s.reward).sum();
            },
        )
    }

    fn finish(&self, means: &[f64]) -> f64 {
        means[0]
    }
}
