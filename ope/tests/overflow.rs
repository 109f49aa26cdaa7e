//! Numbers at the edge of the floating-point range: diagnostics stay finite, an
//! estimate that overflows says so, and a percentile interval needs enough
//! replicates to be one.

use onboard_ope::{
    Columns, Estimator, InverseProbabilityWeighting, PerDecisionEstimator, UnitStats,
    evaluate_per_decision, min_replicates, percentile_interval, trajectory_ess, weight_diagnostics,
};

#[test]
fn huge_weights_give_finite_diagnostics() {
    let columns = Columns::independent(vec![1e-300, 0.5, 0.5], vec![1.0, 0.5, 0.5], vec![1.0; 3]);
    let d = weight_diagnostics(&columns).expect("diagnostics");
    assert!((d.ess - 1.0).abs() < 1e-12, "{d:?}");
    assert!((d.max_weight / 1e300 - 1.0).abs() < 1e-12, "{d:?}");
    assert!((d.max_weight_share - 1.0).abs() < 1e-12, "{d:?}");
    // Two users of 40 steps of weight 1e10: products of 1e400 each.
    let long = Columns {
        starts: vec![0, 40, 80],
        ..Columns::independent(vec![1e-10; 80], vec![1.0; 80], vec![0.0; 80])
    };
    assert!((trajectory_ess(&long).expect("ess") - 2.0).abs() < 1e-9);
}

#[test]
fn an_estimate_beyond_the_float_range_is_refused_by_name() {
    let ips: Box<dyn PerDecisionEstimator> = Box::<InverseProbabilityWeighting>::default();
    let columns = Columns::independent(vec![1e-300; 2], vec![1.0; 2], vec![1e100; 2]);
    let stats = evaluate_per_decision(&columns, std::slice::from_ref(&ips)).expect("stats");
    let message = stats[0]
        .as_ref()
        .expect("ips runs")
        .estimate(ips.as_ref() as &dyn Estimator)
        .expect_err("1e400 overflows")
        .to_string();
    assert!(message.starts_with("ips: "), "{message}");
    assert!(
        message.contains("beyond the range of floating-point numbers"),
        "{message}"
    );
    // Means of finite values whose sum overflows stay finite.
    let stats = UnitStats {
        k: 1,
        values: vec![1e308, 1e308],
    };
    assert_eq!(stats.means(), vec![1e308]);
}

#[test]
fn a_percentile_interval_needs_a_replicate_beyond_each_end() {
    assert_eq!(min_replicates(0.95), 40);
    assert_eq!(min_replicates(0.9), 20);
    let replicates: Vec<f64> = (0..39).map(f64::from).collect();
    assert_eq!(
        percentile_interval(1.0, &replicates, 0.95)
            .expect("ok")
            .bounds,
        None
    );
    let replicates: Vec<f64> = (0..40).map(f64::from).collect();
    assert!(
        percentile_interval(1.0, &replicates, 0.95)
            .expect("ok")
            .bounds
            .is_some()
    );
    let mut replicates = replicates;
    replicates[3] = f64::INFINITY;
    assert_eq!(
        percentile_interval(1.0, &replicates, 0.95)
            .expect("ok")
            .bounds,
        None
    );
}
