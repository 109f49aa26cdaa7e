//! Why an evaluation could not be computed.

/// An error of the off-policy evaluation crate.
#[derive(Debug, thiserror::Error)]
pub enum OpeError {
    /// The columns do not fit together (lengths, unit boundaries, values).
    #[error("{0}")]
    Columns(String),
    /// An estimator needs something the log does not have (a model's predictions,
    /// trajectories).
    #[error("{estimator}: {why}")]
    Unavailable {
        /// The estimator's name.
        estimator: String,
        /// What it needs, in words.
        why: String,
    },
    /// A hyperparameter or option out of its range.
    #[error("{0}")]
    Parameter(String),
}
