//! Weighted per-decision importance sampling.

use super::{per_unit, ratio};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Weighted per-decision importance sampling (WPDIS, Precup 2000; Thomas 2015):
/// `Σ_t Σ_u (ρ_{u,t} / Σ_{u'} ρ_{u',t}) r_{u,t}`, each step's rewards averaged with
/// the step's cumulative weights normalised to sum to one.
///
/// Per-unit statistics, for each step `t < H`: `ρ_t r_t` and `ρ_t` (`2H` values,
/// the pair of step `t` at `2t`, `2t + 1`); a unit past its end carries its last
/// weight with a zero reward. A step with no weight anywhere contributes 0.
///
/// Biased (the bias vanishes as the units grow in number) but consistent under the
/// assumptions of [`Pdis`](super::Pdis), and it stays within the range of the
/// rewards; prefer it over PDIS when the weights are heavy-tailed and there is no
/// value model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wpdis;

impl Estimator for Wpdis {
    fn name(&self) -> String {
        "wpdis".into()
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        per_unit(
            columns,
            |horizon| 2 * horizon,
            None,
            |unit, out| {
                for (pair, step) in out.chunks_exact_mut(2).zip(unit.steps(unit.horizon)) {
                    pair[0] = step.rho * step.reward;
                    pair[1] = step.rho;
                }
            },
        )
    }

    fn finish(&self, means: &[f64]) -> f64 {
        means
            .chunks_exact(2)
            .map(|pair| ratio(pair[0], pair[1]))
            .sum()
    }
}
