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

use anyhow::{Result, bail};
use onboard_envs::{AgeMetrics, CohortMetrics, Estimate, Quantity};
use serde::{Deserialize, Serialize};

/// The most cells a sweep may have, and the most replicates per cell.
pub const MAX_CELLS: usize = 100_000;
/// The most replicates per cell.
pub const MAX_REPLICATES: usize = 1_000;

/// A sweep: the base experiment run once per cell and replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Sweep", deny_unknown_fields)]
pub struct SweepSpec {
    /// The sweep's name: its default output folder is `results/sweep-<name>`.
    pub name: String,
    /// The experiment every cell runs.
    pub base: Base,
    /// The parameters swept; the cells are every combination of their values (the
    /// first parameter varies slowest).
    pub parameters: Vec<Parameter>,
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
    /// The values, checked: finite, at least one, and positive ends for a log range.
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
        }
    }

    /// Checks that the metric exists for a horizon of `horizon` days.
    pub fn check(self, horizon: u32) -> Result<()> {
        if let Metric::Active(day) = self
            && day >= horizon
        {
            bail!(
                "metrics: Active({day}) is beyond the horizon of {horizon} days (ages 0 to {})",
                horizon - 1
            );
        }
        Ok(())
    }

    /// The metric's estimate in `metrics`.
    pub fn of(self, metrics: &CohortMetrics) -> Estimate {
        let rows = metrics.by_age();
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
        }
    }
}

fn undefined() -> Estimate {
    Estimate {
        mean: f64::NAN,
        low: f64::NAN,
        high: f64::NAN,
    }
}
