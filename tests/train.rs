//! `onboard train` as a library: the one training loop, episodic and online,
//! deciding every day or once per user at signup; model selection on validation
//! users reported on test users; the seed rule; the files written, also after an
//! interruption; reproducibility; every kind of learner trained and evaluated
//! frozen. Everything runs on small cohorts of the `tiny` scenario (and of
//! `default` for journeys), so the whole file takes seconds.

use ndarray::Array2;
use onboard::journeys::{JourneyAgent, run_journeys};
use onboard::simulate::{Population, simulate};
use onboard::train::outputs::{
    CURVE_CHART, CURVE_CSV, EVALUATION_CHART, EVALUATION_CSV, JOURNEYS_CSV, ProgressFiles,
};
use onboard::train::{
    CurvePoint, Evaluation, Hooks, RunSeeds, TrainOptions, TrainOutcome, Trained, TrainingPlan,
    build_learner, decisions, train_agent, train_learner, train_learner_with,
};
use onboard_agents::baselines::ConstantPolicy;
use onboard_agents::dqn::Dqn;
use onboard_agents::{AgentConfig, FrozenPolicy, Learner, Policy, load_agent};
use onboard_envs::{Cohort, Estimate, Model, Quantity, Scenario};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// A small DQN that learns from the first cohort on.
const TINY_DQN: &str = "Dqn(
    hidden: [16],
    gamma: 0.9,
    learning_rate: 0.001,
    buffer_size: 5000,
    batch_size: 32,
    learning_starts: 200,
    train_frequency: 32,
    target_update: Hard(every: 20),
    max_grad_norm: 10.0,
    epsilon_start: 1.0,
    epsilon_end: 0.05,
    exploration_steps: 3000,
    normalise_observations: false,
    log_inputs: true,
    device: Cpu,
)";

const LINUCB: &str = "LinUcb(alpha: 1.0, regularization: 1.0)";

fn agent(ron: &str) -> AgentConfig {
    AgentConfig::from_ron(ron, "test").expect("a valid agent")
}

fn scenario(name: &str) -> Scenario {
    Scenario::builtin(name).expect("a built-in scenario")
}

fn model(name: &str) -> Arc<Model> {
    Arc::new(Model::new(scenario(name)).expect("a valid scenario"))
}

/// Episodic training on `tiny`: 4 cohorts of 150 users, validation and test on 300
/// users every 2 cohorts.
fn options(out: &Path, config: &str, name: &str) -> TrainOptions {
    let mut options = TrainOptions::new(scenario("tiny"), agent(config), name, out);
    options.plan = TrainingPlan::episodic(4, 150, 300, 2);
    options.seed = 11;
    options.quiet = true;
    options
}

fn train(options: &TrainOptions) -> TrainOutcome {
    train_agent(options).expect("training runs")
}

/// The steps where the policy was frozen and evaluated.
fn evaluated(curve: &[CurvePoint]) -> Vec<u64> {
    curve
        .iter()
        .filter(|p| p.validation.is_some())
        .map(|p| p.step)
        .collect()
}

/// The rows of a CSV file: header, then records.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("a readable CSV");
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn exists(path: &Path) {
    assert!(path.is_file(), "{} was not written", path.display());
}

/// Validation and test values sit together at every evaluation point and nowhere
/// else; the chosen snapshot is the earliest of highest validation value, and what
/// `Trained` reports is that point's.
fn assert_chosen_by_validation(trained: &Trained) {
    for point in &trained.curve {
        assert_eq!(
            point.validation.is_some(),
            point.test.is_some(),
            "{point:?}"
        );
    }
    let points: Vec<&CurvePoint> = trained
        .curve
        .iter()
        .filter(|p| p.validation.is_some())
        .collect();
    let best = points
        .iter()
        .copied()
        .reduce(|best, p| {
            let (v, b) = (
                p.validation.map(|e| e.mean),
                best.validation.map(|e| e.mean),
            );
            if v > b { p } else { best }
        })
        .expect("at least one evaluation");
    assert_eq!(trained.best_step, best.step);
    assert_eq!(Some(trained.validation), best.validation);
    assert_eq!(Some(trained.test_value()), best.test);
}

/// `policy`'s value (reward per user over the horizon) on `users` users of `seed`,
/// deciding every user-day.
fn value(model: &Arc<Model>, seed: u64, users: usize, policy: &mut dyn Policy) -> Estimate {
    let population = Population::Cohort { users };
    let simulation =
        simulate(Arc::clone(model), seed, population, policy, true).expect("the simulation runs");
    Evaluation::Daily(simulation).value()
}

#[test]
fn episodic_linucb_chooses_on_validation_reports_on_test_and_writes_the_files() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("run");
    let mut outcome = train(&options(&out, LINUCB, "linucb"));
    let trained = &outcome.trained;

    assert_eq!(
        trained.curve.iter().map(|p| p.step).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(evaluated(&trained.curve), [2, 4]);
    assert!(trained.curve.iter().all(|p| p.users == 150));
    assert!(trained.curve.iter().all(|p| p.training_reward.is_finite()));
    assert_chosen_by_validation(trained);
    assert_eq!(trained.test.metrics().users(), 300);
    assert!(matches!(trained.test, Evaluation::Daily(_)));
    assert_eq!(outcome.seeds, RunSeeds::new(11));
    for point in trained.curve.iter().filter(|p| p.validation.is_some()) {
        assert_ne!(
            point.validation, point.test,
            "different users, different values"
        );
    }

    let (header, rows) = read_csv(&out.join(CURVE_CSV));
    assert_eq!(
        header,
        [
            "cohort",
            "users",
            "training_reward_per_user",
            "validation_reward_per_user",
            "validation_low",
            "validation_high",
            "test_reward_per_user",
            "test_low",
            "test_high",
            "best",
        ]
    );
    assert_eq!(rows.len(), 4);
    for (row, point) in rows.iter().zip(&trained.curve) {
        assert_eq!(row[0], point.step.to_string());
        let training: f64 = row[2].parse().expect("a number");
        assert_eq!(training, point.training_reward);
        for (cells, estimate) in [(3..6, point.validation), (6..9, point.test)] {
            match estimate {
                Some(e) => {
                    let [mean, low, high] =
                        [0, 1, 2].map(|i| row[cells.start + i].parse::<f64>().expect("a number"));
                    assert_eq!((mean, low, high), (e.mean, e.low, e.high));
                    assert!(low <= mean && mean <= high);
                }
                None => assert!(row[cells].iter().all(String::is_empty), "{row:?}"),
            }
        }
        let chosen = if point.step == trained.best_step {
            "1"
        } else {
            "0"
        };
        assert_eq!(row[9], chosen);
    }
    let (_, ages) = read_csv(&out.join(EVALUATION_CSV));
    assert_eq!(ages.len(), 8, "one row per age of tiny's 8-day horizon");
    exists(&out.join(format!("{CURVE_CHART}.svg")));
    exists(&out.join(format!("{CURVE_CHART}.png")));
    let chart = std::fs::read_to_string(out.join(format!("{CURVE_CHART}.svg"))).expect("svg");
    for series in [
        "validation (300 users)",
        "test (300 users)",
        "chosen: cohort",
    ] {
        assert!(chart.contains(series), "the chart has no '{series}'");
    }

    // The learner's state after the last step is a learner again.
    let checkpoint = out.join("checkpoint.agent.ron");
    assert_eq!(outcome.files.checkpoint, checkpoint);
    let mut loaded = load_agent(&checkpoint).expect("the state loads");
    let cohort = Cohort::fixed(model("tiny"), 99, 50);
    let (mut a, mut b) = ([0; 50], [0; 50]);
    loaded.act(cohort.observations(), &mut a);
    outcome.agent.act(cohort.observations(), &mut b);
    assert_eq!(a, b);

    let summary = outcome.summary();
    let test = outcome.trained.test_value();
    for expected in [
        format!("chosen snapshot: cohort {} ", outcome.trained.best_step),
        format!("reward per user {:.4}", test.mean),
        format!("{:.4} to {:.4}", test.low, test.high),
    ] {
        assert!(summary.contains(&expected), "no '{expected}' in {summary}");
    }
}

#[test]
fn evaluation_points_follow_eval_every_and_always_include_the_end() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (cohorts, every, expected) in [
        (5, 2, vec![2, 4, 5]),
        (4, 0, vec![4]),
        (3, 1, vec![1, 2, 3]),
        (3, 7, vec![3]),
    ] {
        let mut options = options(dir.path(), "Constant(action: \"push\")", "push");
        options.plan = TrainingPlan::episodic(cohorts, 30, 30, every);
        let outcome = train(&options);
        assert_eq!(
            evaluated(&outcome.trained.curve),
            expected,
            "{cohorts} cohorts, every {every}"
        );
        assert_chosen_by_validation(&outcome.trained);
    }
}

#[test]
fn each_seed_plays_its_part_and_no_evaluation_user_is_a_training_user() {
    // A constant agent learns nothing, so each training cohort's reward is that of
    // the same policy simulated on the training seed, and the evaluations are its
    // values on the validation and test seeds.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(dir.path(), "Constant(action: \"coupon\")", "coupon");
    options.plan.cohorts = 2;
    let outcome = train(&options);
    let tiny = model("tiny");
    let coupon = tiny
        .scenario()
        .action_index("coupon")
        .expect("tiny has a coupon");
    let mut policy = ConstantPolicy::new("coupon", coupon, tiny.n_actions());
    let seeds = RunSeeds::new(11);
    for point in &outcome.trained.curve {
        let expected = value(&tiny, seeds.training(point.step), 150, &mut policy).mean;
        assert!((point.training_reward - expected).abs() < 1e-9 * expected.abs().max(1.0));
    }
    let last = outcome.trained.curve.last().expect("a point");
    assert_eq!(
        last.validation,
        Some(value(&tiny, seeds.validation(), 300, &mut policy))
    );
    assert_eq!(
        last.test,
        Some(value(&tiny, seeds.test(), 300, &mut policy))
    );

    // The same for journeys, against `run_journeys`.
    let mut options = TrainOptions::new(
        scenario("default"),
        agent("Constant(action: \"recs\")"),
        "recs",
        dir.path().join("journeys"),
    );
    options.plan = TrainingPlan::episodic(1, 100, 100, 0);
    options.plan.decide_at_signup = true;
    options.quiet = true;
    let outcome = train(&options);
    let default = model("default");
    let journeys = |seed: u64| {
        let mut recs = ConstantPolicy::new("recs", 1, 5);
        let population = Population::Cohort { users: 100 };
        let agent = JourneyAgent::Acting(&mut recs);
        let run = run_journeys(Arc::clone(&default), seed, population, agent, true)
            .expect("the journeys run");
        run.metrics.by_age()[30].to_date(Quantity::Reward)
    };
    let seeds = options.seeds();
    let point = outcome.trained.curve[0];
    let expected = journeys(seeds.training(1)).mean;
    assert!((point.training_reward - expected).abs() < 1e-9 * expected.abs().max(1.0));
    assert_eq!(point.validation, Some(journeys(seeds.validation())));
    assert_eq!(outcome.trained.test_value(), journeys(seeds.test()));
}

#[test]
fn run_seeds_never_meet_within_a_run_nor_across_small_run_seeds() {
    let seeds = RunSeeds::new(11);
    assert_ne!(seeds.validation(), seeds.test());
    let large = [1 << 31, (1 << 32) - 3, 1 << 40, u64::MAX - 2];
    for run in [0, 1, 11, 1 << 31, u32::MAX as u64, 1 << 32, u64::MAX] {
        let seeds = RunSeeds::new(run);
        let mut seen = HashSet::from([seeds.validation(), seeds.test()]);
        assert_eq!(seen.len(), 2, "run {run}");
        for k in (1..=2_000).chain(large) {
            assert!(seen.insert(seeds.training(k)), "run {run}, cohort {k}");
        }
    }
    // Different run seeds below 2³², even neighbours, share no seed.
    let mut seen = HashSet::new();
    let runs = (0..300).chain([u32::MAX as u64 - 1, u32::MAX as u64]);
    for run in runs {
        let seeds = RunSeeds::new(run);
        let training = (1..=300).chain([(1 << 32) - 3]).map(|k| seeds.training(k));
        for seed in [seeds.validation(), seeds.test()]
            .into_iter()
            .chain(training)
        {
            assert!(
                seen.insert(seed),
                "run {run} meets another run at seed {seed}"
            );
        }
    }
}

#[test]
fn the_chosen_snapshot_is_frozen_and_its_test_value_is_what_it_earns() {
    // ε-greedy with ε = 1 explores uniformly to the end; its snapshot is one arm.
    let tiny = model("tiny");
    let mut learner = build_learner(
        &agent("EpsilonGreedy(epsilon: 1.0, decay: 1.0, epsilon_min: 1.0)"),
        &tiny,
        false,
        3,
    )
    .expect("builds");
    let plan = TrainingPlan::episodic(3, 100, 200, 1);
    let seeds = RunSeeds::new(5);
    let trained = train_learner(&tiny, learner.as_mut(), &plan, &seeds, true).expect("trains");
    assert_chosen_by_validation(&trained);
    let Evaluation::Daily(simulation) = &trained.test else {
        panic!("a daily evaluation");
    };
    for (age, mix) in simulation.action_mix_by_age().iter().enumerate() {
        assert_eq!(
            mix.iter().filter(|&&count| count > 0).count(),
            1,
            "one arm at age {age}: {mix:?}"
        );
    }
    let mut copy: Box<dyn FrozenPolicy> = trained.best.clone_box();
    assert_eq!(
        value(&tiny, seeds.test(), 200, copy.as_mut()),
        trained.test_value()
    );
    let mut copy = trained.best.clone_box();
    assert_eq!(
        value(&tiny, seeds.validation(), 200, copy.as_mut()),
        trained.validation
    );
    let exploring = value(&tiny, seeds.test(), 200, learner.as_mut());
    assert_ne!(
        exploring,
        trained.test_value(),
        "the learner itself explores"
    );
}

/// Every kind of agent for `tiny`.
const KINDS: [&str; 12] = [
    "Constant(action: \"push\")",
    "Random",
    "Rules(name: \"r\", default: \"coupon\", rules: [(when: [(feature: \"visits\", is: Ge, value: 2.0)], then: \"push\")])",
    "EpsilonGreedy(epsilon: 0.3, decay: 0.9, epsilon_min: 0.05)",
    "Ucb1(scale: 5.0)",
    "BetaThompson(prior_alpha: 1.0, prior_beta: 1.0, draws: 100)",
    "GaussianThompson(prior_mean: 0.0, prior_count: 1.0, noise_variance: 25.0, draws: 100)",
    "Exp3(gamma: 0.2, reward_min: -1.0, reward_max: 5.0)",
    LINUCB,
    "LinThompson(scale: 0.5, regularization: 1.0, draws: 30)",
    "QLearning(gamma: 0.9, learning_rate: 0.1, epsilon: 0.5, epsilon_decay: 0.95, epsilon_min: 0.05, bins: {\"age\": [0.3, 0.6], \"visits\": [1.5]})",
    TINY_DQN,
];

#[test]
fn every_kind_of_learner_trains_and_is_evaluated_frozen() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let tiny = model("tiny");
    let probe = Cohort::fixed(Arc::clone(&tiny), 5, 40);
    for (k, config) in KINDS.iter().enumerate() {
        let out = dir.path().join(k.to_string());
        let mut options = options(&out, config, "agent");
        options.plan = TrainingPlan::episodic(2, 60, 80, 1);
        let outcome = train(&options);
        let trained = &outcome.trained;
        assert_eq!(evaluated(&trained.curve), [1, 2], "{config}");
        assert_chosen_by_validation(trained);
        assert_eq!(trained.best.name(), outcome.agent.name());
        // The test value is the chosen frozen copy's, on the test users.
        let mut copy = trained.best.clone_box();
        let again = value(&tiny, outcome.seeds.test(), 80, copy.as_mut());
        assert_eq!(again, trained.test_value(), "{config}");
        // Frozen is deterministic (one-hot) for all but the random baseline.
        let mut p = Array2::zeros((40, tiny.n_actions()));
        trained
            .best
            .clone_box()
            .probabilities(probe.observations(), p.view_mut());
        let one_hot = p.iter().all(|&q| q == 0.0 || q == 1.0);
        assert_eq!(one_hot, !config.starts_with("Random"), "{config}: {p:?}");
        // The checkpoint is the learner after the last step.
        let loaded = load_agent(&outcome.files.checkpoint).expect("loads");
        let (mut a, mut b) = ([0; 40], [0; 40]);
        loaded.frozen().act(probe.observations(), &mut a);
        outcome.agent.frozen().act(probe.observations(), &mut b);
        assert_eq!(a, b, "{config}");
    }
}

#[test]
fn dqn_training_is_reproducible_on_1_and_2_threads_and_its_checkpoint_loads_back() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bits = |curve: &[CurvePoint]| -> Vec<u64> {
        curve
            .iter()
            .flat_map(|p| {
                let estimates = [p.validation, p.test].into_iter().flatten();
                let values = estimates.flat_map(|e| [e.mean, e.low, e.high]);
                std::iter::once(p.training_reward)
                    .chain(values)
                    .map(f64::to_bits)
            })
            .collect()
    };
    let on_threads = |threads: usize, out: &str| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
            .install(|| {
                let outcome = train(&options(&dir.path().join(out), TINY_DQN, "dqn"));
                (bits(&outcome.trained.curve), outcome.trained.best_step)
            })
    };
    assert_eq!(on_threads(1, "one"), on_threads(2, "two"));
    let first = train(&options(&dir.path().join("a"), TINY_DQN, "dqn"));
    let second = train(&options(&dir.path().join("b"), TINY_DQN, "dqn"));
    assert_eq!(bits(&first.trained.curve), bits(&second.trained.curve));
    assert_eq!(first.trained.best_step, second.trained.best_step);
    assert_eq!(evaluated(&first.trained.curve), [2, 4]);
    let (_, rows) = read_csv(&dir.path().join("a").join(CURVE_CSV));
    assert_eq!(rows.len(), 4);

    let path = dir.path().join("a").join("checkpoint.ot");
    assert!(!path.with_extension("ot.partial").exists());
    assert_eq!(first.files.checkpoint, path);
    let loaded = Dqn::load(&path).expect("the checkpoint loads");
    assert!(
        loaded.progress().gradient_steps > 0,
        "the test DQN must learn"
    );
    let cohort = Cohort::fixed(model("tiny"), 99, 50);
    let observations = cohort.observations();
    let (mut a, mut b) = ([0; 50], [0; 50]);
    loaded.frozen().act(observations, &mut a);
    first.agent.frozen().act(observations, &mut b);
    assert_eq!(a, b);
}

#[test]
fn an_interrupted_run_keeps_the_curve_and_the_learner_of_its_last_evaluation() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (config, extension) in [(LINUCB, "agent.ron"), (TINY_DQN, "ot")] {
        let out = dir.path().join(extension);
        std::fs::create_dir_all(&out).expect("a folder");
        let mut options = options(&out, config, "agent");
        options.plan = TrainingPlan::episodic(6, 100, 100, 2);
        let files = ProgressFiles::new(&options);
        assert_eq!(
            files.checkpoint,
            out.join(format!("checkpoint.{extension}"))
        );
        let tiny = model("tiny");
        let mut learner = build_learner(&options.agent, &tiny, false, 11).expect("builds");
        let probe = Cohort::fixed(Arc::clone(&tiny), 3, 30);
        let mut calls = 0;
        let decides = decisions(&tiny, false);
        let on_evaluation = |learner: &dyn Learner, curve: &[CurvePoint], best: u64| {
            files.write(&learner.to_bytes(&decides)?, curve, best)?;
            calls += 1;
            // What an interruption now would leave: the curve so far, best marked,
            // and the learner as it is.
            let (_, rows) = read_csv(&files.curve_csv);
            assert_eq!(rows.len(), curve.len());
            assert_eq!(rows.iter().filter(|r| r[9] == "1").count(), 1);
            let loaded = load_agent(&files.checkpoint).expect("the state loads");
            let (mut a, mut b) = ([0; 30], [0; 30]);
            loaded.frozen().act(probe.observations(), &mut a);
            learner.frozen().act(probe.observations(), &mut b);
            assert_eq!(a, b);
            anyhow::ensure!(calls < 2, "interrupted");
            Ok(())
        };
        let seeds = options.seeds();
        let hooks = Hooks {
            label: "agent".to_string(),
            quiet: true,
            on_evaluation: Box::new(on_evaluation),
            resume: None,
        };
        let error = train_learner_with(&tiny, learner.as_mut(), &options.plan, &seeds, hooks)
            .expect_err("interrupted at the second evaluation");
        assert_eq!(error.to_string(), "interrupted");
        let (_, rows) = read_csv(&files.curve_csv);
        assert_eq!(rows.len(), 4, "the curve up to the second evaluation");
    }
}

#[test]
fn online_training_has_one_point_per_simulated_day() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("launch");
    let mut options = options(&out, LINUCB, "linucb");
    options.plan.online = Some(5);
    options.plan.eval_every = 4;
    let outcome = train(&options);
    let curve = &outcome.trained.curve;
    let days = curve.len() as u64;
    // Arrivals on days 0–4, each user followed for exactly 8 days (churn is latent):
    // the last window ends on day 11.
    assert_eq!(days, 12);
    assert_eq!(
        curve.iter().map(|p| p.step).collect::<Vec<_>>(),
        (0..days).collect::<Vec<_>>()
    );
    assert!(curve.iter().all(|p| p.users > 0));
    let mut expected: Vec<u64> = (1..=days / 4).map(|k| 4 * k - 1).collect();
    if !days.is_multiple_of(4) {
        expected.push(days - 1);
    }
    assert_eq!(evaluated(curve), expected);
    assert_chosen_by_validation(&outcome.trained);
    assert!(outcome.summary().contains("chosen snapshot: day "));

    let (header, rows) = read_csv(&out.join(CURVE_CSV));
    assert_eq!(header[0], "day");
    assert_eq!(header[2], "training_reward_per_user_day");
    assert_eq!(rows.len() as u64, days);
    exists(&out.join(format!("{EVALUATION_CHART}.png")));
    assert!(outcome.files.evaluation_chart.is_some());

    let again = train(&options);
    assert_eq!(&again.trained.curve, curve);
}

#[test]
fn deciding_at_signup_needs_journeys_and_chooses_among_them() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(dir.path(), LINUCB, "linucb");
    options.plan.decide_at_signup = true;
    let error = train_agent(&options).expect_err("tiny has no journeys");
    assert!(
        format!("{error:#}").contains("no journey templates"),
        "{error:#}"
    );

    let thompson = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/configs/journey-thompson.ron"),
    )
    .expect("the shipped config");
    for (config, name) in [(thompson.as_str(), "thompson"), (TINY_DQN, "dqn")] {
        let out = dir.path().join(name);
        let mut options = TrainOptions::new(scenario("default"), agent(config), name, &out);
        options.plan = TrainingPlan::episodic(3, 200, 250, 2);
        options.plan.decide_at_signup = true;
        options.quiet = true;
        let outcome = train(&options);
        assert_eq!(evaluated(&outcome.trained.curve), [2, 3]);
        assert_chosen_by_validation(&outcome.trained);
        let Evaluation::Journeys(run) = &outcome.trained.test else {
            panic!("a journeys evaluation");
        };
        assert_eq!(
            run.starts_over(0..run.starts.len()).iter().sum::<u64>(),
            250
        );
        assert_eq!(run.feedback, 0, "the frozen policy learns nothing");
        let (_, journeys) = read_csv(&out.join(JOURNEYS_CSV));
        assert_eq!(journeys.len(), 5, "the default scenario's journeys");
        let loaded = load_agent(&outcome.files.checkpoint).expect("the state loads");
        assert_eq!(loaded.n_actions(), 5, "it chooses among journeys");
        if name == "dqn" {
            let dqn = Dqn::load(&outcome.files.checkpoint).expect("a DQN checkpoint");
            assert_eq!(dqn.progress().transitions, 600, "one transition per user");
        }
    }

    // Online: users arrive for 2 days, each given a journey at signup.
    let mut options = TrainOptions::new(
        scenario("default"),
        agent(&thompson),
        "thompson",
        dir.path().join("online"),
    );
    options.plan.online = Some(2);
    (options.plan.eval_users, options.plan.eval_every) = (250, 0);
    options.plan.decide_at_signup = true;
    options.quiet = true;
    let outcome = train(&options);
    let days = outcome.trained.curve.len();
    assert_eq!(days, 2 + 31 - 1, "the day-1 signups' window ends on day 31");
    assert!(matches!(outcome.trained.test, Evaluation::Journeys(_)));
    assert_eq!(evaluated(&outcome.trained.curve), [days as u64 - 1]);
}

#[test]
fn bad_options_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let base = options(dir.path(), LINUCB, "linucb");
    type Change = fn(&mut TrainOptions);
    let cases: [(Change, &str); 5] = [
        (|o| o.plan.cohorts = 0, "cohorts: 0"),
        (|o| o.plan.users = 0, "users: 0"),
        (|o| o.plan.eval_users = 0, "at least 2 users each"),
        (|o| o.plan.eval_users = 1, "at least 2 users each"),
        (|o| o.plan.online = Some(0), "online: a launch lasts 1 to"),
    ];
    for (change, expected) in cases {
        let mut options = base.clone();
        change(&mut options);
        let error = train_agent(&options).expect_err("refused");
        assert!(error.to_string().contains(expected), "{error}");
    }
    let mut options = base.clone();
    options.agent = agent("Constant(action: \"email\")");
    let error = train_agent(&options).expect_err("tiny has no action 'email'");
    assert!(
        format!("{error:#}").contains("unknown option 'email'"),
        "{error:#}"
    );
}

/// The chosen snapshot is a file: `best.ot` is the learner as it was when frozen
/// for the snapshot the run reports, so it acts as that snapshot does, while
/// `checkpoint.ot` stays the state after the last cohort.
#[test]
fn the_chosen_snapshot_is_written_beside_the_last_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("dqn");
    let mut options = options(&out, TINY_DQN, "dqn");
    options.plan = TrainingPlan::episodic(6, 150, 300, 1);
    let outcome = train(&options);
    assert_eq!(outcome.files.best, out.join("best.ot"));
    let cohort = Cohort::fixed(model("tiny"), 99, 300);
    let acts = |policy: &mut dyn Policy| {
        let mut actions = vec![0; 300];
        policy.act(cohort.observations(), &mut actions);
        actions
    };
    let chosen = acts(outcome.trained.best.clone_box().as_mut());
    let saved = load_agent(&outcome.files.best).expect("the chosen snapshot loads");
    assert_eq!(acts(saved.frozen().clone_box().as_mut()), chosen);
    let last = load_agent(&outcome.files.checkpoint).expect("the last state loads");
    assert_eq!(
        acts(last.frozen().clone_box().as_mut()),
        acts(outcome.agent.frozen().clone_box().as_mut())
    );
    assert!(
        outcome.summary().contains("best.ot"),
        "{}",
        outcome.summary()
    );
}

/// `agent_seed` moves the learner's randomness alone: the run's users stay those of
/// the run seed (the same validation and test values for the same policy), the
/// default agent seed is the run seed, and another one trains another learner.
#[test]
fn the_agent_seed_changes_the_learner_and_not_the_users() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |name: &str, agent_seed: Option<u64>| {
        let mut options = options(&dir.path().join(name), TINY_DQN, "dqn");
        options.agent_seed = agent_seed;
        train(&options)
    };
    let default = run("default", None);
    let same = run("same", Some(11));
    let other = run("other", Some(12));
    assert_eq!(default.trained.curve, same.trained.curve);
    assert_ne!(default.trained.curve, other.trained.curve);
    assert_eq!(
        default.seeds, other.seeds,
        "the users come from the run seed"
    );
}
