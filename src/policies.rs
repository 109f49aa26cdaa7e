//! Policies named on the command line: an action name (constant policy), `random`,
//! or a path to a rule schedule in RON.

use anyhow::{Context, Result, bail};
use onboard_agents::Policy;
use onboard_agents::baselines::{ConstantPolicy, RandomPolicy, RulePolicy, RuleSchedule};
use onboard_envs::Model;
use std::path::Path;

/// The policy `spec` names for `model`; `seed` drives a random policy's choices.
pub fn policy_from_spec(spec: &str, model: &Model, seed: u64) -> Result<Box<dyn Policy>> {
    let scenario = model.scenario();
    let actions: Vec<String> = scenario.actions.iter().map(|a| a.name.clone()).collect();
    if let Some(index) = scenario.action_index(spec) {
        return Ok(Box::new(ConstantPolicy::new(spec, index, actions.len())));
    }
    if spec == "random" {
        return Ok(Box::new(RandomPolicy::new(actions.len(), seed)));
    }
    if spec.ends_with(".ron") {
        let path = Path::new(spec);
        let text = std::fs::read_to_string(path).with_context(|| format!("{spec}: cannot read"))?;
        let schedule: RuleSchedule = onboard_agents::from_ron(&text, spec)?;
        let policy = RulePolicy::new(&schedule, model.layout(), &actions)
            .with_context(|| spec.to_string())?;
        return Ok(Box::new(policy));
    }
    bail!(
        "unknown policy '{spec}': give an action of scenario '{}' ({}), 'random', or a rule schedule .ron file",
        scenario.name,
        actions.join(", ")
    )
}
