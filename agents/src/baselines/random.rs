//! The uniformly random baseline.

use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, Sampler};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};

/// Pulls every lever with the same probability.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RandomPolicy {
    n_actions: usize,
    sampler: Sampler,
}

impl RandomPolicy {
    /// A uniform policy over `n_actions`, sampling with a generator seeded by `seed`.
    pub fn new(n_actions: usize, seed: u64) -> Self {
        Self {
            n_actions,
            sampler: Sampler::new(seed),
        }
    }
}

impl Policy for RandomPolicy {
    fn name(&self) -> &str {
        "random"
    }

    fn n_actions(&self) -> usize {
        self.n_actions
    }

    fn probabilities(
        &mut self,
        _observations: ArrayView2<'_, f32>,
        mut probabilities: ArrayViewMut2<'_, f64>,
    ) {
        probabilities.fill(1.0 / self.n_actions as f64);
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        self.sampler
            .buffer(observations.nrows(), self.n_actions)
            .fill(1.0 / self.n_actions as f64);
        self.sampler.sample(actions);
    }
}

/// A baseline learns nothing: it can stand wherever a learner is expected.
impl Learner for RandomPolicy {
    fn observe(&mut self, _experience: &Experience<'_>) {}

    /// Stays random: a copy, continuing from the same generator state.
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(self.clone())
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::Random(self.clone()), decisions)
    }
}

impl AgentKind for RandomPolicy {
    type Config = ();
    const KIND: &'static str = "random";
    const LEARNS: bool = false;

    fn validate(_config: &Self::Config) -> Result<(), AgentError> {
        Ok(())
    }

    fn build(_config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Ok(Self::new(context.options.len(), context.seed))
    }
}
