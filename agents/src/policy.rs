//! The two interfaces every agent implements: [`Policy`] acts, [`Learner`] learns.

use crate::error::AgentError;
use crate::state::Decisions;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use onboard_envs::Transitions;
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// The random generator a stochastic policy samples with: seeded, so a run is
/// reproducible, and separate from the environment's streams, so a policy's coin
/// flips never change what the users do.
pub type PolicyRng = Xoshiro256PlusPlus;

/// A policy's generator for `seed`.
pub fn policy_rng(seed: u64) -> PolicyRng {
    PolicyRng::seed_from_u64(seed)
}

/// Chooses actions for a batch of observations, and says with which probabilities.
pub trait Policy {
    /// A short name for tables and plots.
    fn name(&self) -> &str;

    /// Number of actions the policy chooses from.
    fn n_actions(&self) -> usize;

    /// Writes the probability of every action for each observation row
    /// (`probabilities` is `rows × n_actions`; each row sums to 1). These are the
    /// probabilities [`Policy::act`] samples from, as logged for off-policy evaluation.
    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        probabilities: ArrayViewMut2<'_, f64>,
    );

    /// Writes one action per observation row into `actions`.
    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]);
}

/// A policy that also learns from what its actions led to.
pub trait Learner: Policy {
    /// Updates from one batch of transitions.
    fn observe(&mut self, experience: &Experience<'_>);

    /// An independent copy of the policy as it stands, acting without exploring and
    /// learning nothing: the action of best estimated value (bandits: the arm of best
    /// estimated mean, or posterior mean; LinUCB and linear Thompson sampling: the
    /// ridge mean `θ̂ᵀx`; Q-learning and DQN: greedy on the Q-values), one-hot
    /// probabilities, ties to the lowest index. Baselines are already frozen (the
    /// random one stays random). The copy keeps the learner's name.
    fn frozen(&self) -> Box<dyn FrozenPolicy>;

    /// The whole state as the bytes of its saved file, so that [`crate::load_agent`]
    /// gives back a learner that acts, freezes and goes on learning exactly as this
    /// one: a libtorch checkpoint for DQN (by convention `.ot`), a RON agent state for
    /// every other agent (by convention `.agent.ron`; see
    /// [`crate::AgentConfig::state_extension`]), recording `decisions`, what it
    /// decides. [`crate::save_agent`] writes them.
    fn to_bytes(&self, decisions: &Decisions) -> Result<Vec<u8>, AgentError>;

    /// The width of the observation rows the learner was built for, where its
    /// actions depend on the observation; `None` for agents that ignore it
    /// (context-free bandits, constant and random baselines), the default.
    fn features(&self) -> Option<usize> {
        None
    }

    /// What in the learner's state is NaN or infinite, in words (`means[3] = NaN`,
    /// `12 of 7000 weights`), or `None` when all of it is finite: a learner that has
    /// diverged (a step size too large, say) and would act on garbage. By default
    /// `None`: a learner with no floating-point state.
    fn non_finite(&self) -> Option<String> {
        None
    }
}

/// The first of `values` that is NaN or infinite, as `what[i] = x`.
pub fn first_non_finite<'a>(
    what: &str,
    values: impl IntoIterator<Item = &'a f64>,
) -> Option<String> {
    values
        .into_iter()
        .enumerate()
        .find(|(_, x)| !x.is_finite())
        .map(|(i, x)| format!("{what}[{i}] = {x}"))
}

/// A policy that learns nothing and can be copied: what [`Learner::frozen`] returns.
/// Each copy starts from the state the policy had when copied.
pub trait FrozenPolicy: Policy + Send {
    /// An independent copy.
    fn clone_box(&self) -> Box<dyn FrozenPolicy>;
}

impl<T: Policy + Clone + Send + 'static> FrozenPolicy for T {
    fn clone_box(&self) -> Box<dyn FrozenPolicy> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn FrozenPolicy> {
    fn clone(&self) -> Self {
        self.as_ref().clone_box()
    }
}

/// A batch of transitions `(s, a, r, s', terminated, truncated)`, row by row.
#[derive(Debug, Clone, Copy)]
pub struct Experience<'a> {
    /// Observations the actions were chosen on.
    pub observations: ArrayView2<'a, f32>,
    /// The actions taken.
    pub actions: &'a [usize],
    /// The rewards received.
    pub rewards: &'a [f64],
    /// Observations after the step.
    pub next_observations: ArrayView2<'a, f32>,
    /// The episode ended in a terminal state: no value after it. Never set by the
    /// onboarding environment, where churn is latent (a churned user stays, dormant,
    /// to the horizon); other environments (tests' MDPs, once-per-user feedback) may.
    pub terminated: &'a [bool],
    /// The episode was cut at the horizon: in onboarding, the end of the user's window.
    pub truncated: &'a [bool],
    /// Which episode each row belongs to (in onboarding, the user's id): the rows of
    /// one id arrive in order, one per step, until its episode ends (terminated or
    /// truncated); an id may then start a new episode. Learners with multi-step
    /// targets follow each episode by it.
    pub episodes: &'a [u64],
}

/// Reusable buffers that turn the environment's [`Transitions`] into [`Experience`].
#[derive(Debug, Default)]
pub struct ExperienceBuffer {
    rewards: Vec<f64>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    episodes: Vec<u64>,
}

impl ExperienceBuffer {
    /// The experience of one cohort step under `actions`: `terminated` is false for
    /// every row (churn is latent, so no state before the horizon is terminal),
    /// `truncated` marks the users whose window ended that day, and each row's
    /// episode is its user's id.
    pub fn view<'a>(
        &'a mut self,
        actions: &'a [usize],
        transitions: &Transitions<'a>,
    ) -> Experience<'a> {
        let outcomes = transitions.outcomes;
        self.rewards.clear();
        self.rewards.extend(outcomes.iter().map(|o| o.reward));
        self.terminated.clear();
        self.terminated.resize(outcomes.len(), false);
        self.truncated.clear();
        self.truncated.extend(outcomes.iter().map(|o| o.truncated));
        self.episodes.clear();
        self.episodes
            .extend(transitions.users.iter().map(|u| u.profile.id));
        Experience {
            observations: transitions.observations,
            actions,
            rewards: &self.rewards,
            next_observations: transitions.next_observations,
            terminated: &self.terminated,
            truncated: &self.truncated,
            episodes: &self.episodes,
        }
    }
}

/// Samples one action per row of `probabilities` by inversion of its cumulative sum.
pub fn sample_actions(
    probabilities: ArrayView2<'_, f64>,
    rng: &mut impl Rng,
    actions: &mut [usize],
) {
    for (row, action) in probabilities.rows().into_iter().zip(actions.iter_mut()) {
        let u: f64 = rng.random();
        let mut total = 0.0;
        *action = row.len() - 1;
        for (a, p) in row.iter().enumerate() {
            total += p;
            if u < total {
                *action = a;
                break;
            }
        }
    }
}

/// What a stochastic policy acts with: its generator and a probability buffer.
///
/// `act` writes the probabilities into [`Sampler::buffer`] with the same code as
/// `probabilities`, then calls [`Sampler::sample`]: the logged probabilities are
/// exactly those sampled from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sampler {
    rng: PolicyRng,
    /// Scratch: rewritten before every use, so not part of a saved state.
    #[serde(skip)]
    buffer: Array2<f64>,
}

impl Sampler {
    /// A sampler whose generator is seeded by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: policy_rng(seed),
            buffer: Array2::zeros((0, 0)),
        }
    }

    /// A `rows × n_actions` buffer for the probabilities.
    pub fn buffer(&mut self, rows: usize, n_actions: usize) -> ArrayViewMut2<'_, f64> {
        if self.buffer.dim() != (rows, n_actions) {
            self.buffer = Array2::zeros((rows, n_actions));
        }
        self.buffer.view_mut()
    }

    /// Samples one action per row of the buffer.
    pub fn sample(&mut self, actions: &mut [usize]) {
        sample_actions(self.buffer.view(), &mut self.rng, actions);
    }

    /// Samples one action per row from the same `distribution` for every row (the
    /// `act` of context-free policies).
    pub fn sample_shared(&mut self, distribution: &[f64], actions: &mut [usize]) {
        let mut buffer = self.buffer(actions.len(), distribution.len());
        for mut row in buffer.rows_mut() {
            row.iter_mut().zip(distribution).for_each(|(p, &q)| *p = q);
        }
        self.sample(actions);
    }

    /// A sampler that continues from the generator state `rng` (checkpoints).
    pub fn from_rng(rng: PolicyRng) -> Self {
        Self {
            rng,
            buffer: Array2::zeros((0, 0)),
        }
    }

    /// The generator's state, for checkpoints.
    pub fn rng_ref(&self) -> &PolicyRng {
        &self.rng
    }

    /// The generator, for policies that draw more than the action (e.g. posteriors).
    pub fn rng(&mut self) -> &mut PolicyRng {
        &mut self.rng
    }
}

/// The probabilities of a deterministic policy whose `act` changes nothing: one-hot
/// on the actions it chooses (its [`Policy::probabilities`]).
pub fn deterministic_probabilities<P: Policy + ?Sized>(
    policy: &mut P,
    observations: ArrayView2<'_, f32>,
    probabilities: ArrayViewMut2<'_, f64>,
) {
    let mut actions = vec![0; observations.nrows()];
    policy.act(observations, &mut actions);
    one_hot(&actions, probabilities);
}

/// One-hot probabilities of the given deterministic actions.
pub fn one_hot(actions: &[usize], mut probabilities: ArrayViewMut2<'_, f64>) {
    probabilities.fill(0.0);
    for (mut row, &action) in probabilities.rows_mut().into_iter().zip(actions) {
        row[action] = 1.0;
    }
}
