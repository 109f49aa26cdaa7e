//! Diagnostics of a log against a target policy: how concentrated the importance
//! weights are, how much of the target's probability falls where the log never went,
//! and plain-language warnings when an estimator's assumption visibly fails.

use crate::columns::Columns;
use crate::error::OpeError;
use std::collections::HashMap;

/// Warn when the target puts more than this share of its probability, on average, on
/// actions the log never took in the row's region. No weighting estimator sees those
/// outcomes: IPS-type estimates miss that mass entirely (biased towards 0 by up to
/// the mass times the largest reward), DM and DR extrapolate the model there. At
/// 1 % the bias is already comparable to the differences between policies that
/// onboarding experiments look for.
pub const UNSUPPORTED_MASS_WARNING: f64 = 0.01;

/// Warn when the effective sample size is below this fraction of the rows: the
/// weighted estimators then rest on a tenth of the log, and their normal intervals
/// start to under-cover.
pub const ESS_FRACTION_WARNING: f64 = 0.10;

/// Warn when the largest weight carries more than this share of the total weight: one
/// row then moves a self-normalised estimate by up to 5 % of the reward range, and
/// the bootstrap's replicates split on whether they drew it.
pub const MAX_WEIGHT_SHARE_WARNING: f64 = 0.05;

/// Warn below this many units: the intervals rest on a central limit over units,
/// which under about a hundred independent units is unreliable.
pub const MIN_UNITS: usize = 100;

/// How the importance weights `w = target / propensity` of a log are distributed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightDiagnostics {
    /// Number of rows.
    pub rows: usize,
    /// Number of units.
    pub units: usize,
    /// Effective sample size `(Σ w)² / Σ w²` (Kish); 0 when every weight is 0.
    pub ess: f64,
    /// The largest weight.
    pub max_weight: f64,
    /// The 99th-percentile weight: the `⌈0.99 n⌉`-th smallest (nearest rank).
    pub p99_weight: f64,
    /// The largest weight's share of the total weight; 0 when every weight is 0.
    pub max_weight_share: f64,
}

impl WeightDiagnostics {
    /// The effective sample size as a fraction of the rows.
    pub fn ess_fraction(&self) -> f64 {
        self.ess / self.rows.max(1) as f64
    }
}

/// The effective number of units behind the trajectory-wise weights: with `ρ_u` the
/// product of unit `u`'s weights over its rows, `(Σ_u ρ_u)² / Σ_u ρ_u²`; 0 when every
/// product is 0 (no unit's whole trajectory is one the target could take). Over a
/// long horizon it collapses long before the per-decision effective sample size
/// does, and with it trajectory-wise importance sampling.
pub fn trajectory_ess(columns: &Columns) -> Result<f64, OpeError> {
    columns.check_shape()?;
    // In logarithms, relative to the largest product: the products themselves may
    // overflow (or underflow) over a long horizon, their ratios do not.
    let logs: Vec<f64> = (0..columns.units())
        .map(|u| {
            columns
                .unit(u)
                .map(|i| (columns.target[i] / columns.propensity[i]).ln())
                .sum::<f64>()
        })
        .collect();
    Ok(kish(&logs))
}

/// Kish's effective sample size `(Σ w)² / Σ w²` of weights given by their
/// logarithms `logs`, each scaled by the largest weight so that neither sum
/// overflows; 0 when every weight is 0.
fn kish(logs: &[f64]) -> f64 {
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return 0.0;
    }
    let (sum, squares) = logs
        .iter()
        .map(|l| (l - top).exp())
        .fold((0.0, 0.0), |(s, q), w| (s + w, q + w * w));
    sum * sum / squares
}

/// The weight diagnostics of `columns`.
pub fn weight_diagnostics(columns: &Columns) -> Result<WeightDiagnostics, OpeError> {
    columns.check()?;
    let mut weights = columns.weights();
    let max_weight = weights.iter().copied().fold(0.0_f64, f64::max);
    // Scaled by the largest weight: the sums of weights up to 1/propensity, and of
    // their squares, may overflow; the scaled ones are at most the number of rows.
    let (sum, squares) = if max_weight > 0.0 {
        weights
            .iter()
            .map(|w| w / max_weight)
            .fold((0.0, 0.0), |(s, q), w| (s + w, q + w * w))
    } else {
        (0.0, 0.0)
    };
    let rank = (0.99 * weights.len() as f64).ceil() as usize;
    let (_, p99_weight, _) = weights.select_nth_unstable_by(rank.max(1) - 1, f64::total_cmp);
    Ok(WeightDiagnostics {
        rows: columns.rows(),
        units: columns.units(),
        ess: if squares > 0.0 {
            sum * sum / squares
        } else {
            0.0
        },
        max_weight,
        p99_weight: *p99_weight,
        max_weight_share: if sum > 0.0 { 1.0 / sum } else { 0.0 },
    })
}

/// The mean over rows of the target's probability on actions the log never took in
/// the row's region: `(1/n) Σ_i Σ_{a unseen in region(i)} π_e(a|x_i)`.
///
/// `region[i]` is row `i`'s region (any grouping of contexts within which the
/// behaviour's support is judged), `logged_action[i]` its logged action, and
/// `target_probabilities` the target's probabilities of every action on every row,
/// `rows × actions`, row-major.
pub fn unsupported_mass(
    region: &[u32],
    logged_action: &[u32],
    target_probabilities: &[f64],
) -> Result<f64, OpeError> {
    let rows = region.len();
    if rows == 0 {
        return Err(OpeError::Columns(
            "unsupported mass: the log has no rows".into(),
        ));
    }
    if logged_action.len() != rows || !target_probabilities.len().is_multiple_of(rows) {
        return Err(OpeError::Columns(format!(
            "unsupported mass: {rows} regions, {} logged actions and {} target probabilities \
             (must be rows × actions)",
            logged_action.len(),
            target_probabilities.len()
        )));
    }
    let actions = target_probabilities.len() / rows;
    let mut seen: HashMap<u32, Vec<bool>> = HashMap::new();
    for (i, (&r, &a)) in region.iter().zip(logged_action).enumerate() {
        let a = a as usize;
        if a >= actions {
            return Err(OpeError::Columns(format!(
                "unsupported mass: row {i} logs action {a}, but the target has {actions} actions"
            )));
        }
        seen.entry(r).or_insert_with(|| vec![false; actions])[a] = true;
    }
    let total: f64 = region
        .iter()
        .zip(target_probabilities.chunks_exact(actions))
        .map(|(r, probabilities)| {
            let seen = &seen[r];
            probabilities
                .iter()
                .zip(seen)
                .filter(|(_, s)| !**s)
                .map(|(p, _)| p)
                .sum::<f64>()
        })
        .sum();
    Ok(total / rows as f64)
}

/// Plain-language warnings where an assumption visibly fails, from the weight
/// diagnostics and, where computed, the unsupported mass; empty when none fails.
/// Thresholds: [`UNSUPPORTED_MASS_WARNING`], [`ESS_FRACTION_WARNING`],
/// [`MAX_WEIGHT_SHARE_WARNING`], [`MIN_UNITS`].
pub fn warnings(weights: &WeightDiagnostics, unsupported: Option<f64>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(mass) = unsupported.filter(|m| *m > UNSUPPORTED_MASS_WARNING) {
        out.push(format!(
            "the target puts {:.1} % of its probability on actions the log never took in \
             the same region (more than {:.0} %): importance-weighted estimates cannot see \
             those outcomes and the model-based ones extrapolate there",
            100.0 * mass,
            100.0 * UNSUPPORTED_MASS_WARNING
        ));
    }
    if weights.ess_fraction() < ESS_FRACTION_WARNING {
        out.push(format!(
            "the effective sample size is {:.0} of {} rows ({:.1} %, under {:.0} %): the \
             weighted estimates rest on a few rows and their intervals may be too narrow",
            weights.ess,
            weights.rows,
            100.0 * weights.ess_fraction(),
            100.0 * ESS_FRACTION_WARNING
        ));
    }
    if weights.max_weight_share > MAX_WEIGHT_SHARE_WARNING {
        out.push(format!(
            "the largest weight ({}) carries {:.1} % of the total weight (more than \
             {:.0} %): one decision sways the weighted estimates",
            if weights.max_weight < 1e6 {
                format!("{:.3}", weights.max_weight)
            } else {
                format!("{:.3e}", weights.max_weight)
            },
            100.0 * weights.max_weight_share,
            100.0 * MAX_WEIGHT_SHARE_WARNING
        ));
    }
    if weights.units < MIN_UNITS {
        out.push(format!(
            "only {} unit{} (fewer than {MIN_UNITS}): intervals from so few independent \
             units are unreliable",
            weights.units,
            if weights.units == 1 { "" } else { "s" }
        ));
    }
    out
}
