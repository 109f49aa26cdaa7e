//! The per-decision estimators against hand computations, on degenerate logs, and
//! their parser.

use onboard_ope::{
    Columns, OpeError, PerDecisionEstimator, Predictions, default_per_decision,
    evaluate_per_decision, parse_per_decision,
};

/// Four rows: weights 1, 3, 0.5, 3; rewards 1, 0, 1, 1; `q̂(x, a)` 0.6, 0.2, 0.5,
/// 0.4; `q̂(x, π_e)` 0.55, 0.3, 0.45, 0.7. Residuals `r − q̂`: 0.4, −0.2, 0.5, 0.6.
fn hand_log(starts: Vec<usize>) -> Columns {
    Columns {
        starts,
        propensity: vec![0.5, 0.25, 0.8, 0.2],
        target: vec![0.5, 0.75, 0.4, 0.6],
        reward: vec![1.0, 0.0, 1.0, 1.0],
        reward_model: Some(Predictions {
            logged: vec![0.6, 0.2, 0.5, 0.4],
            target: vec![0.55, 0.3, 0.45, 0.7],
            folds: None,
        }),
        value_model: None,
    }
}

/// The estimates by hand, in the order of `SPECS`.
const SPECS: [&str; 10] = [
    "dm",
    "ips",
    "clipped-ips:2",
    "snips",
    "dr",
    "sndr",
    "switch-dr:2",
    "dr-os:3",
    "sg-ips:0.5",
    "sg-dr:0.5",
];

fn by_hand() -> [f64; 10] {
    [
        // Σ q̂(x, π_e) = 0.55 + 0.3 + 0.45 + 0.7 = 2.0.
        2.0 / 4.0,
        // Σ w r = 1 + 0 + 0.5 + 3 = 4.5.
        4.5 / 4.0,
        // min(w, 2) = 1, 2, 0.5, 2: Σ = 1 + 0 + 0.5 + 2 = 3.5.
        3.5 / 4.0,
        // Σ w r / Σ w = 4.5 / 7.5.
        0.6,
        // w (r − q̂) = 0.4, −0.6, 0.25, 1.8: Σ = 1.85.
        (2.0 + 1.85) / 4.0,
        // DM + Σ w (r − q̂) / Σ w.
        0.5 + 1.85 / 7.5,
        // w ≤ 2 on rows 0 and 2: 0.4 + 0.25 = 0.65.
        (2.0 + 0.65) / 4.0,
        // ŵ = 3w / (w² + 3) = 3/4, 3/4, 6/13, 3/4; ŵ (r − q̂) = 0.3, −0.15, 3/13, 0.45.
        (2.0 + 0.6 + 3.0 / 13.0) / 4.0,
        // ŵ = w / (0.5 + 0.5 w) = 1, 1.5, 2/3, 1.5; Σ ŵ r = 1 + 0 + 2/3 + 1.5 = 19/6.
        19.0 / 24.0,
        // The same ŵ; ŵ (r − q̂) = 0.4, −0.3, 1/3, 0.9: Σ = 1 + 1/3.
        (2.0 + 1.0 + 1.0 / 3.0) / 4.0,
    ]
}

fn estimators(specs: &[&str]) -> Vec<Box<dyn PerDecisionEstimator>> {
    specs
        .iter()
        .map(|s| parse_per_decision(s).expect("a valid spec"))
        .collect()
}

fn estimate(estimator: &dyn PerDecisionEstimator, columns: &Columns) -> f64 {
    let stats = estimator.unit_stats(columns).expect("available");
    estimator.finish(&stats.means())
}

#[test]
fn every_estimator_equals_the_hand_computation() {
    for starts in [vec![0, 1, 2, 3, 4], vec![0, 3, 4], vec![0, 4]] {
        let columns = hand_log(starts.clone());
        for (e, expected) in estimators(&SPECS).iter().zip(by_hand()) {
            let got = estimate(e.as_ref(), &columns);
            assert!(
                (got - expected).abs() < 1e-12,
                "{} on units {starts:?}: {got} against {expected} by hand",
                e.name()
            );
        }
    }
}

/// Asserts equal lengths and values within 1e-12.
fn assert_close(got: &[f64], expected: &[f64]) {
    assert_eq!(got.len(), expected.len(), "{got:?} against {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() < 1e-12, "{got:?} against {expected:?}");
    }
}

#[test]
fn unit_statistics_are_sums_over_the_unit_rows() {
    let columns = hand_log(vec![0, 3, 4]);
    let ips = parse_per_decision("ips").expect("a valid spec");
    let stats = ips.unit_stats(&columns).expect("available");
    assert_eq!((stats.k, stats.units()), (2, 2));
    // Unit 0: Σ w r over rows 0..3 = 1 + 0 + 0.5, 3 rows; unit 1: 3, 1 row.
    assert_close(&stats.values, &[1.5, 3.0, 3.0, 1.0]);
    let sndr = parse_per_decision("sndr").expect("a valid spec");
    let stats = sndr.unit_stats(&columns).expect("available");
    // Unit 1: q̂(x, π_e) 0.7, 1 row, w (r − q̂) = 3 · 0.6, w = 3.
    assert_close(stats.unit(1), &[0.7, 1.0, 1.8, 3.0]);
}

#[test]
fn the_fused_pass_equals_each_estimator_alone() {
    let columns = hand_log(vec![0, 2, 3, 4]);
    let all = default_per_decision();
    let fused = evaluate_per_decision(&columns, &all).expect("valid columns");
    for (e, stats) in all.iter().zip(fused) {
        assert_eq!(
            stats.expect("available"),
            e.unit_stats(&columns).expect("available"),
            "{}",
            e.name()
        );
    }
}

#[test]
fn the_default_set_has_ten_named_estimators() {
    let names: Vec<String> = default_per_decision().iter().map(|e| e.name()).collect();
    assert_eq!(
        names,
        [
            "dm",
            "ips",
            "clipped-ips(λ=10)",
            "snips",
            "dr",
            "sndr",
            "switch-dr(λ=10)",
            "dr-os(λ=400)",
            "sg-ips(λ=0.1)",
            "sg-dr(λ=0.1)"
        ]
    );
    let weighted: Vec<bool> = default_per_decision()
        .iter()
        .map(|e| e.is_importance_weighted())
        .collect();
    assert_eq!(
        weighted,
        [
            false, true, true, false, false, false, false, false, true, false
        ]
    );
}

#[test]
fn model_estimators_without_a_model_say_so() {
    let mut columns = hand_log(vec![0, 4]);
    columns.reward_model = None;
    let all = default_per_decision();
    let results = evaluate_per_decision(&columns, &all).expect("valid columns");
    for (e, result) in all.iter().zip(&results) {
        match result {
            Ok(_) => assert!(!e.needs_reward_model(), "{}", e.name()),
            Err(OpeError::Unavailable { estimator, why }) => {
                assert_eq!(estimator, &e.name());
                assert!(why.contains("reward model"), "{why}");
            }
            Err(other) => panic!("{}: unexpected error {other}", e.name()),
        }
    }
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 4);
    assert!(matches!(
        parse_per_decision("dr")
            .expect("a valid spec")
            .unit_stats(&columns),
        Err(OpeError::Unavailable { .. })
    ));
}

#[test]
fn invalid_columns_are_refused_with_the_row() {
    let all = default_per_decision();
    let mut zero = hand_log(vec![0, 4]);
    zero.propensity[2] = 0.0;
    let mut nan = hand_log(vec![0, 4]);
    nan.reward_model.as_mut().expect("a model").target[3] = f64::NAN;
    let mut short = hand_log(vec![0, 4]);
    short.target.pop();
    for (columns, needle) in [
        (zero, "row 2: propensity 0"),
        (nan, "row 3: reward model value NaN"),
        (short, "'target' has 3 rows"),
    ] {
        match evaluate_per_decision(&columns, &all) {
            Err(OpeError::Columns(why)) => assert!(why.contains(needle), "{why}"),
            other => panic!("expected a column error with '{needle}', got {other:?}"),
        }
    }
}

/// Every estimate of the default set on `columns`, which must all be finite.
fn assert_finite(columns: &Columns) -> Vec<f64> {
    let all = default_per_decision();
    let results = evaluate_per_decision(columns, &all).expect("valid columns");
    all.iter()
        .zip(results)
        .map(|(e, stats)| {
            let value = e.finish(&stats.expect("available").means());
            assert!(value.is_finite(), "{}: {value}", e.name());
            value
        })
        .collect()
}

#[test]
fn degenerate_logs_give_finite_answers() {
    let one_row = Columns {
        reward_model: Some(Predictions {
            logged: vec![0.3],
            target: vec![0.4],
            folds: None,
        }),
        ..Columns::independent(vec![0.5], vec![0.0], vec![1.0])
    };
    // Weight 0: IPS-type 0, SNIPS 0/0 = 0, DR-type q̂(x, π_e), SNDR 0.4 + 0/0.
    assert_eq!(
        assert_finite(&one_row),
        [0.4, 0.0, 0.0, 0.0, 0.4, 0.4, 0.4, 0.4, 0.0, 0.4]
    );

    let mut zero_rewards = hand_log(vec![0, 2, 4]);
    zero_rewards.reward = vec![0.0; 4];
    let values = assert_finite(&zero_rewards);
    for i in [1, 2, 3, 8] {
        assert_eq!(values[i], 0.0, "{}", SPECS[i]);
    }

    let single_action = Columns {
        reward_model: Some(Predictions {
            logged: vec![0.5; 3],
            target: vec![0.5; 3],
            folds: None,
        }),
        ..Columns::independent(vec![1.0; 3], vec![1.0; 3], vec![1.0, 0.0, 1.0])
    };
    // Weights 1: DM 0.5, the others the mean reward 2/3, bar dr-os(λ=400), whose
    // ŵ = 400 / 401 scales DR's correction 1/6.
    let expected = [
        0.5,
        2.0 / 3.0,
        2.0 / 3.0,
        2.0 / 3.0,
        2.0 / 3.0,
        2.0 / 3.0,
        2.0 / 3.0,
        0.5 + 400.0 / 401.0 / 6.0,
        2.0 / 3.0,
        2.0 / 3.0,
    ];
    for ((value, expected), spec) in assert_finite(&single_action)
        .iter()
        .zip(expected)
        .zip(SPECS)
    {
        assert!((value - expected).abs() < 1e-12, "{spec}: {value}");
    }
}

#[test]
fn shrinkage_limits_have_no_zero_over_zero() {
    let columns = Columns {
        reward_model: Some(Predictions {
            logged: vec![0.5, 0.5],
            target: vec![0.2, 0.2],
            folds: None,
        }),
        ..Columns::independent(vec![0.5, 0.5], vec![0.0, 1.0], vec![1.0, 1.0])
    };
    // dr-os(λ=0) is DM; sg-ips(λ=1) gives weight 1 to the row of weight 2, 0 to the other.
    for (spec, expected) in [("dr-os:0", 0.2), ("sg-ips:1", 0.5), ("dr-os:inf", 0.7)] {
        let e = parse_per_decision(spec).expect("a valid spec");
        assert!(
            (estimate(e.as_ref(), &columns) - expected).abs() < 1e-15,
            "{spec}"
        );
    }
}

#[test]
fn the_parser_names_hyperparameters_and_refuses_bad_specs() {
    for (spec, name) in [
        ("ips", "ips"),
        ("clipped-ips", "clipped-ips(λ=10)"),
        (" clipped-ips : 2.5 ", "clipped-ips(λ=2.5)"),
        ("clipped-ips:inf", "ips"),
        ("dr:5", "dr(λ=5)"),
        ("switch-dr:5", "switch-dr(λ=5)"),
        ("dr-os:20", "dr-os(λ=20)"),
        ("sg-ips:0.1", "sg-ips(λ=0.1)"),
        ("sg-ips:0", "sg-ips(λ=0)"),
    ] {
        assert_eq!(
            parse_per_decision(spec).expect("a valid spec").name(),
            name,
            "{spec}"
        );
    }
    for (spec, needles) in [
        ("sg-ips:2", ["'sg-ips:2'", "[0, 1]"]),
        ("sg-ips:-0.1", ["'sg-ips:-0.1'", "[0, 1]"]),
        ("clipped-ips:-1", ["'clipped-ips:-1'", "[0, ∞]"]),
        ("switch-dr:NaN", ["'switch-dr:NaN'", "[0, ∞]"]),
        ("dr-os:abc", ["'dr-os:abc'", "not a number"]),
        ("snips:3", ["'snips:3'", "takes no λ"]),
        ("magic", ["'magic'", "unknown"]),
        ("", ["''", "known: dm"]),
    ] {
        match parse_per_decision(spec) {
            Err(OpeError::Parameter(why)) => {
                for needle in needles {
                    assert!(why.contains(needle), "{spec}: '{why}' lacks '{needle}'");
                }
            }
            other => panic!(
                "{spec}: expected a parameter error, got {:?}",
                other.map(|e| e.name())
            ),
        }
    }
}
