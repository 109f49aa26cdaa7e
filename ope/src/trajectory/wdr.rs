//! Weighted doubly robust.

use super::{per_unit, ratio, value_model};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Weighted doubly robust (Thomas & Brunskill 2016), `γ = 1`:
/// `Σ_t [Σ_u w_{u,t} (r_{u,t} − Q̂_{u,t}) + Σ_u w_{u,t−1} V̂_{u,t}]`, with the
/// weights normalised per step, `w_{u,t} = ρ_{u,t} / Σ_{u'} ρ_{u',t}`, and
/// `w_{u,−1} = 1/n`.
///
/// Per-unit statistics, for each step `t < H`: `ρ_t (r_t − Q̂_t)`, `ρ_{t−1} V̂_t` and
/// `ρ_t` (`3H` values, the triple of step `t` at `3t`…`3t + 2`); a unit past its end
/// carries its last weight with a zero reward and `Q̂ = V̂ = 0`. A ratio over a step
/// with no weight anywhere is 0.
///
/// Biased for a finite number of units but consistent under the assumptions of
/// [`Pdis`](super::Pdis), and exact under the conditions that make
/// [`SeqDr`](super::SeqDr) exact; its variance is usually the lowest of the
/// importance-weighted estimators. Prefer it with a value model when the weights are
/// heavy-tailed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wdr;

impl Estimator for Wdr {
    fn name(&self) -> String {
        "wdr".into()
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        let value = value_model(&self.name(), columns)?;
        per_unit(
            columns,
            |horizon| 3 * horizon,
            Some(value),
            |unit, out| {
                for (triple, s) in out.chunks_exact_mut(3).zip(unit.steps(unit.horizon)) {
                    triple[0] = s.rho * (s.reward - s.q);
                    triple[1] = s.rho_before * s.v;
                    triple[2] = s.rho;
                }
            },
        )
    }

    fn finish(&self, means: &[f64]) -> f64 {
        let mut before = 1.0;
        let mut total = 0.0;
        for triple in means.chunks_exact(3) {
            total += ratio(triple[0], triple[2]) + ratio(triple[1], before);
            before = triple[2];
        }
        total
    }
}
