//! The scenario schema: everything a simulation is configured by, as read from RON.
//!
//! These structs mirror the file one to one. [`Scenario::from_ron`] parses and
//! validates; a [`Scenario`] that exists has passed validation, and
//! [`crate::Model::new`] compiles it into the dense tables the dynamics read.
//! The meaning and unit of every field is in the crate documentation.

use crate::error::ScenarioError;
use crate::validate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A complete simulation set-up: population, levers, dynamics and objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name used in tables, plots and result folders.
    pub name: String,
    /// Base seed of every random stream (arrivals, users, days).
    pub seed: u64,
    /// Days simulated per user, signup day (age 0) included: ages `0..horizon`.
    pub horizon: u32,
    /// Gross margin on order value, in `[0, 1]`: profit = margin · value − discount − cost.
    pub margin: f64,
    /// What a policy is rewarded for each user-day.
    #[serde(default)]
    pub objective: Objective,
    /// How many new users sign up each day, and through which channels.
    pub arrivals: Arrivals,
    /// User segments: base behaviour and latent trait distributions.
    pub segments: Vec<Segment>,
    /// The onboarding levers a policy can pull; the first is the usual control.
    pub actions: Vec<Action>,
    /// Coefficients of the visit, purchase and state-update equations.
    pub dynamics: Dynamics,
    /// Coefficients of the daily churn probability.
    pub churn: Churn,
    /// Coefficients of the unsubscribe probability.
    pub unsubscribe: Unsubscribe,
    /// Journey templates: fixed action schedules that a policy deciding once per
    /// user, at signup, chooses among. Optional.
    #[serde(default)]
    pub journeys: Vec<Journey>,
}

/// A fixed onboarding schedule: one action per age, chosen for a user at signup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    /// Short name used in tables and plots.
    pub name: String,
    /// Action names for ages 0, 1, 2, …; may be shorter than the horizon.
    pub steps: Vec<String>,
    /// The action for every age after `steps`.
    pub then: String,
}

/// The reward of one user-day.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Objective {
    /// Profit in currency units: margin · order value − discount given − action cost.
    #[default]
    Profit,
    /// 1 on the day of the user's first purchase, else 0.
    Conversions,
    /// 1 on each day the user visits, else 0.
    Retention,
    /// A weighted sum of the three rewards above.
    Weighted {
        /// Weight of the profit reward.
        profit: f64,
        /// Weight of the first-purchase reward.
        conversions: f64,
        /// Weight of the active-day reward.
        retention: f64,
    },
}

/// Signups per day: `N_d ~ Poisson(rate · weekly[d mod 7] · (1 + growth)^d)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    /// Mean signups per day before weekly pattern and growth.
    pub rate: f64,
    /// Multiplier of the rate for each weekday, calendar day 0 first.
    pub weekly: Vec<f64>,
    /// Daily growth of the rate (0.01 = +1 % a day).
    pub growth: f64,
    /// Acquisition channels with their share of signups.
    pub channels: Vec<Channel>,
}

/// An acquisition channel and the segments it brings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Name, e.g. "organic" or "paid_social".
    pub name: String,
    /// Probability that a signup comes through this channel.
    pub share: f64,
    /// Probability of each segment (by name) among this channel's signups.
    pub segments: BTreeMap<String, f64>,
}

/// A user segment: base rates in logits and the distributions of latent traits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// Name, e.g. "bargain_hunter".
    pub name: String,
    /// Base log-odds of visiting on a day.
    pub visit_base: f64,
    /// Base log-odds of buying during a visit.
    pub purchase_base: f64,
    /// Base log-odds of churning at the end of a day.
    pub churn_base: f64,
    /// Intent: log-odds added to both visit and purchase.
    pub intent: Normal,
    /// Price sensitivity: log-odds of buying per unit of discount (0.1 = 10 % off).
    pub price_sensitivity: Normal,
    /// Message tolerance: fatigue level above which unsubscribes become likely.
    pub tolerance: Normal,
    /// Gross order value, in currency units.
    pub order_value: LogNormal,
}

/// A normal distribution of a per-user trait, drawn once at signup.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normal {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (0 makes the trait constant).
    pub sd: f64,
}

/// A log-normal distribution given by its median and the sd of its logarithm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogNormal {
    /// Median, in currency units.
    pub median: f64,
    /// Standard deviation of the natural logarithm.
    pub sigma: f64,
}

/// How an action reaches the user, which decides when it takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionKind {
    /// Do nothing.
    Nothing,
    /// A push notification or e-mail: reaches subscribed users only, before they visit.
    Message,
    /// A coupon or offer credited to the account: reaches every user, before they visit.
    Incentive,
    /// Something shown inside the product: seen only by users who visit that day.
    InApp,
}

/// One onboarding lever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Name, e.g. "welcome_coupon".
    pub name: String,
    /// How the action reaches the user.
    pub kind: ActionKind,
    /// Cost per delivery, in currency units.
    #[serde(default)]
    pub cost: f64,
    /// Fraction off the next order (Incentive only), valid `dynamics.coupon_validity` days.
    #[serde(default)]
    pub discount: f64,
    /// Log-odds added to the visit probability when delivered, per segment name.
    #[serde(default)]
    pub visit: BTreeMap<String, f64>,
    /// Log-odds added to the purchase probability when delivered, per segment name.
    #[serde(default)]
    pub purchase: BTreeMap<String, f64>,
    /// Whether the action uses what the platform knows of the user (adds η_k · knowledge).
    #[serde(default)]
    pub personalised: bool,
    /// Fatigue added when delivered.
    #[serde(default)]
    pub fatigue: f64,
    /// Platform knowledge of the user added when delivered (knowledge is capped at 1).
    #[serde(default)]
    pub knowledge: f64,
    /// Coupon dependence added when delivered.
    #[serde(default)]
    pub dependence: f64,
}

/// Coefficients of the daily visit, purchase and state-update equations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dynamics {
    /// Log-odds added to the visit probability on each weekday, calendar day 0 first.
    pub weekday_visit: Vec<f64>,
    /// η_h: visit log-odds per unit of habit.
    pub habit_visit: f64,
    /// ρ_h: share of habit kept from one day to the next.
    pub habit_decay: f64,
    /// κ: habit gained by a visit.
    pub habit_per_visit: f64,
    /// κ': habit gained by a purchase.
    pub habit_per_purchase: f64,
    /// η_f: visit log-odds lost per unit of fatigue.
    pub fatigue_visit: f64,
    /// ρ_f: share of fatigue kept from one day to the next.
    pub fatigue_decay: f64,
    /// η_k: purchase log-odds per unit of knowledge when the action is personalised.
    pub knowledge_purchase: f64,
    /// Knowledge gained by each visit (the platform learns from browsing).
    pub knowledge_per_visit: f64,
    /// δ: purchase log-odds lost per unit of coupon dependence when no discount is pending.
    pub dependence_penalty: f64,
    /// ρ_c: share of coupon dependence kept from one day to the next.
    pub dependence_decay: f64,
    /// Days a discount stays usable, the day it is given included.
    pub coupon_validity: u32,
    /// Probability that the first-session signal names the user's true segment;
    /// otherwise it names a segment drawn uniformly.
    pub signal_accuracy: f64,
}

/// Daily churn: `σ(churn_base_s − habit·h + fatigue·f + recency·days_since_visit)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// ζ_h: churn log-odds lost per unit of habit.
    pub habit: f64,
    /// ζ_f: churn log-odds gained per unit of fatigue.
    pub fatigue: f64,
    /// ζ_r: churn log-odds gained per day since the last visit.
    pub recency: f64,
}

/// Unsubscribe on a day a message is delivered: `σ(base + slope · (f − tolerance))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unsubscribe {
    /// Log-odds of unsubscribing when fatigue equals the user's tolerance.
    pub base: f64,
    /// Log-odds per unit of fatigue above tolerance.
    pub slope: f64,
}

/// The scenarios shipped with onboard, embedded in the binary: `(name, RON text)`.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../scenarios/default.ron")),
    (
        "coupon-trap",
        include_str!("../../scenarios/coupon-trap.ron"),
    ),
    ("no-delay", include_str!("../../scenarios/no-delay.ron")),
    ("tiny", include_str!("../../scenarios/tiny.ron")),
];

impl Scenario {
    /// Parses and validates RON text; `origin` names it in errors (a path or a name).
    pub fn from_ron(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = ron::from_str(text).map_err(|e| ScenarioError::Parse {
            origin: origin.to_string(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        })?;
        let problems = validate::problems(&scenario);
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(ScenarioError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }

    /// Reads, parses and validates a RON file.
    pub fn from_file(path: &Path) -> Result<Self, ScenarioError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|io| ScenarioError::Read {
            origin: origin.clone(),
            io,
        })?;
        Self::from_ron(&text, &origin)
    }

    /// One of the [`BUILTIN`] scenarios by name.
    pub fn builtin(name: &str) -> Result<Self, ScenarioError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(builtin, _)| *builtin == name)
            .ok_or_else(|| ScenarioError::UnknownName {
                name: name.to_string(),
                known: BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Self::from_ron(text, &format!("builtin scenario '{name}'"))
    }

    /// A built-in name, or else a path to a RON file.
    pub fn load(name_or_path: &str) -> Result<Self, ScenarioError> {
        let path = Path::new(name_or_path);
        let is_builtin = BUILTIN.iter().any(|(n, _)| *n == name_or_path);
        let looks_like_path =
            path.exists() || name_or_path.ends_with(".ron") || name_or_path.contains('/');
        if is_builtin || !looks_like_path {
            Self::builtin(name_or_path)
        } else {
            Self::from_file(path)
        }
    }

    /// The actions' names, in order.
    pub fn action_names(&self) -> Vec<String> {
        self.actions.iter().map(|a| a.name.clone()).collect()
    }

    /// The journey templates' names, in order.
    pub fn journey_names(&self) -> Vec<String> {
        self.journeys.iter().map(|j| j.name.clone()).collect()
    }

    /// Index of the action called `name`, if any.
    pub fn action_index(&self, name: &str) -> Option<usize> {
        self.actions.iter().position(|a| a.name == name)
    }

    /// Index of the segment called `name`, if any.
    pub fn segment_index(&self, name: &str) -> Option<usize> {
        self.segments.iter().position(|s| s.name == name)
    }
}
