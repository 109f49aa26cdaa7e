//! The verdict: one paragraph, at the top of the report and under the printed
//! table, that a product manager can act on. Which arm is best on the scenario's
//! objective, by how much with its interval, whether that survives the Holm
//! adjustment, and how many users per arm a real split test needs.

use super::analysis::{Analysis, Lift, p_text};
use super::experiment::Assignment;
use onboard_envs::Objective;

/// The lift metric a scenario's objective is judged on: profit for profit (and for
/// a weighted objective, whose money part it is), conversion for conversions, and
/// day-7 activity, the nearest reported metric, for retention (visits).
pub fn objective_metric(objective: &Objective) -> &'static str {
    match objective {
        Objective::Profit | Objective::Weighted { .. } => "profit",
        Objective::Conversions => "conversion",
        Objective::Retention => "retention_d7",
    }
}

/// A difference on `metric` in its unit: percentage points for shares, currency
/// per user otherwise.
fn amount(metric: &str, x: f64) -> String {
    if is_share(metric) {
        format!("{:+.2} points", 100.0 * x)
    } else {
        format!("{x:+.2}")
    }
}

/// A level of `metric` in its unit.
fn level(metric: &str, x: f64) -> String {
    if is_share(metric) {
        format!("{:.2} %", 100.0 * x)
    } else {
        format!("{x:.2} per user")
    }
}

fn is_share(metric: &str) -> bool {
    metric == "conversion" || metric.starts_with("retention_")
}

/// The verdict on `analysis` for the lift metric `metric`.
pub fn verdict(analysis: &Analysis, metric: &str) -> String {
    let best = analysis
        .lifts
        .iter()
        .filter(|l| l.metric == metric)
        .max_by(|a, b| a.difference.estimate.total_cmp(&b.difference.estimate));
    let Some(best) = best else {
        return format!(
            "No arm could be compared with {} on {metric}.",
            analysis.control
        );
    };
    let mut text = headline(analysis, best, metric);
    text.push(' ');
    text.push_str(&significance(analysis, best));
    if best.difference.estimate > 0.0 {
        text.push(' ');
        text.push_str(&users_needed(analysis, best));
    }
    if analysis.assignment == Assignment::Paired {
        text.push_str(
            " Every arm saw the same simulated users, so these intervals are paired: \
             narrower than a real split test's would be.",
        );
    }
    text
}

fn headline(analysis: &Analysis, best: &Lift, metric: &str) -> String {
    let d = &best.difference;
    let interval = format!(
        "{} [{}, {}]",
        amount(metric, d.estimate),
        amount(metric, d.low),
        amount(metric, d.high)
    );
    let relative = best.relative.map_or(String::new(), |r| {
        format!(
            " ({:+.1} % [{:+.1}, {:+.1}])",
            100.0 * r.estimate,
            100.0 * r.low,
            100.0 * r.high
        )
    });
    if d.estimate > 0.0 {
        format!(
            "Best arm on {metric}, the objective: {} with {} against {} for {}, a lift of \
             {interval}{relative}.",
            best.arm,
            level(metric, best.value),
            level(metric, best.control),
            analysis.control
        )
    } else {
        format!(
            "No arm beats {} on {metric}, the objective: the closest, {}, differs by \
             {interval}{relative}.",
            analysis.control, best.arm
        )
    }
}

fn significance(analysis: &Analysis, best: &Lift) -> String {
    let family = analysis.lifts.len();
    if best.p_adjusted < 0.05 {
        format!(
            "The difference is significant after Holm's adjustment over all {family} \
             comparisons (adjusted p {}; raw p {}).",
            p_text(best.p_adjusted),
            p_text(best.p_value)
        )
    } else {
        format!(
            "The difference is not significant after Holm's adjustment over all {family} \
             comparisons (adjusted p {}; raw p {}): this simulation cannot tell it from \
             chance.",
            p_text(best.p_adjusted),
            p_text(best.p_value)
        )
    }
}

fn users_needed(analysis: &Analysis, best: &Lift) -> String {
    let plan = analysis
        .power_plan
        .as_ref()
        .filter(|p| p.arm == best.arm && best.metric == "profit");
    match (plan, best.sample_size) {
        (Some(plan), _) => match plan.users_for_power {
            Some(n) if n < plan.floor => format!(
                "A real split test needs at least {} users per arm: 80 % power at \
                 α = 0.05 would take only {n} (effect measured on {}), but below {} \
                 users the normal approximation behind its p-value fails for a metric \
                 this skewed. The power curve shows the power at that size.",
                plan.floor, plan.measured_on, plan.floor
            ),
            Some(n) => format!(
                "A real split test needs about {n} users per arm to detect it with 80 % \
                 power at α = 0.05, from its effect measured on {}; the power curve \
                 checks that size by simulation.",
                plan.measured_on
            ),
            None => format!(
                "Measured again on {}, its effect is 0: no split test of any size would \
                 detect it.",
                plan.measured_on
            ),
        },
        (None, Some(n)) => format!(
            "A real split test needs about {n} users per arm to detect it with 80 % power \
             at α = 0.05; the lift was measured on the same users that made this arm the \
             best, so that size is likely optimistic (the winner's curse)."
        ),
        (None, None) => String::new(),
    }
}
