//! One RON file for any agent: [`AgentConfig`] names the kind of agent and holds its
//! hyperparameters, and builds it for a scenario's features and options.

use crate::bandits::{
    BetaThompson, BetaThompsonConfig, EpsilonGreedy, EpsilonGreedyConfig, Exp3, Exp3Config,
    GaussianThompson, GaussianThompsonConfig, Ucb1, Ucb1Config,
};
use crate::baselines::{ConstantPolicy, RandomPolicy, RulePolicy, RuleSchedule};
use crate::dqn::{Dqn, DqnConfig};
use crate::error::{AgentError, from_ron};
use crate::linear::{LinThompson, LinThompsonConfig, LinUcb, LinUcbConfig};
use crate::options::resolve;
use crate::policy::Learner;
use crate::tabular::{QLearning, QLearningConfig};
use onboard_envs::ObservationLayout;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Any agent, by kind, with its hyperparameters. In RON the kind wraps the fields
/// directly, e.g. `LinUcb(alpha: 1.0, regularization: 1.0)` or `Constant(action:
/// "email+recs")`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgentConfig {
    /// Always the same option.
    Constant {
        /// The option: a joint action (a lever, levers joined by `+`, or `nothing`),
        /// or a journey template's name.
        action: String,
    },
    /// Uniformly random options.
    Random,
    /// A rule schedule on named features.
    Rules(RuleSchedule),
    /// ε-greedy bandit.
    EpsilonGreedy(EpsilonGreedyConfig),
    /// UCB1 bandit.
    Ucb1(Ucb1Config),
    /// Thompson sampling with Beta posteriors (rewards in `[0, 1]`).
    BetaThompson(BetaThompsonConfig),
    /// Thompson sampling with Normal posteriors.
    GaussianThompson(GaussianThompsonConfig),
    /// EXP3 adversarial bandit.
    Exp3(Exp3Config),
    /// Disjoint LinUCB.
    LinUcb(LinUcbConfig),
    /// Linear Thompson sampling.
    LinThompson(LinThompsonConfig),
    /// Tabular Q-learning on binned features.
    QLearning(QLearningConfig),
    /// Deep Q-learning.
    Dqn(DqnConfig),
}

impl AgentConfig {
    /// Parses and validates RON text; errors name `origin`, the line and the field.
    pub fn from_ron(text: &str, origin: &str) -> Result<Self, AgentError> {
        let config: Self = from_ron(text, origin)?;
        config.validate().map_err(|error| match error {
            AgentError::Invalid { path, rule } => AgentError::Invalid {
                path: format!("{origin}: {path}"),
                rule,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Reads, parses and validates a RON file.
    pub fn from_file(path: &Path) -> Result<Self, AgentError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| AgentError::Invalid {
            path: origin.clone(),
            rule: format!("cannot be read: {e}"),
        })?;
        Self::from_ron(&text, &origin)
    }

    /// Whether the agent learns from what it sees: every agent but the constant,
    /// random and rule-schedule baselines. Untrained, such an agent acts on its prior.
    pub fn learns(&self) -> bool {
        !matches!(self, Self::Constant { .. } | Self::Random | Self::Rules(_))
    }

    /// A short name of the kind, for tables and file names.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Constant { .. } => "constant",
            Self::Random => "random",
            Self::Rules(_) => "rules",
            Self::EpsilonGreedy(_) => "epsilon-greedy",
            Self::Ucb1(_) => "ucb1",
            Self::BetaThompson(_) => "beta-thompson",
            Self::GaussianThompson(_) => "gaussian-thompson",
            Self::Exp3(_) => "exp3",
            Self::LinUcb(_) => "linucb",
            Self::LinThompson(_) => "lin-thompson",
            Self::QLearning(_) => "q-learning",
            Self::Dqn(_) => "dqn",
        }
    }

    /// Checks the hyperparameters; the error names the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        match self {
            Self::Constant { .. } | Self::Random | Self::Rules(_) => Ok(()),
            Self::EpsilonGreedy(c) => c.validate(),
            Self::Ucb1(c) => c.validate(),
            Self::BetaThompson(c) => c.validate(),
            Self::GaussianThompson(c) => c.validate(),
            Self::Exp3(c) => c.validate(),
            Self::LinUcb(c) => c.validate(),
            Self::LinThompson(c) => c.validate(),
            Self::QLearning(c) => c.validate(),
            Self::Dqn(c) => c.validate(),
        }
    }

    /// Builds the agent for observations laid out by `layout`, choosing among
    /// `options` (a scenario's joint action names, or its journey names when deciding
    /// once per user); `seed` fixes its randomness. Unknown names are errors.
    pub fn build(
        &self,
        layout: &ObservationLayout,
        options: &[String],
        seed: u64,
    ) -> Result<Box<dyn Learner>, AgentError> {
        let n = options.len();
        let features = layout.len();
        Ok(match self {
            Self::Constant { action } => {
                let index = resolve(options, action, "action".to_string(), "option")?;
                Box::new(ConstantPolicy::new(action.clone(), index, n))
            }
            Self::Random => Box::new(RandomPolicy::new(n, seed)),
            Self::Rules(schedule) => Box::new(RulePolicy::new(schedule, layout, options)?),
            Self::EpsilonGreedy(c) => Box::new(EpsilonGreedy::new(c, n, seed)?),
            Self::Ucb1(c) => Box::new(Ucb1::new(c, n)?),
            Self::BetaThompson(c) => Box::new(BetaThompson::new(c, n, seed)?),
            Self::GaussianThompson(c) => Box::new(GaussianThompson::new(c, n, seed)?),
            Self::Exp3(c) => Box::new(Exp3::new(c, n, seed)?),
            Self::LinUcb(c) => Box::new(LinUcb::new(c, features, n)?),
            Self::LinThompson(c) => Box::new(LinThompson::new(c, features, n, seed)?),
            Self::QLearning(c) => Box::new(QLearning::new(c, layout.names(), n, seed)?),
            Self::Dqn(c) => Box::new(Dqn::for_actions(c, features, options, seed)?.guided(layout)?),
        })
    }
}
