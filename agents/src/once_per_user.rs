//! The once-per-user decision mode: a learner chooses one option per user at
//! signup (a journey template), and learns from the user's whole-episode reward,
//! which arrives only when the episode ends, up to a horizon later.

use crate::policy::{Experience, Learner, Policy};
use ndarray::{Array2, ArrayView2};
use std::collections::HashMap;

/// A choice waiting for its reward.
#[derive(Debug, Clone)]
struct Pending {
    observation: Vec<f32>,
    choice: usize,
    reward: f64,
}

/// The bookkeeping of a policy whose actions are options chosen once per user.
///
/// [`OncePerUser::choose`] asks the policy for new users' options and remembers
/// each user's signup observation; [`OncePerUser::record`] adds each day's
/// rewards, and when a user's episode ends hands the learner one transition
/// `(signup observation, option, total reward)`, marked terminal. Until then
/// the learner keeps choosing for new users with what it knows: the feedback
/// is delayed, never invented. The policy is lent to each call, not owned, so
/// the caller keeps its concrete agent (to checkpoint it, or to freeze it).
#[derive(Debug, Default)]
pub struct OncePerUser {
    pending: HashMap<u64, Pending>,
    delivered: u64,
}

impl OncePerUser {
    /// No user chosen for yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Chooses with `policy` an option for each new user: `keys[i]` identifies the
    /// user of row `i` of `observations` (their signup observation). Writes
    /// `choices`.
    ///
    /// # Panics
    /// If the lengths of `keys`, `choices` and the rows of `observations` differ.
    pub fn choose(
        &mut self,
        policy: &mut dyn Policy,
        keys: &[u64],
        observations: ArrayView2<'_, f32>,
        choices: &mut [usize],
    ) {
        assert_eq!(keys.len(), observations.nrows(), "one key per row");
        policy.act(observations, choices);
        for ((&key, row), &choice) in keys.iter().zip(observations.rows()).zip(choices.iter()) {
            self.pending.insert(
                key,
                Pending {
                    observation: row.to_vec(),
                    choice,
                    reward: 0.0,
                },
            );
        }
    }

    /// The option chosen for user `key`, while their episode lasts.
    pub fn choice(&self, key: u64) -> Option<usize> {
        self.pending.get(&key).map(|p| p.choice)
    }

    /// Adds `rewards[i]` to user `keys[i]`'s total; users whose episode ended
    /// (`finished[i]`) are handed to `learner`, in row order, as one batch, or
    /// forgotten when there is no learner (a frozen policy). Keys without a
    /// pending choice are ignored.
    pub fn record(
        &mut self,
        learner: Option<&mut dyn Learner>,
        keys: &[u64],
        rewards: &[f64],
        finished: &[bool],
    ) {
        let mut done = Vec::new();
        for ((key, &reward), &end) in keys.iter().zip(rewards).zip(finished) {
            if let Some(pending) = self.pending.get_mut(key) {
                pending.reward += reward;
            }
            if end && let Some(pending) = self.pending.remove(key) {
                done.push(pending);
            }
        }
        if let Some(learner) = learner {
            self.deliver(learner, &done);
        }
    }

    fn deliver(&mut self, learner: &mut dyn Learner, done: &[Pending]) {
        let Some(first) = done.first() else {
            return;
        };
        let features = first.observation.len();
        let flat: Vec<f32> = done
            .iter()
            .flat_map(|p| p.observation.iter().copied())
            .collect();
        let observations = Array2::from_shape_vec((done.len(), features), flat)
            .expect("every signup observation has the same width");
        let actions: Vec<usize> = done.iter().map(|p| p.choice).collect();
        let rewards: Vec<f64> = done.iter().map(|p| p.reward).collect();
        let terminated = vec![true; done.len()];
        let truncated = vec![false; done.len()];
        let episodes: Vec<u64> = (0..done.len() as u64).collect();
        learner.observe(&Experience {
            observations: observations.view(),
            actions: &actions,
            rewards: &rewards,
            next_observations: observations.view(),
            terminated: &terminated,
            truncated: &truncated,
            episodes: &episodes,
        });
        self.delivered += done.len() as u64;
    }

    /// Users chosen for whose reward has not arrived yet.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Users whose total reward the learner has received.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }
}
