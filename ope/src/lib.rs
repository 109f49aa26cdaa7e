//! Off-policy evaluation that knows only columns.
//!
//! A log is a table of decisions, one row per decision, grouped into *units*
//! (a user's days, in age order; or, for a log of independent decisions, one row
//! per unit). The estimators read a few columns of it ([`Columns`]): the
//! behaviour's propensity of the logged action, the target policy's probability of
//! that same action, the reward, and where a model was fitted, its predictions.
//! They know nothing of the environment, the agents or the file the log came from.
//!
//! Every estimator reduces the log to a few statistics per unit whose means give the
//! estimate through [`Estimator::finish`]; intervals (bootstrap over units, analytic)
//! and diagnostics are computed from those statistics by shared plumbing.

pub mod bootstrap;
pub mod columns;
pub mod diagnostics;
pub mod error;
pub mod estimator;
pub mod intervals;
pub mod log;
pub mod models;
pub mod per_decision;
pub mod trajectory;

pub use columns::{Columns, Predictions};
pub use error::OpeError;
pub use estimator::{Estimator, UnitStats};
// per-decision, intervals, bootstrap, diagnostics re-exports:
// trajectory, models re-exports:
// log re-exports:
