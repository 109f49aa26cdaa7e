//! Episodic training: a learner acts on cohorts of simulated users and learns from
//! every user-day, one cohort (episode set) per training seed.

use indicatif::{ProgressBar, ProgressStyle};
use onboard_agents::{ExperienceBuffer, Learner};
use onboard_envs::{Cohort, Model, StepError};
use std::sync::Arc;

/// What one training cohort yielded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortResult {
    /// The cohort's seed.
    pub seed: u64,
    /// Mean total reward per user over the horizon.
    pub reward_per_user: f64,
    /// User-days simulated.
    pub user_days: u64,
}

/// Trains `learner` on one fixed cohort of `users` per seed, in order; returns the
/// learning curve. Shows a progress bar over cohorts unless `quiet`.
pub fn train(
    model: &Arc<Model>,
    learner: &mut dyn Learner,
    seeds: &[u64],
    users: usize,
    quiet: bool,
) -> Result<Vec<CohortResult>, StepError> {
    let progress = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(seeds.len() as u64).with_style(
            ProgressStyle::with_template(
                "training {msg} [{bar:40}] cohort {pos}/{len} ({elapsed}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        )
    };
    progress.set_message(learner.name().to_string());
    let mut buffer = ExperienceBuffer::default();
    let mut actions = Vec::new();
    let mut curve = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        let mut cohort = Cohort::fixed(Arc::clone(model), seed, users);
        let mut reward = 0.0;
        let mut user_days = 0;
        while !cohort.is_finished() {
            let observations = cohort.observations();
            actions.resize(observations.nrows(), 0);
            learner.act(observations, &mut actions);
            let transitions = cohort.step(&actions)?;
            reward += transitions.outcomes.iter().map(|o| o.reward).sum::<f64>();
            user_days += actions.len() as u64;
            learner.observe(&buffer.view(&actions, &transitions));
        }
        curve.push(CohortResult {
            seed,
            reward_per_user: reward / users as f64,
            user_days,
        });
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(curve)
}
