//! Reward and value models fitted on a log, cross-fitted by unit.
//!
//! Both models are linear: per action, a ridge regression on the features plus an
//! unpenalised intercept, `q̂(x, a) = b_a + β_aᵀ x`, solving
//! `(XᵀX + λI) β = Xᵀy` on centred features from sufficient statistics accumulated
//! in one pass. The penalty `λ` ([`ModelConfig::ridge`]) is on the *sum* of squared
//! errors, so it fades as an action's rows grow and only shrinks the slopes of
//! actions with few rows (towards that action's mean, the intercept being free).
//!
//! **Cross-fitting.** Unit `u` falls in fold `u mod K`; the predictions for a unit's
//! rows come from the models fitted on the other `K − 1` folds, so a unit's
//! predictions never depend on its own rewards (which keeps the doubly robust
//! estimators unbiased). `K = 1` fits and predicts on every unit. More folds than
//! units is the same as one fold per unit (leave one unit out).
//!
//! **Actions without rows.** An action with no row in a model's training folds
//! predicts the training mean of the target over every action; with no training row
//! at all (a step that only the held-out units reach), the model predicts 0.

mod crossfit;
mod fqe;
mod input;
mod ridge;

pub use input::ModelInput;

use crate::columns::Predictions;
use crate::error::OpeError;
use crossfit::{Design, Folds, fit_stage, map_rows};

/// How the models are fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelConfig {
    /// The ridge penalty `λ` on the slopes (not the intercept), on the sum of squared
    /// errors; finite and > 0 (it keeps every system positive definite, even with
    /// constant or collinear features). Default 1.0: with features of unit scale, it
    /// weighs like one extra row at the action's mean.
    pub ridge: f64,
    /// The number of cross-fitting folds `K`, at least 1 (1: no cross-fitting).
    /// Default 5.
    pub folds: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            ridge: 1.0,
            folds: 5,
        }
    }
}

impl ModelConfig {
    /// Checks the options, naming the one out of range.
    pub fn check(&self) -> Result<(), OpeError> {
        if !(self.ridge.is_finite() && self.ridge > 0.0) {
            return Err(OpeError::Parameter(format!(
                "model option 'ridge' must be a finite number > 0, got {}",
                self.ridge
            )));
        }
        if self.folds == 0 {
            return Err(OpeError::Parameter(
                "model option 'folds' must be at least 1, got 0".into(),
            ));
        }
        Ok(())
    }
}

/// The immediate-reward model `q̂(x, a)`, fitted on every row (whatever its time
/// step): `logged[i] = q̂(x_i, a_i)`, `target[i] = Σ_a π_e(a|x_i) q̂(x_i, a)`.
pub fn reward_model(input: &ModelInput, config: &ModelConfig) -> Result<Predictions, OpeError> {
    config.check()?;
    input.check()?;
    let design = Design::new(input);
    let folds = Folds::new(input.starts, config.folds);
    let rows: Vec<usize> = (0..input.rows()).collect();
    let stage = fit_stage(&design, &folds, &rows, |_, i| input.reward[i], config.ridge)?;
    let out = map_rows(&design, &rows, 2, |i, x, out| {
        let (logged, target) = stage.predict(&design, folds.of_row(i), i, x);
        out[0] = logged;
        out[1] = target;
    });
    Ok(Predictions {
        logged: out.iter().step_by(2).copied().collect(),
        target: out.iter().skip(1).step_by(2).copied().collect(),
        folds: None,
    })
}

/// The value model by fitted Q evaluation over the finite horizon `H` (the longest
/// unit), by backward induction: `Q̂_H = 0`, and for `t = H − 1, …, 0`, `Q̂_t` is
/// fitted on the rows at step `t` with the target `r_t + V̂_{t+1}(x_{t+1})` (0 after
/// a unit's last row), `V̂_t(x) = Σ_a π_e(a|x) Q̂_t(x, a)`. Each fold's chain of
/// models is fitted on the other folds only. `logged[i] = Q̂_t(x_i, a_i)`,
/// `target[i] = V̂_t(x_i)`, `t` being row `i`'s step.
pub fn value_model(input: &ModelInput, config: &ModelConfig) -> Result<Predictions, OpeError> {
    config.check()?;
    input.check()?;
    fqe::fit(
        &Design::new(input),
        &Folds::new(input.starts, config.folds),
        config.ridge,
    )
}
