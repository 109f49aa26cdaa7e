//! Multi-step returns: each episode's last `n` steps wait here until their `n`-step
//! return is known, then go to the replay buffer as one transition
//! `(s_t, a_t, r_t + γ·r_{t+1} + … + γ^{n−1}·r_{t+n−1}, s_{t+n})`, bootstrapped with
//! `γⁿ·max Q'(s_{t+n}, ·)`. When an episode ends (terminated or truncated), every
//! step still waiting gets the discounted rest of the episode's rewards and no
//! bootstrap. With `n` at least the episode length the targets are Monte-Carlo
//! returns; `n = 1` is the one-step target.
//!
//! Episodes are told apart by [`Experience::episodes`]; the transitions leave in the
//! order their returns complete, which depends only on the experience given.

use crate::policy::Experience;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

/// One step waiting for its return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Waiting {
    observation: Vec<f32>,
    action: usize,
    /// `r_t + γ·r_{t+1} + …` of the rewards seen so far.
    partial_return: f64,
}

/// A transition whose `n`-step return is complete.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complete<'a> {
    /// `s_t`.
    pub observation: &'a [f32],
    /// `a_t`.
    pub action: usize,
    /// The discounted rewards from `t` on, up to `n` of them.
    pub reward: f64,
    /// The state to bootstrap from (`s_{t+n}`, or the last one when `done`).
    pub next_observation: &'a [f32],
    /// The episode ended within the `n` steps: no bootstrap.
    pub done: bool,
}

/// The steps of every unfinished episode that still wait for their return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MultiStep {
    n: usize,
    gamma: f64,
    episodes: BTreeMap<u64, VecDeque<Waiting>>,
    /// Observation buffers of steps that left, reused for the next ones: a step
    /// waits for every user-day, so it should not cost an allocation.
    #[serde(skip)]
    spare: Vec<Vec<f32>>,
}

impl MultiStep {
    /// Returns over `n ≥ 1` steps, discounted by `gamma`.
    pub fn new(n: usize, gamma: f64) -> Self {
        Self {
            n: n.max(1),
            gamma,
            episodes: BTreeMap::new(),
            spare: Vec::new(),
        }
    }

    /// Steps waiting, over all episodes.
    pub fn waiting(&self) -> usize {
        self.episodes.values().map(VecDeque::len).sum()
    }

    /// Adds every row of `experience` and hands each transition whose return is now
    /// complete to `complete`, row by row in the order of `experience`.
    pub fn push(&mut self, experience: &Experience<'_>, mut complete: impl FnMut(Complete<'_>)) {
        let Self {
            n,
            gamma,
            episodes,
            spare,
        } = self;
        for i in 0..experience.actions.len() {
            let episode = experience.episodes[i];
            let steps = episodes.entry(episode).or_default();
            let reward = experience.rewards[i];
            let mut discount = 1.0;
            for step in steps.iter_mut().rev() {
                discount *= *gamma;
                step.partial_return += discount * reward;
            }
            let mut observation = spare.pop().unwrap_or_default();
            observation.clear();
            observation.extend(experience.observations.row(i).iter());
            steps.push_back(Waiting {
                observation,
                action: experience.actions[i],
                partial_return: reward,
            });
            let next = experience.next_observations.row(i);
            let next: Cow<'_, [f32]> = next
                .as_slice()
                .map_or_else(|| Cow::Owned(next.to_vec()), Cow::Borrowed);
            let done = experience.terminated[i] || experience.truncated[i];
            let mut leave = |step: Waiting, done: bool| {
                complete(Complete {
                    observation: &step.observation,
                    action: step.action,
                    reward: step.partial_return,
                    next_observation: &next,
                    done,
                });
                spare.push(step.observation);
            };
            if done {
                steps.drain(..).for_each(|step| leave(step, true));
                episodes.remove(&episode);
            } else if steps.len() == *n
                && let Some(step) = steps.pop_front()
            {
                leave(step, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Complete, MultiStep};
    use crate::policy::Experience;
    use ndarray::Array2;

    /// What leaves the buffer: `(observation, action, return, next observation, done)`.
    type Out = (f32, usize, f64, f32, bool);

    /// One step of episodes `ids`: observation `t`, action `t`, reward `rewards`,
    /// next observation `t + 1`; `ends` marks truncation.
    fn step(
        buffer: &mut MultiStep,
        t: f32,
        ids: &[u64],
        rewards: &[f64],
        ends: &[bool],
        out: &mut Vec<Out>,
    ) {
        let rows = ids.len();
        let observations = Array2::from_elem((rows, 1), t);
        let next = Array2::from_elem((rows, 1), t + 1.0);
        let actions = vec![t as usize; rows];
        buffer.push(
            &Experience {
                observations: observations.view(),
                actions: &actions,
                rewards,
                next_observations: next.view(),
                terminated: &vec![false; rows],
                truncated: ends,
                episodes: ids,
            },
            |c: Complete<'_>| {
                out.push((
                    c.observation[0],
                    c.action,
                    c.reward,
                    c.next_observation[0],
                    c.done,
                ))
            },
        );
    }

    #[test]
    fn returns_add_n_discounted_rewards_and_the_end_flushes_the_rest() {
        let mut buffer = MultiStep::new(2, 0.5);
        let mut out = Vec::new();
        step(&mut buffer, 0.0, &[7], &[1.0], &[false], &mut out);
        assert!(out.is_empty(), "one step of two is not complete");
        step(&mut buffer, 1.0, &[7], &[2.0], &[false], &mut out);
        assert_eq!(out, vec![(0.0, 0, 1.0 + 0.5 * 2.0, 2.0, false)]);
        step(&mut buffer, 2.0, &[7], &[4.0], &[true], &mut out);
        assert_eq!(
            out[1..],
            [
                (1.0, 1, 2.0 + 0.5 * 4.0, 3.0, true),
                (2.0, 2, 4.0, 3.0, true)
            ]
        );
        assert_eq!(buffer.waiting(), 0);
    }

    #[test]
    fn episodes_interleaved_in_one_batch_are_followed_apart() {
        let mut buffer = MultiStep::new(3, 1.0);
        let mut out = Vec::new();
        step(
            &mut buffer,
            0.0,
            &[1, 2],
            &[1.0, 10.0],
            &[false, false],
            &mut out,
        );
        step(
            &mut buffer,
            1.0,
            &[2, 1],
            &[20.0, 2.0],
            &[true, false],
            &mut out,
        );
        assert_eq!(
            out,
            vec![(0.0, 0, 30.0, 2.0, true), (1.0, 1, 20.0, 2.0, true)]
        );
        assert_eq!(
            buffer.waiting(),
            2,
            "episode 1 still waits for a third step"
        );
        step(&mut buffer, 2.0, &[1], &[4.0], &[false], &mut out);
        assert_eq!(out[2], (0.0, 0, 7.0, 3.0, false));
    }
}
