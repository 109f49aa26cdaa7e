//! DQN frozen: greedy on the online network's Q-values, from a copy of what acting
//! needs (the architecture, the weights, the scaling of the inputs), not
//! of what learning needs (the replay buffer, the target network, Adam).

use super::{Dqn, Normaliser, network::Architecture};
use crate::checks::argmax;
use crate::policy::{Policy, one_hot};
use ndarray::{ArrayView2, ArrayViewMut2};
use tch::{Device, Kind, Tensor};

/// A forward pass of a Q-network, borrowed from a [`Dqn`] or a [`GreedyDqn`].
pub(super) struct Forward<'a> {
    architecture: &'a Architecture,
    params: &'a Tensor,
    /// Whether each feature enters as `sign(x)·ln(1 + |x|)` (see [`log_scale`]).
    log_inputs: bool,
    /// `(shift, scale)` when the inputs are standardised: `(x − shift) · scale`.
    normalisation: Option<(&'a Tensor, &'a Tensor)>,
    device: Device,
    features: usize,
    n_actions: usize,
}

impl Forward<'_> {
    /// The network's inputs for `rows` observations given row-major.
    pub(super) fn inputs(&self, values: &[f32], rows: usize) -> Tensor {
        let shape = [rows as i64, self.features as i64];
        let x = if self.log_inputs {
            let scaled: Vec<f32> = values.iter().map(|&v| log_scale(v)).collect();
            Tensor::from_slice(&scaled)
        } else {
            Tensor::from_slice(values)
        };
        let x = x.to_device(self.device).view(shape);
        match self.normalisation {
            Some((shift, scale)) => {
                let clip = Normaliser::clip();
                ((x - shift) * scale).clamp(-clip, clip)
            }
            None => x,
        }
    }

    /// Q-values `[rows × actions]`, row-major.
    pub(super) fn q_values(&self, observations: ArrayView2<'_, f32>) -> Vec<f32> {
        let rows = observations.nrows();
        let flat: Vec<f32> = observations.iter().copied().collect();
        tch::no_grad(|| {
            let q = self
                .architecture
                .forward(&self.inputs(&flat, rows), self.params);
            let mut out = vec![0.0f32; rows * self.n_actions];
            q.to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .copy_data(&mut out, rows * self.n_actions);
            out
        })
    }

    /// The action of highest Q-value of every row, the lowest index on ties.
    pub(super) fn greedy(&self, observations: ArrayView2<'_, f32>) -> Vec<usize> {
        self.q_values(observations)
            .chunks_exact(self.n_actions)
            .map(|row| argmax(row.iter().copied()))
            .collect()
    }
}

/// `sign(x)·ln(1 + |x|)`: 0 stays 0, a flag becomes 0.69, a count of 30 becomes
/// 3.4; defined and finite for every finite input. Computed by the `libm` crate's
/// portable `log1pf`, not by libtorch's vectorised kernels or the system's C
/// library, whose results depend on the processor (see [`super::numerics`]).
pub fn log_scale(x: f32) -> f32 {
    libm::copysignf(libm::log1pf(x.abs()), x)
}

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
