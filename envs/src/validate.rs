//! Validation of a parsed scenario: every rule the model relies on, each broken rule
//! reported with its field path and the value found.

use crate::arrivals::MAX_SIGNUPS_PER_DAY;
use crate::error::Problem;
use crate::scenario::{Action, ActionKind, Channel, LogNormal, Normal, Scenario, Segment};
use std::collections::{BTreeMap, BTreeSet};

/// Tolerance on probability vectors summing to one.
const SUM_TOLERANCE: f64 = 1e-6;
/// Segment and action indices are stored in a byte.
const MAX_CATEGORIES: usize = 255;
/// A longer onboarding window is not onboarding any more, and keeps metrics small.
const MAX_HORIZON: u32 = 366;

/// Collects problems, each under its field path.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            rule: rule.into(),
        });
    }

    fn finite(&mut self, path: &str, value: f64) -> bool {
        if value.is_finite() {
            true
        } else {
            self.fail(path, format!("must be a finite number, got {value}"));
            false
        }
    }

    fn non_negative(&mut self, path: &str, value: f64) {
        if self.finite(path, value) && value < 0.0 {
            self.fail(path, format!("must be at least 0, got {value}"));
        }
    }

    fn within(&mut self, path: &str, value: f64, low: f64, high: f64) {
        if self.finite(path, value) && !(low..=high).contains(&value) {
            self.fail(path, format!("must lie in [{low}, {high}], got {value}"));
        }
    }

    fn probabilities(&mut self, path: &str, values: impl IntoIterator<Item = (String, f64)>) {
        let mut sum = 0.0;
        for (name, p) in values {
            self.within(&format!("{path}{name}"), p, 0.0, 1.0);
            sum += p;
        }
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            self.fail(path, format!("probabilities must sum to 1, got {sum}"));
        }
    }

    fn unique_names<'a>(&mut self, path: &str, names: impl IntoIterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for (i, name) in names.into_iter().enumerate() {
            if name.trim().is_empty() {
                self.fail(format!("{path}[{i}].name"), "must not be empty");
            } else if !seen.insert(name) {
                self.fail(
                    format!("{path}[{i}].name"),
                    format!("'{name}' is used twice"),
                );
            }
        }
    }

    fn week(&mut self, path: &str, values: &[f64]) {
        if values.len() != 7 {
            self.fail(
                path,
                format!("needs one value per weekday (7), got {}", values.len()),
            );
        }
    }

    fn count(&mut self, path: &str, len: usize) {
        if len == 0 {
            self.fail(path, "needs at least one entry");
        } else if len > MAX_CATEGORIES {
            self.fail(path, format!("at most {MAX_CATEGORIES} entries, got {len}"));
        }
    }

    /// Keys of a per-segment map must name segments; values must be finite.
    fn segment_map(&mut self, path: &str, map: &BTreeMap<String, f64>, segments: &BTreeSet<&str>) {
        for (name, value) in map {
            if !segments.contains(name.as_str()) {
                let known = segments.iter().copied().collect::<Vec<_>>().join(", ");
                self.fail(
                    path,
                    format!("unknown segment '{name}' (segments: {known})"),
                );
            }
            self.finite(&format!("{path}[\"{name}\"]"), *value);
        }
    }
}

/// Every broken rule of `scenario`; empty when it is valid.
pub fn problems(scenario: &Scenario) -> Vec<Problem> {
    let mut c = Checker::default();
    if scenario.name.trim().is_empty() {
        c.fail("name", "must not be empty");
    }
    if !(1..=MAX_HORIZON).contains(&scenario.horizon) {
        c.fail(
            "horizon",
            format!(
                "must lie in [1, {MAX_HORIZON}] days, got {}",
                scenario.horizon
            ),
        );
    }
    c.within("margin", scenario.margin, 0.0, 1.0);
    if let crate::Objective::Weighted {
        profit,
        conversions,
        retention,
    } = scenario.objective
    {
        c.finite("objective.profit", profit);
        c.finite("objective.conversions", conversions);
        c.finite("objective.retention", retention);
    }

    c.count("segments", scenario.segments.len());
    c.unique_names(
        "segments",
        scenario.segments.iter().map(|s| s.name.as_str()),
    );
    for (i, segment) in scenario.segments.iter().enumerate() {
        check_segment(&mut c, &format!("segments[{i}]"), segment);
    }
    let segment_names: BTreeSet<&str> = scenario.segments.iter().map(|s| s.name.as_str()).collect();

    let arrivals = &scenario.arrivals;
    c.within("arrivals.rate", arrivals.rate, 0.0, MAX_SIGNUPS_PER_DAY);
    c.week("arrivals.weekly", &arrivals.weekly);
    for (d, w) in arrivals.weekly.iter().enumerate() {
        c.non_negative(&format!("arrivals.weekly[{d}]"), *w);
    }
    if c.finite("arrivals.growth", arrivals.growth)
        && !(arrivals.growth > -1.0 && arrivals.growth <= 1.0)
    {
        c.fail(
            "arrivals.growth",
            format!(
                "must lie in (-1, 1] (a daily rate), got {}",
                arrivals.growth
            ),
        );
    }
    c.count("arrivals.channels", arrivals.channels.len());
    c.unique_names(
        "arrivals.channels",
        arrivals.channels.iter().map(|ch| ch.name.as_str()),
    );
    c.probabilities(
        "arrivals.channels",
        arrivals
            .channels
            .iter()
            .enumerate()
            .map(|(i, ch)| (format!("[{i}].share"), ch.share)),
    );
    for (i, channel) in arrivals.channels.iter().enumerate() {
        check_channel(
            &mut c,
            &format!("arrivals.channels[{i}].segments"),
            channel,
            &segment_names,
        );
    }

    c.count("actions", scenario.actions.len());
    c.unique_names("actions", scenario.actions.iter().map(|a| a.name.as_str()));
    for (i, action) in scenario.actions.iter().enumerate() {
        check_action(&mut c, &format!("actions[{i}]"), action, &segment_names);
    }

    let d = &scenario.dynamics;
    c.week("dynamics.weekday_visit", &d.weekday_visit);
    for (day, w) in d.weekday_visit.iter().enumerate() {
        c.finite(&format!("dynamics.weekday_visit[{day}]"), *w);
    }
    for (name, value) in [
        ("habit_visit", d.habit_visit),
        ("habit_per_visit", d.habit_per_visit),
        ("habit_per_purchase", d.habit_per_purchase),
        ("fatigue_visit", d.fatigue_visit),
        ("knowledge_purchase", d.knowledge_purchase),
        ("knowledge_per_visit", d.knowledge_per_visit),
        ("dependence_penalty", d.dependence_penalty),
    ] {
        c.non_negative(&format!("dynamics.{name}"), value);
    }
    for (name, value) in [
        ("habit_decay", d.habit_decay),
        ("fatigue_decay", d.fatigue_decay),
        ("dependence_decay", d.dependence_decay),
        ("signal_accuracy", d.signal_accuracy),
    ] {
        c.within(&format!("dynamics.{name}"), value, 0.0, 1.0);
    }
    if d.coupon_validity == 0 {
        c.fail("dynamics.coupon_validity", "must be at least 1 day, got 0");
    }
    c.non_negative("churn.habit", scenario.churn.habit);
    c.non_negative("churn.fatigue", scenario.churn.fatigue);
    c.non_negative("churn.recency", scenario.churn.recency);
    c.finite("unsubscribe.base", scenario.unsubscribe.base);
    c.non_negative("unsubscribe.slope", scenario.unsubscribe.slope);
    check_journeys(&mut c, scenario);
    c.problems
}

fn check_journeys(c: &mut Checker, scenario: &Scenario) {
    c.unique_names(
        "journeys",
        scenario.journeys.iter().map(|j| j.name.as_str()),
    );
    let actions: Vec<&str> = scenario.actions.iter().map(|a| a.name.as_str()).collect();
    for (j, journey) in scenario.journeys.iter().enumerate() {
        if journey.steps.len() > scenario.horizon as usize {
            c.fail(
                format!("journeys[{j}].steps"),
                format!(
                    "has {} steps, more than the horizon ({} days)",
                    journey.steps.len(),
                    scenario.horizon
                ),
            );
        }
        let named = journey
            .steps
            .iter()
            .enumerate()
            .map(|(age, step)| (format!("journeys[{j}].steps[{age}]"), step))
            .chain([(format!("journeys[{j}].then"), &journey.then)]);
        for (path, name) in named {
            if !actions.contains(&name.as_str()) {
                c.fail(
                    path,
                    format!("unknown action '{name}' (actions: {})", actions.join(", ")),
                );
            }
        }
    }
}

fn check_segment(c: &mut Checker, path: &str, segment: &Segment) {
    c.finite(&format!("{path}.visit_base"), segment.visit_base);
    c.finite(&format!("{path}.purchase_base"), segment.purchase_base);
    c.finite(&format!("{path}.churn_base"), segment.churn_base);
    check_normal(c, &format!("{path}.intent"), segment.intent);
    check_normal(
        c,
        &format!("{path}.price_sensitivity"),
        segment.price_sensitivity,
    );
    check_normal(c, &format!("{path}.tolerance"), segment.tolerance);
    check_log_normal(c, &format!("{path}.order_value"), segment.order_value);
}

fn check_normal(c: &mut Checker, path: &str, normal: Normal) {
    c.finite(&format!("{path}.mean"), normal.mean);
    c.non_negative(&format!("{path}.sd"), normal.sd);
}

fn check_log_normal(c: &mut Checker, path: &str, log_normal: LogNormal) {
    if c.finite(&format!("{path}.median"), log_normal.median) && log_normal.median <= 0.0 {
        c.fail(
            format!("{path}.median"),
            format!("must be above 0, got {}", log_normal.median),
        );
    }
    c.non_negative(&format!("{path}.sigma"), log_normal.sigma);
}

fn check_channel(c: &mut Checker, path: &str, channel: &Channel, segments: &BTreeSet<&str>) {
    for name in channel.segments.keys() {
        if !segments.contains(name.as_str()) {
            let known = segments.iter().copied().collect::<Vec<_>>().join(", ");
            c.fail(
                path,
                format!("unknown segment '{name}' (segments: {known})"),
            );
        }
    }
    c.probabilities(
        path,
        channel
            .segments
            .iter()
            .map(|(name, p)| (format!("[\"{name}\"]"), *p)),
    );
}

fn check_action(c: &mut Checker, path: &str, action: &Action, segments: &BTreeSet<&str>) {
    c.non_negative(&format!("{path}.cost"), action.cost);
    c.within(&format!("{path}.discount"), action.discount, 0.0, 1.0);
    c.segment_map(&format!("{path}.visit"), &action.visit, segments);
    c.segment_map(&format!("{path}.purchase"), &action.purchase, segments);
    c.non_negative(&format!("{path}.fatigue"), action.fatigue);
    c.non_negative(&format!("{path}.knowledge"), action.knowledge);
    c.non_negative(&format!("{path}.dependence"), action.dependence);

    let has_effect = action.cost != 0.0
        || action.discount != 0.0
        || action.visit.values().any(|v| *v != 0.0)
        || action.purchase.values().any(|v| *v != 0.0)
        || action.personalised
        || action.fatigue != 0.0
        || action.knowledge != 0.0
        || action.dependence != 0.0;
    match action.kind {
        ActionKind::Nothing if has_effect => {
            c.fail(path, "a Nothing action must have no cost, discount or effect");
        }
        ActionKind::InApp if action.visit.values().any(|v| *v != 0.0) => c.fail(
            format!("{path}.visit"),
            "an InApp action is only seen during a visit, so it cannot change the visit probability",
        ),
        kind if kind != ActionKind::Incentive && action.discount != 0.0 => c.fail(
            format!("{path}.discount"),
            format!("only Incentive actions give discounts, this one is {kind:?}"),
        ),
        _ => {}
    }
}
