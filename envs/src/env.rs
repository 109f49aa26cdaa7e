//! A single-user environment with the Gymnasium interface: `reset` then `step`
//! until truncated (the horizon). Churn is latent, so no episode terminates early. For clarity and tests; the
//! [`crate::Cohort`] stepper runs the same dynamics in batches.

use crate::dynamics::{DayOutcome, step_user};
use crate::error::StepError;
use crate::model::Model;
use crate::user::User;
use std::sync::Arc;

/// What one `step` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The observation after the day.
    pub observation: Vec<f32>,
    /// The objective's reward for the day.
    pub reward: f64,
    /// Always false: churn is latent (a churned user stays, dormant, to the horizon),
    /// so no state is terminal before the end of the window.
    pub terminated: bool,
    /// The horizon was reached: the episode is cut, not ended by the user.
    pub truncated: bool,
    /// Everything that happened that day.
    pub info: DayOutcome,
}

/// One user at a time.
pub struct UserEnv {
    model: Arc<Model>,
    seed: u64,
    user: Option<User>,
}

impl UserEnv {
    /// An environment drawing users and days from the streams of `seed`.
    pub fn new(model: Arc<Model>, seed: u64) -> Self {
        Self {
            model,
            seed,
            user: None,
        }
    }

    /// Starts the episode of user `id`, signed up on calendar day `signup_day`;
    /// returns the first observation. The same `(seed, id)` always gives the same user.
    pub fn reset(&mut self, id: u64, signup_day: u32) -> Vec<f32> {
        let user = User::sign_up(&self.model, self.seed, id, signup_day, None);
        self.user = Some(user);
        self.observe(&user)
    }

    /// The current user, latent state included (for tests and diagnostics).
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// Simulates one day under joint `action`.
    pub fn step(&mut self, action: usize) -> Result<Step, StepError> {
        let count = self.model.n_actions();
        if action >= count {
            return Err(StepError::UnknownAction { action, count });
        }
        let user = self.user.as_mut().ok_or(StepError::EpisodeOver)?;
        let info = step_user(&self.model, user, action);
        let user = *user;
        if info.truncated {
            self.user = None;
        }
        Ok(Step {
            observation: self.observe(&user),
            reward: info.reward,
            terminated: false,
            truncated: info.truncated,
            info,
        })
    }

    fn observe(&self, user: &User) -> Vec<f32> {
        let mut observation = vec![0.0; self.model.layout().len()];
        self.model.layout().write(user, &mut observation);
        observation
    }
}
