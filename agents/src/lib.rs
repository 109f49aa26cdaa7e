//! Policies and learners for onboarding.
//!
//! A [`Policy`] maps a batch of observations (one row per live user, the feature
//! layout of [`onboard_envs::ObservationLayout`]) to one action per row, and gives
//! the probability of every action for every row: exactly the probabilities it
//! samples from, so that logs can carry propensities for off-policy evaluation.
//! A [`Learner`] is a policy that also learns from [`Experience`], batches of
//! `(s, a, r, s', terminated, truncated)`.
//!
//! This crate knows the observation/action interface, not the business model
//! behind it; it is the only crate of the workspace that depends on `tch`.
//!
//! - [`AgentConfig`]: any of the agents below from one RON file; [`registry`] lists
//!   the kinds, each an [`AgentKind`];
//! - [`baselines`]: constant, uniformly random, and rule schedules written in RON;
//! - [`bandits`]: context-free bandits (ε-greedy, UCB1, Thompson sampling, EXP3);
//! - [`linear`]: linear contextual bandits (LinUCB, linear Thompson sampling);
//! - [`tabular`]: Q-learning on a discretised observation;
//! - [`dqn`]: deep Q-learning with tch, with checkpoints;
//! - [`OncePerUser`]: any learner deciding once per user at signup (among journey
//!   templates), learning from rewards that arrive when each episode ends.
//!
//! Every learner can be frozen ([`Learner::frozen`]: a copy that acts without
//! exploring and learns nothing, for evaluation) and saved ([`save_agent`], read
//! back by [`load_agent`]); [`files::write_atomically`] writes every file whole or
//! not at all.

mod agent_config;
pub mod bandits;
pub mod baselines;
mod checks;
pub mod dqn;
mod error;
pub mod files;
pub mod linear;
mod once_per_user;
mod options;
mod policy;
pub mod registry;
mod state;
pub mod tabular;

pub use error::{AgentError, from_ron};
pub use once_per_user::OncePerUser;
pub use options::describe_options;
pub use policy::{
    Experience, ExperienceBuffer, FrozenPolicy, Learner, Policy, PolicyRng, Sampler,
    deterministic_probabilities, first_non_finite, one_hot, policy_rng, sample_actions,
};
pub use registry::{AgentConfig, AgentKind, BuildContext};
pub use state::{
    CHECKPOINT_EXTENSION, Decisions, STATE_EXTENSION, SavedLearner, is_saved_agent, load_agent,
    load_saved, save_agent,
};
