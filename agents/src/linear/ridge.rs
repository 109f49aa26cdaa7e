//! Per-arm ridge regression, the statistics both linear bandits learn, and what
//! they share: contexts from observation rows, the Cholesky factor, the checks.
//!
//! For one arm with contexts `x` and rewards `r` seen so far, `A = λI + Σ x xᵀ` and
//! `b = Σ r x`; the estimate is `θ̂ = A⁻¹ b`. Only `A⁻¹` is stored, updated by
//! Sherman–Morrison in `O(d²)` per observation.

use crate::checks::{check_n_actions, check_positive};
use crate::error::AgentError;
use crate::policy::Experience;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use serde::{Deserialize, Serialize};

/// Ridge-regression statistics of one arm: `A⁻¹`, `b` and `θ̂ = A⁻¹ b`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ridge {
    inverse: Array2<f64>,
    b: Array1<f64>,
    theta: Array1<f64>,
    /// `A⁻¹x` during an update.
    scratch: Array1<f64>,
}

impl Ridge {
    /// The first of `A⁻¹`, `b` and `θ̂` with a NaN or infinite entry, if any.
    pub fn non_finite(&self) -> Option<String> {
        crate::first_non_finite("A⁻¹", self.inverse.iter())
            .or_else(|| crate::first_non_finite("b", self.b.iter()))
            .or_else(|| crate::first_non_finite("θ̂", self.theta.iter()))
    }

    /// No observations yet: `A = λI` in dimension `dimension`, `b = 0`. `lambda`
    /// must be finite and positive (the error names it `regularization`).
    pub fn new(dimension: usize, lambda: f64) -> Result<Self, AgentError> {
        check_positive("regularization", lambda)?;
        Ok(Self {
            inverse: Array2::eye(dimension) / lambda,
            b: Array1::zeros(dimension),
            theta: Array1::zeros(dimension),
            scratch: Array1::zeros(dimension),
        })
    }

    /// Adds the observation `(x, reward)`: `A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x)`
    /// (Sherman–Morrison for `A ← A + x xᵀ`), `b ← b + r x`, `θ̂ ← A⁻¹ b`.
    ///
    /// The rank-one term is subtracted as `w wᵀ` with `w = A⁻¹x / sqrt(1 + xᵀA⁻¹x)`,
    /// so `A⁻¹` stays exactly symmetric in floating point.
    ///
    /// # Panics
    /// If `x` does not have the dimension of the statistics.
    pub fn update(&mut self, x: ArrayView1<'_, f64>, reward: f64) {
        assert_eq!(x.len(), self.b.len(), "context dimension");
        for (u, row) in self.scratch.iter_mut().zip(self.inverse.rows()) {
            *u = row.dot(&x);
        }
        let norm = (1.0 + x.dot(&self.scratch)).sqrt();
        self.scratch /= norm;
        for (mut row, &w) in self.inverse.rows_mut().into_iter().zip(&self.scratch) {
            row.scaled_add(-w, &self.scratch);
        }
        self.b.scaled_add(reward, &x);
        for (t, row) in self.theta.iter_mut().zip(self.inverse.rows()) {
            *t = row.dot(&self.b);
        }
    }

    /// `A⁻¹`, symmetric positive definite.
    pub fn inverse(&self) -> ArrayView2<'_, f64> {
        self.inverse.view()
    }

    /// `b = Σ r x`.
    pub fn b(&self) -> ArrayView1<'_, f64> {
        self.b.view()
    }

    /// The ridge estimate `θ̂ = A⁻¹ b`.
    pub fn theta(&self) -> ArrayView1<'_, f64> {
        self.theta.view()
    }

    /// The predicted reward `θ̂ᵀx`.
    pub fn mean(&self, x: ArrayView1<'_, f64>) -> f64 {
        self.theta.dot(&x)
    }

    /// `sqrt(xᵀA⁻¹x)`: the width of the confidence ellipsoid along `x`, and the
    /// posterior standard deviation of `θᵀx` per unit of noise.
    pub fn width(&self, x: ArrayView1<'_, f64>) -> f64 {
        let quadratic: f64 = self
            .inverse
            .rows()
            .into_iter()
            .zip(&x)
            .map(|(row, &xi)| xi * row.dot(&x))
            .sum();
        quadratic.max(0.0).sqrt()
    }
}

/// The lower-triangular Cholesky factor `L` of a symmetric positive
/// semi-definite matrix `M`, `L·Lᵀ = M`. A pivot that is not positive (a
/// singular direction, or round-off on one) leaves its column zero, so `L·Lᵀ`
/// is still a covariance.
///
/// # Panics
/// If `matrix` is not square.
pub fn cholesky(matrix: ArrayView2<'_, f64>) -> Array2<f64> {
    let n = matrix.nrows();
    assert_eq!(matrix.ncols(), n, "cholesky of a non-square matrix");
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let head = l.slice(s![j, ..j]).to_owned();
        let pivot: f64 = matrix[[j, j]] - head.dot(&head);
        if pivot <= 0.0 {
            continue;
        }
        let diagonal = pivot.sqrt();
        l[[j, j]] = diagonal;
        for i in j + 1..n {
            let dot = l.slice(s![i, ..j]).dot(&head);
            l[[i, j]] = (matrix[[i, j]] - dot) / diagonal;
        }
    }
    l
}

/// `n_actions` arms with no observations over contexts of `n_features + 1` entries.
pub(crate) fn new_arms(
    n_actions: usize,
    n_features: usize,
    lambda: f64,
) -> Result<Vec<Ridge>, AgentError> {
    check_n_actions(n_actions)?;
    Ok(vec![Ridge::new(n_features + 1, lambda)?; n_actions])
}

/// The contexts of observation rows: the features as `f64`, then the bias 1.
///
/// # Panics
/// If the rows do not have `n_features` features.
pub(crate) fn contexts(observations: ArrayView2<'_, f32>, n_features: usize) -> Array2<f64> {
    assert_eq!(observations.ncols(), n_features, "observation width");
    Array2::from_shape_fn((observations.nrows(), n_features + 1), |(i, j)| {
        if j < n_features {
            f64::from(observations[[i, j]])
        } else {
            1.0
        }
    })
}

/// Updates the arm played in every row with its reward, skipping rows whose
/// reward or features are not finite. Each row is one bandit round: the next
/// observations and episode ends are not used. Returns which arms changed.
pub(crate) fn learn(
    arms: &mut [Ridge],
    n_features: usize,
    experience: &Experience<'_>,
) -> Vec<bool> {
    let contexts = contexts(experience.observations, n_features);
    let mut changed = vec![false; arms.len()];
    for ((x, &action), &reward) in contexts
        .rows()
        .into_iter()
        .zip(experience.actions)
        .zip(experience.rewards)
    {
        if reward.is_finite() && x.iter().all(|v| v.is_finite()) {
            arms[action].update(x, reward);
            changed[action] = true;
        }
    }
    changed
}
