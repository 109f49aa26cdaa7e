//! Trajectory-wise importance sampling.

use super::per_unit;
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Trajectory-wise importance sampling: the mean over units of `ρ_{T−1} · Σ_t r_t`,
/// the whole return weighted by the product of every step's weight.
///
/// Unbiased when the propensities are the behaviour's true probabilities and the
/// behaviour gives every action the target takes a positive probability. Its
/// variance grows exponentially with the horizon; prefer [`Pdis`](super::Pdis),
/// which is never worse, unless you need the simplest reference estimate.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrajectoryIs;

impl Estimator for TrajectoryIs {
    fn name(&self) -> String {
        "trajectory-is".into()
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
                let rho: f64 = unit.weight.iter().product();
                out[0] = rho * unit.reward.iter().sum::<f64>();
            },
        )
    }

    fn finish(&self, means: &[f64]) -> f64 {
        means[0]
    }
}
