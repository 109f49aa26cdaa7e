//! Policies named on the command line: an action (constant policy: a lever, levers
//! of different kinds joined by `+`, a joint action's name or `nothing`), `random`,
//! a path to an agent file in RON (any [`AgentConfig`]: a rule schedule, a bandit,
//! DQN, …), or a DQN checkpoint (`.ot`), which acts greedily.

use anyhow::{Context, Result, bail};
use onboard_agents::baselines::{ConstantPolicy, RandomPolicy};
use onboard_agents::dqn::Dqn;
use onboard_agents::{AgentConfig, Policy, describe_options};
use onboard_envs::{Model, find_action};
use std::path::Path;

/// The policy `spec` names for `model`; `seed` drives a random policy's choices.
pub fn policy_from_spec(spec: &str, model: &Model, seed: u64) -> Result<Box<dyn Policy>> {
    let scenario = model.scenario();
    let actions = model.actions().names();
    if let Some(index) = find_action(actions, spec) {
        return Ok(Box::new(ConstantPolicy::new(spec, index, actions.len())));
    }
    if spec == "random" {
        return Ok(Box::new(RandomPolicy::new(actions.len(), seed)));
    }
    if spec.ends_with(".ot") {
        let mut dqn = Dqn::load(Path::new(spec))?;
        if dqn.n_actions() != actions.len() || dqn.features() != model.layout().len() {
            bail!(
                "{spec}: the checkpoint has {} actions and {} features, scenario '{}' has {} and {}",
                dqn.n_actions(),
                dqn.features(),
                scenario.name,
                actions.len(),
                model.layout().len()
            );
        }
        dqn.set_epsilon(Some(0.0));
        return Ok(Box::new(dqn));
    }
    if spec.ends_with(".ron") {
        let config = AgentConfig::from_file(Path::new(spec))?;
        let agent = config
            .build(model.layout(), actions, seed)
            .with_context(|| spec.to_string())?;
        return Ok(agent);
    }
    bail!(
        "unknown policy '{spec}': give an action of scenario '{}' ({}), 'random', an agent .ron file or a DQN checkpoint .ot file",
        scenario.name,
        describe_options(actions)
    )
}
