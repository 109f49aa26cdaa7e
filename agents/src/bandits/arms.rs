//! What the bandits share: the pulls of a batch, running arm statistics, reward
//! rescaling and the checks of their configurations.

use crate::checks::{argmax, check};
use crate::error::AgentError;
use crate::policy::Experience;
use serde::{Deserialize, Serialize};

/// The `(action, reward)` pairs of a batch whose reward is finite; a non-finite
/// reward carries no information and is skipped.
pub(super) fn pulls<'a>(experience: &'a Experience<'_>) -> impl Iterator<Item = (usize, f64)> + 'a {
    experience
        .actions
        .iter()
        .copied()
        .zip(experience.rewards.iter().copied())
        .filter(|(_, reward)| reward.is_finite())
}

/// Per arm: number of pulls and running mean reward.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ArmStats {
    counts: Vec<u64>,
    means: Vec<f64>,
}

impl ArmStats {
    /// Statistics of `n_actions` arms never pulled.
    pub(super) fn new(n_actions: usize) -> Self {
        Self {
            counts: vec![0; n_actions],
            means: vec![0.0; n_actions],
        }
    }

    /// Adds every pull of the batch with a finite reward.
    pub(super) fn update(&mut self, experience: &Experience<'_>) {
        for (arm, reward) in pulls(experience) {
            self.counts[arm] += 1;
            self.means[arm] += (reward - self.means[arm]) / self.counts[arm] as f64;
        }
    }

    /// Number of arms.
    /// The first arm mean that is NaN or infinite, if any.
    pub(super) fn non_finite(&self) -> Option<String> {
        crate::first_non_finite("means", &self.means)
    }

    pub(super) fn n_arms(&self) -> usize {
        self.counts.len()
    }

    /// Pulls of `arm`.
    pub(super) fn count(&self, arm: usize) -> u64 {
        self.counts[arm]
    }

    /// Pulls of all arms.
    pub(super) fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Mean reward of `arm` (0 before its first pull).
    pub(super) fn mean(&self, arm: usize) -> f64 {
        self.means[arm]
    }

    /// The arm of highest mean reward, the lowest index on ties.
    pub(super) fn best(&self) -> usize {
        argmax(self.means.iter().copied())
    }
}

/// `reward` mapped from `[min, max]` onto `[0, 1]`, clamped outside.
pub(super) fn rescale(reward: f64, min: f64, max: f64) -> f64 {
    ((reward - min) / (max - min)).clamp(0.0, 1.0)
}

/// The bounds rewards are rescaled with: finite, `reward_min < reward_max`.
pub(super) fn check_reward_bounds(reward_min: f64, reward_max: f64) -> Result<(), AgentError> {
    check(
        "reward_min",
        reward_min.is_finite(),
        "must be finite",
        reward_min,
    )?;
    check(
        "reward_max",
        reward_max.is_finite() && reward_max > reward_min,
        &format!("must be finite and > reward_min = {reward_min}"),
        reward_max,
    )
}
