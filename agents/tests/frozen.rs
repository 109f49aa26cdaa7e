//! Every learner freezes and saves: the frozen copy acts greedily on the learner's
//! own estimates (one-hot, deterministic, independent of later learning), and a
//! saved learner loads back bit for bit, learning on exactly as the original.
//! Everything runs on a few small cohorts of the `tiny` scenario.

use ndarray::{Array2, ArrayView2, Axis, concatenate};
use onboard_agents::bandits::{
    BetaThompson, BetaThompsonConfig, EpsilonGreedy, EpsilonGreedyConfig, Exp3, Exp3Config,
    GaussianThompson, GaussianThompsonConfig, Ucb1, Ucb1Config,
};
use onboard_agents::linear::{LinThompson, LinThompsonConfig, LinUcb, LinUcbConfig};
use onboard_agents::tabular::{QLearning, QLearningConfig};
use onboard_agents::{
    AgentConfig, Decisions, Experience, ExperienceBuffer, FrozenPolicy, Learner, Policy,
    load_agent, load_saved, save_agent,
};
use onboard_envs::{Cohort, Model, Scenario};
use std::path::Path;
use std::sync::Arc;

/// What a learner deciding each user-day among `model`'s actions decides.
fn per_day(model: &Model) -> Decisions {
    Decisions {
        at_signup: false,
        options: model.scenario().action_names(),
    }
}

const FEATURES: usize = 3;

/// A batch of bandit rounds: rows of `FEATURES` features, the arm pulled and its
/// reward; every row ends its episode.
struct Rounds {
    observations: Array2<f32>,
    actions: Vec<usize>,
    rewards: Vec<f64>,
    done: Vec<bool>,
    episodes: Vec<u64>,
}

impl Rounds {
    /// `count` pulls of `arm` with `reward` on the context `x`.
    fn new(x: [f32; FEATURES], arm: usize, reward: f64, count: usize) -> Self {
        Self {
            observations: Array2::from_shape_fn((count, FEATURES), |(_, j)| x[j]),
            actions: vec![arm; count],
            rewards: vec![reward; count],
            done: vec![true; count],
            episodes: (0..count as u64).collect(),
        }
    }

    fn experience(&self) -> Experience<'_> {
        Experience {
            observations: self.observations.view(),
            actions: &self.actions,
            rewards: &self.rewards,
            next_observations: self.observations.view(),
            terminated: &self.done,
            truncated: &self.done,
            episodes: &self.episodes,
        }
    }
}

/// Feeds `learner` every `(arm, reward, pulls)` on the context `x`, one batch each.
fn feed(learner: &mut dyn Learner, x: [f32; FEATURES], pulls: &[(usize, f64, usize)]) {
    for &(arm, reward, count) in pulls {
        learner.observe(&Rounds::new(x, arm, reward, count).experience());
    }
}

/// Observation rows with varied contexts.
fn contexts() -> Array2<f32> {
    Array2::from_shape_fn((6, FEATURES), |(i, j)| ((i * 7 + j * 3) % 5) as f32 - 2.0)
}

fn probabilities(policy: &mut dyn Policy, observations: ArrayView2<'_, f32>) -> Array2<f64> {
    let mut p = Array2::zeros((observations.nrows(), policy.n_actions()));
    policy.probabilities(observations, p.view_mut());
    p
}

fn actions(policy: &mut dyn Policy, observations: ArrayView2<'_, f32>) -> Vec<usize> {
    let mut a = vec![0; observations.nrows()];
    policy.act(observations, &mut a);
    a
}

/// The frozen copy of `learner` takes `expected[i]` on row `i` of `observations`,
/// with one-hot probabilities on it, twice in a row and in a copy of the copy, keeps
/// the learner's name, and does not follow the learner's later learning.
fn assert_frozen(learner: &mut dyn Learner, observations: ArrayView2<'_, f32>, expected: &[usize]) {
    let mut frozen = learner.frozen();
    assert_eq!(frozen.name(), learner.name());
    assert_eq!(frozen.n_actions(), learner.n_actions());
    let chosen = actions(frozen.as_mut(), observations);
    assert_eq!(chosen, expected, "{}", learner.name());
    assert_eq!(actions(frozen.as_mut(), observations), chosen);
    let p = probabilities(frozen.as_mut(), observations);
    for (row, &a) in p.rows().into_iter().zip(&chosen) {
        let one_hot: Vec<f64> = (0..row.len())
            .map(|b| f64::from(u8::from(a == b)))
            .collect();
        assert_eq!(row.to_vec(), one_hot, "{}", learner.name());
    }
    let mut copy = frozen.clone_box();
    assert_eq!(actions(copy.as_mut(), observations), chosen);
    // Teach the learner the opposite; the frozen copy does not change.
    for arm in 0..learner.n_actions() {
        let reward = if expected.contains(&arm) { -50.0 } else { 50.0 };
        feed(learner, [1.0, 0.0, -1.0], &[(arm, reward, 40)]);
    }
    assert_eq!(actions(frozen.as_mut(), observations), chosen);
}

/// The same arm for every row.
fn every_row(arm: usize) -> Vec<usize> {
    vec![arm; contexts().nrows()]
}

#[test]
fn epsilon_greedy_freezes_to_the_best_mean_even_when_always_exploring() {
    let config = EpsilonGreedyConfig {
        epsilon: 1.0,
        decay: 1.0,
        epsilon_min: 1.0,
    };
    let mut learner = EpsilonGreedy::new(&config, 4, 3).expect("valid");
    feed(
        &mut learner,
        [0.0; FEATURES],
        &[(0, 0.2, 5), (1, 0.1, 5), (2, 0.9, 5), (3, 0.5, 5)],
    );
    let observations = contexts();
    let p = probabilities(&mut learner, observations.view());
    assert!(p.iter().all(|&q| q == 0.25), "ε = 1 explores uniformly");
    assert_frozen(&mut learner, observations.view(), &every_row(2));
}

#[test]
fn ucb1_freezes_to_the_best_mean_without_the_bonus() {
    let mut learner = Ucb1::new(&Ucb1Config::default(), 3).expect("valid");
    feed(
        &mut learner,
        [0.0; FEATURES],
        &[(0, 0.6, 100), (1, 0.5, 1), (2, 0.1, 100)],
    );
    let observations = contexts();
    assert_eq!(
        actions(&mut learner, observations.view()),
        every_row(1),
        "the bonus of the arm pulled once wins"
    );
    assert_frozen(&mut learner, observations.view(), &every_row(0));
}

#[test]
fn exp3_freezes_to_the_heaviest_arm() {
    let config = Exp3Config {
        gamma: 0.3,
        reward_min: 0.0,
        reward_max: 1.0,
    };
    let mut learner = Exp3::new(&config, 3, 5).expect("valid");
    feed(
        &mut learner,
        [0.0; FEATURES],
        &[(0, 0.3, 10), (1, 0.8, 10), (2, 0.1, 10)],
    );
    let observations = contexts();
    let p = probabilities(&mut learner, observations.view());
    let row: Vec<f64> = p.row(0).to_vec();
    assert!(row.iter().all(|&q| q > 0.05 && q < 0.95), "{row:?}");
    // The probabilities rise with the weights: the heaviest arm is the likeliest.
    let heaviest = (0..3).fold(0, |b, a| if row[a] > row[b] { a } else { b });
    assert_eq!(heaviest, 1);
    assert_frozen(&mut learner, observations.view(), &every_row(1));
}

#[test]
fn thompson_sampling_freezes_to_the_best_posterior_mean() {
    // Beta: arm 0 won its only pull (mean 2/3), arm 1 won 60 % of 50 (mean ≈ 0.6).
    let config = BetaThompsonConfig {
        prior_alpha: 1.0,
        prior_beta: 1.0,
        draws: 500,
    };
    let mut beta = BetaThompson::new(&config, 3, 1).expect("valid");
    feed(
        &mut beta,
        [0.0; FEATURES],
        &[(0, 1.0, 1), (1, 1.0, 30), (1, 0.0, 20), (2, 0.0, 10)],
    );
    let means: Vec<f64> = beta.posterior().map(|(a, b)| a / (a + b)).collect();
    assert!(means[0] > means[1] && means[1] > means[2], "{means:?}");
    let observations = contexts();
    let p = probabilities(&mut beta, observations.view());
    assert!(p[[0, 1]] > 0.0 && p[[0, 0]] < 1.0, "still sampling");
    assert_frozen(&mut beta, observations.view(), &every_row(0));

    let config = GaussianThompsonConfig {
        prior_mean: 0.0,
        prior_count: 1.0,
        noise_variance: 4.0,
        draws: 500,
    };
    let mut gaussian = GaussianThompson::new(&config, 3, 2).expect("valid");
    feed(
        &mut gaussian,
        [0.0; FEATURES],
        &[(0, 1.0, 3), (1, 2.0, 2), (2, 1.6, 8)],
    );
    let means: Vec<f64> = gaussian.posterior().map(|(mean, _)| mean).collect();
    let best = (0..3).fold(0, |b, a| if means[a] > means[b] { a } else { b });
    assert_eq!(best, 2, "{means:?}");
    assert_frozen(&mut gaussian, observations.view(), &every_row(2));
}

#[test]
fn linucb_freezes_to_its_ridge_mean() {
    let config = LinUcbConfig {
        alpha: 2.0,
        regularization: 1.0,
    };
    let mut learner = LinUcb::new(&config, FEATURES, 2).expect("valid");
    let mut greedy = LinUcb::new(
        &LinUcbConfig {
            alpha: 0.0,
            ..config
        },
        FEATURES,
        2,
    )
    .expect("valid");
    // Arm 0 is known to pay 0.5; arm 1 was never played: its bonus is large.
    let pulls = [(0, 0.5, 200)];
    feed(&mut learner, [1.0, 0.0, 0.0], &pulls);
    feed(&mut greedy, [1.0, 0.0, 0.0], &pulls);
    let observations = Array2::from_shape_vec((1, FEATURES), vec![1.0, 0.0, 0.0]).expect("a row");
    assert_eq!(actions(&mut learner, observations.view()), [1]);
    assert_eq!(actions(&mut greedy, observations.view()), [0]);
    // On varied contexts, frozen LinUCB is LinUCB with α = 0.
    feed(&mut learner, [0.0, 1.0, -1.0], &[(1, 0.8, 20)]);
    feed(&mut greedy, [0.0, 1.0, -1.0], &[(1, 0.8, 20)]);
    let observations =
        concatenate(Axis(0), &[observations.view(), contexts().view()]).expect("same width");
    let expected = actions(&mut greedy, observations.view());
    assert!(
        expected.contains(&0) && expected.contains(&1),
        "{expected:?}"
    );
    assert_frozen(&mut learner, observations.view(), &expected);
}

#[test]
fn linear_thompson_freezes_to_its_posterior_mean() {
    let config = LinThompsonConfig {
        scale: 1.0,
        regularization: 1.0,
        draws: 100,
    };
    let mut learner = LinThompson::new(&config, FEATURES, 3, 4).expect("valid");
    feed(&mut learner, [1.0, 0.0, 0.0], &[(0, 0.5, 30), (1, 0.2, 30)]);
    feed(&mut learner, [0.0, 1.0, -1.0], &[(1, 0.9, 30), (2, 0.1, 5)]);
    let observations = contexts();
    let expected: Vec<usize> = observations
        .rows()
        .into_iter()
        .map(|row| {
            let x: ndarray::Array1<f64> = row.iter().map(|&v| f64::from(v)).chain([1.0]).collect();
            let means: Vec<f64> = learner
                .arms()
                .iter()
                .map(|arm| arm.mean(x.view()))
                .collect();
            (0..3).fold(0, |b, a| if means[a] > means[b] { a } else { b })
        })
        .collect();
    let p = probabilities(&mut learner, observations.view());
    assert!(p.iter().any(|&q| q > 0.0 && q < 1.0), "the learner samples");
    assert_frozen(&mut learner, observations.view(), &expected);
}

#[test]
fn q_learning_freezes_to_its_greedy_values() {
    let config = QLearningConfig {
        gamma: 0.0,
        learning_rate: 0.5,
        epsilon: 1.0,
        epsilon_decay: 1.0,
        epsilon_min: 1.0,
        bins: [("a".to_string(), vec![0.0])].into(),
    };
    let names = ["a", "b", "c"].map(String::from);
    let mut learner = QLearning::new(&config, &names, 3, 6).expect("valid");
    feed(&mut learner, [-1.0, 0.0, 0.0], &[(0, 1.0, 5), (2, 0.2, 5)]);
    feed(&mut learner, [1.0, 0.0, 0.0], &[(1, 1.0, 5), (2, 0.5, 5)]);
    let observations = contexts();
    let expected: Vec<usize> = observations
        .rows()
        .into_iter()
        .map(|row| {
            let q = learner.q_values(row);
            (0..3).fold(0, |b, a| if q[a] > q[b] { a } else { b })
        })
        .collect();
    assert!(
        expected.contains(&0) && expected.contains(&1),
        "{expected:?}"
    );
    let p = probabilities(&mut learner, observations.view());
    assert!(p.iter().all(|&q| (q - 1.0 / 3.0).abs() < 1e-12), "ε = 1");
    assert_frozen(&mut learner, observations.view(), &expected);
}

/// A small DQN that learns from its first batches and keeps exploring.
const DQN: &str = "Dqn(
    hidden: [16],
    gamma: 0.5,
    learning_rate: 0.01,
    buffer_size: 2000,
    batch_size: 16,
    learning_starts: 32,
    train_frequency: 8,
    target_update: Hard(every: 10),
    max_grad_norm: 10.0,
    epsilon_start: 1.0,
    epsilon_end: 0.5,
    exploration_steps: 100000,
    device: Cpu,
)";

#[test]
fn dqn_freezes_to_its_greedy_q_values() {
    let AgentConfig::Dqn(config) = AgentConfig::from_ron(DQN, "test").expect("valid") else {
        panic!("a DQN config");
    };
    let mut learner = onboard_agents::dqn::Dqn::new(&config, FEATURES, 3, 8).expect("valid");
    feed(&mut learner, [1.0, 0.0, 0.0], &[(0, 1.0, 40), (1, 0.0, 40)]);
    feed(
        &mut learner,
        [0.0, 1.0, -1.0],
        &[(2, 1.0, 40), (0, 0.0, 40)],
    );
    assert!(learner.progress().gradient_steps > 0, "the test DQN learns");
    let observations = contexts();
    let q = learner.q_values(observations.view());
    let expected: Vec<usize> = q
        .chunks_exact(3)
        .map(|row| (0..3).fold(0, |b, a| if row[a] > row[b] { a } else { b }))
        .collect();
    let p = probabilities(&mut learner, observations.view());
    assert!(p.iter().all(|&q| q > 0.0), "the learner explores");
    let frozen = onboard_agents::dqn::GreedyDqn::new(&learner);
    assert_eq!(frozen.q_values(observations.view()), q);
    assert_frozen(&mut learner, observations.view(), &expected);
}

/// The `tiny` scenario's model.
fn tiny() -> Arc<Model> {
    Arc::new(Model::new(Scenario::builtin("tiny").expect("built in")).expect("valid"))
}

/// Builds `config` (RON) for `tiny`.
fn build(model: &Model, config: &str, seed: u64) -> Box<dyn Learner> {
    AgentConfig::from_ron(config, "test")
        .expect("a valid agent")
        .build(model.layout(), model.actions().names(), seed)
        .expect("builds for tiny")
}

#[test]
fn baselines_are_their_own_frozen_copies() {
    let model = tiny();
    let cohort = Cohort::fixed(Arc::clone(&model), 3, 20);
    let observations = cohort.observations();
    for config in [
        "Constant(action: \"coupon\")",
        "Rules(name: \"push-first\", default: \"coupon\", rules: [(when: [(feature: \"day\", is: Eq, value: 0.0)], then: \"push\")])",
    ] {
        let mut learner = build(&model, config, 1);
        let expected = actions(learner.as_mut(), observations);
        assert_frozen(learner.as_mut(), observations, &expected);
    }
    // The random baseline stays random, from the same generator state.
    let mut random = build(&model, "Random", 5);
    let mut frozen = random.frozen();
    let uniform = probabilities(frozen.as_mut(), observations);
    assert!(uniform.iter().all(|&p| p == 0.25));
    assert_eq!(
        actions(frozen.as_mut(), observations),
        actions(random.as_mut(), observations)
    );
}

/// Every kind of agent, as a RON configuration for `tiny`.
const KINDS: [&str; 12] = [
    "Constant(action: \"push\")",
    "Random",
    "Rules(name: \"r\", default: \"coupon\", rules: [(when: [(feature: \"visits\", is: Ge, value: 2.0)], then: \"push\")])",
    "EpsilonGreedy(epsilon: 0.3, decay: 0.9, epsilon_min: 0.05)",
    "Ucb1(scale: 5.0)",
    "BetaThompson(prior_alpha: 1.0, prior_beta: 1.0, draws: 200)",
    "GaussianThompson(prior_mean: 0.0, prior_count: 1.0, noise_variance: 1.0, draws: 200)",
    "Exp3(gamma: 0.2, reward_min: -1.0, reward_max: 5.0)",
    "LinUcb(alpha: 1.0, regularization: 1.0)",
    "LinThompson(scale: 0.5, regularization: 1.0, draws: 50)",
    "QLearning(gamma: 0.9, learning_rate: 0.1, epsilon: 0.5, epsilon_decay: 0.95, epsilon_min: 0.05, bins: {\"age\": [0.3, 0.6], \"visits\": [1.5]})",
    DQN,
];

/// Lets `learner` act on and learn from the first `days` days of a cohort of `tiny`.
fn learn(learner: &mut dyn Learner, model: &Arc<Model>, seed: u64, days: usize) {
    let mut cohort = Cohort::fixed(Arc::clone(model), seed, 60);
    let mut buffer = ExperienceBuffer::default();
    for _ in 0..days {
        let mut chosen = vec![0; cohort.observations().nrows()];
        learner.act(cohort.observations(), &mut chosen);
        let transitions = cohort.step(&chosen).expect("a valid step");
        learner.observe(&buffer.view(&chosen, &transitions));
    }
}

/// Both agents give the same bits: probabilities, actions and frozen actions.
fn assert_same(a: &mut dyn Learner, b: &mut dyn Learner, observations: ArrayView2<'_, f32>) {
    let name = a.name().to_string();
    assert_eq!(a.name(), b.name());
    let (pa, pb) = (
        probabilities(a, observations),
        probabilities(b, observations),
    );
    let bits = |p: &Array2<f64>| p.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&pa), bits(&pb), "{name}: probabilities");
    assert_eq!(actions(a, observations), actions(b, observations), "{name}");
    let (mut fa, mut fb): (Box<dyn FrozenPolicy>, Box<dyn FrozenPolicy>) = (a.frozen(), b.frozen());
    assert_eq!(
        actions(fa.as_mut(), observations),
        actions(fb.as_mut(), observations),
        "{name}: frozen"
    );
}

#[test]
fn every_learner_saved_and_loaded_goes_on_exactly_as_the_original() {
    let model = tiny();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let probe = Cohort::fixed(Arc::clone(&model), 77, 30);
    let observations = probe.observations();
    for (k, config) in KINDS.iter().enumerate() {
        let mut original = build(&model, config, 10 + k as u64);
        learn(original.as_mut(), &model, 1, 5);
        let extension = AgentConfig::from_ron(config, "test")
            .expect("valid")
            .state_extension();
        let path = dir.path().join(format!("{k}.{extension}"));
        // What it decides is saved with it, both ways.
        let decided = Decisions {
            at_signup: k % 2 == 1,
            ..per_day(&model)
        };
        save_agent(original.as_ref(), &decided, &path).expect("saves");
        let saved = load_saved(&path).expect("loads");
        assert_eq!(saved.decisions, Some(decided), "{config}");
        let mut loaded = saved.learner;
        assert_eq!(loaded.features(), original.features());
        assert_eq!(loaded.n_actions(), model.n_actions());
        assert_same(original.as_mut(), loaded.as_mut(), observations);

        // One more identical day of learning on both: the state was whole.
        let mut cohort = Cohort::fixed(Arc::clone(&model), 2, 60);
        let chosen: Vec<usize> = (0..60).map(|i| i % model.n_actions()).collect();
        let transitions = cohort.step(&chosen).expect("a valid step");
        let mut buffer = ExperienceBuffer::default();
        let experience = buffer.view(&chosen, &transitions);
        original.observe(&experience);
        loaded.observe(&experience);
        assert_same(original.as_mut(), loaded.as_mut(), observations);

        // The same state always writes the same file, DQN's checkpoint included (a
        // resumed training run is checked byte for byte against an uninterrupted one).
        let again = dir.path().join(format!("{k}-again.{extension}"));
        save_agent(loaded.as_ref(), &per_day(&model), &again).expect("saves");
        save_agent(original.as_ref(), &per_day(&model), &path).expect("saves");
        assert!(
            std::fs::read(&path).expect("written") == std::fs::read(&again).expect("written"),
            "{config}"
        );
    }
}

#[test]
fn loading_names_the_file_and_what_was_expected() {
    let model = tiny();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let message = |path: &Path| {
        let error = load_agent(path).err().expect("refused");
        let text = error.to_string();
        assert!(
            text.contains(&path.display().to_string()),
            "{text} does not name {}",
            path.display()
        );
        text
    };
    let missing = dir.path().join("missing.agent.ron");
    assert!(message(&missing).contains("no such file"));

    let config = dir.path().join("linucb.agent.ron");
    std::fs::write(&config, "LinUcb(alpha: 1.0, regularization: 1.0)").expect("written");
    assert!(message(&config).contains("is an agent configuration"));
    let other = dir.path().join("other.agent.ron");
    std::fs::write(&other, "(name: \"not an agent\")").expect("written");
    assert!(message(&other).contains("not a saved agent state"));

    let mut linucb = build(&model, KINDS[8], 1);
    learn(linucb.as_mut(), &model, 1, 2);
    let whole = dir.path().join("whole.agent.ron");
    save_agent(linucb.as_ref(), &per_day(&model), &whole).expect("saves");
    let text = std::fs::read(&whole).expect("written");
    let truncated = dir.path().join("truncated.agent.ron");
    std::fs::write(&truncated, &text[..text.len() / 2]).expect("written");
    assert!(message(&truncated).contains("not a saved agent state"));
    let future = dir.path().join("future.agent.ron");
    let bumped = String::from_utf8(text)
        .expect("text")
        .replacen("format: 1", "format: 99", 1);
    std::fs::write(&future, bumped).expect("written");
    assert!(message(&future).contains("format 99"));

    let mut dqn = build(&model, DQN, 1);
    learn(dqn.as_mut(), &model, 1, 2);
    let checkpoint = dir.path().join("dqn.ot");
    save_agent(dqn.as_ref(), &per_day(&model), &checkpoint).expect("saves");
    let bytes = std::fs::read(&checkpoint).expect("written");
    assert!(
        bytes.starts_with(b"PK"),
        "a libtorch checkpoint is a zip archive"
    );
    // Recognised by content whatever its name.
    let renamed = dir.path().join("dqn.state");
    std::fs::write(&renamed, &bytes).expect("written");
    assert_eq!(load_agent(&renamed).expect("loads").name(), "dqn");
    let cut = dir.path().join("cut.ot");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("written");
    message(&cut);
}
