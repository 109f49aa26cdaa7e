//! Seeded bootstrap over units, with percentile intervals.
//!
//! A replicate draws `n` units with replacement out of the `n` units (as counts per
//! unit, computed once per replicate) and re-finishes every estimator from the
//! count-weighted means of its per-unit statistics: all estimators of a replicate see
//! the same resampled units. Replicate `r`'s generator is a `Xoshiro256PlusPlus`
//! seeded by slot `r` of a SplitMix64 stream keyed by the seed, so a replicate depends
//! only on `(seed, r)`: replicates run in parallel with rayon, bit-identical whatever
//! the number of threads.

use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};
use crate::intervals::{DEFAULT_LEVEL, Interval, check_level};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// SplitMix64's increment, the golden ratio in 64 bits.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// How the bootstrap runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapConfig {
    /// Number of replicates (OBP's `n_bootstrap_samples`); at least 1.
    pub replicates: usize,
    /// The seed of the replicates' generators.
    pub seed: u64,
    /// The confidence level of the percentile intervals, in (0, 1).
    pub level: f64,
}

impl Default for BootstrapConfig {
    /// 1,000 replicates, seed 0, level 0.95.
    fn default() -> Self {
        Self {
            replicates: 1000,
            seed: 0,
            level: DEFAULT_LEVEL,
        }
    }
}

/// The estimates of `replicates` bootstrap replicates: `[estimator][replicate]`.
/// `stats[i]` are `estimators[i]`'s per-unit statistics over the same units.
pub fn bootstrap_replicates(
    estimators: &[&dyn Estimator],
    stats: &[UnitStats],
    replicates: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, OpeError> {
    let units = check_inputs(estimators, stats, replicates)?;
    let key = mix(seed);
    let per_replicate: Vec<Vec<f64>> = (0..replicates)
        .into_par_iter()
        .map_init(
            || (vec![0u32; units], Vec::new()),
            |(counts, sums), r| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix(
                    key.wrapping_add((r as u64).wrapping_add(1).wrapping_mul(GAMMA))
                ));
                counts.fill(0);
                for _ in 0..units {
                    counts[rng.random_range(0..units)] += 1;
                }
                estimators
                    .iter()
                    .zip(stats)
                    .map(|(e, s)| e.finish(weighted_means(s, counts, sums)))
                    .collect()
            },
        )
        .collect();
    Ok((0..estimators.len())
        .map(|i| per_replicate.iter().map(|r| r[i]).collect())
        .collect())
}

/// The percentile interval at `level` of bootstrap `replicates` around `estimate`:
/// the `(1 − level)/2` and `(1 + level)/2` quantiles, linearly interpolated between
/// order statistics (numpy's default, which OBP uses). Undefined with fewer than
/// [`min_replicates`] replicates (each end would be the most extreme replicate or
/// beyond, not a quantile), or where a replicate or an end is not finite.
pub fn percentile_interval(
    estimate: f64,
    replicates: &[f64],
    level: f64,
) -> Result<Interval, OpeError> {
    let level = check_level(level)?;
    let mut sorted = replicates.to_vec();
    sorted.sort_by(f64::total_cmp);
    let bounds = (sorted.len() >= min_replicates(level) && sorted.iter().all(|r| r.is_finite()))
        .then(|| {
            (
                quantile(&sorted, (1.0 - level) / 2.0),
                quantile(&sorted, (1.0 + level) / 2.0),
            )
        })
        .filter(|(low, high)| low.is_finite() && high.is_finite());
    Ok(Interval { estimate, bounds })
}

/// The fewest replicates whose percentile interval at `level` has a replicate
/// beyond each end: `⌈2 / (1 − level)⌉`, 40 at 95 %. With fewer, the
/// `(1 − level)/2` quantile is the smallest replicate itself (one replicate gives
/// an interval of zero width), and the interval is as wide as the replicates
/// happen to spread, whatever the level says.
pub fn min_replicates(level: f64) -> usize {
    (2.0 / (1.0 - level) - 1e-9).ceil().max(1.0) as usize
}

/// Percentile bootstrap intervals of every estimator, from the same replicates.
/// With a single unit every replicate is that unit: the intervals are undefined.
pub fn bootstrap_intervals(
    estimators: &[&dyn Estimator],
    stats: &[UnitStats],
    config: &BootstrapConfig,
) -> Result<Vec<Interval>, OpeError> {
    check_level(config.level)?;
    let replicates = bootstrap_replicates(estimators, stats, config.replicates, config.seed)?;
    estimators
        .iter()
        .zip(stats)
        .zip(&replicates)
        .map(|((e, s), r)| {
            let estimate = e.finish(&s.means());
            if s.units() < 2 {
                Ok(Interval {
                    estimate,
                    bounds: None,
                })
            } else {
                percentile_interval(estimate, r, config.level)
            }
        })
        .collect()
}

/// Checks the bootstrap's inputs; the number of units.
fn check_inputs(
    estimators: &[&dyn Estimator],
    stats: &[UnitStats],
    replicates: usize,
) -> Result<usize, OpeError> {
    if estimators.len() != stats.len() {
        return Err(OpeError::Parameter(format!(
            "bootstrap: {} estimators but {} sets of statistics",
            estimators.len(),
            stats.len()
        )));
    }
    if replicates == 0 {
        return Err(OpeError::Parameter(
            "bootstrap: the number of replicates must be at least 1".into(),
        ));
    }
    let units = stats.first().map_or(0, UnitStats::units);
    if units == 0 {
        return Err(OpeError::Columns(
            "bootstrap: there are no units to resample".into(),
        ));
    }
    if let Some((e, s)) = estimators
        .iter()
        .zip(stats)
        .find(|(_, s)| s.units() != units)
    {
        return Err(OpeError::Columns(format!(
            "bootstrap: {} has statistics of {} units, the first estimator {units}",
            e.name(),
            s.units()
        )));
    }
    Ok(units)
}

/// The means of `stats` over the units drawn `counts` times; `sums` is scratch.
fn weighted_means<'a>(stats: &UnitStats, counts: &[u32], sums: &'a mut Vec<f64>) -> &'a [f64] {
    sums.clear();
    sums.resize(stats.k, 0.0);
    for (unit, &c) in stats.values.chunks_exact(stats.k.max(1)).zip(counts) {
        if c > 0 {
            let c = f64::from(c);
            for (sum, v) in sums.iter_mut().zip(unit) {
                *sum += c * v;
            }
        }
    }
    let n = counts.len() as f64;
    sums.iter_mut().for_each(|s| *s /= n);
    sums
}

/// The `q`-quantile of sorted, non-empty values, interpolating linearly.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let fraction = position - below as f64;
    sorted[below] + fraction * (sorted[above] - sorted[below])
}

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
