//! Correctness of the linear contextual bandits: reward against the oracle on a
//! linear bandit with known parameters, agreement of the reported probabilities
//! with the sampled actions, the Sherman–Morrison inverse and the Cholesky factor,
//! configuration checks, determinism.

mod common;

use common::assert_samples_match_probabilities;
use ndarray::{Array1, Array2};
use onboard_agents::linear::{
    LinThompson, LinThompsonConfig, LinUcb, LinUcbConfig, Ridge, cholesky,
};
use onboard_agents::{AgentError, Experience, Learner, Policy, from_ron};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Features of a context.
const D: usize = 8;
/// Arms.
const K: usize = 4;
/// Standard deviation of the reward noise.
const NOISE: f64 = 0.1;
/// Rows per step.
const BATCH: usize = 16;
/// Steps of a run: 8 000 rows, about 2 000 per arm. From the self-normalised
/// bound the confidence width of an arm after `n` rows of isotropic contexts is
/// about `sqrt((D + 1)/n)`, 0.07 at `n = 2 000`, while the reward gaps between arms
/// are of the order of the reward spread `|θ*| ≈ 2.8`: by the last quarter only
/// the few contexts whose best two arms are within a few hundredths of each other
/// are still played wrongly.
const STEPS: usize = 500;
/// Seed of the contexts, the true parameters and the reward noise.
const ENV_SEED: u64 = 20_240_917;

/// A standard normal draw.
fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    StandardNormal.sample(rng)
}

/// A linear bandit: `r = θ*_aᵀx + N(0, NOISE²)`, contexts `x ~ N(0, I_D)`,
/// `θ*_a ~ N(0, I_D)`, all from one seeded generator.
struct LinearBandit {
    theta: Array2<f64>,
    rng: Xoshiro256PlusPlus,
}

impl LinearBandit {
    fn new() -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(ENV_SEED);
        let theta = Array2::from_shape_simple_fn((K, D), || StandardNormal.sample(&mut rng));
        Self { theta, rng }
    }

    fn contexts(&mut self) -> Array2<f32> {
        Array2::from_shape_simple_fn((BATCH, D), || normal(&mut self.rng) as f32)
    }

    /// `θ*_aᵀx`.
    fn expected(&self, x: ndarray::ArrayView1<'_, f32>, a: usize) -> f64 {
        x.iter()
            .zip(self.theta.row(a))
            .map(|(&x, t)| f64::from(x) * t)
            .sum()
    }
}

/// Mean expected reward per row of the learner and of the oracle over the last
/// quarter of a run, and the actions of the whole run.
struct Run {
    learner: f64,
    oracle: f64,
    actions: Vec<usize>,
}

/// Plays `STEPS` batches through the traits; the comparison uses the expected
/// rewards `θ*_aᵀx` of the same contexts (the noise would add a standard error
/// of 0.1/sqrt(2 000) ≈ 0.002 to both).
fn play(learner: &mut dyn Learner) -> Run {
    let mut env = LinearBandit::new();
    let mut actions = vec![0; BATCH];
    let (mut total, mut oracle, mut all) = (0.0, 0.0, Vec::new());
    for step in 0..STEPS {
        let observations = env.contexts();
        learner.act(observations.view(), &mut actions);
        let mut rewards = vec![0.0; BATCH];
        for (i, x) in observations.rows().into_iter().enumerate() {
            let expected = env.expected(x, actions[i]);
            let noise: f64 = StandardNormal.sample(&mut env.rng);
            rewards[i] = expected + NOISE * noise;
            if step >= STEPS * 3 / 4 {
                total += expected;
                oracle += (0..K)
                    .map(|a| env.expected(x, a))
                    .fold(f64::NEG_INFINITY, f64::max);
            }
        }
        learner.observe(&Experience {
            observations: observations.view(),
            actions: &actions,
            rewards: &rewards,
            next_observations: observations.view(),
            terminated: &[false; BATCH],
            truncated: &[false; BATCH],
            episodes: &std::array::from_fn::<u64, BATCH, _>(|i| i as u64),
        });
        all.extend_from_slice(&actions);
    }
    let rows = (STEPS - STEPS * 3 / 4) * BATCH;
    Run {
        learner: total / rows as f64,
        oracle: oracle / rows as f64,
        actions: all,
    }
}

fn linucb() -> LinUcb {
    let config = LinUcbConfig {
        alpha: 1.0,
        regularization: 1.0,
    };
    LinUcb::new(&config, D, K).unwrap()
}

/// `scale` is the noise standard deviation: the exact Bayesian posterior.
fn lin_thompson(seed: u64) -> LinThompson {
    let config = LinThompsonConfig {
        scale: NOISE,
        regularization: 1.0,
        draws: 200,
    };
    LinThompson::new(&config, D, K, seed).unwrap()
}

#[test]
fn linucb_reaches_the_oracle() {
    let run = play(&mut linucb());
    let share = run.learner / run.oracle;
    println!(
        "linucb: {:.5} of oracle {:.5} = {:.3} %",
        run.learner,
        run.oracle,
        100.0 * share
    );
    assert!(
        share >= 0.95,
        "linucb reaches {:.2} % of the oracle",
        100.0 * share
    );
}

#[test]
fn lin_thompson_reaches_the_oracle() {
    let run = play(&mut lin_thompson(7));
    let share = run.learner / run.oracle;
    println!(
        "lin-thompson: {:.5} of oracle {:.5} = {:.3} %",
        run.learner,
        run.oracle,
        100.0 * share
    );
    assert!(
        share >= 0.95,
        "lin-thompson reaches {:.2} % of the oracle",
        100.0 * share
    );
}

/// A policy that has seen a little data, with a wide posterior, so that several
/// arms have sizeable probabilities for the test context.
fn uncertain_thompson() -> (LinThompson, Vec<f32>) {
    let config = LinThompsonConfig {
        scale: 1.0,
        regularization: 1.0,
        draws: 200,
    };
    let mut policy = LinThompson::new(&config, D, K, 11).unwrap();
    let mut env = LinearBandit::new();
    for _ in 0..2 {
        let observations = env.contexts();
        let actions: Vec<usize> = (0..BATCH).map(|i| i % K).collect();
        let rewards: Vec<f64> = observations
            .rows()
            .into_iter()
            .zip(&actions)
            .map(|(x, &a)| env.expected(x, a))
            .collect();
        policy.observe(&Experience {
            observations: observations.view(),
            actions: &actions,
            rewards: &rewards,
            next_observations: observations.view(),
            terminated: &[false; BATCH],
            truncated: &[false; BATCH],
            episodes: &std::array::from_fn::<u64, BATCH, _>(|i| i as u64),
        });
    }
    let observation = vec![0.3_f32, -0.2, 0.1, 0.0, 0.2, -0.1, 0.05, 0.0];
    (policy, observation)
}

#[test]
fn lin_thompson_samples_its_probabilities() {
    let (mut policy, observation) = uncertain_thompson();
    let rows = Array2::from_shape_vec((1, D), observation.clone()).unwrap();
    let mut first = Array2::zeros((1, K));
    policy.probabilities(rows.view(), first.view_mut());
    let mut second = Array2::zeros((1, K));
    policy.probabilities(rows.view(), second.view_mut());
    println!("probabilities {first}");
    // Frozen state: the same probabilities every time, summing to 1.
    assert_eq!(first, second);
    assert!((first.sum() - 1.0).abs() < 1e-12);
    // The test is informative only if at least two arms are likely.
    assert!(first.iter().filter(|&&p| p >= 0.05).count() >= 2, "{first}");
    let statistic = assert_samples_match_probabilities(&mut policy, &observation, 20_000);
    println!("chi-square {statistic:.2}");
}

#[test]
fn linucb_probabilities_are_one_hot_on_its_action() {
    let mut policy = linucb();
    let mut env = LinearBandit::new();
    // No data: every bound is equal, so the lowest index wins.
    let observations = env.contexts();
    let mut actions = vec![9; BATCH];
    policy.act(observations.view(), &mut actions);
    assert!(actions.iter().all(|&a| a == 0));
    play(&mut policy);
    let observations = env.contexts();
    policy.act(observations.view(), &mut actions);
    let mut probabilities = Array2::zeros((BATCH, K));
    policy.probabilities(observations.view(), probabilities.view_mut());
    for (row, &a) in probabilities.rows().into_iter().zip(&actions) {
        assert_eq!(row[a], 1.0);
        assert_eq!(row.sum(), 1.0);
    }
}

#[test]
fn sherman_morrison_keeps_the_inverse() {
    let dimension = D + 1;
    let lambda = 0.5;
    let mut ridge = Ridge::new(dimension, lambda).unwrap();
    let mut a = Array2::<f64>::eye(dimension) * lambda;
    let mut b = Array1::<f64>::zeros(dimension);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    for _ in 0..5_000 {
        let scale = 0.1 + 3.0 * rng.random::<f64>();
        let x = Array1::from_shape_simple_fn(dimension, || scale * normal(&mut rng));
        let r: f64 = StandardNormal.sample(&mut rng);
        ridge.update(x.view(), r);
        for i in 0..dimension {
            for j in 0..dimension {
                a[[i, j]] += x[i] * x[j];
            }
        }
        b.scaled_add(r, &x);
    }
    let product = a.dot(&ridge.inverse());
    let error = (&product - &Array2::<f64>::eye(dimension))
        .iter()
        .fold(0.0_f64, |m, e| m.max(e.abs()));
    println!("max |A·A⁻¹ − I| = {error:.2e}");
    assert!(error < 1e-9, "{error}");
    // θ solves the normal equations A θ = b.
    let residual = (&a.dot(&ridge.theta()) - &b)
        .iter()
        .fold(0.0_f64, |m, e| m.max(e.abs()));
    let scale = b.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
    assert!(residual < 1e-9 * scale, "{residual} vs {scale}");
    assert_eq!(ridge.b(), b.view());
    // The factor linear Thompson sampling draws with: L·Lᵀ = A⁻¹ up to the
    // backward error of Cholesky, a few ε·d·max|A⁻¹|.
    let inverse = ridge.inverse();
    let l = cholesky(inverse);
    let error = (&l.dot(&l.t()) - &inverse)
        .iter()
        .fold(0.0_f64, |m, e| m.max(e.abs()));
    let largest = inverse.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
    println!("max |L·Lᵀ − A⁻¹| = {error:.2e} (max |A⁻¹| = {largest:.2e})");
    assert!(error < 1e-12 * largest, "{error}");
}

#[test]
fn cholesky_factors_positive_definite_matrices() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for n in [1, 2, 5, 9] {
        let m = Array2::from_shape_simple_fn((n, n), || StandardNormal.sample(&mut rng));
        let input: Array2<f64> = m.dot(&m.t()) + Array2::<f64>::eye(n);
        let l = cholesky(input.view());
        for i in 0..n {
            assert!(l[[i, i]] > 0.0);
            for j in i + 1..n {
                assert_eq!(l[[i, j]], 0.0);
            }
        }
        let error = (&l.dot(&l.t()) - &input)
            .iter()
            .fold(0.0_f64, |m, e| m.max(e.abs()));
        println!("n = {n}: max |L·Lᵀ − M| = {error:.2e}");
        assert!(error < 1e-12 * input.iter().fold(1.0_f64, |m, e| m.max(e.abs())));
    }
    // Semi-definite: the zero pivot leaves its column zero, the product is exact.
    let singular = ndarray::arr2(&[[4.0, 2.0], [2.0, 1.0]]);
    let l = cholesky(singular.view());
    assert_eq!(l.dot(&l.t()), singular);
}

fn invalid_path(result: Result<(), AgentError>) -> (String, String) {
    match result {
        Err(AgentError::Invalid { path, rule }) => (path, rule),
        other => panic!("expected an invalid value, got {other:?}"),
    }
}

#[test]
fn configurations_name_the_broken_field() {
    let bad_alpha = LinUcbConfig {
        alpha: -1.0,
        regularization: 1.0,
    };
    let (path, rule) = invalid_path(bad_alpha.validate());
    assert_eq!(path, "alpha");
    assert!(
        rule.contains("at least 0") && rule.contains("got -1"),
        "{rule}"
    );
    let bad_lambda = LinUcbConfig {
        alpha: 1.0,
        regularization: 0.0,
    };
    assert_eq!(invalid_path(bad_lambda.validate()).0, "regularization");
    let ok = LinThompsonConfig::default();
    let cases = [
        (
            LinThompsonConfig {
                scale: f64::NAN,
                ..ok.clone()
            },
            "scale",
        ),
        (
            LinThompsonConfig {
                regularization: -2.0,
                ..ok.clone()
            },
            "regularization",
        ),
        (
            LinThompsonConfig {
                draws: 0,
                ..ok.clone()
            },
            "draws",
        ),
    ];
    for (config, field) in cases {
        assert_eq!(invalid_path(config.validate()).0, field);
        assert!(LinThompson::new(&config, D, K, 1).is_err());
    }
    assert!(matches!(
        LinUcb::new(&LinUcbConfig::default(), D, 0),
        Err(AgentError::Invalid { path, .. }) if path == "n_actions"
    ));
    assert!(matches!(
        LinThompson::new(&ok, D, 0, 1),
        Err(AgentError::Invalid { path, .. }) if path == "n_actions"
    ));
}

#[test]
fn configurations_parse_from_ron() {
    let ucb: LinUcbConfig = from_ron("(alpha: 0.5, regularization: 2.0)", "linucb.ron").unwrap();
    assert_eq!(
        ucb,
        LinUcbConfig {
            alpha: 0.5,
            regularization: 2.0
        }
    );
    let ts: LinThompsonConfig =
        from_ron("(scale: 0.1, regularization: 1.0, draws: 300)", "lints.ron").unwrap();
    assert_eq!(
        ts,
        LinThompsonConfig {
            scale: 0.1,
            regularization: 1.0,
            draws: 300
        }
    );
    let unknown = from_ron::<LinUcbConfig>("(alpha: 1.0, regularization: 1.0, beta: 2.0)", "x");
    assert!(matches!(unknown, Err(AgentError::Parse { .. })));
}

#[test]
fn same_seed_same_actions() {
    let first = play(&mut lin_thompson(42)).actions;
    let again = play(&mut lin_thompson(42)).actions;
    let other = play(&mut lin_thompson(43)).actions;
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert_eq!(play(&mut linucb()).actions, play(&mut linucb()).actions);
}
