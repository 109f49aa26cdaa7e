//! The per-trajectory estimators: hand computations on a tiny log, unbiasedness on
//! a small MDP whose value is known exactly, exactness of the doubly robust
//! estimators with an exact model of a deterministic MDP.

use onboard_ope::{
    Columns, Estimator, OpeError, Predictions, TRAJECTORY_ESTIMATORS, default_trajectory,
    parse_trajectory,
};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn estimate(estimator: &dyn Estimator, columns: &Columns) -> f64 {
    let stats = estimator.unit_stats(columns).unwrap();
    estimator.finish(&stats.means())
}

/// Two units, of three and two steps (rows: propensity, target, reward, Q̂, V̂):
///
/// unit A: (0.5, 0.25, 1, 2, 1.5), (0.25, 0.5, 2, 1, 1.25), (0.5, 0.5, 3, 3, 2):
///         weights 0.5, 2, 1; ρ = 0.5, 1, 1.
/// unit B: (0.2, 0.8, 0.5, 1, 2), (0.5, 1, −1, 0.5, 0.25): weights 4, 2; ρ = 4, 8.
fn tiny_log() -> Columns {
    Columns {
        starts: vec![0, 3, 5],
        propensity: vec![0.5, 0.25, 0.5, 0.2, 0.5],
        target: vec![0.25, 0.5, 0.5, 0.8, 1.0],
        reward: vec![1.0, 2.0, 3.0, 0.5, -1.0],
        reward_model: None,
        value_model: Some(Predictions {
            logged: vec![2.0, 1.0, 3.0, 1.0, 0.5],
            target: vec![1.5, 1.25, 2.0, 2.0, 0.25],
            folds: None,
        }),
    }
}

#[test]
fn each_estimator_matches_a_hand_computation() {
    let columns = tiny_log();
    let expected = [
        // A: ρ_2 · (1 + 2 + 3) = 6; B: 8 · (0.5 − 1) = −4; mean 1.
        ("trajectory-is", 1.0),
        // A: 0.5·1 + 1·2 + 1·3 = 5.5; B: 4·0.5 + 8·(−1) = −6; mean −0.25.
        ("pdis", -0.25),
        // t0: (0.5·1 + 4·0.5) / (0.5 + 4) = 5/9; t1: (1·2 − 8) / (1 + 8) = −6/9;
        // t2: (1·3 + 0) / (1 + 8, B's weight carried) = 3/9; sum 2/9.
        ("wpdis", 2.0 / 9.0),
        // A: [0.5·(1−2) + 1.5] + [1·(2−1) + 0.5·1.25] + [1·(3−3) + 1·2] = 4.625;
        // B: [4·(0.5−1) + 2] + [8·(−1−0.5) + 4·0.25] = −11; mean −3.1875.
        ("seq-dr", -3.1875),
        // t0: (−0.5 − 2) / 4.5 + (1.5 + 2) / 2 = −5/9 + 7/4;
        // t1: (1 − 12) / 9 + (0.625 + 1) / 4.5 = −11/9 + 13/36;
        // t2: (0 + 0) / 9 + (1·2 + 0) / 9 = 2/9; sum 5/9.
        ("wdr", 5.0 / 9.0),
        // (1.5 + 2) / 2.
        ("fqe", 1.75),
    ];
    for (name, want) in expected {
        let got = estimate(parse_trajectory(name).unwrap().as_ref(), &columns);
        assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
    }
}

#[test]
fn names_parse_back_and_the_default_set_has_them_all() {
    let names: Vec<String> = default_trajectory().iter().map(|e| e.name()).collect();
    assert_eq!(names, TRAJECTORY_ESTIMATORS);
    for name in TRAJECTORY_ESTIMATORS {
        assert_eq!(parse_trajectory(&format!(" {name} ")).unwrap().name(), name);
    }
    assert!(matches!(
        parse_trajectory("wis"),
        Err(OpeError::Parameter(_))
    ));
    let weighted: Vec<bool> = default_trajectory()
        .iter()
        .map(|e| e.is_importance_weighted())
        .collect();
    assert_eq!(weighted, [true, true, false, false, false, false]);
}

#[test]
fn estimators_without_a_value_model_say_so() {
    let columns = Columns {
        value_model: None,
        ..tiny_log()
    };
    for name in ["seq-dr", "wdr", "fqe"] {
        let err = parse_trajectory(name).unwrap().unit_stats(&columns).err();
        assert!(
            matches!(&err, Some(OpeError::Unavailable { estimator, why })
                if estimator == name && why.contains("value model")),
            "{name}: {err:?}"
        );
    }
    for name in ["trajectory-is", "pdis", "wpdis"] {
        assert!(parse_trajectory(name).unwrap().unit_stats(&columns).is_ok());
    }
}

#[test]
fn no_weight_anywhere_gives_zero_not_nan() {
    let columns = Columns {
        target: vec![0.0; 5],
        ..tiny_log()
    };
    for estimator in default_trajectory() {
        let got = estimate(estimator.as_ref(), &columns);
        assert!(got.is_finite(), "{}: {got}", estimator.name());
    }
    assert_eq!(estimate(&onboard_ope::Wpdis, &columns), 0.0);
}

/// A finite-horizon MDP with two states and two actions: after each step the
/// episode ends with probability `end[s][a]`, else moves to state 1 with
/// probability `to_one[s][a]`; the reward is `reward[s][a]` plus uniform noise of
/// width `noise`. Episodes start in state 0 and last at most `HORIZON` steps.
struct Mdp {
    to_one: [[f64; 2]; 2],
    end: [[f64; 2]; 2],
    reward: [[f64; 2]; 2],
    noise: f64,
    behaviour: [[f64; 2]; 2],
    target: [[f64; 2]; 2],
}

const HORIZON: usize = 3;

/// `q[t][s][a]`, a value model of the reward to go.
type QTable = [[[f64; 2]; 2]; HORIZON];

impl Mdp {
    fn stochastic() -> Self {
        Self {
            to_one: [[0.3, 0.8], [0.5, 0.1]],
            end: [[0.0, 0.2], [0.1, 0.4]],
            reward: [[1.0, 0.0], [2.0, -1.0]],
            noise: 1.0,
            behaviour: [[0.7, 0.3], [0.4, 0.6]],
            target: [[0.2, 0.8], [0.9, 0.1]],
        }
    }

    fn deterministic() -> Self {
        Self {
            to_one: [[0.0, 1.0], [1.0, 0.0]],
            end: [[0.0, 0.0], [0.0, 1.0]],
            noise: 0.0,
            ..Self::stochastic()
        }
    }

    fn v(&self, q: &[[f64; 2]; 2], s: usize) -> f64 {
        self.target[s][0] * q[s][0] + self.target[s][1] * q[s][1]
    }

    /// The target's exact `Q_t(s, a)`, by dynamic programming.
    fn exact_q(&self) -> QTable {
        let mut q = [[[0.0; 2]; 2]; HORIZON];
        for t in (0..HORIZON).rev() {
            for s in 0..2 {
                for a in 0..2 {
                    let next = match q.get(t + 1) {
                        Some(next) => {
                            let p = self.to_one[s][a];
                            (1.0 - p) * self.v(next, 0) + p * self.v(next, 1)
                        }
                        None => 0.0,
                    };
                    q[t][s][a] = self.reward[s][a] + (1.0 - self.end[s][a]) * next;
                }
            }
        }
        q
    }

    /// The target's value from state 0.
    fn truth(&self) -> f64 {
        self.v(&self.exact_q()[0], 0)
    }

    /// `units` episodes of the behaviour, with `q` as the value model.
    fn simulate(&self, units: usize, q: &QTable, seed: u64) -> Columns {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut columns = Columns {
            starts: vec![0],
            value_model: Some(Predictions::default()),
            ..Columns::default()
        };
        let value = columns.value_model.as_mut().unwrap();
        for _ in 0..units {
            let mut s = 0;
            for q in q {
                let a = usize::from(rng.random::<f64>() < self.behaviour[s][1]);
                columns.propensity.push(self.behaviour[s][a]);
                columns.target.push(self.target[s][a]);
                let noise = self.noise * (rng.random::<f64>() - 0.5);
                columns.reward.push(self.reward[s][a] + noise);
                value.logged.push(q[s][a]);
                value.target.push(self.v(q, s));
                if rng.random::<f64>() < self.end[s][a] {
                    break;
                }
                s = usize::from(rng.random::<f64>() < self.to_one[s][a]);
            }
            columns.starts.push(columns.reward.len());
        }
        columns
    }
}

/// The estimate and its standard error, from the per-unit statistics of a plain
/// mean.
fn mean_and_error(estimator: &dyn Estimator, columns: &Columns) -> (f64, f64) {
    let stats = estimator.unit_stats(columns).unwrap();
    assert_eq!(stats.k, 1);
    let n = stats.units() as f64;
    let mean = stats.values.iter().sum::<f64>() / n;
    let var = stats.values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn importance_sampling_and_seq_dr_are_unbiased() {
    let mdp = Mdp::stochastic();
    let truth = mdp.truth();
    // A deliberately wrong value model: sequential DR is unbiased whatever it is.
    let mut wrong = mdp.exact_q();
    for (t, q) in wrong.iter_mut().enumerate() {
        for (s, q) in q.iter_mut().enumerate() {
            for (a, q) in q.iter_mut().enumerate() {
                *q += 0.7 * (s + 2 * a) as f64 - 0.4 * t as f64 - 0.5;
            }
        }
    }
    let columns = mdp.simulate(200_000, &wrong, 7);
    assert!(columns.horizon() == HORIZON && columns.rows() < HORIZON * 200_000);
    for name in ["trajectory-is", "pdis", "seq-dr"] {
        let (mean, se) = mean_and_error(parse_trajectory(name).unwrap().as_ref(), &columns);
        assert!(
            (mean - truth).abs() < 3.0 * se,
            "{name}: {mean} ± {se} vs the truth {truth}"
        );
    }
}

#[test]
fn doubly_robust_is_exact_with_an_exact_model_of_a_deterministic_mdp() {
    let mdp = Mdp::deterministic();
    let truth = mdp.truth();
    let columns = mdp.simulate(500, &mdp.exact_q(), 11);
    assert!(columns.horizon() == HORIZON && columns.rows() < HORIZON * 500);
    for name in ["seq-dr", "wdr", "fqe"] {
        let got = estimate(parse_trajectory(name).unwrap().as_ref(), &columns);
        assert!((got - truth).abs() < 1e-9, "{name}: {got} vs {truth}");
    }
}
