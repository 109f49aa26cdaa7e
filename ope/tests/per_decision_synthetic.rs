//! The per-decision estimators on a synthetic contextual bandit of known value.

mod per_decision_support;

use onboard_ope::{PerDecisionEstimator, evaluate_per_decision, parse_per_decision};
use per_decision_support::{exact_log, log, truth};

/// The estimates of `specs` on each of `replicates` logs of `units` units.
fn estimates(specs: &[&str], replicates: u64, units: usize, model_bias: f64) -> Vec<Vec<f64>> {
    let estimators: Vec<Box<dyn PerDecisionEstimator>> = specs
        .iter()
        .map(|s| parse_per_decision(s).expect("a valid spec"))
        .collect();
    let mut out = vec![Vec::new(); specs.len()];
    for seed in 0..replicates {
        let columns = log(seed, units, model_bias);
        let stats = evaluate_per_decision(&columns, &estimators).expect("valid columns");
        for ((e, s), out) in estimators.iter().zip(stats).zip(out.iter_mut()) {
            out.push(e.finish(&s.expect("available").means()));
        }
    }
    out
}

/// The mean of `values` and its standard error.
fn mean_and_error(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

#[test]
fn ips_and_dr_are_unbiased() {
    // The model is off by 0.2 everywhere: DR stays unbiased, DM does not.
    let specs = ["ips", "dr", "dm"];
    let values = estimates(&specs, 2000, 100, 0.2);
    let v = truth();
    for (spec, values) in specs.iter().zip(&values).take(2) {
        let (mean, error) = mean_and_error(values);
        assert!(
            (mean - v).abs() < 3.0 * error,
            "{spec}: mean {mean} of 2000 replicates, truth {v}, standard error {error}"
        );
    }
    let (mean, error) = mean_and_error(&values[2]);
    assert!(
        (mean - v - 0.2).abs() < 3.0 * error,
        "dm with a model off by 0.2: mean {mean}, truth {v}"
    );
}

#[test]
fn dr_is_exact_with_an_exact_model_and_deterministic_rewards() {
    let columns = exact_log(7);
    let dr = parse_per_decision("dr").expect("a valid spec");
    let value = dr.finish(&dr.unit_stats(&columns).expect("available").means());
    assert!(
        (value - truth()).abs() < 1e-14,
        "{value} against {}",
        truth()
    );
}
