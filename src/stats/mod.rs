//! Statistics for A/B/n experiments: pure functions of counts and sums.
//!
//! - [`distributions`]: standard normal CDF and quantile and the chi-square tail
//!   from statrs; the Kolmogorov tail, which statrs lacks, by hand.
//! - Two-arm comparisons from sufficient statistics: means of independent samples
//!   ([`compare_means`], Welch's standard error with a normal reference),
//!   proportions ([`compare_proportions`], pooled z-test, unpooled interval), and
//!   on the same units under common random numbers paired means
//!   ([`compare_paired`]) and paired proportions ([`compare_paired_proportions`],
//!   McNemar's test), each with a 95 % interval; relative lifts use the delta
//!   method on the ratio `B/A`, with the covariance when paired.
//! - [`holm`]: Holm's step-down adjustment of a family of p-values.
//! - [`sample_size_proportions`] and [`sample_size_means`]: users per arm that a
//!   real split test needs (α = 0.05 two-sided, power 0.8), and
//!   [`normal_approximation_floor`], below which those formulas are not trusted.
//! - Survival on discrete days: [`kaplan_meier`] with Greenwood log-log intervals
//!   and the [`log_rank`] test of k groups.
//! - [`ks_uniform`]: one-sample Kolmogorov–Smirnov test of uniformity on [0, 1].
//!
//! Invalid input (a probability outside [0, 1], more successes than trials, NaN)
//! gives a [`StatsError`]; nothing here panics on user data. All intervals are
//! two-sided 95 % ([`Z95`]).

mod compare;
pub mod distributions;
mod ks;
mod multiplicity;
mod sample_size;
mod survival;

pub use compare::{
    Comparison, PairedStats, SampleStats, compare_means, compare_paired,
    compare_paired_proportions, compare_proportions,
};
pub use distributions::{
    Z95, chi_square_sf, kolmogorov_sf, normal_cdf, normal_quantile, normal_two_sided_p,
};
pub use ks::{KsTest, ks_uniform};
pub use multiplicity::holm;
pub use sample_size::{
    MIN_USERS, difference_skewness, normal_approximation_floor, sample_size_means,
    sample_size_proportions, skewness,
};
pub use survival::{DayCounts, Life, LogRank, day_counts, kaplan_meier, log_rank};

/// A point estimate with its two-sided 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Point estimate.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Interval {
    /// `estimate ± Z95 · se`.
    fn normal(estimate: f64, se: f64) -> Self {
        Self {
            estimate,
            low: estimate - Z95 * se,
            high: estimate + Z95 * se,
        }
    }

    /// Whether `x` lies in `[low, high]`.
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Why a statistic could not be computed from its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// Fewer observations than the statistic needs.
    #[error("{what}: needs at least {needed} observations, got {got}")]
    TooFew {
        /// The input concerned.
        what: &'static str,
        /// The least number that works.
        needed: u64,
        /// The number given.
        got: u64,
    },
    /// A number outside its domain: a probability outside [0, 1], a negative sum of
    /// squares, NaN or infinity.
    #[error("{what} must be {rule}, got {value}")]
    OutOfRange {
        /// The input concerned.
        what: &'static str,
        /// The domain, in words.
        rule: &'static str,
        /// The value given.
        value: f64,
    },
    /// Counts that contradict each other (more successes than trials, more events
    /// than users at risk, groups of different lengths).
    #[error("{0}")]
    Inconsistent(String),
}

/// `Ok(x)` when `x` is finite, else [`StatsError::OutOfRange`].
fn finite(what: &'static str, x: f64) -> Result<f64, StatsError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(StatsError::OutOfRange {
            what,
            rule: "finite",
            value: x,
        })
    }
}
