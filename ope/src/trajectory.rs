//! Per-trajectory estimators: the value of a whole episode per unit.
//!
//! A unit's rows are its time steps `t = 0, 1, …, T_u − 1`; the value is the
//! undiscounted (`γ = 1`) sum of its rewards. With `w_t = target_t / propensity_t`,
//! the cumulative weight is `ρ_t = Π_{s ≤ t} w_s` and `ρ_{−1} = 1`.
//!
//! **Units shorter than the horizon** `H` (the longest unit) are padded with
//! absorbing steps: reward 0, `Q̂ = V̂ = 0`, and the weight carried (`ρ_t = ρ_{T_u−1}`
//! for `t ≥ T_u`). Padding changes nothing for the plain means; for the estimators
//! normalised per time step (WPDIS, WDR) a finished unit keeps counting in the
//! step's denominator with its last weight.

mod fqe;
mod pdis;
mod seq_dr;
mod trajectory_is;
mod wdr;
mod wpdis;

pub use fqe::Fqe;
pub use pdis::Pdis;
pub use seq_dr::SeqDr;
pub use trajectory_is::TrajectoryIs;
pub use wdr::Wdr;
pub use wpdis::Wpdis;

use crate::columns::{Columns, Predictions};
use crate::error::OpeError;
use crate::estimator::{Estimator, UnitStats};
use rayon::prelude::*;

/// The names [`parse_trajectory`] accepts, in the order of [`default_trajectory`].
pub const TRAJECTORY_ESTIMATORS: [&str; 6] =
    ["trajectory-is", "pdis", "wpdis", "seq-dr", "wdr", "fqe"];

/// The per-trajectory estimator named `spec` (one of [`TRAJECTORY_ESTIMATORS`];
/// surrounding blanks are ignored).
pub fn parse_trajectory(spec: &str) -> Result<Box<dyn Estimator>, OpeError> {
    Ok(match spec.trim() {
        "trajectory-is" => Box::new(TrajectoryIs),
        "pdis" => Box::new(Pdis),
        "wpdis" => Box::new(Wpdis),
        "seq-dr" => Box::new(SeqDr),
        "wdr" => Box::new(Wdr),
        "fqe" => Box::new(Fqe),
        other => {
            return Err(OpeError::Parameter(format!(
                "unknown per-trajectory estimator '{other}': expected one of {}",
                TRAJECTORY_ESTIMATORS.join(", ")
            )));
        }
    })
}

/// Every per-trajectory estimator. Those that need a value model (`seq-dr`, `wdr`,
/// `fqe`) answer [`OpeError::Unavailable`] on columns without one.
pub fn default_trajectory() -> Vec<Box<dyn Estimator>> {
    vec![
        Box::new(TrajectoryIs),
        Box::new(Pdis),
        Box::new(Wpdis),
        Box::new(SeqDr),
        Box::new(Wdr),
        Box::new(Fqe),
    ]
}

/// One unit as the estimators see it: its rows' weights, rewards and, where there
/// is one, the value model's predictions (empty slices where there is none).
struct Unit<'a> {
    /// The longest unit's length, `H`.
    horizon: usize,
    weight: &'a [f64],
    reward: &'a [f64],
    q_logged: &'a [f64],
    v_target: &'a [f64],
}

/// One time step of a unit.
struct Step {
    /// `ρ_{t−1}`, the cumulative weight before the step (1 at the first).
    rho_before: f64,
    /// `ρ_t`, the cumulative weight up to and including the step.
    rho: f64,
    /// `r_t`.
    reward: f64,
    /// `Q̂_t`, 0 without a value model.
    q: f64,
    /// `V̂_t`, 0 without a value model.
    v: f64,
}

impl Unit<'_> {
    /// The unit's first `horizon` steps, padded past its end with absorbing steps
    /// (reward 0, `Q̂ = V̂ = 0`, weight carried).
    fn steps(&self, horizon: usize) -> impl Iterator<Item = Step> + '_ {
        let mut rho = 1.0;
        (0..horizon).map(move |t| {
            let rho_before = rho;
            match self.weight.get(t) {
                Some(w) => {
                    rho *= w;
                    Step {
                        rho_before,
                        rho,
                        reward: self.reward[t],
                        q: self.q_logged.get(t).copied().unwrap_or(0.0),
                        v: self.v_target.get(t).copied().unwrap_or(0.0),
                    }
                }
                None => Step {
                    rho_before,
                    rho,
                    reward: 0.0,
                    q: 0.0,
                    v: 0.0,
                },
            }
        })
    }

    /// The number of rows of the unit.
    fn len(&self) -> usize {
        self.reward.len()
    }
}

/// Checks `columns` and fills `k(H)` statistics per unit with `fill`, `H` being the
/// horizon (in parallel; each unit's slice is written by one call, so the result
/// does not depend on threads). `value` is the value model, when the estimator
/// reads one.
fn per_unit(
    columns: &Columns,
    k: impl FnOnce(usize) -> usize,
    value: Option<&Predictions>,
    fill: impl Fn(&Unit, &mut [f64]) + Sync,
) -> Result<UnitStats, OpeError> {
    columns.check()?;
    let horizon = columns.horizon();
    let k = k(horizon);
    let weight = columns.weights();
    let mut stats = UnitStats::zeros(columns.units(), k);
    stats
        .values
        .par_chunks_mut(k)
        .enumerate()
        .for_each(|(u, out)| {
            let rows = columns.unit(u);
            let (q_logged, v_target) = match value {
                Some(p) => (&p.logged[rows.clone()], &p.target[rows.clone()]),
                None => (&[][..], &[][..]),
            };
            let unit = Unit {
                horizon,
                weight: &weight[rows.clone()],
                reward: &columns.reward[rows],
                q_logged,
                v_target,
            };
            fill(&unit, out);
        });
    Ok(stats)
}

/// The value model of `columns`, or why `estimator` cannot run without one.
fn value_model<'a>(estimator: &str, columns: &'a Columns) -> Result<&'a Predictions, OpeError> {
    columns
        .value_model
        .as_ref()
        .ok_or_else(|| OpeError::Unavailable {
            estimator: estimator.into(),
            why: "needs a value model: give features and the target's probabilities of every \
              action, or the columns of a value model's predictions (Q̂ of the logged action \
              and V̂ under the target)"
                .into(),
        })
}

/// `numerator / denominator`, and 0 when the denominator is 0 (no weight at that
/// step: the numerator is then 0 too, weights being non-negative).
fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}
