//! The once-per-user decision mode delays feedback honestly: the learner hears of a
//! user exactly once, when the episode ends, with the signup observation, the
//! option chosen and the sum of every reward in between.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, array};
use onboard_agents::{
    AgentError, Decisions, Experience, FrozenPolicy, Learner, OncePerUser, Policy,
};

/// One transition as the learner received it.
#[derive(Debug, Clone, PartialEq)]
struct Heard {
    observation: Vec<f32>,
    action: usize,
    reward: f64,
    terminated: bool,
}

/// Chooses option `first feature mod 3` and records what it is told.
#[derive(Debug, Clone, Default)]
struct Recorder {
    heard: Vec<Heard>,
}

impl Policy for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }

    fn n_actions(&self) -> usize {
        3
    }

    fn probabilities(
        &mut self,
        observations: ArrayView2<'_, f32>,
        mut probabilities: ArrayViewMut2<'_, f64>,
    ) {
        probabilities.fill(0.0);
        for (i, row) in observations.rows().into_iter().enumerate() {
            probabilities[[i, row[0] as usize % 3]] = 1.0;
        }
    }

    fn act(&mut self, observations: ArrayView2<'_, f32>, actions: &mut [usize]) {
        for (action, row) in actions.iter_mut().zip(observations.rows()) {
            *action = row[0] as usize % 3;
        }
    }
}

impl Learner for Recorder {
    fn observe(&mut self, experience: &Experience<'_>) {
        for (i, row) in experience.observations.rows().into_iter().enumerate() {
            self.heard.push(Heard {
                observation: row.to_vec(),
                action: experience.actions[i],
                reward: experience.rewards[i],
                terminated: experience.terminated[i],
            });
        }
    }

    fn frozen(&self) -> Box<dyn FrozenPolicy> {
        Box::new(self.clone())
    }

    fn to_bytes(&self, _: &Decisions) -> Result<Vec<u8>, AgentError> {
        Err(AgentError::Encode(
            "a test recorder has nothing worth saving".to_string(),
        ))
    }

    fn features(&self) -> Option<usize> {
        None
    }

    fn non_finite(&self) -> Option<String> {
        None
    }
}

#[test]
fn feedback_arrives_once_per_user_when_the_episode_ends_with_the_total_reward() {
    let mut recorder = Recorder::default();
    let mut chooser = OncePerUser::new();
    let signups: Array2<f32> = array![[4.0, 0.5], [7.0, 1.5]];
    let mut choices = [0; 2];
    chooser.choose(&mut recorder, &[10, 20], signups.view(), &mut choices);
    assert_eq!(choices, [1, 1]);
    assert_eq!(chooser.choice(10), Some(1));
    assert_eq!(chooser.waiting(), 2);

    chooser.record(Some(&mut recorder), &[10, 20], &[1.0, 2.0], &[false, false]);
    assert!(recorder.heard.is_empty(), "nothing before the end");

    // A third user signs up while the first two are still running.
    let late: Array2<f32> = array![[5.0, 9.0]];
    let mut late_choice = [0];
    chooser.choose(&mut recorder, &[30], late.view(), &mut late_choice);
    assert_eq!(late_choice, [2]);

    chooser.record(
        Some(&mut recorder),
        &[10, 20, 30],
        &[0.5, 3.0, 4.0],
        &[false, true, false],
    );
    chooser.record(Some(&mut recorder), &[10, 30], &[0.25, 1.0], &[true, true]);

    assert_eq!(
        recorder.heard,
        vec![
            Heard {
                observation: vec![7.0, 1.5],
                action: 1,
                reward: 5.0,
                terminated: true
            },
            Heard {
                observation: vec![4.0, 0.5],
                action: 1,
                reward: 1.75,
                terminated: true
            },
            Heard {
                observation: vec![5.0, 9.0],
                action: 2,
                reward: 5.0,
                terminated: true
            },
        ]
    );
    assert_eq!(chooser.waiting(), 0);
    assert_eq!(chooser.delivered(), 3);
    assert_eq!(chooser.choice(10), None);

    // A frozen policy's feedback is dropped, and its users are still forgotten.
    let mut frozen = OncePerUser::new();
    frozen.choose(&mut recorder, &[40], late.view(), &mut late_choice);
    frozen.record(None, &[40], &[9.0], &[true]);
    assert_eq!((frozen.waiting(), frozen.delivered()), (0, 0));
    assert_eq!(recorder.heard.len(), 3);
}
