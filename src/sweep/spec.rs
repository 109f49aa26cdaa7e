//! The sweep spec (a RON file): the base experiment, the parameters swept by path
//! with their values, the replicates per cell, the seed and the metrics.
//!
//! ```ron
//! Sweep(
//!     name: "coupon-cost",
//!     base: Run(scenario: "default", policy: "coupon", users: 2000),
//!     parameters: [
//!         (path: "scenario.levers[1].cost", values: Linear(from: 0.5, to: 3.0, count: 6)),
//!         (path: "experiment.users", values: List([1000, 4000])),
//!     ],
//!     replicates: 3,
//!     seed: 1,
//!     metrics: [Profit, Conversion, Active(7)],
//! )
//! ```
//!
//! A `Train` base trains an agent in every cell and reports its chosen snapshot on
//! fresh test users; a `control` policy in the base adds the `Lift` metrics:
//!
//! ```ron
//! Sweep(
//!     name: "linucb-alpha",
//!     base: Train(scenario: "default", agent: "../agents/configs/linucb.ron",
//!                 cohorts: 4, users: 1000, eval_users: 4000, control: "nothing"),
//!     parameters: [(path: "agent.alpha", values: Log(from: 0.1, to: 10.0, count: 5))],
//!     seed: 1,
//!     metrics: [Profit, Lift(Profit)],
//! )
//! ```
//!
//! An `Ab(experiment: "default-abn.ron", arm: "recs")` base measures one arm of an
//! A/B/n file against the file's control arm ([`Base::resolve`]).

use super::error::SweepError;
use crate::ab::experiment::{Assignment, Experiment, resolve};
use crate::simulate::{Simulation, UserRecord};
use crate::stats::{PairedStats, compare_paired};
use anyhow::{Context, Result, bail};
use onboard_envs::{AgeMetrics, Estimate, Quantity};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The most cells a sweep may have, and the most replicates per cell.
pub const MAX_CELLS: usize = 100_000;
/// The most replicates per cell.
pub const MAX_REPLICATES: usize = 1_000;
/// The most parameters of a sweep: each is a column of the table and a part of
/// every cell's key, and a parameter with one value belongs in the base.
pub const MAX_PARAMETERS: usize = 64;
/// The most metrics of a sweep: each is three columns of the table and a chart.
pub const MAX_METRICS: usize = 64;

/// A sweep: the base experiment run once per cell and replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Sweep", deny_unknown_fields)]
pub struct SweepSpec {
    /// The sweep's name: its default output folder is `results/sweep-<name>`.
    pub name: String,
    /// The experiment every cell runs.
    pub base: Base,
    /// The parameters swept; the cells are combinations of their values, as the
    /// design says.
    pub parameters: Vec<Parameter>,
    /// Which combinations of the values are cells: all of them (the default), or a
    /// random draw.
    #[serde(default)]
    pub design: Design,
    /// Runs per cell, each on its own users.
    #[serde(default = "one")]
    pub replicates: usize,
    /// The seed every cell's seed derives from, with the cell's parameters.
    pub seed: u64,
    /// What each cell reports.
    pub metrics: Vec<Metric>,
}

fn one() -> usize {
    1
}

impl SweepSpec {
    /// Checks what needs no file: the counts of parameters, replicates and
    /// metrics, and that no metric is named twice (two columns of one name).
    pub fn check(&self) -> Result<()> {
        if self.parameters.is_empty() {
            bail!("parameters: a sweep needs at least one parameter");
        }
        if self.parameters.len() > MAX_PARAMETERS {
            Err(SweepError::TooMany {
                what: "parameters",
                given: self.parameters.len(),
                most: MAX_PARAMETERS,
                why: "each is a column and a part of every cell's key; set a field that \
                      takes one value in the base instead"
                    .into(),
            })?;
        }
        if !(1..=MAX_REPLICATES).contains(&self.replicates) {
            bail!(
                "replicates: must lie in [1, {MAX_REPLICATES}], got {}",
                self.replicates
            );
        }
        if self.metrics.is_empty() {
            bail!(
                "metrics: name at least one (Profit, Revenue, Reward, Conversion, Active(N), \
                 Lift(Profit))"
            );
        }
        if self.metrics.len() > MAX_METRICS {
            Err(SweepError::TooMany {
                what: "metrics",
                given: self.metrics.len(),
                most: MAX_METRICS,
                why: "each is three columns and a chart".into(),
            })?;
        }
        for (i, metric) in self.metrics.iter().enumerate() {
            if self.metrics[..i].iter().any(|m| m.name() == metric.name()) {
                Err(SweepError::DuplicateMetric {
                    metric: format!("{metric:?}"),
                })?;
            }
        }
        Ok(())
    }
}

/// The experiment a cell runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Base {
    /// `onboard run`: `policy` on a cohort of `users` users of `scenario`.
    Run {
        /// A built-in scenario name or a path to a RON file (relative to the spec).
        scenario: String,
        /// A policy as `onboard run --policy` takes it.
        policy: String,
        /// Users per run.
        users: usize,
        /// A policy run on the same users in every replicate, for the `Lift`
        /// metrics (common random numbers: the lift is paired, user by user).
        #[serde(default)]
        control: Option<String>,
    },
    /// `onboard train`, then the chosen snapshot on fresh test users: the metrics
    /// are those of the test cohort (`eval_users` users), never seen in training or
    /// in choosing the snapshot.
    Train {
        /// A built-in scenario name or a path to a RON file (relative to the spec).
        scenario: String,
        /// The agent's RON file (relative to the spec); its fields are swept as
        /// `agent.<field>`.
        agent: String,
        /// Training cohorts.
        cohorts: usize,
        /// Users per training cohort.
        users: usize,
        /// Users in each of the validation and test cohorts.
        eval_users: usize,
        /// Training cohorts between evaluations (0: only at the end).
        #[serde(default)]
        eval_every: usize,
        /// A policy run on the test users, for the `Lift` metrics.
        #[serde(default)]
        control: Option<String>,
    },
    /// One arm of an `onboard ab` experiment file against the file's control arm,
    /// on the file's scenario and users per arm: a `Run` of the arm's policy with
    /// the control arm's policy as its control (paired users; the file's seed and
    /// power curve play no part, and a `Split` file is refused).
    Ab {
        /// The experiment file (relative to the spec).
        experiment: String,
        /// The arm measured.
        arm: String,
    },
}

impl Base {
    /// The base with every file resolved against `spec_dir`, the spec's folder: an
    /// `Ab` base becomes the `Run` of its arm against its control arm, with paths
    /// resolved against the experiment file's folder.
    pub fn resolve(&self, spec_dir: &Path) -> Result<Base> {
        let Base::Ab { experiment, arm } = self else {
            return Ok(self.clone());
        };
        let path = spec_dir.join(experiment);
        let file = Experiment::from_file(&path)
            .with_context(|| format!("base.experiment: '{experiment}'"))?;
        if file.assignment == Assignment::Split {
            bail!(
                "base.experiment: '{experiment}' assigns split users; a sweep measures an arm \
                 against the control on paired users (write `assignment: Paired`)"
            );
        }
        let names: Vec<&str> = file.arms.iter().map(|a| a.name.as_str()).collect();
        let Some(measured) = file.arms.iter().find(|a| a.name == *arm) else {
            bail!(
                "base.arm: '{arm}' is not an arm of '{experiment}' ({})",
                names.join(", ")
            );
        };
        let control = &file.arms[file.control_index()];
        if control.name == *arm {
            bail!(
                "base.arm: '{arm}' is the control of '{experiment}'; name an arm to measure against it"
            );
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        Ok(Base::Run {
            scenario: resolve(&file.scenario, folder),
            policy: resolve(&measured.policy, folder),
            users: file.users,
            control: Some(resolve(&control.policy, folder)),
        })
    }

    /// The scenario's name or file (an unresolved `Ab` base names none).
    pub fn scenario(&self) -> &str {
        match self {
            Base::Run { scenario, .. } | Base::Train { scenario, .. } => scenario,
            Base::Ab { .. } => "",
        }
    }

    /// The control policy, if any (an unresolved `Ab` base names none).
    pub fn control(&self) -> Option<&str> {
        match self {
            Base::Run { control, .. } | Base::Train { control, .. } => control.as_deref(),
            Base::Ab { .. } => None,
        }
    }
}

/// Which combinations of the parameters' values a sweep runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Design {
    /// Every combination, the first parameter varying slowest.
    #[default]
    Grid,
    /// `count` combinations drawn at random without repeats (random search), in
    /// the order drawn; the same `seed` draws the same cells, and a larger `count`
    /// keeps those a smaller one drew.
    Random {
        /// Cells to draw.
        count: usize,
        /// The draw's seed.
        seed: u64,
    },
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Where the value goes: `scenario.<field path>` (e.g.
    /// `scenario.levers[1].cost`) or `experiment.users`.
    pub path: String,
    /// The values it takes.
    pub values: Values,
}

/// The values of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Values {
    /// These values, in this order.
    List(Vec<f64>),
    /// `count` values evenly spaced from `from` to `to`, both included.
    Linear {
        /// The first value.
        from: f64,
        /// The last value.
        to: f64,
        /// How many.
        count: usize,
    },
    /// `count` values evenly spaced on a log scale from `from` to `to` (both > 0).
    Log {
        /// The first value.
        from: f64,
        /// The last value.
        to: f64,
        /// How many.
        count: usize,
    },
}

impl Values {
    /// The values, checked: finite, at least one, none twice (two cells of one key),
    /// and positive ends for a log range.
    pub fn expand(&self, path: &str) -> Result<Vec<f64>> {
        let values = match *self {
            Values::List(ref values) => values.clone(),
            Values::Linear { from, to, count } | Values::Log { from, to, count } => {
                if count == 0 || count > MAX_CELLS {
                    bail!("{path}: count must lie in [1, {MAX_CELLS}], got {count}");
                }
                let log = matches!(self, Values::Log { .. });
                if log && !(from > 0.0 && to > 0.0) {
                    bail!("{path}: a log range needs ends above 0, got {from} to {to}");
                }
                let (a, b) = if log {
                    (from.ln(), to.ln())
                } else {
                    (from, to)
                };
                (0..count)
                    .map(|i| {
                        let t = if count == 1 {
                            0.0
                        } else {
                            i as f64 / (count - 1) as f64
                        };
                        let x = a + t * (b - a);
                        round_to_12_digits(if log { x.exp() } else { x })
                    })
                    .collect()
            }
        };
        if values.is_empty() {
            bail!("{path}: needs at least one value");
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            bail!("{path}: values must be finite numbers, got {bad}");
        }
        // Sorted, equal values are neighbours (0.0 and -0.0 are equal too: the same
        // value to the model).
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            Err(SweepError::DuplicateValue {
                path: path.to_string(),
                // The later of the two: 0, not -0, when both are given.
                value: pair[1],
            })?;
        }
        Ok(values)
    }
}

/// `x` to 12 significant digits: a range from 0.05 to 0.4 gives 0.3, not
/// 0.30000000000000004, so that keys and tables read as the user wrote them.
fn round_to_12_digits(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// What a cell reports, per user, averaged over its replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Profit per user over the horizon.
    Profit,
    /// Revenue per user over the horizon.
    Revenue,
    /// The objective's reward per user over the horizon.
    Reward,
    /// Share of users who bought at least once by the horizon.
    Conversion,
    /// Share of users active on day N (0-based age).
    Active(u32),
    /// The difference per user against the base's control on the same users
    /// (policy − control), with its paired 95 % interval.
    Lift(Lifted),
}

/// What a [`Metric::Lift`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lifted {
    /// Profit per user.
    Profit,
    /// Revenue per user.
    Revenue,
    /// Share of users who bought.
    Conversion,
}

impl Lifted {
    fn name(self) -> &'static str {
        match self {
            Lifted::Profit => "profit",
            Lifted::Revenue => "revenue",
            Lifted::Conversion => "conversion",
        }
    }

    /// The user's value.
    fn of(self, user: &UserRecord) -> f64 {
        match self {
            Lifted::Profit => user.profit,
            Lifted::Revenue => user.revenue,
            Lifted::Conversion => f64::from(u8::from(user.purchases > 0)),
        }
    }
}

impl Metric {
    /// The metric's column name.
    pub fn name(self) -> String {
        match self {
            Metric::Profit => "profit".into(),
            Metric::Revenue => "revenue".into(),
            Metric::Reward => "reward".into(),
            Metric::Conversion => "conversion".into(),
            Metric::Active(day) => format!("active_d{day}"),
            Metric::Lift(of) => format!("{}_lift", of.name()),
        }
    }

    /// Checks that the metric exists for a horizon of `horizon` days, and that a
    /// lift has a control (`has_control`) to be measured against.
    pub fn check(self, horizon: u32, has_control: bool) -> Result<()> {
        match self {
            Metric::Active(day) if day >= horizon => bail!(
                "metrics: Active({day}) is beyond the horizon of {horizon} days (ages 0 to {})",
                horizon - 1
            ),
            Metric::Lift(of) if !has_control => bail!(
                "metrics: Lift({of:?}) is measured against a control: give the base one \
                 (e.g. control: \"nothing\")"
            ),
            _ => Ok(()),
        }
    }

    /// The metric's estimate in `simulation`, against `control` (the same users
    /// under the control policy) for a lift.
    pub fn of(self, simulation: &Simulation, control: Option<&Simulation>) -> Estimate {
        if let Metric::Lift(of) = self {
            return control.map_or(undefined(), |control| lift(of, simulation, control));
        }
        let rows = simulation.metrics.by_age();
        let last = |f: fn(&AgeMetrics) -> Estimate| rows.last().map_or(undefined(), f);
        match self {
            Metric::Profit => last(|r| r.to_date(Quantity::Profit)),
            Metric::Revenue => last(|r| r.to_date(Quantity::Revenue)),
            Metric::Reward => last(|r| r.to_date(Quantity::Reward)),
            Metric::Conversion => last(|r| r.conversion),
            Metric::Active(day) => rows
                .iter()
                .find(|r| r.age == day)
                .map_or(undefined(), |r| r.active),
            Metric::Lift(_) => undefined(),
        }
    }
}

/// The paired difference per user of `of` between `simulation` and `control`, run
/// on the same users (the records pair by position: both are in id order).
fn lift(of: Lifted, simulation: &Simulation, control: &Simulation) -> Estimate {
    let pairs = control
        .users
        .iter()
        .zip(&simulation.users)
        .map(|(a, b)| (of.of(a), of.of(b)));
    match compare_paired(&PairedStats::from_pairs(pairs)) {
        Ok(comparison) => Estimate {
            mean: comparison.difference.estimate,
            low: comparison.difference.low,
            high: comparison.difference.high,
        },
        Err(_) => undefined(),
    }
}

fn undefined() -> Estimate {
    Estimate {
        mean: f64::NAN,
        low: f64::NAN,
        high: f64::NAN,
    }
}
