//! The reward and value models: recovery of a linear reward, cross-fitting, fitted
//! Q evaluation on an MDP whose Q is linear in the features, edge cases.

use onboard_ope::{
    Columns, FoldPredictions, ModelConfig, ModelInput, OpeError, default_trajectory,
    model_interval, parse_trajectory, reward_model, value_model,
};
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A log's model columns, owned.
#[derive(Debug, Clone, Default)]
struct Log {
    features: Vec<f32>,
    dim: usize,
    actions: Vec<u32>,
    n_actions: usize,
    probs: Vec<f64>,
    propensity: Vec<f64>,
    reward: Vec<f64>,
    starts: Vec<usize>,
}

impl Log {
    fn empty(dim: usize, n_actions: usize) -> Self {
        Self {
            dim,
            n_actions,
            starts: vec![0],
            ..Self::default()
        }
    }

    fn input(&self) -> ModelInput<'_> {
        ModelInput {
            features: &self.features,
            dim: self.dim,
            actions: &self.actions,
            n_actions: self.n_actions,
            target_probs: &self.probs,
            reward: &self.reward,
            starts: &self.starts,
        }
    }

    /// The estimators' columns, with the value model fitted under `config`.
    fn columns(&self, config: &ModelConfig) -> Columns {
        let target = (0..self.reward.len())
            .map(|i| self.probs[i * self.n_actions + self.actions[i] as usize])
            .collect();
        Columns {
            starts: self.starts.clone(),
            propensity: self.propensity.clone(),
            target,
            reward: self.reward.clone(),
            reward_model: Some(reward_model(&self.input(), config).unwrap()),
            value_model: Some(value_model(&self.input(), config).unwrap()),
        }
    }
}

/// Random probabilities over `n` actions.
fn simplex(rng: &mut impl Rng, n: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..n).map(|_| rng.random::<f64>() + 0.05).collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|p| p / sum).collect()
}

/// Draws an index from the probabilities `p`.
fn draw(rng: &mut impl Rng, p: &[f64]) -> usize {
    let mut u = rng.random::<f64>();
    for (a, p) in p.iter().enumerate() {
        u -= p;
        if u < 0.0 {
            return a;
        }
    }
    p.len() - 1
}

fn config(ridge: f64, folds: usize) -> ModelConfig {
    ModelConfig { ridge, folds }
}

/// `units` units of `steps` rows each with random features (offset from 0, to
/// exercise the centring), actions, target probabilities and rewards
/// `reward(features, action)`.
fn random_log(
    units: usize,
    steps: usize,
    dim: usize,
    n_actions: usize,
    seed: u64,
    reward: impl Fn(&[f64], usize) -> f64,
) -> Log {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut log = Log::empty(dim, n_actions);
    for _ in 0..units {
        for _ in 0..steps {
            let x: Vec<f32> = (0..dim)
                .map(|j| 3.0 + j as f32 + rng.random::<f32>())
                .collect();
            let a = rng.random_range(0..n_actions);
            let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            log.reward.push(reward(&x64, a));
            log.features.extend(x);
            log.actions.push(a as u32);
            log.propensity.push(1.0 / n_actions as f64);
            log.probs.extend(simplex(&mut rng, n_actions));
        }
        log.starts.push(log.reward.len());
    }
    log
}

/// `b_a + β_aᵀ x` with known coefficients.
fn linear_reward(x: &[f64], a: usize) -> f64 {
    let intercept = [1.0, -2.0, 0.5][a];
    let slope = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-1.0, 1.0, 0.25]][a];
    intercept + slope.iter().zip(x).map(|(b, x)| b * x).sum::<f64>()
}

#[test]
fn ridge_recovers_a_noise_free_linear_reward() {
    let log = random_log(300, 1, 3, 3, 1, linear_reward);
    for folds in [1, 5] {
        let p = reward_model(&log.input(), &config(1e-9, folds)).unwrap();
        for i in 0..log.reward.len() {
            let x: Vec<f64> = log.features[i * 3..i * 3 + 3]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            let want: f64 = (0..3)
                .map(|a| log.probs[i * 3 + a] * linear_reward(&x, a))
                .sum();
            assert!((p.logged[i] - log.reward[i]).abs() < 1e-6, "row {i}");
            assert!((p.target[i] - want).abs() < 1e-6, "row {i}");
        }
    }
}

#[test]
fn an_action_never_logged_predicts_the_mean_reward() {
    let mut log = random_log(50, 2, 2, 3, 2, |x, a| x[0] - x[1] * a as f64);
    log.n_actions = 4;
    log.probs = log
        .reward
        .iter()
        .flat_map(|_| [0.0, 0.0, 0.0, 1.0])
        .collect();
    let mean = log.reward.iter().sum::<f64>() / log.reward.len() as f64;
    let p = reward_model(&log.input(), &config(1.0, 1)).unwrap();
    for t in p.target {
        assert!((t - mean).abs() < 1e-9, "{t} vs {mean}");
    }
}

#[test]
fn a_units_predictions_do_not_depend_on_its_own_rewards() {
    let noisy = |x: &[f64], a: usize| (x[0] * 7.3 + a as f64 * 1.1).sin() + x[1];
    let log = random_log(20, 3, 2, 2, 3, noisy);
    let mut changed = log.clone();
    let rows = log.starts[7]..log.starts[8];
    for r in &mut changed.reward[rows.clone()] {
        *r += 10.0;
    }
    let cfg = ModelConfig::default();
    for fit in [reward_model, value_model] {
        let before = fit(&log.input(), &cfg).unwrap();
        let after = fit(&changed.input(), &cfg).unwrap();
        assert_eq!(before.logged[rows.clone()], after.logged[rows.clone()]);
        assert_eq!(before.target[rows.clone()], after.target[rows.clone()]);
        assert_ne!(
            before.logged, after.logged,
            "other units' models saw the change"
        );
        assert_eq!(before, fit(&log.input(), &cfg).unwrap(), "deterministic");
    }
}

/// An MDP whose `Q_t` is affine in the features: `x' = A_a x + b_a + ε`,
/// `r = c_aᵀ x + e_a + noise`, the episode ending after action `a` with probability
/// `end_a`, and a target that does not look at the state. The behaviour does.
struct LinearMdp {
    a: [[[f64; 2]; 2]; 3],
    b: [[f64; 2]; 3],
    c: [[f64; 2]; 3],
    e: [f64; 3],
    end: [f64; 3],
    target: [f64; 3],
}

const HORIZON: usize = 3;
/// The mean of the first state, `U[−1, 1]² + START`.
const START: [f64; 2] = [0.5, -0.2];

impl LinearMdp {
    fn new() -> Self {
        Self {
            a: [
                [[0.8, 0.1], [0.0, 0.5]],
                [[0.2, -0.3], [0.4, 0.9]],
                [[-0.5, 0.0], [0.3, 0.3]],
            ],
            b: [[0.1, 0.0], [-0.2, 0.3], [0.0, 0.5]],
            c: [[1.0, 0.5], [-0.5, 1.0], [0.3, -0.7]],
            e: [0.2, 0.5, -0.1],
            end: [0.1, 0.0, 0.3],
            target: [0.5, 0.3, 0.2],
        }
    }

    /// The target's value, `θ_0ᵀ E[x_0] + κ_0` with `V_t(x) = θ_tᵀ x + κ_t`.
    fn truth(&self) -> f64 {
        let (mut theta, mut kappa) = ([0.0; 2], 0.0);
        for _ in 0..HORIZON {
            let (mut next_theta, mut next_kappa) = ([0.0; 2], 0.0);
            for a in 0..3 {
                let go = 1.0 - self.end[a];
                for (j, next) in next_theta.iter_mut().enumerate() {
                    let carried = theta[0] * self.a[a][0][j] + theta[1] * self.a[a][1][j];
                    *next += self.target[a] * (self.c[a][j] + go * carried);
                }
                let drift = theta[0] * self.b[a][0] + theta[1] * self.b[a][1];
                next_kappa += self.target[a] * (self.e[a] + go * (drift + kappa));
            }
            (theta, kappa) = (next_theta, next_kappa);
        }
        theta[0] * START[0] + theta[1] * START[1] + kappa
    }

    fn behaviour(x: &[f64; 2]) -> Vec<f64> {
        let logits = [x[0], -x[0], 0.5 * x[1]];
        let z: Vec<f64> = logits.iter().map(|l| l.exp()).collect();
        let sum: f64 = z.iter().sum();
        z.iter().map(|z| z / sum).collect()
    }

    fn simulate(&self, units: usize, seed: u64) -> Log {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut log = Log::empty(2, 3);
        for _ in 0..units {
            let mut x = START.map(|m| m + 2.0 * rng.random::<f64>() - 1.0);
            for _ in 0..HORIZON {
                x = x.map(|v| f64::from(v as f32));
                let behaviour = Self::behaviour(&x);
                let a = draw(&mut rng, &behaviour);
                let noise = rng.random::<f64>() - 0.5;
                let r = self.c[a][0] * x[0] + self.c[a][1] * x[1] + self.e[a] + noise;
                log.features.extend(x.map(|v| v as f32));
                log.actions.push(a as u32);
                log.propensity.push(behaviour[a]);
                log.probs.extend(self.target);
                log.reward.push(r);
                if rng.random::<f64>() < self.end[a] {
                    break;
                }
                let m = self.a[a];
                let eps = [
                    0.2 * rng.random::<f64>() - 0.1,
                    0.2 * rng.random::<f64>() - 0.1,
                ];
                x = [
                    m[0][0] * x[0] + m[0][1] * x[1] + self.b[a][0] + eps[0],
                    m[1][0] * x[0] + m[1][1] * x[1] + self.b[a][1] + eps[1],
                ];
            }
            log.starts.push(log.reward.len());
        }
        log
    }
}

#[test]
fn fqe_and_seq_dr_recover_the_value_of_a_linear_mdp() {
    let mdp = LinearMdp::new();
    let truth = mdp.truth();
    let cfg = config(1e-6, 5);
    let replicates = 20;
    for name in ["fqe", "seq-dr"] {
        let estimator = parse_trajectory(name).unwrap();
        let estimates: Vec<f64> = (0..replicates)
            .map(|seed| {
                let columns = mdp.simulate(400, seed).columns(&cfg);
                estimator.finish(&estimator.unit_stats(&columns).unwrap().means())
            })
            .collect();
        let r = replicates as f64;
        let mean = estimates.iter().sum::<f64>() / r;
        let var = estimates.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0);
        let se = (var / r).sqrt();
        assert!(
            (mean - truth).abs() < 3.0 * se,
            "{name}: {mean} ± {se} vs the truth {truth}"
        );
    }
}

/// FQE's interval is the jackknife over its model's folds: on the linear MDP, where
/// the model is right, it covers the truth as a 95 % interval should, within three
/// standard errors of 95 % over 200 logs (90.4 %), for each of five sets of 200
/// seeds (0.., 1000.., 2000.., 3000.., 4000..), without being needlessly wide
/// (its mean half-width within 3 times the estimates' own spread).
#[test]
fn fqe_s_fold_jackknife_interval_covers_the_truth() {
    let mdp = LinearMdp::new();
    let truth = mdp.truth();
    let cfg = config(1e-6, 5);
    let fqe = parse_trajectory("fqe").unwrap();
    let logs = 200;
    for first in [0, 1000, 2000, 3000, 4000] {
        let (mut covered, mut half_widths, mut estimates) = (0, 0.0, Vec::new());
        for seed in first..first + logs {
            let columns = mdp.simulate(400, seed).columns(&cfg);
            let estimate = fqe.finish(&fqe.unit_stats(&columns).unwrap().means());
            let interval = model_interval(fqe.as_ref(), &columns, estimate, 0.95)
                .expect("fqe has a model interval")
                .unwrap();
            let (low, high) = interval.bounds.expect("bounds");
            covered += usize::from(low <= truth && truth <= high);
            half_widths += (high - low) / 2.0;
            estimates.push(estimate);
        }
        let coverage = covered as f64 / logs as f64;
        assert!(coverage >= 0.904, "seeds {first}..: coverage {coverage}");
        let n = logs as f64;
        let mean = estimates.iter().sum::<f64>() / n;
        let sd = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!(
            half_widths / n < 3.0 * sd,
            "seeds {first}..: half-width {} against sd {sd}",
            half_widths / n
        );
    }
}

/// The jackknife by hand: two folds of two units each, chain 0 fitted without fold
/// 0 (units 0 and 2) and chain 1 without fold 1 (units 1 and 3).
#[test]
fn the_fold_jackknife_is_the_grouped_jackknife_by_hand() {
    let folds = FoldPredictions {
        count: 2,
        of_unit: vec![0, 1, 0, 1],
        // Unit u: [chain 0, chain 1].
        first: vec![9.0, 1.0, 2.0, 3.0, 9.0, 5.0, 4.0, 7.0],
    };
    // With fold 0 deleted: chain 0 on units 1 and 3, (2 + 4) / 2 = 3; with fold 1
    // deleted: chain 1 on units 0 and 2, (1 + 5) / 2 = 3. No spread.
    assert_eq!(folds.jackknife_standard_error(), Some(0.0));
    // Chain 0 on unit 3 at 8 and chain 1 on unit 2 at 7: θ = (5, 4), and
    // √(1/2 · ((5 − 4.5)² + (4 − 4.5)²)) = 0.5.
    let apart = FoldPredictions {
        first: vec![9.0, 1.0, 2.0, 3.0, 9.0, 7.0, 8.0, 7.0],
        ..folds.clone()
    };
    assert_eq!(apart.jackknife_standard_error(), Some(0.5));
    let one = FoldPredictions {
        count: 1,
        of_unit: vec![0, 0],
        first: vec![1.0, 2.0],
    };
    assert_eq!(one.jackknife_standard_error(), None);
}

/// What the value model says of each fold's chains agrees with its predictions:
/// a unit's own fold's chain is the cross-fitted `V̂_0` of its first row.
#[test]
fn the_value_models_fold_predictions_hold_each_units_cross_fitted_value() {
    let columns = LinearMdp::new().simulate(50, 3).columns(&config(1.0, 5));
    let value = columns.value_model.as_ref().unwrap();
    let folds = value.folds.as_ref().expect("fold predictions");
    assert_eq!(folds.count, 5);
    for (u, &start) in columns.starts[..columns.starts.len() - 1]
        .iter()
        .enumerate()
    {
        assert_eq!(folds.of_unit[u], u % 5);
        assert_eq!(folds.first[u * 5 + u % 5], value.target[start]);
    }
}

#[test]
fn a_one_row_log_and_an_all_zero_reward_log_give_finite_answers() {
    let one = Log {
        features: vec![0.3, -0.2],
        dim: 2,
        actions: vec![1],
        n_actions: 2,
        probs: vec![0.5, 0.5],
        propensity: vec![0.5],
        reward: vec![2.0],
        starts: vec![0, 1],
    };
    let mut zero = random_log(10, 2, 2, 2, 4, |_, _| 0.0);
    zero.propensity = vec![0.5; 20];
    for (log, want) in [(one, 2.0), (zero, 0.0)] {
        let columns = log.columns(&ModelConfig::default());
        for estimator in default_trajectory() {
            let stats = estimator.unit_stats(&columns).unwrap();
            let got = estimator.finish(&stats.means());
            assert!(got.is_finite(), "{}: {got}", estimator.name());
        }
        let fqe = parse_trajectory("fqe").unwrap();
        let got = fqe.finish(&fqe.unit_stats(&columns).unwrap().means());
        assert!((got - want).abs() < 1e-12, "fqe: {got} vs {want}");
    }
}

#[test]
fn bad_options_and_inputs_are_named() {
    let log = random_log(4, 2, 2, 2, 5, |x, _| x[0]);
    for (cfg, field) in [
        (config(0.0, 5), "'ridge'"),
        (config(f64::NAN, 5), "'ridge'"),
        (config(1.0, 0), "'folds'"),
    ] {
        let err = value_model(&log.input(), &cfg).unwrap_err();
        assert!(
            matches!(&err, OpeError::Parameter(m) if m.contains(field)),
            "{err}"
        );
    }
    let mut bad = log.clone();
    bad.probs[0] = 0.9;
    bad.probs[1] = 0.3;
    let err = reward_model(&bad.input(), &ModelConfig::default()).unwrap_err();
    assert!(
        matches!(&err, OpeError::Columns(m) if m.contains("sum")),
        "{err}"
    );
    let mut bad = log.clone();
    bad.actions[3] = 2;
    let err = reward_model(&bad.input(), &ModelConfig::default()).unwrap_err();
    assert!(
        matches!(&err, OpeError::Columns(m) if m.contains("row 3")),
        "{err}"
    );
    let mut bad = log;
    bad.features.pop();
    let err = reward_model(&bad.input(), &ModelConfig::default()).unwrap_err();
    assert!(
        matches!(&err, OpeError::Columns(m) if m.contains("features")),
        "{err}"
    );
}
