//! Runs a policy on a simulated population and collects its cohort metrics, one
//! record per user, and what the policy did at each age.

use onboard_agents::Policy;
use onboard_envs::{
    Cohort, CohortMetrics, DayOutcome, Model, StepError, User, expected_signups, signups,
};
use serde::Serialize;
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

/// Most users one simulation may hold (each takes about a kilobyte while it
/// lives, and its record stays): a bound checked before anything is allocated.
pub const MAX_USERS: u64 = 10_000_000;

/// Most calendar days of signups a launch may have: ten years.
pub const MAX_LAUNCH_DAYS: u32 = 3_660;

/// Why a simulation did not run or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The population is empty, or larger than a simulation may hold.
    #[error("{0}")]
    Population(String),
    /// A step of the cohort failed.
    #[error(transparent)]
    Step(#[from] StepError),
}

impl Population {
    /// Checks that `model` can simulate this population: at least one user is
    /// expected, and at most [`MAX_USERS`]; a launch lasts at most
    /// [`MAX_LAUNCH_DAYS`]. Returns the users expected.
    pub fn check(&self, model: &Model) -> Result<f64, SimulateError> {
        let expected = match *self {
            Population::Cohort { users } => users as f64,
            Population::Launch { days } => {
                if !(1..=MAX_LAUNCH_DAYS).contains(&days) {
                    return Err(SimulateError::Population(format!(
                        "launch: must last 1 to {MAX_LAUNCH_DAYS} days of signups, got {days}"
                    )));
                }
                (0..days)
                    .map(|day| expected_signups(model, day))
                    .sum::<f64>()
            }
        };
        let (field, got) = match self {
            Population::Cohort { users } => ("users".to_string(), users.to_string()),
            Population::Launch { days } => (
                "launch".to_string(),
                format!(
                    "{days} days of signups, in which scenario '{}' expects {expected:.1} users",
                    model.scenario().name
                ),
            ),
        };
        if expected < 1.0 {
            return Err(SimulateError::Population(format!(
                "{field}: a simulation needs at least 1 user (with none there is no metric \
                 to report), got {got}"
            )));
        }
        if expected > MAX_USERS as f64 {
            return Err(SimulateError::Population(format!(
                "{field}: a simulation holds at most {MAX_USERS} users (about 1 KB each), \
                 got {got}"
            )));
        }
        Ok(expected)
    }
}

/// One user's onboarding window, as experiments analyse it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UserRecord {
    /// The user's id (the same user in every arm of a paired experiment).
    pub id: u64,
    /// Calendar day of signup.
    pub signup_day: u32,
    /// Days lived before the (latent) churn, signup day included: the age of the
    /// first churn + 1, or the horizon for a user who never churned.
    pub days: u32,
    /// The user churned (latent, simulator truth) at age `days − 1`; else they were
    /// still live at the horizon (censored). A user won back later still counts as
    /// churned: this is the time to first churn.
    pub churned: bool,
    /// Visits, signup included.
    pub visits: u32,
    /// Purchases.
    pub purchases: u32,
    /// Revenue net of discounts, currency units.
    pub revenue: f64,
    /// Profit, currency units.
    pub profit: f64,
    /// Action costs, currency units.
    pub cost: f64,
    /// Messages delivered.
    pub messages: f64,
    /// The days of age on which the user visited (was active).
    pub active: ActiveDays,
}

/// The days of age on which one user was active, a bit per day (up to 384 days,
/// more than any horizon a scenario may have), so that retention on any day can be
/// compared user by user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ActiveDays([u64; 6]);

impl ActiveDays {
    /// Marks day `age` active; days beyond the last are ignored.
    pub fn set(&mut self, age: usize) {
        if let Some(word) = self.0.get_mut(age / 64) {
            *word |= 1 << (age % 64);
        }
    }

    /// Whether the user was active on day `age`.
    pub fn on(&self, age: usize) -> bool {
        self.0
            .get(age / 64)
            .is_some_and(|w| w >> (age % 64) & 1 == 1)
    }
}

impl UserRecord {
    /// The record of `user` as it ends its window (at the horizon: every user is
    /// simulated to the end, churned or not), active on the days of `active`.
    pub fn of(user: &User, active: ActiveDays) -> Self {
        let (state, totals) = (&user.state, &user.state.totals);
        Self {
            id: user.profile.id,
            signup_day: user.profile.signup_day,
            days: state.churn_age.map_or(state.age, |age| age + 1),
            churned: state.churn_age.is_some(),
            visits: state.visits,
            purchases: state.purchases,
            revenue: totals.revenue,
            profit: totals.profit,
            cost: totals.cost,
            messages: totals.messages,
            active,
        }
    }
}

/// What a simulation yielded.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Cohort metrics by age, with intervals.
    pub metrics: CohortMetrics,
    /// One record per user, in id order.
    pub users: Vec<UserRecord>,
    /// `action_mix[signal][age][action]`: how often each action was chosen at each
    /// age for users whose first-session signal named segment `signal`.
    pub action_mix: Vec<Vec<Vec<u64>>>,
}

impl Simulation {
    /// `[age][action]`: how often each action was chosen at each age, all users.
    pub fn action_mix_by_age(&self) -> Vec<Vec<u64>> {
        let mut total = self.action_mix.first().cloned().unwrap_or_default();
        for by_age in self.action_mix.iter().skip(1) {
            for (sum, counts) in total.iter_mut().zip(by_age) {
                for (s, c) in sum.iter_mut().zip(counts) {
                    *s += c;
                }
            }
        }
        total
    }
}

/// Simulates `population` under `policy` until every user has reached the horizon
/// (churned users stay to the end, dormant); shows a progress bar over simulated days
/// unless `quiet`.
pub fn simulate(
    model: Arc<Model>,
    seed: u64,
    population: Population,
    policy: &mut dyn Policy,
    quiet: bool,
) -> Result<Simulation, SimulateError> {
    let n_actions = model.n_actions();
    let horizon = model.horizon() as usize;
    let signals = model.n_segments();
    let (mut cohort, days) = start(model, seed, population)?;
    let progress = crate::progress::bar(u64::from(days), "", "day", quiet);
    progress.set_message(policy.name().to_string());
    let mut actions = Vec::new();
    let mut users = Vec::new();
    let mut active = Vec::new();
    let mut action_mix = vec![vec![vec![0; n_actions]; horizon]; signals];
    while !cohort.is_finished() {
        let observations = cohort.observations();
        actions.clear();
        actions.resize(observations.nrows(), 0);
        policy.act(observations, &mut actions);
        let transitions = cohort.step(&actions)?;
        collect(
            transitions.outcomes,
            transitions.users,
            &actions,
            &mut active,
            &mut users,
            &mut action_mix,
        );
        progress.inc(1);
    }
    progress.finish_and_clear();
    users.sort_unstable_by_key(|u: &UserRecord| u.id);
    Ok(Simulation {
        metrics: cohort.metrics().clone(),
        users,
        action_mix,
    })
}

/// Counts the day's actions by signal and age, marks who visited in `active`
/// (indexed by user id, which a cohort hands out from 0 in signup order), and
/// records the users whose window ended (the only end of an episode: churn is
/// latent).
pub(crate) fn collect(
    outcomes: &[DayOutcome],
    after: &[User],
    actions: &[usize],
    active: &mut Vec<ActiveDays>,
    records: &mut Vec<UserRecord>,
    action_mix: &mut [Vec<Vec<u64>>],
) {
    for ((outcome, user), &action) in outcomes.iter().zip(after).zip(actions) {
        let age = user.state.age as usize - 1;
        let signal = usize::from(user.profile.signal);
        if let Some(counts) = action_mix.get_mut(signal).and_then(|m| m.get_mut(age)) {
            counts[action] += 1;
        }
        let id = user.profile.id as usize;
        if id >= active.len() {
            active.resize(id + 1, ActiveDays::default());
        }
        if outcome.visited {
            active[id].set(age);
        }
        if outcome.truncated {
            records.push(UserRecord::of(user, active[id]));
        }
    }
}

/// Refuses a launch of `days` days whose Poisson arrivals, drawn with `seed`, bring
/// nobody (a rate so low that even a launch expecting a user can draw none): its
/// metrics would be undefined. The draws are those the launch makes.
pub(crate) fn check_launch_draws_users(
    model: &Model,
    seed: u64,
    days: u32,
) -> Result<(), SimulateError> {
    if (0..days).any(|day| signups(model, seed, day) > 0) {
        return Ok(());
    }
    let expected: f64 = (0..days).map(|day| expected_signups(model, day)).sum();
    Err(SimulateError::Population(format!(
        "launch: the {days}-day launch of scenario '{}' drew no signups with seed {seed} \
         ({expected:.1} expected; arrivals are Poisson), so there is no metric to report: \
         lengthen the launch, raise arrivals.rate, or use another seed",
        model.scenario().name
    )))
}

/// A cohort of `population`, checked first ([`Population::check`]), and the
/// calendar days it takes to finish.
pub(crate) fn start(
    model: Arc<Model>,
    seed: u64,
    population: Population,
) -> Result<(Cohort, u32), SimulateError> {
    population.check(&model)?;
    if let Population::Launch { days } = population {
        check_launch_draws_users(&model, seed, days)?;
    }
    Ok(match population {
        Population::Cohort { users } => {
            let days = model.horizon();
            (Cohort::fixed(model, seed, users), days)
        }
        Population::Launch { days } => {
            let total = days + model.horizon();
            (Cohort::launch(model, seed, days), total)
        }
    })
}
