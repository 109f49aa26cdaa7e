//! The columns of a log that the estimators read.

use crate::error::OpeError;
use std::ops::Range;

/// A model's predictions on every logged row: for the logged action, and the
/// expectation under the target policy (`Σ_a π_e(a|x) q̂(x, a)`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Predictions {
    /// `q̂(x_i, a_i)`, the prediction for the logged action.
    pub logged: Vec<f64>,
    /// `Σ_a π_e(a|x_i) q̂(x_i, a)`, the prediction's expectation under the target.
    pub target: Vec<f64>,
    /// For a cross-fitted value model, what each fold's chain of models predicts
    /// for every unit's first row (a jackknife over folds reads them).
    pub folds: Option<FoldPredictions>,
}

/// What each cross-fitting fold's chain of models says of every unit's first row:
/// chain `c` is fitted without fold `c`'s units, so the chains are the model
/// refitted `K` times on the log with one fold deleted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FoldPredictions {
    /// The number of folds `K`.
    pub count: usize,
    /// The fold of each unit.
    pub of_unit: Vec<usize>,
    /// `first[u * count + c]`: chain `c`'s `V̂_0` of unit `u`'s first row.
    pub first: Vec<f64>,
}

impl FoldPredictions {
    /// The delete-a-fold jackknife (Quenouille, Tukey; grouped as in Efron & Tibshirani
    /// 1993, §11.5) of the mean first-row value: `θ_c`, the mean of chain `c`'s
    /// `V̂_0` over the units outside fold `c`, is the estimate with fold `c` deleted
    /// and the model refitted; the standard error is `√((K − 1)/K · Σ_c (θ_c − θ̄)²)`.
    /// It holds the model's variance as well as the units', not its bias. `None`
    /// with fewer than 2 folds, or a fold that holds every unit.
    pub fn jackknife_standard_error(&self) -> Option<f64> {
        let k = self.count;
        if k < 2 {
            return None;
        }
        let deleted: Option<Vec<f64>> = (0..k)
            .map(|c| {
                let (sum, n) = self
                    .of_unit
                    .iter()
                    .enumerate()
                    .filter(|(_, fold)| **fold != c)
                    .fold((0.0, 0usize), |(sum, n), (u, _)| {
                        (sum + self.first[u * k + c], n + 1)
                    });
                (n > 0).then(|| sum / n as f64)
            })
            .collect();
        let deleted = deleted?;
        let mean = deleted.iter().sum::<f64>() / k as f64;
        let squares: f64 = deleted.iter().map(|d| (d - mean).powi(2)).sum();
        Some(((k as f64 - 1.0) / k as f64 * squares).sqrt())
    }
}

/// What the estimators read of a log, one entry per row.
///
/// Rows are grouped by unit: unit `u` holds rows `starts[u]..starts[u + 1]`, in the
/// order of its decisions (a user's ages 0, 1, …; row `i` of a unit is its time
/// step `i`). A log of independent decisions has one row per unit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Columns {
    /// `starts[u]`: the first row of unit `u`; the last entry is the number of rows.
    pub starts: Vec<usize>,
    /// The behaviour's probability of the logged action, in (0, 1].
    pub propensity: Vec<f64>,
    /// The target's probability of the logged action, in [0, 1].
    pub target: Vec<f64>,
    /// The reward of the decision.
    pub reward: Vec<f64>,
    /// An immediate-reward model's predictions (DM, DR and their variants).
    pub reward_model: Option<Predictions>,
    /// A value model's predictions of the reward to go, `Q̂(x_t, a_t)` and
    /// `V̂(x_t) = Σ_a π_e(a|x_t) Q̂(x_t, a)` (sequential and weighted DR, FQE).
    pub value_model: Option<Predictions>,
}

impl Columns {
    /// Columns of one unit per row: a log of independent decisions.
    pub fn independent(propensity: Vec<f64>, target: Vec<f64>, reward: Vec<f64>) -> Self {
        let starts = (0..=reward.len()).collect();
        Self {
            starts,
            propensity,
            target,
            reward,
            reward_model: None,
            value_model: None,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.reward.len()
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The rows of unit `u`.
    pub fn unit(&self, u: usize) -> Range<usize> {
        self.starts[u]..self.starts[u + 1]
    }

    /// The longest unit, in rows (the horizon of a log of trajectories).
    pub fn horizon(&self) -> usize {
        self.starts
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }

    /// Checks that the columns fit together: [`Columns::check_shape`], then
    /// propensities in (0, 1] and at least the smallest normal number (so that every
    /// importance weight is finite), target probabilities in [0, 1], every value finite.
    /// Readers validate rows with their file and line before building columns; this is
    /// the estimators' own guard.
    pub fn check(&self) -> Result<(), OpeError> {
        self.check_shape()?;
        if let Some(i) = self
            .propensity
            .iter()
            .position(|p| !(*p >= f64::MIN_POSITIVE && *p <= 1.0))
        {
            return Err(OpeError::Columns(format!(
                "row {i}: propensity {:e} is outside [{:e}, 1] (a positive propensity whose \
                 importance weight is finite)",
                self.propensity[i],
                f64::MIN_POSITIVE
            )));
        }
        if let Some(i) = self.target.iter().position(|p| !(0.0..=1.0).contains(p)) {
            return Err(OpeError::Columns(format!(
                "row {i}: target probability {} is outside [0, 1]",
                self.target[i]
            )));
        }
        let mut values = vec![("reward", &self.reward)];
        for (name, model) in [
            ("reward model", &self.reward_model),
            ("value model", &self.value_model),
        ] {
            if let Some(p) = model {
                values.push((name, &p.logged));
                values.push((name, &p.target));
            }
        }
        for (name, column) in values {
            if let Some(i) = column.iter().position(|v| !v.is_finite()) {
                return Err(OpeError::Columns(format!(
                    "row {i}: {name} value {} is not finite",
                    column[i]
                )));
            }
        }
        Ok(())
    }

    /// Checks the shape alone: at least one row, equal lengths, unit starts from 0 to
    /// the row count and increasing. For passes that check the values themselves, a
    /// chunk at a time, and call [`Columns::check`] for the error when one fails.
    pub fn check_shape(&self) -> Result<(), OpeError> {
        let n = self.rows();
        if n == 0 {
            return Err(OpeError::Columns(
                "the log has no rows: there is nothing to estimate from".into(),
            ));
        }
        let mut lengths = vec![
            ("propensity", self.propensity.len()),
            ("target", self.target.len()),
        ];
        for (name, model) in [
            ("reward model", &self.reward_model),
            ("value model", &self.value_model),
        ] {
            if let Some(p) = model {
                lengths.push((name, p.logged.len()));
                lengths.push((name, p.target.len()));
            }
        }
        if let Some((name, len)) = lengths.iter().find(|(_, len)| *len != n) {
            return Err(OpeError::Columns(format!(
                "column '{name}' has {len} rows, the rewards {n}"
            )));
        }
        check_starts(&self.starts, n)
    }

    /// The importance weight of each row, `target / propensity`.
    pub fn weights(&self) -> Vec<f64> {
        self.target
            .iter()
            .zip(&self.propensity)
            .map(|(t, p)| t / p)
            .collect()
    }
}

/// Checks unit starts for `rows` rows: rising from 0 to `rows`, each unit non-empty.
pub fn check_starts(starts: &[usize], rows: usize) -> Result<(), OpeError> {
    if starts.first() != Some(&0)
        || starts.last() != Some(&rows)
        || starts.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(OpeError::Columns(
            "unit starts must rise from 0 to the number of rows, each unit non-empty".into(),
        ));
    }
    Ok(())
}
