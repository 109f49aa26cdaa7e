//! The plots of simulated cohorts, one line per policy: Kaplan–Meier latent survival
//! (simulator truth: churn is latent, no platform can measure it), day-N activity,
//! cumulative conversion and profit per user by age, each with its 95 % band; and,
//! per policy, the share of users each lever was chosen for, by user age: for all
//! users, then for the users of each first-session segment signal.

use crate::ab::analysis::kaplan_meier_of;
use crate::plots::{Panel, Series, line_chart, panels_chart};
use crate::simulate::Simulation;
use crate::stats::Interval;
use anyhow::Result;
use onboard_envs::{Estimate, Model, Quantity};
use std::path::Path;

/// The plots [`write_cohort_plots`] draws, as `(file stem, caption)`; each policy's
/// levers by age and segment signal follow as `actions-<name>`.
pub const COHORT_PLOTS: [(&str, &str); 4] = [
    (
        "survival",
        "Latent survival (simulator truth): users not churned, Kaplan–Meier",
    ),
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
        &format!("Latent survival (simulator truth), {scenario}"),
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
    for (name, simulation) in arms {
        let mut panels = vec![Panel {
            title: "all users".to_string(),
            series: lever_shares(model, &simulation.action_mix_by_age()),
        }];
        panels.extend(
            model
                .scenario()
                .segments
                .iter()
                .zip(&simulation.action_mix)
                .map(|(segment, mix)| Panel {
                    title: format!("first-session signal: {}", segment.name),
                    series: lever_shares(model, mix),
                }),
        );
        panels_chart(
            &folder.join(format!("actions-{name}")),
            &format!("Levers {name} chooses, by user age and segment signal"),
            AGE,
            "users the lever was chosen for (%)",
            &panels,
        )?;
    }
    Ok(())
}

/// One series per lever, drawn as steps (one value per day of age): at each age, the
/// share of users (in %) whose joint action included that lever, from
/// `mix[age][joint action]` counts; NaN at an age with no user.
pub fn lever_shares(model: &Model, mix: &[Vec<u64>]) -> Vec<Series> {
    let actions = model.actions();
    model
        .scenario()
        .levers
        .iter()
        .enumerate()
        .map(|(lever, l)| {
            let kind = l.kind.index();
            let points = mix
                .iter()
                .enumerate()
                .map(|(age, counts)| {
                    let total: u64 = counts.iter().sum();
                    let chosen: u64 = counts
                        .iter()
                        .enumerate()
                        .filter(|&(a, _)| actions.parts(a)[kind] == Some(lever))
                        .map(|(_, &count)| count)
                        .sum();
                    let share = if total == 0 {
                        f64::NAN
                    } else {
                        100.0 * chosen as f64 / total as f64
                    };
                    (age as f64, share)
                })
                .collect();
            Series::new(format!("{} ({})", l.name, l.kind.name()), points).stepped()
        })
        .collect()
}
