//! DQN frozen: greedy on the online network's Q-values, from a copy of what acting
//! needs (the architecture, the weights, the scaling of the inputs), not
//! of what learning needs (the replay buffer, the target network, Adam).

use super::Dqn;
use super::network::{Architecture, Forward};
use crate::baselines::RulePolicy;
use crate::policy::{Policy, one_hot};
use ndarray::{ArrayView2, ArrayViewMut2};
use tch::{Device, Tensor};

impl Dqn {
    /// The online network's forward pass.
    pub(super) fn forward(&self) -> Forward<'_> {
        Forward {
            architecture: &self.architecture,
            params: &self.params,
            log_inputs: self.config.log_inputs,
            normalisation: self
                .config
                .normalise_observations
                .then_some((&self.shift, &self.scale)),
            device: self.device,
            features: self.features,
            n_actions: self.n_actions,
            guide: self.guide.as_ref().and_then(|guide| {
                let margin = self.config.guide_margin * self.config.reward_scale;
                (self.config.guide_margin > 0.0).then_some((guide, margin as f32))
            }),
        }
    }
}

/// A frozen DQN: greedy on fixed Q-values, deterministic, learns nothing.
#[derive(Debug)]
pub struct GreedyDqn {
    name: String,
    architecture: Architecture,
    params: Tensor,
    log_inputs: bool,
    normalisation: Option<(Tensor, Tensor)>,
    device: Device,
    features: usize,
    n_actions: usize,
    /// The guide the greedy choice keeps unless beaten by the margin (Q units).
    guide: Option<(RulePolicy, f32)>,
}

impl GreedyDqn {
    /// The greedy policy of `dqn`'s online network as it stands: a detached copy
    /// of its weights and of its standardisation.
    pub fn new(dqn: &Dqn) -> Self {
        let forward = dqn.forward();
        Self {
            name: dqn.name().to_string(),
            architecture: forward.architecture.clone(),
            params: forward.params.detach().copy(),
            log_inputs: forward.log_inputs,
            normalisation: forward
                .normalisation
                .map(|(shift, scale)| (shift.copy(), scale.copy())),
            device: forward.device,
            features: forward.features,
            n_actions: forward.n_actions,
            guide: forward.guide.map(|(guide, margin)| (guide.clone(), margin)),
        }
    }

    /// Width of the observations it acts on.
    pub fn features(&self) -> usize {
        self.features
    }

    /// Q-values `[rows × actions]` of the frozen network, row-major.
    pub fn q_values(&self, observations: ArrayView2<'_, f32>) -> Vec<f32> {
        self.forward().q_values(observations)
    }

    fn forward(&self) -> Forward<'_> {
        Forward {
            architecture: &self.architecture,
            params: &self.params,
            log_inputs: self.log_inputs,
            normalisation: self
                .normalisation
                .as_ref()
                .map(|(shift, scale)| (shift, scale)),
            device: self.device,
            features: self.features,
            n_actions: self.n_actions,
            guide: self.guide.as_ref().map(|(guide, margin)| (guide, *margin)),
        }
    }
}

/// A deep copy: the copies share no tensor, so each can move to its own thread.
impl Clone for GreedyDqn {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            architecture: self.architecture.clone(),
            params: self.params.copy(),
            log_inputs: self.log_inputs,
            normalisation: self
                .normalisation
                .as_ref()
                .map(|(shift, scale)| (shift.copy(), scale.copy())),
            device: self.device,
            features: self.features,
            n_actions: self.n_actions,
            guide: self.guide.clone(),
        }
    }
}

impl Policy for GreedyDqn {
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
        one_hot(&self.forward().greedy(observations), probabilities);
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        actions.copy_from_slice(&self.forward().greedy(observations));
    }
}
