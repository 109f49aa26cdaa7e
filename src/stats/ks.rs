//! The one-sample Kolmogorov–Smirnov test of uniformity on [0, 1].

use super::StatsError;
use super::distributions::kolmogorov_sf;

/// A Kolmogorov–Smirnov test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTest {
    /// Sample size.
    pub n: usize,
    /// `D = supₓ |Fₙ(x) − x|`.
    pub statistic: f64,
    /// Asymptotic p-value `P(K > √n·D)` (Kolmogorov distribution), slightly
    /// conservative for small n.
    pub p_value: f64,
}

/// Tests whether `sample` comes from the uniform distribution on [0, 1] (e.g.
/// probability-integral transforms). Values outside [0, 1] are allowed and count
/// against uniformity (the uniform CDF is 0 below and 1 above); NaN is an error.
pub fn ks_uniform(sample: &[f64]) -> Result<KsTest, StatsError> {
    if sample.is_empty() {
        return Err(StatsError::TooFew {
            what: "Kolmogorov–Smirnov sample",
            needed: 1,
            got: 0,
        });
    }
    if let Some(&x) = sample.iter().find(|x| x.is_nan()) {
        return Err(StatsError::OutOfRange {
            what: "Kolmogorov–Smirnov sample value",
            rule: "a number",
            value: x,
        });
    }
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    // The empirical CDF jumps from i/n to (i+1)/n at the (i+1)-th smallest value.
    let statistic = sorted.iter().enumerate().fold(0.0_f64, |d, (i, &x)| {
        let cdf = x.clamp(0.0, 1.0);
        d.max((i + 1) as f64 / n - cdf).max(cdf - i as f64 / n)
    });
    Ok(KsTest {
        n: sorted.len(),
        statistic,
        p_value: kolmogorov_sf(n.sqrt() * statistic),
    })
}
