//! Deep Q-learning with tch, readable top to bottom in the manner of CleanRL.
//!
//! Acting: ε-greedy over `Q(s, ·)` of the online network, for the whole batch of
//! live users in one forward pass. Learning: every `train_frequency` new
//! transitions, `gradient_steps` minibatch steps on the Huber loss between
//! `Q(s, a)` and the target `r + γ·(1 − done)·Q'(s', a*)`, where `Q'` is the target
//! network and `a*` is its argmax (or the online network's, with Double DQN).
//!
//! Truncation at the horizon counts as `done`: the onboarding objective sums the
//! first `horizon` days only, the age is part of the observation, so a user's value
//! after the horizon is zero by definition. Churn is latent, not terminal: a churned
//! user stays, dormant, to the horizon (and still costs the messages sent), so the
//! environment never marks a transition `terminated`.
//!
//! For speed on small networks the weights are one flat vector (see
//! [`network`]); libtorch runs single-threaded on the CPU, on kernels pinned to
//! one code path ([`numerics`]), so that a seed gives the same network whatever
//! the machine's cores and processor.

pub mod checkpoint;
mod config;
mod greedy;
mod multistep;
pub mod network;
mod normaliser;
pub mod numerics;
mod replay;

pub use config::{DeviceChoice, DqnConfig, TargetUpdate};
pub use greedy::GreedyDqn;
pub use multistep::MultiStep;
pub use normaliser::Normaliser;
pub use replay::ReplayBuffer;

use crate::baselines::RulePolicy;
use crate::error::AgentError;
use crate::policy::{Experience, FrozenPolicy, Learner, Policy, PolicyRng, Sampler, policy_rng};
use crate::registry::{AgentKind, BuildContext};
use crate::state::Decisions;
use ndarray::{ArrayView2, ArrayViewMut2};
use network::{ActionParts, Adam, Architecture};
use onboard_envs::ObservationLayout;
use replay::Batch;
use tch::{Device, Tensor};

/// Counters that say where training stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Transitions observed.
    pub transitions: u64,
    /// Gradient steps taken.
    pub gradient_steps: u64,
    /// Transitions observed since the last update.
    pub pending: u64,
}

/// A DQN agent.
pub struct Dqn {
    config: DqnConfig,
    n_actions: usize,
    /// The actions' names (a factored head reads their parts from them).
    actions: Vec<String>,
    features: usize,
    device: Device,
    architecture: Architecture,
    params: Tensor,
    target: Tensor,
    adam: Adam,
    replay: ReplayBuffer,
    /// Steps waiting for their multi-step return before they enter the replay.
    multistep: MultiStep,
    normaliser: Normaliser,
    /// Standardisation as tensors: `(x − shift) · scale`, refreshed after each update of the normaliser.
    shift: Tensor,
    scale: Tensor,
    progress: Progress,
    /// Draws minibatches.
    rng: PolicyRng,
    /// Draws the ε-greedy actions.
    sampler: Sampler,
    batch: Batch,
    /// Forced exploration rate, e.g. 0 to evaluate the greedy policy.
    epsilon_override: Option<f64>,
    /// The rule schedule exploration follows ([`DqnConfig::guide`]), resolved
    /// against the scenario's features and actions.
    guide: Option<RulePolicy>,
    /// The guide's actions for the rows being decided.
    guide_actions: Vec<usize>,
    /// Mean loss of the last update, for learning curves.
    last_loss: f64,
}

impl Dqn {
    /// A new agent for observations of `features` values and `n_actions` actions
    /// named by their numbers (no parts: a factored head is a plain one);
    /// `seed` fixes the initial weights, minibatches and exploration.
    pub fn new(
        config: &DqnConfig,
        features: usize,
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        let names: Vec<String> = (0..n_actions).map(|a| a.to_string()).collect();
        Self::for_actions(config, features, &names, seed)
    }

    /// A new agent choosing among the actions called `actions`; with a factored
    /// head (`factored`), their names tell their parts (see [`network::ActionParts`]).
    pub fn for_actions(
        config: &DqnConfig,
        features: usize,
        actions: &[String],
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        numerics::pin();
        let device = match config.device {
            DeviceChoice::Auto => Device::cuda_if_available(),
            DeviceChoice::Cpu => Device::Cpu,
        };
        let n_actions = actions.len();
        let parts = config.factored.then(|| ActionParts::from_names(actions));
        let architecture = Architecture::new(
            features,
            &config.hidden,
            n_actions,
            config.dueling,
            parts.as_ref(),
            device,
        );
        check_memory(config, features, architecture.size())?;
        let mut rng = policy_rng(seed);
        let initial = architecture.initial(&mut rng);
        let params = Tensor::from_slice(&initial)
            .to_device(device)
            .set_requires_grad(true);
        let target = params.detach().copy();
        let normaliser = Normaliser::new(features);
        let (shift, scale) = normaliser.shift_and_scale();
        Ok(Self {
            adam: Adam::new(architecture.size(), device),
            replay: ReplayBuffer::new(config.buffer_size, features),
            multistep: MultiStep::new(config.n_step, config.gamma),
            config: config.clone(),
            n_actions,
            actions: actions.to_vec(),
            features,
            device,
            architecture,
            params,
            target,
            normaliser,
            shift: Tensor::from_slice(&shift).to_device(device),
            scale: Tensor::from_slice(&scale).to_device(device),
            progress: Progress::default(),
            rng,
            sampler: Sampler::new(seed ^ 0x5EED_AC75),
            batch: Batch::default(),
            epsilon_override: None,
            guide: None,
            guide_actions: Vec::new(),
            last_loss: f64::NAN,
        })
    }

    /// Resolves the configuration's guide ([`DqnConfig::guide`]) against the
    /// observations laid out by `layout`; without one, the agent as it is.
    pub fn guided(mut self, layout: &ObservationLayout) -> Result<Self, AgentError> {
        if let Some(schedule) = &self.config.guide {
            let guide = RulePolicy::new(schedule, layout, &self.actions).map_err(|e| match e {
                AgentError::Invalid { path, rule } => AgentError::Invalid {
                    path: format!("guide.{path}"),
                    rule,
                },
                other => other,
            })?;
            self.guide = Some(guide);
        }
        Ok(self)
    }

    /// The names of the actions, in order.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// Width of the observations the agent acts on.
    pub fn features(&self) -> usize {
        self.features
    }

    /// The hyperparameters.
    pub fn config(&self) -> &DqnConfig {
        &self.config
    }

    /// Where training stands.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The device the networks run on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Mean Huber loss of the last gradient step (NaN before the first).
    pub fn last_loss(&self) -> f64 {
        self.last_loss
    }

    /// The exploration rate now: the override if set, else the linear schedule.
    pub fn epsilon(&self) -> f64 {
        self.epsilon_override.unwrap_or_else(|| {
            let c = &self.config;
            linear(
                c.epsilon_start,
                c.epsilon_end,
                c.exploration_steps,
                self.progress.transitions,
            )
        })
    }

    /// The Adam step size now, by the annealing schedule.
    pub fn learning_rate(&self) -> f64 {
        let c = &self.config;
        match c.final_learning_rate {
            Some(end) => linear(
                c.learning_rate,
                end,
                c.annealing_steps,
                self.progress.transitions,
            ),
            None => c.learning_rate,
        }
    }

    /// Fixes ε (e.g. 0 for a greedy evaluation), or returns to the schedule with `None`.
    pub fn set_epsilon(&mut self, epsilon: Option<f64>) {
        self.epsilon_override = epsilon.map(|e| e.clamp(0.0, 1.0));
    }

    fn to_tensor(&self, values: &[f32], rows: usize) -> Tensor {
        self.forward().inputs(values, rows)
    }

    /// Q-values `[rows × actions]` of the online network, for observations given row-major.
    pub fn q_values(&self, observations: ArrayView2<'_, f32>) -> Vec<f32> {
        self.forward().q_values(observations)
    }

    fn greedy(&self, observations: ArrayView2<'_, f32>) -> Vec<usize> {
        self.forward().greedy(observations)
    }

    /// What the behaviour mixes for `observations`: the greedy actions, ε, and the
    /// share of random decisions that follow the guide (0 without one, or when
    /// nothing is random), its actions left in `guide_actions`.
    fn behaviour(&mut self, observations: ArrayView2<'_, f32>) -> (Vec<usize>, f64, f64) {
        let greedy = self.greedy(observations);
        let epsilon = self.epsilon();
        let guided = match &mut self.guide {
            Some(guide) if epsilon > 0.0 => {
                self.guide_actions.resize(observations.nrows(), 0);
                guide.act(observations, &mut self.guide_actions);
                self.config.guide_share
            }
            _ => 0.0,
        };
        (greedy, epsilon, guided)
    }

    /// The behaviour's probabilities: the greedy action with probability `1 − ε`;
    /// of the rest, the guide's action takes the share `guided` and a uniform draw
    /// the remainder.
    fn fill_probabilities(
        greedy: &[usize],
        guide: &[usize],
        (epsilon, guided): (f64, f64),
        mut probabilities: ArrayViewMut2<'_, f64>,
    ) {
        let uniform = epsilon * (1.0 - guided) / probabilities.ncols() as f64;
        for (i, mut row) in probabilities.rows_mut().into_iter().enumerate() {
            row.fill(uniform);
            row[greedy[i]] += 1.0 - epsilon;
            if guided > 0.0 {
                row[guide[i]] += epsilon * guided;
            }
        }
    }

    /// One minibatch gradient step; returns the loss.
    fn gradient_step(&mut self) -> f64 {
        let rows = self.config.batch_size;
        self.replay.sample(rows, &mut self.rng, &mut self.batch);
        let observations = self.to_tensor(&self.batch.observations, rows);
        let next_observations = self.to_tensor(&self.batch.next_observations, rows);
        let column = |values: &[f32]| {
            Tensor::from_slice(values)
                .to_device(self.device)
                .view([rows as i64, 1])
        };
        let rewards = column(&self.batch.rewards);
        let done = column(&self.batch.done);
        let actions = Tensor::from_slice(&self.batch.actions)
            .to_device(self.device)
            .view([rows as i64, 1]);

        let targets = tch::no_grad(|| {
            let next_target = self.architecture.forward(&next_observations, &self.target);
            let next_value = if self.config.double {
                let best = self
                    .architecture
                    .forward(&next_observations, &self.params)
                    .argmax(1, true);
                next_target.gather(1, &best, false)
            } else {
                next_target.amax(1, true)
            };
            rewards + (1.0 - done) * next_value * self.config.gamma.powi(self.config.n_step as i32)
        });
        let q = self
            .architecture
            .forward(&observations, &self.params)
            .gather(1, &actions, false);
        let loss = q.huber_loss(&targets, tch::Reduction::Mean, self.config.huber_delta);
        self.params.zero_grad();
        loss.backward();
        tch::no_grad(|| {
            let learning_rate = self.learning_rate();
            self.adam
                .step(&mut self.params, self.config.max_grad_norm, learning_rate);
            self.progress.gradient_steps += 1;
            match self.config.target_update {
                TargetUpdate::Hard { every } => {
                    if self.progress.gradient_steps.is_multiple_of(every) {
                        self.target.copy_(&self.params);
                    }
                }
                TargetUpdate::Soft { tau } => {
                    let _ = self.target.lerp_(&self.params, tau);
                }
            }
        });
        loss.double_value(&[])
    }

    fn refresh_normalisation(&mut self) {
        let (shift, scale) = self.normaliser.shift_and_scale();
        self.shift = Tensor::from_slice(&shift).to_device(self.device);
        self.scale = Tensor::from_slice(&scale).to_device(self.device);
    }
}

impl Policy for Dqn {
    fn name(&self) -> &str {
        "dqn"
    }

    fn n_actions(&self) -> usize {
        self.n_actions
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        let (greedy, epsilon, guided) = self.behaviour(observations);
        Self::fill_probabilities(
            &greedy,
            &self.guide_actions,
            (epsilon, guided),
            probabilities,
        );
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        let (greedy, epsilon, guided) = self.behaviour(observations);
        if epsilon == 0.0 {
            actions.copy_from_slice(&greedy);
            return;
        }
        Self::fill_probabilities(
            &greedy,
            &self.guide_actions,
            (epsilon, guided),
            self.sampler.buffer(observations.nrows(), self.n_actions),
        );
        self.sampler.sample(actions);
    }
}

impl Learner for Dqn {
    fn observe(&mut self, experience: &Experience<'_>) {
        if self.config.normalise_observations {
            for row in experience.observations.rows() {
                self.normaliser.update(row.iter().copied());
            }
            self.refresh_normalisation();
        }
        let (replay, scale) = (&mut self.replay, self.config.reward_scale);
        self.multistep
            .push(experience, |transition| replay.push(&transition, scale));
        let added = experience.actions.len() as u64;
        self.progress.transitions += added;
        if (self.replay.len() as u64) < self.config.learning_starts.max(1) {
            return;
        }
        self.progress.pending += added;
        while self.progress.pending >= self.config.train_frequency {
            self.progress.pending -= self.config.train_frequency;
            for _ in 0..self.config.gradient_steps {
                self.last_loss = self.gradient_step();
            }
        }
    }

    /// Greedy on the online network ([`GreedyDqn`]).
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(GreedyDqn::new(self))
    }

    /// The libtorch checkpoint of [`Dqn::to_checkpoint`].
    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        Ok(self.to_checkpoint(decisions)?)
    }

    fn features(&self) -> Option<usize> {
        Some(self.features)
    }

    fn non_finite(&self) -> Option<String> {
        let bad = tch::no_grad(|| {
            self.params
                .isfinite()
                .logical_not()
                .sum(tch::Kind::Int64)
                .int64_value(&[])
        });
        (bad > 0).then(|| format!("{bad} of {} weights", self.architecture.size()))
    }
}

/// Most bytes the replay buffer may take.
pub const MAX_REPLAY_BYTES: u128 = 8 << 30;

/// Most parameters the network may have: the weights, their target copy, Adam's two
/// moments and the gradient take 20 bytes each, 2 GB at this bound.
pub const MAX_PARAMETERS: i64 = 100_000_000;

/// Refuses, before anything is allocated, a replay buffer or a network larger than
/// this machine-independent bound: the error names the field and the size.
fn check_memory(config: &DqnConfig, features: usize, parameters: i64) -> Result<(), AgentError> {
    let bytes = ReplayBuffer::bytes(config.buffer_size, features);
    if bytes > MAX_REPLAY_BYTES {
        return Err(AgentError::Invalid {
            path: "buffer_size".to_string(),
            rule: format!(
                "{} transitions of {features} features would take {:.1} GiB; at most {} GiB",
                config.buffer_size,
                bytes as f64 / f64::from(1 << 30),
                MAX_REPLAY_BYTES >> 30
            ),
        });
    }
    if !(0..=MAX_PARAMETERS).contains(&parameters) {
        return Err(AgentError::Invalid {
            path: "hidden".to_string(),
            rule: format!(
                "{:?} gives {parameters} parameters for {features} features; at most {MAX_PARAMETERS}",
                config.hidden
            ),
        });
    }
    Ok(())
}

/// The value moving linearly from `start` to `end` over `steps` (then staying at
/// `end`), after `now` of them.
fn linear(start: f64, end: f64, steps: u64, now: u64) -> f64 {
    let fraction = if steps == 0 {
        1.0
    } else {
        (now as f64 / steps as f64).min(1.0)
    };
    start + fraction * (end - start)
}

impl AgentKind for Dqn {
    type Config = DqnConfig;
    const KIND: &'static str = "dqn";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    /// Learning starts once the buffer holds `learning_starts` transitions and
    /// `train_frequency` more have arrived since; with `gradient_steps: 0` never.
    fn transitions_before_learning(config: &Self::Config) -> Result<u64, String> {
        if config.gradient_steps == 0 {
            return Err("gradient_steps is 0: the network would never take a learning step".into());
        }
        Ok(config
            .learning_starts
            .max(1)
            .saturating_add(config.train_frequency - 1))
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::for_actions(config, context.layout.len(), context.options, context.seed)?
            .guided(context.layout)
    }
}

#[cfg(test)]
mod tests {
    use super::linear;

    #[test]
    fn the_linear_schedule_moves_from_start_to_end_and_stays() {
        assert_eq!(linear(1.0, 0.5, 100, 0), 1.0);
        assert_eq!(linear(1.0, 0.5, 100, 50), 0.75);
        assert_eq!(linear(1.0, 0.5, 100, 100), 0.5);
        assert_eq!(linear(1.0, 0.5, 100, 10_000), 0.5);
        assert_eq!(linear(1.0, 0.5, 0, 0), 0.5);
    }
}
