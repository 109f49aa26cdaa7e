//! Per-decision estimators by name, and the default set.
//!
//! The default hyperparameters bound every row's weight by about 10, so the default
//! set compares five ways of taming the same tail: `clipped-ips(λ=10)` caps `w` at
//! 10; `switch-dr(λ=10)` hands the rows with `w > 10` to the model; `dr-os(λ=400)`
//! shrinks `w` to at most `√400 / 2 = 10` (weights up to about 6 lose less than
//! 10 %); `sg-ips(λ=0.1)` and `sg-dr(λ=0.1)` keep `ŵ < 1/λ = 10`. A weight of 10
//! means the target is ten times likelier than the behaviour to take the logged
//! action: beyond that a handful of rows start to dominate a log of thousands. OBP's
//! own defaults (`λ = ∞` for clipping and switching, `λ = 0` for DR-OS and the
//! sub-Gaussian ones) reduce these estimators to IPS, DR or DM, which the set holds
//! already.

use super::{
    DirectMethod, DoublyRobust, DoublyRobustWithShrinkage, InverseProbabilityWeighting,
    PerDecisionEstimator, SelfNormalizedDoublyRobust, SelfNormalizedInverseProbabilityWeighting,
    SubGaussianDoublyRobust, SubGaussianInverseProbabilityWeighting, SwitchDoublyRobust,
};
use crate::error::OpeError;

/// Default maximum weight of `clipped-ips`.
pub const DEFAULT_CLIP: f64 = 10.0;
/// Default switching threshold of `switch-dr`.
pub const DEFAULT_SWITCH: f64 = 10.0;
/// Default shrinkage of `dr-os`.
pub const DEFAULT_SHRINKAGE: f64 = 400.0;
/// Default `λ` of `sg-ips` and `sg-dr`.
pub const DEFAULT_SUB_GAUSSIAN: f64 = 0.1;

/// The specs [`parse_per_decision`] knows, as its errors list them.
const KNOWN: &str = "dm, ips, clipped-ips[:λ], snips, dr[:λ], sndr, switch-dr[:λ], dr-os[:λ], sg-ips[:λ], sg-dr[:λ]";

/// Parses a per-decision estimator from `name` or `name:λ`: `dm`, `ips`,
/// `clipped-ips[:λ]` (λ in [0, ∞], default [`DEFAULT_CLIP`]), `snips`, `dr[:λ]`
/// (clipping, λ in [0, ∞], default ∞), `sndr`, `switch-dr[:λ]` (λ in [0, ∞], default
/// [`DEFAULT_SWITCH`]), `dr-os[:λ]` (λ in [0, ∞], default [`DEFAULT_SHRINKAGE`]),
/// `sg-ips[:λ]` and `sg-dr[:λ]` (λ in [0, 1], default [`DEFAULT_SUB_GAUSSIAN`]).
/// `λ` may be `inf`.
pub fn parse_per_decision(spec: &str) -> Result<Box<dyn PerDecisionEstimator>, OpeError> {
    let fail = |why: String| OpeError::Parameter(format!("estimator spec '{spec}': {why}"));
    let (name, lambda) = match spec.trim().split_once(':') {
        Some((name, lambda)) => {
            let value = lambda.trim().parse::<f64>().map_err(|_| {
                fail(format!(
                    "λ '{}' is not a number (give a value in the estimator's range, or inf)",
                    lambda.trim()
                ))
            })?;
            (name.trim(), Some(value))
        }
        None => (spec.trim(), None),
    };
    let no_lambda = |estimator: Box<dyn PerDecisionEstimator>| match lambda {
        Some(_) => Err(fail(format!("{name} takes no λ"))),
        None => Ok(estimator),
    };
    let built: Result<Box<dyn PerDecisionEstimator>, OpeError> = match name {
        "dm" => return no_lambda(Box::new(DirectMethod)),
        "ips" => return no_lambda(Box::<InverseProbabilityWeighting>::default()),
        "snips" => return no_lambda(Box::new(SelfNormalizedInverseProbabilityWeighting)),
        "sndr" => return no_lambda(Box::new(SelfNormalizedDoublyRobust)),
        "clipped-ips" => InverseProbabilityWeighting::clipped(lambda.unwrap_or(DEFAULT_CLIP))
            .map(|e| Box::new(e) as _),
        "dr" => DoublyRobust::clipped(lambda.unwrap_or(f64::INFINITY)).map(|e| Box::new(e) as _),
        "switch-dr" => {
            SwitchDoublyRobust::new(lambda.unwrap_or(DEFAULT_SWITCH)).map(|e| Box::new(e) as _)
        }
        "dr-os" => DoublyRobustWithShrinkage::new(lambda.unwrap_or(DEFAULT_SHRINKAGE))
            .map(|e| Box::new(e) as _),
        "sg-ips" => {
            SubGaussianInverseProbabilityWeighting::new(lambda.unwrap_or(DEFAULT_SUB_GAUSSIAN))
                .map(|e| Box::new(e) as _)
        }
        "sg-dr" => SubGaussianDoublyRobust::new(lambda.unwrap_or(DEFAULT_SUB_GAUSSIAN))
            .map(|e| Box::new(e) as _),
        _ => {
            return Err(fail(format!(
                "unknown per-decision estimator '{name}' (known: {KNOWN})"
            )));
        }
    };
    built.map_err(|e| fail(e.to_string()))
}

/// The specs of the default set, in table order.
pub const DEFAULT_SPECS: [&str; 10] = [
    "dm",
    "ips",
    "clipped-ips",
    "snips",
    "dr",
    "sndr",
    "switch-dr",
    "dr-os",
    "sg-ips",
    "sg-dr",
];

/// The ten per-decision estimators of [`DEFAULT_SPECS`] with the default
/// hyperparameters: `dm`, `ips`, `clipped-ips(λ=10)`, `snips`, `dr`, `sndr`,
/// `switch-dr(λ=10)`, `dr-os(λ=400)`, `sg-ips(λ=0.1)`, `sg-dr(λ=0.1)` (why these, in
/// the module's documentation).
pub fn default_per_decision() -> Vec<Box<dyn PerDecisionEstimator>> {
    DEFAULT_SPECS
        .into_iter()
        .map(|spec| {
            parse_per_decision(spec)
                .unwrap_or_else(|e| unreachable!("the default spec '{spec}' parses: {e}"))
        })
        .collect()
}
