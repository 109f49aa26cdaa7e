//! Rule schedules written in RON: the first rule whose conditions all hold picks
//! the action, else the default. Conditions compare named observation features,
//! plus `day` (days since signup), with a value. An action is a joint action's name,
//! a lever, levers of different kinds joined by `+` in any order (kinds not named
//! get none), or `nothing` (see [`onboard_envs::find_action`]).
//!
//! ```ron
//! RuleSchedule(
//!     name: "welcome-then-email",
//!     default: "recs",
//!     rules: [
//!         (when: [(feature: "day", is: Eq, value: 0.0)], then: "coupon"),
//!         (when: [(feature: "day", is: Eq, value: 2.0), (feature: "has_purchased", is: Eq, value: 0.0)],
//!          then: "email+recs"),
//!     ],
//! )
//! ```

use crate::error::AgentError;
use crate::options::resolve;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, deterministic_probabilities};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};
use onboard_envs::ObservationLayout;
use serde::{Deserialize, Serialize};

/// A schedule as written in RON, with feature and action names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSchedule {
    /// Name for tables and plots.
    pub name: String,
    /// Action taken when no rule applies (a lever, levers joined by `+`, or `nothing`).
    pub default: String,
    /// Rules, tried in order.
    pub rules: Vec<Rule>,
}

/// Take `then` when every condition of `when` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Conditions, all of which must hold.
    pub when: Vec<Condition>,
    /// The action (a lever, levers joined by `+`, or `nothing`).
    pub then: String,
}

/// `feature is value`, e.g. `(feature: "visits", is: Lt, value: 2.0)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// An observation feature name, or `day`.
    pub feature: String,
    /// How the feature compares with the value.
    pub is: Comparison,
    /// The value compared with.
    pub value: f64,
}

/// A comparison of a feature with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// Equal (within 1e-6).
    Eq,
    /// Not equal.
    Ne,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
}

impl Comparison {
    fn holds(self, x: f64, value: f64) -> bool {
        let equal = (x - value).abs() < 1e-6;
        match self {
            Comparison::Eq => equal,
            Comparison::Ne => !equal,
            Comparison::Lt => x < value && !equal,
            Comparison::Le => x < value || equal,
            Comparison::Gt => x > value && !equal,
            Comparison::Ge => x > value || equal,
        }
    }
}

/// Where a condition reads its number.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum Source {
    Feature(usize),
    Day,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CompiledRule {
    conditions: Vec<(Source, Comparison, f64)>,
    action: usize,
}

/// A [`RuleSchedule`] resolved against a scenario's features and actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RulePolicy {
    name: String,
    default: usize,
    rules: Vec<CompiledRule>,
    n_actions: usize,
    /// Width of the observation rows the feature indices point into.
    features: usize,
    horizon: f64,
}

impl RulePolicy {
    /// Resolves the names of `schedule` against `layout` and `actions` (the
    /// scenario's joint action names), reporting the first unknown name by its path.
    pub fn new(
        schedule: &RuleSchedule,
        layout: &ObservationLayout,
        actions: &[String],
    ) -> Result<Self, AgentError> {
        let action = |path: String, name: &str| resolve(actions, name, path, "action");
        let mut rules = Vec::with_capacity(schedule.rules.len());
        for (i, rule) in schedule.rules.iter().enumerate() {
            let mut conditions = Vec::with_capacity(rule.when.len());
            for (j, condition) in rule.when.iter().enumerate() {
                let source = match condition.feature.as_str() {
                    "day" => Source::Day,
                    name => {
                        Source::Feature(layout.index(name).ok_or_else(|| AgentError::Invalid {
                            path: format!("rules[{i}].when[{j}].feature"),
                            rule: format!(
                                "unknown feature '{name}' (features: day, {})",
                                layout.names().join(", ")
                            ),
                        })?)
                    }
                };
                conditions.push((source, condition.is, condition.value));
            }
            rules.push(CompiledRule {
                conditions,
                action: action(format!("rules[{i}].then"), &rule.then)?,
            });
        }
        Ok(Self {
            name: schedule.name.clone(),
            default: action("default".to_string(), &schedule.default)?,
            rules,
            n_actions: actions.len(),
            features: layout.len(),
            horizon: f64::from(layout.horizon()),
        })
    }

    /// The schedule's action for one observation row.
    pub fn choose(&self, observation: ArrayView1<'_, f32>) -> usize {
        let read = |source: Source| match source {
            Source::Feature(i) => f64::from(observation[i]),
            // The age feature is age / horizon.
            Source::Day => (f64::from(observation[0]) * self.horizon).round(),
        };
        self.rules
            .iter()
            .find(|rule| {
                rule.conditions
                    .iter()
                    .all(|&(source, is, value)| is.holds(read(source), value))
            })
            .map_or(self.default, |rule| rule.action)
    }
}

impl Policy for RulePolicy {
    fn name(&self) -> &str {
        &self.name
    }

    fn n_actions(&self) -> usize {
        self.n_actions
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        deterministic_probabilities(self, observations, probabilities);
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        for (row, action) in observations.rows().into_iter().zip(actions.iter_mut()) {
            *action = self.choose(row);
        }
    }
}

/// A baseline learns nothing: it can stand wherever a learner is expected.
impl Learner for RulePolicy {
    fn observe(&mut self, _experience: &Experience<'_>) {}

    /// Already deterministic: a copy.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(self.clone())
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::Rules(self.clone()), decisions)
    }

    fn features(&self) -> Option<usize> {
        Some(self.features)
    }
}

impl AgentKind for RulePolicy {
    type Config = RuleSchedule;
    const KIND: &'static str = "rules";
    const LEARNS: bool = false;

    fn validate(_config: &Self::Config) -> Result<(), AgentError> {
        Ok(())
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(config, context.layout, context.options)
    }
}
