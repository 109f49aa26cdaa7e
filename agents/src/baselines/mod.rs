//! Baselines: policies that do not learn.

mod constant;
mod random;
mod rules;

pub use constant::{ConstantConfig, ConstantPolicy};
pub use random::RandomPolicy;
pub use rules::{Comparison, Condition, Rule, RulePolicy, RuleSchedule};
