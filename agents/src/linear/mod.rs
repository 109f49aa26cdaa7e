//! Linear contextual bandits deciding per user-day.
//!
//! Each arm `a` models the immediate reward as linear in the context,
//! `r ≈ θ_aᵀx`, fitted by ridge regression on the rows where `a` was played
//! (disjoint models: arms share no parameters). The context `x` of an
//! observation row is the row's features as `f64` followed by a constant 1, a
//! bias term, so `x` has `n_features + 1` entries. A row whose reward or features
//! are not finite carries no information and is skipped when learning.
//!
//! - [`LinUcb`]: disjoint LinUCB (Li, Chu, Langford & Schapire, 2010), the arm of
//!   highest upper confidence bound, deterministic.
//! - [`LinThompson`]: linear Thompson sampling (Agrawal & Goyal, 2013), the arm
//!   maximising a posterior draw, as probability matching with Monte-Carlo
//!   probabilities.
//!
//! Both keep their per-arm statistics in a [`Ridge`]; [`cholesky`] factors the
//! covariances linear Thompson sampling draws from. Every random draw comes from
//! the policy's own seeded generator. Frozen, both are [`RidgeGreedy`]: the arm of
//! highest ridge mean.

mod greedy;
mod lin_thompson;
mod linucb;
mod ridge;

pub use greedy::RidgeGreedy;
pub use lin_thompson::{LinThompson, LinThompsonConfig};
pub use linucb::{LinUcb, LinUcbConfig};
pub use ridge::{Ridge, cholesky};
