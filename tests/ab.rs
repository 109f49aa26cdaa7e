//! A/B/n experiments: a paired test of a policy against itself finds exactly no
//! difference, split tests of identical policies give uniform p-values, a known
//! better policy is detected, and the outputs are written and parse.

use indicatif::ProgressBar;
use onboard::ab::analysis::kaplan_meier_of;
use onboard::ab::experiment::{Arm, Assignment, Experiment};
use onboard::ab::run::{replicate_p_values, spec_factory};
use onboard::ab::run_experiment;
use onboard::cohort_plots::lever_shares;
use onboard::folder::Writer;
use onboard::policies::policy_from_spec;
use onboard::simulate::{Population, simulate};
use onboard::stats::ks_uniform;
use onboard_agents::baselines::{RulePolicy, RuleSchedule};
use onboard_agents::from_ron;
use onboard_envs::{Model, Scenario};
use std::path::Path;
use std::sync::Arc;

/// Who writes these experiments' folders.
const AB: Writer = Writer {
    command: "ab",
    force: false,
};

fn experiment(arms: &[(&str, &str)], assignment: Assignment, users: usize) -> Experiment {
    Experiment {
        name: "test".to_string(),
        scenario: "tiny".to_string(),
        arms: arms
            .iter()
            .map(|(name, policy)| Arm {
                name: name.to_string(),
                policy: policy.to_string(),
            })
            .collect(),
        control: None,
        assignment,
        users,
        seed: Some(11),
        replicates: 0,
        power_arm: None,
    }
}

fn tiny() -> Scenario {
    Scenario::builtin("tiny").expect("a built-in scenario")
}

#[test]
fn a_paired_test_of_a_policy_against_itself_has_exactly_zero_lift() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let experiment = experiment(
        &[("a", "coupon"), ("b", "coupon")],
        Assignment::Paired,
        5_000,
    );
    let result = run_experiment(
        experiment,
        tiny(),
        Path::new("."),
        Some(dir.path()),
        AB,
        true,
    )
    .expect("the experiment runs");
    // Profit, revenue, conversion, day-7 retention and survival days, all paired
    // per user, so even the intervals of the difference and the lift collapse.
    assert_eq!(result.analysis.lifts.len(), 5);
    for lift in &result.analysis.lifts {
        assert!(lift.method.starts_with("paired"), "{lift:?}");
        assert_eq!(lift.difference.estimate, 0.0, "{lift:?}");
        assert_eq!(
            (lift.difference.low, lift.difference.high),
            (0.0, 0.0),
            "{lift:?}"
        );
        let relative = lift.relative.expect("a control above 0");
        assert_eq!((relative.low, relative.high), (0.0, 0.0), "{lift:?}");
        assert_eq!((lift.p_value, lift.p_adjusted), (1.0, 1.0), "{lift:?}");
    }
    // The log-rank test assumes independent groups: not reported when paired.
    assert!(result.analysis.log_rank.is_none());
    assert!(result.analysis.survival_test.contains("restricted mean"));
}

#[test]
fn split_tests_of_identical_policies_give_uniform_p_values() {
    let model = Arc::new(Model::new(tiny()).expect("valid"));
    let coupon = spec_factory("coupon".to_string(), Arc::clone(&model)).expect("a policy");
    let p_values = replicate_p_values(
        &model,
        &coupon,
        &coupon,
        500,
        400,
        3,
        &ProgressBar::hidden(),
    )
    .expect("the replicates run");
    let ks = ks_uniform(&p_values).expect("valid p-values");
    // Under the null the KS p-value is itself uniform: this fails 1 % of the time
    // for a correct test, and the seed is fixed.
    assert!(ks.p_value > 0.01, "p-values not uniform: {ks:?}");
    // A real departure would show: under the null about 5 % reject at α = 0.05.
    let rejected = p_values.iter().filter(|&&p| p < 0.05).count() as f64;
    let sd = (400.0 * 0.05 * 0.95_f64).sqrt();
    assert!(
        (rejected - 20.0).abs() < 4.0 * sd,
        "{rejected} of 400 rejected"
    );
}

#[test]
fn a_known_better_policy_is_detected_in_both_assignments() {
    // On tiny, a daily push is known to cost profit against doing nothing (fatigue
    // drives churn): the paired and the split test both find it, with intervals
    // below zero.
    for assignment in [Assignment::Paired, Assignment::Split] {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let experiment = experiment(
            &[("nothing", "nothing"), ("push", "push")],
            assignment,
            20_000,
        );
        let result = run_experiment(
            experiment,
            tiny(),
            Path::new("."),
            Some(dir.path()),
            AB,
            true,
        )
        .expect("the experiment runs");
        let profit = result
            .analysis
            .lifts
            .iter()
            .find(|l| l.metric == "profit")
            .expect("a profit lift");
        assert!(
            profit.difference.high < 0.0 && profit.p_value < 0.001,
            "{assignment:?}: {profit:?}"
        );
        let method = if assignment == Assignment::Paired {
            "paired"
        } else {
            "independent (Welch)"
        };
        assert_eq!(profit.method, method);
        assert_eq!(
            result.analysis.log_rank.is_some(),
            assignment == Assignment::Split
        );
    }
}

#[test]
fn outputs_are_written_and_parse() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut experiment = experiment(
        &[
            ("nothing", "nothing"),
            ("coupon", "coupon"),
            ("push", "push"),
        ],
        Assignment::Split,
        2_000,
    );
    experiment.replicates = 20;
    let result = run_experiment(
        experiment,
        tiny(),
        Path::new("."),
        Some(dir.path()),
        AB,
        true,
    )
    .expect("the experiment runs");
    let folder = dir.path();
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("summary.json")).expect("summary.json"),
    )
    .expect("valid JSON");
    assert_eq!(summary["arms"].as_array().map(Vec::len), Some(3));
    let points = result.analysis.power.len();
    assert!((1..=4).contains(&points), "{points} power points");
    assert_eq!(summary["power"].as_array().map(Vec::len), Some(points));
    let rows = |name: &str| {
        csv::Reader::from_path(folder.join(name))
            .expect("a CSV")
            .records()
            .count()
    };
    assert_eq!(rows("arms.csv"), 3);
    assert_eq!(rows("survival.csv"), 3 * 8);
    assert_eq!(rows("power.csv"), points);
    assert_eq!(rows("lifts.csv"), 2 * 5);
    assert_eq!(rows("metrics-push.csv"), 8);
    let report = std::fs::read_to_string(folder.join("report.html")).expect("report.html");
    for stem in [
        "survival",
        "active",
        "conversion",
        "profit",
        "power",
        "actions-push",
    ] {
        assert!(folder.join(format!("{stem}.svg")).exists(), "{stem}.svg");
        assert!(folder.join(format!("{stem}.png")).exists(), "{stem}.png");
    }
    assert_eq!(report.matches("<svg").count(), 5 + 3, "every plot embedded");
    assert!(report.contains("Lift against nothing"));
    assert!(report.contains("Verdict"));
    assert!(report.contains(&result.analysis.verdict));
    assert!(!result.analysis.verdict.is_empty());
    let lifts = std::fs::read_to_string(folder.join("lifts.csv")).expect("lifts.csv");
    assert!(!lifts.to_lowercase().contains("nan"), "{lifts}");
    let plan = result.analysis.power_plan.as_ref().expect("a power plan");
    assert!(plan.measured_on.contains("pilot"), "{plan:?}");
    assert!(
        result
            .analysis
            .power
            .iter()
            .all(|p| p.users as u64 >= plan.floor),
        "{plan:?}"
    );
}

#[test]
fn replicate_tests_and_experiments_do_not_depend_on_the_number_of_threads() {
    let model = Arc::new(Model::new(tiny()).expect("valid"));
    let random = spec_factory("random".to_string(), Arc::clone(&model)).expect("a policy");
    let push = spec_factory("push".to_string(), Arc::clone(&model)).expect("a policy");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        pool.install(|| {
            let p_values =
                replicate_p_values(&model, &random, &push, 300, 16, 5, &ProgressBar::hidden())
                    .expect("the replicates run");
            let dir = tempfile::tempdir().expect("a temporary folder");
            let experiment = experiment(
                &[("random", "random"), ("push", "push")],
                Assignment::Split,
                3_000,
            );
            let result = run_experiment(
                experiment,
                tiny(),
                Path::new("."),
                Some(dir.path()),
                AB,
                true,
            )
            .expect("the experiment runs");
            let lifts: Vec<(f64, f64)> = result
                .analysis
                .lifts
                .iter()
                .map(|l| (l.difference.estimate, l.p_value))
                .collect();
            (p_values, lifts)
        })
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn every_user_is_recorded_at_the_horizon_with_the_time_to_first_churn() {
    // Churn is latent: every user is simulated to the horizon, and the record keeps
    // the age of the first churn, so Kaplan–Meier has no censoring before the
    // horizon and gives the latent survival of the cohort's users exactly.
    let model = Arc::new(Model::new(tiny()).expect("valid"));
    let users = 4_000;
    let horizon = model.horizon() as usize;
    let mut push = policy_from_spec("push", &model, 1).expect("an action");
    let simulation = simulate(
        Arc::clone(&model),
        5,
        Population::Cohort { users },
        push.as_mut(),
        true,
    )
    .expect("the simulation runs");
    assert_eq!(simulation.users.len(), users);
    assert!(simulation.users.windows(2).all(|w| w[0].id < w[1].id));
    assert!(
        simulation
            .users
            .iter()
            .all(|r| (1..=horizon as u32).contains(&r.days)
                && (r.churned || r.days == horizon as u32))
    );
    let km = kaplan_meier_of(&simulation.users, horizon).expect("a survival curve");
    let metrics = simulation.metrics.by_age();
    // Each record's active days count, day by day, the cohort's active users.
    for (age, totals) in simulation.metrics.totals().iter().enumerate() {
        let active = simulation.users.iter().filter(|r| r.active.on(age)).count();
        assert_eq!(active as u64, totals.active, "age {age}");
    }
    assert!(simulation.users.iter().all(|r| !r.active.on(horizon)));
    let mut won_back = 0.0;
    for (age, (curve, m)) in km.iter().zip(&metrics).enumerate() {
        let alive = simulation
            .users
            .iter()
            .filter(|r| !r.churned || r.days as usize > age + 1)
            .count();
        assert!(
            (curve.estimate - alive as f64 / users as f64).abs() < 1e-12,
            "age {age}"
        );
        // Not dormant at the end of the day: never churned, or won back since.
        won_back += m.won_back.mean;
        assert!(m.survival.mean >= curve.estimate - 1e-12, "age {age}");
        assert!(
            m.survival.mean <= curve.estimate + won_back + 1e-12,
            "age {age}"
        );
    }
    assert!(won_back > 0.0, "tiny's push wins dormant users back");
}

#[test]
fn the_action_mix_is_counted_per_segment_signal() {
    let model =
        Arc::new(Model::new(Scenario::builtin("default").expect("built in")).expect("valid"));
    let users = 3_000;
    let schedule: RuleSchedule = from_ron(
        r#"(name: "deals", default: "recs", rules: [
            (when: [(feature: "signal=bargain_hunter", is: Eq, value: 1.0)], then: "coupon+recs"),
        ])"#,
        "deals",
    )
    .expect("a rule schedule");
    let mut rules = RulePolicy::new(&schedule, model.layout(), model.actions().names())
        .expect("rules for default's levers");
    let simulation = simulate(
        Arc::clone(&model),
        4,
        Population::Cohort { users },
        &mut rules,
        true,
    )
    .expect("the simulation runs");
    let segments = &model.scenario().segments;
    assert_eq!(simulation.action_mix.len(), segments.len());
    // Every user is counted once a day, under their own signal.
    for counts in simulation.action_mix_by_age() {
        assert_eq!(counts.iter().sum::<u64>(), users as u64);
    }
    let coupon = |mix: &[Vec<u64>]| lever_shares(&model, mix)[0].clone();
    for (segment, mix) in segments.iter().zip(&simulation.action_mix) {
        let share = if segment.name == "bargain_hunter" {
            100.0
        } else {
            0.0
        };
        let series = coupon(mix);
        assert!(
            series.points.iter().all(|&(_, y)| y == share),
            "{}: {series:?}",
            segment.name
        );
    }
}

#[test]
fn the_lever_plot_counts_each_lever_of_the_joint_actions() {
    let model = Arc::new(Model::new(tiny()).expect("valid"));
    let users = 4_000;
    let shares = |spec: &str| {
        let mut policy = policy_from_spec(spec, &model, 3).expect("a policy");
        let simulation = simulate(
            Arc::clone(&model),
            9,
            Population::Cohort { users },
            policy.as_mut(),
            true,
        )
        .expect("the simulation runs");
        lever_shares(&model, &simulation.action_mix_by_age())
    };
    let names = |series: &[onboard::plots::Series]| {
        series.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
    };
    let both = shares("coupon+push");
    assert_eq!(names(&both), ["coupon (incentive)", "push (message)"]);
    for series in &both {
        assert_eq!(series.points.len(), model.horizon() as usize);
        assert!(series.points.iter().all(|&(_, y)| y == 100.0), "{series:?}");
    }
    let push = shares("push");
    assert!(push[0].points.iter().all(|&(_, y)| y == 0.0));
    assert!(push[1].points.iter().all(|&(_, y)| y == 100.0));
    // Uniformly random joint actions pull each lever half the time: within four
    // binomial standard deviations at every age.
    let sd = 100.0 * (0.25 / users as f64).sqrt();
    for series in shares("random") {
        assert!(
            series
                .points
                .iter()
                .all(|&(_, y)| (y - 50.0).abs() < 4.0 * sd),
            "{series:?}"
        );
    }
}
