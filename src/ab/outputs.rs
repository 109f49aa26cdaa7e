//! An experiment's files: per-arm, per-day metric CSVs, the summary tables as CSV,
//! `summary.json` for machines, the plots (SVG and PNG) and `report.html`.

use super::ExperimentResult;
use super::analysis::Analysis;
use crate::cohort_plots::write_cohort_plots;
use crate::output::{cell, write_csv, write_json, write_metrics_csv};
use crate::plots::{Series, line_chart};
use crate::report;
use crate::simulate::Simulation;
use anyhow::Result;
use onboard_envs::Model;
use serde::Serialize;
use std::path::Path;

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
    write_json(&json, &summary)?;
    let arms: Vec<(&str, &Simulation)> = result
        .runs
        .iter()
        .map(|r| (r.name.as_str(), &r.simulation))
        .collect();
    write_cohort_plots(&result.folder, model, &arms)?;
    write_power_plot(result)?;
    report::write(result, model.scenario())?;
    Ok(())
}

fn write_tables(folder: &Path, analysis: &Analysis) -> Result<()> {
    let mut header = vec!["arm".to_string(), "users".to_string()];
    let first = analysis.arms.first();
    for (day, _) in first.map_or(&[][..], |a| &a.retention[..]) {
        header.extend(triple(&format!("retention_d{day}")));
    }
    for name in ["conversion", "revenue", "profit", "cost", "messages"] {
        header.extend(triple(name));
    }
    write_csv(&folder.join("arms.csv"), |w| {
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
                row.extend([i.estimate, i.low, i.high].map(cell));
            }
            w.write_record(&row)?;
        }
        Ok(())
    })?;

    write_csv(&folder.join("lifts.csv"), |w| {
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
            "p_holm",
            "method",
            "sample_size_per_arm",
        ])?;
        for l in &analysis.lifts {
            // No relative lift against a control of 0: empty cells, not NaN.
            let relative = l
                .relative
                .map_or([String::new(), String::new(), String::new()], |r| {
                    [r.estimate, r.low, r.high].map(cell)
                });
            let mut row = vec![l.arm.clone(), l.metric.clone()];
            row.extend(
                [
                    l.control,
                    l.value,
                    l.difference.estimate,
                    l.difference.low,
                    l.difference.high,
                ]
                .map(cell),
            );
            row.extend(relative);
            row.extend([l.p_value, l.p_adjusted].map(cell));
            row.push(l.method.clone());
            row.push(l.sample_size.map_or(String::new(), |n| n.to_string()));
            w.write_record(&row)?;
        }
        Ok(())
    })?;

    write_csv(&folder.join("survival.csv"), |w| {
        w.write_record(["arm", "age", "survival", "low", "high"])?;
        for curve in &analysis.survival {
            for (age, s) in curve.survival.iter().enumerate() {
                w.write_record([
                    curve.arm.clone(),
                    age.to_string(),
                    cell(s.estimate),
                    cell(s.low),
                    cell(s.high),
                ])?;
            }
        }
        Ok(())
    })?;

    write_csv(&folder.join("power.csv"), |w| {
        w.write_record(["users_per_arm", "power", "low", "high", "replicates"])?;
        for p in &analysis.power {
            w.write_record([
                p.users.to_string(),
                cell(p.power.estimate),
                cell(p.power.low),
                cell(p.power.high),
                p.replicates.to_string(),
            ])?;
        }
        Ok(())
    })?;
    Ok(())
}

fn triple(name: &str) -> [String; 3] {
    [
        name.to_string(),
        format!("{name}_low"),
        format!("{name}_high"),
    ]
}

fn write_power_plot(result: &ExperimentResult) -> Result<()> {
    let analysis = &result.analysis;
    let Some(arm) = analysis.power_plan.as_ref().map(|p| &p.arm) else {
        return Ok(());
    };
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
        &result.folder.join("power"),
        &format!(
            "Power of a split test on profit per user (α = 0.05), {}",
            result.scenario
        ),
        "users per arm",
        "tests detecting the lift (%)",
        &[power],
    )?;
    Ok(())
}
