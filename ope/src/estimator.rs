//! The one interface every estimator implements, and the per-unit statistics it
//! produces.

use crate::columns::Columns;
use crate::error::OpeError;

/// Per-unit statistics of one estimator: `units × k` values, row-major (the `k`
/// statistics of unit 0, then of unit 1, …).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitStats {
    /// Statistics per unit.
    pub k: usize,
    /// `units × k` values, row-major.
    pub values: Vec<f64>,
}

impl UnitStats {
    /// Zeroed statistics for `units` units of `k` statistics each.
    pub fn zeros(units: usize, k: usize) -> Self {
        Self {
            k,
            values: vec![0.0; units * k],
        }
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.values.len().checked_div(self.k).unwrap_or(0)
    }

    /// The statistics of unit `u`.
    pub fn unit(&self, u: usize) -> &[f64] {
        &self.values[u * self.k..(u + 1) * self.k]
    }

    /// The mean of each statistic over the units. Where a sum overflows though its
    /// terms are finite, the mean is taken over the terms divided by the count
    /// instead, which stays finite.
    pub fn means(&self) -> Vec<f64> {
        let mut means = vec![0.0; self.k];
        for unit in self.values.chunks_exact(self.k.max(1)) {
            for (m, v) in means.iter_mut().zip(unit) {
                *m += v;
            }
        }
        let n = self.units().max(1) as f64;
        for (j, m) in means.iter_mut().enumerate() {
            *m = if m.is_finite() {
                *m / n
            } else {
                self.values
                    .iter()
                    .skip(j)
                    .step_by(self.k)
                    .map(|v| v / n)
                    .sum()
            };
        }
        means
    }

    /// `estimator`'s estimate from these statistics, or why there is none: a
    /// statistic or the estimate beyond the range of floating-point numbers (huge
    /// importance weights times huge rewards, or products of weights over a long
    /// trajectory).
    pub fn estimate(&self, estimator: &dyn Estimator) -> Result<f64, OpeError> {
        let overflow = |what: &str| OpeError::Unavailable {
            estimator: estimator.name(),
            why: format!(
                "{what} beyond the range of floating-point numbers (about ±1.8e308): \
                 the log's importance weights or rewards are too large for it"
            ),
        };
        if self.values.iter().any(|v| !v.is_finite()) {
            return Err(overflow("a user's statistics go"));
        }
        let estimate = estimator.finish(&self.means());
        if estimate.is_finite() {
            Ok(estimate)
        } else {
            Err(overflow("its estimate goes"))
        }
    }
}

/// An off-policy estimator: a value of the target policy from a log's columns.
///
/// The estimate is `finish(mean over units of the unit's statistics)`. A plain
/// average (IPS, DR, …) has one statistic per unit; a self-normalised one keeps its
/// numerator and denominator; a per-time-step normalised one keeps both per step.
/// Because every estimator has this form, the bootstrap resamples units and
/// re-finishes, and the analytic intervals linearise `finish` around the means.
pub trait Estimator: Send + Sync {
    /// The estimator's name with its hyperparameters, as tables show it
    /// (`ips`, `clipped-ips(λ=10)`).
    fn name(&self) -> String;

    /// Whether the estimator is a plain mean of importance-weighted rewards (the IPS
    /// family), for which an empirical-Bernstein bound applies.
    fn is_importance_weighted(&self) -> bool {
        false
    }

    /// Computes the per-unit statistics of `columns`, or says what is missing.
    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError>;

    /// For an estimator whose model's error outweighs the units' spread (FQE), the
    /// standard error of its estimate over refits of the model, with its degrees of
    /// freedom; [`model_interval`](crate::intervals::model_interval) then replaces
    /// the units' Student-t interval. `None` (the default): the units' spread is the
    /// estimate's.
    fn model_standard_error(&self, _columns: &Columns) -> Option<(f64, usize)> {
        None
    }

    /// The estimate from the means of the per-unit statistics. Never NaN: a ratio
    /// whose denominator is zero (no weight anywhere) is 0.
    fn finish(&self, means: &[f64]) -> f64;
}
