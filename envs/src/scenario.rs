//! The scenario schema: everything a simulation is configured by, as read from RON.
//!
//! These structs mirror the file one to one. [`Scenario::from_ron`] parses and
//! validates; a [`Scenario`] that exists has passed validation, and
//! [`crate::Model::new`] compiles it into the dense tables the dynamics read.
//! The meaning and unit of every field is in the crate documentation.

use crate::error::{ScenarioError, parse_message};
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
    /// The onboarding levers; each day a policy picks at most one of each kind.
    pub levers: Vec<Lever>,
    /// Combinations of levers (by name) that may not be chosen on the same day.
    #[serde(default)]
    pub forbid: Vec<Vec<String>>,
    /// An optional cap on message frequency.
    #[serde(default)]
    pub message_cap: Option<MessageCap>,
    /// A user is *lapsed* (the platform's view of churn) after this many days
    /// without a visit.
    #[serde(default = "default_lapse_days")]
    pub lapse_days: u32,
    /// An optional value of the user's state at the horizon, in the last day's reward.
    #[serde(default)]
    pub terminal_value: Option<TerminalValue>,
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

fn default_lapse_days() -> u32 {
    7
}

/// A fixed onboarding schedule: one action per age, chosen for a user at signup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    /// Short name used in tables and plots.
    pub name: String,
    /// Actions for ages 0, 1, 2, …, each a lever name, levers joined by `+`, or
    /// `nothing`; may be shorter than the horizon.
    pub steps: Vec<String>,
    /// The action for every age after `steps`.
    pub then: String,
}

/// The reward of one user-day.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Objective {
    /// Profit in currency units: margin · order value − discount given − lever costs.
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
    #[serde(deserialize_with = "crate::unique_keys::deserialize")]
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

/// How a lever reaches the user, which decides when it takes effect. Each day a
/// policy chooses at most one lever of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LeverKind {
    /// A push notification or e-mail: reaches users subscribed to that lever, live
    /// or dormant, before they decide to visit.
    Message,
    /// A coupon or offer credited to the account: reaches every user before the visit.
    Incentive,
    /// Something shown inside the product: seen only by users who visit that day.
    InApp,
}

impl LeverKind {
    /// The three kinds, in the order their parts appear in a joint action's name.
    pub const ALL: [LeverKind; 3] = [LeverKind::Message, LeverKind::Incentive, LeverKind::InApp];

    /// Position of the kind in [`LeverKind::ALL`].
    pub fn index(self) -> usize {
        match self {
            LeverKind::Message => 0,
            LeverKind::Incentive => 1,
            LeverKind::InApp => 2,
        }
    }

    /// Lower-case name, for tables and messages.
    pub fn name(self) -> &'static str {
        match self {
            LeverKind::Message => "message",
            LeverKind::Incentive => "incentive",
            LeverKind::InApp => "in-app",
        }
    }
}

/// One onboarding lever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lever {
    /// Name, e.g. "coupon"; no `+` (it joins the parts of a joint action's name).
    pub name: String,
    /// How the lever reaches the user.
    pub kind: LeverKind,
    /// Cost per delivery, in currency units.
    #[serde(default)]
    pub cost: f64,
    /// Fraction off the next order (Incentive only), valid `dynamics.coupon_validity` days.
    #[serde(default)]
    pub discount: f64,
    /// Log-odds added to the visit probability when delivered, per segment name.
    #[serde(default, deserialize_with = "crate::unique_keys::deserialize")]
    pub visit: BTreeMap<String, f64>,
    /// Log-odds added to the purchase probability when delivered, per segment name.
    #[serde(default, deserialize_with = "crate::unique_keys::deserialize")]
    pub purchase: BTreeMap<String, f64>,
    /// Whether the lever uses what the platform knows of the user (adds η_k · knowledge).
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
    /// Message only: probability that a signup of each channel (by name) opts in to
    /// this lever. Every channel must be listed.
    #[serde(default, deserialize_with = "crate::unique_keys::deserialize")]
    pub opt_in: BTreeMap<String, f64>,
    /// Message only: log-odds that the message, delivered to a dormant (churned)
    /// user, wins them back: they visit that day and are live again. None: never.
    #[serde(default)]
    pub win_back: Option<f64>,
}

/// A cap on message frequency: a message is held back (not sent, not charged) when
/// `messages` were already delivered in the `days` − 1 days before, so that no
/// rolling window of `days` days holds more than `messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageCap {
    /// Most messages in any window.
    pub messages: u32,
    /// Length of the rolling window, in days (1 to 32), today included.
    pub days: u32,
}

/// The value of a user's state at the end of the window, paid once, in the reward
/// of the last day (reward units of the objective), so that ending the month
/// fatigued, unsubscribed or coupon-dependent costs what it would cost after it:
/// `[live] · (live + habit·h − fatigue·f − dependence·c + Σ_m subscription[m]·[subscribed to m])`.
/// A churned user is worth nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalValue {
    /// Value of a user who has not churned.
    #[serde(default)]
    pub live: f64,
    /// Value per unit of habit.
    #[serde(default)]
    pub habit: f64,
    /// Value lost per unit of fatigue.
    #[serde(default)]
    pub fatigue: f64,
    /// Value lost per unit of coupon dependence.
    #[serde(default)]
    pub dependence: f64,
    /// Value of a live subscription, per message lever name.
    #[serde(default, deserialize_with = "crate::unique_keys::deserialize")]
    pub subscription: BTreeMap<String, f64>,
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
    /// Optional fields (`win_back`, `message_cap`, `terminal_value`) take plain values.
    pub fn from_ron(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        // Optional fields take plain values: `win_back: -3.0`, not `Some(-3.0)`.
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let text = crate::error::without_byte_order_mark(text);
        let scenario: Scenario = options.from_str(text).map_err(|e| ScenarioError::Parse {
            origin: origin.to_string(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: parse_message(&e.code.to_string()),
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

    /// The joint actions' names, in index order (see [`crate::ActionSpace`]).
    pub fn action_names(&self) -> Vec<String> {
        crate::ActionSpace::new(self).names().to_vec()
    }

    /// The journey templates' names, in order.
    pub fn journey_names(&self) -> Vec<String> {
        self.journeys.iter().map(|j| j.name.clone()).collect()
    }

    /// Index of the joint action that `spec` names, if any (see [`crate::find_action`]).
    pub fn action_index(&self, spec: &str) -> Option<usize> {
        crate::find_action(crate::ActionSpace::new(self).names(), spec)
    }

    /// Index of the lever called `name`, if any.
    pub fn lever_index(&self, name: &str) -> Option<usize> {
        self.levers.iter().position(|l| l.name == name)
    }

    /// Index of the channel called `name`, if any.
    pub fn channel_index(&self, name: &str) -> Option<usize> {
        self.arrivals.channels.iter().position(|c| c.name == name)
    }

    /// Index of the segment called `name`, if any.
    pub fn segment_index(&self, name: &str) -> Option<usize> {
        self.segments.iter().position(|s| s.name == name)
    }
}
