//! Tabular Q-learning reaches the optimum of a small MDP solved exactly.

mod common;

use common::Mdp;
use ndarray::Array1;
use onboard_agents::from_ron;
use onboard_agents::tabular::{QLearning, QLearningConfig};

fn config(states: usize) -> QLearningConfig {
    let cuts = (1..states).map(|s| s as f32 - 0.5).collect();
    QLearningConfig {
        gamma: 0.9,
        learning_rate: 0.05,
        epsilon: 1.0,
        epsilon_decay: 0.9995,
        epsilon_min: 0.05,
        bins: [("state".to_string(), cuts)].into(),
    }
}

#[test]
fn q_learning_reaches_95_percent_of_the_optimal_value() {
    let mdp = Mdp::random(6, 3, 0.9, 42);
    let optimal = mdp.optimal_values();
    let mut learner = QLearning::new(&config(6), &["state".to_string()], 3, 1).expect("valid");
    mdp.train(&mut learner, 32, 10_000, 7);
    let greedy: Vec<usize> = (0..mdp.states)
        .map(|s| {
            let q = learner.q_values(Array1::from(Mdp::observation(s).to_vec()).view());
            (0..3).fold(0, |best, a| if q[a] > q[best] { a } else { best })
        })
        .collect();
    let achieved = mdp.policy_values(&greedy);
    eprintln!("optimal {:.4}, learned {:.4}", optimal[0], achieved[0]);
    assert!(
        achieved[0] >= 0.95 * optimal[0],
        "{} vs {}",
        achieved[0],
        optimal[0]
    );
    // A random policy is far from the optimum, so the check has teeth.
    let worst: Vec<usize> = (0..mdp.states)
        .map(|s| {
            (0..3).fold(0, |w, a| {
                if mdp.reward[s][a] < mdp.reward[s][w] {
                    a
                } else {
                    w
                }
            })
        })
        .collect();
    assert!(mdp.policy_values(&worst)[0] < 0.9 * optimal[0]);
}

#[test]
fn configuration_parses_from_ron_and_names_bad_fields() {
    let text = r#"(gamma: 0.95, learning_rate: 0.1, epsilon: 0.2, epsilon_decay: 0.999, epsilon_min: 0.01,
                  bins: {"visits": [0.5, 1.5, 2.5], "has_purchased": [0.5]})"#;
    let config: QLearningConfig = from_ron(text, "q.ron").expect("parses");
    config.validate().expect("valid");
    let features = ["visits".to_string(), "has_purchased".to_string()];
    QLearning::new(&config, &features, 3, 0).expect("builds");

    let mut bad = config.clone();
    bad.gamma = 1.5;
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .starts_with("gamma: must lie in [0, 1]")
    );
    let mut bad = config.clone();
    bad.bins.insert("age".to_string(), vec![0.5, 0.2]);
    assert!(
        bad.validate()
            .expect_err("invalid")
            .to_string()
            .contains("strictly ascending")
    );
    let unknown =
        QLearning::new(&config, &["visits".to_string()], 3, 0).expect_err("unknown feature");
    assert!(
        unknown
            .to_string()
            .starts_with("bins[\"has_purchased\"]: unknown feature"),
        "{unknown}"
    );
    let typo = from_ron::<QLearningConfig>("(gama: 0.9)", "q.ron").expect_err("unknown field");
    assert!(typo.to_string().starts_with("q.ron:1:"), "{typo}");
}
