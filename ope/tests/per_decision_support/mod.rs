//! A synthetic contextual bandit with a known value, for the per-decision and
//! interval tests: five equally likely contexts, three actions, a reward
//! `q(x, a) + b_u + ε` with a unit effect `b_u ~ U(−0.3, 0.3)` shared by a unit's rows
//! and a row noise `ε ~ U(−0.5, 0.5)`, units of 1 to 6 rows.

#![allow(dead_code)] // each test crate uses a part of it

use onboard_ope::{Columns, Predictions};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Expected rewards `q(x, a)`.
const Q: [[f64; 3]; 5] = [
    [0.2, 0.5, 0.8],
    [0.6, 0.4, 0.3],
    [0.1, 0.9, 0.5],
    [0.7, 0.2, 0.4],
    [0.3, 0.3, 0.6],
];
/// The behaviour `π_b(a|x)`.
const BEHAVIOUR: [[f64; 3]; 5] = [
    [0.5, 0.3, 0.2],
    [0.2, 0.5, 0.3],
    [0.6, 0.2, 0.2],
    [0.3, 0.3, 0.4],
    [0.25, 0.5, 0.25],
];
/// The target `π_e(a|x)`; its largest weight is 4.
const TARGET: [[f64; 3]; 5] = [
    [0.1, 0.3, 0.6],
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0.8, 0.1, 0.1],
    [0.2, 0.2, 0.6],
];

/// The target's value: `E_x Σ_a π_e(a|x) q(x, a)`.
pub fn truth() -> f64 {
    (0..5)
        .map(|x| (0..3).map(|a| TARGET[x][a] * Q[x][a]).sum::<f64>())
        .sum::<f64>()
        / 5.0
}

/// The probability limit of sub-Gaussian IPS with `lambda`:
/// `E_x Σ_a π_b(a|x) ŵ(x, a) q(x, a)`.
pub fn sub_gaussian_limit(lambda: f64) -> f64 {
    (0..5)
        .map(|x| {
            (0..3)
                .map(|a| {
                    let w = TARGET[x][a] / BEHAVIOUR[x][a];
                    BEHAVIOUR[x][a] * w / (1.0 - lambda + lambda * w) * Q[x][a]
                })
                .sum::<f64>()
        })
        .sum::<f64>()
        / 5.0
}

/// A draw of the log, seeded: `units` units with the reward model `q + model_bias`.
pub fn log(seed: u64, units: usize, model_bias: f64) -> Columns {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut columns = Columns {
        starts: vec![0],
        reward_model: Some(Predictions::default()),
        ..Columns::default()
    };
    for _ in 0..units {
        let effect = rng.random_range(-0.3..0.3);
        let len = rng.random_range(1..=6);
        for _ in 0..len {
            let x = rng.random_range(0..5);
            let u: f64 = rng.random();
            let a = if u < BEHAVIOUR[x][0] {
                0
            } else if u < BEHAVIOUR[x][0] + BEHAVIOUR[x][1] {
                1
            } else {
                2
            };
            columns.propensity.push(BEHAVIOUR[x][a]);
            columns.target.push(TARGET[x][a]);
            columns
                .reward
                .push(Q[x][a] + effect + rng.random_range(-0.5..0.5));
            let model = columns.reward_model.as_mut().expect("a reward model");
            model.logged.push(Q[x][a] + model_bias);
            model.target.push(
                (0..3)
                    .map(|b| TARGET[x][b] * (Q[x][b] + model_bias))
                    .sum::<f64>(),
            );
        }
        columns.starts.push(columns.reward.len());
    }
    columns
}

/// The log with every context equally often and deterministic rewards `q(x, a)`:
/// `rounds` passes over the contexts, every action of each, one row per unit.
pub fn exact_log(rounds: usize) -> Columns {
    let mut propensity = Vec::new();
    let mut target = Vec::new();
    let mut reward = Vec::new();
    let mut logged = Vec::new();
    let mut expected = Vec::new();
    for _ in 0..rounds {
        for x in 0..5 {
            for a in 0..3 {
                propensity.push(BEHAVIOUR[x][a]);
                target.push(TARGET[x][a]);
                reward.push(Q[x][a]);
                logged.push(Q[x][a]);
                expected.push((0..3).map(|b| TARGET[x][b] * Q[x][b]).sum::<f64>());
            }
        }
    }
    Columns {
        reward_model: Some(Predictions {
            logged,
            target: expected,
            folds: None,
        }),
        ..Columns::independent(propensity, target, reward)
    }
}
