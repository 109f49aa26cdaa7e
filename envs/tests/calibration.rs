//! The default scenario reproduces published e-commerce onboarding benchmarks under
//! the "nothing" policy (see the comment at the top of `scenarios/default.ron`).

use onboard_envs::{AgeMetrics, Cohort, Estimate, Model, Quantity, Scenario};
use std::sync::Arc;

/// 200,000 users: the 95 % intervals of the rates below are about ±0.2 points, far
/// narrower than the benchmark ranges, so the test asserts the interval lies inside.
const USERS: usize = 200_000;

fn nothing_policy_metrics() -> Vec<AgeMetrics> {
    let scenario = Scenario::builtin("default").expect("default scenario is valid");
    let nothing = scenario
        .action_index("nothing")
        .expect("default has a nothing action");
    let seed = scenario.seed;
    let model = Model::new(scenario).expect("default scenario compiles");
    let mut cohort = Cohort::fixed(Arc::new(model), seed, USERS);
    let mut actions = Vec::new();
    while !cohort.is_finished() {
        actions.clear();
        actions.resize(cohort.observations().nrows(), nothing);
        cohort.step(&actions).expect("valid actions");
    }
    cohort.metrics().by_age()
}

fn assert_within(what: &str, estimate: Estimate, low: f64, high: f64) {
    assert!(
        estimate.low >= low && estimate.high <= high,
        "{what}: {:.4} [{:.4}, {:.4}] is not inside [{low}, {high}]",
        estimate.mean,
        estimate.low,
        estimate.high
    );
}

#[test]
fn nothing_policy_matches_published_benchmarks() {
    let rows = nothing_policy_metrics();
    for r in &rows {
        eprintln!(
            "age {:2} survival {:.3} active {:.3} conversion {:.4} profit/user to date {:.3}",
            r.age,
            r.survival.mean,
            r.active.mean,
            r.conversion.mean,
            r.to_date(Quantity::Profit).mean
        );
    }
    assert_within("day-1 active", rows[1].active, 0.20, 0.30);
    assert_within("day-7 active", rows[7].active, 0.10, 0.15);
    assert_within("day-30 active", rows[30].active, 0.05, 0.08);
    assert_within("30-day conversion", rows[30].conversion, 0.02, 0.10);
}
