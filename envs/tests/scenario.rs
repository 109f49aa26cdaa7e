//! Scenario files: every built-in loads, and bad input gives an error that says
//! where and what, never a panic.

mod common;

use onboard_envs::{BUILTIN, Cohort, Model, Scenario, ScenarioError};
use proptest::prelude::*;
use std::sync::Arc;

fn default_text() -> &'static str {
    BUILTIN[0].1
}

fn problems_of(text: &str) -> Vec<String> {
    match Scenario::from_ron(text, "test.ron") {
        Err(ScenarioError::Invalid { problems, .. }) => {
            problems.iter().map(|p| p.to_string()).collect()
        }
        other => panic!("expected validation problems, got {other:?}"),
    }
}

#[test]
fn every_builtin_scenario_is_valid_and_named_after_its_file() {
    for (name, _) in BUILTIN {
        let scenario = Scenario::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scenario.name, name);
        Model::new(scenario).expect("compiles");
    }
}

#[test]
fn every_shipped_file_matches_its_embedded_copy() {
    for (name, text) in BUILTIN {
        let path = format!("{}/../scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
        assert_eq!(std::fs::read_to_string(path).expect("file exists"), text);
    }
}

#[test]
fn a_syntax_error_reports_line_and_column() {
    let text = default_text().replacen("horizon: 31,", "horizon: 31", 1);
    let line = text
        .lines()
        .position(|l| l.contains("horizon: 31"))
        .expect("present")
        + 2;
    match Scenario::from_ron(&text, "broken.ron") {
        Err(e @ ScenarioError::Parse { .. }) => {
            let message = e.to_string();
            assert!(
                message.starts_with(&format!("broken.ron:{line}:")),
                "{message}"
            );
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn an_unknown_field_is_named() {
    let text = default_text().replacen("margin: 0.3,", "margin: 0.3,\n    margn: 0.3,", 1);
    let message = Scenario::from_ron(&text, "typo.ron")
        .expect_err("unknown field")
        .to_string();
    assert!(message.contains("margn"), "{message}");
}

#[test]
fn a_segment_mix_that_does_not_sum_to_one_names_the_channel() {
    let text = default_text().replacen(
        "\"gift_buyer\": 0.1}),\n            (name: \"search\"",
        "\"gift_buyer\": 0.03}),\n            (name: \"search\"",
        1,
    );
    let problems = problems_of(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("arrivals.channels[1].segments: probabilities must sum to 1, got 0.93"),
        "{problems:?}"
    );
}

#[test]
fn value_rules_name_the_field_path() {
    let cases = [
        (
            "horizon: 31,",
            "horizon: 0,",
            "horizon: must lie in [1, 366]",
        ),
        (
            "rate: 1000.0,",
            "rate: -5.0,",
            "arrivals.rate: must lie in [0, 10000000], got -5",
        ),
        (
            "growth: 0.0,",
            "growth: -1.0,",
            "arrivals.growth: must lie in (-1, 1]",
        ),
        (
            "weekly: [1.0, 1.05, 1.05, 1.0, 0.95, 0.9, 0.95]",
            "weekly: [1.0]",
            "arrivals.weekly: needs one value per weekday (7), got 1",
        ),
        (
            "median: 35.0",
            "median: 0.0",
            "segments[0].order_value.median: must be above 0, got 0",
        ),
        (
            "sd: 1.0",
            "sd: -1.0",
            "segments[0].intent.sd: must be at least 0, got -1",
        ),
        (
            "discount: 0.15,",
            "discount: 1.5,",
            "levers[0].discount: must lie in [0, 1], got 1.5",
        ),
        (
            "habit_decay: 0.8,",
            "habit_decay: 1.2,",
            "dynamics.habit_decay: must lie in [0, 1], got 1.2",
        ),
        (
            "coupon_validity: 7,",
            "coupon_validity: 0,",
            "dynamics.coupon_validity: must be at least 1 day",
        ),
        (
            "name: \"push\",",
            "name: \"coupon\",",
            "levers[2].name: 'coupon' is used twice",
        ),
        (
            "name: \"push\",",
            "name: \"push+email\",",
            "levers[2].name: 'push+email' cannot name a lever",
        ),
        (
            "order_value: (median: 35.0, sigma: 0.6),",
            "order_value: (median: 1e308, sigma: 0.6),",
            "segments[0].order_value.median: must be a finite number within ±1e7, got 1e308",
        ),
        (
            "order_value: (median: 35.0, sigma: 0.6),",
            "order_value: (median: 35.0, sigma: 9.0),",
            "segments[0].order_value.sigma: must lie in [0, 5], got 9",
        ),
        (
            "name: \"push\",",
            "name: \"random\",",
            "levers[2].name: 'random' cannot name a lever",
        ),
        (
            "name: \"push\",",
            "name: \"push.ron\",",
            "levers[2].name: 'push.ron' cannot name a lever",
        ),
        (
            "visit: {\"browser\": 0.6,",
            "visit: {\"browsr\": 0.6,",
            "levers[2].visit: unknown segment 'browsr'",
        ),
        (
            "purchase: {\"browser\": 0.2, \"bargain_hunter\": 0.1,",
            "visit: {\"browser\": 0.5}, purchase: {\"browser\": 0.2, \"bargain_hunter\": 0.1,",
            "levers[4].visit: an InApp lever is only seen during a visit",
        ),
        (
            "opt_in: {\"organic\": 0.5, \"paid_social\": 0.4,",
            "opt_in: {\"organic\": 1.5, \"paid_social\": 0.4,",
            "levers[2].opt_in[\"organic\"]: must lie in [0, 1], got 1.5",
        ),
        (
            "opt_in: {\"organic\": 0.5, \"paid_social\": 0.4,",
            "opt_in: {\"paid_social\": 0.4,",
            "levers[2].opt_in: a Message lever needs the opt-in share of every channel; 'organic' is missing",
        ),
        (
            "opt_in: {\"organic\": 0.5, \"paid_social\": 0.4,",
            "opt_in: {\"organc\": 0.5, \"paid_social\": 0.4,",
            "levers[2].opt_in: unknown channel 'organc'",
        ),
        (
            "name: \"recs\",\n            kind: InApp,",
            "name: \"recs\",\n            kind: InApp,\n            win_back: -1.0,",
            "levers[4].win_back: only Message levers reach dormant users",
        ),
        (
            "message_cap: (messages: 4, days: 7),",
            "message_cap: (messages: 4, days: 40),",
            "message_cap.days: must lie in [1, 32] days, got 40",
        ),
        (
            "message_cap: (messages: 4, days: 7),",
            "message_cap: (messages: 7, days: 7),",
            "message_cap.messages: must be below message_cap.days (7) to cap anything, got 7",
        ),
        (
            "message_cap: (messages: 4, days: 7),",
            "forbid: [[\"push\", \"email\"], [\"tour\"], [\"coupn\", \"recs\"]],",
            "forbid[0][1]: 'email' is a second message lever",
        ),
        (
            "message_cap: (messages: 4, days: 7),",
            "forbid: [[\"tour\"]],",
            "forbid[0]: a forbidden combination names at least 2 levers, got 1",
        ),
        (
            "message_cap: (messages: 4, days: 7),",
            "forbid: [[\"coupn\", \"recs\"]],",
            "forbid[0][0]: unknown lever 'coupn'",
        ),
        (
            "subscription: {\"push\": 0.4,",
            "subscription: {\"recs\": 0.4,",
            "terminal_value.subscription[\"recs\"]: 'recs' is not a Message lever",
        ),
        (
            "dependence: 0.5,\n        subscription",
            "dependence: NaN,\n        subscription",
            "terminal_value.dependence: must be a finite number",
        ),
        (
            "lapse_days: 7,",
            "lapse_days: 0,",
            "lapse_days: must be at least 1 day, got 0",
        ),
        (
            "share: 0.35,",
            "share: 0.5,",
            "arrivals.channels: probabilities must sum to 1, got 1.15",
        ),
        (
            "steps: [\"tour\"], then",
            "steps: [\"tuor\"], then",
            "journeys[2].steps[0]: 'tuor' is no allowed action",
        ),
        (
            "steps: [\"tour\"], then",
            "steps: [\"tour+recs\"], then",
            "journeys[2].steps[0]: 'tour+recs' is no allowed action",
        ),
        (
            "(name: \"recs\", steps: []",
            "(name: \"hands-off\", steps: []",
            "journeys[1].name: 'hands-off' is used twice",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(
            default_text().contains(from),
            "test case {from} no longer matches the default"
        );
        let problems = problems_of(&default_text().replacen(from, to, 1));
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected}: got {problems:?}"
        );
    }
}

#[test]
fn a_journey_longer_than_the_horizon_is_named() {
    let long = vec!["\"push\""; 32].join(", ");
    let text = default_text().replacen(
        "steps: [], then: \"nothing\"",
        &format!("steps: [{long}], then: \"nothing\""),
        1,
    );
    let problems = problems_of(&text);
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("journeys[0].steps: has 32 steps, more than the horizon (31 days)")),
        "{problems:?}"
    );
}

#[test]
fn names_and_paths_resolve_with_clear_errors() {
    assert_eq!(
        Scenario::load("coupon-trap").expect("builtin").name,
        "coupon-trap"
    );
    let path = format!("{}/../scenarios/tiny.ron", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(Scenario::load(&path).expect("file").name, "tiny");
    let unknown = Scenario::load("defualt").expect_err("unknown").to_string();
    assert!(
        unknown.contains("unknown scenario 'defualt'") && unknown.contains("coupon-trap"),
        "{unknown}"
    );
    let missing = Scenario::load("nowhere/else.ron")
        .expect_err("missing")
        .to_string();
    assert!(
        missing.starts_with("nowhere/else.ron: cannot read"),
        "{missing}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Scenario::from_ron(&text, "fuzz.ron");
    }

    #[test]
    fn a_corrupted_default_never_panics(position in 0usize..8_000, byte in any::<u8>()) {
        let mut bytes = default_text().as_bytes().to_vec();
        let position = position % bytes.len();
        bytes[position] = byte;
        let text = String::from_utf8_lossy(&bytes);
        let _ = Scenario::from_ron(&text, "fuzz.ron");
    }

    #[test]
    fn any_numbers_are_rejected_or_simulated_without_panic(
        rate in prop_oneof![any::<f64>(), 0.0..100.0f64],
        growth in prop_oneof![any::<f64>(), -1.0..1.0f64],
        visit_base in prop_oneof![any::<f64>(), -50.0..50.0f64],
        intent_sd in prop_oneof![any::<f64>(), 0.0..20.0f64],
        median in prop_oneof![any::<f64>(), 0.0..1e6f64],
        decay in prop_oneof![any::<f64>(), 0.0..1.0f64],
        horizon in 0u32..400,
    ) {
        let mut scenario = Scenario::builtin("tiny").expect("valid");
        scenario.arrivals.rate = rate;
        scenario.arrivals.growth = growth;
        scenario.segments[0].visit_base = visit_base;
        scenario.segments[0].intent.sd = intent_sd;
        scenario.segments[1].order_value.median = median;
        scenario.dynamics.habit_decay = decay;
        scenario.horizon = horizon;
        if let Ok(model) = Model::new(scenario) {
            let mut cohort = Cohort::launch(Arc::new(model), 1, 3);
            let mut actions = Vec::new();
            for _ in 0..5 {
                actions.clear();
                actions.resize(cohort.observations().nrows(), 1);
                cohort.step(&actions).expect("valid actions");
            }
            let _ = cohort.metrics().by_age();
        }
    }
}
