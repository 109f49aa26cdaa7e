//! Two-arm comparisons (B against A) and the sample size of a split test.
//!
//! Standard errors are large-sample normal ones, as in a z-test: the populations
//! compared here are thousands of users, where Student's t and the normal agree
//! to a few parts in a thousand.

use super::distributions::{Z95, normal_two_sided_p};
use super::{Interval, StatsError, finite};

/// Φ⁻¹(0.8): the standard normal quantile for a power of 0.8.
const Z_POWER_80: f64 = 0.841_621_233_572_914_3;

/// Sufficient statistics of one sample: count, sum and sum of squares.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SampleStats {
    /// Number of values.
    pub n: u64,
    /// Σ x.
    pub sum: f64,
    /// Σ x².
    pub sum_sq: f64,
}

impl SampleStats {
    /// The statistics of `values`.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Self {
        values.into_iter().fold(Self::default(), |s, x| Self {
            n: s.n + 1,
            sum: s.sum + x,
            sum_sq: s.sum_sq + x * x,
        })
    }

    /// Mean and sample variance (divisor `n − 1`), checked; `what` names the sample
    /// in errors. The variance is clamped at 0 against rounding in `Σx² − (Σx)²/n`.
    pub fn mean_variance(&self, what: &'static str) -> Result<(f64, f64), StatsError> {
        if self.n < 2 {
            return Err(StatsError::TooFew {
                what,
                needed: 2,
                got: self.n,
            });
        }
        let sum = finite(what, self.sum)?;
        let sum_sq = finite(what, self.sum_sq)?;
        if sum_sq < 0.0 {
            return Err(StatsError::OutOfRange {
                what,
                rule: "a sum of squares ≥ 0",
                value: sum_sq,
            });
        }
        let n = self.n as f64;
        let mean = sum / n;
        Ok((mean, ((sum_sq - sum * mean) / (n - 1.0)).max(0.0)))
    }
}

/// Arm B against arm A.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Estimate in arm A (mean or proportion).
    pub a: f64,
    /// Estimate in arm B.
    pub b: f64,
    /// `b − a` with its 95 % interval.
    pub difference: Interval,
    /// Relative lift `b/a − 1` with its 95 % delta-method interval
    /// (`Var(b/a) ≈ (Var b + (b/a)² Var a) / a²`); `None` when `a = 0`.
    pub lift: Option<Interval>,
    /// The test statistic, `(b − a) / se`.
    pub z: f64,
    /// Two-sided p-value of `b = a`.
    pub p_value: f64,
}

/// The mean of independent sample B against that of A: Welch's unpooled standard
/// error `√(s²_A/n_A + s²_B/n_B)` for both the interval and the z-test, with a
/// normal reference distribution. Each arm needs `n ≥ 2`.
pub fn compare_means(a: &SampleStats, b: &SampleStats) -> Result<Comparison, StatsError> {
    let (mean_a, var_a) = a.mean_variance("arm A")?;
    let (mean_b, var_b) = b.mean_variance("arm B")?;
    let (var_a, var_b) = (var_a / a.n as f64, var_b / b.n as f64);
    Ok(comparison(
        mean_a,
        var_a,
        mean_b,
        var_b,
        (var_a + var_b).sqrt(),
    ))
}

/// The proportion `successes_b / n_b` against `successes_a / n_a`: pooled
/// two-proportion z-test for the p-value (statsmodels' `proportions_ztest`), Wald
/// (unpooled) interval for the difference.
pub fn compare_proportions(
    successes_a: u64,
    n_a: u64,
    successes_b: u64,
    n_b: u64,
) -> Result<Comparison, StatsError> {
    for (what, successes, n) in [("arm A", successes_a, n_a), ("arm B", successes_b, n_b)] {
        if n == 0 {
            return Err(StatsError::TooFew {
                what,
                needed: 1,
                got: 0,
            });
        }
        if successes > n {
            return Err(StatsError::Inconsistent(format!(
                "{what}: {successes} successes out of {n} trials"
            )));
        }
    }
    let (na, nb) = (n_a as f64, n_b as f64);
    let (pa, pb) = (successes_a as f64 / na, successes_b as f64 / nb);
    let pooled = (successes_a + successes_b) as f64 / (na + nb);
    let se_null = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    Ok(comparison(
        pa,
        pa * (1.0 - pa) / na,
        pb,
        pb * (1.0 - pb) / nb,
        se_null,
    ))
}

/// The paired (within-unit) difference `d = B − A`, from the statistics of the
/// differences, under common random numbers: mean of `d`, its normal 95 % interval
/// `d̄ ± 1.96·s_d/√n`, and the z-test of `E d = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedComparison {
    /// Number of pairs.
    pub n: u64,
    /// Mean difference `B − A` with its 95 % interval.
    pub difference: Interval,
    /// The test statistic `d̄ / (s_d/√n)`.
    pub z: f64,
    /// Two-sided p-value of `E d = 0`.
    pub p_value: f64,
}

/// Paired comparison from the sufficient statistics of the per-unit differences
/// `d = B − A` (`n ≥ 2`). Identical arms (every `d = 0`) give a difference of
/// exactly 0, `z = 0` and p-value 1; a constant non-zero `d` gives a p-value of 0
/// (or next to it, after rounding in the variance).
pub fn compare_paired(differences: &SampleStats) -> Result<PairedComparison, StatsError> {
    let (mean, var) = differences.mean_variance("differences")?;
    let se = (var / differences.n as f64).sqrt();
    let z = z_statistic(mean, se);
    Ok(PairedComparison {
        n: differences.n,
        difference: Interval::normal(mean, se),
        z,
        p_value: normal_two_sided_p(z),
    })
}

/// The comparison of estimates `a`, `b` with variances `var_a`, `var_b`, tested
/// with the standard error `se_test`.
fn comparison(a: f64, var_a: f64, b: f64, var_b: f64, se_test: f64) -> Comparison {
    let difference = b - a;
    let z = z_statistic(difference, se_test);
    let lift = (a != 0.0).then(|| {
        let ratio = b / a;
        Interval::normal(
            ratio - 1.0,
            ((var_b + ratio * ratio * var_a) / (a * a)).sqrt(),
        )
    });
    Comparison {
        a,
        b,
        difference: Interval::normal(difference, (var_a + var_b).sqrt()),
        lift,
        z,
        p_value: normal_two_sided_p(z),
    }
}

/// `estimate / se`, with no variance: 0 when the estimate is 0, else ±∞.
fn z_statistic(estimate: f64, se: f64) -> f64 {
    if se > 0.0 {
        estimate / se
    } else if estimate == 0.0 {
        0.0
    } else {
        estimate.signum() * f64::INFINITY
    }
}

/// Users per arm that a split test of two proportions needs to detect `p1` against
/// `p2` with a two-sided α = 0.05 and power 0.8 (Fleiss' formula without continuity
/// correction, as G*Power and `pwr` without arcsine):
///
/// `n = (z₀.₉₇₅·√(2·p̄(1−p̄)) + z₀.₈·√(p1(1−p1) + p2(1−p2)))² / (p1 − p2)²`,
/// `p̄ = (p1 + p2)/2`, rounded up. `None` when `p1 = p2` (no sample suffices);
/// saturates at `u64::MAX` for differences too small to count.
pub fn sample_size_proportions(p1: f64, p2: f64) -> Result<Option<u64>, StatsError> {
    for p in [p1, p2] {
        if !(0.0..=1.0).contains(&p) {
            return Err(StatsError::OutOfRange {
                what: "proportion",
                rule: "in [0, 1]",
                value: p,
            });
        }
    }
    let delta = p2 - p1;
    if delta == 0.0 {
        return Ok(None);
    }
    let mean = 0.5 * (p1 + p2);
    let root = Z95 * (2.0 * mean * (1.0 - mean)).sqrt()
        + Z_POWER_80 * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    Ok(Some(round_up(root * root / (delta * delta))))
}

/// Users per arm that a split test of two means needs to detect a `difference`
/// when each arm's standard deviation is `sd`, two-sided α = 0.05 and power 0.8:
/// `n = 2·(z₀.₉₇₅ + z₀.₈)²·sd² / difference²`, rounded up. `None` when the
/// difference is 0; saturates at `u64::MAX`.
pub fn sample_size_means(difference: f64, sd: f64) -> Result<Option<u64>, StatsError> {
    let difference = finite("difference", difference)?;
    if !(sd.is_finite() && sd > 0.0) {
        return Err(StatsError::OutOfRange {
            what: "standard deviation",
            rule: "finite and > 0",
            value: sd,
        });
    }
    if difference == 0.0 {
        return Ok(None);
    }
    let z = Z95 + Z_POWER_80;
    Ok(Some(round_up(2.0 * (z * sd / difference).powi(2))))
}

/// `⌈n⌉` as a count; `as` saturates at `u64::MAX` (and maps +∞ there).
fn round_up(n: f64) -> u64 {
    n.ceil() as u64
}
