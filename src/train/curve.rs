//! What training yields: the learning curve, the evaluations of frozen snapshots
//! and the chosen one.

use crate::journeys::JourneyRun;
use crate::simulate::Simulation;
use onboard_agents::FrozenPolicy;
use onboard_envs::{CohortMetrics, Estimate, Quantity};
use serde::{Deserialize, Serialize};

/// One point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Training cohort (1, 2, …) in episodic training; calendar day of the launch
    /// (0, 1, …) when learning online.
    pub step: u64,
    /// Users the learner acted for: the cohort's size, or the users in their
    /// window that day.
    pub users: u64,
    /// Training reward per user: summed over the horizon for a cohort; that day's
    /// reward per user in their window when learning online (NaN on a day without
    /// users).
    pub training_reward: f64,
    /// Where the policy was frozen after this step: its reward per user summed over
    /// the horizon on the validation cohort, with a 95 % interval.
    pub validation: Option<Estimate>,
    /// The same frozen policy on the test cohort.
    pub test: Option<Estimate>,
}

/// A frozen policy's run on an evaluation cohort.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    /// Deciding every user-day: the simulation, with per-user records and action mix.
    Daily(Simulation),
    /// Deciding once per user: the metrics and the journeys given, by signup day.
    Journeys(JourneyRun),
}

impl Evaluation {
    /// Cohort metrics by age.
    pub fn metrics(&self) -> &CohortMetrics {
        match self {
            Self::Daily(simulation) => &simulation.metrics,
            Self::Journeys(run) => &run.metrics,
        }
    }

    /// Reward per user summed over the horizon, with its 95 % interval.
    pub fn value(&self) -> Estimate {
        self.metrics().by_age().last().map_or(
            Estimate {
                mean: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
            },
            |age| age.to_date(Quantity::Reward),
        )
    }
}

/// What [`train_learner`] yielded.
pub struct Trained {
    /// The learning curve: one point per training cohort, or per calendar day online.
    pub curve: Vec<CurvePoint>,
    /// The chosen snapshot: the frozen policy of highest validation value.
    pub best: Box<dyn FrozenPolicy>,
    /// The curve step after which it was frozen.
    pub best_step: u64,
    /// Its value on the validation cohort.
    pub validation: Estimate,
    /// Its run on the test cohort: the result of the training.
    pub test: Evaluation,
}

impl Trained {
    /// The chosen snapshot's value on the test cohort, with its 95 % interval.
    pub fn test_value(&self) -> Estimate {
        self.test.value()
    }
}

impl std::fmt::Debug for Trained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trained")
            .field("curve", &self.curve)
            .field("best", &self.best.name())
            .field("best_step", &self.best_step)
            .field("validation", &self.validation)
            .field("test", &self.test_value())
            .finish()
    }
}

/// Whether the last point of `curve` is the best snapshot so far (of step
/// `best_step`): when a run keeps the learner's state as the chosen snapshot's.
pub fn ends_at_best(curve: &[CurvePoint], best_step: u64) -> bool {
    curve.last().is_some_and(|point| point.step == best_step)
}
