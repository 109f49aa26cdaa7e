//! Runs a policy on a simulated population and collects its cohort metrics.

use indicatif::{ProgressBar, ProgressStyle};
use onboard_agents::Policy;
use onboard_envs::{Cohort, CohortMetrics, Model, StepError};
use std::sync::Arc;

/// Who is simulated: a fixed cohort signing up on day 0, or a launch with arrivals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// `users` users, all signing up on day 0.
    Cohort {
        /// Cohort size.
        users: usize,
    },
    /// Users arriving by the scenario's Poisson process for `days` calendar days.
    Launch {
        /// Days with signups.
        days: u32,
    },
}

/// Simulates `population` under `policy` until every user has churned or reached the
/// horizon; shows a progress bar over simulated days unless `quiet`.
pub fn simulate(
    model: Arc<Model>,
    seed: u64,
    population: Population,
    policy: &mut dyn Policy,
    quiet: bool,
) -> Result<CohortMetrics, StepError> {
    let (mut cohort, days) = match population {
        Population::Cohort { users } => (
            Cohort::fixed(Arc::clone(&model), seed, users),
            model.horizon(),
        ),
        Population::Launch { days } => (
            Cohort::launch(Arc::clone(&model), seed, days),
            days + model.horizon(),
        ),
    };
    let progress = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(u64::from(days)).with_style(
            ProgressStyle::with_template("{msg:>12} [{bar:40}] day {pos}/{len} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        )
    };
    progress.set_message(policy.name().to_string());
    let mut actions = Vec::new();
    while !cohort.is_finished() {
        let observations = cohort.observations();
        actions.clear();
        actions.resize(observations.nrows(), 0);
        policy.act(observations, &mut actions);
        cohort.step(&actions)?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(cohort.metrics().clone())
}
