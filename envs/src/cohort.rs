//! The batched cohort stepper: every live user steps one day at a time, in parallel.
//!
//! Storage is struct-of-arrays at the level that matters for speed: users, the
//! observation matrix (one row per live user, ready for batched inference) and the
//! day's outcomes are separate contiguous arrays. Each user is stepped by
//! [`step_user`], the same function the single-user environment calls.
//!
//! Users are kept in signup order, so the users of one signup day (a *cohort
//! bucket*, all the same age) are contiguous. Each day, each bucket is cut into
//! fixed-size chunks stepped in parallel with rayon; every chunk sums its metrics
//! and the sums are merged in chunk order. Since each user-day draws from its own
//! keyed stream and the chunking does not depend on the thread count, results are
//! bit-identical whatever the number of threads.

use crate::arrivals::signups;
use crate::dynamics::{DayOutcome, step_user};
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
    users: Vec<User>,
    /// Row-major `users.len() × features` observations at the start of the day.
    observations: Vec<f32>,
    /// Observations after the day's step, same rows.
    next_observations: Vec<f32>,
    outcomes: Vec<DayOutcome>,
    buckets: VecDeque<Bucket>,
    completed: CohortMetrics,
    /// The last step's finished users are still in the arrays.
    pending_removal: bool,
}

/// One day of experience for every user who was live: `(s, a, r, s', terminated,
/// truncated)` row by row, as a learner consumes it.
pub struct Transitions<'a> {
    /// Observations before the day.
    pub observations: ArrayView2<'a, f32>,
    /// Observations after the day (for finished users, their final observation).
    pub next_observations: ArrayView2<'a, f32>,
    /// What happened to each user; `reward`, `churned` (terminated) and `truncated`.
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
    /// before `days`; each is followed to churn or horizon.
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
            next_observations: Vec::new(),
            outcomes: Vec::new(),
            buckets: VecDeque::new(),
            completed: CohortMetrics::new(horizon),
            pending_removal: false,
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

    /// True when no user is live and no more will arrive.
    pub fn is_finished(&mut self) -> bool {
        self.remove_finished();
        self.users.is_empty() && self.no_more_signups()
    }

    fn no_more_signups(&self) -> bool {
        match self.signups {
            Signups::Fixed => true,
            Signups::Arrivals { until } => self.day >= until,
        }
    }

    /// The live users, in row order of [`Cohort::observations`].
    pub fn users(&mut self) -> &[User] {
        self.remove_finished();
        &self.users
    }

    /// One observation row per live user, for the policy to act on.
    pub fn observations(&mut self) -> ArrayView2<'_, f32> {
        self.remove_finished();
        matrix(&self.observations, self.model.layout().len())
    }

    /// Steps every live user one day, `actions[i]` for row `i` of the observations.
    pub fn step(&mut self, actions: &[usize]) -> Result<Transitions<'_>, StepError> {
        self.remove_finished();
        let n_actions = self.model.n_actions();
        if actions.len() != self.users.len() {
            return Err(StepError::BatchSize {
                expected: self.users.len(),
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
        self.next_observations.resize(self.observations.len(), 0.0);
        self.outcomes
            .resize(self.users.len(), DayOutcome::default());

        // Cut every bucket into chunks; each chunk is one parallel work item.
        let mut jobs = Vec::new();
        let mut users = self.users.as_mut_slice();
        let mut next = self.next_observations.as_mut_slice();
        let mut outcomes = self.outcomes.as_mut_slice();
        let mut actions = actions;
        for (b, bucket) in self.buckets.iter().enumerate() {
            let mut left = bucket.live;
            while left > 0 {
                let n = left.min(CHUNK);
                let (u, u_rest) = users.split_at_mut(n);
                let (o, o_rest) = next.split_at_mut(n * features);
                let (r, r_rest) = outcomes.split_at_mut(n);
                let (a, a_rest) = actions.split_at(n);
                jobs.push((b, u, o, r, a));
                (users, next, outcomes, actions) = (u_rest, o_rest, r_rest, a_rest);
                left -= n;
            }
        }
        let model = &*self.model;
        let sums: Vec<(usize, AgeTotals)> = jobs
            .into_par_iter()
            .map(|(bucket, users, next, outcomes, actions)| {
                let mut totals = AgeTotals::default();
                let rows = next.chunks_exact_mut(features);
                for (((user, row), outcome), &action) in
                    users.iter_mut().zip(rows).zip(outcomes).zip(actions)
                {
                    *outcome = step_user(model, user, action);
                    model.layout().write(user, row);
                    totals.record(user, outcome);
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
        self.day += 1;
        self.pending_removal = true;
        Ok(Transitions {
            observations: matrix(&self.observations, features),
            next_observations: matrix(&self.next_observations, features),
            outcomes: &self.outcomes,
            users: &self.users,
        })
    }

    /// Metrics of the users whose onboarding window is over (churned or at horizon
    /// for a whole signup day's bucket), merged in signup-day order.
    pub fn metrics(&mut self) -> &CohortMetrics {
        self.remove_finished();
        &self.completed
    }

    /// Users signed up so far.
    pub fn signed_up(&self) -> u64 {
        self.next_id
    }

    /// Drops the users who finished in the last step, closes empty buckets, and signs
    /// up the day's new users.
    fn remove_finished(&mut self) {
        if !self.pending_removal {
            return;
        }
        self.pending_removal = false;
        let features = self.model.layout().len();
        std::mem::swap(&mut self.observations, &mut self.next_observations);
        // Move each run of consecutive survivors down in one copy.
        let finished = |o: &DayOutcome| o.churned || o.truncated;
        let mut kept = 0;
        let mut row = 0;
        for bucket in &mut self.buckets {
            let end = row + bucket.live;
            let before = kept;
            while row < end {
                let start = row;
                while row < end && !finished(&self.outcomes[row]) {
                    row += 1;
                }
                if start != kept {
                    self.users.copy_within(start..row, kept);
                    let rows = start * features..row * features;
                    self.observations.copy_within(rows, kept * features);
                }
                kept += row - start;
                while row < end && finished(&self.outcomes[row]) {
                    row += 1;
                }
            }
            bucket.live = kept - before;
        }
        self.users.truncate(kept);
        self.observations.truncate(kept * features);
        while self.buckets.front().is_some_and(|b| b.live == 0) {
            if let Some(bucket) = self.buckets.pop_front() {
                self.completed.merge(&bucket.metrics);
            }
        }
        if !self.no_more_signups() {
            let arrivals = signups(&self.model, self.seed, self.day);
            self.sign_up(arrivals);
        }
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
        for (user, row) in self.users[first..]
            .iter()
            .zip(self.observations[first * features..].chunks_exact_mut(features))
        {
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
