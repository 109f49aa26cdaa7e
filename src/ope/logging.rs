//! Logs of a behaviour policy on a simulated cohort: one row per user-day decision,
//! with the propensity the action was drawn with.

use crate::ab::run::derive_seed;
use crate::simulate::{Population, start};
use ndarray::{Array2, ArrayView2};
use onboard_agents::{Policy, PolicyRng, policy_rng};
use onboard_envs::{Cohort, Model, User};
use onboard_ope::LogRow;
use rand::RngExt;
use std::sync::Arc;

/// The behaviour of a log: a policy, mixed with the uniform policy at rate
/// `epsilon` so that every action keeps a chance (support for other policies).
pub struct Behaviour<'a> {
    /// The policy whose probabilities are mixed.
    pub policy: &'a mut dyn Policy,
    /// Share of uniform exploration, in [0, 1].
    pub epsilon: f64,
}

impl Behaviour<'_> {
    /// Writes the behaviour's probabilities of every action on `observations`.
    fn probabilities(&mut self, observations: ArrayView2<'_, f32>, out: &mut Array2<f64>) {
        let n_actions = self.policy.n_actions();
        if out.dim() != (observations.nrows(), n_actions) {
            *out = Array2::zeros((observations.nrows(), n_actions));
        }
        self.policy.probabilities(observations, out.view_mut());
        if self.epsilon > 0.0 {
            let uniform = self.epsilon / n_actions as f64;
            out.mapv_inplace(|p| (1.0 - self.epsilon) * p + uniform);
        }
    }
}

/// Draws one action per row of `probabilities` by inversion; rounding can leave the
/// cumulative sum short of the uniform draw, and then the last action of positive
/// probability is taken, so a drawn action never has probability 0.
fn draw(probabilities: &Array2<f64>, rng: &mut PolicyRng, actions: &mut Vec<usize>) {
    actions.clear();
    for row in probabilities.rows() {
        let u: f64 = rng.random();
        let mut total = 0.0;
        let mut chosen = row.iter().rposition(|&p| p > 0.0).unwrap_or(0);
        for (a, &p) in row.iter().enumerate() {
            total += p;
            if u < total && p > 0.0 {
                chosen = a;
                break;
            }
        }
        actions.push(chosen);
    }
}

/// What each step of a logging run shows an observer before the step is taken:
/// the users as they stand, their observations, and the actions drawn.
pub struct StepView<'a> {
    /// The model simulated.
    pub model: &'a Model,
    /// The users deciding today, before the day.
    pub users: &'a [User],
    /// Their observations.
    pub observations: ArrayView2<'a, f32>,
}

/// Simulates `users` users signing up on day 0 under `behaviour`, drawing actions
/// with a generator seeded by `seed` (apart from the environment's streams), and
/// hands every decision to `sink`, day by day; `before_step` sees each day before it
/// is taken (the off-policy benchmark steps copies of the users there). Returns
/// the number of rows.
pub fn simulate_log(
    model: Arc<Model>,
    seed: u64,
    users: usize,
    behaviour: &mut Behaviour<'_>,
    mut before_step: impl FnMut(&StepView<'_>),
    mut sink: impl FnMut(&LogRow<'_>) -> anyhow::Result<()>,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<u64> {
    let (mut cohort, _days): (Cohort, u32) =
        start(model.clone(), seed, Population::Cohort { users })?;
    let mut rng = policy_rng(derive_seed(seed, &[LOG_STREAM]));
    let mut probabilities = Array2::zeros((0, 0));
    let mut actions = Vec::new();
    let mut rows = 0u64;
    while !cohort.is_finished() {
        let observations = cohort.observations();
        behaviour.probabilities(observations, &mut probabilities);
        draw(&probabilities, &mut rng, &mut actions);
        before_step(&StepView {
            model: &model,
            users: cohort.users(),
            observations,
        });
        let transitions = cohort.step(&actions)?;
        // `transitions.users` are the same users, row by row, a day older.
        for (i, (outcome, user)) in transitions
            .outcomes
            .iter()
            .zip(transitions.users)
            .enumerate()
        {
            sink(&LogRow {
                user: user.profile.id,
                signup_day: user.profile.signup_day,
                age: user.state.age - 1,
                features: transitions
                    .observations
                    .row(i)
                    .to_slice()
                    .ok_or_else(|| anyhow::anyhow!("observations are not contiguous"))?,
                action: actions[i],
                probabilities: probabilities
                    .row(i)
                    .to_slice()
                    .ok_or_else(|| anyhow::anyhow!("probabilities are not contiguous"))?,
                reward: outcome.reward,
                end: outcome.truncated,
            })?;
            rows += 1;
        }
        progress.inc(1);
    }
    Ok(rows)
}

/// The stream of the logging draws, apart from every stream of the environment.
const LOG_STREAM: u64 = 0x6c6f_6773;
