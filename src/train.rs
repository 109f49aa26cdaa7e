//! Training: a learner acts on simulated users and learns from what follows; at
//! every evaluation point its frozen copy ([`Learner::frozen`]) is evaluated on
//! fresh users, and the best snapshot is kept.
//!
//! One loop, [`train_learner`], serves every mode:
//!
//! - *episodic* (the default): the learner trains on cohorts of users who all sign
//!   up on day 0, one cohort per training seed;
//! - *online* (a launch simulation): users keep arriving for a number of days while
//!   the learner acts and learns every calendar day; the curve is by calendar day.
//!
//! Either way the learner decides for every user in their window every day, or, with
//! `decide_at_signup`, once per user at signup among the scenario's journey
//! templates ([`OncePerUser`]), learning from each user's whole-window reward.
//!
//! **Model selection without selection bias.** Every `eval_every` steps (and after
//! the last) the learner is frozen and the frozen copy is evaluated on two fresh
//! cohorts of `eval_users` users: the *validation* cohort, which chooses the
//! snapshot, and the *test* cohort, which reports it. The snapshot kept is the one
//! of highest validation value (the earliest on ties), as frozen then; the result
//! is its value on the test cohort, which played no part in choosing it. The seeds
//! come from [`RunSeeds`], the tool's one seed rule: no validation or test user is
//! ever a training user, and every evaluation point meets the same validation and
//! test users (common random numbers), so the points differ only by the policy.
//! The same plan and seeds give bit-identical curves.
//!
//! [`train_agent`] is `onboard train`: the same loop, writing the learning curve,
//! the learner's state at every evaluation point and, at the end, the chosen
//! snapshot's test evaluation, charts and report (see [`outputs`]).

mod command;
mod curve;
pub mod outputs;
mod plan;
pub mod resume;
mod seeds;
mod trainer;

pub use command::{
    TrainOptions, TrainOutcome, build_learner, decisions, resume_training, train_agent,
};
pub use curve::{CurvePoint, Evaluation, Trained, ends_at_best};
pub use plan::TrainingPlan;
pub use seeds::RunSeeds;
pub use trainer::{Hooks, OnEvaluation, ResumePoint, train_learner, train_learner_with};
