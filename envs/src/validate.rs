//! Validation of a parsed scenario: every rule the model relies on, each broken rule
//! reported with its field path and the value found.

use crate::actions::{
    ActionSpace, NONE, NOTHING, POLICY_FILE_ENDINGS, RANDOM, SEPARATOR, find_action,
};
use crate::arrivals::MAX_SIGNUPS_PER_DAY;
use crate::error::Problem;
use crate::scenario::{Channel, Lever, LeverKind, LogNormal, Normal, Scenario, Segment};
use crate::user::MAX_LEVERS;
use std::collections::{BTreeMap, BTreeSet};

/// Tolerance on probability vectors summing to one.
const SUM_TOLERANCE: f64 = 1e-6;
/// Segment and channel indices are stored in a byte.
const MAX_CATEGORIES: usize = 255;
/// A longer onboarding window is not onboarding any more, and keeps metrics small.
/// The largest size any number of a scenario may have. With at most 10 million
/// users over at most 366 days, sums of order values of that size and their
/// squares stay far inside a double's range.
const MAX_MAGNITUDE: f64 = 1e7;
/// The largest spread of a log-normal order value: a median of 1e7 times
/// `e^(5·z)` at `z = 8` is 2e24, still finite when summed and squared.
const MAX_LOG_SIGMA: f64 = 5.0;
const MAX_HORIZON: u32 = 366;

/// Collects problems, each under its field path.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

/// `value` as a message shows it: in exponent form when huge (not 309 digits).
fn shown(value: f64) -> String {
    if value.is_finite() && value.abs() >= 1e9 {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            rule: rule.into(),
        });
    }

    /// Whether `value` is finite and at most [`MAX_MAGNITUDE`] in size, the
    /// range where every sum and square the model and its metrics take stays
    /// finite; records a problem if not.
    fn finite(&mut self, path: &str, value: f64) -> bool {
        if value.is_finite() && value.abs() <= MAX_MAGNITUDE {
            true
        } else {
            self.fail(
                path,
                format!(
                    "must be a finite number within ±{MAX_MAGNITUDE:e}, got {}",
                    shown(value)
                ),
            );
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

    check_levers(&mut c, scenario, &segment_names);
    if scenario.lapse_days == 0 {
        c.fail("lapse_days", "must be at least 1 day, got 0");
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
    check_terminal_value(&mut c, scenario);
    check_journeys(&mut c, scenario);
    c.problems
}

fn check_levers(c: &mut Checker, scenario: &Scenario, segments: &BTreeSet<&str>) {
    let levers = &scenario.levers;
    if levers.is_empty() {
        c.fail("levers", "needs at least one entry");
    } else if levers.len() > MAX_LEVERS {
        c.fail(
            "levers",
            format!("at most {MAX_LEVERS} levers, got {}", levers.len()),
        );
    }
    c.unique_names("levers", levers.iter().map(|l| l.name.as_str()));
    let channels: BTreeSet<&str> = scenario
        .arrivals
        .channels
        .iter()
        .map(|ch| ch.name.as_str())
        .collect();
    for (i, lever) in levers.iter().enumerate() {
        check_lever(c, &format!("levers[{i}]"), lever, segments, &channels);
    }
    for (i, set) in scenario.forbid.iter().enumerate() {
        let path = format!("forbid[{i}]");
        let mut kinds = BTreeSet::new();
        for (j, name) in set.iter().enumerate() {
            match scenario.lever_index(name) {
                Some(l) => {
                    if !kinds.insert(levers[l].kind) {
                        c.fail(
                            format!("{path}[{j}]"),
                            format!(
                                "'{name}' is a second {} lever: levers of one kind never combine anyway",
                                levers[l].kind.name()
                            ),
                        );
                    }
                }
                None => c.fail(
                    format!("{path}[{j}]"),
                    format!("unknown lever '{name}' (levers: {})", lever_names(scenario)),
                ),
            }
        }
        if set.len() < 2 {
            c.fail(
                path,
                format!(
                    "a forbidden combination names at least 2 levers, got {}",
                    set.len()
                ),
            );
        }
    }
    if let Some(cap) = scenario.message_cap {
        if !(1..=32).contains(&cap.days) {
            c.fail(
                "message_cap.days",
                format!("must lie in [1, 32] days, got {}", cap.days),
            );
        }
        if cap.messages >= cap.days {
            c.fail(
                "message_cap.messages",
                format!(
                    "must be below message_cap.days ({}) to cap anything, got {}",
                    cap.days, cap.messages
                ),
            );
        }
    }
}

fn lever_names(scenario: &Scenario) -> String {
    scenario
        .levers
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_terminal_value(c: &mut Checker, scenario: &Scenario) {
    let Some(value) = &scenario.terminal_value else {
        return;
    };
    c.finite("terminal_value.live", value.live);
    c.finite("terminal_value.habit", value.habit);
    c.finite("terminal_value.fatigue", value.fatigue);
    c.finite("terminal_value.dependence", value.dependence);
    for (name, v) in &value.subscription {
        let path = format!("terminal_value.subscription[\"{name}\"]");
        c.finite(&path, *v);
        let is_message = scenario
            .lever_index(name)
            .is_some_and(|l| scenario.levers[l].kind == LeverKind::Message);
        if !is_message {
            c.fail(
                path,
                format!("'{name}' is not a Message lever of the scenario"),
            );
        }
    }
}

fn check_journeys(c: &mut Checker, scenario: &Scenario) {
    c.unique_names(
        "journeys",
        scenario.journeys.iter().map(|j| j.name.as_str()),
    );
    let space = ActionSpace::new(scenario);
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
            if find_action(space.names(), name).is_none() {
                c.fail(
                    path,
                    format!(
                        "'{name}' is no allowed action: name levers joined by '+' ({}), or '{NOTHING}'",
                        lever_names(scenario)
                    ),
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
    c.within(
        &format!("{path}.sigma"),
        log_normal.sigma,
        0.0,
        MAX_LOG_SIGMA,
    );
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

fn check_lever(
    c: &mut Checker,
    path: &str,
    lever: &Lever,
    segments: &BTreeSet<&str>,
    channels: &BTreeSet<&str>,
) {
    let reserved = [NONE, NOTHING, RANDOM].contains(&lever.name.as_str())
        || POLICY_FILE_ENDINGS.iter().any(|e| lever.name.ends_with(e));
    if lever.name.contains(SEPARATOR) || reserved {
        c.fail(
            format!("{path}.name"),
            format!(
                "'{}' cannot name a lever: no '{SEPARATOR}', not '{NONE}', '{NOTHING}' or \
                 '{RANDOM}' (the command line gives those a meaning), and no ending in \
                 .ron or .ot (read as policy files)",
                lever.name
            ),
        );
    }
    c.non_negative(&format!("{path}.cost"), lever.cost);
    c.within(&format!("{path}.discount"), lever.discount, 0.0, 1.0);
    c.segment_map(&format!("{path}.visit"), &lever.visit, segments);
    c.segment_map(&format!("{path}.purchase"), &lever.purchase, segments);
    c.non_negative(&format!("{path}.fatigue"), lever.fatigue);
    c.non_negative(&format!("{path}.knowledge"), lever.knowledge);
    c.non_negative(&format!("{path}.dependence"), lever.dependence);
    if let Some(w) = lever.win_back {
        c.finite(&format!("{path}.win_back"), w);
    }
    for (name, share) in &lever.opt_in {
        if !channels.contains(name.as_str()) {
            let known = channels.iter().copied().collect::<Vec<_>>().join(", ");
            c.fail(
                format!("{path}.opt_in"),
                format!("unknown channel '{name}' (channels: {known})"),
            );
        }
        c.within(&format!("{path}.opt_in[\"{name}\"]"), *share, 0.0, 1.0);
    }
    let kind = lever.kind;
    if kind == LeverKind::Message {
        for name in channels {
            if !lever.opt_in.contains_key(*name) {
                c.fail(
                    format!("{path}.opt_in"),
                    format!("a Message lever needs the opt-in share of every channel; '{name}' is missing"),
                );
            }
        }
    } else {
        if !lever.opt_in.is_empty() {
            c.fail(
                format!("{path}.opt_in"),
                format!("only Message levers have subscriptions, this one is {kind:?}"),
            );
        }
        if lever.win_back.is_some() {
            c.fail(
                format!("{path}.win_back"),
                format!("only Message levers reach dormant users, this one is {kind:?}"),
            );
        }
    }
    if kind == LeverKind::InApp && lever.visit.values().any(|v| *v != 0.0) {
        c.fail(
            format!("{path}.visit"),
            "an InApp lever is only seen during a visit, so it cannot change the visit probability",
        );
    }
    if kind != LeverKind::Incentive && lever.discount != 0.0 {
        c.fail(
            format!("{path}.discount"),
            format!("only Incentive levers give discounts, this one is {kind:?}"),
        );
    }
}
