//! `report.html`: one self-contained page per experiment, with the scenario, the
//! arms' metrics with intervals, the lifts, the sample sizes and every plot (the
//! SVGs embedded inline, so the file can be mailed alone).

use crate::ab::ExperimentResult;
use crate::ab::outputs::PLOTS;
use crate::stats::Interval;
use anyhow::{Context, Result};
use onboard_envs::Model;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;\
max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}\
td,th{padding:.3em .7em;border-bottom:1px solid #eee;text-align:right}\
td:first-child,th:first-child{text-align:left}.ci{color:#777;font-size:.85em}\
figure{margin:1.5em 0}figcaption{color:#555;font-size:.9em}svg{max-width:100%;height:auto}\
.note{color:#555;font-size:.9em}";

/// HTML-escapes `text`.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `estimate [low, high]` with `decimals` decimals, times `scale` (100 for percents).
fn cell(i: &Interval, scale: f64, decimals: usize) -> String {
    format!(
        "{:.d$} <span class=\"ci\">[{:.d$}, {:.d$}]</span>",
        i.estimate * scale,
        i.low * scale,
        i.high * scale,
        d = decimals
    )
}

fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// Writes `report.html` into the result's folder, embedding the plots written there.
pub fn write(result: &ExperimentResult, model: &Model) -> Result<()> {
    let html = render(result, model)?;
    let path = result.folder.join("report.html");
    std::fs::write(&path, html).with_context(|| format!("cannot write {}", path.display()))
}

fn render(result: &ExperimentResult, model: &Model) -> Result<String> {
    let a = &result.analysis;
    let scenario = model.scenario();
    let mut h = String::new();
    writeln!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{0}: onboard experiment</title><style>{STYLE}</style></head><body>\
         <h1>Experiment {0}</h1>",
        escape(&result.experiment.name)
    )?;
    writeln!(
        h,
        "<h2>Scenario</h2><table><tr><td>scenario</td><td>{}</td></tr>\
         <tr><td>horizon</td><td>{} days</td></tr><tr><td>objective</td><td>{:?}</td></tr>\
         <tr><td>segments</td><td>{}</td></tr><tr><td>actions</td><td>{}</td></tr>\
         <tr><td>assignment</td><td>{:?}{}</td></tr><tr><td>users per arm</td><td>{}</td></tr>\
         <tr><td>seed</td><td>{}</td></tr></table>",
        escape(&result.scenario),
        scenario.horizon,
        scenario.objective,
        escape(
            &scenario
                .segments
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        escape(
            &scenario
                .actions
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        a.assignment,
        match a.assignment {
            crate::ab::experiment::Assignment::Paired =>
                " (the same users in every arm: common random numbers)",
            crate::ab::experiment::Assignment::Split => " (independent users per arm)",
        },
        result.experiment.users,
        result.seed
    )?;

    h.push_str("<h2>Arms</h2><p class=\"note\">95 % intervals in brackets; money in currency units per user over the horizon.</p><table><tr><th>arm</th><th>policy</th>");
    let retention_days: Vec<u32> = a.arms.first().map_or(Vec::new(), |arm| {
        arm.retention.iter().map(|(d, _)| *d).collect()
    });
    for d in &retention_days {
        write!(h, "<th>day-{d} active %</th>")?;
    }
    h.push_str(
        "<th>conversion %</th><th>revenue</th><th>profit</th><th>cost</th><th>messages</th></tr>",
    );
    for (arm, run) in a.arms.iter().zip(&result.runs) {
        write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            escape(&arm.name),
            escape(&run.policy)
        )?;
        for (_, r) in &arm.retention {
            write!(h, "<td>{}</td>", cell(r, 100.0, 1))?;
        }
        write!(
            h,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            cell(&arm.conversion, 100.0, 2),
            cell(&arm.revenue, 1.0, 2),
            cell(&arm.profit, 1.0, 2),
            cell(&arm.cost, 1.0, 3),
            cell(&arm.messages, 1.0, 2)
        )?;
    }
    h.push_str("</table>");

    write!(
        h,
        "<h2>Lift against {}</h2><p class=\"note\">Difference = arm − control; lift = arm / control − 1. \
         Sample size: users per arm a real split test needs to detect the simulated difference \
         (α = 0.05 two-sided, power 0.8).</p><table><tr><th>arm</th><th>metric</th><th>control</th>\
         <th>arm</th><th>difference</th><th>lift %</th><th>p-value</th><th>method</th><th>sample size per arm</th></tr>",
        escape(&a.control)
    )?;
    for l in &a.lifts {
        write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.arm),
            escape(&l.metric),
            l.control,
            l.value,
            cell(&l.difference, 1.0, 4),
            l.relative.map_or("–".to_string(), |r| cell(&r, 100.0, 1)),
            p_value(l.p_value),
            l.method,
            l.sample_size.map_or("∞".to_string(), |n| n.to_string())
        )?;
    }
    h.push_str("</table>");
    write!(
        h,
        "<h2>Time to churn</h2><p>Log-rank test across all arms: χ² = {:.2} on {} degrees of freedom, p = {}.</p>",
        a.log_rank.statistic,
        a.log_rank.df,
        p_value(a.log_rank.p_value)
    )?;
    if let Some(arm) = &a.power_arm {
        write!(
            h,
            "<h2>Power</h2><p class=\"note\">Replicate split tests of {} against {} on profit per user, \
             simulated on fresh users.</p><table><tr><th>users per arm</th><th>power %</th><th>replicates</th></tr>",
            escape(arm),
            escape(&a.control)
        )?;
        for p in &a.power {
            write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.users,
                cell(&p.power, 100.0, 1),
                p.replicates
            )?;
        }
        h.push_str("</table>");
    }

    h.push_str("<h2>Plots</h2>");
    let actions: Vec<(String, String)> = result
        .runs
        .iter()
        .map(|r| {
            (
                format!("actions-{}", r.name),
                format!("Action mix of {} by user age", r.name),
            )
        })
        .collect();
    let plots = [(
        "learning",
        "Learning curves: profit per user on each training cohort",
    )]
    .iter()
    .chain(&PLOTS)
    .map(|(stem, caption)| (stem.to_string(), caption.to_string()))
    .chain(actions);
    for (stem, caption) in plots {
        let path = result.folder.join(format!("{stem}.svg"));
        if let Ok(svg) = std::fs::read_to_string(&path) {
            let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
            write!(
                h,
                "<figure>{body}<figcaption>{}</figcaption></figure>",
                escape(&caption)
            )?;
        }
    }
    h.push_str("<p class=\"note\">Tables for machines: summary.json, arms.csv, lifts.csv, survival.csv, power.csv and metrics-&lt;arm&gt;.csv (per day).</p></body></html>\n");
    Ok(h)
}
