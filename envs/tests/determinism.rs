//! Common random numbers and determinism: same seed, same results, whatever the
//! number of threads or the stepper; different policies meet the same users.

mod common;

use common::{action, model, trajectories};
use onboard_envs::{Cohort, CohortMetrics, DayOutcome, Model, Quantity, Scenario, UserEnv};
use std::collections::BTreeMap;
use std::sync::Arc;

fn default_model() -> Arc<Model> {
    model(Scenario::builtin("default").expect("valid"))
}

/// A policy that looks at the observation: push (with recommendations) users who
/// have not visited since the day before, recommend to the others. Deterministic,
/// and different across users.
fn observed_policy(cohort: &Cohort) -> Vec<usize> {
    let model = cohort.model();
    let since = model
        .layout()
        .index("days_since_visit")
        .expect("feature exists");
    let (push, recs) = (action(model, "push+recs"), action(model, "recs"));
    cohort
        .observations()
        .rows()
        .into_iter()
        .map(|row| if row[since] > 0.0 { push } else { recs })
        .collect()
}

fn run_in_pool(threads: usize, launch: bool) -> CohortMetrics {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let model = default_model();
        let mut cohort = if launch {
            Cohort::launch(model, 17, 10)
        } else {
            Cohort::fixed(model, 17, 30_000)
        };
        while !cohort.is_finished() {
            let actions = observed_policy(&cohort);
            cohort.step(&actions).expect("valid actions");
        }
        cohort.metrics().clone()
    })
}

#[test]
fn metrics_are_bit_identical_with_one_and_two_threads() {
    for launch in [false, true] {
        let one = run_in_pool(1, launch);
        let two = run_in_pool(2, launch);
        assert!(one.users() > 5_000, "several parallel chunks");
        assert_eq!(one, two, "launch = {launch}");
    }
}

#[test]
fn different_policies_meet_the_same_users_and_luck_until_they_differ() {
    let model = default_model();
    let switch_age = 3;
    let mut nothing = UserEnv::new(Arc::clone(&model), 23);
    let mut pushy = UserEnv::new(Arc::clone(&model), 23);
    let push = action(&model, "push");
    let mut diverged = 0;
    for id in 0..2_000 {
        nothing.reset(id, 0);
        pushy.reset(id, 0);
        assert_eq!(nothing.user(), pushy.user(), "user {id} differs at signup");
        let mut age = 0;
        loop {
            let a = nothing.step(0).expect("valid");
            let b = pushy
                .step(if age >= switch_age { push } else { 0 })
                .expect("valid");
            if age < switch_age {
                assert_eq!(
                    a, b,
                    "user {id} differs at age {age} before the policies do"
                );
            } else if a != b {
                diverged += 1;
                break;
            }
            assert!(!a.terminated && !b.terminated, "churn is latent");
            if a.truncated {
                break;
            }
            age += 1;
        }
    }
    assert!(
        diverged > 100,
        "the push must change some outcomes ({diverged})"
    );
}

#[test]
fn cohort_and_single_user_environment_give_identical_trajectories() {
    let model = default_model();
    let n = model.n_actions() as u64;
    let policy = move |id: u64, age: u32| ((id + u64::from(age)) % n) as usize;
    let (log, _) = trajectories(&model, 31, 3_000, policy);
    let mut by_user: BTreeMap<u64, Vec<DayOutcome>> = BTreeMap::new();
    for (id, _, outcome) in log {
        by_user.entry(id).or_default().push(outcome);
    }
    let mut env = UserEnv::new(Arc::clone(&model), 31);
    for (id, cohort_days) in &by_user {
        env.reset(*id, 0);
        let mut env_days = Vec::new();
        for age in 0.. {
            let step = env.step(policy(*id, age)).expect("valid");
            env_days.push(step.info);
            if step.truncated {
                break;
            }
        }
        assert_eq!(&env_days, cohort_days, "user {id}");
    }
}

#[test]
fn streaming_metrics_equal_a_recount_from_trajectories() {
    let model = default_model();
    let horizon = model.horizon() as usize;
    let users = 5_000;
    let n_actions = model.n_actions() as u64;
    let (log, cohort) = trajectories(&model, 41, users, |id, age| {
        ((id * 3 + u64::from(age)) % n_actions) as usize
    });
    // Brute force, from each user's path of outcomes.
    let mut active = vec![0u64; horizon];
    let mut converted = vec![0u64; horizon];
    let mut survived = vec![0u64; horizon];
    let mut lapsed = vec![0u64; horizon];
    let mut profit_to_date = vec![Vec::new(); horizon];
    let mut paths: BTreeMap<u64, Vec<DayOutcome>> = BTreeMap::new();
    for (id, _, o) in &log {
        paths.entry(*id).or_default().push(*o);
    }
    assert_eq!(paths.len(), users);
    for path in paths.values() {
        assert_eq!(path.len(), horizon, "every user lives to the horizon");
        let mut bought = false;
        let mut profit = 0.0;
        for (age, o) in path.iter().enumerate() {
            bought |= o.purchased;
            profit += o.profit;
            active[age] += u64::from(o.visited);
            converted[age] += u64::from(bought);
            let dormant_after = (o.dormant && !o.won_back) || o.churned;
            survived[age] += u64::from(!dormant_after);
            lapsed[age] += u64::from(o.lapsed);
            profit_to_date[age].push(profit);
        }
    }
    let rows = cohort.metrics().by_age();
    let n = users as f64;
    for (age, row) in rows.iter().enumerate() {
        assert_eq!(row.active.mean, active[age] as f64 / n, "active at {age}");
        assert_eq!(
            row.conversion.mean,
            converted[age] as f64 / n,
            "conversion at {age}"
        );
        assert_eq!(
            row.survival.mean,
            survived[age] as f64 / n,
            "survival at {age}"
        );
        assert_eq!(row.lapsed.mean, lapsed[age] as f64 / n, "lapsed at {age}");
        let values = &profit_to_date[age];
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let half = 1.959_963_984_540_054 * sd / n.sqrt();
        let got = row.to_date(Quantity::Profit);
        assert!(
            (got.mean - mean).abs() < 1e-9 * (1.0 + mean.abs()),
            "profit mean at {age}"
        );
        assert!(
            ((got.high - got.mean) - half).abs() < 1e-6 * (1.0 + half),
            "profit interval at {age}"
        );
    }
}

#[test]
fn every_user_is_stepped_at_every_age_and_only_the_horizon_ends_a_window() {
    let model = default_model();
    let horizon = model.horizon();
    let (log, cohort) = trajectories(&model, 8, 4_000, |_, _| 0);
    assert!(cohort.is_finished());
    let mut ages: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    let mut churned = 0;
    for (id, age, o) in &log {
        assert_eq!(o.truncated, *age == horizon - 1, "user {id} at age {age}");
        churned += u64::from(o.churned);
        ages.entry(*id).or_default().push(*age);
    }
    let all: Vec<u32> = (0..horizon).collect();
    assert!(ages.values().all(|a| *a == all));
    assert!(
        churned > 1_000,
        "churn happens ({churned}), yet nobody leaves"
    );
}

#[test]
fn reading_a_cohort_does_not_change_it() {
    let model = default_model();
    let mut cohort = Cohort::launch(Arc::clone(&model), 3, 5);
    for _ in 0..3 {
        let first = cohort.observations().to_owned();
        let users = cohort.users().to_vec();
        let (finished, metrics) = (cohort.is_finished(), cohort.metrics().clone());
        assert_eq!(cohort.observations(), first);
        assert_eq!(cohort.users(), users.as_slice());
        assert_eq!(
            (cohort.is_finished(), cohort.metrics()),
            (finished, &metrics)
        );
        let actions = vec![0; users.len()];
        let transitions = cohort.step(&actions).expect("valid");
        assert_eq!(transitions.observations, first, "the rows acted on");
        assert_eq!(transitions.users.len(), users.len());
    }
}

/// Steps a launch of `model` and checks every observation the cohort advanced
/// against one the layout writes afresh.
fn assert_advances_to_what_the_layout_writes_afresh(model: Arc<Model>) {
    let layout = model.layout().clone();
    let n = model.n_actions() as u64;
    let mut cohort = Cohort::launch(Arc::clone(&model), 19, 12);
    let mut fresh = vec![0.0; layout.len()];
    let mut day = 0u64;
    while !cohort.is_finished() {
        for (user, row) in cohort.users().iter().zip(cohort.observations().rows()) {
            layout.write(user, &mut fresh);
            assert_eq!(
                row.as_slice(),
                Some(fresh.as_slice()),
                "user {} on day {day}",
                user.profile.id
            );
        }
        let actions: Vec<usize> = cohort
            .users()
            .iter()
            .map(|u| ((u.profile.id * 5 + day) % n) as usize)
            .collect();
        cohort.step(&actions).expect("valid");
        day += 1;
    }
}

#[test]
fn the_cohort_advances_each_observation_to_what_the_layout_writes_afresh() {
    assert_advances_to_what_the_layout_writes_afresh(default_model());
}

/// A privileged layout shows the latent segment, traits and state as they are,
/// day after day, after the platform's own features (which it leaves unchanged).
#[test]
fn latent_observations_show_the_simulator_truth() {
    let plain = default_model();
    let model = Arc::new(
        Model::new(plain.scenario().clone())
            .expect("valid")
            .with_latent_observations(),
    );
    let layout = model.layout();
    assert!(layout.is_privileged() && !plain.layout().is_privileged());
    let platform = plain.layout().len();
    assert_eq!(&layout.names()[..platform], plain.layout().names());
    let mut cohort = Cohort::fixed(Arc::clone(&model), 5, 300);
    for _ in 0..3 {
        cohort.step(&vec![1; 300]).expect("valid");
    }
    let feature = |name: &str| layout.index(name).unwrap_or_else(|| panic!("no {name}"));
    let segments = &model.scenario().segments;
    for (user, row) in cohort.users().iter().zip(cohort.observations().rows()) {
        let segment = &segments[usize::from(user.profile.segment)].name;
        assert_eq!(row[feature(&format!("latent:segment={segment}"))], 1.0);
        assert_eq!(
            row[feature("latent:intent")],
            user.profile.traits.intent as f32
        );
        assert_eq!(row[feature("latent:habit")], user.state.habit as f32);
        assert_eq!(
            row[feature("latent:churned")],
            f32::from(u8::from(user.state.churned))
        );
    }
    assert_advances_to_what_the_layout_writes_afresh(model);
}
