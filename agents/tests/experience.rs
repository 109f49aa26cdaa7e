//! The experience a learner receives from the cohort stepper: churn is latent, so a
//! churned user keeps being stepped (and learned from) to the horizon, no transition
//! is terminal, and each user's window is truncated exactly once, on its last day.

use onboard_agents::ExperienceBuffer;
use onboard_envs::{Cohort, Model, Scenario};
use std::sync::Arc;

#[test]
fn churn_is_not_terminal_and_every_window_is_truncated_once_at_the_horizon() {
    let model = Arc::new(Model::new(Scenario::builtin("tiny").expect("valid")).expect("valid"));
    let (users, horizon) = (2_000, model.horizon());
    let mut cohort = Cohort::fixed(Arc::clone(&model), 5, users);
    let mut buffer = ExperienceBuffer::default();
    let (mut days, mut churned, mut truncated) = (0, 0, 0);
    while !cohort.is_finished() {
        let ages: Vec<u32> = cohort.users().iter().map(|u| u.state.age).collect();
        assert_eq!(ages.len(), users, "every user is stepped at every age");
        let actions: Vec<usize> = (0..users).map(|i| i % model.n_actions()).collect();
        let transitions = cohort.step(&actions).expect("valid actions");
        churned += transitions.outcomes.iter().filter(|o| o.churned).count();
        let rewards: Vec<f64> = transitions.outcomes.iter().map(|o| o.reward).collect();
        let experience = buffer.view(&actions, &transitions);
        assert_eq!(experience.observations.nrows(), users);
        assert_eq!(experience.rewards, rewards.as_slice());
        assert!(experience.terminated.iter().all(|&t| !t));
        for (age, &cut) in ages.iter().zip(experience.truncated) {
            assert_eq!(cut, *age == horizon - 1, "age {age}");
        }
        truncated += experience.truncated.iter().filter(|&&t| t).count();
        days += 1;
    }
    assert_eq!(days, horizon);
    assert_eq!(truncated, users);
    assert!(churned > users / 10, "the premise: users churn ({churned})");
}
