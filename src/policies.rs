//! Policies named on the command line: an action (constant policy: a lever, levers
//! of different kinds joined by `+`, a joint action's name or `nothing`), `random`,
//! a saved learner (a DQN checkpoint `*.ot` or an agent state `*.agent.ron`, as
//! `onboard train` writes them), which acts frozen, or a path to an agent file in
//! RON (any [`AgentConfig`]: a rule schedule, a bandit, DQN, …), as configured.

use anyhow::{Context, Result, bail};
use onboard_agents::baselines::{ConstantPolicy, RandomPolicy};
use onboard_agents::{
    AgentConfig, FrozenPolicy, Policy, describe_options, is_saved_agent, load_agent,
};
use onboard_envs::{Model, find_action};
use std::path::Path;

/// The policy `spec` names for `model`; `seed` drives a random policy's choices.
/// A saved learner must fit the scenario (see [`frozen_from_file`]).
pub fn policy_from_spec(spec: &str, model: &Model, seed: u64) -> Result<Box<dyn Policy>> {
    let scenario = model.scenario();
    let actions = model.actions().names();
    if let Some(index) = find_action(actions, spec) {
        return Ok(Box::new(ConstantPolicy::new(spec, index, actions.len())));
    }
    if spec == "random" {
        return Ok(Box::new(RandomPolicy::new(actions.len(), seed)));
    }
    let path = Path::new(spec);
    if is_saved_agent(path) {
        return Ok(frozen_from_file(path, model)?);
    }
    if spec.ends_with(".ron") {
        let config = AgentConfig::from_file(path)?;
        let agent = config
            .build(model.layout(), actions, seed)
            .with_context(|| spec.to_string())?;
        return Ok(agent);
    }
    bail!(
        "unknown policy '{spec}': give an action of scenario '{}' ({}), 'random', an agent .ron file or a saved learner (.ot or .agent.ron)",
        scenario.name,
        describe_options(actions)
    )
}

/// The frozen policy of the learner saved at `path` (see [`is_saved_agent`]), checked
/// against `model`: the same number of actions, and for the agents whose actions
/// depend on the observation, the same observation width.
pub fn frozen_from_file(path: &Path, model: &Model) -> Result<Box<dyn FrozenPolicy>> {
    let learner = load_agent(path)?;
    let (scenario, actions, features) = (model.scenario(), model.n_actions(), model.layout().len());
    if learner.n_actions() != actions {
        bail!(
            "{}: the saved {} chooses among {} actions, scenario '{}' has {actions}",
            path.display(),
            learner.name(),
            learner.n_actions(),
            scenario.name,
        );
    }
    if let Some(width) = learner.features().filter(|&width| width != features) {
        bail!(
            "{}: the saved {} reads {width} observation features, scenario '{}' has {features}",
            path.display(),
            learner.name(),
            scenario.name
        );
    }
    Ok(learner.frozen())
}
