//! Policies and learners for onboarding.
//!
//! A [`Policy`] maps a batch of observations (one row per live user, the feature
//! layout of [`onboard_envs::ObservationLayout`]) to one action per row. This crate
//! knows the observation/action interface, not the business model behind it; it is
//! the only crate of the workspace that depends on `tch`.
//!
//! For now it holds the interface and the constant baseline; bandits, tabular
//! Q-learning and DQN build on them.

mod constant;

pub use constant::ConstantPolicy;

use ndarray::ArrayView2;

/// Chooses one action for each observation row of a batch.
pub trait Policy {
    /// A short name for tables and plots.
    fn name(&self) -> &str;

    /// Writes one action index per row of `observations` into `actions`
    /// (`actions.len() == observations.nrows()`).
    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]);
}
