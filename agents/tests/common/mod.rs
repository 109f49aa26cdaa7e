//! A small random MDP with a known optimum, for testing learners through the
//! `Policy`/`Learner` interfaces.

#![allow(dead_code)] // each test file uses its own subset

use ndarray::Array2;
use onboard_agents::{Experience, Learner};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// States `0..states`, each action leading to a next state or to termination, with
/// a reward per (state, action). Episodes start in state 0.
pub struct Mdp {
    pub states: usize,
    pub actions: usize,
    pub gamma: f64,
    /// `transition[s][a][s']` for `s' < states`; the rest of the mass terminates.
    pub transition: Vec<Vec<Vec<f64>>>,
    pub reward: Vec<Vec<f64>>,
}

impl Mdp {
    /// A random MDP: sparse transitions, a 5 % chance of ending at each step,
    /// rewards in `[0, 1]` with one clearly better action per state.
    pub fn random(states: usize, actions: usize, gamma: f64, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let transition = (0..states)
            .map(|_| {
                (0..actions)
                    .map(|_| {
                        let mut p: Vec<f64> =
                            (0..states).map(|_| rng.random::<f64>().powi(4)).collect();
                        let total: f64 = p.iter().sum();
                        p.iter_mut().for_each(|x| *x *= 0.95 / total);
                        p
                    })
                    .collect()
            })
            .collect();
        let reward = (0..states)
            .map(|_| (0..actions).map(|_| rng.random::<f64>()).collect())
            .collect();
        Self {
            states,
            actions,
            gamma,
            transition,
            reward,
        }
    }

    fn backup(&self, values: &[f64], s: usize, a: usize) -> f64 {
        self.reward[s][a]
            + self.gamma
                * self.transition[s][a]
                    .iter()
                    .zip(values)
                    .map(|(p, v)| p * v)
                    .sum::<f64>()
    }

    /// The optimal values, by value iteration to convergence.
    pub fn optimal_values(&self) -> Vec<f64> {
        let mut values = vec![0.0; self.states];
        for _ in 0..10_000 {
            values = (0..self.states)
                .map(|s| {
                    (0..self.actions)
                        .map(|a| self.backup(&values, s, a))
                        .fold(f64::MIN, f64::max)
                })
                .collect();
        }
        values
    }

    /// The values of the deterministic policy `policy[s]`, by iterative evaluation.
    pub fn policy_values(&self, policy: &[usize]) -> Vec<f64> {
        let mut values = vec![0.0; self.states];
        for _ in 0..10_000 {
            values = (0..self.states)
                .map(|s| self.backup(&values, s, policy[s]))
                .collect();
        }
        values
    }

    /// The one-feature observation of state `s`.
    pub fn observation(s: usize) -> [f32; 1] {
        [s as f32]
    }

    /// Trains `learner` on `episodes` parallel episodes at a time for `steps` steps,
    /// restarting each finished episode in state 0, with the environment's own seed.
    pub fn train(&self, learner: &mut dyn Learner, parallel: usize, steps: usize, seed: u64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut state = vec![0usize; parallel];
        let mut actions = vec![0usize; parallel];
        for _ in 0..steps {
            let observations = Array2::from_shape_fn((parallel, 1), |(i, _)| state[i] as f32);
            learner.act(observations.view(), &mut actions);
            let mut rewards = vec![0.0; parallel];
            let mut next = vec![0usize; parallel];
            let mut terminated = vec![false; parallel];
            for i in 0..parallel {
                let (s, a) = (state[i], actions[i]);
                rewards[i] = self.reward[s][a];
                let u: f64 = rng.random();
                let mut total = 0.0;
                terminated[i] = true;
                for (s2, p) in self.transition[s][a].iter().enumerate() {
                    total += p;
                    if u < total {
                        next[i] = s2;
                        terminated[i] = false;
                        break;
                    }
                }
            }
            let next_observations = Array2::from_shape_fn((parallel, 1), |(i, _)| next[i] as f32);
            learner.observe(&Experience {
                observations: observations.view(),
                actions: &actions,
                rewards: &rewards,
                next_observations: next_observations.view(),
                terminated: &terminated,
                truncated: &vec![false; parallel],
                episodes: &(0..parallel as u64).collect::<Vec<_>>(),
            });
            for i in 0..parallel {
                state[i] = if terminated[i] { 0 } else { next[i] };
            }
        }
    }
}

/// 0.999 quantiles of the chi-square distribution with 1..=10 degrees of freedom.
const CHI_SQUARE_999: [f64; 10] = [
    10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588,
];

/// Acts on `n` copies of `observation` and checks the action counts against the
/// probabilities the policy reports, by a chi-square goodness-of-fit test at the
/// 0.001 level (cells with expected count below 5 are merged). Returns the statistic.
pub fn assert_samples_match_probabilities(
    policy: &mut dyn onboard_agents::Policy,
    observation: &[f32],
    n: usize,
) -> f64 {
    let k = policy.n_actions();
    let rows = Array2::from_shape_fn((n, observation.len()), |(_, j)| observation[j]);
    let mut probabilities = Array2::zeros((1, k));
    policy.probabilities(rows.slice(ndarray::s![0..1, ..]), probabilities.view_mut());
    let mut actions = vec![0; n];
    policy.act(rows.view(), &mut actions);
    let mut counts = vec![0.0; k];
    for &a in &actions {
        counts[a] += 1.0;
    }
    // Merge small cells into one so every expected count is at least 5.
    let (mut cells, mut small_expected, mut small_observed) = (Vec::new(), 0.0, 0.0);
    for a in 0..k {
        let expected = probabilities[[0, a]] * n as f64;
        if expected < 5.0 {
            small_expected += expected;
            small_observed += counts[a];
        } else {
            cells.push((expected, counts[a]));
        }
    }
    if small_expected > 0.0 || small_observed > 0.0 {
        cells.push((small_expected.max(1e-12), small_observed));
    }
    let statistic: f64 = cells.iter().map(|(e, o)| (o - e) * (o - e) / e).sum();
    if cells.len() >= 2 {
        let quantile = CHI_SQUARE_999[cells.len() - 2];
        assert!(
            statistic < quantile,
            "chi-square {statistic:.2} ≥ {quantile} with {} cells",
            cells.len()
        );
    }
    statistic
}
