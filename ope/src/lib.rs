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

pub use bootstrap::{
    BootstrapConfig, bootstrap_intervals, bootstrap_replicates, min_replicates, percentile_interval,
};
pub use columns::{Columns, FoldPredictions, Predictions};
pub use diagnostics::{
    WeightDiagnostics, trajectory_ess, unsupported_mass, warnings, weight_diagnostics,
};
pub use error::OpeError;
pub use estimator::{Estimator, UnitStats};
pub use intervals::{
    DEFAULT_LEVEL, Interval, Linearised, Method, interval, linearise, model_interval,
};
pub use log::{ColumnMap, Log, LogBuilder, LogError, LogRow, LogWriter, ReadOptions, read_log};
pub use models::{ModelConfig, ModelInput, reward_model, value_model};
pub use per_decision::{
    DirectMethod, DoublyRobust, DoublyRobustWithShrinkage, InverseProbabilityWeighting,
    PerDecisionEstimator, SelfNormalizedDoublyRobust, SelfNormalizedInverseProbabilityWeighting,
    SubGaussianDoublyRobust, SubGaussianInverseProbabilityWeighting, SwitchDoublyRobust,
    default_per_decision, evaluate_per_decision, parse_per_decision,
};
pub use trajectory::{
    Fqe, Pdis, SeqDr, TRAJECTORY_ESTIMATORS, TrajectoryIs, Wdr, Wpdis, default_trajectory,
    parse_trajectory,
};
