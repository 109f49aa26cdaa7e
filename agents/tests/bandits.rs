//! Correctness of the context-free bandits: regret on a Bernoulli bandit with
//! known means, agreement of the reported probabilities with the sampled
//! actions, the updates themselves, configuration checks, determinism.

mod common;

use common::assert_samples_match_probabilities;
use ndarray::Array2;
use onboard_agents::bandits::{
    BetaThompson, BetaThompsonConfig, EpsilonGreedy, EpsilonGreedyConfig, Exp3, Exp3Config,
    GaussianThompson, GaussianThompsonConfig, Ucb1, Ucb1Config,
};
use onboard_agents::{AgentError, Experience, Learner, Policy, from_ron};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Success probabilities of the arms: the best is the last, the gaps 0.1 to 0.4.
const MEANS: [f64; 5] = [0.2, 0.3, 0.4, 0.5, 0.6];
const K: usize = MEANS.len();
const BEST: f64 = 0.6;
/// Horizon of the regret runs.
const T: usize = 100_000;
/// Seed of the Bernoulli rewards.
const ENV_SEED: u64 = 20_240_601;

/// What a run of a policy on the Bernoulli bandit gives.
struct Run {
    /// Pseudo-regret `Σ_t Δ_{a_t}` after `steps/10` steps.
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
    let (mut regret, mut regret_tenth) = (0.0, 0.0);
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
            episodes: &[0],
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

/// Asserts `regret(T) / regret(T/10) < 3`. Logarithmic regret `C ln t` gives
/// `ln T / ln(T/10) = 1 + ln 10 / ln(T/10) ≈ 1.25` for T = 100,000, linear regret
/// gives 10 (and `√t` regret `√10 ≈ 3.16`), so a ratio below 3 shows sublinear
/// growth with room for the randomness of a single run.
fn assert_sublinear(name: &str, run: &Run) {
    let ratio = run.regret / run.regret_tenth;
    let logarithmic = 1.0 + 10_f64.ln() / ((T / 10) as f64).ln();
    println!(
        "{name}: regret(T/10) = {:.1}, regret(T) = {:.1}, ratio = {ratio:.3} (logarithmic: {logarithmic:.3})",
        run.regret_tenth, run.regret
    );
    assert!(ratio < 3.0, "{name}: regret ratio {ratio} not below 3");
}

/// The positive gaps `Δ_a = μ* − μ_a`.
fn gaps() -> impl Iterator<Item = f64> {
    MEANS.iter().map(|m| BEST - m).filter(|&gap| gap > 0.0)
}

/// Pseudo-regret of the uniform policy: `T · mean gap` (20,000 here).
fn uniform_regret() -> f64 {
    T as f64 * gaps().sum::<f64>() / K as f64
}

#[test]
fn ucb1_regret_is_logarithmic_and_under_the_auer_bound() {
    let mut policy = Ucb1::new(&Ucb1Config::default(), K).unwrap();
    let run = play(&mut policy, T);
    assert_sublinear("ucb1", &run);
    // Auer, Cesa-Bianchi & Fischer (2002), Theorem 1: for rewards in [0, 1] the
    // expected regret after n plays is at most
    // 8 Σ_{Δ_a>0} ln n / Δ_a + (1 + π²/3) Σ_a Δ_a.
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
    // ε = 0.1 without decay pays about ε · T · mean gap = 2,000 for exploring
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
fn gaussian_thompson_regret_is_far_below_uniform() {
    // σ² = 0.25 bounds the variance of a reward in [0, 1].
    let config = GaussianThompsonConfig {
        prior_mean: 0.5,
        prior_count: 1.0,
        noise_variance: 0.25,
        draws: 1000,
    };
    let mut policy = GaussianThompson::new(&config, K, 1).unwrap();
    let run = play(&mut policy, T);
    assert_sublinear("thompson-gaussian", &run);
    // A consistent policy plays suboptimal arms a vanishing fraction of the time,
    // so its regret is a vanishing fraction of the uniform policy's T · mean gap.
    println!(
        "thompson-gaussian: regret {:.1}, uniform {:.1}",
        run.regret,
        uniform_regret()
    );
    assert!(run.regret < uniform_regret() / 10.0);
}

#[test]
fn exp3_regret_is_under_the_auer_bound_and_far_below_uniform() {
    // Auer, Cesa-Bianchi, Freund & Schapire (2002), Corollary 3.2: with
    // γ = min(1, sqrt(K ln K / ((e − 1) g))) and g ≥ T, the expected regret
    // against the best arm is at most 2 sqrt(e − 1) sqrt(g K ln K), here about
    // 2,350 against the uniform policy's 20,000.
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
    assert!(run.regret < uniform_regret() / 4.0);
}

/// Trains `policy` for `training` steps, checks that every row of a batch gets
/// the same probabilities summing to 1, then that `20,000` sampled actions match
/// them (chi-square at level 0.001).
fn assert_sampling_matches_probabilities(name: &str, policy: &mut dyn Learner, training: usize) {
    play(policy, training);
    let observations = Array2::<f32>::zeros((3, 1));
    let mut probabilities = Array2::<f64>::zeros((3, K));
    policy.probabilities(observations.view(), probabilities.view_mut());
    let p = probabilities.row(0).to_vec();
    for row in probabilities.rows() {
        assert_eq!(row.to_vec(), p, "{name}: rows differ");
        assert!((row.sum() - 1.0).abs() < 1e-12, "{name}: {row} sums to ≠ 1");
    }
    let statistic = assert_samples_match_probabilities(policy, &[0.0], 20_000);
    println!("{name}: p = {p:.4?}, chi-square = {statistic:.2}");
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
    let config = GaussianThompsonConfig {
        noise_variance: 0.25,
        ..GaussianThompsonConfig::default()
    };
    let mut policy = GaussianThompson::new(&config, K, 3).unwrap();
    assert_sampling_matches_probabilities("thompson-gaussian", &mut policy, 100);
}

#[test]
fn ucb1_plays_every_arm_once_then_acts_as_its_one_hot_probabilities() {
    let mut policy = Ucb1::new(&Ucb1Config::default(), K).unwrap();
    let observations = Array2::<f32>::zeros((3, 1));
    let mut probabilities = Array2::<f64>::zeros((3, K));
    let mut actions = [9; 3];
    policy.act(observations.view(), &mut actions);
    assert_eq!(actions, [0; 3], "the lowest untried arm, for every row");
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
fn epsilon_greedy_decays_per_batch_and_breaks_ties_low() {
    let config = EpsilonGreedyConfig {
        epsilon: 0.5,
        decay: 0.99,
        epsilon_min: 0.2,
    };
    let mut policy = EpsilonGreedy::new(&config, K, 3).unwrap();
    let observations = Array2::<f32>::zeros((1, 1));
    let mut probabilities = Array2::<f64>::zeros((1, K));
    // Before any reward every mean is 0: the tie goes to arm 0.
    policy.probabilities(observations.view(), probabilities.view_mut());
    assert_eq!(probabilities.row(0).to_vec(), [0.6, 0.1, 0.1, 0.1, 0.1]);
    play(&mut policy, 50);
    let epsilon = 0.5 * 0.99_f64.powi(50);
    assert!((policy.epsilon() - epsilon).abs() < 1e-12);
    policy.probabilities(observations.view(), probabilities.view_mut());
    let greedy = probabilities
        .iter()
        .filter(|&&p| (p - (epsilon / K as f64 + 1.0 - epsilon)).abs() < 1e-12)
        .count();
    let explore = probabilities
        .iter()
        .filter(|&&p| (p - epsilon / K as f64).abs() < 1e-12)
        .count();
    assert_eq!((greedy, explore), (1, K - 1), "{probabilities}");
    play(&mut policy, 100);
    assert_eq!(policy.epsilon(), 0.2);
}

/// One batch of `actions` and `rewards` on a dummy observation.
fn observe(learner: &mut dyn Learner, actions: &[usize], rewards: &[f64]) {
    let observations = Array2::<f32>::zeros((actions.len(), 1));
    learner.observe(&Experience {
        observations: observations.view(),
        actions,
        rewards,
        next_observations: observations.view(),
        terminated: &vec![false; actions.len()],
        truncated: &vec![false; actions.len()],
        episodes: &(0..actions.len() as u64).collect::<Vec<_>>(),
    });
}

#[test]
fn beta_thompson_counts_clipped_rewards_as_fractional_successes() {
    let mut policy = BetaThompson::new(&BetaThompsonConfig::default(), K, 0).unwrap();
    observe(&mut policy, &[0, 0, 1, 2], &[0.25, 2.0, -1.0, f64::NAN]);
    let posterior: Vec<(f64, f64)> = policy.posterior().collect();
    assert_eq!(posterior[0], (2.25, 1.75));
    assert_eq!(posterior[1], (1.0, 2.0));
    assert_eq!(posterior[2], (1.0, 1.0), "a non-finite reward is skipped");
}

#[test]
fn gaussian_thompson_has_the_conjugate_posterior() {
    let config = GaussianThompsonConfig {
        prior_mean: 1.0,
        prior_count: 2.0,
        noise_variance: 4.0,
        draws: 10,
    };
    let mut policy = GaussianThompson::new(&config, K, 0).unwrap();
    observe(&mut policy, &[3, 3, 3], &[2.0, 4.0, 6.0]);
    let posterior: Vec<(f64, f64)> = policy.posterior().collect();
    // κ = 2 + 3, mean (2·1 + 3·4)/5 = 2.8, variance 4/5.
    assert!((posterior[3].0 - 2.8).abs() < 1e-12);
    assert!((posterior[3].1 - 0.8_f64.sqrt()).abs() < 1e-12);
    assert_eq!(
        posterior[0],
        (1.0, 2.0_f64.sqrt()),
        "the prior N(μ₀, σ²/κ₀)"
    );
}

#[test]
fn exp3_weights_with_the_probabilities_before_the_update() {
    let config = Exp3Config {
        gamma: 0.1,
        reward_min: -1.0,
        reward_max: 3.0,
    };
    let mut policy = Exp3::new(&config, K, 0).unwrap();
    // Both rows use p = 0.2 from before the update: log w_2 = 2 · γ · x/(p K), x = 0.5.
    observe(&mut policy, &[2, 2], &[1.0, 1.0]);
    let observations = Array2::<f32>::zeros((1, 1));
    let mut probabilities = Array2::<f64>::zeros((1, K));
    policy.probabilities(observations.view(), probabilities.view_mut());
    let w = (2.0 * 0.1 * 0.5 / (0.2 * 5.0_f64)).exp();
    let total = w + 4.0;
    for (a, &p) in probabilities.iter().enumerate() {
        let weight = if a == 2 { w } else { 1.0 };
        let expected = 0.9 * weight / total + 0.1 / 5.0;
        assert!((p - expected).abs() < 1e-12, "arm {a}: {p} vs {expected}");
    }
}

/// The action sequences of every bandit seeded with `seed`.
fn sequences(seed: u64) -> Vec<Vec<usize>> {
    const STEPS: usize = 2_000;
    let learners: Vec<Box<dyn Learner>> = vec![
        Box::new(EpsilonGreedy::new(&EpsilonGreedyConfig::default(), K, seed).unwrap()),
        Box::new(BetaThompson::new(&BetaThompsonConfig::default(), K, seed).unwrap()),
        Box::new(GaussianThompson::new(&GaussianThompsonConfig::default(), K, seed).unwrap()),
        Box::new(Exp3::new(&Exp3Config::default(), K, seed).unwrap()),
        Box::new(Ucb1::new(&Ucb1Config::default(), K).unwrap()),
    ];
    learners
        .into_iter()
        .map(|mut learner| play(learner.as_mut(), STEPS).actions)
        .collect()
}

#[test]
fn same_seed_same_actions() {
    let first = sequences(11);
    assert_eq!(first, sequences(11));
    let other = sequences(12);
    for (a, b) in first.iter().zip(&other).take(4) {
        assert_ne!(a, b, "the seed drives the policy's draws");
    }
}

/// The field path and message of a configuration error.
fn invalid<T: std::fmt::Debug>(result: Result<T, AgentError>) -> (String, String) {
    let error = result.expect_err("an invalid configuration");
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
            invalid(EpsilonGreedy::new(
                &EpsilonGreedyConfig {
                    decay: 0.0,
                    ..greedy.clone()
                },
                K,
                0,
            )),
            "decay",
        ),
        (
            invalid(EpsilonGreedy::new(
                &EpsilonGreedyConfig {
                    epsilon_min: 0.2,
                    ..greedy.clone()
                },
                K,
                0,
            )),
            "epsilon_min",
        ),
        (invalid(EpsilonGreedy::new(&greedy, 0, 0)), "n_actions"),
        (invalid(Ucb1::new(&Ucb1Config { scale: -1.0 }, K)), "scale"),
        (
            invalid(Ucb1::new(&Ucb1Config { scale: f64::NAN }, K)),
            "scale",
        ),
        (
            invalid(BetaThompson::new(
                &BetaThompsonConfig {
                    prior_alpha: 0.0,
                    ..beta.clone()
                },
                K,
                0,
            )),
            "prior_alpha",
        ),
        (
            invalid(BetaThompson::new(
                &BetaThompsonConfig { draws: 0, ..beta },
                K,
                0,
            )),
            "draws",
        ),
        (
            invalid(GaussianThompson::new(
                &GaussianThompsonConfig {
                    prior_mean: f64::INFINITY,
                    ..gaussian.clone()
                },
                K,
                0,
            )),
            "prior_mean",
        ),
        (
            invalid(GaussianThompson::new(
                &GaussianThompsonConfig {
                    noise_variance: -1.0,
                    ..gaussian
                },
                K,
                0,
            )),
            "noise_variance",
        ),
        (
            invalid(Exp3::new(
                &Exp3Config {
                    gamma: 0.0,
                    ..exp3.clone()
                },
                K,
                0,
            )),
            "gamma",
        ),
        (
            invalid(Exp3::new(
                &Exp3Config {
                    reward_max: -1.0,
                    ..exp3
                },
                K,
                0,
            )),
            "reward_max",
        ),
    ];
    for ((path, text), field) in errors {
        assert_eq!(path, field, "{text}");
        assert!(text.starts_with(&format!("{field}: ")), "{text}");
    }
    let (_, text) = invalid(
        EpsilonGreedyConfig {
            epsilon: 1.5,
            ..greedy
        }
        .validate(),
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
    let beta: BetaThompsonConfig =
        from_ron("(prior_alpha: 1.0, prior_beta: 1.0, draws: 1000)", "beta").unwrap();
    assert_eq!(beta, BetaThompsonConfig::default());
    let gaussian: GaussianThompsonConfig = from_ron(
        "(prior_mean: 0.0, prior_count: 1.0, noise_variance: 1.0, draws: 1000)",
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
        observe(
            learner.as_mut(),
            &[0, 1, 2],
            &[f64::NAN, f64::INFINITY, 1.0],
        );
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
