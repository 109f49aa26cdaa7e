//! The cohort metrics as a text table for the terminal.

use onboard_envs::{AgeMetrics, CohortMetrics, Estimate, Quantity};
use std::fmt::Write;

/// Ages shown: the usual day-N retention checkpoints inside the horizon, and the last.
fn checkpoints(horizon: u32) -> Vec<u32> {
    let mut ages: Vec<u32> = [0, 1, 3, 7, 14, 30]
        .into_iter()
        .filter(|&a| a < horizon)
        .collect();
    if ages.last() != Some(&(horizon - 1)) {
        ages.push(horizon - 1);
    }
    ages
}

fn percent(e: Estimate, decimals: usize) -> String {
    if !(e.low.is_finite() && e.high.is_finite()) {
        return format!("{:5.d$}% [–]", 100.0 * e.mean, d = decimals);
    }
    format!(
        "{:5.d$}% [{:4.d$}, {:4.d$}]",
        100.0 * e.mean,
        100.0 * e.low,
        100.0 * e.high,
        d = decimals
    )
}

fn money(e: Estimate) -> String {
    if !(e.low.is_finite() && e.high.is_finite()) {
        return format!("{:7.2} [–]", e.mean);
    }
    format!("{:7.2} [{:.2}, {:.2}]", e.mean, e.low, e.high)
}

/// The table's column headers. Latent survival and win-backs are simulator truth
/// that no platform can measure; lapsed users (no visit in the scenario's
/// `lapse_days` days) are what a platform sees of churn.
const COLUMNS: [&str; 8] = [
    "day",
    "latent survival (simulator truth)",
    "won back that day",
    "active (day-N)",
    "lapsed",
    "converted",
    "profit/user to date",
    "messages/user to date",
];

/// One table line: the age column right-aligned, then the metric columns, each as
/// wide as its header and at least 26 characters.
fn line(cells: &[String; 8]) -> String {
    let [day, rest @ ..] = cells;
    let mut text = format!("{day:>4}  ");
    for (cell, header) in rest.iter().zip(&COLUMNS[1..]) {
        let width = (header.len() + 2).max(26);
        let _ = write!(text, "{cell:<width$}");
    }
    text.trim_end().to_string()
}

/// Renders latent survival, win-backs, day-N activity, lapsed users, conversion,
/// profit and messages per user by age, each with its 95 % interval.
pub fn render(metrics: &CohortMetrics) -> String {
    let rows = metrics.by_age();
    let mut out = format!("{} users; 95 % intervals in brackets\n", metrics.users());
    if metrics.users() == 1 {
        out.push_str("one user: no interval can be estimated ([–])\n");
    }
    out += &line(&COLUMNS.map(String::from));
    out.push('\n');
    for age in checkpoints(metrics.horizon()) {
        let r: &AgeMetrics = &rows[age as usize];
        out += &line(&[
            r.age.to_string(),
            percent(r.survival, 1),
            percent(r.won_back, 2),
            percent(r.active, 1),
            percent(r.lapsed, 1),
            percent(r.conversion, 1),
            money(r.to_date(Quantity::Profit)),
            money(r.to_date(Quantity::Messages)),
        ]);
        out.push('\n');
    }
    out
}

/// Renders an experiment's arms (day-7 and last-day activity, conversion, profit per
/// user), each arm's profit lift against the control with its raw and
/// Holm-adjusted p-values, and the verdict.
pub fn render_experiment(analysis: &crate::ab::analysis::Analysis) -> String {
    use crate::stats::Interval;
    let pct = |i: &Interval| {
        format!(
            "{:5.1}% [{:4.1}, {:4.1}]",
            100.0 * i.estimate,
            100.0 * i.low,
            100.0 * i.high
        )
    };
    let cash = |i: &Interval| format!("{:7.2} [{:.2}, {:.2}]", i.estimate, i.low, i.high);
    // Wide enough for the longest arm name, and at least 20.
    let width = analysis
        .arms
        .iter()
        .map(|a| a.name.chars().count() + 1)
        .max()
        .unwrap_or(0)
        .max(20);
    let mut out = format!(
        "{:<width$}{:<24}{:<24}{:<24}{:<26}{}\n",
        "arm",
        "day-7 active",
        "day-30 active",
        "converted",
        "profit/user",
        "profit lift vs control"
    );
    for arm in &analysis.arms {
        let day = |d: u32| {
            arm.retention
                .iter()
                .find(|(day, _)| *day == d)
                .map_or("–".to_string(), |(_, i)| pct(i))
        };
        let lift = analysis
            .lifts
            .iter()
            .find(|l| l.arm == arm.name && l.metric == "profit")
            .map_or("(control)".to_string(), |l| {
                format!(
                    "{:+.2} [{:+.2}, {:+.2}] p={:.3} holm={:.3}",
                    l.difference.estimate,
                    l.difference.low,
                    l.difference.high,
                    l.p_value,
                    l.p_adjusted
                )
            });
        let _ = writeln!(
            out,
            "{:<width$}{:<24}{:<24}{:<24}{:<26}{}",
            arm.name,
            day(7),
            day(30),
            pct(&arm.conversion),
            cash(&arm.profit),
            lift
        );
    }
    out.push('\n');
    out.push_str(&wrap(&analysis.verdict, 90));
    out
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word
/// keeps its own line), each ending in a newline.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line > 0 && line + 1 + len > width {
            out.push('\n');
            line = 0;
        }
        if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}
