//! Small helpers every agent shares: the greedy choice, ε-greedy probabilities, and
//! configuration checks that name the field they reject.

use crate::error::AgentError;
use ndarray::ArrayViewMut1;
use std::fmt::Display;

/// Index of the largest value, the lowest index on ties; a NaN never wins over a
/// number (0 for no values).
pub(crate) fn argmax<T: PartialOrd>(values: impl IntoIterator<Item = T>) -> usize {
    let mut best: Option<(usize, T)> = None;
    for (i, value) in values.into_iter().enumerate() {
        let unordered = |b: &T| b.partial_cmp(b).is_none();
        if best
            .as_ref()
            .is_none_or(|(_, b)| value > *b || (unordered(b) && !unordered(&value)))
        {
            best = Some((i, value));
        }
    }
    best.map_or(0, |(i, _)| i)
}

/// ε-greedy probabilities around the `greedy` action: `ε/K + (1 − ε)·[a = greedy]`.
pub(crate) fn epsilon_greedy(greedy: usize, epsilon: f64, mut row: ArrayViewMut1<'_, f64>) {
    let k = row.len() as f64;
    row.fill(epsilon / k);
    row[greedy] += 1.0 - epsilon;
}

/// `Ok` when `holds`, else the error `path: rule, got value`.
pub(crate) fn check(
    path: &str,
    holds: bool,
    rule: &str,
    value: impl Display,
) -> Result<(), AgentError> {
    if holds {
        Ok(())
    } else {
        Err(AgentError::Invalid {
            path: path.to_string(),
            rule: format!("{rule}, got {value}"),
        })
    }
}

/// `value` is finite and strictly positive.
pub(crate) fn check_positive(path: &str, value: f64) -> Result<(), AgentError> {
    check(
        path,
        value.is_finite() && value > 0.0,
        "must be finite and above 0",
        value,
    )
}

/// `value` is finite and at least 0.
pub(crate) fn check_non_negative(path: &str, value: f64) -> Result<(), AgentError> {
    check(
        path,
        value.is_finite() && value >= 0.0,
        "must be finite and at least 0",
        value,
    )
}

/// An agent needs at least one action.
pub(crate) fn check_n_actions(n_actions: usize) -> Result<(), AgentError> {
    check("n_actions", n_actions >= 1, "must be at least 1", n_actions)
}
