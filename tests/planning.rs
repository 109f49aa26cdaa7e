//! Does planning pay where it should, and only there?
//!
//! DQN (the shipped `agents/configs/dqn-guided.ron` on `default`, whose exploration
//! and greedy choice lean on the segment-aware rule schedule; the plain
//! `agents/configs/dqn.ron` elsewhere) and the linear contextual bandits
//! (which maximise each day's reward) learn on training cohorts through the training
//! loop, each keeping its frozen snapshot of best value on the validation cohort;
//! every policy, frozen, is then compared on one test cohort of `EVALUATION_USERS`
//! users that neither trained nor chose a snapshot (seeds of [`RunSeeds`]). The
//! quantity is the 30-day profit per user with its 95 % interval.
//!
//! - `default` rewards a plan that also reads who the user is (a guided tour on the
//!   signup day, recommendations after, and coupons for the users whom the
//!   first-session signal and their behaviour mark as bargain hunters, not for
//!   high-intent users, who would buy anyway): DQN must beat the best constant joint
//!   action, the simple rule schedules `tour-recs-email` and `welcome-then-email` and
//!   the best contextual bandit (its lower end above their upper ends). The
//!   segment-aware schedule written by hand (`segment-rules`, 7.06 [6.69, 7.43]),
//!   which guides this DQN, is shown beside it and not asserted on: the guided DQN
//!   ties it and does not beat it.
//! - `coupon-trap` rewards a plan (a guided tour on the signup day, which costs that
//!   day, then recommendations that its knowledge makes pay): DQN must beat the best
//!   constant joint action and the best contextual bandit, each by more than the
//!   intervals (DQN's lower end above their upper ends).
//! - `no-delay` has nothing to plan: a contextual bandit must land inside DQN's
//!   interval.
//!
//! **Seeds.** DQN's numerics are pinned, so seed 7 gives these figures on any
//! x86-64 processor. Every assertion also held for training seeds 1, 2, 3 and 4
//! (`onboard train … --seed 1 --agent-seed S --cohorts 40 --eval-users 20000`).
//! The lower ends and their margins over the bars asserted:
//! - `default`, guided DQN: lower ends 6.60–6.67, against 5.06 for the best of the
//!   others (`tour-recs-email`'s upper end), a margin above 1.5;
//! - `coupon-trap`: lower ends 12.12 and up, against 1.77, a margin above 10;
//! - `no-delay`: DQN's interval held linear Thompson's 0.86 on every seed (DQN
//!   0.91 to 0.94, intervals from [0.82, 1.00] to [0.85, 1.04]); the tightest of
//!   the three: seed 1's lower end, 0.848, is 0.012 below 0.86.
//!
//! Each comparison prints its table, with the share of the gap between `nothing`
//! and DQN that each policy closes (`cargo test --test planning -- --nocapture`).

use onboard::simulate::{Population, simulate};
use onboard::train::{RunSeeds, TrainingPlan, build_learner, train_learner};
use onboard_agents::baselines::{ConstantPolicy, RulePolicy};
use onboard_agents::linear::{LinThompson, LinThompsonConfig, LinUcb, LinUcbConfig};
use onboard_agents::{AgentConfig, Learner, Policy};
use onboard_envs::{CohortMetrics, Estimate, Model, Quantity, Scenario};
use std::path::Path;
use std::sync::Arc;

/// Every user lives to the horizon (31 user-days each), so a cohort of 2,000 gives a
/// learner about 62,000 transitions: 40 cohorts are 2.5 million. On `default` DQN's
/// value rises until cohorts 15 to 35 and then wavers; the validation cohort picks
/// the snapshot.
const TRAINING_USERS: usize = 2_000;
const DQN_COHORTS: usize = 40;
const BANDIT_COHORTS: usize = 12;
/// Users in each of the validation and test cohorts: a 95 % interval of about
/// ±0.35 currency units on default's 30-day profit per user (standard deviation
/// about 25 under DQN), where DQN leads the best of the others by about 1.6.
const EVALUATION_USERS: usize = 20_000;
/// Training cohorts between evaluations of the frozen snapshots.
const EVALUATION_EVERY: usize = 5;
/// The run seed: training, validation and test seeds follow from it.
const RUN_SEED: u64 = 1;
/// The simple rule schedules of the repository (for `default`'s levers), which DQN
/// must beat.
const DEFAULT_RULES: [&str; 2] = ["tour-recs-email.ron", "welcome-then-email.ron"];
/// The best of the segment-aware schedules written by hand, shown for reference.
const REFERENCE_RULES: [&str; 1] = ["segment-rules.ron"];

/// Every policy's 30-day profit per user on the test cohort.
struct Comparison {
    constants: Vec<(String, Estimate)>,
    rules: Vec<(String, Estimate)>,
    /// Rule schedules shown for reference, not asserted on.
    references: Vec<(String, Estimate)>,
    bandits: Vec<(String, Estimate)>,
    dqn: Estimate,
}

/// 30-day profit per user in `metrics`.
fn window_profit(metrics: &CohortMetrics) -> Estimate {
    metrics
        .by_age()
        .last()
        .expect("a horizon of at least one day")
        .to_date(Quantity::Profit)
}

/// 30-day profit per user on the test cohort.
fn profit(model: &Arc<Model>, policy: &mut dyn Policy) -> Estimate {
    let simulation = simulate(
        Arc::clone(model),
        RunSeeds::new(RUN_SEED).test(),
        Population::Cohort {
            users: EVALUATION_USERS,
        },
        policy,
        true,
    )
    .expect("the evaluation runs");
    window_profit(&simulation.metrics)
}

/// Trains `learner` on `cohorts` cohorts; the profit of its chosen snapshot on the
/// test cohort.
fn trained(model: &Arc<Model>, learner: &mut dyn Learner, cohorts: usize) -> Estimate {
    let plan = TrainingPlan::episodic(cohorts, TRAINING_USERS, EVALUATION_USERS, EVALUATION_EVERY);
    let trained = train_learner(model, learner, &plan, &RunSeeds::new(RUN_SEED), true)
        .expect("training runs");
    window_profit(trained.test.metrics())
}

fn agent_file(name: &str) -> AgentConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("agents/configs")
        .join(name);
    AgentConfig::from_file(&path).expect("a shipped agent file")
}

/// The profit of the rule schedule in each of `files`.
fn rule_profits(model: &Arc<Model>, files: &[&str]) -> Vec<(String, Estimate)> {
    files
        .iter()
        .map(|file| {
            let AgentConfig::Rules(schedule) = agent_file(file) else {
                panic!("{file} is not a rule schedule");
            };
            let mut rules = RulePolicy::new(&schedule, model.layout(), model.actions().names())
                .expect("rules for the levers");
            (file.to_string(), profit(model, &mut rules))
        })
        .collect()
}

/// Every policy on `scenario`, DQN from the agent file `dqn_file`, with the rule
/// schedules in the files `rules`, and those in `references` for reference.
fn compare(scenario: &str, dqn_file: &str, rules: &[&str], references: &[&str]) -> Comparison {
    let scenario = Scenario::builtin(scenario).expect("a built-in scenario");
    let model = Arc::new(Model::new(scenario.clone()).expect("a valid scenario"));
    let features = model.layout().len();
    let names = model.actions().names();
    let n = names.len();
    let constants = names
        .iter()
        .enumerate()
        .map(|(a, name)| {
            let mut policy = ConstantPolicy::new(name, a, n);
            (name.clone(), profit(&model, &mut policy))
        })
        .collect();
    let rules = rule_profits(&model, rules);
    let references = rule_profits(&model, references);
    let mut linucb = LinUcb::new(&LinUcbConfig::default(), features, n).expect("valid config");
    let mut lin_ts =
        LinThompson::new(&LinThompsonConfig::default(), features, n, 11).expect("valid config");
    let bandits = vec![
        (
            "LinUCB".to_string(),
            trained(&model, &mut linucb, BANDIT_COHORTS),
        ),
        (
            "linear Thompson".to_string(),
            trained(&model, &mut lin_ts, BANDIT_COHORTS),
        ),
    ];
    let mut dqn = build_learner(&agent_file(dqn_file), &model, false, 7).expect("a DQN");
    let comparison = Comparison {
        constants,
        rules,
        references,
        bandits,
        dqn: trained(&model, dqn.as_mut(), DQN_COHORTS),
    };
    print(scenario.name.as_str(), &comparison);
    comparison
}

/// The table, with the share of the gap between `nothing` (the first constant) and
/// DQN that each policy closes.
fn print(scenario: &str, comparison: &Comparison) {
    let nothing = comparison.constants[0].1.mean;
    let gap = comparison.dqn.mean - nothing;
    let row = |name: &str, e: &Estimate| {
        eprintln!(
            "  {name:<26} {:>6.2} [{:.2}, {:.2}]  {:>5.0} % of the gap",
            e.mean,
            e.low,
            e.high,
            100.0 * (e.mean - nothing) / gap
        )
    };
    eprintln!("{scenario}: 30-day profit per user, {EVALUATION_USERS} test users");
    for (name, estimate) in comparison
        .constants
        .iter()
        .chain(&comparison.rules)
        .chain(&comparison.references)
        .chain(&comparison.bandits)
    {
        row(name, estimate);
    }
    row("DQN", &comparison.dqn);
}

/// The entry with the highest upper interval end.
fn highest(entries: &[(String, Estimate)]) -> &(String, Estimate) {
    entries
        .iter()
        .max_by(|a, b| a.1.high.total_cmp(&b.1.high))
        .expect("at least one entry")
}

/// DQN's lower end lies above the upper end of the best of `entries`.
fn assert_dqn_clears(comparison: &Comparison, entries: &[(String, Estimate)], scenario: &str) {
    let dqn = comparison.dqn;
    let (name, best) = highest(entries);
    assert!(
        dqn.low > best.high,
        "DQN {dqn:?} does not clear {name} {best:?} on {scenario}"
    );
}

#[test]
fn dqn_beats_every_constant_rule_and_bandit_on_default() {
    let comparison = compare(
        "default",
        "dqn-guided.ron",
        &DEFAULT_RULES,
        &REFERENCE_RULES,
    );
    assert_dqn_clears(&comparison, &comparison.constants, "default");
    assert_dqn_clears(&comparison, &comparison.rules, "default");
    assert_dqn_clears(&comparison, &comparison.bandits, "default");
}

#[test]
fn dqn_beats_constants_and_bandits_where_planning_pays() {
    let comparison = compare("coupon-trap", "dqn.ron", &[], &[]);
    assert_dqn_clears(&comparison, &comparison.constants, "coupon-trap");
    assert_dqn_clears(&comparison, &comparison.bandits, "coupon-trap");
}

#[test]
fn a_contextual_bandit_matches_dqn_where_nothing_is_delayed() {
    let comparison = compare("no-delay", "dqn.ron", &[], &[]);
    let dqn = comparison.dqn;
    assert!(
        comparison
            .bandits
            .iter()
            .any(|(_, bandit)| (dqn.low..=dqn.high).contains(&bandit.mean)),
        "no contextual bandit inside DQN's interval {dqn:?} on no-delay"
    );
}
