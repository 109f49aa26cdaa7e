//! Context-free multi-armed bandits deciding per user-day.
//!
//! Each bandit ignores the observation: every row of a batch gets the same
//! action probabilities, and it learns from the immediate reward of each
//! user-day (`experience.actions[i]`, `experience.rewards[i]`); a reward that is
//! not finite is skipped. One type per algorithm, each with its configuration:
//! [`EpsilonGreedy`], [`Ucb1`], [`BetaThompson`] and [`GaussianThompson`],
//! [`Exp3`], each built by `X::new(&config, n_actions, seed)` after the
//! configuration is validated. Every random draw comes from the policy's own
//! seeded generator.

mod arms;
mod epsilon_greedy;
mod exp3;
mod thompson;
mod ucb1;

pub use epsilon_greedy::{EpsilonGreedy, EpsilonGreedyConfig};
pub use exp3::{Exp3, Exp3Config};
pub use thompson::{BetaThompson, BetaThompsonConfig, GaussianThompson, GaussianThompsonConfig};
pub use ucb1::{Ucb1, Ucb1Config};
