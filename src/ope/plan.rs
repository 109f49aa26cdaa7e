//! `onboard ope-plan`: before anything is logged, how much exploration and how many
//! users a log needs for a target's value over a user's whole window to be
//! estimated within ±X %, with intervals that cover.
//!
//! Every design of a grid (exploration share ε × users) is simulated as
//! [`run_bench`](super::bench::run_bench) does, with the truths simulated once: logs of the behaviour with that ε and that many users,
//! each evaluated and compared with the simulator's truth. A design *answers* when
//! some per-trajectory estimator's interval covered the truth as a correct one does
//! ([`least_coverage`]) and `z · RMSE ≤ X % · |truth|` (`z` the normal quantile of
//! the level: the estimate then lands within ±X % of the truth about as often as
//! the level says). Every design shares the seed, so its logs meet the same users
//! with the same luck and designs differ by ε and size alone. The cheapest design
//! that answers is the fewest users, then the least exploration.

use super::bench::{
    BenchPlan, BenchResult, bench_with_truths, truth_per_decision, truth_per_trajectory,
};
use super::evaluate::{EvaluationPlan, Family};
use super::outputs::figure;
use super::twin::least_coverage;
use crate::output::cell;
use crate::report::{Page, escape};
use anyhow::{Result, bail};
use onboard_envs::{Model, Scenario};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `onboard ope-plan` simulates.
#[derive(Debug, Clone)]
pub struct PlanGrid {
    /// The behaviour policy that will write the log, as `run --policy` takes it.
    pub behaviour: String,
    /// The target whose value the log is to answer.
    pub target: String,
    /// The exploration shares to try, each in [0, 1].
    pub epsilons: Vec<f64>,
    /// The numbers of users to try, each at least 2.
    pub users: Vec<usize>,
    /// The precision asked for, as a share of the value (0.1: ±10 %).
    pub within: f64,
    /// Simulated logs per design.
    pub reps: usize,
    /// Users of each truth cohort.
    pub truth_users: usize,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
    /// How each simulated log is evaluated.
    pub evaluation: EvaluationPlan,
}

/// Most designs a grid may hold.
pub const MAX_DESIGNS: usize = 100;

impl PlanGrid {
    /// Checks the grid before any work: at least one value of each axis, no value
    /// twice, at most [`MAX_DESIGNS`] designs, a precision in (0, 10], and every
    /// design as [`BenchPlan::check`] checks it.
    pub fn check(&self) -> Result<()> {
        if self.epsilons.is_empty() || self.users.is_empty() {
            bail!("--epsilons and --users: the grid needs at least one value of each");
        }
        let designs = self.epsilons.len() * self.users.len();
        if designs > MAX_DESIGNS {
            bail!(
                "--epsilons and --users: {} × {} = {designs} designs, more than {MAX_DESIGNS}; \
                 try fewer values",
                self.epsilons.len(),
                self.users.len()
            );
        }
        if let Some(e) = (1..self.epsilons.len())
            .find(|&i| self.epsilons[..i].contains(&self.epsilons[i]))
            .map(|i| self.epsilons[i])
        {
            bail!("--epsilons: {e} is given twice");
        }
        if let Some(u) = (1..self.users.len())
            .find(|&i| self.users[..i].contains(&self.users[i]))
            .map(|i| self.users[i])
        {
            bail!("--users: {u} is given twice");
        }
        if !(self.within > 0.0 && self.within <= 10.0) {
            bail!(
                "--within: the precision, in percent of the value, must lie in (0, 1000], got {}",
                100.0 * self.within
            );
        }
        for &epsilon in &self.epsilons {
            for &users in &self.users {
                self.bench_plan(epsilon, users).check()?;
            }
        }
        Ok(())
    }

    fn bench_plan(&self, epsilon: f64, users: usize) -> BenchPlan {
        BenchPlan {
            behaviour: self.behaviour.clone(),
            epsilon,
            target: self.target.clone(),
            reps: self.reps,
            users,
            truth_users: self.truth_users,
            seed: self.seed,
            evaluation: self.evaluation.clone(),
        }
    }
}

/// The best estimator of one design.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignBest {
    /// Its name.
    pub estimator: String,
    /// Its RMSE over the design's simulated logs.
    pub rmse: f64,
    /// `z · RMSE / |truth|`: the ± share of the value within which its estimates
    /// land about as often as the level says.
    pub precision: f64,
    /// Its better coverage, t or bootstrap.
    pub coverage: f64,
}

/// One design of the grid and what its logs can answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// The exploration share.
    pub epsilon: f64,
    /// Users in the log.
    pub users: usize,
    /// The best covering per-trajectory estimator, if any covered.
    pub best: Option<DesignBest>,
    /// Whether it reaches the precision asked for.
    pub answers: bool,
}

/// The plan's result.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanResult {
    /// The target's value over a user's window.
    pub truth: f64,
    /// Every design, ε by ε, users within.
    pub designs: Vec<Design>,
    /// The precision asked for.
    pub within: f64,
    /// Simulated logs per design.
    pub reps: usize,
}

impl PlanResult {
    /// The cheapest design that answers: the fewest users, then the least
    /// exploration.
    pub fn cheapest(&self) -> Option<&Design> {
        self.designs
            .iter()
            .filter(|d| d.answers)
            .min_by(|a, b| a.users.cmp(&b.users).then(a.epsilon.total_cmp(&b.epsilon)))
    }

    /// The verdict in one sentence.
    pub fn verdict(&self, target: &str) -> String {
        let within = 100.0 * self.within;
        match (self.cheapest(), self.closest()) {
            (Some(d), _) => {
                let best = d
                    .best
                    .as_ref()
                    .expect("a design that answers has an estimator");
                format!(
                    "To estimate {target}'s return per user within ±{within:.0} % (truth {}), log \
                     {} users with ε = {}: on {} simulated logs {} came within ±{:.1} % and its \
                     intervals covered the truth on {:.0} % of them.",
                    figure(self.truth),
                    d.users,
                    d.epsilon,
                    self.reps,
                    best.estimator,
                    100.0 * best.precision,
                    100.0 * best.coverage
                )
            }
            (None, Some((d, best))) => format!(
                "No design of the grid estimates {target}'s return per user within ±{within:.0} % \
                 (truth {}) with intervals that cover; the closest, {} users with ε = {}, came \
                 within ±{:.1} % with {}. Try more users, or a behaviour closer to the target.",
                figure(self.truth),
                d.users,
                d.epsilon,
                100.0 * best.precision,
                best.estimator
            ),
            (None, None) => format!(
                "No design of the grid estimates {target}'s return per user with intervals that \
                 cover the truth. Try more users, or a behaviour closer to the target."
            ),
        }
    }

    /// The design whose best estimator comes closest to the precision.
    fn closest(&self) -> Option<(&Design, &DesignBest)> {
        self.designs
            .iter()
            .filter_map(|d| d.best.as_ref().map(|b| (d, b)))
            .min_by(|a, b| a.1.precision.total_cmp(&b.1.precision))
    }
}

/// Simulates every design of `grid` on `scenario`.
pub fn run_plan(scenario: Scenario, grid: &PlanGrid, quiet: bool) -> Result<PlanResult> {
    grid.check()?;
    let z = crate::stats::normal_quantile(0.5 + grid.evaluation.level / 2.0)?;
    let designs_count = (grid.epsilons.len() * grid.users.len()) as u64;
    let progress = crate::progress::bar(designs_count, "", "design", quiet);
    progress.set_message("ope-plan");
    let seed = grid.seed.unwrap_or(scenario.seed);
    let model = Arc::new(Model::new(scenario)?);
    // The target's truth is every design's; the behaviour's states, each ε's.
    let first = grid.bench_plan(grid.epsilons[0], grid.users[0]);
    let per_trajectory = truth_per_trajectory(&model, &first, seed)?;
    let mut designs = Vec::new();
    for &epsilon in &grid.epsilons {
        let per_decision =
            truth_per_decision(&model, &grid.bench_plan(epsilon, grid.users[0]), seed)?;
        for &users in &grid.users {
            let bench = bench_with_truths(
                &model,
                &grid.bench_plan(epsilon, users),
                seed,
                (per_decision, per_trajectory),
                true,
            )?;
            let best = best_covering(&bench, grid.evaluation.level, z);
            let answers = best.as_ref().is_some_and(|b| b.precision <= grid.within);
            designs.push(Design {
                epsilon,
                users,
                best,
                answers,
            });
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    Ok(PlanResult {
        truth: per_trajectory.value,
        designs,
        within: grid.within,
        reps: grid.reps,
    })
}

/// The per-trajectory estimator of `bench` with the least RMSE among those computed
/// on every log whose intervals covered as a correct one does.
fn best_covering(bench: &BenchResult, level: f64, z: f64) -> Option<DesignBest> {
    let least = least_coverage(level, bench.reps);
    let truth = bench.per_trajectory.value.abs();
    bench
        .rows
        .iter()
        .filter(|r| r.family == Family::PerTrajectory && r.computed == bench.reps)
        .filter_map(|r| {
            let coverage = r
                .t_coverage
                .into_iter()
                .chain(r.bootstrap_coverage)
                .fold(f64::NEG_INFINITY, f64::max);
            (coverage >= least && r.rmse.is_finite()).then(|| DesignBest {
                estimator: r.name.clone(),
                rmse: r.rmse,
                precision: if truth > 0.0 {
                    z * r.rmse / truth
                } else {
                    f64::INFINITY
                },
                coverage,
            })
        })
        .min_by(|a, b| a.rmse.total_cmp(&b.rmse))
}

/// The designs as a text table, then the verdict.
pub fn render(result: &PlanResult, target: &str) -> String {
    let mut out = format!(
        "{} simulated logs per design; the target's return per user: {}\n",
        result.reps,
        figure(result.truth)
    );
    let _ = writeln!(
        out,
        "  {:>8} {:>8}  {:<18} {:>10} {:>10} {:>10} {:>8}",
        "epsilon", "users", "best estimator", "rmse", "within ±", "coverage", "answers"
    );
    for d in &result.designs {
        let cells = design_cells(d);
        let _ = writeln!(
            out,
            "  {:>8} {:>8}  {:<18} {:>10} {:>10} {:>10} {:>8}",
            d.epsilon, d.users, cells[0], cells[1], cells[2], cells[3], cells[4]
        );
    }
    let _ = writeln!(out, "{}", result.verdict(target));
    out
}

/// A design's best estimator, its RMSE, precision and coverage, and whether it
/// answers, as the tables show them.
fn design_cells(d: &Design) -> [String; 5] {
    let answers = if d.answers { "yes" } else { "no" }.to_string();
    match &d.best {
        Some(b) => [
            b.estimator.clone(),
            figure(b.rmse),
            format!("{:.1} %", 100.0 * b.precision),
            format!("{:.0} %", 100.0 * b.coverage),
            answers,
        ],
        None => [
            "– (none covers)".into(),
            "–".into(),
            "–".into(),
            "–".into(),
            answers,
        ],
    }
}

/// Writes `ope-plan.csv`, the heatmap of precision by design and `report.html`.
pub fn write(folder: &Path, title: &str, result: &PlanResult, target: &str) -> Result<PathBuf> {
    let header = [
        "epsilon",
        "users",
        "estimator",
        "rmse",
        "precision",
        "coverage",
        "answers",
    ];
    let rows: Vec<Vec<String>> = result
        .designs
        .iter()
        .map(|d| {
            let best = d.best.as_ref();
            vec![
                cell(d.epsilon),
                d.users.to_string(),
                best.map_or(String::new(), |b| b.estimator.clone()),
                best.map_or(String::new(), |b| cell(b.rmse)),
                best.map_or(String::new(), |b| cell(b.precision)),
                best.map_or(String::new(), |b| cell(b.coverage)),
                u8::from(d.answers).to_string(),
            ]
        })
        .collect();
    crate::output::write_csv(&folder.join("ope-plan.csv"), |w| {
        w.write_record(header)?;
        rows.iter().try_for_each(|row| w.write_record(row))
    })?;
    let mut epsilons: Vec<f64> = Vec::new();
    let mut users: Vec<f64> = Vec::new();
    for d in &result.designs {
        if !epsilons.contains(&d.epsilon) {
            epsilons.push(d.epsilon);
        }
        if !users.contains(&(d.users as f64)) {
            users.push(d.users as f64);
        }
    }
    let z: Vec<Vec<f64>> = epsilons
        .iter()
        .map(|&e| {
            users
                .iter()
                .map(|&u| {
                    result
                        .designs
                        .iter()
                        .find(|d| d.epsilon == e && d.users as f64 == u)
                        .and_then(|d| d.best.as_ref())
                        .map_or(f64::NAN, |b| 100.0 * b.precision)
                })
                .collect()
        })
        .collect();
    let cheapest = result.cheapest().and_then(|c| {
        let i = users.iter().position(|&u| u == c.users as f64)?;
        let j = epsilons.iter().position(|&e| e == c.epsilon)?;
        Some((i, j))
    });
    crate::plots::heatmap(
        &folder.join("ope-plan"),
        "± % of the value within which the best covering estimator lands",
        "users in the log",
        "exploration ε",
        (&users, &epsilons),
        &z,
        cheapest,
    )?;
    let mut page = Page::new(folder, title);
    page.heading("Verdict");
    page.paragraph(&result.verdict(target), false);
    page.figures(&[(
        "ope-plan".into(),
        "By design: the ± share of the value within which the best estimator whose \
         intervals cover lands (grey: none covers); the cheapest design that answers is \
         outlined."
            .into(),
    )]);
    let table: Vec<Vec<String>> = result
        .designs
        .iter()
        .map(|d| {
            let [estimator, rmse, precision, coverage, answers] = design_cells(d);
            vec![
                d.epsilon.to_string(),
                d.users.to_string(),
                escape(&estimator),
                rmse,
                precision,
                coverage,
                answers,
            ]
        })
        .collect();
    page.table(
        &[
            "ε",
            "users",
            "best estimator",
            "RMSE",
            "within ±",
            "coverage",
            "answers",
        ],
        &table,
    );
    page.write()
}
