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

fn percent(e: Estimate) -> String {
    format!(
        "{:5.1}% [{:4.1}, {:4.1}]",
        100.0 * e.mean,
        100.0 * e.low,
        100.0 * e.high
    )
}

fn money(e: Estimate) -> String {
    format!("{:7.2} [{:.2}, {:.2}]", e.mean, e.low, e.high)
}

/// One table line: the age column right-aligned, then the metric columns.
fn line(cells: [&str; 6]) -> String {
    let [day, rest @ ..] = cells;
    let mut text = format!("{day:>4}  ");
    for cell in rest {
        let _ = write!(text, "{cell:<26}");
    }
    text.trim_end().to_string()
}

/// Renders survival, day-N activity, conversion, profit and messages per user by age,
/// each with its 95 % interval.
pub fn render(metrics: &CohortMetrics) -> String {
    let rows = metrics.by_age();
    let mut out = format!("{} users; 95 % intervals in brackets\n", metrics.users());
    out += &line([
        "day",
        "survival",
        "active (day-N)",
        "converted",
        "profit/user to date",
        "messages/user to date",
    ]);
    out.push('\n');
    for age in checkpoints(metrics.horizon()) {
        let r: &AgeMetrics = &rows[age as usize];
        out += &line([
            &r.age.to_string(),
            &percent(r.survival),
            &percent(r.active),
            &percent(r.conversion),
            &money(r.to_date(Quantity::Profit)),
            &money(r.to_date(Quantity::Messages)),
        ]);
        out.push('\n');
    }
    out
}
