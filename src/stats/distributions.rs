//! The distributions the tests need: standard normal, chi-square and Kolmogorov.
//!
//! Self-contained, in double precision: the normal quantile is Wichura's AS 241
//! (about 1e-16 relative), and the normal and chi-square tails come from the
//! regularised incomplete gamma function (series below `a + 1`, Lentz's
//! continued fraction above, as in Numerical Recipes §6.2), using
//! `erfc(x) = Q(1/2, x²)` and `P(χ²ₖ > x) = Q(k/2, x/2)`.

use super::StatsError;

/// The 97.5 % quantile of the standard normal: the half-width, in standard errors,
/// of every 95 % interval of this module.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The standard normal CDF Φ(z); accurate in both tails (no `1 − small` loss).
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    // Φ(z) = erfc(−z/√2) / 2 and erfc(x) = Q(1/2, x²) for x ≥ 0.
    let tail = 0.5 * gamma_q(0.5, 0.5 * z * z);
    if z < 0.0 { tail } else { 1.0 - tail }
}

/// The two-sided p-value of a standard normal statistic: `P(|Z| ≥ |z|)`.
pub fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    gamma_q(0.5, 0.5 * z * z)
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
        _ => ppnd16(p),
    })
}

/// Wichura (1988), Algorithm AS 241 (PPND16), for `p` in `(0, 1)`; coefficients
/// as published (more digits than a double holds).
#[allow(clippy::excessive_precision)]
fn ppnd16(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.3871328727963666080,
        133.14166789178437745,
        1971.5909503065514427,
        13731.693765509461125,
        45921.953931549871457,
        67265.770927008700853,
        33430.575583588128105,
        2509.0809287301226727,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313330701600911252,
        687.18700749205790830,
        5394.1960214247511077,
        21213.794301586595867,
        39307.895800092710610,
        28729.085735721942674,
        5226.4952788528545610,
    ];
    const C: [f64; 8] = [
        1.42343711074968357734,
        4.63033784615654529590,
        5.76949722146069140550,
        3.64784832476320460504,
        1.27045825245236838258,
        0.241780725177450611770,
        0.0227238449892691845833,
        0.000774545014278341407640,
    ];
    const D: [f64; 8] = [
        1.0,
        2.05319162663775882187,
        1.67638483018380384940,
        0.689767334985100004550,
        0.148103976427480074590,
        0.0151986665636164571966,
        0.000547593808499534494600,
        1.05075007164441684324e-9,
    ];
    const E: [f64; 8] = [
        6.65790464350110377720,
        5.46378491116411436990,
        1.78482653991729133580,
        0.296560571828504891230,
        0.0265321895265761230930,
        0.00124266094738807843860,
        0.0000271155556874348757815,
        2.01033439929228813265e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        0.599832206555887937690,
        0.136929880922735805310,
        0.0148753612908506148525,
        0.000786869131145613259100,
        1.84631831751005468180e-5,
        1.42151175831644588870e-7,
        2.04426310338993978564e-15,
    ];
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(r, &A) / poly(r, &B);
    }
    // r = √(−ln min(p, 1 − p)); the tail branch for min(p, 1 − p) < e⁻²⁵.
    let r = (-(if q < 0.0 { p } else { 1.0 - p }).ln()).sqrt();
    let value = if r <= 5.0 {
        poly(r - 1.6, &C) / poly(r - 1.6, &D)
    } else {
        poly(r - 5.0, &E) / poly(r - 5.0, &F)
    };
    if q < 0.0 { -value } else { value }
}

/// `c[0] + c[1]·x + c[2]·x² + …` by Horner's rule.
fn poly(x: f64, c: &[f64]) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// The chi-square survival function `P(χ²ₖ > x)` for `k = df ≥ 1` degrees of freedom.
///
/// `df = 0` (a test with no information) gives 1.
pub fn chi_square_sf(x: f64, df: usize) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if df == 0 || x <= 0.0 {
        return 1.0;
    }
    gamma_q(0.5 * df as f64, 0.5 * x)
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

const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;
const MAX_ITERATIONS: usize = 100_000;

/// The regularised upper incomplete gamma function `Q(a, x) = Γ(a, x)/Γ(a)`, for
/// `a > 0`, `x ≥ 0`.
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    // exp(−x)·xᵃ/Γ(a), the factor both expansions share.
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        // P(a, x) = front · Σₙ xⁿ / (a(a+1)…(a+n)).
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITERATIONS {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        (1.0 - front * sum).clamp(0.0, 1.0)
    } else {
        // Q(a, x) = front · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))), modified Lentz.
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITERATIONS {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        (front * h).clamp(0.0, 1.0)
    }
}

/// ln Γ(a) for `a ≥ 1/2` by the Lanczos approximation (g = 7, 9 terms; ~1e-15).
#[allow(clippy::excessive_precision)]
fn ln_gamma(a: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];
    let x = a - 1.0;
    let series = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |acc, (i, &c)| acc + c / (x + (i + 1) as f64));
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials() {
        // Γ(n) = (n−1)! exactly for small n; Γ(1/2) = √π.
        let mut factorial = 1.0_f64;
        for n in 1..=20 {
            assert!(
                (ln_gamma(n as f64) - factorial.ln()).abs() < 1e-13,
                "n = {n}"
            );
            factorial *= n as f64;
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
    }

    #[test]
    fn quantile_inverts_cdf() {
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            let z = ppnd16(p);
            assert!((normal_cdf(z) - p).abs() < 1e-14, "p = {p}");
        }
        for p in [1e-300, 1e-100, 1e-20, 1e-12, 1e-6] {
            let z = ppnd16(p);
            assert!((normal_cdf(z) / p - 1.0).abs() < 1e-12, "p = {p}");
        }
    }
}
