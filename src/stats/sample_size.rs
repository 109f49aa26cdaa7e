//! How many users a real split test needs: the sample sizes of two proportions and
//! two means (two-sided α = 0.05, power 0.8), and the smallest sample at which the
//! normal approximation those formulas rest on can be trusted.

use super::distributions::Z95;
use super::{StatsError, finite};

/// Φ⁻¹(0.8): the standard normal quantile for a power of 0.8.
const Z_POWER_80: f64 = 0.841_621_233_572_914_3;

/// The fewest users per arm any sample size or power curve uses, however close to
/// normal the values are: below it, the variance estimate itself is too noisy for
/// a z-test.
pub const MIN_USERS: u64 = 30;

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

/// The central moments `(mean, m₂, m₃)` of `values` (divisor n); at least 3 values,
/// all finite.
fn moments(values: &[f64]) -> Result<(f64, f64, f64), StatsError> {
    if values.len() < 3 {
        return Err(StatsError::TooFew {
            what: "skewness",
            needed: 3,
            got: values.len() as u64,
        });
    }
    let n = values.len() as f64;
    let mut sum = 0.0;
    for &x in values {
        sum += finite("skewness value", x)?;
    }
    let mean = sum / n;
    let (m2, m3) = values.iter().fold((0.0, 0.0), |(m2, m3), &x| {
        let d = x - mean;
        (m2 + d * d / n, m3 + d * d * d / n)
    });
    Ok((mean, m2, m3))
}

/// The sample skewness `g₁ = m₃ / m₂^{3/2}` of `values` (central moments with
/// divisor n); 0 for values without spread. Needs at least 3 values, all finite.
pub fn skewness(values: &[f64]) -> Result<f64, StatsError> {
    let (_, m2, m3) = moments(values)?;
    Ok(if m2 > 0.0 { m3 / m2.powf(1.5) } else { 0.0 })
}

/// The skewness of `b − a` for independent draws `a` from `control` and `b` from
/// `arm`: `(m₃(b) − m₃(a)) / (m₂(a) + m₂(b))^{3/2}`, what a split test's difference
/// of means inherits (its skewness is this over √n). Arms with the same
/// distribution give 0: their difference is symmetric, however skewed each is.
pub fn difference_skewness(control: &[f64], arm: &[f64]) -> Result<f64, StatsError> {
    let (_, m2_a, m3_a) = moments(control)?;
    let (_, m2_b, m3_b) = moments(arm)?;
    let m2 = m2_a + m2_b;
    Ok(if m2 > 0.0 {
        (m3_b - m3_a) / m2.powf(1.5)
    } else {
        0.0
    })
}

/// The fewest users per arm at which a mean (or a split test's difference of
/// means, given [`difference_skewness`]) of values with skewness `skewness` is near
/// enough normal for the 95 % intervals and z-tests here: Cochran's rule
/// (*Sampling Techniques*, 3rd ed., 1977, §2.15) `n > 25·g₁²`, and never fewer
/// than [`MIN_USERS`]. Profit per user is log-normal and mostly zero, with a
/// skewness of 5 to 15 on the built-in scenarios: against doing nothing, a floor
/// of several hundred to a few thousand users, where a size of 50 would put the
/// interval's real coverage well away from 95 %.
pub fn normal_approximation_floor(skewness: f64) -> Result<u64, StatsError> {
    let skewness = finite("skewness", skewness)?;
    // The smallest whole n above 25·g₁² (`as` saturates for a huge skewness).
    Ok(((25.0 * skewness * skewness).floor() as u64)
        .saturating_add(1)
        .max(MIN_USERS))
}
