//! The plots of simulated cohorts, one line (or panel) per policy: Kaplan–Meier
//! survival, day-N activity, cumulative conversion and profit per user by age,
//! each with its 95 % band, and what each policy does by user age.

use crate::ab::analysis::kaplan_meier_of;
use crate::plots::{Series, line_chart, stacked_area};
use crate::simulate::Simulation;
use crate::stats::Interval;
use anyhow::Result;
use onboard_envs::{Estimate, Model, Quantity};
use std::path::Path;

/// The plots [`write_cohort_plots`] draws, as `(file stem, caption)`; each policy's
/// action mix follows as `actions-<name>`.
pub const COHORT_PLOTS: [(&str, &str); 4] = [
    ("survival", "Survival (not churned), Kaplan–Meier"),
    ("active", "Active on day N (day-N retention)"),
    ("conversion", "Cumulative conversion"),
    ("profit", "Profit per user to date"),
];

const AGE: &str = "age (days since signup)";

/// A series of `(age, estimate · scale)` with its band, ages counted from `start`.
fn by_age(name: &str, start: usize, values: impl Iterator<Item = Estimate>, scale: f64) -> Series {
    let rows: Vec<(f64, Estimate)> = values
        .enumerate()
        .map(|(i, e)| ((start + i) as f64, e))
        .collect();
    Series::new(
        name,
        rows.iter().map(|(x, e)| (*x, e.mean * scale)).collect(),
    )
    .with_band(
        rows.iter()
            .map(|(x, e)| (*x, e.low * scale, e.high * scale))
            .collect(),
    )
}

fn interval_series(name: &str, values: &[Interval], scale: f64) -> Series {
    let estimate = |i: &Interval| Estimate {
        mean: i.estimate,
        low: i.low,
        high: i.high,
    };
    by_age(name, 0, values.iter().map(estimate), scale)
}

/// Writes the [`COHORT_PLOTS`] and the action mixes of `arms` (name, simulation)
/// into `folder`, as SVG and PNG.
pub fn write_cohort_plots(
    folder: &Path,
    model: &Model,
    arms: &[(&str, &Simulation)],
) -> Result<()> {
    let scenario = &model.scenario().name;
    let horizon = model.horizon() as usize;
    let survival = arms
        .iter()
        .map(|(name, s)| {
            Ok(interval_series(name, &kaplan_meier_of(&s.users, horizon)?, 100.0).stepped())
        })
        .collect::<Result<Vec<_>>>()?;
    line_chart(
        &folder.join("survival"),
        &format!("Survival (not churned), {scenario}"),
        AGE,
        "users not churned (%)",
        &survival,
    )?;
    let ages = || arms.iter().map(|(name, s)| (*name, s.metrics.by_age()));
    let active: Vec<Series> = ages()
        .map(|(name, m)| by_age(name, 1, m.iter().skip(1).map(|a| a.active), 100.0))
        .collect();
    line_chart(
        &folder.join("active"),
        &format!("Active on day N, {scenario}"),
        AGE,
        "users active that day (%)",
        &active,
    )?;
    let conversion: Vec<Series> = ages()
        .map(|(name, m)| by_age(name, 0, m.iter().map(|a| a.conversion), 100.0))
        .collect();
    line_chart(
        &folder.join("conversion"),
        &format!("Cumulative conversion, {scenario}"),
        AGE,
        "users who bought (%)",
        &conversion,
    )?;
    let profit: Vec<Series> = ages()
        .map(|(name, m)| by_age(name, 0, m.iter().map(|a| a.to_date(Quantity::Profit)), 1.0))
        .collect();
    line_chart(
        &folder.join("profit"),
        &format!("Profit per user to date, {scenario}"),
        AGE,
        "profit per user (currency units)",
        &profit,
    )?;
    let actions = model.scenario().action_names();
    for (name, simulation) in arms {
        let mix = &simulation.action_mix;
        let x: Vec<f64> = (0..mix.len()).map(|a| a as f64).collect();
        let shares: Vec<Vec<f64>> = (0..actions.len())
            .map(|k| {
                mix.iter()
                    .map(|counts| {
                        let total: u64 = counts.iter().sum();
                        if total == 0 {
                            f64::NAN
                        } else {
                            counts[k] as f64 / total as f64
                        }
                    })
                    .collect()
            })
            .collect();
        stacked_area(
            &folder.join(format!("actions-{name}")),
            &format!("What {name} does, by user age"),
            AGE,
            "share of live users",
            &actions,
            &x,
            &shares,
        )?;
    }
    Ok(())
}
