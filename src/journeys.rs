//! Once-per-user simulation: every new user is given one of the scenario's journey
//! templates at signup, chosen by a [`OncePerUser`] learner that learns from each
//! user's total reward when their episode ends.

use crate::simulate::{Population, progress_bar, start};
use ndarray::Axis;
use onboard_agents::OncePerUser;
use onboard_envs::{CohortMetrics, Model, StepError};
use std::sync::Arc;

/// What a once-per-user run yielded.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyRun {
    /// The metrics of every simulated user.
    pub metrics: CohortMetrics,
    /// `starts[day][journey]`: users who signed up on calendar `day` and were given
    /// `journey`.
    pub starts: Vec<Vec<u64>>,
}

impl JourneyRun {
    /// Users given each journey, over the signup days `days`.
    pub fn starts_over(&self, days: std::ops::Range<usize>) -> Vec<u64> {
        let n = self.starts.first().map_or(0, Vec::len);
        let mut total = vec![0; n];
        for day in &self.starts[days.start.min(self.starts.len())..days.end.min(self.starts.len())]
        {
            for (t, c) in total.iter_mut().zip(day) {
                *t += c;
            }
        }
        total
    }
}

/// Simulates `population`, each user following the journey `chooser` picks for
/// them at signup; the chooser learns as episodes end. Shows a progress bar over
/// simulated days unless `quiet`.
pub fn run_journeys(
    model: Arc<Model>,
    seed: u64,
    population: Population,
    chooser: &mut OncePerUser,
    quiet: bool,
) -> Result<JourneyRun, StepError> {
    let count = model.n_journeys();
    let (mut cohort, days) = start(Arc::clone(&model), seed, population);
    let progress = progress_bar(u64::from(days), quiet);
    progress.set_message(chooser.learner().name().to_string());
    let mut starts = Vec::new();
    let (mut keys, mut ages, mut choices) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rewards, mut finished) = (Vec::new(), Vec::new());
    while !cohort.is_finished() {
        keys.clear();
        ages.clear();
        for user in cohort.users() {
            keys.push(user.profile.id);
            ages.push(user.state.age);
        }
        let new_rows: Vec<usize> = (0..ages.len()).filter(|&i| ages[i] == 0).collect();
        let signups = cohort.observations().select(Axis(0), &new_rows);
        let new_keys: Vec<u64> = new_rows.iter().map(|&i| keys[i]).collect();
        choices.clear();
        choices.resize(new_rows.len(), 0);
        chooser.choose(&new_keys, signups.view(), &mut choices);
        let mut today = vec![0; count];
        for &journey in &choices {
            *today
                .get_mut(journey)
                .ok_or(StepError::UnknownJourney { journey, count })? += 1;
        }
        starts.push(today);
        let actions: Vec<usize> = keys
            .iter()
            .zip(&ages)
            .map(|(&key, &age)| {
                let journey = chooser
                    .choice(key)
                    .expect("every live user was given a journey at signup");
                model.journey_action(journey, age)
            })
            .collect();
        let transitions = cohort.step(&actions)?;
        rewards.clear();
        rewards.extend(transitions.outcomes.iter().map(|o| o.reward));
        finished.clear();
        finished.extend(
            transitions
                .outcomes
                .iter()
                .map(|o| o.churned || o.truncated),
        );
        chooser.record(&keys, &rewards, &finished);
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(JourneyRun {
        metrics: cohort.metrics().clone(),
        starts,
    })
}
