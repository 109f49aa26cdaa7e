//! Simulating the arms of an experiment, once for the analysis and many times over
//! for the power curve.

use super::experiment::{Assignment, Experiment};
use crate::policies::{frozen_from_file, policy_from_spec};
use crate::simulate::{Population, Simulation, UserRecord, simulate};
use crate::stats::{SampleStats, compare_means};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use onboard_agents::{FrozenPolicy, Policy, is_saved_agent};
use onboard_envs::Model;
use rayon::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// One arm's simulation.
#[derive(Debug, Clone)]
pub struct ArmRun {
    /// The arm's name.
    pub name: String,
    /// The policy's own name.
    pub policy: String,
    /// What happened to the arm's users.
    pub simulation: Simulation,
}

/// Makes an arm's policy afresh for each simulation, from a seed for its own
/// randomness; shared by the threads that run replicate tests.
pub type PolicyFactory = Arc<dyn Fn(u64) -> Result<Box<dyn Policy>> + Send + Sync>;

/// A factory for the policy `spec` names (see [`policy_from_spec`]). A saved learner
/// is read and frozen once, here: each simulation gets a copy.
pub fn spec_factory(spec: String, model: Arc<Model>) -> Result<PolicyFactory> {
    let path = Path::new(&spec);
    if is_saved_agent(path) {
        return Ok(frozen_factory(frozen_from_file(path, &model)?));
    }
    Ok(Arc::new(move |seed| policy_from_spec(&spec, &model, seed)))
}

/// A seed derived from `seed` and `parts`, distinct for distinct parts.
pub fn derive_seed(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(seed, |acc, &p| {
        let mut z =
            (acc ^ p.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_add(0x6A09_E667_F3BC_C909);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// Simulates every arm on `users` users: the same users for a paired experiment,
/// independent users per arm for a split one. `factories[k]` makes arm `k`'s policy.
pub fn run_arms(
    experiment: &Experiment,
    factories: &[PolicyFactory],
    model: &Arc<Model>,
    seed: u64,
    quiet: bool,
) -> Result<Vec<ArmRun>> {
    experiment
        .arms
        .iter()
        .zip(factories)
        .enumerate()
        .map(|(k, (arm, factory))| {
            let users_seed = match experiment.assignment {
                Assignment::Paired => seed,
                Assignment::Split => derive_seed(seed, &[k as u64 + 1]),
            };
            let policy_seed = derive_seed(seed, &[1_000 + k as u64]);
            let (policy, simulation) = simulate_cohort(
                model,
                factory,
                experiment.users,
                users_seed,
                policy_seed,
                quiet,
            )
            .with_context(|| format!("arm '{}'", arm.name))?;
            Ok(ArmRun {
                name: arm.name.clone(),
                policy,
                simulation,
            })
        })
        .collect()
}

/// Profit per user of each user in `records`.
pub fn profits(records: &[UserRecord]) -> SampleStats {
    SampleStats::from_values(records.iter().map(|r| r.profit))
}

/// A cohort of `users` users drawn from `users_seed`, simulated under the policy
/// that `factory` makes from `policy_seed` (with a progress bar unless `quiet`):
/// the policy's name and what happened.
pub fn simulate_cohort(
    model: &Arc<Model>,
    factory: &PolicyFactory,
    users: usize,
    users_seed: u64,
    policy_seed: u64,
    quiet: bool,
) -> Result<(String, Simulation)> {
    let mut policy = factory(policy_seed)?;
    let population = Population::Cohort { users };
    let simulation = simulate(
        Arc::clone(model),
        users_seed,
        population,
        policy.as_mut(),
        quiet,
    )?;
    Ok((policy.name().to_string(), simulation))
}

/// The p-values of `replicates` independent split tests of `treatment` against
/// `control`, `users` per arm each, on profit per user. Replicates run in parallel;
/// each builds its own policies from its own seeds, so the result does not depend
/// on the number of threads.
pub fn replicate_p_values(
    model: &Arc<Model>,
    control: &PolicyFactory,
    treatment: &PolicyFactory,
    users: usize,
    replicates: usize,
    seed: u64,
    progress: &ProgressBar,
) -> Result<Vec<f64>> {
    (0..replicates as u64)
        .into_par_iter()
        .map(|r| {
            let arm = |k: u64, factory: &PolicyFactory| -> Result<SampleStats> {
                let seed = derive_seed(seed, &[users as u64, r, k]);
                let (_, simulation) =
                    simulate_cohort(model, factory, users, seed, derive_seed(seed, &[7]), true)?;
                Ok(profits(&simulation.users))
            };
            let comparison = compare_means(&arm(0, control)?, &arm(1, treatment)?)?;
            progress.inc(1);
            Ok(comparison.p_value)
        })
        .collect()
}

/// A factory handing every simulation its own copy of `policy` (a trained
/// learner's frozen snapshot), as it was when frozen: copies share nothing, so the
/// results do not depend on the order in which threads ask. The seed is not used.
pub fn frozen_factory(policy: Box<dyn FrozenPolicy>) -> PolicyFactory {
    // A frozen DQN holds tensors, which may move between threads but not be shared:
    // the lock makes the original shareable, each copy is the caller's own.
    let original = Mutex::new(policy);
    Arc::new(move |_seed| {
        let original = original.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(original.clone_box() as Box<dyn Policy>)
    })
}
