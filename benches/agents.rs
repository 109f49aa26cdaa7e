//! Agent costs. Bandits: updates per second (one transition each, in batches of
//! 1,000 default-scenario observations). DQN: one gradient step (target computation included) for 2×64 and 2×256
//! networks at batch 64 and 256, and batched greedy inference, on one thread.
//! Also DQN training end to end on the default scenario (acting for every user
//! each day with batched inference, one batch-256 step per 64 new user-days, 2×64).
//! Targets (issue 3): a 2×64, batch-64 step in at most 330 µs; at least 20,000
//! user-days per second end to end.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use onboard::train::{RunSeeds, TrainingPlan, train_learner};
use onboard_agents::bandits::{BetaThompson, BetaThompsonConfig, Ucb1, Ucb1Config};
use onboard_agents::dqn::{DeviceChoice, Dqn, DqnConfig, TargetUpdate};
use onboard_agents::linear::{LinUcb, LinUcbConfig};
use onboard_agents::{AgentConfig, Experience, Learner, Policy};
use onboard_envs::{Model, Scenario};
use std::hint::black_box;
use std::sync::Arc;

/// Observation width of the default scenario.
const FEATURES: usize = 39;
/// Joint actions of the default scenario.
const ACTIONS: usize = 27;

fn config(width: usize, batch: usize) -> DqnConfig {
    DqnConfig {
        hidden: vec![width, width],
        dueling: false,
        factored: false,
        double: true,
        gamma: 0.99,
        n_step: 1,
        learning_rate: 2.5e-4,
        final_learning_rate: None,
        annealing_steps: 0,
        buffer_size: 10_000,
        batch_size: batch,
        learning_starts: 1,
        // One gradient step per observed transition: the bench feeds one at a time.
        train_frequency: 1,
        gradient_steps: 1,
        target_update: TargetUpdate::Hard { every: 500 },
        huber_delta: 1.0,
        max_grad_norm: 10.0,
        epsilon_start: 0.1,
        epsilon_end: 0.1,
        exploration_steps: 1,
        guide: None,
        guide_share: 0.5,
        guide_margin: 0.0,
        normalise_observations: true,
        log_inputs: false,
        reward_scale: 1.0,
        device: DeviceChoice::Cpu,
    }
}

/// Transitions in the buffer before timing.
const FILLED: usize = 5_000;

/// An agent whose buffer holds 5,000 transitions; learning starts with the next one.
fn filled_agent(width: usize, batch: usize) -> Dqn {
    let mut warm = config(width, batch);
    warm.learning_starts = FILLED as u64 + 1;
    let mut agent = Dqn::new(&warm, FEATURES, ACTIONS, 1).expect("valid config");
    let rows = FILLED;
    let observations =
        Array2::from_shape_fn((rows, FEATURES), |(i, j)| ((i * 7 + j * 13) % 17) as f32);
    let next = Array2::from_shape_fn((rows, FEATURES), |(i, j)| ((i * 5 + j * 11) % 19) as f32);
    let actions: Vec<usize> = (0..rows).map(|i| i % ACTIONS).collect();
    let rewards: Vec<f64> = (0..rows).map(|i| (i % 10) as f64 * 0.1).collect();
    // As in the onboarding environment: nothing terminates, one day in 31 ends a
    // user's window.
    let truncated: Vec<bool> = (0..rows).map(|i| i % 31 == 30).collect();
    agent.observe(&Experience {
        observations: observations.view(),
        actions: &actions,
        rewards: &rewards,
        next_observations: next.view(),
        terminated: &vec![false; rows],
        truncated: &truncated,
        episodes: &(0..rows as u64).collect::<Vec<_>>(),
    });
    agent
}

fn gradient_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("dqn_gradient_step");
    let one = Array2::from_elem((1, FEATURES), 1.0f32);
    for (width, batch) in [(64, 64), (64, 256), (256, 64), (256, 256)] {
        let mut agent = filled_agent(width, batch);
        group.bench_function(format!("2x{width}_batch{batch}"), |b| {
            b.iter(|| {
                // One new transition triggers exactly one gradient step.
                agent.observe(&Experience {
                    observations: one.view(),
                    actions: &[0],
                    rewards: &[1.0],
                    next_observations: one.view(),
                    terminated: &[false],
                    truncated: &[false],
                    episodes: &[0],
                });
            })
        });
    }
    group.finish();
}

fn inference(c: &mut Criterion) {
    let mut group = c.benchmark_group("dqn_inference");
    let rows = 10_000;
    let observations = Array2::from_shape_fn((rows, FEATURES), |(i, j)| ((i + j) % 5) as f32);
    group.throughput(Throughput::Elements(rows as u64));
    let mut agent = filled_agent(64, 64);
    let mut actions = vec![0; rows];
    group.bench_function("2x64_10000_users", |b| {
        b.iter(|| {
            agent.act(observations.view(), &mut actions);
            black_box(&actions);
        })
    });
    group.finish();
}

fn training(c: &mut Criterion) {
    let model = Arc::new(Model::new(Scenario::builtin("default").expect("valid")).expect("valid"));
    assert_eq!(
        (model.layout().len(), model.n_actions()),
        (FEATURES, ACTIONS),
        "the constants describe the default scenario"
    );
    let text = include_str!("../agents/configs/dqn.ron");
    let AgentConfig::Dqn(mut config) =
        AgentConfig::from_ron(text, "agents/configs/dqn.ron").expect("shipped config parses")
    else {
        panic!("agents/configs/dqn.ron is not a DQN config");
    };
    config.learning_starts = 1_000;
    let users = 5_000;
    // One cohort through the training loop; the frozen policy's evaluation at the
    // end, on two validation and two test users (the fewest with an interval), is
    // negligible next to it.
    let plan = TrainingPlan::episodic(1, users, 2, 0);
    let seeds = RunSeeds::new(1);
    // Every user lives to the horizon.
    let user_days = users as u64 * u64::from(model.horizon());
    let mut group = c.benchmark_group("dqn_training");
    group.throughput(Throughput::Elements(user_days));
    group.sample_size(10);
    group.bench_function("default_5000_users", |b| {
        b.iter_batched(
            || {
                Dqn::for_actions(&config, model.layout().len(), model.actions().names(), 1)
                    .expect("valid")
            },
            |mut agent| train_learner(&model, &mut agent, &plan, &seeds, true).expect("runs"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bandit_updates(c: &mut Criterion) {
    let rows = 1_000;
    let observations = Array2::from_shape_fn((rows, FEATURES), |(i, j)| ((i * 3 + j) % 7) as f32);
    let actions: Vec<usize> = (0..rows).map(|i| i % ACTIONS).collect();
    let rewards: Vec<f64> = (0..rows).map(|i| (i % 4) as f64).collect();
    let flags = vec![false; rows];
    let episodes: Vec<u64> = (0..rows as u64).collect();
    let experience = Experience {
        observations: observations.view(),
        actions: &actions,
        rewards: &rewards,
        next_observations: observations.view(),
        terminated: &flags,
        truncated: &flags,
        episodes: &episodes,
    };
    let mut group = c.benchmark_group("bandit_updates");
    group.throughput(Throughput::Elements(rows as u64));
    let mut learners: Vec<(&str, Box<dyn Learner>)> = vec![
        (
            "ucb1",
            Box::new(Ucb1::new(&Ucb1Config::default(), ACTIONS).expect("valid")),
        ),
        (
            "thompson_beta",
            Box::new(BetaThompson::new(&BetaThompsonConfig::default(), ACTIONS, 1).expect("valid")),
        ),
        (
            "linucb",
            Box::new(LinUcb::new(&LinUcbConfig::default(), FEATURES, ACTIONS).expect("valid")),
        ),
    ];
    for (name, learner) in &mut learners {
        group.bench_function(*name, |b| b.iter(|| learner.observe(&experience)));
    }
    group.finish();
}

/// Criterion draws its reports with plotters, which here only has the embedded font.
fn criterion() -> Criterion {
    let _ = onboard::plots::register_fonts();
    Criterion::default()
}

criterion_group! {
    name = benches;
    config = criterion();
    targets = gradient_steps, inference, training, bandit_updates
}
criterion_main!(benches);
