//! Policies named on the command line: an action (constant policy: a lever, levers
//! of different kinds joined by `+`, a joint action's name or `nothing`), `random`,
//! a saved learner (a DQN checkpoint `*.ot` or an agent state `*.agent.ron`, as
//! `onboard train` writes them), which acts frozen, or a path to an agent file in
//! RON (any [`AgentConfig`]: a rule schedule, a bandit, DQN, …), as configured.

use crate::train;
use anyhow::{Context, Result, bail};
use onboard_agents::baselines::{ConstantPolicy, RandomPolicy};
use onboard_agents::{
    AgentConfig, FrozenPolicy, Policy, SavedLearner, describe_options, is_saved_agent, load_saved,
};
use onboard_envs::{Model, RANDOM, find_action};
use std::path::Path;

/// Written before an agent configuration (`prior:agents/configs/linucb.ron`), runs
/// the untrained agent, acting on its prior, on purpose.
pub const PRIOR_PREFIX: &str = "prior:";

/// How tables and sentences name the policy of `spec`: a policy file by its file
/// name, anything else (a built-in name, a constant action) as it is.
pub fn policy_label(spec: &str) -> String {
    let path = Path::new(spec);
    match path.file_name() {
        Some(name) if path.is_file() => name.to_string_lossy().into_owned(),
        _ => spec.to_string(),
    }
}

/// The policy `spec` names for `model`: an action, `random`, a saved learner, or an
/// agent configuration. A configuration of an agent that learns is refused unless
/// written with [`PRIOR_PREFIX`]: untrained, it acts on its prior (LinUCB like
/// "nothing", DQN on random weights), which is rarely what a user means. `seed`
/// drives a random policy's choices. A saved learner must fit the scenario (see
/// [`frozen_from_file`]).
pub fn policy_from_spec(spec: &str, model: &Model, seed: u64) -> Result<Box<dyn Policy>> {
    let scenario = model.scenario();
    let actions = model.actions().names();
    if let Some(index) = find_action(actions, spec) {
        return Ok(Box::new(ConstantPolicy::new(spec, index, actions.len())));
    }
    if spec == RANDOM {
        return Ok(Box::new(RandomPolicy::new(actions.len(), seed)));
    }
    let (file, prior) = spec
        .strip_prefix(PRIOR_PREFIX)
        .map_or((spec, false), |file| (file, true));
    let path = Path::new(file);
    if is_saved_agent(path) && !prior {
        return Ok(frozen_from_file(path, model)?);
    }
    if file.ends_with(".ron") {
        let config = AgentConfig::from_file(path)?;
        if config.learns() && !prior {
            bail!(
                "{file}: an untrained {} configuration, which would act on its prior alone; \
                 train it first (onboard train {} --agent {file}) and give the \
                 checkpoint it writes, or write '{PRIOR_PREFIX}{file}' to run the prior \
                 on purpose",
                config.kind(),
                scenario.name
            );
        }
        let agent = config
            .build(model.layout(), actions, seed)
            .with_context(|| file.to_string())?;
        return Ok(agent);
    }
    bail!(
        "unknown policy '{spec}': give an action of scenario '{}' ({}), '{RANDOM}', a saved \
         learner (.ot or .agent.ron), a baseline agent file (.ron), or '{PRIOR_PREFIX}' and \
         a learning agent's file",
        scenario.name,
        describe_options(actions)
    )
}

/// The frozen policy of the learner saved at `path` (see [`is_saved_agent`]), checked
/// against `model` as a per-day policy: it decides each user-day among the
/// scenario's actions, by name (a learner trained `--at-signup` chooses journeys and
/// is refused), and for the agents whose actions depend on the observation, reads
/// observations of the same width. A file of an earlier version, which does not
/// record what it decides, is checked by its number of actions.
pub fn frozen_from_file(path: &Path, model: &Model) -> Result<Box<dyn FrozenPolicy>> {
    let SavedLearner { learner, decisions } = load_saved(path)?;
    let (scenario, actions, features) = (model.scenario(), model.n_actions(), model.layout().len());
    let expected = train::decisions(model, false);
    match decisions {
        Some(decisions) if decisions.at_signup => bail!(
            "{}: the saved {} was trained to choose once per user at signup (train              --at-signup) among {}; it is not a policy for each user-day",
            path.display(),
            learner.name(),
            decisions.describe(),
        ),
        Some(decisions) if decisions != expected => bail!(
            "{}: the saved {} chooses among {}, scenario '{}' has {}",
            path.display(),
            learner.name(),
            decisions.describe(),
            scenario.name,
            expected.describe(),
        ),
        _ => {}
    }
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
