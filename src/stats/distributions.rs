//! The distributions the tests need: standard normal and chi-square from statrs,
//! and the Kolmogorov distribution, which statrs does not have, by hand.

use super::StatsError;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// The 97.5 % quantile of the standard normal: the half-width, in standard errors,
/// of every 95 % interval of this module.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The standard normal CDF Φ(z), by statrs (accurate in both tails: it uses
/// `erfc`, with no `1 − small` loss).
pub fn normal_cdf(z: f64) -> f64 {
    Normal::standard().cdf(z)
}

/// The two-sided p-value of a standard normal statistic: `P(|Z| ≥ |z|)`.
pub fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    (2.0 * Normal::standard().sf(z.abs())).min(1.0)
}

/// The standard normal quantile Φ⁻¹(p), `p` in `[0, 1]` (±∞ at the ends).
pub fn normal_quantile(p: f64) -> Result<f64, StatsError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(StatsError::OutOfRange {
            what: "probability",
            rule: "in [0, 1]",
            value: p,
        });
    }
    Ok(match p {
        0.0 => f64::NEG_INFINITY,
        1.0 => f64::INFINITY,
        _ => Normal::standard().inverse_cdf(p),
    })
}

/// The chi-square survival function `P(χ²ₖ > x)` for `k = df ≥ 1` degrees of
/// freedom, by statrs. `df = 0` (a test with no information) gives 1.
pub fn chi_square_sf(x: f64, df: usize) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if df == 0 || x <= 0.0 {
        return 1.0;
    }
    // `new` fails only for a degree of freedom that is not finite and positive.
    ChiSquared::new(df as f64).map_or(f64::NAN, |chi| chi.sf(x))
}

/// The Kolmogorov distribution's survival function `P(K > x)`, the limit of
/// `P(√n·Dₙ > x)` for the one-sample Kolmogorov–Smirnov statistic `Dₙ`.
///
/// `2 Σₖ₌₁ (−1)ᵏ⁻¹ exp(−2k²x²)` for `x ≥ 1`; below, where that alternating series
/// converges slowly, one minus the dual series
/// `√(2π)/x · Σₖ₌₁ exp(−(2k−1)²π²/(8x²))`.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x < 1.0 {
        let c = -std::f64::consts::PI.powi(2) / (8.0 * x * x);
        let mut cdf = 0.0;
        for k in 1..=50 {
            let odd = (2 * k - 1) as f64;
            let term = (c * odd * odd).exp();
            cdf += term;
            if term < 1e-17 * cdf {
                break;
            }
        }
        return (1.0 - (2.0 * std::f64::consts::PI).sqrt() / x * cdf).clamp(0.0, 1.0);
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let kf = k as f64;
        let term = (-2.0 * kf * kf * x * x).exp();
        sum += sign * term;
        if term < 1e-17 * sum.abs() {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}
