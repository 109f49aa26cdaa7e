//! The Q-network: an MLP whose weights live in one flat parameter vector.
//!
//! One flat tensor makes every whole-network operation a single tensor operation:
//! the Adam update, gradient clipping, and hard or soft target updates; and it is
//! what a checkpoint saves. Layers are views into it, made at each forward pass.

use super::Normaliser;
use crate::baselines::RulePolicy;
use crate::checks::argmax;
use crate::policy::PolicyRng;
use ndarray::ArrayView2;
use rand::RngExt;
use tch::{Device, Kind, Tensor};

/// The shapes of an MLP Q-network, and where each layer sits in the flat vector.
#[derive(Debug)]
pub struct Architecture {
    /// `(inputs, outputs, offset)` of each hidden layer, then of each head.
    layers: Vec<(i64, i64, i64)>,
    hidden_layers: usize,
    dueling: bool,
    /// With a factored head: the `values × actions` 0/1 matrix, on the network's
    /// device, that sums part advantages into action ones.
    combine: Option<Tensor>,
    size: i64,
}

/// A deep copy: the copies share no tensor, so each can move to its own thread.
impl Clone for Architecture {
    fn clone(&self) -> Self {
        Self {
            layers: self.layers.clone(),
            hidden_layers: self.hidden_layers,
            dueling: self.dueling,
            combine: self.combine.as_ref().map(Tensor::copy),
            size: self.size,
        }
    }
}

impl Architecture {
    /// An MLP from `inputs` through `hidden` ReLU layers to `actions` Q-values,
    /// with one head, or value and advantage heads when `dueling`. With `parts`,
    /// the advantage head is factored: it has one output per part value, and an
    /// action's advantage is the sum of its parts' (see [`ActionParts`]). The
    /// network runs on `device`.
    pub fn new(
        inputs: usize,
        hidden: &[usize],
        actions: usize,
        dueling: bool,
        parts: Option<&ActionParts>,
        device: Device,
    ) -> Self {
        let mut widths = vec![inputs as i64];
        widths.extend(hidden.iter().map(|&h| h as i64));
        let last = *widths.last().unwrap_or(&(inputs as i64));
        let mut shapes: Vec<(i64, i64)> = widths.windows(2).map(|w| (w[0], w[1])).collect();
        if dueling {
            shapes.push((last, 1));
        }
        let advantages = parts.map_or(actions, |p| p.values);
        shapes.push((last, advantages as i64));
        let mut offset = 0;
        let layers = shapes
            .into_iter()
            .map(|(i, o)| {
                let layer = (i, o, offset);
                offset += i * o + o;
                layer
            })
            .collect();
        Self {
            layers,
            hidden_layers: hidden.len(),
            dueling,
            combine: parts.map(|p| {
                Tensor::from_slice(&p.matrix())
                    .view([p.values as i64, actions as i64])
                    .to_device(device)
            }),
            size: offset,
        }
    }

    /// Number of parameters.
    pub fn size(&self) -> i64 {
        self.size
    }

    /// Initial parameters as PyTorch's `Linear` draws them, `U(−1/√in, 1/√in)`,
    /// from the agent's own generator (so a seed fixes them).
    pub fn initial(&self, rng: &mut PolicyRng) -> Vec<f32> {
        let mut values = Vec::with_capacity(self.size as usize);
        for &(inputs, outputs, _) in &self.layers {
            let bound = 1.0 / (inputs as f32).sqrt();
            values.extend(
                (0..inputs * outputs + outputs).map(|_| (rng.random::<f32>() * 2.0 - 1.0) * bound),
            );
        }
        values
    }

    fn linear(&self, x: &Tensor, params: &Tensor, layer: usize) -> Tensor {
        let (inputs, outputs, offset) = self.layers[layer];
        let weight = params
            .narrow(0, offset, inputs * outputs)
            .view([outputs, inputs]);
        let bias = params.narrow(0, offset + inputs * outputs, outputs);
        x.linear(&weight, Some(&bias))
    }

    /// Q-values `[rows, actions]` of observations `x` `[rows, inputs]`.
    pub fn forward(&self, x: &Tensor, params: &Tensor) -> Tensor {
        let mut h = x.shallow_clone();
        for layer in 0..self.hidden_layers {
            h = self.linear(&h, params, layer).relu();
        }
        let head = self.hidden_layers + usize::from(self.dueling);
        let mut advantage = self.linear(&h, params, head);
        if let Some(combine) = &self.combine {
            advantage = advantage.matmul(combine);
        }
        if self.dueling {
            let value = self.linear(&h, params, self.hidden_layers);
            let centred = &advantage - advantage.mean_dim(1, true, Kind::Float);
            value + centred
        } else {
            advantage
        }
    }
}

/// A forward pass of a Q-network, borrowed from a [`Dqn`] or a [`GreedyDqn`].
pub(super) struct Forward<'a> {
    pub(super) architecture: &'a Architecture,
    pub(super) params: &'a Tensor,
    /// Whether each feature enters as `sign(x)·ln(1 + |x|)` (see [`log_scale`]).
    pub(super) log_inputs: bool,
    /// `(shift, scale)` when the inputs are standardised: `(x − shift) · scale`.
    pub(super) normalisation: Option<(&'a Tensor, &'a Tensor)>,
    pub(super) device: Device,
    pub(super) features: usize,
    pub(super) n_actions: usize,
    /// The guide whose action the greedy choice keeps unless another's Q-value is
    /// higher by more than the margin (in Q units).
    pub(super) guide: Option<(&'a RulePolicy, f32)>,
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

    /// The action of highest Q-value of every row, the lowest index on ties; with a
    /// guide, the guide's action unless the best beats it by more than the margin.
    pub(super) fn greedy(&self, observations: ArrayView2<'_, f32>) -> Vec<usize> {
        let q = self.q_values(observations);
        let rows = q.chunks_exact(self.n_actions).zip(observations.rows());
        rows.map(|(values, observation)| {
            let best = argmax(values.iter().copied());
            match self.guide {
                Some((guide, margin)) => {
                    let kept = guide.choose(observation);
                    if values[best] - values[kept] > margin {
                        best
                    } else {
                        kept
                    }
                }
                None => best,
            }
        })
        .collect()
    }
}

/// `sign(x)·ln(1 + |x|)`: 0 stays 0, a flag becomes 0.69, a count of 30 becomes
/// 3.4; defined and finite for every finite input. Computed by the `libm` crate's
/// portable `log1pf`, not by libtorch's vectorised kernels or the system's C
/// library, whose results depend on the processor (see [`super::numerics`]).
pub(super) fn log_scale(x: f32) -> f32 {
    libm::copysignf(libm::log1pf(x.abs()), x)
}

/// How joint actions decompose into parts, read off their names: a name is its
/// parts joined by `+` (`email+none+recs`), one part per position; the values seen at
/// a position are that position's options. Names without `+` are each their own
/// single part.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionParts {
    /// Part values over all positions.
    values: usize,
    /// `parts[a]`: the indices, among all part values, of action `a`'s parts.
    parts: Vec<Vec<usize>>,
}

impl ActionParts {
    /// The parts of the actions called `names`.
    pub fn from_names(names: &[String]) -> Self {
        let mut seen: Vec<(usize, String)> = Vec::new();
        let parts = names
            .iter()
            .map(|name| {
                name.split('+')
                    .enumerate()
                    .map(|(position, part)| {
                        let key = (position, part.to_string());
                        seen.iter().position(|s| *s == key).unwrap_or_else(|| {
                            seen.push(key);
                            seen.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        Self {
            values: seen.len(),
            parts,
        }
    }

    /// The `values × actions` matrix with a 1 where an action has a part value.
    fn matrix(&self) -> Vec<f32> {
        let actions = self.parts.len();
        let mut matrix = vec![0.0; self.values * actions];
        for (a, parts) in self.parts.iter().enumerate() {
            for &v in parts {
                matrix[v * actions + a] = 1.0;
            }
        }
        matrix
    }
}

/// Adam on a flat parameter vector, its moments kept as tensors so that a
/// checkpoint can save them (libtorch's optimizer state is not reachable from tch).
#[derive(Debug)]
pub struct Adam {
    /// First moment.
    pub m: Tensor,
    /// Second moment.
    pub v: Tensor,
    /// Steps taken (for the bias corrections).
    pub t: i64,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

impl Adam {
    /// Zero moments for `size` parameters on `device`.
    pub fn new(size: i64, device: Device) -> Self {
        Self {
            m: Tensor::zeros([size], (Kind::Float, device)),
            v: Tensor::zeros([size], (Kind::Float, device)),
            t: 0,
        }
    }

    /// One step of size `learning_rate` on `params` from its gradient, after
    /// rescaling the gradient to at most `max_norm`. Call inside `tch::no_grad`.
    pub fn step(&mut self, params: &mut Tensor, max_norm: f64, learning_rate: f64) {
        let mut grad = params.grad();
        let norm = grad.norm();
        let scale = (max_norm / (norm + 1e-6)).clamp_max(1.0);
        let _ = grad.g_mul_(&scale);
        self.t += 1;
        let _ = self.m.lerp_(&grad, 1.0 - BETA1);
        let _ = self.v.g_mul_scalar_(BETA2);
        let _ = self.v.addcmul_(&(&grad * (1.0 - BETA2)), &grad);
        let bias1 = 1.0 - BETA1.powi(self.t as i32);
        let bias2 = 1.0 - BETA2.powi(self.t as i32);
        let denominator = (self.v.sqrt() / bias2.sqrt()) + EPS;
        let update = (&self.m / denominator) * (-learning_rate / bias1);
        let _ = params.g_add_(&update);
    }
}

#[cfg(test)]
mod tests {
    use super::ActionParts;

    #[test]
    fn parts_are_read_position_by_position_from_the_names() {
        let names = ["none+none", "email+none", "none+coupon", "email+coupon"].map(String::from);
        let parts = ActionParts::from_names(&names);
        assert_eq!(parts.values, 4, "none and email, then none and coupon");
        assert_eq!(
            parts.parts,
            vec![vec![0, 1], vec![2, 1], vec![0, 3], vec![2, 3]]
        );
        // values × actions: row v has a 1 under every action with part v.
        assert_eq!(
            parts.matrix(),
            vec![
                1.0, 0.0, 1.0, 0.0, // none (message)
                1.0, 1.0, 0.0, 0.0, // none (incentive)
                0.0, 1.0, 0.0, 1.0, // email
                0.0, 0.0, 1.0, 1.0, // coupon
            ]
        );
    }

    #[test]
    fn names_without_parts_are_their_own() {
        let names = ["hands-off", "recs", "tour-then-recs"].map(String::from);
        let parts = ActionParts::from_names(&names);
        assert_eq!(parts.values, 3);
        assert_eq!(parts.parts, vec![vec![0], vec![1], vec![2]]);
    }
}
