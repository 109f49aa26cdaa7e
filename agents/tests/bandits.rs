//! Correctness of the context-free bandits: regret on a Bernoulli bandit with
//! known means, agreement of the reported probabilities with the sampled
//! actions, configuration checks, determinism.

use ndarray::Array2;
use onboard_agents::bandits::{
    BetaThompson, BetaThompsonConfig, EpsilonGreedy, EpsilonGreedyConfig, Exp3, Exp3Config,
    GaussianThompson, GaussianThompsonConfig, Ucb1, Ucb1Config,
};
use onboard_agents::{AgentError, Experience, Learner, Policy, from_ron};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Success probabilities of the arms: the best is the last, the gaps are 0.1 to 0.4.
const MEANS: [f64; 5] = [0.1, 0.2, 0.3, 0.4, 0.5];
const K: usize = MEANS.len();
const BEST: f64 = 0.5;
/// Horizon of the regret runs.
const T: usize = 100_000;
/// Seed of the Bernoulli rewards.
const ENV_SEED: u64 = 20_240_601;

/// What a run of a policy on the Bernoulli bandit gives.
struct Run {
    /// Pseudo-regret `Σ_t Δ_{a_t}` after `T/10` steps.
    regret_tenth: f64,
    /// Pseudo-regret after all steps.
    regret: f64,
    /// The actions taken.
    actions: Vec<usize>,
}

/// Plays `steps` user-days one row at a time (a 1-feature dummy observation),
/// with rewards drawn from `Bernoulli(MEANS[a])` by a generator seeded by `ENV_SEED`.
fn play(policy: &mut dyn Learner, steps: usize) -> Run {
    let mut env = Xoshiro256PlusPlus::seed_from_u64(ENV_SEED);
    let observation = Array2::<f32>::zeros((1, 1));
    let mut action = [0_usize];
    let mut regret = 0.0;
    let mut regret_tenth = 0.0;
    let mut actions = Vec::with_capacity(steps);
    for step in 0..steps {
        policy.act(observation.view(), &mut action);
        let arm = action[0];
        let u: f64 = env.random();
        let reward = [if u < MEANS[arm] { 1.0 } else { 0.0 }];
        policy.observe(&Experience {
            observations: observation.view(),
            actions: &action,
            rewards: &reward,
            next_observations: observation.view(),
            terminated: &[false],
            truncated: &[false],
        });
        regret += BEST - MEANS[arm];
        actions.push(arm);
        if step + 1 == steps / 10 {
            regret_tenth = regret;
        }
    }
    Run {
        regret_tenth,
        regret,
        actions,
    }
}

/// The ratio `regret(T) / regret(T/10)` for logarithmic regret `C ln t`:
/// `ln T / ln(T/10) = 1 + ln 10 / ln(T/10)` (1.25 for T = 100,000). Linear regret
/// gives 10 and `√t` regret `√10 ≈ 3.16`; a ratio below `√10` therefore shows
/// growth slower than any `√t` rate, which is what is asserted.
fn assert_sublinear(name: &str, run: &Run) {
    let ratio = run.regret / run.regret_tenth;
    let logarithmic = 1.0 + 10_f64.ln() / ((T / 10) as f64).ln();
    println!(
        "{name}: regret(T/10) = {:.1}, regret(T) = {:.1}, ratio = {ratio:.3} (logarithmic: {logarithmic:.3})",
        run.regret_tenth, run.regret
    );
    assert!(
        ratio < 10_f64.sqrt(),
        "{name}: regret ratio {ratio} not below √10"
    );
}

fn gaps() -> impl Iterator<Item = f64> {
    MEANS.iter().map(|m| BEST - m).filter(|&gap| gap > 0.0)
}

/// Regret of the uniform policy, for scale: `T · mean gap` (20,000 here).
fn uniform_regret() -> f64 {
    T as f64 * MEANS.iter().map(|m| BEST - m).sum::<f64>() / K as f64
}

#[test]
fn ucb1_regret_is_logarithmic_and_under_the_auer_bound() {
    let mut policy = Ucb1::new(&Ucb1Config::default(), K).unwrap();
    let run = play(&mut policy, T);
    assert_sublinear("ucb1", &run);
    // Auer, Cesa-Bianchi & Fischer (2002), Theorem 1: the expected regret after n
    // plays is at most 8 Σ_{Δ_a>0} ln n / Δ_a + (1 + π²/3) Σ_a Δ_a.
    let n = T as f64;
    let bound = 8.0 * gaps().map(|gap| n.ln() / gap).sum::<f64>()
        + (1.0 + std::f64::consts::PI.powi(2) / 3.0) * gaps().sum::<f64>();
    println!("ucb1: regret {:.1}, Theorem 1 bound {bound:.1}", run.regret);
    assert!(run.regret < bound);
}

#[test]
fn beta_thompson_regret_is_logarithmic_and_below_epsilon_greedy() {
    let mut thompson = BetaThompson::new(&BetaThompsonConfig::default(), K, 1).unwrap();
    let thompson = play(&mut thompson, T);
    assert_sublinear("thompson-beta", &thompson);
    // ε = 0.1 without decay pays at least ε · T · mean gap = 2,000 for exploring
    // alone, a linear regret; Thompson sampling's is logarithmic.
    let config = EpsilonGreedyConfig {
        epsilon: 0.1,
        decay: 1.0,
        epsilon_min: 0.0,
    };
    let mut greedy = EpsilonGreedy::new(&config, K, 1).unwrap();
    let greedy = play(&mut greedy, T);
    println!(
        "thompson-beta regret {:.1}, epsilon-greedy (ε = 0.1) regret {:.1}",
        thompson.regret, greedy.regret
    );
    assert!(thompson.regret < greedy.regret);
}

#[test]
fn gaussian_thompson_regret_is_sublinear() {
    let mut policy = GaussianThompson::new(&GaussianThompsonConfig::default(), K, 1).unwrap();
    let run = play(&mut policy, T);
    assert_sublinear("thompson-gaussian", &run);
    println!("thompson-gaussian: uniform regret {:.1}", uniform_regret());
}

#[test]
fn exp3_regret_is_under_the_auer_bound() {
    // Auer, Cesa-Bianchi, Freund & Schapire (2002), Corollary 3.2: with
    // γ = min(1, sqrt(K ln K / ((e − 1) g))) and g ≥ T, the expected regret is at
    // most 2 sqrt(e − 1) sqrt(g K ln K).
    let (g, k) = (T as f64, K as f64);
    let e = std::f64::consts::E;
    let gamma = (k * k.ln() / ((e - 1.0) * g)).sqrt().min(1.0);
    let config = Exp3Config {
        gamma,
        reward_min: 0.0,
        reward_max: 1.0,
    };
    let mut policy = Exp3::new(&config, K, 1).unwrap();
    let run = play(&mut policy, T);
    let bound = 2.0 * (e - 1.0).sqrt() * (g * k * k.ln()).sqrt();
    println!(
        "exp3 (γ = {gamma:.5}): regret(T/10) = {:.1}, regret(T) = {:.1}, Corollary 3.2 bound {bound:.1}, uniform {:.1}",
        run.regret_tenth,
        run.regret,
        uniform_regret()
    );
    assert!(run.regret < bound);
}

/// The 0.999 quantiles of the chi-square distribution with 1 to 4 degrees of freedom.
const CHI_SQUARE_999: [f64; 4] = [10.828, 13.816, 16.266, 18.467];

/// Pearson's chi-square statistic of `counts` against `probabilities`, with cells
/// of expected count below 5 merged (smallest first), and its degrees of freedom.
fn chi_square(probabilities: &[f64], counts: &[u64]) -> (f64, usize) {
    let n = counts.iter().sum::<u64>() as f64;
    let mut cells: Vec<(f64, f64)> = probabilities
        .iter()
        .zip(counts)
        .map(|(&p, &c)| (n * p, c as f64))
        .collect();
    cells.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    let mut pool = (0.0, 0.0);
    for (expected, observed) in cells {
        pool = (pool.0 + expected, pool.1 + observed);
        if pool.0 >= 5.0 {
            merged.push(pool);
            pool = (0.0, 0.0);
        }
    }
    if let Some(last) = merged.last_mut() {
        *last = (last.0 + pool.0, last.1 + pool.1);
    }
    let statistic = merged.iter().map(|(e, o)| (o - e) * (o - e) / e).sum();
    (statistic, merged.len() - 1)
}

/// Freezes `policy` after `training` steps, reads its probabilities on `N` rows,
/// samples `N` actions, and tests the counts against `N · p` at level 0.001.
fn assert_sampling_matches_probabilities(name: &str, policy: &mut dyn Learner, training: usize) {
    const N: usize = 20_000;
    play(policy, training);
    let observations = Array2::<f32>::zeros((N, 1));
    let mut probabilities = Array2::<f64>::zeros((N, K));
    policy.probabilities(observations.view(), probabilities.view_mut());
    let p = probabilities.row(0).to_vec();
    for row in probabilities.rows() {
        assert_eq!(
            row.to_vec(),
            p,
            "{name}: a context-free policy gives every row the same probabilities"
        );
    }
    assert!(
        (p.iter().sum::<f64>() - 1.0).abs() < 1e-12,
        "{name}: {p:?} does not sum to 1"
    );
    let mut actions = vec![0; N];
    policy.act(observations.view(), &mut actions);
    let mut counts = [0_u64; K];
    for &a in &actions {
        counts[a] += 1;
    }
    for (a, (&pa, &count)) in p.iter().zip(&counts).enumerate() {
        assert!(
            pa > 0.0 || count == 0,
            "{name}: arm {a} sampled {count} times with probability 0"
        );
    }
    let (statistic, df) = chi_square(&p, &counts);
    println!("{name}: p = {p:.4?}, counts = {counts:?}, chi-square = {statistic:.2} on {df} df");
    assert!(df >= 1, "{name}: too few cells for a test");
    assert!(
        statistic < CHI_SQUARE_999[df - 1],
        "{name}: chi-square {statistic} above the 0.999 quantile {} on {df} df",
        CHI_SQUARE_999[df - 1]
    );
}

#[test]
fn epsilon_greedy_samples_its_probabilities() {
    let config = EpsilonGreedyConfig {
        epsilon: 0.5,
        decay: 0.99,
        epsilon_min: 0.2,
    };
    let mut policy = EpsilonGreedy::new(&config, K, 3).unwrap();
    assert_sampling_matches_probabilities("epsilon-greedy", &mut policy, 300);
}

#[test]
fn exp3_samples_its_probabilities() {
    let mut policy = Exp3::new(&Exp3Config::default(), K, 3).unwrap();
    assert_sampling_matches_probabilities("exp3", &mut policy, 2_000);
}

#[test]
fn beta_thompson_samples_its_probabilities() {
    let mut policy = BetaThompson::new(&BetaThompsonConfig::default(), K, 3).unwrap();
    assert_sampling_matches_probabilities("thompson-beta", &mut policy, 100);
}

#[test]
fn gaussian_thompson_samples_its_probabilities() {
    let mut policy = GaussianThompson::new(&GaussianThompsonConfig::default(), K, 3).unwrap();
    assert_sampling_matches_probabilities("thompson-gaussian", &mut policy, 100);
}

#[test]
fn ucb1_plays_every_arm_once_then_acts_as_its_one_hot_probabilities() {
    let mut policy = Ucb1::new(&Ucb1Config::default(), K).unwrap();
    let observations = Array2::<f32>::zeros((7, 1));
    let mut probabilities = Array2::<f64>::zeros((7, K));
    let mut actions = [0; 7];
    // Unplayed arms are taken in turn by the rows of a batch.
    policy.probabilities(observations.view(), probabilities.view_mut());
    policy.act(observations.view(), &mut actions);
    assert_eq!(actions, [0, 1, 2, 3, 4, 0, 1]);
    for (row, &a) in probabilities.rows().into_iter().zip(&actions) {
        assert_eq!(row[a], 1.0);
        assert_eq!(row.sum(), 1.0);
    }
    let run = play(&mut policy, 1_000);
    assert_eq!(&run.actions[..K], &[0, 1, 2, 3, 4], "each arm once first");
    policy.probabilities(observations.view(), probabilities.view_mut());
    policy.act(observations.view(), &mut actions);
    assert!(actions.iter().all(|&a| a == actions[0]));
    for row in probabilities.rows() {
        assert_eq!(row[actions[0]], 1.0);
        assert_eq!(row.sum(), 1.0);
    }
}

#[test]
fn epsilon_decays_per_observed_batch() {
    let config = EpsilonGreedyConfig {
        epsilon: 0.5,
        decay: 0.99,
        epsilon_min: 0.2,
    };
    let mut policy = EpsilonGreedy::new(&config, K, 3).unwrap();
    let observations = Array2::<f32>::zeros((1, 1));
    let mut probabilities = Array2::<f64>::zeros((1, K));
    // Before any reward every mean is 0: the greedy arms tie and share evenly.
    policy.probabilities(observations.view(), probabilities.view_mut());
    assert!(
        probabilities
            .iter()
            .all(|&p| (p - 1.0 / K as f64).abs() < 1e-15)
    );
    play(&mut policy, 50);
    assert!((policy.epsilon() - 0.5 * 0.99_f64.powi(50)).abs() < 1e-12);
    play(&mut policy, 100);
    assert_eq!(policy.epsilon(), 0.2);
}

/// The action sequences of every bandit seeded with `seed`.
fn sequences(seed: u64) -> Vec<Vec<usize>> {
    const STEPS: usize = 2_000;
    vec![
        play(
            &mut EpsilonGreedy::new(&EpsilonGreedyConfig::default(), K, seed).unwrap(),
            STEPS,
        )
        .actions,
        play(
            &mut BetaThompson::new(&BetaThompsonConfig::default(), K, seed).unwrap(),
            STEPS,
        )
        .actions,
        play(
            &mut GaussianThompson::new(&GaussianThompsonConfig::default(), K, seed).unwrap(),
            STEPS,
        )
        .actions,
        play(
            &mut Exp3::new(&Exp3Config::default(), K, seed).unwrap(),
            STEPS,
        )
        .actions,
    ]
}

#[test]
fn same_seed_same_actions() {
    let first = sequences(11);
    assert_eq!(first, sequences(11));
    let other = sequences(12);
    for (a, b) in first.iter().zip(&other) {
        assert_ne!(a, b, "the seed drives the policy's draws");
    }
    let ucb1 = || play(&mut Ucb1::new(&Ucb1Config::default(), K).unwrap(), 2_000).actions;
    assert_eq!(ucb1(), ucb1());
}

/// The field path and message of a configuration error.
fn invalid(error: AgentError) -> (String, String) {
    let text = error.to_string();
    match error {
        AgentError::Invalid { path, .. } => (path, text),
        other => panic!("expected AgentError::Invalid, got {other:?}"),
    }
}

#[test]
fn bad_values_are_rejected_by_field() {
    let greedy = EpsilonGreedyConfig::default();
    let beta = BetaThompsonConfig::default();
    let gaussian = GaussianThompsonConfig::default();
    let exp3 = Exp3Config::default();
    let errors = [
        (
            EpsilonGreedy::new(
                &EpsilonGreedyConfig {
                    epsilon: 1.5,
                    ..greedy.clone()
                },
                K,
                0,
            )
            .map(drop),
            "epsilon",
        ),
        (
            EpsilonGreedy::new(
                &EpsilonGreedyConfig {
                    decay: 0.0,
                    ..greedy.clone()
                },
                K,
                0,
            )
            .map(drop),
            "decay",
        ),
        (
            EpsilonGreedy::new(
                &EpsilonGreedyConfig {
                    epsilon_min: 0.2,
                    ..greedy.clone()
                },
                K,
                0,
            )
            .map(drop),
            "epsilon_min",
        ),
        (EpsilonGreedy::new(&greedy, 0, 0).map(drop), "n_actions"),
        (Ucb1::new(&Ucb1Config { scale: -1.0 }, K).map(drop), "scale"),
        (
            Ucb1::new(&Ucb1Config { scale: f64::NAN }, K).map(drop),
            "scale",
        ),
        (
            BetaThompson::new(
                &BetaThompsonConfig {
                    prior_alpha: 0.0,
                    ..beta.clone()
                },
                K,
                0,
            )
            .map(drop),
            "prior_alpha",
        ),
        (
            BetaThompson::new(
                &BetaThompsonConfig {
                    draws: 0,
                    ..beta.clone()
                },
                K,
                0,
            )
            .map(drop),
            "draws",
        ),
        (
            BetaThompson::new(
                &BetaThompsonConfig {
                    reward_max: 0.0,
                    ..beta.clone()
                },
                K,
                0,
            )
            .map(drop),
            "reward_max",
        ),
        (
            GaussianThompson::new(
                &GaussianThompsonConfig {
                    prior_mean: f64::INFINITY,
                    ..gaussian.clone()
                },
                K,
                0,
            )
            .map(drop),
            "prior_mean",
        ),
        (
            GaussianThompson::new(
                &GaussianThompsonConfig {
                    prior_rate: -1.0,
                    ..gaussian.clone()
                },
                K,
                0,
            )
            .map(drop),
            "prior_rate",
        ),
        (
            Exp3::new(
                &Exp3Config {
                    gamma: 0.0,
                    ..exp3.clone()
                },
                K,
                0,
            )
            .map(drop),
            "gamma",
        ),
        (
            Exp3::new(
                &Exp3Config {
                    reward_min: f64::NAN,
                    ..exp3.clone()
                },
                K,
                0,
            )
            .map(drop),
            "reward_min",
        ),
    ];
    for (result, field) in errors {
        let (path, text) = invalid(result.expect_err(field));
        assert_eq!(path, field);
        assert!(text.starts_with(&format!("{field}: ")), "{text}");
    }
    let (_, text) = invalid(
        EpsilonGreedyConfig {
            epsilon: 1.5,
            ..greedy
        }
        .validate()
        .unwrap_err(),
    );
    assert_eq!(text, "epsilon: must lie in [0, 1], got 1.5");
}

#[test]
fn configs_parse_from_ron() {
    let greedy: EpsilonGreedyConfig =
        from_ron("(epsilon: 0.2, decay: 0.999, epsilon_min: 0.01)", "greedy").unwrap();
    assert_eq!(
        greedy,
        EpsilonGreedyConfig {
            epsilon: 0.2,
            decay: 0.999,
            epsilon_min: 0.01
        }
    );
    let ucb1: Ucb1Config = from_ron("Ucb1Config(scale: 2.0)", "ucb1").unwrap();
    assert_eq!(ucb1, Ucb1Config { scale: 2.0 });
    let beta: BetaThompsonConfig = from_ron(
        "(prior_alpha: 1.0, prior_beta: 1.0, draws: 1000, reward_min: 0.0, reward_max: 1.0)",
        "beta",
    )
    .unwrap();
    assert_eq!(beta, BetaThompsonConfig::default());
    let gaussian: GaussianThompsonConfig = from_ron(
        "(prior_mean: 0.0, prior_count: 1.0, prior_shape: 1.0, prior_rate: 1.0, draws: 1000)",
        "gaussian",
    )
    .unwrap();
    assert_eq!(gaussian, GaussianThompsonConfig::default());
    let exp3: Exp3Config =
        from_ron("(gamma: 0.1, reward_min: 0.0, reward_max: 1.0)", "exp3").unwrap();
    assert_eq!(exp3, Exp3Config::default());
    let unknown = from_ron::<Ucb1Config>("(scale: 1.0, alpha: 2.0)", "ucb1");
    assert!(
        matches!(unknown, Err(AgentError::Parse { .. })),
        "{unknown:?}"
    );
}

#[test]
fn non_finite_rewards_are_skipped() {
    let learners: Vec<Box<dyn Learner>> = vec![
        Box::new(EpsilonGreedy::new(&EpsilonGreedyConfig::default(), K, 5).unwrap()),
        Box::new(Ucb1::new(&Ucb1Config::default(), K).unwrap()),
        Box::new(BetaThompson::new(&BetaThompsonConfig::default(), K, 5).unwrap()),
        Box::new(GaussianThompson::new(&GaussianThompsonConfig::default(), K, 5).unwrap()),
        Box::new(Exp3::new(&Exp3Config::default(), K, 5).unwrap()),
    ];
    let observations = Array2::<f32>::zeros((3, 1));
    let mut probabilities = Array2::<f64>::zeros((3, K));
    for mut learner in learners {
        learner.observe(&Experience {
            observations: observations.view(),
            actions: &[0, 1, 2],
            rewards: &[f64::NAN, f64::INFINITY, 1.0],
            next_observations: observations.view(),
            terminated: &[false; 3],
            truncated: &[false; 3],
        });
        learner.probabilities(observations.view(), probabilities.view_mut());
        for row in probabilities.rows() {
            assert!(
                row.iter().all(|p| p.is_finite()),
                "{}: {row}",
                learner.name()
            );
            assert!((row.sum() - 1.0).abs() < 1e-12, "{}: {row}", learner.name());
        }
    }
}
