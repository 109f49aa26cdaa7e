//! DQN: reaches the optimum of a small MDP, checkpoints restore exactly, resumed
//! training continues where it stopped, and its action probabilities are honest.

mod common;

use common::{Mdp, assert_samples_match_probabilities};
use ndarray::Array2;
use onboard_agents::dqn::{Dqn, DqnConfig, GreedyDqn, TargetUpdate};
use onboard_agents::{Decisions, Learner, Policy, from_ron, save_agent};

/// What `agent` decides: its actions, each user-day.
fn decisions(agent: &Dqn) -> Decisions {
    Decisions {
        at_signup: false,
        options: agent.actions().to_vec(),
    }
}

const CONFIG: &str = r#"(
    hidden: [64, 64],
    double: true,
    gamma: 0.9,
    learning_rate: 0.001,
    buffer_size: 20000,
    batch_size: 64,
    learning_starts: 500,
    train_frequency: 16,
    target_update: Hard(every: 100),
    max_grad_norm: 10.0,
    epsilon_start: 1.0,
    epsilon_end: 0.1,
    exploration_steps: 20000,
    device: Cpu,
)"#;

fn config() -> DqnConfig {
    from_ron(CONFIG, "dqn.ron").expect("test configuration parses")
}

fn all_states(mdp: &Mdp) -> Array2<f32> {
    Array2::from_shape_fn((mdp.states, 1), |(s, _)| s as f32)
}

/// A DQN agent with `config` trained on a random 6-state MDP: its greedy policy is
/// worth at least 95 % of the optimal value from the start state.
fn assert_reaches_95_percent_of_the_optimal_value(config: &DqnConfig) {
    let mdp = Mdp::random(6, 3, 0.9, 42);
    let optimal = mdp.optimal_values();
    let mut agent = Dqn::new(config, 1, 3, 5).expect("valid");
    mdp.train(&mut agent, 16, 6_000, 7);
    let mut greedy = vec![0; mdp.states];
    agent.frozen().act(all_states(&mdp).view(), &mut greedy);
    let achieved = mdp.policy_values(&greedy);
    eprintln!(
        "optimal {:.4}, learned {:.4}, policy {greedy:?}",
        optimal[0], achieved[0]
    );
    assert!(
        achieved[0] >= 0.95 * optimal[0],
        "{} vs {}",
        achieved[0],
        optimal[0]
    );
}

#[test]
fn dqn_reaches_95_percent_of_the_optimal_value() {
    assert_reaches_95_percent_of_the_optimal_value(&config());
}

#[test]
fn three_step_targets_reach_95_percent_of_the_optimal_value() {
    let mut config = config();
    config.n_step = 3;
    assert_reaches_95_percent_of_the_optimal_value(&config);
}

#[test]
fn log_scaled_inputs_reach_95_percent_of_the_optimal_value() {
    let mut config = config();
    config.normalise_observations = false;
    config.log_inputs = true;
    assert_reaches_95_percent_of_the_optimal_value(&config);
}

/// With `log_inputs`, the network sees `sign(x)·ln(1 + |x|)`: an agent fed `x` gives
/// the Q-values that the same untrained network without scaling gives for the
/// scaled values, and the scaling survives a checkpoint.
#[test]
fn log_inputs_feed_the_network_the_log_of_each_feature() {
    let mut raw = config();
    raw.normalise_observations = false;
    let mut logged = raw.clone();
    logged.log_inputs = true;
    let values = [0.0f32, 1.0, 2.5, 30.0, -4.0, 0.5];
    let x = Array2::from_shape_vec((values.len(), 1), values.to_vec()).expect("a column");
    let scaled = x.mapv(|v| v.signum() * v.abs().ln_1p());
    let scaled_agent = Dqn::new(&logged, 1, 3, 9).expect("valid");
    let raw_agent = Dqn::new(&raw, 1, 3, 9).expect("valid");
    let q = scaled_agent.q_values(x.view());
    for (a, b) in q.iter().zip(raw_agent.q_values(scaled.view())) {
        assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{a} vs {b}");
    }
    assert_ne!(
        q,
        raw_agent.q_values(x.view()),
        "the scaling changes the inputs"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agent.ot");
    save_agent(&scaled_agent, &decisions(&scaled_agent), &path).expect("saves");
    let loaded = Dqn::load(&path).expect("loads");
    assert_eq!(loaded.q_values(x.view()), q);
    assert_eq!(GreedyDqn::new(&scaled_agent).q_values(x.view()), q);
}

#[test]
fn a_saved_and_loaded_agent_gives_identical_q_values_and_actions() {
    let mdp = Mdp::random(6, 3, 0.9, 1);
    let mut agent = Dqn::new(&config(), 1, 3, 2).expect("valid");
    mdp.train(&mut agent, 8, 200, 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agent.ot");
    save_agent(&agent, &decisions(&agent), &path).expect("saves");
    let mut loaded = Dqn::load(&path).expect("loads");
    let states = all_states(&mdp);
    assert_eq!(
        agent.q_values(states.view()),
        loaded.q_values(states.view())
    );
    assert_eq!(agent.progress(), loaded.progress());
    let (mut a, mut b) = (vec![0; mdp.states], vec![0; mdp.states]);
    agent.act(states.view(), &mut a);
    loaded.act(states.view(), &mut b);
    assert_eq!(a, b);
}

/// Trains an agent from `make` straight through, and another from `make` that is
/// saved and loaded half way: both end with the same counters and Q-values.
fn assert_resumes_exactly(make: impl Fn() -> Dqn) {
    let mdp = Mdp::random(6, 3, 0.9, 1);
    let mut straight = make();
    mdp.train(&mut straight, 8, 150, 3);
    mdp.train(&mut straight, 8, 150, 4);

    let mut first_half = make();
    mdp.train(&mut first_half, 8, 150, 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agent.ot");
    save_agent(&first_half, &decisions(&first_half), &path).expect("saves");
    drop(first_half);
    let mut resumed = Dqn::load(&path).expect("loads");
    mdp.train(&mut resumed, 8, 150, 4);

    assert!(straight.progress().gradient_steps > 0, "training happened");
    assert_eq!(straight.progress(), resumed.progress());
    let states = all_states(&mdp);
    assert_eq!(
        straight.q_values(states.view()),
        resumed.q_values(states.view())
    );
}

#[test]
fn a_resumed_run_continues_exactly_where_it_stopped() {
    assert_resumes_exactly(|| Dqn::new(&config(), 1, 3, 2).expect("valid"));
}

/// Three-step targets and a factored head over actions named by two parts.
fn multistep_factored() -> (DqnConfig, Vec<String>) {
    let mut config = config();
    config.n_step = 3;
    config.factored = true;
    config.dueling = true;
    let names = ["a+x", "a+y", "b+x"].map(String::from).to_vec();
    (config, names)
}

#[test]
fn a_resumed_multistep_factored_run_continues_exactly_where_it_stopped() {
    // Checkpoints fall mid-episode: the steps waiting for their return are saved.
    let (config, names) = multistep_factored();
    assert_resumes_exactly(|| Dqn::for_actions(&config, 1, &names, 2).expect("valid"));
}

#[test]
fn reported_probabilities_match_sampled_actions() {
    let mut agent = Dqn::new(&config(), 1, 3, 9).expect("valid");
    agent.set_epsilon(Some(0.3));
    let statistic = assert_samples_match_probabilities(&mut agent, &[2.0], 30_000);
    eprintln!("dqn: chi-square {statistic:.2}");
}

#[test]
fn configuration_errors_name_the_field() {
    let mut bad = config();
    bad.gamma = 1.5;
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("gamma: must lie in [0, 1]")
    );
    let mut bad = config();
    bad.target_update = TargetUpdate::Soft { tau: 0.0 };
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("target_update.tau")
    );
    let mut bad = config();
    bad.final_learning_rate = Some(1e-5);
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("annealing_steps: must be at least 1")
    );
    let mut bad = config();
    bad.n_step = 0;
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("n_step: must lie in [1, 1000], got 0")
    );
    let mut bad = config();
    bad.batch_size = 50_000;
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("batch_size")
    );
    let mut bad = config();
    bad.log_inputs = true;
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("log_inputs: cannot be combined with normalise_observations")
    );
    let typo =
        from_ron::<DqnConfig>(&CONFIG.replacen("gamma", "gama", 1), "dqn.ron").expect_err("typo");
    assert!(typo.to_string().starts_with("dqn.ron:4:"), "{typo}");
    let missing = Dqn::load(std::path::Path::new("no/such/agent.ot"))
        .err()
        .expect("missing file");
    assert!(
        missing.to_string().starts_with("no/such/agent.ot"),
        "{missing}"
    );
}

/// A guided DQN explores along its rule schedule: of the random decisions (ε), the
/// share `guide_share` takes the schedule's action, the rest a uniform one; the
/// probabilities say so, the samples follow them, and a checkpoint keeps the guide.
#[test]
fn a_guide_steers_exploration_by_its_share_and_survives_a_checkpoint() {
    let scenario = onboard_envs::Scenario::builtin("default").expect("a built-in scenario");
    let model = onboard_envs::Model::new(scenario).expect("valid");
    let actions = model.actions().names().to_vec();
    let guide = r#"(name: "coupons", default: "coupon", rules: [(when: [(feature: "day", is: Eq, value: 0.0)], then: "tour")])"#;
    let mut config = config();
    config.normalise_observations = false;
    config.log_inputs = true;
    config.epsilon_end = 1.0;
    config.guide = Some(from_ron(guide, "guide").expect("a rule schedule"));
    config.guide_share = 0.75;
    let mut agent = Dqn::for_actions(&config, model.layout().len(), &actions, 3)
        .and_then(|agent| agent.guided(model.layout()))
        .expect("valid");
    let cohort = onboard_envs::Cohort::fixed(std::sync::Arc::new(model), 1, 400);
    let observations = cohort.observations();
    let mut probabilities = Array2::zeros((400, actions.len()));
    agent.probabilities(observations, probabilities.view_mut());
    let coupon = actions
        .iter()
        .position(|a| a == "none+coupon+none")
        .expect("coupon alone");
    let tour = actions
        .iter()
        .position(|a| a == "none+none+tour")
        .expect("tour alone");
    let uniform = 0.25 / actions.len() as f64;
    for row in probabilities.rows() {
        // Day 0: the schedule gives the tour; ε = 1, so nothing is greedy.
        assert!(
            (row[tour] - (0.75 + uniform)).abs() < 1e-12,
            "{}",
            row[tour]
        );
        assert!((row[coupon] - uniform).abs() < 1e-12);
    }
    // The sampled share of tours matches its probability within 5 standard errors.
    let mut sampled = vec![0; 400];
    let mut tours = 0;
    for _ in 0..50 {
        agent.act(observations, &mut sampled);
        tours += sampled.iter().filter(|&&a| a == tour).count();
    }
    let p = 0.75 + uniform;
    let share = tours as f64 / 20_000.0;
    assert!(
        (share - p).abs() < 5.0 * (p * (1.0 - p) / 20_000.0).sqrt(),
        "{share} vs {p}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("guided.ot");
    save_agent(&agent, &decisions(&agent), &path).expect("saves");
    let mut loaded = Dqn::load(&path).expect("loads");
    let mut again = Array2::zeros((400, actions.len()));
    loaded.probabilities(observations, again.view_mut());
    assert_eq!(again, probabilities);
}

/// With a guide and a margin, the greedy choice (acting and frozen) keeps the
/// guide's action unless another's Q-value beats it by more than the margin: a
/// margin beyond every Q-gap gives the guide's actions, a margin of 0 the argmax.
#[test]
fn a_guide_margin_keeps_the_guides_action_unless_beaten_by_more() {
    let scenario = onboard_envs::Scenario::builtin("default").expect("a built-in scenario");
    let model = onboard_envs::Model::new(scenario).expect("valid");
    let actions = model.actions().names().to_vec();
    let guide = r#"(name: "tour-then-coupon", default: "coupon", rules: [(when: [(feature: "day", is: Eq, value: 0.0)], then: "tour")])"#;
    let schedule: onboard_agents::baselines::RuleSchedule =
        from_ron(guide, "guide").expect("a rule schedule");
    let layout = model.layout().clone();
    let cohort = onboard_envs::Cohort::fixed(std::sync::Arc::new(model), 1, 300);
    let observations = cohort.observations();
    let frozen_actions = |margin: f64| {
        let mut config = config();
        config.normalise_observations = false;
        config.guide = Some(schedule.clone());
        config.guide_margin = margin;
        let agent = Dqn::for_actions(&config, layout.len(), &actions, 3)
            .and_then(|agent| agent.guided(&layout))
            .expect("valid");
        let mut chosen = vec![0; 300];
        GreedyDqn::new(&agent).act(observations, &mut chosen);
        (chosen, agent.q_values(observations))
    };
    let tour = actions
        .iter()
        .position(|a| a == "none+none+tour")
        .expect("tour alone");
    let (kept, _) = frozen_actions(1e30);
    assert!(kept.iter().all(|&a| a == tour), "the guide's tour on day 0");
    let (greedy, q) = frozen_actions(0.0);
    let argmax: Vec<usize> = q
        .chunks_exact(actions.len())
        .map(|row| (0..row.len()).fold(0, |best, a| if row[a] > row[best] { a } else { best }))
        .collect();
    assert_eq!(greedy, argmax);
    assert_ne!(
        greedy, kept,
        "the untrained network prefers other actions somewhere"
    );
}
