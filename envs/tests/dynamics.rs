//! Statistical tests of the dynamics: frequencies against the configured
//! probabilities, with tolerances of four standard errors (fixed seeds).

mod common;

use common::{four_sigma, model, plain_scenario, trajectories};
use onboard_envs::{Cohort, Model, Scenario, expected_signups, sigmoid, signups};
use std::sync::Arc;

const USERS: usize = 40_000;

#[test]
fn arrival_counts_have_poisson_mean_and_variance() {
    let mut scenario = Scenario::builtin("tiny").expect("tiny is valid");
    scenario.arrivals.rate = 50.0;
    let model = Model::new(scenario).expect("valid");
    let days = 20_000u32;
    let counts: Vec<f64> = (0..days).map(|d| signups(&model, 11, d) as f64).collect();
    let n = f64::from(days);
    let lambda = expected_signups(&model, 0);
    let mean = counts.iter().sum::<f64>() / n;
    let variance = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
    // Var(mean) = λ/n; Var(sample variance) ≈ (μ4 − σ⁴)/n = (λ + 2λ²)/n for a Poisson.
    assert!(
        (mean - lambda).abs() < 4.0 * (lambda / n).sqrt(),
        "mean {mean} vs {lambda}"
    );
    let sd_of_variance = ((lambda + 2.0 * lambda * lambda) / n).sqrt();
    assert!(
        (variance - lambda).abs() < 4.0 * sd_of_variance,
        "variance {variance} vs {lambda}"
    );
}

#[test]
fn arrivals_follow_weekly_pattern_and_growth() {
    let mut scenario = Scenario::builtin("tiny").expect("tiny is valid");
    scenario.arrivals.weekly = vec![1.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5];
    scenario.arrivals.growth = 0.01;
    let model = Model::new(scenario).expect("valid");
    let expected = 200.0 * 2.0 * 1.01f64.powi(8);
    assert!((expected_signups(&model, 8) - expected).abs() < 1e-9);
}

#[test]
fn without_effects_visit_purchase_and_churn_match_base_probabilities() {
    let scenario = plain_scenario();
    let segment = &scenario.segments[0];
    let (p_visit, p_buy, p_churn) = (
        sigmoid(segment.visit_base),
        sigmoid(segment.purchase_base),
        sigmoid(segment.churn_base),
    );
    let mut only_first = scenario.clone();
    for channel in &mut only_first.arrivals.channels {
        channel.segments = [(segment.name.clone(), 1.0)].into();
    }
    let model = model(only_first);
    let (log, _) = trajectories(&model, 3, USERS, |_, _| 0);

    let later: Vec<_> = log
        .iter()
        .filter(|(_, age, _)| *age > 0)
        .map(|(_, _, o)| o)
        .collect();
    let visits = later.iter().filter(|o| o.visited).count();
    let live_days = later.iter().filter(|o| !o.dormant).count();
    let visit_rate = visits as f64 / live_days as f64;
    assert!(
        (visit_rate - p_visit).abs() < four_sigma(p_visit, live_days),
        "visit {visit_rate} vs {p_visit}"
    );

    let visited: Vec<_> = log.iter().filter(|(_, _, o)| o.visited).collect();
    let buy_rate =
        visited.iter().filter(|(_, _, o)| o.purchased).count() as f64 / visited.len() as f64;
    assert!(
        (buy_rate - p_buy).abs() < four_sigma(p_buy, visited.len()),
        "purchase {buy_rate} vs {p_buy}"
    );

    // Churn is drawn for the users live during the day; dormant users never visit.
    let live: Vec<_> = log.iter().filter(|(_, _, o)| !o.dormant).collect();
    let churn_rate = live.iter().filter(|(_, _, o)| o.churned).count() as f64 / live.len() as f64;
    assert!(
        (churn_rate - p_churn).abs() < four_sigma(p_churn, live.len()),
        "churn {churn_rate} vs {p_churn}"
    );
    assert!(log.iter().all(|(_, _, o)| !(o.dormant && o.visited)));
}

#[test]
fn a_positive_visit_effect_raises_the_visit_rate_to_its_configured_level() {
    let mut scenario = plain_scenario();
    let push = scenario.action_index("push").expect("tiny has a push");
    let lever = scenario.lever_index("push").expect("tiny has a push");
    let lift = 0.8;
    for segment in scenario.segments.clone() {
        scenario.levers[lever].visit.insert(segment.name, lift);
    }
    let base = sigmoid(scenario.segments[0].visit_base);
    let pushed = sigmoid(scenario.segments[0].visit_base + lift);
    let mut only_first = scenario;
    for channel in &mut only_first.arrivals.channels {
        channel.segments = [("browser".to_string(), 1.0)].into();
    }
    let model = model(only_first);
    let day1_visits = |action: usize| {
        let (log, _) = trajectories(&model, 5, USERS, |_, _| action);
        let day1: Vec<_> = log
            .iter()
            .filter(|(_, age, o)| *age == 1 && !o.dormant)
            .collect();
        (
            day1.iter().filter(|(_, _, o)| o.visited).count() as f64 / day1.len() as f64,
            day1.len(),
        )
    };
    let (without, n0) = day1_visits(0);
    let (with, n1) = day1_visits(push);
    assert!(
        (without - base).abs() < four_sigma(base, n0),
        "{without} vs {base}"
    );
    assert!(
        (with - pushed).abs() < four_sigma(pushed, n1),
        "{with} vs {pushed}"
    );
    assert!(with - without > four_sigma(base, n0) + four_sigma(pushed, n1));
}

#[test]
fn fatigue_over_tolerance_raises_unsubscribes() {
    // Tolerance 1 for everyone; the first push sets fatigue to the push's increment,
    // so the signup-day unsubscribe probability is σ(base + slope · (fatigue − 1)).
    let unsubscribe_rate = |fatigue: f64| {
        let mut scenario = plain_scenario();
        scenario.unsubscribe.base = -2.0;
        scenario.unsubscribe.slope = 1.5;
        let push = scenario.action_index("push").expect("tiny has a push");
        let lever = scenario.lever_index("push").expect("tiny has a push");
        scenario.levers[lever].fatigue = fatigue;
        let expected = sigmoid(-2.0 + 1.5 * (fatigue - 1.0));
        let model = model(scenario);
        let (log, _) = trajectories(&model, 9, USERS, |_, _| push);
        let day0: Vec<_> = log.iter().filter(|(_, age, _)| *age == 0).collect();
        let rate =
            day0.iter().filter(|(_, _, o)| o.unsubscribed).count() as f64 / day0.len() as f64;
        assert!(
            (rate - expected).abs() < four_sigma(expected, day0.len()),
            "{rate} vs {expected}"
        );
        rate
    };
    let below = unsubscribe_rate(0.5);
    let above = unsubscribe_rate(3.0);
    assert!(above > below + four_sigma(0.5, USERS), "{above} vs {below}");
}

#[test]
fn messages_do_not_reach_unsubscribed_users() {
    let mut scenario = plain_scenario();
    scenario.unsubscribe.base = 30.0; // everyone unsubscribes after the first message
    let push = scenario.action_index("push").expect("tiny has a push");
    let model = model(scenario);
    let (log, _) = trajectories(&model, 2, 2_000, |_, _| push);
    for (_, age, outcome) in &log {
        assert_eq!(outcome.message, *age == 0, "age {age}");
        assert_eq!(
            outcome.cost > 0.0,
            *age == 0,
            "a push is paid only when delivered"
        );
    }
}

#[test]
fn coupons_are_used_once_and_discount_the_order() {
    let scenario = Scenario::builtin("default").expect("valid");
    let coupon = scenario.action_index("coupon").expect("default has one");
    let margin = scenario.margin;
    let model = Arc::new(Model::new(scenario).expect("valid"));
    // Coupon on the signup day only; validity 7 days.
    let (log, _) = trajectories(
        &model,
        4,
        20_000,
        |_, age| if age == 0 { coupon } else { 0 },
    );
    let mut first_purchase_age = std::collections::HashMap::new();
    for (id, age, o) in &log {
        if o.purchased {
            let first = *first_purchase_age.entry(*id).or_insert(*age);
            let discounted = first == *age && *age < 7;
            let expected_discount = if discounted {
                0.15 * o.order_value
            } else {
                0.0
            };
            assert!(
                (o.discount - expected_discount).abs() < 1e-9,
                "user {id} age {age}"
            );
            assert!((o.revenue - (o.order_value - o.discount)).abs() < 1e-9);
            assert!((o.profit - (margin * o.order_value - o.discount - o.cost)).abs() < 1e-9);
        }
    }
    assert!(first_purchase_age.len() > 100, "enough purchases to test");
}

#[test]
fn launch_keeps_only_users_inside_their_window() {
    let model = Arc::new(Model::new(Scenario::builtin("tiny").expect("valid")).expect("valid"));
    let horizon = model.horizon();
    let days = 60;
    let mut cohort = Cohort::launch(Arc::clone(&model), 1, days);
    let mut actions = Vec::new();
    let mut peak = 0;
    while !cohort.is_finished() {
        let day = cohort.day();
        let held = cohort.users().len();
        // Memory is bounded by the signups of the last `horizon` days, however many
        // users have finished before.
        let window: u64 = (day.saturating_sub(horizon - 1)..=day.min(days - 1))
            .map(|d| signups(&model, 1, d))
            .sum();
        assert!(
            held as u64 <= window,
            "day {day}: {held} users held, window {window}"
        );
        peak = peak.max(held);
        actions.clear();
        actions.resize(held, 0);
        cohort.step(&actions).expect("valid");
    }
    let total = cohort.signed_up();
    assert_eq!(
        cohort.metrics().users(),
        total,
        "every user is counted once finished"
    );
    assert!((peak as u64) < total / 4, "peak {peak} of {total}");
}
