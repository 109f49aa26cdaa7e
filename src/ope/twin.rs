//! The log's twin: how `onboard ope` decides which estimator to recommend, or that
//! the log cannot answer.
//!
//! For a log of a scenario onboard can simulate, with its behaviour and exploration
//! known, the twin is [`run_bench`] on logs like it: the same scenario, behaviour,
//! exploration and number of users, each evaluated as the real log is and compared
//! with the simulator's truth. An estimator is recommended for its family (the value
//! per decision, or a user's whole window) when, on the twin:
//! - it computed an estimate on every simulated log;
//! - its t or bootstrap interval covered the truth as often as a correct interval
//!   does, within three standard errors of that share on as many logs;
//! - its RMSE is at most `tolerance` times the floor, the RMSE of the target's own
//!   mean on as many users (what an experiment would give);
//! - and at most twice the best RMSE of its family.
//!
//! Where no estimator of a family qualifies, the log cannot answer that question,
//! and [`Twin::verdict`] says so in one sentence with what the log can answer.
//! The twin is the behaviour's world as the scenario describes it: where the
//! scenario is far from the platform that wrote the log, so is the verdict.

use super::bench::{BenchPlan, BenchResult, BenchRow, run_bench};
use super::evaluate::{EvaluationPlan, Family};
use super::outputs::{figure, quantity};
use anyhow::{Result, bail};
use onboard_envs::Scenario;

/// How the twin is simulated and judged.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinPlan {
    /// The behaviour that wrote the log, as `run --policy` takes it.
    pub behaviour: String,
    /// The uniform exploration mixed into it.
    pub epsilon: f64,
    /// Simulated logs.
    pub reps: usize,
    /// Users of each truth cohort.
    pub truth_users: usize,
    /// Largest RMSE a recommended estimator may have, in floors.
    pub tolerance: f64,
    /// The twin's seed.
    pub seed: u64,
}

/// Simulated logs of a twin by default: a correct 95 % interval then shows a
/// coverage of at least 86 % (three standard errors below 95 %), enough to tell a
/// covering interval from one that covers three times in four, and a 2,000-user
/// log's twin takes about ten seconds on two cores.
pub const DEFAULT_REPS: usize = 50;

/// Users of the twin's truth cohorts by default: the truth's standard error is then
/// a fifth of the floor of a 2,000-user log.
pub const DEFAULT_TRUTH_USERS: usize = 50_000;

/// The largest RMSE a recommended estimator may have, in floors, by default.
pub const DEFAULT_TOLERANCE: f64 = 2.0;

/// A recommended estimator's RMSE is at most this multiple of its family's best.
const NEAR_BEST: f64 = 2.0;

/// Most user-days a twin may simulate (its logs and its truth cohorts); beyond it
/// the check would take hours.
const MAX_USER_DAYS: f64 = 2e9;

impl TwinPlan {
    /// Checks the plan for a log of `users` users over `horizon` days: the
    /// exploration share, at least 2 logs, a tolerance of at least 1 floor, and a
    /// bounded size.
    pub fn check(&self, users: usize, horizon: u32) -> Result<()> {
        super::log_command::check_epsilon(self.epsilon)?;
        if self.reps < 2 {
            bail!(
                "--twin-reps: the twin needs at least 2 simulated logs for a standard deviation, got {}",
                self.reps
            );
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 1.0) {
            bail!(
                "--twin-tolerance: the largest RMSE to recommend, in floors, must be a finite number \
                 of at least 1 (no estimator from a log beats an experiment on as many users), got {}",
                self.tolerance
            );
        }
        let user_days =
            ((self.reps * users) as f64 + 2.0 * self.truth_users as f64) * f64::from(horizon);
        if user_days > MAX_USER_DAYS {
            bail!(
                "the twin of a log of {users} users would simulate {user_days:.2e} user-days \
                 ({} logs and 2 truth cohorts of {} users over {horizon} days), more than {MAX_USER_DAYS:.0e}; \
                 give fewer --twin-reps or --twin-truth-users, or --no-twin",
                self.reps,
                self.truth_users
            );
        }
        Ok(())
    }
}

/// One estimator's record on the twin and the verdict on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinRecord {
    /// The estimator's record over the twin's logs.
    pub row: BenchRow,
    /// Its RMSE in floors.
    pub floors: f64,
    /// Its better coverage, t or bootstrap, and which, where it has one.
    pub coverage: Option<(f64, &'static str)>,
    /// Whether it is recommended.
    pub recommended: bool,
    /// Why not, where it is not.
    pub reason: Option<String>,
}

/// The twin's result and its verdicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Twin {
    /// What was simulated.
    pub plan: TwinPlan,
    /// The benchmark on the twin.
    pub bench: BenchResult,
    /// Every estimator's record, in the benchmark's order.
    pub records: Vec<TwinRecord>,
}

/// Simulates the twin of a log of `users` users of `scenario` and judges every
/// estimator `evaluation` computes for `target` on it.
pub fn run_twin(
    scenario: Scenario,
    target: &str,
    users: usize,
    evaluation: &EvaluationPlan,
    plan: &TwinPlan,
    quiet: bool,
) -> Result<Twin> {
    plan.check(users, scenario.horizon)?;
    let bench_plan = BenchPlan {
        behaviour: plan.behaviour.clone(),
        epsilon: plan.epsilon,
        target: target.to_string(),
        reps: plan.reps,
        users,
        truth_users: plan.truth_users,
        seed: Some(plan.seed),
        evaluation: evaluation.clone(),
    };
    let bench = run_bench(scenario, &bench_plan, quiet)?;
    let records = judge(&bench, plan.tolerance, evaluation.level);
    Ok(Twin {
        plan: plan.clone(),
        bench,
        records,
    })
}

/// The least coverage a correct interval at `level` shows on `reps` logs, within
/// three standard errors of the binomial share.
pub fn least_coverage(level: f64, reps: usize) -> f64 {
    level - 3.0 * (level * (1.0 - level) / reps as f64).sqrt()
}

/// The verdict on every estimator of `bench`.
fn judge(bench: &BenchResult, tolerance: f64, level: f64) -> Vec<TwinRecord> {
    let least = least_coverage(level, bench.reps);
    let best = |family: Family| {
        bench
            .rows
            .iter()
            .filter(|r| r.family == family && r.computed == bench.reps && r.rmse.is_finite())
            .map(|r| r.rmse)
            .fold(f64::INFINITY, f64::min)
    };
    bench
        .rows
        .iter()
        .map(|row| {
            let floors = row.rmse / bench.floor(row.family);
            let coverage = [(row.t_coverage, "t"), (row.bootstrap_coverage, "bootstrap")]
                .into_iter()
                .filter_map(|(c, which)| c.map(|c| (c, which)))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let reason = if row.computed < bench.reps {
                Some(format!(
                    "no estimate on {} of {} simulated logs",
                    bench.reps - row.computed,
                    bench.reps
                ))
            } else if floors.is_nan() || floors > tolerance {
                Some(format!(
                    "its RMSE is {} floors, above {tolerance}",
                    ratio(floors)
                ))
            } else if row.rmse > NEAR_BEST * best(row.family) {
                Some(format!(
                    "its RMSE is more than {NEAR_BEST} times the best of its family"
                ))
            } else {
                match coverage {
                    None => Some("it has no interval on some simulated log".to_string()),
                    Some((c, which)) if c < least => Some(format!(
                        "its {which} intervals covered the truth on {:.0} % of the simulated logs, \
                         below the {:.0} % a correct {:.0} % interval reaches there",
                        100.0 * c,
                        100.0 * least,
                        100.0 * level
                    )),
                    Some(_) => None,
                }
            };
            TwinRecord {
                row: row.clone(),
                floors,
                coverage,
                recommended: reason.is_none(),
                reason,
            }
        })
        .collect()
}

/// A ratio as the verdicts show it.
fn ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "–".into()
    }
}

impl Twin {
    /// The record of `family`'s estimator `name`, if the twin computed it.
    pub fn record(&self, family: Family, name: &str) -> Option<&TwinRecord> {
        self.records
            .iter()
            .find(|r| r.row.family == family && r.row.name == name)
    }

    /// The recommended estimators of `family`, best RMSE first.
    pub fn recommended(&self, family: Family) -> Vec<&TwinRecord> {
        let mut chosen: Vec<&TwinRecord> = self
            .records
            .iter()
            .filter(|r| r.row.family == family && r.recommended)
            .collect();
        chosen.sort_by(|a, b| a.row.rmse.total_cmp(&b.row.rmse));
        chosen
    }

    /// What the twin was, in words; a behaviour from a file by the file's name.
    pub fn describe(&self) -> String {
        let name = crate::policies::policy_label(&self.plan.behaviour);
        format!(
            "{} simulated logs like this one ({name} with ε = {}, {} users)",
            self.plan.reps, self.plan.epsilon, self.bench.users
        )
    }

    /// The verdict on `family`, in one or two sentences: the estimator to prefer, or
    /// that the log cannot answer and what it can.
    pub fn verdict(&self, family: Family) -> String {
        let what = quantity(family);
        let floor = figure(self.bench.floor(family));
        if let Some(best) = self.recommended(family).first() {
            let (coverage, which) = best.coverage.unwrap_or((f64::NAN, "t"));
            return format!(
                "{what}: prefer {} — on {}, its RMSE was {} ({} floors, the floor being {floor}, \
                 the error of running the target on as many users) and its {which} intervals \
                 covered the truth on {:.0} % of them.",
                best.row.name,
                self.describe(),
                figure(best.row.rmse),
                ratio(best.floors),
                100.0 * coverage
            );
        }
        let closest = self
            .records
            .iter()
            .filter(|r| r.row.family == family && r.floors.is_finite())
            .min_by(|a, b| a.floors.total_cmp(&b.floors));
        let mut sentence = format!(
            "{what}: this log cannot answer it. On {}, no estimator came within {} floors \
             ({floor}, the error of running the target on as many users) with intervals that cover",
            self.describe(),
            self.plan.tolerance
        );
        if let Some(c) = closest {
            sentence.push_str(&format!(
                "; the closest, {}, had an RMSE of {} ({} floors, bias {})",
                c.row.name,
                figure(c.row.rmse),
                ratio(c.floors),
                figure(c.row.bias)
            ));
            if let Some((coverage, which)) = c.coverage {
                sentence.push_str(&format!(
                    " and its {which} intervals covered the truth on {:.0} %",
                    100.0 * coverage
                ));
            }
        }
        sentence.push('.');
        let other = match family {
            Family::PerDecision => Family::PerTrajectory,
            Family::PerTrajectory => Family::PerDecision,
        };
        match self.recommended(other).first() {
            Some(r) if family == Family::PerTrajectory => sentence.push_str(&format!(
                " What it can answer: the {} (prefer {}). For the whole window, `onboard \
                 ope-plan` finds the exploration and users a log needs.",
                quantity(other),
                r.row.name
            )),
            _ if family == Family::PerTrajectory => sentence.push_str(
                " `onboard ope-plan` finds the exploration and users a log needs to answer \
                 it.",
            ),
            _ => sentence.push_str(" Log more users, or a behaviour closer to the target."),
        }
        sentence
    }
}

/// The twin of an evaluation: run, or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum TwinCheck {
    /// The twin ran.
    Ran(Box<Twin>),
    /// It could not run, for this reason; nothing is then recommended.
    Skipped(String),
}

impl TwinCheck {
    /// The twin, if it ran.
    pub fn twin(&self) -> Option<&Twin> {
        match self {
            TwinCheck::Ran(twin) => Some(twin),
            TwinCheck::Skipped(_) => None,
        }
    }

    /// Whether `family`'s estimator `name` is recommended.
    pub fn recommends(&self, family: Family, name: &str) -> bool {
        self.twin()
            .and_then(|t| t.record(family, name))
            .is_some_and(|r| r.recommended)
    }

    /// The verdicts, one per family the evaluation has, in sentences.
    pub fn verdicts(&self, families: &[Family]) -> Vec<String> {
        match self {
            TwinCheck::Ran(twin) => families.iter().map(|f| twin.verdict(*f)).collect(),
            TwinCheck::Skipped(why) => vec![format!(
                "no estimator is recommended: no twin of the log was simulated ({why}), so \
                 nothing shows which estimate is near the truth"
            )],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ope::bench::Truth;

    /// A record over 40 logs with the given RMSE and t coverage.
    fn row(family: Family, name: &str, rmse: f64, coverage: f64) -> BenchRow {
        BenchRow {
            family,
            name: name.into(),
            mean: 1.0,
            bias: 0.0,
            sd: rmse,
            rmse,
            t_coverage: Some(coverage),
            bootstrap_coverage: None,
            computed: 40,
            missing: (0, 0),
        }
    }

    /// A benchmark of 40 logs of 100 users whose per-user sd is 10 in both
    /// families: a floor of 1.
    fn bench(rows: Vec<BenchRow>) -> BenchResult {
        let truth = Truth {
            value: 1.0,
            standard_error: 0.01,
            sd: 10.0,
        };
        BenchResult {
            per_decision: truth,
            per_trajectory: truth,
            mismatch: 0.5,
            rows,
            reps: 40,
            users: 100,
        }
    }

    fn twin(rows: Vec<BenchRow>) -> Twin {
        let bench = bench(rows);
        Twin {
            records: judge(&bench, DEFAULT_TOLERANCE, 0.95),
            plan: TwinPlan {
                behaviour: "random".into(),
                epsilon: 0.0,
                reps: 40,
                truth_users: 1000,
                tolerance: DEFAULT_TOLERANCE,
                seed: 1,
            },
            bench,
        }
    }

    #[test]
    fn only_estimators_near_the_floor_and_the_best_with_covering_intervals_are_recommended() {
        // On 40 logs a correct 95 % interval covers at least 84.7 % (three
        // standard errors below 95 %).
        assert!((least_coverage(0.95, 40) - 0.8466).abs() < 1e-3);
        let twin = twin(vec![
            row(Family::PerTrajectory, "best", 0.6, 0.93),
            row(Family::PerTrajectory, "near", 1.1, 0.90),
            row(Family::PerTrajectory, "far-from-best", 1.3, 0.95),
            row(Family::PerTrajectory, "undercovers", 0.7, 0.80),
            row(Family::PerTrajectory, "beyond-floor", 0.61, 0.0),
            row(Family::PerDecision, "too-far", 2.5, 0.95),
        ]);
        let picked: Vec<&str> = twin
            .recommended(Family::PerTrajectory)
            .iter()
            .map(|r| r.row.name.as_str())
            .collect();
        assert_eq!(picked, ["best", "near"]);
        let reason = |name: &str| {
            let family = if name == "too-far" {
                Family::PerDecision
            } else {
                Family::PerTrajectory
            };
            twin.record(family, name)
                .and_then(|r| r.reason.clone())
                .expect("a reason")
        };
        assert!(reason("far-from-best").contains("more than 2 times the best"));
        assert!(reason("undercovers").contains("80 %"));
        assert!(reason("too-far").contains("2.5 floors"));
        assert!(twin.verdict(Family::PerTrajectory).contains("prefer best"));
    }

    #[test]
    fn a_family_without_a_qualifying_estimator_is_one_the_log_cannot_answer() {
        let twin = twin(vec![
            row(Family::PerDecision, "dr", 0.5, 0.94),
            row(Family::PerTrajectory, "wdr", 3.0, 0.40),
            row(Family::PerTrajectory, "fqe", 2.4, 0.0),
        ]);
        assert!(twin.recommended(Family::PerTrajectory).is_empty());
        let verdict = twin.verdict(Family::PerTrajectory);
        assert!(verdict.contains("cannot answer"), "{verdict}");
        assert!(verdict.contains("the closest, fqe"), "{verdict}");
        assert!(verdict.contains("(prefer dr)"), "{verdict}");
        let check = TwinCheck::Ran(Box::new(twin));
        assert!(!check.recommends(Family::PerTrajectory, "wdr"));
        assert!(check.recommends(Family::PerDecision, "dr"));
    }
}
