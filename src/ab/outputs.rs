//! An experiment's files: per-arm, per-day metric CSVs, the summary tables as CSV,
//! `summary.json` for machines, the plots (SVG and PNG) and `report.html`.

use super::ExperimentResult;
use super::analysis::Analysis;
use crate::output::write_metrics_csv;
use crate::plots::{Series, line_chart, stacked_area};
use crate::report;
use crate::stats::Interval;
use anyhow::{Context, Result};
use onboard_envs::{Estimate, Model, Quantity};
use serde::Serialize;
use std::path::Path;

/// The plots every experiment draws, as `(file stem, caption)`.
pub const PLOTS: [(&str, &str); 5] = [
    ("survival", "Survival (not churned), Kaplan–Meier"),
    ("active", "Active on day N (day-N retention)"),
    ("conversion", "Cumulative conversion"),
    ("profit", "Profit per user to date"),
    ("power", "Power of a split test"),
];

#[derive(Serialize)]
struct Summary<'a> {
    experiment: &'a str,
    scenario: &'a str,
    seed: u64,
    users_per_arm: usize,
    policies: Vec<(&'a str, &'a str)>,
    #[serde(flatten)]
    analysis: &'a Analysis,
}

/// Writes every output of `result` into its folder.
pub fn write_all(result: &ExperimentResult, model: &Model) -> Result<()> {
    let folder = &result.folder;
    for run in &result.runs {
        let path = folder.join(format!("metrics-{}.csv", run.name));
        write_metrics_csv(&path, &run.simulation.metrics)?;
    }
    write_tables(folder, &result.analysis)?;
    let summary = Summary {
        experiment: &result.experiment.name,
        scenario: &result.scenario,
        seed: result.seed,
        users_per_arm: result.experiment.users,
        policies: result
            .runs
            .iter()
            .map(|r| (r.name.as_str(), r.policy.as_str()))
            .collect(),
        analysis: &result.analysis,
    };
    let json = folder.join("summary.json");
    let text = serde_json::to_string_pretty(&summary)?;
    std::fs::write(&json, text).with_context(|| format!("cannot write {}", json.display()))?;
    write_plots(result, model)?;
    report::write(result, model)
}

fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))
}

fn write_tables(folder: &Path, analysis: &Analysis) -> Result<()> {
    let path = folder.join("arms.csv");
    let mut w = csv_writer(&path)?;
    let mut header = vec!["arm".to_string(), "users".to_string()];
    let first = analysis.arms.first();
    for (day, _) in first.map_or(&[][..], |a| &a.retention[..]) {
        header.extend(triple(&format!("retention_d{day}")));
    }
    for name in ["conversion", "revenue", "profit", "cost", "messages"] {
        header.extend(triple(name));
    }
    w.write_record(&header)?;
    for arm in &analysis.arms {
        let mut row = vec![arm.name.clone(), arm.users.to_string()];
        let values = arm.retention.iter().map(|(_, i)| i).chain([
            &arm.conversion,
            &arm.revenue,
            &arm.profit,
            &arm.cost,
            &arm.messages,
        ]);
        for i in values {
            row.extend([i.estimate, i.low, i.high].map(|x| x.to_string()));
        }
        w.write_record(&row)?;
    }
    w.flush()?;

    let mut w = csv_writer(&folder.join("lifts.csv"))?;
    w.write_record([
        "arm",
        "metric",
        "control",
        "value",
        "difference",
        "difference_low",
        "difference_high",
        "lift",
        "lift_low",
        "lift_high",
        "p_value",
        "method",
        "sample_size_per_arm",
    ])?;
    for l in &analysis.lifts {
        let relative = l
            .relative
            .map_or([f64::NAN; 3], |r| [r.estimate, r.low, r.high]);
        let mut row = vec![l.arm.clone(), l.metric.clone()];
        row.extend(
            [
                l.control,
                l.value,
                l.difference.estimate,
                l.difference.low,
                l.difference.high,
                relative[0],
                relative[1],
                relative[2],
                l.p_value,
            ]
            .map(|x| x.to_string()),
        );
        row.push(l.method.clone());
        row.push(l.sample_size.map_or(String::new(), |n| n.to_string()));
        w.write_record(&row)?;
    }
    w.flush()?;

    let mut w = csv_writer(&folder.join("survival.csv"))?;
    w.write_record(["arm", "age", "survival", "low", "high"])?;
    for curve in &analysis.survival {
        for (age, s) in curve.survival.iter().enumerate() {
            w.write_record([
                curve.arm.clone(),
                age.to_string(),
                s.estimate.to_string(),
                s.low.to_string(),
                s.high.to_string(),
            ])?;
        }
    }
    w.flush()?;

    let mut w = csv_writer(&folder.join("power.csv"))?;
    w.write_record(["users_per_arm", "power", "low", "high", "replicates"])?;
    for p in &analysis.power {
        w.write_record([
            p.users.to_string(),
            p.power.estimate.to_string(),
            p.power.low.to_string(),
            p.power.high.to_string(),
            p.replicates.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn triple(name: &str) -> [String; 3] {
    [
        name.to_string(),
        format!("{name}_low"),
        format!("{name}_high"),
    ]
}

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

fn write_plots(result: &ExperimentResult, model: &Model) -> Result<()> {
    let folder = &result.folder;
    let scenario = &result.scenario;
    let ages = || {
        result
            .runs
            .iter()
            .map(|r| (r.name.as_str(), r.simulation.metrics.by_age()))
    };
    let age_label = "age (days since signup)";
    let survival: Vec<Series> = result
        .analysis
        .survival
        .iter()
        .map(|c| interval_series(&c.arm, &c.survival, 100.0).stepped())
        .collect();
    line_chart(
        &folder.join("survival"),
        &format!("Survival (not churned), {scenario}"),
        age_label,
        "users not churned (%)",
        &survival,
    )?;
    let active: Vec<Series> = ages()
        .map(|(name, m)| by_age(name, 1, m.iter().skip(1).map(|a| a.active), 100.0))
        .collect();
    line_chart(
        &folder.join("active"),
        &format!("Active on day N, {scenario}"),
        age_label,
        "users active that day (%)",
        &active,
    )?;
    let conversion: Vec<Series> = ages()
        .map(|(name, m)| by_age(name, 0, m.iter().map(|a| a.conversion), 100.0))
        .collect();
    line_chart(
        &folder.join("conversion"),
        &format!("Cumulative conversion, {scenario}"),
        age_label,
        "users who bought (%)",
        &conversion,
    )?;
    let profit: Vec<Series> = ages()
        .map(|(name, m)| by_age(name, 0, m.iter().map(|a| a.to_date(Quantity::Profit)), 1.0))
        .collect();
    line_chart(
        &folder.join("profit"),
        &format!("Profit per user to date, {scenario}"),
        age_label,
        "profit per user (currency units)",
        &profit,
    )?;
    let analysis = &result.analysis;
    if let Some(arm) = &analysis.power_arm {
        let power = Series::new(
            format!("{arm} vs {}", analysis.control),
            analysis
                .power
                .iter()
                .map(|p| (p.users as f64, 100.0 * p.power.estimate))
                .collect(),
        )
        .with_band(
            analysis
                .power
                .iter()
                .map(|p| (p.users as f64, 100.0 * p.power.low, 100.0 * p.power.high))
                .collect(),
        );
        line_chart(
            &folder.join("power"),
            &format!("Power of a split test on profit per user (α = 0.05), {scenario}"),
            "users per arm",
            "tests detecting the lift (%)",
            &[power],
        )?;
    }
    let actions = model.scenario().action_names();
    for run in &result.runs {
        let mix = &run.simulation.action_mix;
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
            &folder.join(format!("actions-{}", run.name)),
            &format!("What {} does, by user age", run.name),
            age_label,
            "share of live users",
            &actions,
            &x,
            &shares,
        )?;
    }
    Ok(())
}
