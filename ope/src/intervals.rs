//! Intervals without resampling: the delta method (normal and Student-t) and, for the
//! importance-weighted means, an empirical-Bernstein bound.
//!
//! An estimate is `finish(s̄)`, a smooth function of the means of the per-unit
//! statistics. Linearised around `s̄`, unit `u` contributes `ψ_u = g · (s_u − s̄)`,
//! `g` the gradient of `finish` at `s̄` (central finite differences), and the
//! standard error is `sd(ψ) / √n` with the `n − 1` variance, `n` the units: units
//! are the independent draws, so rows of one unit may be correlated.
//!
//! Degenerate cases are explicit, never NaN: with fewer than two units an interval is
//! *undefined* ([`Interval::bounds`] is `None`); with two or more units of identical
//! contributions it has zero width.

use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The default confidence level.
pub const DEFAULT_LEVEL: f64 = 0.95;

/// An estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The estimate from all units.
    pub estimate: f64,
    /// `(lower, upper)`, or `None` where the interval is undefined (fewer than two
    /// units, too few bootstrap replicates, or an end beyond the range of
    /// floating-point numbers).
    pub bounds: Option<(f64, f64)>,
}

impl Interval {
    /// An interval `estimate ± half_width`, undefined when either end is not finite.
    fn around(estimate: f64, half_width: Option<f64>) -> Self {
        Self {
            estimate,
            bounds: half_width
                .map(|h| (estimate - h, estimate + h))
                .filter(|(low, high)| low.is_finite() && high.is_finite()),
        }
    }
}

/// How an analytic interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `estimate ± z · se`, `z` the standard normal quantile.
    Normal,
    /// `estimate ± t · se`, `t` the Student-t quantile with `n − 1` degrees of freedom.
    StudentT,
    /// Maurer & Pontil's (2009, Theorem 4) empirical-Bernstein bound on the mean of the
    /// per-unit contributions, each side at `(1 − level) / 2`:
    /// `estimate ± (√(2 V ln(4/δ) / n) + 7 R ln(4/δ) / (3 (n − 1)))`, `δ = 1 − level`,
    /// `V` the sample variance and `R` the range of the contributions. The theorem
    /// needs the range known in advance; `R` here is the *observed* range
    /// (`max − min` of the contributions), so the bound is empirical, not a
    /// guarantee. Only for [`Estimator::is_importance_weighted`] estimators.
    EmpiricalBernstein,
}

/// An estimator's estimate linearised over its units.
#[derive(Debug, Clone, PartialEq)]
pub struct Linearised {
    /// `finish(s̄)`.
    pub estimate: f64,
    /// Per unit, `estimate + ψ_u`: the unit's linearised contribution, whose mean is
    /// the estimate. For a plain mean per decision over units of equal length it is
    /// the unit's mean per decision.
    pub contributions: Vec<f64>,
    /// `sd(ψ) / √n`, or `None` with fewer than two units.
    pub standard_error: Option<f64>,
}

/// Linearises `estimator`'s estimate around the means of `stats`.
pub fn linearise(estimator: &dyn Estimator, stats: &UnitStats) -> Linearised {
    let means = stats.means();
    let estimate = estimator.finish(&means);
    let gradient = gradient(estimator, &means);
    let n = stats.units();
    let contributions: Vec<f64> = (0..n)
        .map(|u| {
            let psi: f64 = gradient
                .iter()
                .zip(stats.unit(u).iter().zip(&means))
                .map(|(g, (s, m))| g * (s - m))
                .sum();
            estimate + psi
        })
        .collect();
    let standard_error = (n >= 2).then(|| (sample_variance(&contributions) / n as f64).sqrt());
    Linearised {
        estimate,
        contributions,
        standard_error,
    }
}

/// The Student-t interval at `level` around `estimate` from the estimator's model
/// refits ([`Estimator::model_standard_error`]), where it has them; `None` where the
/// units' interval ([`interval`]) is the estimator's.
pub fn model_interval(
    estimator: &dyn Estimator,
    columns: &Columns,
    estimate: f64,
    level: f64,
) -> Option<Result<Interval, OpeError>> {
    let (standard_error, df) = estimator.model_standard_error(columns)?;
    Some(check_level(level).and_then(|level| {
        let t = StudentsT::new(0.0, 1.0, df as f64)
            .map_err(|e| OpeError::Parameter(format!("Student-t quantile: {e}")))?;
        Ok(Interval::around(
            estimate,
            Some(t.inverse_cdf(0.5 + level / 2.0) * standard_error),
        ))
    }))
}

/// An analytic interval at `level` (in (0, 1), e.g. [`DEFAULT_LEVEL`]) for
/// `estimator`'s estimate from `stats`.
pub fn interval(
    estimator: &dyn Estimator,
    stats: &UnitStats,
    method: Method,
    level: f64,
) -> Result<Interval, OpeError> {
    let level = check_level(level)?;
    if method == Method::EmpiricalBernstein && !estimator.is_importance_weighted() {
        return Err(OpeError::Unavailable {
            estimator: estimator.name(),
            why: "the empirical-Bernstein bound applies to importance-weighted means \
                  (the ips family) only"
                .into(),
        });
    }
    let lin = linearise(estimator, stats);
    let n = lin.contributions.len();
    let half_width = match method {
        Method::Normal => {
            let z = Normal::standard().inverse_cdf(0.5 + level / 2.0);
            lin.standard_error.map(|se| z * se)
        }
        Method::StudentT => match lin.standard_error {
            Some(se) => {
                let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
                    .map_err(|e| OpeError::Parameter(format!("Student-t quantile: {e}")))?;
                Some(t.inverse_cdf(0.5 + level / 2.0) * se)
            }
            None => None,
        },
        Method::EmpiricalBernstein => {
            (n >= 2).then(|| bernstein_half_width(&lin.contributions, 1.0 - level))
        }
    };
    Ok(Interval::around(lin.estimate, half_width))
}

/// Checks a confidence level: in (0, 1).
pub(crate) fn check_level(level: f64) -> Result<f64, OpeError> {
    if level > 0.0 && level < 1.0 {
        Ok(level)
    } else {
        Err(OpeError::Parameter(format!(
            "confidence level {level} is outside (0, 1)"
        )))
    }
}

/// The gradient of `finish` at `means` by central differences, step
/// `∛ε · |m_j|` (`∛ε` where `m_j = 0`): exact for the linear parts, error of
/// order `ε^(2/3)` relative for ratios.
fn gradient(estimator: &dyn Estimator, means: &[f64]) -> Vec<f64> {
    let step = f64::EPSILON.cbrt();
    let mut at = means.to_vec();
    (0..means.len())
        .map(|j| {
            let h = if means[j] == 0.0 {
                step
            } else {
                step * means[j].abs()
            };
            at[j] = means[j] + h;
            let up = estimator.finish(&at);
            at[j] = means[j] - h;
            let down = estimator.finish(&at);
            at[j] = means[j];
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// The sample variance (denominator `n − 1`) of at least two values.
fn sample_variance(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)
}

/// The empirical-Bernstein half-width of at least two values, two-sided at `delta`.
fn bernstein_half_width(values: &[f64], delta: f64) -> f64 {
    let n = values.len() as f64;
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let log = (4.0 / delta).ln();
    (2.0 * sample_variance(values) * log / n).sqrt() + 7.0 * (high - low) * log / (3.0 * (n - 1.0))
}
