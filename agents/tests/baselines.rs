//! Baselines: constant, random and rule schedules.

mod common;

use common::assert_samples_match_probabilities;
use ndarray::Array2;
use onboard_agents::baselines::{ConstantPolicy, RandomPolicy, RulePolicy, RuleSchedule};
use onboard_agents::{Policy, from_ron};
use onboard_envs::{Cohort, Model, Scenario};
use std::sync::Arc;

const SCHEDULE: &str = r#"RuleSchedule(
    name: "welcome-then-email",
    default: "nothing",
    rules: [
        (when: [(feature: "day", is: Eq, value: 0.0)], then: "recs+coupon"),
        (when: [(feature: "day", is: Eq, value: 2.0), (feature: "has_purchased", is: Eq, value: 0.0)],
         then: "email"),
    ],
)"#;

fn default_model() -> Arc<Model> {
    Arc::new(Model::new(Scenario::builtin("default").expect("valid")).expect("valid"))
}

fn action_names(model: &Model) -> Vec<String> {
    model.actions().names().to_vec()
}

/// The joint action with exactly these levers (by name) of the default scenario.
fn joint(model: &Model, levers: [Option<&str>; 3]) -> usize {
    let scenario = model.scenario();
    let parts = levers.map(|l| l.map(|name| scenario.lever_index(name).expect("a lever")));
    model
        .actions()
        .index_of(parts)
        .expect("an allowed combination")
}

#[test]
fn random_policy_samples_uniformly() {
    let mut policy = RandomPolicy::new(7, 3);
    let statistic = assert_samples_match_probabilities(&mut policy, &[0.0; 4], 70_000);
    eprintln!("random: chi-square {statistic:.2}");
}

#[test]
fn constant_policy_is_one_hot() {
    let mut policy = ConstantPolicy::new("push", 3, 7);
    let observations = Array2::zeros((5, 4));
    let mut probabilities = Array2::zeros((5, 7));
    policy.probabilities(observations.view(), probabilities.view_mut());
    let mut actions = vec![0; 5];
    policy.act(observations.view(), &mut actions);
    assert!(actions.iter().all(|&a| a == 3));
    assert!(
        probabilities
            .rows()
            .into_iter()
            .all(|r| r[3] == 1.0 && r.sum() == 1.0)
    );
}

#[test]
fn rule_schedule_acts_by_day_and_features_on_a_simulated_cohort() {
    let model = default_model();
    let schedule: RuleSchedule = from_ron(SCHEDULE, "rules.ron").expect("parses");
    let mut policy =
        RulePolicy::new(&schedule, model.layout(), &action_names(&model)).expect("resolves");
    let bought = model.layout().index("has_purchased").expect("feature");
    // A lever names the joint action with only that lever; levers of different kinds
    // joined by `+` (in any order) name their combination.
    let coupon_and_recs = joint(&model, [None, Some("coupon"), Some("recs")]);
    let email = joint(&model, [Some("email"), None, None]);
    let mut cohort = Cohort::fixed(Arc::clone(&model), 3, 5_000);
    let mut actions = Vec::new();
    let mut emails = 0;
    while !cohort.is_finished() {
        let ages: Vec<u32> = cohort.users().iter().map(|u| u.state.age).collect();
        let observations = cohort.observations().to_owned();
        actions.resize(observations.nrows(), 0);
        policy.act(observations.view(), &mut actions);
        for ((age, row), &action) in ages.iter().zip(observations.rows()).zip(&actions) {
            let expected = match age {
                0 => coupon_and_recs,
                2 if row[bought] == 0.0 => email,
                _ => 0,
            };
            assert_eq!(action, expected, "age {age}");
            emails += usize::from(action == email);
        }
        cohort.step(&actions).expect("valid");
    }
    assert!(emails > 1_000, "the day-2 rule fires ({emails})");
}

#[test]
fn unknown_names_are_reported_with_their_path() {
    let model = default_model();
    let names = action_names(&model);
    let cases = [
        (
            "\"has_purchased\"",
            "\"has_bought\"",
            "rules[1].when[1].feature: unknown feature 'has_bought'",
        ),
        (
            "then: \"email\"",
            "then: \"sms\"",
            "rules[1].then: unknown action 'sms'",
        ),
        // Two levers of one kind are no joint action.
        (
            "default: \"nothing\"",
            "default: \"coupon+free_shipping\"",
            "default: unknown action 'coupon+free_shipping' (levers: push, email, coupon, \
             free_shipping, recs, tour; join levers of different kinds with '+'",
        ),
    ];
    for (from, to, expected) in cases {
        let schedule: RuleSchedule =
            from_ron(&SCHEDULE.replacen(from, to, 1), "rules.ron").expect("parses");
        let error = RulePolicy::new(&schedule, model.layout(), &names).expect_err("unknown name");
        assert!(error.to_string().starts_with(expected), "{error}");
    }
    let typo = from_ron::<RuleSchedule>(&SCHEDULE.replacen("rules:", "rulez:", 1), "rules.ron")
        .expect_err("typo");
    assert!(typo.to_string().starts_with("rules.ron:4:"), "{typo}");
}
