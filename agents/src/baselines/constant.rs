//! The constant baseline: the same action for every user on every day.

use crate::error::AgentError;
use crate::options::resolve;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, one_hot};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};

/// Always pulls one lever (for example "nothing", the usual control arm).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConstantPolicy {
    name: String,
    action: usize,
    n_actions: usize,
}

impl ConstantPolicy {
    /// A policy that always takes `action` (of `n_actions`), shown as `name`.
    pub fn new(name: impl Into<String>, action: usize, n_actions: usize) -> Self {
        Self {
            name: name.into(),
            action,
            n_actions,
        }
    }
}

impl Policy for ConstantPolicy {
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
        one_hot(&vec![self.action; observations.nrows()], probabilities);
    }

    fn act(&mut self, _observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        actions.fill(self.action);
    }
}

/// A baseline learns nothing: it can stand wherever a learner is expected.
impl Learner for ConstantPolicy {
    fn observe(&mut self, _experience: &Experience<'_>) {}

    /// Already deterministic: a copy.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(self.clone())
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::Constant(self.clone()), decisions)
    }
}

/// The hyperparameter of a constant policy: `Constant(action: "email+recs")`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstantConfig {
    /// The option: a joint action (a lever, levers joined by `+`, or `nothing`), or a
    /// journey template's name.
    pub action: String,
}

impl AgentKind for ConstantPolicy {
    type Config = ConstantConfig;
    const KIND: &'static str = "constant";
    const LEARNS: bool = false;

    fn validate(_config: &Self::Config) -> Result<(), AgentError> {
        Ok(())
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        let index = resolve(
            context.options,
            &config.action,
            "action".to_string(),
            "option",
        )?;
        Ok(Self::new(
            config.action.clone(),
            index,
            context.options.len(),
        ))
    }
}
