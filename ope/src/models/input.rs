//! What the models are fitted on.

use crate::columns::check_starts;
use crate::error::OpeError;

/// The log's columns a model is fitted on, one entry per row (rows grouped by unit
/// as in [`Columns`](crate::Columns): row `i` of a unit is its time step `i`).
#[derive(Debug, Clone, Copy)]
pub struct ModelInput<'a> {
    /// `rows × dim` features, row-major.
    pub features: &'a [f32],
    /// Number of features per row.
    pub dim: usize,
    /// The logged action of each row, below `n_actions`.
    pub actions: &'a [u32],
    /// Number of actions.
    pub n_actions: usize,
    /// `rows × n_actions` probabilities of every action under the target, row-major;
    /// each row sums to 1.
    pub target_probs: &'a [f64],
    /// The reward of each row.
    pub reward: &'a [f64],
    /// `starts[u]`: the first row of unit `u`; the last entry is the number of rows.
    pub starts: &'a [usize],
}

/// How far a row of target probabilities may sum from 1.
const SUM_TOLERANCE: f64 = 1e-6;

impl ModelInput<'_> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.reward.len()
    }

    /// The features of row `i`.
    pub fn features_of(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// The target's probabilities of every action at row `i`.
    pub fn probs_of(&self, i: usize) -> &[f64] {
        &self.target_probs[i * self.n_actions..(i + 1) * self.n_actions]
    }

    /// Checks that the columns fit together: at least one row and one action, equal
    /// lengths, valid unit starts, actions below `n_actions`, every value finite,
    /// target probabilities in [0, 1] summing to 1 per row.
    pub fn check(&self) -> Result<(), OpeError> {
        let n = self.rows();
        if n == 0 || self.n_actions == 0 {
            return Err(OpeError::Columns(
                "a model needs at least one row and one action".into(),
            ));
        }
        for (name, len, want) in [
            ("actions", self.actions.len(), n),
            ("features", self.features.len(), n * self.dim),
            (
                "target probabilities",
                self.target_probs.len(),
                n * self.n_actions,
            ),
        ] {
            if len != want {
                return Err(OpeError::Columns(format!(
                    "model input '{name}' has {len} values, {want} expected for {n} rows"
                )));
            }
        }
        check_starts(self.starts, n)?;
        if let Some(i) = self
            .actions
            .iter()
            .position(|&a| a as usize >= self.n_actions)
        {
            return Err(OpeError::Columns(format!(
                "row {i}: action {} is not below the number of actions {}",
                self.actions[i], self.n_actions
            )));
        }
        if let Some(i) = self.reward.iter().position(|r| !r.is_finite()) {
            return Err(OpeError::Columns(format!(
                "row {i}: reward {} is not finite",
                self.reward[i]
            )));
        }
        if let Some(j) = self.features.iter().position(|x| !x.is_finite()) {
            return Err(OpeError::Columns(format!(
                "row {}: feature {} is {}, not finite",
                j / self.dim,
                j % self.dim,
                self.features[j]
            )));
        }
        for i in 0..n {
            let probs = self.probs_of(i);
            if let Some(a) = probs.iter().position(|p| !(0.0..=1.0).contains(p)) {
                return Err(OpeError::Columns(format!(
                    "row {i}: the target's probability {} of action {a} is outside [0, 1]",
                    probs[a]
                )));
            }
            let sum: f64 = probs.iter().sum();
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(OpeError::Columns(format!(
                    "row {i}: the target's probabilities sum to {sum}, not 1"
                )));
            }
        }
        Ok(())
    }
}
