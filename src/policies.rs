//! Policies named on the command line: an action (constant policy: a lever, levers
//! of different kinds joined by `+`, a joint action's name or `nothing`), `random`,
//! a saved learner (a DQN checkpoint `*.ot` or an agent state `*.agent.ron`, as
//! `onboard train` writes them), which acts frozen, or a path to an agent file in
//! RON (any [`AgentConfig`]: a rule schedule, a bandit, DQN, …), as configured.

use anyhow::{Context, Result, bail};
use onboard_agents::baselines::{ConstantPolicy, RandomPolicy};
use onboard_agents::{AgentConfig, Policy, describe_options, is_saved_agent, load_agent};
use onboard_envs::{Model, find_action};
use std::path::Path;

/// The policy `spec` names for `model`; `seed` drives a random policy's choices.
///
/// A saved learner must fit the scenario: the same number of actions, and for the
/// agents whose actions depend on the observation (everything but the context-free
/// bandits and the constant and random baselines), the same observation width.
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
        let learner = load_agent(path)?;
        let features = model.layout().len();
        if learner.n_actions() != actions.len() {
            bail!(
                "{spec}: the saved {} chooses among {} actions, scenario '{}' has {}",
                learner.name(),
                learner.n_actions(),
                scenario.name,
                actions.len()
            );
        }
        if let Some(width) = learner.features().filter(|&width| width != features) {
            bail!(
                "{spec}: the saved {} reads {width} observation features, scenario '{}' has {features}",
                learner.name(),
                scenario.name
            );
        }
        let frozen: Box<dyn Policy> = learner.frozen();
        return Ok(frozen);
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
