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
    let (mut cohort, days) = start(model, seed, population);
    let progress = progress_bar(u64::from(days), quiet);
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

/// A cohort of `population` and the calendar days it takes to finish.
pub(crate) fn start(model: Arc<Model>, seed: u64, population: Population) -> (Cohort, u32) {
    match population {
        Population::Cohort { users } => {
            let days = model.horizon();
            (Cohort::fixed(model, seed, users), days)
        }
        Population::Launch { days } => {
            let total = days + model.horizon();
            (Cohort::launch(model, seed, days), total)
        }
    }
}

/// A progress bar over `days` simulated days, hidden when `quiet`.
pub(crate) fn progress_bar(days: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    ProgressBar::new(days).with_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] day {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    )
}
