//! Once-per-user simulation: every new user is given one of the scenario's journey
//! templates at signup, chosen by a policy through [`OncePerUser`], which hands each
//! user's total reward to the learner when their episode ends.

use crate::progress;
use crate::simulate::{Population, SimulateError, start};
use ndarray::Axis;
use onboard_agents::{Learner, OncePerUser, Policy};
use onboard_envs::{Cohort, CohortMetrics, Model, StepError};
use std::sync::Arc;

/// What a once-per-user run yielded.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyRun {
    /// The metrics of every simulated user.
    pub metrics: CohortMetrics,
    /// `starts[day][journey]`: users who signed up on calendar `day` and were given
    /// `journey`.
    pub starts: Vec<Vec<u64>>,
    /// Users whose total reward reached the learner (0 when it did not learn).
    pub feedback: u64,
}

impl JourneyRun {
    /// Users given each journey, over the signup days `days`.
    pub fn starts_over(&self, days: std::ops::Range<usize>) -> Vec<u64> {
        let n = self.starts.first().map_or(0, Vec::len);
        let mut total = vec![0; n];
        let days = days.start.min(self.starts.len())..days.end.min(self.starts.len());
        for day in &self.starts[days] {
            for (t, c) in total.iter_mut().zip(day) {
                *t += c;
            }
        }
        total
    }
}

/// Who gives the journeys: a learner, which learns from each user's total reward
/// when their window ends, or a policy that only acts (a frozen policy, a baseline).
pub enum JourneyAgent<'a> {
    /// Chooses and learns.
    Learning(&'a mut dyn Learner),
    /// Only chooses.
    Acting(&'a mut dyn Policy),
}

impl JourneyAgent<'_> {
    /// The policy that chooses.
    fn policy(&mut self) -> &mut dyn Policy {
        match self {
            Self::Learning(learner) => *learner,
            Self::Acting(policy) => *policy,
        }
    }

    /// The learner, if it learns.
    fn learner(&mut self) -> Option<&mut dyn Learner> {
        match self {
            Self::Learning(learner) => Some(*learner),
            Self::Acting(_) => None,
        }
    }
}

/// Reusable buffers of [`journey_day`].
#[derive(Debug, Default)]
pub struct JourneyScratch {
    keys: Vec<u64>,
    ages: Vec<u32>,
    new_rows: Vec<usize>,
    new_keys: Vec<u64>,
    /// The journeys given to the day's new users, in row order.
    pub choices: Vec<usize>,
    actions: Vec<usize>,
    rewards: Vec<f64>,
    finished: Vec<bool>,
}

/// What one day of [`journey_day`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JourneyDay {
    /// Users stepped (every user in their window).
    pub users: u64,
    /// Their summed reward.
    pub reward: f64,
}

/// Steps every user of `cohort` in their window one day along their journey: new
/// users are first given one by `agent`; the windows that end are handed to `agent`
/// to learn from when it learns, else forgotten.
pub fn journey_day(
    model: &Model,
    cohort: &mut Cohort,
    chooser: &mut OncePerUser,
    agent: &mut JourneyAgent<'_>,
    s: &mut JourneyScratch,
) -> Result<JourneyDay, StepError> {
    s.keys.clear();
    s.ages.clear();
    for user in cohort.users() {
        s.keys.push(user.profile.id);
        s.ages.push(user.state.age);
    }
    s.new_rows.clear();
    s.new_rows
        .extend((0..s.ages.len()).filter(|&i| s.ages[i] == 0));
    s.new_keys.clear();
    s.new_keys.extend(s.new_rows.iter().map(|&i| s.keys[i]));
    let signups = cohort.observations().select(Axis(0), &s.new_rows);
    s.choices.clear();
    s.choices.resize(s.new_rows.len(), 0);
    chooser.choose(agent.policy(), &s.new_keys, signups.view(), &mut s.choices);
    let count = model.n_journeys();
    if let Some(&journey) = s.choices.iter().find(|&&j| j >= count) {
        return Err(StepError::UnknownJourney { journey, count });
    }
    s.actions.clear();
    for (&key, &age) in s.keys.iter().zip(&s.ages) {
        let journey = chooser
            .choice(key)
            .expect("every user in their window was given a journey at signup");
        s.actions.push(model.journey_action(journey, age));
    }
    let transitions = cohort.step(&s.actions)?;
    s.rewards.clear();
    s.rewards
        .extend(transitions.outcomes.iter().map(|o| o.reward));
    s.finished.clear();
    s.finished
        .extend(transitions.outcomes.iter().map(|o| o.truncated));
    chooser.record(agent.learner(), &s.keys, &s.rewards, &s.finished);
    Ok(JourneyDay {
        users: s.keys.len() as u64,
        reward: s.rewards.iter().sum(),
    })
}

/// Simulates `population`, each user following the journey `agent` picks for them
/// at signup; a learning agent learns as episodes end. Shows a progress bar over
/// simulated days unless `quiet`.
pub fn run_journeys(
    model: Arc<Model>,
    seed: u64,
    population: Population,
    mut agent: JourneyAgent<'_>,
    quiet: bool,
) -> Result<JourneyRun, SimulateError> {
    let count = model.n_journeys();
    let (mut cohort, days) = start(Arc::clone(&model), seed, population)?;
    let progress = progress::bar(u64::from(days), "", "day", quiet);
    progress.set_message(agent.policy().name().to_string());
    let mut chooser = OncePerUser::new();
    let mut scratch = JourneyScratch::default();
    let mut starts = Vec::new();
    while !cohort.is_finished() {
        journey_day(&model, &mut cohort, &mut chooser, &mut agent, &mut scratch)?;
        let mut today = vec![0; count];
        for &journey in &scratch.choices {
            today[journey] += 1;
        }
        starts.push(today);
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(JourneyRun {
        metrics: cohort.metrics().clone(),
        starts,
        feedback: chooser.delivered(),
    })
}
