//! The one list of agent kinds. A kind is a type that acts and learns
//! ([`Learner`]) and says how it is built from its hyperparameters
//! ([`AgentKind`]); adding one is its own file plus one line in the list at the
//! end of this file, which makes its variant of [`AgentConfig`] (the RON file's
//! `Kind(…)`) and, for a state saved as RON, of [`AgentState`].

use crate::bandits::{
    BetaThompson, BetaThompsonConfig, EpsilonGreedy, EpsilonGreedyConfig, Exp3, Exp3Config,
    GaussianThompson, GaussianThompsonConfig, Ucb1, Ucb1Config,
};
use crate::baselines::{ConstantConfig, ConstantPolicy, RandomPolicy, RulePolicy, RuleSchedule};
use crate::dqn::{Dqn, DqnConfig};
use crate::error::AgentError;
use crate::linear::{LinThompson, LinThompsonConfig, LinUcb, LinUcbConfig};
use crate::policy::Learner;
use crate::state::{CHECKPOINT_EXTENSION, STATE_EXTENSION};
use crate::tabular::{QLearning, QLearningConfig};
use onboard_envs::ObservationLayout;
use serde::{Deserialize, Serialize};

/// What the agent is built for: the observations' layout, the options it chooses
/// among (a scenario's joint action names, or its journey names when deciding once
/// per user), and the seed of its randomness.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// Names and positions of the observation features.
    pub layout: &'a ObservationLayout,
    /// The options, by name.
    pub options: &'a [String],
    /// Fixes the agent's randomness.
    pub seed: u64,
}

/// A kind of agent: its hyperparameters, its name, and how it is checked and built.
pub trait AgentKind: Learner + Sized + 'static {
    /// The hyperparameters, as its RON file holds them (`()` for none).
    type Config;
    /// A short name of the kind, for tables and file names.
    const KIND: &'static str;
    /// Whether the agent learns from what it sees; untrained, such an agent acts on
    /// its prior.
    const LEARNS: bool = true;

    /// Checks the hyperparameters; the error names the field.
    fn validate(config: &Self::Config) -> Result<(), AgentError>;

    /// The transitions the agent must see before it takes its first learning
    /// step, or why it never would; most learn from the first.
    fn transitions_before_learning(_config: &Self::Config) -> Result<u64, String> {
        Ok(1)
    }

    /// The agent for `context`; unknown names are errors.
    fn build(config: &Self::Config, context: BuildContext<'_>) -> Result<Self, AgentError>;
}

/// Declares [`AgentConfig`], [`AgentState`] and their dispatch from one list of
/// kinds: those whose state is saved as RON, those saved as a libtorch checkpoint,
/// and those without hyperparameters (a bare `Kind` in RON).
macro_rules! agent_kinds {
    (
        saved as RON { $( $(#[$doc:meta])* $variant:ident($config:ty) => $agent:ty, )* }
        saved as a checkpoint { $( $(#[$cdoc:meta])* $cvariant:ident($cconfig:ty) => $cagent:ty, )* }
        without hyperparameters { $( $(#[$udoc:meta])* $uvariant:ident => $uagent:ty, )* }
    ) => {
        /// Any agent, by kind, with its hyperparameters. In RON the kind wraps the
        /// fields directly, e.g. `LinUcb(alpha: 1.0, regularization: 1.0)` or
        /// `Constant(action: "email+recs")`; a kind without hyperparameters is bare
        /// (`Random`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub enum AgentConfig {
            $( $(#[$doc])* $variant($config), )*
            $( $(#[$cdoc])* $cvariant($cconfig), )*
            $( $(#[$udoc])* $uvariant, )*
        }

        impl AgentConfig {
            /// Whether the agent learns from what it sees: every agent but the
            /// constant, random and rule-schedule baselines. Untrained, such an agent
            /// acts on its prior.
            pub fn learns(&self) -> bool {
                match self {
                    $( Self::$variant(_) => <$agent as AgentKind>::LEARNS, )*
                    $( Self::$cvariant(_) => <$cagent as AgentKind>::LEARNS, )*
                    $( Self::$uvariant => <$uagent as AgentKind>::LEARNS, )*
                }
            }

            /// A short name of the kind, for tables and file names.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => <$agent as AgentKind>::KIND, )*
                    $( Self::$cvariant(_) => <$cagent as AgentKind>::KIND, )*
                    $( Self::$uvariant => <$uagent as AgentKind>::KIND, )*
                }
            }

            /// Checks the hyperparameters; the error names the field.
            pub fn validate(&self) -> Result<(), AgentError> {
                match self {
                    $( Self::$variant(config) => <$agent as AgentKind>::validate(config), )*
                    $( Self::$cvariant(config) => <$cagent as AgentKind>::validate(config), )*
                    $( Self::$uvariant => <$uagent as AgentKind>::validate(&()), )*
                }
            }

            /// For an agent that learns ([`Self::learns`]): the transitions it must see
            /// before its first learning step, or why it never would take one.
            pub fn transitions_before_learning(&self) -> Result<u64, String> {
                match self {
                    $( Self::$variant(config) => <$agent as AgentKind>::transitions_before_learning(config), )*
                    $( Self::$cvariant(config) => <$cagent as AgentKind>::transitions_before_learning(config), )*
                    $( Self::$uvariant => <$uagent as AgentKind>::transitions_before_learning(&()), )*
                }
            }

            /// Builds the agent for observations laid out by `layout`, choosing among
            /// `options` (a scenario's joint action names, or its journey names when
            /// deciding once per user); `seed` fixes its randomness. Unknown names
            /// are errors.
            pub fn build(
                &self,
                layout: &ObservationLayout,
                options: &[String],
                seed: u64,
            ) -> Result<Box<dyn Learner>, AgentError> {
                let context = BuildContext { layout, options, seed };
                Ok(match self {
                    $( Self::$variant(config) => Box::new(<$agent as AgentKind>::build(config, context)?), )*
                    $( Self::$cvariant(config) => Box::new(<$cagent as AgentKind>::build(config, context)?), )*
                    $( Self::$uvariant => Box::new(<$uagent as AgentKind>::build(&(), context)?), )*
                })
            }

            /// The extension of this agent's saved state: [`CHECKPOINT_EXTENSION`]
            /// for a libtorch checkpoint, [`STATE_EXTENSION`] for RON.
            pub fn state_extension(&self) -> &'static str {
                match self {
                    $( Self::$cvariant(_) => CHECKPOINT_EXTENSION, )*
                    _ => STATE_EXTENSION,
                }
            }
        }

        /// The state of any agent saved as RON, by kind.
        #[derive(Debug, Serialize, Deserialize)]
        pub(crate) enum AgentState {
            $( $variant($agent), )*
            $( $uvariant($uagent), )*
        }

        impl AgentState {
            /// The learner this state holds.
            pub(crate) fn into_learner(self) -> Box<dyn Learner> {
                match self {
                    $( Self::$variant(agent) => Box::new(agent), )*
                    $( Self::$uvariant(agent) => Box::new(agent), )*
                }
            }
        }
    };
}

agent_kinds! {
    saved as RON {
        /// Always the same option.
        Constant(ConstantConfig) => ConstantPolicy,
        /// A rule schedule on named features.
        Rules(RuleSchedule) => RulePolicy,
        /// ε-greedy bandit.
        EpsilonGreedy(EpsilonGreedyConfig) => EpsilonGreedy,
        /// UCB1 bandit.
        Ucb1(Ucb1Config) => Ucb1,
        /// Thompson sampling with Beta posteriors (rewards in `[0, 1]`).
        BetaThompson(BetaThompsonConfig) => BetaThompson,
        /// Thompson sampling with Normal posteriors.
        GaussianThompson(GaussianThompsonConfig) => GaussianThompson,
        /// EXP3 adversarial bandit.
        Exp3(Exp3Config) => Exp3,
        /// Disjoint LinUCB.
        LinUcb(LinUcbConfig) => LinUcb,
        /// Linear Thompson sampling.
        LinThompson(LinThompsonConfig) => LinThompson,
        /// Tabular Q-learning on binned features.
        QLearning(QLearningConfig) => QLearning,
    }
    saved as a checkpoint {
        /// Deep Q-learning.
        Dqn(DqnConfig) => Dqn,
    }
    without hyperparameters {
        /// Uniformly random options.
        Random => RandomPolicy,
    }
}
