//! The replay buffer: a ring of the most recent transitions.

use super::multistep::Complete;
use crate::policy::PolicyRng;
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
    /// Bytes a buffer of `capacity` transitions of `features` features holds:
    /// two observations of 4-byte floats, an 8-byte action, a reward and a flag.
    pub fn bytes(capacity: usize, features: usize) -> u128 {
        capacity as u128 * (8 * features as u128 + 16)
    }

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

    /// Adds one transition, its reward multiplied by `reward_scale`; a `done`
    /// transition (its episode ended) is not bootstrapped.
    pub fn push(&mut self, transition: &Complete<'_>, reward_scale: f64) {
        let f = self.features;
        let slot = self.next;
        self.observations[slot * f..(slot + 1) * f].copy_from_slice(transition.observation);
        self.next_observations[slot * f..(slot + 1) * f]
            .copy_from_slice(transition.next_observation);
        self.actions[slot] = transition.action as i64;
        self.rewards[slot] = (transition.reward * reward_scale) as f32;
        self.done[slot] = f32::from(u8::from(transition.done));
        self.next = (slot + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
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
