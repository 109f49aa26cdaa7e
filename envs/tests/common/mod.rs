//! Helpers shared by the environment's integration tests.

#![allow(dead_code)] // each test file uses its own subset

use onboard_envs::{Cohort, DayOutcome, LeverKind, Model, Normal, Scenario};
use std::sync::Arc;

/// The `tiny` scenario with every trait constant and every dynamic effect switched
/// off: visit, purchase and churn probabilities are exactly σ of the segment's
/// base log-odds at every age after signup (for live users). Everyone opts in to
/// the push, and no message wins a dormant user back.
pub fn plain_scenario() -> Scenario {
    let mut s = Scenario::builtin("tiny").expect("tiny is valid");
    for segment in &mut s.segments {
        segment.intent = Normal { mean: 0.0, sd: 0.0 };
        segment.price_sensitivity = Normal { mean: 0.0, sd: 0.0 };
        segment.tolerance = Normal { mean: 1.0, sd: 0.0 };
    }
    let d = &mut s.dynamics;
    d.weekday_visit = vec![0.0; 7];
    d.habit_visit = 0.0;
    d.fatigue_visit = 0.0;
    d.knowledge_purchase = 0.0;
    d.dependence_penalty = 0.0;
    s.churn.habit = 0.0;
    s.churn.fatigue = 0.0;
    s.churn.recency = 0.0;
    s.unsubscribe.base = -30.0;
    s.unsubscribe.slope = 0.0;
    for lever in &mut s.levers {
        lever.visit.clear();
        lever.purchase.clear();
        lever.discount = 0.0;
        lever.win_back = None;
        if lever.kind == LeverKind::Message {
            for share in lever.opt_in.values_mut() {
                *share = 1.0;
            }
        } else {
            lever.fatigue = 0.0;
            lever.dependence = 0.0;
        }
    }
    s
}

/// Compiles a scenario that the test built to be valid.
pub fn model(scenario: Scenario) -> Arc<Model> {
    Arc::new(Model::new(scenario).expect("test scenario is valid"))
}

/// The joint action that `spec` names in `model` (a test names valid ones).
pub fn action(model: &Model, spec: &str) -> usize {
    onboard_envs::find_action(model.actions().names(), spec)
        .unwrap_or_else(|| panic!("no action '{spec}'"))
}

/// Runs a fixed cohort to the end, choosing each row's action from its user's id and
/// age, and returns every transition's `(user id, age, outcome)`.
pub fn trajectories(
    model: &Arc<Model>,
    seed: u64,
    users: usize,
    policy: impl Fn(u64, u32) -> usize,
) -> (Vec<(u64, u32, DayOutcome)>, Cohort) {
    let mut cohort = Cohort::fixed(Arc::clone(model), seed, users);
    let mut log = Vec::new();
    while !cohort.is_finished() {
        let who: Vec<(u64, u32)> = cohort
            .users()
            .iter()
            .map(|u| (u.profile.id, u.state.age))
            .collect();
        let actions: Vec<usize> = who.iter().map(|&(id, age)| policy(id, age)).collect();
        let transitions = cohort.step(&actions).expect("valid actions");
        log.extend(
            who.iter()
                .zip(transitions.outcomes)
                .map(|(&(id, age), o)| (id, age, *o)),
        );
    }
    (log, cohort)
}

/// Four standard errors of a frequency with success probability `p` over `n` trials:
/// a deviation this large has probability below 1e-4 under the model.
pub fn four_sigma(p: f64, n: usize) -> f64 {
    4.0 * (p * (1.0 - p) / n as f64).sqrt()
}
