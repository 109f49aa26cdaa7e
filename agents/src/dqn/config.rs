//! Every DQN hyperparameter in one place, loadable from RON.

use crate::baselines::RuleSchedule;
use crate::error::AgentError;
use serde::{Deserialize, Serialize};

/// How the target network follows the online network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TargetUpdate {
    /// Copy the online weights every `every` gradient steps.
    Hard {
        /// Gradient steps between copies.
        every: u64,
    },
    /// Polyak averaging after every gradient step: `θ' ← (1 − τ)·θ' + τ·θ`.
    Soft {
        /// τ, in `(0, 1]`.
        tau: f64,
    },
}

/// Where the networks live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DeviceChoice {
    /// CUDA when a GPU is present, else CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
}

/// DQN hyperparameters (CleanRL's names where they exist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DqnConfig {
    /// Widths of the hidden layers of the Q-network MLP.
    pub hidden: Vec<usize>,
    /// Dueling head: `Q = V + A − mean(A)`.
    #[serde(default)]
    pub dueling: bool,
    /// Factored advantage: one advantage per part of a joint action (a lever of each
    /// kind, or none), summed, so what is learnt of a lever serves every joint
    /// action that pulls it.
    #[serde(default)]
    pub factored: bool,
    /// Double DQN: the online network picks the next action, the target network values it.
    #[serde(default = "yes")]
    pub double: bool,
    /// Discount per day, in `[0, 1]`. The onboarding objective is an undiscounted
    /// sum over the window, whose end the `age` feature tells: 1 fits it.
    pub gamma: f64,
    /// Steps of reward in each target before it bootstraps (see [`super::MultiStep`]):
    /// 1 is the one-step target, the episode length or more a Monte-Carlo return.
    #[serde(default = "one_usize")]
    pub n_step: usize,
    /// Adam step size at the start of training.
    pub learning_rate: f64,
    /// Step size reached linearly after `annealing_steps` transitions and kept from
    /// then on; absent, the step size stays at `learning_rate`. Annealing lets the
    /// greedy policy settle instead of flipping between near-tied actions.
    #[serde(default)]
    pub final_learning_rate: Option<f64>,
    /// Transitions over which the step size falls to `final_learning_rate`.
    #[serde(default)]
    pub annealing_steps: u64,
    /// Replay buffer capacity, in transitions.
    pub buffer_size: usize,
    /// Transitions per gradient step.
    pub batch_size: usize,
    /// Transitions in the replay buffer before learning starts (with multi-step
    /// targets a step enters it once its return is complete).
    pub learning_starts: u64,
    /// New transitions per update.
    pub train_frequency: u64,
    /// Gradient steps per update.
    #[serde(default = "one")]
    pub gradient_steps: u64,
    /// Target network updates.
    pub target_update: TargetUpdate,
    /// δ of the Huber loss.
    #[serde(default = "one_f")]
    pub huber_delta: f64,
    /// Gradients are rescaled to at most this global L2 norm.
    pub max_grad_norm: f64,
    /// ε at the start of training.
    pub epsilon_start: f64,
    /// ε after `exploration_steps` transitions, and from then on.
    pub epsilon_end: f64,
    /// Transitions over which ε falls linearly.
    pub exploration_steps: u64,
    /// A rule schedule that exploration follows (learning from demonstrations):
    /// of the decisions taken at random (probability ε), the share `guide_share`
    /// takes the schedule's action and the rest a uniform one. Q-learning then values
    /// the schedule's plans, and the greedy policy improves on them, as a platform's
    /// learner would start from its current CRM rules. Absent: uniform exploration.
    #[serde(default)]
    pub guide: Option<RuleSchedule>,
    /// Share of the random decisions that follow `guide`, in `[0, 1]`.
    #[serde(default = "half")]
    pub guide_share: f64,
    /// With a guide, the greedy policy (acting and frozen) keeps the guide's action
    /// unless another action's Q-value exceeds it by more than this, in reward
    /// units (per user, over the rest of the window): a conservative improvement on
    /// the schedule, which noise in the Q-estimates alone does not overturn. 0 is
    /// plain greedy.
    #[serde(default)]
    pub guide_margin: f64,
    /// Standardise observations with running means and variances.
    #[serde(default = "yes")]
    pub normalise_observations: bool,
    /// Feed the network `sign(x)·ln(1 + |x|)` of each feature instead of `x`: a
    /// fixed scaling that brings the counts of a month (up to the horizon) within a
    /// few units and keeps flags and fractions below 1, so that no feature dominates
    /// the first layer, without a normaliser's drift. Not combined with
    /// `normalise_observations`.
    #[serde(default)]
    pub log_inputs: bool,
    /// Rewards are multiplied by this before learning (Q-values are in scaled units).
    #[serde(default = "one_f")]
    pub reward_scale: f64,
    /// Where to run.
    #[serde(default)]
    pub device: DeviceChoice,
}

fn yes() -> bool {
    true
}

fn half() -> f64 {
    0.5
}

fn one() -> u64 {
    1
}

fn one_usize() -> usize {
    1
}

fn one_f() -> f64 {
    1.0
}

impl DqnConfig {
    /// Checks every value; the error names the field and the rule.
    pub fn validate(&self) -> Result<(), AgentError> {
        let fail = |path: &str, rule: String| {
            Err(AgentError::Invalid {
                path: path.to_string(),
                rule,
            })
        };
        let in_range = |path: &str, x: f64, low: f64, high: f64| {
            if x.is_finite() && (low..=high).contains(&x) {
                Ok(())
            } else {
                fail(path, format!("must lie in [{low}, {high}], got {x}"))
            }
        };
        let positive = |path: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                fail(path, format!("must be a finite number above 0, got {x}"))
            }
        };
        if self.hidden.is_empty() || self.hidden.iter().any(|&h| h == 0 || h > 65_536) {
            return fail(
                "hidden",
                format!(
                    "needs at least one layer, each 1 to 65536 wide, got {:?}",
                    self.hidden
                ),
            );
        }
        in_range("gamma", self.gamma, 0.0, 1.0)?;
        if !(1..=1_000).contains(&self.n_step) {
            return fail(
                "n_step",
                format!("must lie in [1, 1000], got {}", self.n_step),
            );
        }
        positive("learning_rate", self.learning_rate)?;
        if let Some(rate) = self.final_learning_rate {
            positive("final_learning_rate", rate)?;
            if self.annealing_steps == 0 {
                return fail(
                    "annealing_steps",
                    "must be at least 1 when final_learning_rate is set, got 0".to_string(),
                );
            }
        }
        if self.batch_size == 0 || self.buffer_size < self.batch_size {
            return fail(
                "batch_size",
                format!(
                    "must be at least 1 and at most buffer_size ({}), got {}",
                    self.buffer_size, self.batch_size
                ),
            );
        }
        if self.learning_starts > self.buffer_size as u64 {
            return fail(
                "learning_starts",
                format!(
                    "must be at most buffer_size ({}), which is all the buffer ever holds: \
                     got {}, so no learning step would ever be taken",
                    self.buffer_size, self.learning_starts
                ),
            );
        }
        if self.train_frequency == 0 {
            return fail("train_frequency", "must be at least 1, got 0".to_string());
        }
        match self.target_update {
            TargetUpdate::Hard { every: 0 } => fail(
                "target_update.every",
                "must be at least 1, got 0".to_string(),
            )?,
            TargetUpdate::Soft { tau } if !(tau > 0.0 && tau <= 1.0) => fail(
                "target_update.tau",
                format!("must lie in (0, 1], got {tau}"),
            )?,
            _ => {}
        }
        positive("huber_delta", self.huber_delta)?;
        positive("max_grad_norm", self.max_grad_norm)?;
        in_range("epsilon_start", self.epsilon_start, 0.0, 1.0)?;
        in_range("epsilon_end", self.epsilon_end, 0.0, 1.0)?;
        in_range("guide_share", self.guide_share, 0.0, 1.0)?;
        if !(self.guide_margin.is_finite() && self.guide_margin >= 0.0) {
            return fail(
                "guide_margin",
                format!("must be 0 or more, got {}", self.guide_margin),
            );
        }
        if self.log_inputs && self.normalise_observations {
            return fail(
                "log_inputs",
                "cannot be combined with normalise_observations: choose one scaling".to_string(),
            );
        }
        positive("reward_scale", self.reward_scale)
    }
}
