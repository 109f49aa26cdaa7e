//! The main job: on the default scenario, train DQN and a contextual bandit (LinUCB)
//! on training cohorts, then run a paired A/B/n of both against the baselines on
//! fresh users, with the full report.

use crate::ab::experiment::{Arm, Assignment, Experiment};
use crate::ab::run::{PolicyFactory, shared_factory, spec_factory};
use crate::ab::{ExperimentResult, run_experiment_with};
use crate::plots::{Series, line_chart};
use crate::train::{CohortResult, train};
use anyhow::{Context, Result};
use onboard_agents::baselines::{ConstantPolicy, RulePolicy};
use onboard_agents::dqn::Dqn;
use onboard_agents::linear::{LinUcb, LinUcbConfig};
use onboard_agents::{AgentConfig, Policy};
use onboard_envs::{Model, Scenario};
use std::path::PathBuf;
use std::sync::Arc;

/// The DQN set-up of the demo (`agents/configs/dqn.ron`).
const DQN: &str = include_str!("../agents/configs/dqn.ron");
/// The rule-schedule baseline of the demo.
const RULES: &str = include_str!("../agents/configs/tour-recs-email.ron");

/// How big the demo is.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Training cohorts for DQN.
    pub dqn_cohorts: u64,
    /// Training cohorts for LinUCB.
    pub bandit_cohorts: u64,
    /// Users per training cohort.
    pub training_users: usize,
    /// Users per arm in the A/B/n (the same users in every arm).
    pub users: usize,
    /// Replicate split tests per sample size for the power curve.
    pub replicates: usize,
    /// Output folder.
    pub out: PathBuf,
    /// Hide progress bars.
    pub quiet: bool,
}

/// Training cohorts for DQN in the full demo.
pub const DQN_COHORTS: u64 = 40;
/// Training cohorts for LinUCB in the full demo.
pub const BANDIT_COHORTS: u64 = 8;

impl Default for DemoOptions {
    /// The full demo. Every user lives to the horizon, so a 2,000-user cohort is
    /// about 62,000 transitions: 40 cohorts are 2.5 million.
    fn default() -> Self {
        Self {
            dqn_cohorts: DQN_COHORTS,
            bandit_cohorts: BANDIT_COHORTS,
            training_users: 2_000,
            users: 20_000,
            replicates: 100,
            out: PathBuf::from("results/demo"),
            quiet: false,
        }
    }
}

/// Training seeds start here; the A/B/n uses the scenario's seed, far below.
const TRAINING_SEEDS: u64 = 1_000_000;

/// Runs the demo and writes `options.out`.
pub fn run_demo(options: &DemoOptions) -> Result<ExperimentResult> {
    let scenario = Scenario::builtin("default")?;
    let model = Arc::new(Model::new(scenario)?);
    let layout = model.layout();
    let actions = model.scenario().action_names();
    let seeds = |n: u64| (TRAINING_SEEDS..TRAINING_SEEDS + n).collect::<Vec<u64>>();
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;

    let AgentConfig::Dqn(config) = AgentConfig::from_ron(DQN, "agents/configs/dqn.ron")? else {
        anyhow::bail!("agents/configs/dqn.ron is not a DQN config");
    };
    let mut dqn = Dqn::new(&config, layout.len(), actions.len(), 7)?;
    let dqn_curve = train(
        &model,
        &mut dqn,
        &seeds(options.dqn_cohorts),
        options.training_users,
        options.quiet,
    )?;
    dqn.set_epsilon(Some(0.0));
    let checkpoint = options.out.join("dqn.ot");
    dqn.save(&checkpoint)?;

    let mut linucb = LinUcb::new(&LinUcbConfig::default(), layout.len(), actions.len())?;
    let bandit_curve = train(
        &model,
        &mut linucb,
        &seeds(options.bandit_cohorts),
        options.training_users,
        options.quiet,
    )?;
    let curves = [("DQN", &dqn_curve[..]), ("LinUCB", &bandit_curve[..])];
    write_learning_curves(options, &curves)?;
    let constants = constant_rewards(&model, &seeds(options.dqn_cohorts), options.training_users)?;
    write_regret(options, &constants, &curves)?;

    let AgentConfig::Rules(schedule) = AgentConfig::from_ron(RULES, "tour-recs-email.ron")? else {
        anyhow::bail!("tour-recs-email.ron is not a rule schedule");
    };
    let rules = RulePolicy::new(&schedule, layout, &actions)?;
    let arms: Vec<(&str, &str, PolicyFactory)> = vec![
        (
            "nothing",
            "nothing",
            spec_factory("nothing".into(), Arc::clone(&model)),
        ),
        (
            "recs",
            "recs",
            spec_factory("recs".into(), Arc::clone(&model)),
        ),
        (
            "tour-recs-email",
            "rules",
            Arc::new(move |_| Ok(Box::new(rules.clone()) as Box<dyn Policy>)),
        ),
        (
            "linucb",
            "trained LinUCB",
            Arc::new(move |_| Ok(Box::new(linucb.clone()) as Box<dyn Policy>)),
        ),
        ("dqn", "trained DQN (dqn.ot)", shared_factory(Box::new(dqn))),
    ];
    let experiment = Experiment {
        name: "demo".to_string(),
        scenario: "default".to_string(),
        arms: arms
            .iter()
            .map(|(name, policy, _)| Arm {
                name: name.to_string(),
                policy: policy.to_string(),
            })
            .collect(),
        control: Some("nothing".to_string()),
        assignment: Assignment::Paired,
        users: options.users,
        seed: None,
        replicates: options.replicates,
    };
    let factories = arms.into_iter().map(|(_, _, f)| f).collect();
    run_experiment_with(
        experiment,
        &model,
        factories,
        Some(&options.out),
        options.quiet,
    )
}

/// Reward per user of every constant action on each training cohort (the same users
/// the agents trained on): `rewards[action][cohort]`.
fn constant_rewards(model: &Arc<Model>, seeds: &[u64], users: usize) -> Result<Vec<Vec<f64>>> {
    (0..model.n_actions())
        .map(|a| {
            let mut constant = ConstantPolicy::new("constant", a, model.n_actions());
            let curve = train(model, &mut constant, seeds, users, true)?;
            Ok(curve.iter().map(|c| c.reward_per_user).collect())
        })
        .collect()
}

/// Cumulative regret per user of each agent against the constant action that did
/// best over all training cohorts, cohort by cohort on the same users.
fn write_regret(
    options: &DemoOptions,
    constants: &[Vec<f64>],
    curves: &[(&str, &[CohortResult])],
) -> Result<()> {
    let Some(best) = constants
        .iter()
        .max_by(|a, b| a.iter().sum::<f64>().total_cmp(&b.iter().sum::<f64>()))
    else {
        return Ok(());
    };
    let series: Vec<Series> = curves
        .iter()
        .map(|(name, curve)| {
            let mut total = 0.0;
            let points = curve
                .iter()
                .zip(best)
                .enumerate()
                .map(|(i, (c, b))| {
                    total += b - c.reward_per_user;
                    (i as f64 + 1.0, total)
                })
                .collect();
            Series::new(*name, points)
        })
        .collect();
    line_chart(
        &options.out.join("regret"),
        "Regret against the best constant action, same training users",
        "training cohort",
        "cumulative regret per user (currency units)",
        &series,
    )?;
    Ok(())
}

fn write_learning_curves(options: &DemoOptions, curves: &[(&str, &[CohortResult])]) -> Result<()> {
    let series: Vec<Series> = curves
        .iter()
        .map(|(name, curve)| {
            Series::new(
                *name,
                curve
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i as f64 + 1.0, c.reward_per_user))
                    .collect(),
            )
        })
        .collect();
    line_chart(
        &options.out.join("learning"),
        "Learning curves on the default scenario",
        "training cohort",
        "profit per user in the cohort (currency units)",
        &series,
    )?;
    Ok(())
}
