//! Two-arm comparisons (B against A): independent means and proportions, and
//! paired values and proportions on the same units.
//!
//! Standard errors are large-sample normal ones, as in a z-test: the populations
//! compared here are thousands of users, where Student's t and the normal agree
//! to a few parts in a thousand.

use super::distributions::normal_two_sided_p;
use super::{Interval, StatsError, finite};

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
    /// Relative lift `b/a − 1` with its 95 % delta-method interval (for
    /// independent arms `Var(b/a) ≈ (Var b + (b/a)² Var a) / a²`; paired arms add
    /// the covariance, see [`compare_paired`]); `None` when `a = 0`.
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

/// Sufficient statistics of paired values `(aᵢ, bᵢ)`, one pair per unit (a user
/// seen by both arms): each arm's, and those of the differences `dᵢ = bᵢ − aᵢ`,
/// accumulated directly so that their variance has no cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PairedStats {
    /// The values of arm A.
    pub a: SampleStats,
    /// The values of arm B.
    pub b: SampleStats,
    /// The differences `b − a`.
    pub differences: SampleStats,
}

impl PairedStats {
    /// The statistics of `pairs` `(a, b)`.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (f64, f64)>) -> Self {
        let add = |s: SampleStats, x: f64| SampleStats {
            n: s.n + 1,
            sum: s.sum + x,
            sum_sq: s.sum_sq + x * x,
        };
        pairs.into_iter().fold(Self::default(), |s, (a, b)| Self {
            a: add(s.a, a),
            b: add(s.b, b),
            differences: add(s.differences, b - a),
        })
    }

    /// The statistics of a paired 0/1 outcome from its 2×2 table: units with the
    /// outcome in both arms, only in A, only in B, and in neither.
    pub fn from_table(both: u64, only_a: u64, only_b: u64, neither: u64) -> Self {
        let n = both + only_a + only_b + neither;
        let ones = |k: u64| SampleStats {
            n,
            sum: k as f64,
            sum_sq: k as f64,
        };
        Self {
            a: ones(both + only_a),
            b: ones(both + only_b),
            differences: SampleStats {
                n,
                sum: only_b as f64 - only_a as f64,
                sum_sq: (only_a + only_b) as f64,
            },
        }
    }
}

/// Arm B against arm A on the same units (common random numbers), `n ≥ 2` pairs.
///
/// The difference is the mean of `d = b − a`, with the interval
/// `d̄ ± 1.96·s_d/√n` and the z-test of `E d = 0`. The relative lift `b̄/ā − 1`
/// uses the delta method with the covariance the pairing creates:
/// `Var(b̄/ā) ≈ (Var b̄ − 2r·Cov(ā, b̄) + r²·Var ā)/ā²`, `r = b̄/ā`, where
/// `Cov = (s²_a + s²_b − s²_d)/(2n)`. Identical arms (every `d = 0`) give a
/// difference and a lift of exactly 0 with zero width, `z = 0` and p = 1; a
/// constant non-zero `d` gives p = 0.
pub fn compare_paired(pairs: &PairedStats) -> Result<Comparison, StatsError> {
    let (mean_a, var_a) = pairs.a.mean_variance("arm A")?;
    let (mean_b, var_b) = pairs.b.mean_variance("arm B")?;
    let (mean_d, var_d) = pairs.differences.mean_variance("differences")?;
    if pairs.a.n != pairs.b.n || pairs.a.n != pairs.differences.n {
        return Err(StatsError::Inconsistent(format!(
            "paired samples of {}, {} and {} values",
            pairs.a.n, pairs.b.n, pairs.differences.n
        )));
    }
    let n = pairs.a.n as f64;
    let covariance = 0.5 * (var_a + var_b - var_d);
    let se = (var_d / n).sqrt();
    let z = z_statistic(mean_d, se);
    let lift = (mean_a != 0.0).then(|| {
        let ratio = mean_b / mean_a;
        let spread = (var_b - 2.0 * ratio * covariance + ratio * ratio * var_a).max(0.0);
        Interval::normal(ratio - 1.0, (spread / n).sqrt() / mean_a.abs())
    });
    Ok(Comparison {
        a: mean_a,
        b: mean_b,
        difference: Interval::normal(mean_d, se),
        lift,
        z,
        p_value: normal_two_sided_p(z),
    })
}

/// A paired 0/1 outcome (active on day N, say) of arm B against arm A on the same
/// units, from its 2×2 table: the paired difference of proportions and lift of
/// [`compare_paired`], tested with McNemar's statistic
/// `z = (only_b − only_a)/√(only_a + only_b)` (no continuity correction: `z²` is
/// the χ²₁ statistic of statsmodels' `mcnemar(exact=False, correction=False)`).
/// With no discordant unit the arms agree everywhere: z = 0, p = 1.
pub fn compare_paired_proportions(
    both: u64,
    only_a: u64,
    only_b: u64,
    neither: u64,
) -> Result<Comparison, StatsError> {
    let mut comparison = compare_paired(&PairedStats::from_table(both, only_a, only_b, neither))?;
    let discordant = (only_a + only_b) as f64;
    comparison.z = z_statistic(only_b as f64 - only_a as f64, discordant.sqrt());
    comparison.p_value = normal_two_sided_p(comparison.z);
    Ok(comparison)
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
