//! Analytic and bootstrap intervals: formulas, degenerate cases, determinism across
//! threads, and coverage of the truth on a synthetic bandit.

mod per_decision_support;

use onboard_ope::{
    BootstrapConfig, Columns, Estimator, Interval, Method, OpeError, PerDecisionEstimator,
    UnitStats, bootstrap_intervals, bootstrap_replicates, default_per_decision,
    evaluate_per_decision, interval, linearise, parse_per_decision,
};
use per_decision_support::{log, sub_gaussian_limit, truth};

/// The per-unit statistics of every estimator on `columns`.
fn stats(estimators: &[Box<dyn PerDecisionEstimator>], columns: &Columns) -> Vec<UnitStats> {
    evaluate_per_decision(columns, estimators)
        .expect("valid columns")
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every estimator available")
}

fn as_estimators(estimators: &[Box<dyn PerDecisionEstimator>]) -> Vec<&dyn Estimator> {
    estimators
        .iter()
        .map(|e| e.as_ref() as &dyn Estimator)
        .collect()
}

#[test]
fn the_delta_method_gives_the_classical_standard_errors() {
    let columns = log(3, 50, 0.0);
    let ips = parse_per_decision("ips").expect("a valid spec");
    let snips = parse_per_decision("snips").expect("a valid spec");
    let s = ips.unit_stats(&columns).expect("available");
    let n = s.units() as f64;
    // A ratio Σ a / Σ b: ψ_u = (a_u − θ b_u) / b̄.
    let ratio_error = |s: &UnitStats| {
        let means = s.means();
        let theta = means[0] / means[1];
        let psi: Vec<f64> = (0..s.units())
            .map(|u| (s.unit(u)[0] - theta * s.unit(u)[1]) / means[1])
            .collect();
        (psi.iter().map(|p| p * p).sum::<f64>() / (n - 1.0) / n).sqrt()
    };
    for (e, s) in [(&ips, s), (&snips, snips.unit_stats(&columns).expect("ok"))] {
        let lin = linearise(e.as_ref(), &s);
        let se = lin.standard_error.expect("two units or more");
        let expected = ratio_error(&s);
        assert!(
            (se / expected - 1.0).abs() < 1e-6,
            "{}: {se} against {expected}",
            e.name()
        );
        let mean: f64 = lin.contributions.iter().sum::<f64>() / n;
        assert!((mean - lin.estimate).abs() < 1e-12);
    }
    // One row per unit: the contributions are IPS's round rewards w r.
    let independent = Columns::independent(
        vec![0.5, 0.25, 0.8],
        vec![0.5, 0.75, 0.4],
        vec![1.0, 2.0, 1.0],
    );
    let lin = linearise(
        ips.as_ref(),
        &ips.unit_stats(&independent).expect("available"),
    );
    for (c, expected) in lin.contributions.iter().zip([1.0, 6.0, 0.5]) {
        assert!((c - expected).abs() < 1e-9, "{c} against {expected}");
    }
    // sd of 1, 6, 0.5 (mean 2.5, squares 2.25 + 12.25 + 4 = 18.5, variance 9.25) / √3.
    let se = lin.standard_error.expect("three units");
    assert!((se - (9.25_f64 / 3.0).sqrt()).abs() < 1e-8, "{se}");
    let normal = interval(
        ips.as_ref(),
        &ips.unit_stats(&independent).expect("ok"),
        Method::Normal,
        0.95,
    )
    .expect("an interval");
    let (low, high) = normal.bounds.expect("defined");
    assert!((high - low - 2.0 * 1.959_963_984_540_054 * se).abs() < 1e-8);
}

#[test]
fn the_bernstein_bound_follows_maurer_and_pontil() {
    let columns = Columns::independent(vec![0.5; 4], vec![0.5; 4], vec![0.0, 1.0, 1.0, 0.0]);
    let ips = parse_per_decision("ips").expect("a valid spec");
    let s = ips.unit_stats(&columns).expect("available");
    let bound = interval(ips.as_ref(), &s, Method::EmpiricalBernstein, 0.9).expect("ips");
    // Mean 0.5, variance 1/3, range 1, ln(4 / 0.1) = ln 40.
    let log = 40.0_f64.ln();
    let half = (2.0 / 3.0 * log / 4.0).sqrt() + 7.0 * log / 9.0;
    assert_eq!(bound.estimate, 0.5);
    let (low, high) = bound.bounds.expect("defined");
    assert!(
        (low - (0.5 - half)).abs() < 1e-9 && (high - (0.5 + half)).abs() < 1e-9,
        "{low} {high} against ±{half}"
    );
    let snips = parse_per_decision("snips").expect("a valid spec");
    assert!(matches!(
        interval(snips.as_ref(), &s, Method::EmpiricalBernstein, 0.9),
        Err(OpeError::Unavailable { .. })
    ));
}

#[test]
fn degenerate_cases_are_explicit() {
    let all = default_per_decision();
    let one_unit = log(1, 1, 0.0);
    let one_row = Columns {
        reward_model: one_unit
            .reward_model
            .as_ref()
            .map(|m| onboard_ope::Predictions {
                logged: m.logged[..1].to_vec(),
                target: m.target[..1].to_vec(),
                folds: None,
            }),
        ..Columns::independent(
            one_unit.propensity[..1].to_vec(),
            one_unit.target[..1].to_vec(),
            one_unit.reward[..1].to_vec(),
        )
    };
    for columns in [one_unit, one_row] {
        let s = stats(&all, &columns);
        for (e, s) in all.iter().zip(&s) {
            for method in [Method::Normal, Method::StudentT, Method::EmpiricalBernstein] {
                match interval(e.as_ref(), s, method, 0.95) {
                    Ok(i) => {
                        assert!(i.estimate.is_finite());
                        assert_eq!(i.bounds, None, "{} {method:?}", e.name());
                    }
                    Err(OpeError::Unavailable { .. }) => assert!(!e.is_importance_weighted()),
                    Err(other) => panic!("{other}"),
                }
            }
        }
        let boot = bootstrap_intervals(&as_estimators(&all), &s, &BootstrapConfig::default())
            .expect("a bootstrap");
        assert!(
            boot.iter()
                .all(|i| i.bounds.is_none() && i.estimate.is_finite())
        );
    }
    // Identical units: zero width.
    let same = Columns::independent(vec![0.5; 5], vec![0.5; 5], vec![0.3; 5]);
    let ips = parse_per_decision("ips").expect("a valid spec");
    let s = ips.unit_stats(&same).expect("available");
    for method in [Method::Normal, Method::StudentT, Method::EmpiricalBernstein] {
        let i = interval(ips.as_ref(), &s, method, 0.95).expect("an interval");
        let (low, high) = i.bounds.expect("defined");
        assert!(
            (low - 0.3).abs() < 1e-15 && (high - 0.3).abs() < 1e-15,
            "{method:?}: {i:?}"
        );
    }
    for level in [0.0, 1.0, f64::NAN, 95.0] {
        assert!(matches!(
            interval(ips.as_ref(), &s, Method::Normal, level),
            Err(OpeError::Parameter(_))
        ));
    }
}

#[test]
fn the_bootstrap_is_identical_on_one_and_two_threads() {
    let all = default_per_decision();
    let columns = log(11, 300, 0.1);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool")
            .install(|| {
                let s = stats(&all, &columns);
                let replicates =
                    bootstrap_replicates(&as_estimators(&all), &s, 257, 99).expect("a bootstrap");
                (s, replicates)
            })
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.0, two.0);
    let bits = |r: &Vec<Vec<f64>>| -> Vec<Vec<u64>> {
        r.iter()
            .map(|e| e.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    assert_eq!(bits(&one.1), bits(&two.1));
    assert!(one.1.iter().all(|e| e.len() == 257));
    let other_seed = bootstrap_replicates(&as_estimators(&all), &one.0, 257, 100).expect("ok");
    assert_ne!(bits(&one.1), bits(&other_seed));
}

/// Coverage counts of one interval kind per estimator.
struct Coverage {
    hits: Vec<usize>,
    trials: usize,
}

impl Coverage {
    fn new(estimators: usize) -> Self {
        Self {
            hits: vec![0; estimators],
            trials: 0,
        }
    }

    fn record(&mut self, i: usize, interval: &Interval, truth: f64) {
        let (low, high) = interval.bounds.expect("defined");
        self.hits[i] += usize::from(low <= truth && truth <= high);
    }
}

#[test]
fn intervals_cover_the_truth_at_their_level() {
    // 1,000 logs of 400 units (about 1,400 rows each), bootstraps of 500 replicates
    // (fewer make the percentiles noisy enough to cost coverage); the standard error
    // of a coverage rate near 95 % is √(0.95 · 0.05 / 1000) ≈ 0.0069. Sub-Gaussian
    // IPS is biased by design: its intervals must cover its own probability limit.
    let logs = 1000;
    let all = default_per_decision();
    let targets: Vec<f64> = all
        .iter()
        .map(|e| {
            if e.name().starts_with("sg-ips") {
                sub_gaussian_limit(0.1)
            } else {
                truth()
            }
        })
        .collect();
    let kinds = ["normal", "student-t", "bootstrap", "empirical-bernstein"];
    let mut coverage: Vec<Coverage> = kinds.iter().map(|_| Coverage::new(all.len())).collect();
    let config = BootstrapConfig {
        replicates: 500,
        ..BootstrapConfig::default()
    };
    for seed in 0..logs {
        let columns = log(1000 + seed, 400, 0.0);
        let s = stats(&all, &columns);
        let boot = bootstrap_intervals(
            &as_estimators(&all),
            &s,
            &BootstrapConfig { seed, ..config },
        )
        .expect("a bootstrap");
        for (i, (e, s)) in all.iter().zip(&s).enumerate() {
            let target = targets[i];
            for (kind, method) in [Method::Normal, Method::StudentT].into_iter().enumerate() {
                let interval = interval(e.as_ref(), s, method, 0.95).expect("an interval");
                coverage[kind].record(i, &interval, target);
            }
            coverage[2].record(i, &boot[i], target);
            if e.is_importance_weighted() {
                let bound = interval(e.as_ref(), s, Method::EmpiricalBernstein, 0.95)
                    .expect("an ips-family bound");
                coverage[3].record(i, &bound, target);
            }
        }
        coverage.iter_mut().for_each(|c| c.trials += 1);
    }
    let error = (0.95 * 0.05 / logs as f64).sqrt();
    for (kind, c) in kinds.iter().zip(&coverage) {
        for (e, hits) in all.iter().zip(&c.hits) {
            let rate = *hits as f64 / c.trials as f64;
            if *kind == "empirical-bernstein" {
                if e.is_importance_weighted() {
                    assert!(rate >= 0.95 - 3.0 * error, "{kind} {}: {rate}", e.name());
                }
            } else {
                assert!(
                    (rate - 0.95).abs() < 3.0 * error,
                    "{kind} {}: coverage {rate}, 3 standard errors {}",
                    e.name(),
                    3.0 * error
                );
            }
        }
    }
}
