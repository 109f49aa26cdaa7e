//! The replay buffer: a ring of the most recent transitions.

use crate::policy::{Experience, PolicyRng};
use rand::RngExt;

/// The last `capacity` transitions, stored flat.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayBuffer {
    pub(super) capacity: usize,
    pub(super) features: usize,
    /// Slot the next transition goes to.
    pub(super) next: usize,
    pub(super) len: usize,
    pub(super) observations: Vec<f32>,
    pub(super) next_observations: Vec<f32>,
    pub(super) actions: Vec<i64>,
    pub(super) rewards: Vec<f32>,
    /// 1 where the episode ended (no bootstrap), else 0.
    pub(super) done: Vec<f32>,
}

/// A sampled minibatch, flat and row-major.
#[derive(Debug, Default)]
pub struct Batch {
    /// `[rows × features]`.
    pub observations: Vec<f32>,
    /// `[rows × features]`.
    pub next_observations: Vec<f32>,
    /// `[rows]`.
    pub actions: Vec<i64>,
    /// `[rows]`.
    pub rewards: Vec<f32>,
    /// `[rows]`.
    pub done: Vec<f32>,
}

impl ReplayBuffer {
    /// An empty buffer for observations of `features` values.
    pub fn new(capacity: usize, features: usize) -> Self {
        Self {
            capacity,
            features,
            next: 0,
            len: 0,
            observations: vec![0.0; capacity * features],
            next_observations: vec![0.0; capacity * features],
            actions: vec![0; capacity],
            rewards: vec![0.0; capacity],
            done: vec![0.0; capacity],
        }
    }

    /// Transitions held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before the first transition.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds every transition of `experience`, rewards multiplied by `reward_scale`.
    /// A transition that ends its episode (terminated, or truncated at the horizon)
    /// is not bootstrapped.
    pub fn push(&mut self, experience: &Experience<'_>, reward_scale: f64) {
        let f = self.features;
        for i in 0..experience.actions.len() {
            let slot = self.next;
            for (dst, src) in [
                (&mut self.observations, experience.observations.row(i)),
                (
                    &mut self.next_observations,
                    experience.next_observations.row(i),
                ),
            ] {
                for (d, s) in dst[slot * f..(slot + 1) * f].iter_mut().zip(src) {
                    *d = *s;
                }
            }
            self.actions[slot] = experience.actions[i] as i64;
            self.rewards[slot] = (experience.rewards[i] * reward_scale) as f32;
            self.done[slot] = f32::from(u8::from(
                experience.terminated[i] || experience.truncated[i],
            ));
            self.next = (slot + 1) % self.capacity;
            self.len = (self.len + 1).min(self.capacity);
        }
    }

    /// Draws `rows` transitions uniformly with replacement into `batch`.
    pub fn sample(&self, rows: usize, rng: &mut PolicyRng, batch: &mut Batch) {
        let f = self.features;
        batch.observations.clear();
        batch.next_observations.clear();
        batch.actions.clear();
        batch.rewards.clear();
        batch.done.clear();
        for _ in 0..rows {
            let i = rng.random_range(0..self.len);
            batch
                .observations
                .extend_from_slice(&self.observations[i * f..(i + 1) * f]);
            batch
                .next_observations
                .extend_from_slice(&self.next_observations[i * f..(i + 1) * f]);
            batch.actions.push(self.actions[i]);
            batch.rewards.push(self.rewards[i]);
            batch.done.push(self.done[i]);
        }
    }
}
