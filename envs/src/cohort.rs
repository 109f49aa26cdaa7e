//! The batched cohort stepper: every user in their window steps one day at a time, in parallel.
//!
//! Storage is struct-of-arrays at the level that matters for speed: users, the
//! observation matrix (one row per user, ready for batched inference) and the
//! day's outcomes are separate contiguous arrays. Each user is stepped by
//! [`step_user`], the same function the single-user environment calls.
//!
//! Users are kept in signup order, so the users of one signup day (a *cohort
//! bucket*, all the same age) are contiguous. Every user stays to the horizon (a
//! churned user stays as a dormant row), so users leave only as a whole bucket, the
//! oldest, at the front. Each day, each bucket is cut into fixed-size chunks stepped
//! in parallel with rayon; every chunk sums its metrics and the sums are merged in
//! chunk order. Since each user-day draws from its own keyed stream and the chunking
//! does not depend on the thread count, results are bit-identical whatever the
//! number of threads.
//!
//! [`Cohort::step`] is the only method that changes the cohort: it simulates the
//! day, then moves to the next one (the bucket that reached the horizon leaves, the
//! next day's signups arrive). Every other method only reads.

use crate::arrivals::signups;
use crate::dynamics::{DayOutcome, step_user_into};
use crate::error::StepError;
use crate::metrics::{AgeTotals, CohortMetrics};
use crate::model::Model;
use crate::user::User;
use ndarray::ArrayView2;
use rayon::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;

/// Users per parallel work item: large enough to amortise scheduling, small enough
/// to balance a day's work over the threads.
const CHUNK: usize = 2048;

/// Users who signed up on the same day: all the same age, contiguous in the arrays.
#[derive(Debug, Clone)]
struct Bucket {
    age: u32,
    live: usize,
    metrics: CohortMetrics,
}

/// Where new users come from.
#[derive(Debug, Clone, Copy)]
enum Signups {
    /// A fixed number of users, all on day 0.
    Fixed,
    /// Poisson arrivals on every calendar day before `until`.
    Arrivals { until: u32 },
}

/// The batched stepper over a population of users.
pub struct Cohort {
    model: Arc<Model>,
    seed: u64,
    signups: Signups,
    /// Calendar day of the next step.
    day: u32,
    next_id: u64,
    /// Rows `0..finished` are the users who ended their window in the last step,
    /// kept for its [`Transitions`]; the live rows follow, in signup order.
    users: Vec<User>,
    /// Row-major `users.len() × features` observations at the start of the day.
    observations: Vec<f32>,
    /// The observations before the last step, its rows only.
    previous: Vec<f32>,
    outcomes: Vec<DayOutcome>,
    /// Leading rows of the arrays that left in the last step.
    finished: usize,
    buckets: VecDeque<Bucket>,
    completed: CohortMetrics,
}

/// One day of experience for every user who was stepped: `(s, a, r, s', terminated,
/// truncated)` row by row, as a learner consumes it.
pub struct Transitions<'a> {
    /// Observations before the day.
    pub observations: ArrayView2<'a, f32>,
    /// Observations after the day (for users whose window ended, their final one).
    pub next_observations: ArrayView2<'a, f32>,
    /// What happened to each user; `reward` and `truncated` (the window ended).
    pub outcomes: &'a [DayOutcome],
    /// Each user after the day (state and running totals), row by row.
    pub users: &'a [User],
}

impl Cohort {
    /// `users` users who all sign up on day 0, with ids `0..users`.
    pub fn fixed(model: Arc<Model>, seed: u64, users: usize) -> Self {
        let mut cohort = Self::empty(model, seed, Signups::Fixed);
        cohort.sign_up(users as u64);
        cohort
    }

    /// A launch: users arrive by the scenario's Poisson process on each calendar day
    /// before `days`; each is followed to the horizon.
    pub fn launch(model: Arc<Model>, seed: u64, days: u32) -> Self {
        let mut cohort = Self::empty(model, seed, Signups::Arrivals { until: days });
        if days > 0 {
            let arrivals = signups(&cohort.model, seed, 0);
            cohort.sign_up(arrivals);
        }
        cohort
    }

    fn empty(model: Arc<Model>, seed: u64, signups: Signups) -> Self {
        let horizon = model.horizon();
        Self {
            model,
            seed,
            signups,
            day: 0,
            next_id: 0,
            users: Vec::new(),
            observations: Vec::new(),
            previous: Vec::new(),
            outcomes: Vec::new(),
            finished: 0,
            buckets: VecDeque::new(),
            completed: CohortMetrics::new(horizon),
        }
    }

    /// The compiled scenario.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Calendar day of the next step.
    pub fn day(&self) -> u32 {
        self.day
    }

    /// True when no user is in their window and no more will arrive.
    pub fn is_finished(&self) -> bool {
        self.users.len() == self.finished && self.no_more_signups()
    }

    fn no_more_signups(&self) -> bool {
        match self.signups {
            Signups::Fixed => true,
            Signups::Arrivals { until } => self.day >= until,
        }
    }

    /// The users in their window, in row order of [`Cohort::observations`].
    pub fn users(&self) -> &[User] {
        &self.users[self.finished..]
    }

    /// One observation row per user in their window, for the policy to act on.
    pub fn observations(&self) -> ArrayView2<'_, f32> {
        let features = self.model.layout().len();
        matrix(&self.observations[self.finished * features..], features)
    }

    /// Steps every user in their window one day, `actions[i]` for row `i` of the
    /// observations, then moves to the next day: users whose window ended leave, the
    /// next day's signups arrive.
    pub fn step(&mut self, actions: &[usize]) -> Result<Transitions<'_>, StepError> {
        let n_actions = self.model.n_actions();
        if actions.len() != self.users.len() - self.finished {
            return Err(StepError::BatchSize {
                expected: self.users.len() - self.finished,
                got: actions.len(),
            });
        }
        if let Some(&action) = actions.iter().find(|&&a| a >= n_actions) {
            return Err(StepError::UnknownAction {
                action,
                count: n_actions,
            });
        }
        let features = self.model.layout().len();
        if self.finished > 0 {
            self.users.drain(..self.finished);
            self.observations.drain(..self.finished * features);
            self.finished = 0;
        }
        self.previous.resize(self.observations.len(), 0.0);
        self.outcomes
            .resize(self.users.len(), DayOutcome::default());

        // Cut every bucket into chunks; each chunk is one parallel work item. The
        // new observations go to `previous`, swapped with `observations` below.
        let mut jobs =
            Vec::with_capacity(self.buckets.iter().map(|b| b.live.div_ceil(CHUNK)).sum());
        let mut users = self.users.as_mut_slice();
        let mut today = self.observations.as_slice();
        let mut rows = self.previous.as_mut_slice();
        let mut outcomes = self.outcomes.as_mut_slice();
        let mut actions = actions;
        for (b, bucket) in self.buckets.iter().enumerate() {
            let mut left = bucket.live;
            while left > 0 {
                let n = left.min(CHUNK);
                let (u, u_rest) = users.split_at_mut(n);
                let (t, t_rest) = today.split_at(n * features);
                let (o, o_rest) = rows.split_at_mut(n * features);
                let (r, r_rest) = outcomes.split_at_mut(n);
                let (a, a_rest) = actions.split_at(n);
                jobs.push((b, u, t, o, r, a));
                (users, today, rows, outcomes, actions) = (u_rest, t_rest, o_rest, r_rest, a_rest);
                left -= n;
            }
        }
        let model = &*self.model;
        // Everyone's next calendar day is the cohort's.
        let weekday = ((self.day + 1) % 7) as usize;
        let sums: Vec<(usize, AgeTotals)> = jobs
            .into_par_iter()
            .map(|(bucket, users, today, rows, outcomes, actions)| {
                let mut totals = AgeTotals::default();
                let rows = today
                    .chunks_exact(features)
                    .zip(rows.chunks_exact_mut(features));
                let days = users.iter_mut().zip(outcomes).zip(actions);
                for (((user, outcome), &action), (yesterday, row)) in days.zip(rows) {
                    let before = user.state.last_action;
                    let idle = step_user_into(model, user, action, outcome);
                    model
                        .layout()
                        .advance(user, before, weekday, yesterday, row);
                    match idle {
                        Some(lapsed) => totals.record_idle(user, lapsed),
                        None => totals.record(user, outcome),
                    }
                }
                (bucket, totals)
            })
            .collect();
        for (bucket, totals) in &sums {
            let bucket = &mut self.buckets[*bucket];
            bucket.metrics.add(bucket.age, totals);
        }
        for bucket in &mut self.buckets {
            bucket.age += 1;
        }
        std::mem::swap(&mut self.observations, &mut self.previous);
        let stepped = self.users.len();
        let horizon = self.model.horizon();
        while self.buckets.front().is_some_and(|b| b.age >= horizon) {
            if let Some(bucket) = self.buckets.pop_front() {
                self.finished += bucket.live;
                self.completed.merge(&bucket.metrics);
            }
        }
        self.day += 1;
        if !self.no_more_signups() {
            let arrivals = signups(&self.model, self.seed, self.day);
            self.sign_up(arrivals);
        }
        Ok(Transitions {
            observations: matrix(&self.previous[..stepped * features], features),
            next_observations: matrix(&self.observations[..stepped * features], features),
            outcomes: &self.outcomes[..stepped],
            users: &self.users[..stepped],
        })
    }

    /// Metrics of the users whose onboarding window is over, merged in signup-day
    /// order.
    pub fn metrics(&self) -> &CohortMetrics {
        &self.completed
    }

    /// Users signed up so far.
    pub fn signed_up(&self) -> u64 {
        self.next_id
    }

    /// Appends `count` new users signing up today, as a new bucket.
    fn sign_up(&mut self, count: u64) {
        let features = self.model.layout().len();
        let mut metrics = CohortMetrics::new(self.model.horizon());
        metrics.add_users(count);
        let first = self.users.len();
        self.users.extend(
            (0..count)
                .map(|i| User::sign_up(&self.model, self.seed, self.next_id + i, self.day, None)),
        );
        self.next_id += count;
        self.observations.resize(self.users.len() * features, 0.0);
        let rows = self.observations[first * features..].chunks_exact_mut(features);
        for (user, row) in self.users[first..].iter().zip(rows) {
            self.model.layout().write(user, row);
        }
        let bucket = Bucket {
            age: 0,
            live: count as usize,
            metrics,
        };
        if count == 0 {
            self.completed.merge(&bucket.metrics);
        } else {
            self.buckets.push_back(bucket);
        }
    }
}

fn matrix(values: &[f32], features: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((values.len() / features, features), values)
        .expect("observation storage is always whole rows")
}
