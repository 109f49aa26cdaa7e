//! Tabular Q-learning on a discretised observation.
//!
//! The observation is cut into bins, feature by feature, at the cut points the
//! configuration gives by feature name; features not named are ignored. Each bin
//! combination is a state with one Q-value per action, updated by
//! `Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a))`, with no bootstrap past
//! the end of an episode: the horizon ends the onboarding objective (the age is
//! observed, so the values stay consistent). Churn is latent, so it ends nothing: a
//! churned user's later days, costs included, are part of the return.
//! Acting is ε-greedy with a decaying ε; frozen, [`GreedyQ`] acts greedily on the
//! values learned so far.

use crate::checks::{argmax, epsilon_greedy};
use crate::error::AgentError;
use crate::policy::{
    Experience, FrozenPolicy, Learner, Policy, Sampler, deterministic_probabilities,
};
use crate::registry::{AgentKind, BuildContext};
use crate::state::{AgentState, Decisions, state_bytes};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};

/// Hyperparameters of tabular Q-learning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QLearningConfig {
    /// Discount factor γ per day, in `[0, 1]`.
    pub gamma: f64,
    /// Step size α, in `(0, 1]`.
    pub learning_rate: f64,
    /// Exploration ε at the start, in `[0, 1]`.
    pub epsilon: f64,
    /// ε is multiplied by this after each learning batch, in `(0, 1]`.
    pub epsilon_decay: f64,
    /// ε never falls below this, in `[0, epsilon]`.
    pub epsilon_min: f64,
    /// Ascending cut points per feature name: `k` cuts make `k + 1` bins.
    #[serde(deserialize_with = "onboard_envs::unique_keys::deserialize")]
    pub bins: BTreeMap<String, Vec<f32>>,
}

impl QLearningConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        let invalid = |path: &str, rule: String| {
            Err(AgentError::Invalid {
                path: path.to_string(),
                rule,
            })
        };
        let within = |path: &str, x: f64, low: f64, high: f64, low_open: bool| {
            let above_low = if low_open { x > low } else { x >= low };
            if x.is_finite() && above_low && x <= high {
                Ok(())
            } else {
                let open = if low_open { "(" } else { "[" };
                invalid(path, format!("must lie in {open}{low}, {high}], got {x}"))
            }
        };
        within("gamma", self.gamma, 0.0, 1.0, false)?;
        within("learning_rate", self.learning_rate, 0.0, 1.0, true)?;
        within("epsilon", self.epsilon, 0.0, 1.0, false)?;
        within("epsilon_decay", self.epsilon_decay, 0.0, 1.0, true)?;
        within("epsilon_min", self.epsilon_min, 0.0, self.epsilon, false)?;
        for (name, cuts) in &self.bins {
            let path = format!("bins[\"{name}\"]");
            if cuts.iter().any(|c| !c.is_finite()) || cuts.windows(2).any(|w| w[0] >= w[1]) {
                return invalid(
                    &path,
                    format!("cut points must be finite and strictly ascending, got {cuts:?}"),
                );
            }
        }
        Ok(())
    }
}

/// Maps an observation to a state index by binning the configured features.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Discretiser {
    /// `(feature index, cut points, stride)`.
    features: Vec<(usize, Vec<f32>, u64)>,
}

impl Discretiser {
    fn state(&self, observation: ArrayView1<'_, f32>) -> u64 {
        self.features
            .iter()
            .map(|(feature, cuts, stride)| {
                let bin = cuts.partition_point(|&cut| cut <= observation[*feature]);
                bin as u64 * stride
            })
            .sum()
    }
}

/// The name of Q-learning, frozen or not.
const NAME: &str = "q-learning";

/// The learned values by state, saved in state order so that the same agent always
/// writes the same file.
type Values = HashMap<u64, Vec<f64>>;

fn sorted<S: Serializer>(values: &Values, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(values.iter().collect::<BTreeMap<_, _>>())
}

/// Tabular Q-learning with ε-greedy exploration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QLearning {
    config: QLearningConfig,
    n_actions: usize,
    /// Width of the observation rows.
    n_features: usize,
    discretiser: Discretiser,
    #[serde(serialize_with = "sorted")]
    values: Values,
    epsilon: f64,
    sampler: Sampler,
}

impl QLearning {
    /// Q-learning over the observation features (named by `feature_names`, in order)
    /// that `config.bins` lists, choosing among `n_actions`, exploring with a
    /// generator seeded by `seed`.
    pub fn new(
        config: &QLearningConfig,
        feature_names: &[String],
        n_actions: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        let mut stride = 1u64;
        let mut features = Vec::with_capacity(config.bins.len());
        for (name, cuts) in &config.bins {
            let index = feature_names
                .iter()
                .position(|f| f == name)
                .ok_or_else(|| AgentError::Invalid {
                    path: format!("bins[\"{name}\"]"),
                    rule: format!(
                        "unknown feature '{name}' (features: {})",
                        feature_names.join(", ")
                    ),
                })?;
            features.push((index, cuts.clone(), stride));
            stride = stride.saturating_mul(cuts.len() as u64 + 1);
        }
        Ok(Self {
            config: config.clone(),
            n_actions,
            n_features: feature_names.len(),
            discretiser: Discretiser { features },
            values: HashMap::new(),
            epsilon: config.epsilon,
            sampler: Sampler::new(seed),
        })
    }

    /// The learned values of the state of `observation` (zeros if never visited).
    pub fn q_values(&self, observation: ArrayView1<'_, f32>) -> Vec<f64> {
        let state = self.discretiser.state(observation);
        self.values
            .get(&state)
            .cloned()
            .unwrap_or_else(|| vec![0.0; self.n_actions])
    }

    /// The current exploration rate.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Sets the exploration rate, e.g. to 0 to evaluate the greedy policy.
    pub fn set_epsilon(&mut self, epsilon: f64) {
        self.epsilon = epsilon.clamp(0.0, 1.0);
    }

    /// Number of states visited so far.
    pub fn states(&self) -> usize {
        self.values.len()
    }
}

/// The greedy action of the state of `observation` (0 for a state never visited).
fn greedy(values: &Values, discretiser: &Discretiser, observation: ArrayView1<'_, f32>) -> usize {
    values
        .get(&discretiser.state(observation))
        .map_or(0, |q| argmax(q.iter().copied()))
}

fn fill_probabilities(
    values: &Values,
    discretiser: &Discretiser,
    epsilon: f64,
    observations: ArrayView2<'_, f32>,
    mut probabilities: ArrayViewMut2<'_, f64>,
) {
    for (observation, row) in observations
        .rows()
        .into_iter()
        .zip(probabilities.rows_mut())
    {
        epsilon_greedy(greedy(values, discretiser, observation), epsilon, row);
    }
}

impl Policy for QLearning {
    fn name(&self) -> &str {
        NAME
    }

    fn n_actions(&self) -> usize {
        self.n_actions
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    ) {
        fill_probabilities(
            &self.values,
            &self.discretiser,
            self.epsilon,
            observations,
            probabilities,
        );
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        let buffer = self.sampler.buffer(observations.nrows(), self.n_actions);
        fill_probabilities(
            &self.values,
            &self.discretiser,
            self.epsilon,
            observations,
            buffer,
        );
        self.sampler.sample(actions);
    }
}

impl Learner for QLearning {
    fn observe(&mut self, experience: &Experience<'_>) {
        let n_actions = self.n_actions;
        for i in 0..experience.actions.len() {
            let done = experience.terminated[i] || experience.truncated[i];
            let next_value = if done {
                0.0
            } else {
                let next = self.discretiser.state(experience.next_observations.row(i));
                self.values
                    .get(&next)
                    .map_or(0.0, |q| q.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            };
            let state = self.discretiser.state(experience.observations.row(i));
            let q = self
                .values
                .entry(state)
                .or_insert_with(|| vec![0.0; n_actions]);
            let a = experience.actions[i];
            let target = experience.rewards[i] + self.config.gamma * next_value;
            q[a] += self.config.learning_rate * (target - q[a]);
        }
        self.epsilon = (self.epsilon * self.config.epsilon_decay).max(self.config.epsilon_min);
    }

    /// Greedy on the values learned so far (ε = 0).
    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(GreedyQ {
            n_actions: self.n_actions,
            discretiser: self.discretiser.clone(),
            values: self.values.clone(),
        })
    }

    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError> {
        state_bytes(AgentState::QLearning(self.clone()), decisions)
    }

    fn features(&self) -> Option<usize> {
        Some(self.n_features)
    }

    /// Checked after every training day: no allocation unless something is wrong,
    /// and then the lowest such state, whatever the map's order.
    fn non_finite(&self) -> Option<String> {
        let key = self
            .values
            .iter()
            .filter(|(_, q)| q.iter().any(|x| !x.is_finite()))
            .map(|(key, _)| *key)
            .min()?;
        crate::first_non_finite(&format!("Q-values of state {key}"), &self.values[&key])
    }
}

/// Frozen Q-learning: the greedy action of each observation's state, deterministic.
#[derive(Debug, Clone)]
pub struct GreedyQ {
    n_actions: usize,
    discretiser: Discretiser,
    values: Values,
}

impl Policy for GreedyQ {
    fn name(&self) -> &str {
        NAME
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
        for (observation, action) in observations.rows().into_iter().zip(actions.iter_mut()) {
            *action = greedy(&self.values, &self.discretiser, observation);
        }
    }
}

impl AgentKind for QLearning {
    type Config = QLearningConfig;
    const KIND: &'static str = "q-learning";

    fn validate(config: &Self::Config) -> Result<(), AgentError> {
        config.validate()
    }

    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError> {
        Self::new(
            config,
            context.layout.names(),
            context.options.len(),
            context.seed,
        )
    }
}
