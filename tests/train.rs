//! `onboard train` as a library: episodic and online training, deciding every day or
//! once per user at signup, the files written, reproducibility, and DQN checkpoints.
//! Everything runs on small cohorts of the `tiny` scenario (and of `default` for
//! journeys), so the whole file takes seconds.

use onboard::journeys::run_journeys;
use onboard::simulate::{Population, simulate};
use onboard::train::outputs::{
    CHECKPOINT, CURVE_CHART, CURVE_CSV, EVALUATION_CHART, EVALUATION_CSV, JOURNEYS_CSV,
};
use onboard::train::{
    CurvePoint, Evaluation, TrainOptions, TrainOutcome, evaluation_seed, train_agent, training_seed,
};
use onboard_agents::AgentConfig;
use onboard_agents::baselines::ConstantPolicy;
use onboard_agents::dqn::Dqn;
use onboard_envs::{Cohort, Model, Quantity, Scenario};
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
    device: Cpu,
)";

const LINUCB: &str = "LinUcb(alpha: 1.0, regularization: 1.0)";

fn agent(ron: &str) -> AgentConfig {
    AgentConfig::from_ron(ron, "test").expect("a valid agent")
}

fn scenario(name: &str) -> Scenario {
    Scenario::builtin(name).expect("a built-in scenario")
}

/// Episodic training on `tiny`: 4 cohorts of 150 users, evaluation on 300 users
/// every 2 cohorts.
fn options(out: &Path, config: &str, name: &str) -> TrainOptions {
    let mut options = TrainOptions::new(scenario("tiny"), agent(config), name, out);
    options.cohorts = 4;
    options.users = 150;
    options.eval_users = 300;
    options.eval_every = 2;
    options.seed = 11;
    options.quiet = true;
    options
}

fn train(options: &TrainOptions) -> TrainOutcome {
    train_agent(options).expect("training runs")
}

fn evaluated(curve: &[CurvePoint]) -> Vec<u64> {
    curve
        .iter()
        .filter(|p| p.evaluation.is_some())
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

#[test]
fn episodic_linucb_writes_the_curve_the_evaluation_and_the_charts() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("run");
    let outcome = train(&options(&out, LINUCB, "linucb"));

    assert_eq!(
        outcome.curve.iter().map(|p| p.step).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(evaluated(&outcome.curve), [2, 4]);
    assert!(outcome.curve.iter().all(|p| p.users == 150));
    assert!(outcome.curve.iter().all(|p| p.training_reward.is_finite()));
    let last = outcome.curve.last().and_then(|p| p.evaluation);
    assert_eq!(last, Some(outcome.evaluation.value()));
    assert_eq!(outcome.evaluation.metrics().users(), 300);
    assert_eq!(outcome.evaluation_seed, evaluation_seed(11));
    assert!(matches!(outcome.evaluation, Evaluation::Daily(_)));

    let (header, rows) = read_csv(&out.join(CURVE_CSV));
    assert_eq!(
        header,
        [
            "cohort",
            "users",
            "training_reward_per_user",
            "evaluation_reward_per_user",
            "evaluation_low",
            "evaluation_high"
        ]
    );
    assert_eq!(rows.len(), 4);
    for (row, point) in rows.iter().zip(&outcome.curve) {
        assert_eq!(row[0], point.step.to_string());
        let training: f64 = row[2].parse().expect("a number");
        assert_eq!(training, point.training_reward);
        match point.evaluation {
            Some(e) => {
                let [mean, low, high] = [3, 4, 5].map(|i| row[i].parse::<f64>().expect("a number"));
                assert_eq!((mean, low, high), (e.mean, e.low, e.high));
                assert!(low <= mean && mean <= high);
            }
            None => assert!(row[3..].iter().all(String::is_empty), "{row:?}"),
        }
    }
    let (_, ages) = read_csv(&out.join(EVALUATION_CSV));
    assert_eq!(ages.len(), 8, "one row per age of tiny's 8-day horizon");
    exists(&out.join(format!("{CURVE_CHART}.svg")));
    exists(&out.join(format!("{CURVE_CHART}.png")));
    assert_eq!(outcome.files.checkpoint, None);
    assert!(!out.join(CHECKPOINT).exists());
    assert!(outcome.summary().contains("no checkpoint"));
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
        options.cohorts = cohorts;
        options.eval_every = every;
        options.users = 30;
        options.eval_users = 30;
        let outcome = train(&options);
        assert_eq!(
            evaluated(&outcome.curve),
            expected,
            "{cohorts} cohorts, every {every}"
        );
    }
}

#[test]
fn training_rewards_are_those_the_simulators_report() {
    // A constant agent learns nothing, so each training cohort's reward is that of
    // the same policy simulated on the cohort's seed; the evaluation is too.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(dir.path(), "Constant(action: \"coupon\")", "coupon");
    options.cohorts = 2;
    let outcome = train(&options);
    let model = Arc::new(Model::new(scenario("tiny")).expect("a valid scenario"));
    let coupon = model
        .scenario()
        .action_index("coupon")
        .expect("tiny has a coupon");
    let value = |seed: u64, users: usize| {
        let mut policy = ConstantPolicy::new("coupon", coupon, model.n_actions());
        let population = Population::Cohort { users };
        let simulation = simulate(Arc::clone(&model), seed, population, &mut policy, true)
            .expect("the simulation runs");
        simulation.metrics.by_age()[7].to_date(Quantity::Reward)
    };
    for point in &outcome.curve {
        let expected = value(training_seed(11, point.step), 150).mean;
        assert!((point.training_reward - expected).abs() < 1e-9 * expected.abs().max(1.0));
    }
    assert_eq!(outcome.evaluation.value(), value(evaluation_seed(11), 300));

    // The same for journeys, against `run_journeys`.
    let mut options = TrainOptions::new(
        scenario("default"),
        agent("Constant(action: \"recs\")"),
        "recs",
        dir.path().join("journeys"),
    );
    (options.cohorts, options.users, options.eval_users) = (1, 100, 100);
    options.decide_at_signup = true;
    options.quiet = true;
    let outcome = train(&options);
    let model = Arc::new(Model::new(scenario("default")).expect("a valid scenario"));
    let journeys = |seed: u64| {
        let mut recs = ConstantPolicy::new("recs", 1, 5);
        let population = Population::Cohort { users: 100 };
        let run = run_journeys(Arc::clone(&model), seed, population, &mut recs, false, true)
            .expect("the journeys run");
        run.metrics.by_age()[30].to_date(Quantity::Reward)
    };
    let expected = journeys(training_seed(options.seed, 1)).mean;
    assert!((outcome.curve[0].training_reward - expected).abs() < 1e-9 * expected.abs().max(1.0));
    assert_eq!(
        outcome.evaluation.value(),
        journeys(evaluation_seed(options.seed))
    );
}

#[test]
fn dqn_training_is_reproducible_and_its_checkpoint_loads_back() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let first = train(&options(&dir.path().join("a"), TINY_DQN, "dqn"));
    let second = train(&options(&dir.path().join("b"), TINY_DQN, "dqn"));
    assert_eq!(first.curve, second.curve);
    assert_eq!(evaluated(&first.curve), [2, 4]);
    let (_, rows) = read_csv(&dir.path().join("a").join(CURVE_CSV));
    assert_eq!(rows.len(), 4);

    let path = dir.path().join("a").join(CHECKPOINT);
    assert!(!path.with_extension("ot.partial").exists());
    assert_eq!(first.files.checkpoint.as_deref(), Some(path.as_path()));
    let trained = first.agent.dqn().expect("a DQN agent");
    assert!(
        trained.progress().gradient_steps > 0,
        "the test DQN must learn"
    );
    let loaded = Dqn::load(&path).expect("the checkpoint loads");
    assert_eq!(loaded.progress(), trained.progress());
    let model = Arc::new(Model::new(scenario("tiny")).expect("a valid scenario"));
    let cohort = Cohort::fixed(model, 99, 50);
    let observations = cohort.observations();
    assert_eq!(
        loaded.q_values(observations.view()),
        trained.q_values(observations.view())
    );
}

#[test]
fn online_training_has_one_point_per_simulated_day() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("launch");
    let mut options = options(&out, LINUCB, "linucb");
    options.online = Some(5);
    options.eval_every = 4;
    let outcome = train(&options);
    let days = outcome.curve.len() as u64;
    // Arrivals on days 0–4, each user followed for exactly 8 days (churn is latent):
    // the last window ends on day 11.
    assert_eq!(days, 12);
    assert_eq!(
        outcome.curve.iter().map(|p| p.step).collect::<Vec<_>>(),
        (0..days).collect::<Vec<_>>()
    );
    assert!(outcome.curve.iter().all(|p| p.users > 0));
    let mut expected: Vec<u64> = (1..=days / 4).map(|k| 4 * k - 1).collect();
    if !days.is_multiple_of(4) {
        expected.push(days - 1);
    }
    assert_eq!(evaluated(&outcome.curve), expected);

    let (header, rows) = read_csv(&out.join(CURVE_CSV));
    assert_eq!(header[0], "day");
    assert_eq!(header[2], "training_reward_per_user_day");
    assert_eq!(rows.len() as u64, days);
    exists(&out.join(format!("{EVALUATION_CHART}.png")));
    assert!(outcome.files.evaluation_chart.is_some());

    let again = train(&options);
    assert_eq!(again.curve, outcome.curve);
}

#[test]
fn deciding_at_signup_needs_journeys_and_chooses_among_them() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut options = options(dir.path(), LINUCB, "linucb");
    options.decide_at_signup = true;
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
        (options.cohorts, options.users) = (3, 200);
        (options.eval_users, options.eval_every) = (250, 2);
        options.decide_at_signup = true;
        options.quiet = true;
        let outcome = train(&options);
        assert_eq!(evaluated(&outcome.curve), [2, 3]);
        let Evaluation::Journeys(run) = &outcome.evaluation else {
            panic!("a journeys evaluation");
        };
        assert_eq!(
            run.starts_over(0..run.starts.len()).iter().sum::<u64>(),
            250
        );
        let (_, journeys) = read_csv(&out.join(JOURNEYS_CSV));
        assert_eq!(journeys.len(), 5, "the default scenario's journeys");
        assert_eq!(outcome.files.checkpoint.is_some(), name == "dqn");
        if let Some(dqn) = outcome.agent.dqn() {
            assert_eq!(dqn.progress().transitions, 600, "one transition per user");
            let loaded = Dqn::load(&out.join(CHECKPOINT)).expect("the checkpoint loads");
            assert_eq!(loaded.progress(), dqn.progress());
        }
    }

    // Online: users arrive for 2 days, each given a journey at signup.
    let mut options = TrainOptions::new(
        scenario("default"),
        agent(&thompson),
        "thompson",
        dir.path().join("online"),
    );
    (options.online, options.eval_users, options.eval_every) = (Some(2), 250, 0);
    options.quiet = true;
    options.decide_at_signup = true;
    let outcome = train(&options);
    let days = outcome.curve.len();
    assert_eq!(days, 2 + 31 - 1, "the day-1 signups' window ends on day 31");
    assert!(matches!(outcome.evaluation, Evaluation::Journeys(_)));
    assert_eq!(evaluated(&outcome.curve), [days as u64 - 1]);
}

#[test]
fn bad_options_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let base = options(dir.path(), LINUCB, "linucb");
    type Change = fn(&mut TrainOptions);
    let cases: [(Change, &str); 4] = [
        (|o| o.cohorts = 0, "cohorts: 0"),
        (|o| o.users = 0, "users: 0"),
        (|o| o.eval_users = 0, "eval_users: 0"),
        (|o| o.online = Some(0), "online: 0"),
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
