//! The main job: on the default scenario, train DQN and a contextual bandit (LinUCB)
//! on training cohorts, keep each one's frozen snapshot best on validation users,
//! then run a paired A/B/n of both snapshots against the baselines (doing nothing,
//! the simple rule schedule, the segment-aware one written by hand, and the
//! constant joint action best on validation users, which is the control) on fresh
//! users, with the full report. Every size of
//! the full demo is a constant here.

use crate::ab::experiment::{Arm, Assignment, Experiment};
use crate::ab::run::{PolicyFactory, frozen_factory, spec_factory};
use crate::ab::{ExperimentResult, run_experiment_with};
use crate::folder::{Writer, run_folder};
use crate::output::write_atomically;
use crate::plots::{Series, line_chart};
use crate::simulate::{Population, simulate};
use crate::train::outputs::evaluated;
use crate::train::{
    CurvePoint, Evaluation, Hooks, RunSeeds, Trained, TrainingPlan, build_learner, decisions,
    ends_at_best, train_learner, train_learner_with,
};
use anyhow::{Context, Result};
use onboard_agents::baselines::{ConstantPolicy, RulePolicy};
use onboard_agents::linear::{LinUcb, LinUcbConfig};
use onboard_agents::{AgentConfig, Learner};
use onboard_envs::{Model, Scenario};
use std::path::PathBuf;
use std::sync::Arc;

/// The DQN set-up of the demo (`agents/configs/dqn-guided.ron`): guided by the
/// segment-aware schedule.
const DQN: &str = include_str!("../agents/configs/dqn-guided.ron");
/// The simple rule-schedule baseline of the demo.
const RULES: &str = include_str!("../agents/configs/tour-recs-email.ron");
/// The segment-aware schedule written by hand, which also guides DQN.
const SEGMENT_RULES: &str = include_str!("../agents/configs/segment-rules.ron");

/// Training cohorts for DQN in the full demo.
pub const DQN_COHORTS: u64 = 40;
/// Training cohorts for LinUCB in the full demo.
pub const BANDIT_COHORTS: u64 = 8;
/// Users per training cohort in the full demo.
pub const TRAINING_USERS: usize = 2_000;
/// Users in each of the validation and test cohorts in the full demo.
pub const EVALUATION_USERS: usize = 5_000;
/// Training cohorts between evaluations of the frozen policies.
pub const EVALUATION_EVERY: usize = 5;
/// Users per arm in the A/B/n of the full demo.
pub const USERS: usize = 20_000;
/// Replicate split tests per sample size in the full demo.
pub const REPLICATES: usize = 100;

/// How big the demo is.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Training cohorts for DQN.
    pub dqn_cohorts: u64,
    /// Training cohorts for LinUCB.
    pub bandit_cohorts: u64,
    /// Users per training cohort.
    pub training_users: usize,
    /// Users in each of the validation and test cohorts.
    pub eval_users: usize,
    /// Users per arm in the A/B/n (the same users in every arm).
    pub users: usize,
    /// Replicate split tests per sample size for the power curve.
    pub replicates: usize,
    /// Output folder.
    pub out: PathBuf,
    /// Write into `out` even where another kind of command wrote.
    pub force: bool,
    /// Hide progress bars.
    pub quiet: bool,
}

impl Default for DemoOptions {
    /// The full demo. Every user lives to the horizon, so a 2,000-user cohort is
    /// about 62,000 transitions: 40 cohorts are 2.5 million.
    fn default() -> Self {
        Self {
            dqn_cohorts: DQN_COHORTS,
            bandit_cohorts: BANDIT_COHORTS,
            training_users: TRAINING_USERS,
            eval_users: EVALUATION_USERS,
            users: USERS,
            replicates: REPLICATES,
            out: PathBuf::from("results/demo"),
            force: false,
            quiet: false,
        }
    }
}

impl DemoOptions {
    /// Who writes the demo's folder.
    fn writer(&self) -> Writer {
        Writer {
            command: "demo",
            force: self.force,
        }
    }

    /// The training plan of a learner trained on `cohorts` cohorts.
    fn plan(&self, cohorts: u64) -> TrainingPlan {
        TrainingPlan::episodic(
            cohorts as usize,
            self.training_users,
            self.eval_users,
            EVALUATION_EVERY,
        )
    }
}

/// An arm's label for a trained learner's chosen snapshot.
fn snapshot_label(learner: &str, trained: &Trained) -> String {
    format!(
        "trained {learner}, frozen after cohort {} (best on validation users)",
        trained.best_step
    )
}

/// Trains the shipped DQN as the demo's plan says; its curve and chosen snapshot,
/// and the snapshot's saved state (the learner as it was when frozen for it).
fn train_dqn(
    options: &DemoOptions,
    model: &Arc<Model>,
    seeds: &RunSeeds,
) -> Result<(Trained, Vec<u8>)> {
    let config = AgentConfig::from_ron(DQN, "agents/configs/dqn-guided.ron")?;
    let mut dqn = build_learner(&config, model, false, seeds.run())?;
    let decides = decisions(model, false);
    let mut chosen_state = Vec::new();
    let keep_best = |learner: &dyn Learner, curve: &[CurvePoint], best_step: u64| {
        if ends_at_best(curve, best_step) {
            chosen_state = learner.to_bytes(&decides)?;
        }
        Ok(())
    };
    let hooks = Hooks {
        label: "DQN".to_string(),
        quiet: options.quiet,
        on_evaluation: Box::new(keep_best),
        resume: None,
    };
    let plan = options.plan(options.dqn_cohorts);
    let trained = train_learner_with(model, dqn.as_mut(), &plan, seeds, hooks)?;
    Ok((trained, chosen_state))
}

/// The rule schedule of the RON `text` (the file `origin`) for `model`'s features
/// and actions.
fn rule_policy(text: &str, origin: &str, model: &Model) -> Result<RulePolicy> {
    let AgentConfig::Rules(schedule) = AgentConfig::from_ron(text, origin)? else {
        anyhow::bail!("{origin} is not a rule schedule");
    };
    Ok(RulePolicy::new(
        &schedule,
        model.layout(),
        model.scenario().action_names().as_slice(),
    )?)
}

/// Runs the demo and writes `options.out`.
///
/// Seeds follow [`RunSeeds`] with the scenario's seed as the run seed: both learners
/// train on the same training cohorts, choose their snapshot on the validation
/// cohort, and the A/B/n runs on the test seed, so that none of its users trained
/// or chose a policy. `dqn.ot` is DQN's chosen snapshot, the policy of its arm.
pub fn run_demo(options: &DemoOptions) -> Result<ExperimentResult> {
    let scenario = Scenario::builtin("default")?;
    let model = Arc::new(Model::new(scenario)?);
    let layout = model.layout();
    let actions = model.scenario().action_names();
    let seeds = RunSeeds::new(model.scenario().seed);
    // The A/B/n's sizes are checked before any training, with the arms' names as
    // their policies until the trained ones are known.
    experiment(options, &seeds, ARMS.map(String::from)).check()?;
    run_folder(Some(&options.out), "demo", options.writer())?;

    // DQN trains on one core while everything else before the A/B/n runs on the
    // other: the work is independent, so the results are those of running it in turn.
    let (dqn, others) = std::thread::scope(|scope| {
        let dqn = scope.spawn(|| train_dqn(options, &model, &seeds));
        let others = || -> Result<_> {
            let mut linucb = LinUcb::new(&LinUcbConfig::default(), layout.len(), actions.len())?;
            let plan = options.plan(options.bandit_cohorts);
            // Quiet: DQN's bar is the one shown, and this work ends first.
            let bandit_trained = train_learner(&model, &mut linucb, &plan, &seeds, true)?;
            let constants =
                constant_rewards(&model, &seeds, options.dqn_cohorts, options.training_users)?;
            let best = best_constant(&model, &seeds, options.eval_users)?;
            Ok((bandit_trained, constants, best))
        };
        (dqn.join(), others())
    });
    let (dqn_trained, chosen_state) =
        dqn.map_err(|_| anyhow::anyhow!("DQN's training stopped on a panic"))??;
    let (bandit_trained, constants, best) = others?;
    write_atomically(&options.out.join("dqn.ot"), |partial| {
        std::fs::write(partial, &chosen_state)
    })
    .context("saving DQN's chosen snapshot")?;
    let curves = [
        ("DQN", &dqn_trained.curve[..]),
        ("LinUCB", &bandit_trained.curve[..]),
    ];
    write_learning_curves(options, &curves)?;
    write_regret(options, &constants, &curves)?;

    let constant = &actions[best];
    let rules = rule_policy(RULES, "tour-recs-email.ron", &model)?;
    let segment_rules = rule_policy(SEGMENT_RULES, "segment-rules.ron", &model)?;
    let linucb_label = snapshot_label("LinUCB", &bandit_trained);
    let dqn_label = snapshot_label("DQN", &dqn_trained);
    let arms: [(&str, PolicyFactory); 6] = [
        (
            "nothing",
            spec_factory("nothing".into(), Arc::clone(&model))?,
        ),
        (
            constant,
            spec_factory(constant.clone(), Arc::clone(&model))?,
        ),
        ("rules", frozen_factory(Box::new(rules))),
        ("segment rules", frozen_factory(Box::new(segment_rules))),
        (&linucb_label, frozen_factory(bandit_trained.best)),
        (&dqn_label, frozen_factory(dqn_trained.best)),
    ];
    let experiment = experiment(options, &seeds, arms.each_ref().map(|(p, _)| p.to_string()));
    let factories = arms.into_iter().map(|(_, f)| f).collect();
    run_experiment_with(
        experiment,
        &model,
        factories,
        Some(&options.out),
        options.writer(),
        options.quiet,
    )
}

/// The arms of the demo's A/B/n, in order; `best-constant` is the control.
const ARMS: [&str; 6] = [
    "nothing",
    "best-constant",
    "tour-recs-email",
    "segment-rules",
    "linucb",
    "dqn",
];

/// The demo's paired A/B/n on the test seed, with `policies[k]` describing arm `k`
/// of [`ARMS`].
fn experiment(options: &DemoOptions, seeds: &RunSeeds, policies: [String; 6]) -> Experiment {
    Experiment {
        name: "demo".to_string(),
        scenario: "default".to_string(),
        arms: ARMS
            .iter()
            .zip(policies)
            .map(|(name, policy)| Arm {
                name: name.to_string(),
                policy,
            })
            .collect(),
        control: Some("best-constant".to_string()),
        assignment: Assignment::Paired,
        users: options.users,
        seed: Some(seeds.test()),
        replicates: options.replicates,
        power_arm: None,
    }
}

/// The constant joint action of highest value per user on the validation cohort of
/// `users` users: the strongest baseline that needs no learning, chosen like the
/// learners' snapshots, without the test users.
fn best_constant(model: &Arc<Model>, seeds: &RunSeeds, users: usize) -> Result<usize> {
    let mut best = (0, f64::NEG_INFINITY);
    for action in 0..model.n_actions() {
        let value = constant_value(model, action, seeds.validation(), users)?;
        if value > best.1 {
            best = (action, value);
        }
    }
    Ok(best.0)
}

/// Reward per user of every constant action on each training cohort (the same users
/// the agents trained on): `rewards[action][cohort]`.
fn constant_rewards(
    model: &Arc<Model>,
    seeds: &RunSeeds,
    cohorts: u64,
    users: usize,
) -> Result<Vec<Vec<f64>>> {
    (0..model.n_actions())
        .map(|a| {
            (1..=cohorts)
                .map(|k| constant_value(model, a, seeds.training(k), users))
                .collect()
        })
        .collect()
}

/// Reward per user of constant joint action `action` on the cohort of `users` users
/// seeded `seed`.
fn constant_value(model: &Arc<Model>, action: usize, seed: u64, users: usize) -> Result<f64> {
    let mut constant = ConstantPolicy::new("constant", action, model.n_actions());
    let population = Population::Cohort { users };
    let simulation = simulate(Arc::clone(model), seed, population, &mut constant, true)?;
    Ok(Evaluation::Daily(simulation).value().mean)
}

/// Cumulative regret per user of each agent against the constant action that did
/// best over all training cohorts, cohort by cohort on the same users.
fn write_regret(
    options: &DemoOptions,
    constants: &[Vec<f64>],
    curves: &[(&str, &[CurvePoint])],
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
                    total += b - c.training_reward;
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

/// Each learner's reward per user on its training cohorts, and its frozen snapshots'
/// on the validation users (which choose the snapshot) and on the test users.
fn write_learning_curves(options: &DemoOptions, curves: &[(&str, &[CurvePoint])]) -> Result<()> {
    let series: Vec<Series> = curves
        .iter()
        .flat_map(|(name, curve)| {
            [
                Series::new(
                    format!("{name}, training"),
                    curve
                        .iter()
                        .map(|c| (c.step as f64, c.training_reward))
                        .collect(),
                ),
                evaluated(format!("{name}, validation"), curve, |p| p.validation),
                evaluated(format!("{name}, test"), curve, |p| p.test),
            ]
        })
        .collect();
    line_chart(
        &options.out.join("learning"),
        &format!(
            "Learning on default: frozen on {} validation and test users",
            options.eval_users
        ),
        "training cohort",
        "reward per user over the window (currency units)",
        &series,
    )?;
    Ok(())
}
