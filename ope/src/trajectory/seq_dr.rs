//! Sequential doubly robust.

use super::{per_unit, value_model};
use crate::columns::Columns;
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};

/// Sequential doubly robust (Jiang & Li 2016), `γ = 1`: the mean over units of
/// `Σ_t [ρ_t (r_t − Q̂_t) + ρ_{t−1} V̂_t]`, with `ρ_{−1} = 1`, `Q̂_t` the value
/// model's reward to go of the logged action and `V̂_t` its expectation under the
/// target.
///
/// Unbiased under the assumptions of [`Pdis`](super::Pdis) whatever the value
/// model, provided the model was not fitted on the unit it predicts (cross-fitting);
/// exact when the model is exact and the transitions and rewards are deterministic.
/// Its variance falls as the model improves. Prefer it when a value model is at hand
/// and an unbiased estimate matters; [`Wdr`](super::Wdr) trades a small bias for a
/// lower variance.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeqDr;

impl Estimator for SeqDr {
    fn name(&self) -> String {
        "seq-dr".into()
    }

    fn unit_stats(&self, columns: &Columns) -> Result<UnitStats, OpeError> {
        let value = value_model(&self.name(), columns)?;
        per_unit(
            columns,
            |_| 1,
            Some(value),
            |unit, out| {
                out[0] = unit
                    .steps(unit.len())
                    .map(|s| s.rho * (s.reward - s.q) + s.rho_before * s.v)
                    .sum();
            },
        )
    }

    fn finish(&self, means: &[f64]) -> f64 {
        means[0]
    }
}
