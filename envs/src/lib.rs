//! The onboarding environment: new users arrive, visit, buy and churn over their
//! first weeks, while a policy pulls one onboarding lever per user per day.
//!
//! This crate holds the scenario schema and its validation ([`Scenario`]), the
//! dynamics ([`step_user`]), a single-user Gymnasium-style environment
//! ([`UserEnv`]), the batched parallel stepper ([`Cohort`]) and the cohort
//! metrics ([`CohortMetrics`]). It knows nothing of learning.
//!
//! # Time
//! One step is one day. A user who signs up on calendar day `d₀` has age
//! `t = d − d₀` on day `d` and is simulated at ages `0..H` (`H` = `horizon`), or
//! until churn. Age 0 is the signup day: the user is on the platform (the visit is
//! certain) and may buy. Day-N retention is the share of the cohort active at age N,
//! so a horizon of 31 measures day-30 retention.
//!
//! # Arrivals
//! `N_d ~ Poisson(rate · weekly[d mod 7] · (1 + growth)^d)` signups on day `d`.
//! Each signup's channel is drawn from the channels' `share`s, its segment from the
//! channel's `segments` mix. Experiments may instead use a fixed-size cohort.
//!
//! # Users
//! Drawn at signup, per segment `s`: intent `i ~ N(intent)` (log-odds), price
//! sensitivity `π ~ N(price_sensitivity)` (log-odds per unit of discount, floored
//! at 0), message tolerance `τ ~ N(tolerance)` (fatigue units, floored at 0). The
//! first-session signal names the true segment with probability
//! `dynamics.signal_accuracy`, else a segment drawn uniformly.
//!
//! Latent state: habit `h`, fatigue `f`, knowledge `k ∈ [0, 1]` (how well the
//! platform knows the user), coupon dependence `c`, all starting at 0; subscribed
//! (initially yes); days since the last visit; visits; purchases; a pending discount
//! with the days it stays valid.
//!
//! # Actions and delivery
//! Each action has a kind. `Nothing` does nothing. A `Message` reaches subscribed
//! users only, before they decide to visit. An `Incentive` reaches every user before
//! the visit and sets the pending discount to `max(pending, discount)`, valid for
//! `coupon_validity` days including today; it is used by the next purchase. An
//! `InApp` action is seen only by users who visit that day, so it cannot change the
//! visit probability. *Delivered* below means the action reached the user; the
//! action's `cost` is paid only then.
//!
//! # One day of one live user under action `a` (segment `s`, σ the logistic)
//! 1. visit ~ Bernoulli(σ(visit_base_s + i + η_h·h − η_f·f + weekday_visit[d mod 7] +
//!    visit[a,s]·[reached before the visit])), certain at age 0.
//! 2. if visit: purchase ~ Bernoulli(σ(purchase_base_s + i + π·D + (purchase[a,s] +
//!    η_k·k·[a personalised])·[delivered] − δ·c·[D = 0])) where `D` is the pending
//!    discount. The order value is `V ~ LogNormal(ln median_s, sigma_s)`; the
//!    discount given is `V·D`; revenue `V·(1 − D)`.
//! 3. updates: `h ← ρ_h·h + κ·visit + κ'·purchase`; `f ← ρ_f·f + fatigue[a]·[delivered]`;
//!    `k ← min(1, k + knowledge_per_visit·visit + knowledge[a]·[delivered])`;
//!    `c ← ρ_c·c + dependence[a]·[delivered]`. On a day a message is delivered, the
//!    user unsubscribes with probability σ(unsubscribe.base + unsubscribe.slope·(f − τ)).
//! 4. churn ~ Bernoulli(σ(churn_base_s − ζ_h·h + ζ_f·f + ζ_r·days_since_visit)),
//!    with the updated state; churn is absorbing (terminated). Surviving age H − 1
//!    ends the episode by truncation.
//! 5. reward by the objective: `Profit` = margin·V − V·D − cost (currency units);
//!    `Conversions` = 1 on the first purchase; `Retention` = 1 on an active day;
//!    `Weighted` mixes the three.
//!
//! Coefficient names in the scenario file: η_h `habit_visit`, η_f `fatigue_visit`,
//! η_k `knowledge_purchase`, δ `dependence_penalty`, ρ_h `habit_decay`, κ
//! `habit_per_visit`, κ' `habit_per_purchase`, ρ_f `fatigue_decay`, ρ_c
//! `dependence_decay`, ζ_h `churn.habit`, ζ_f `churn.fatigue`, ζ_r `churn.recency`.
//! All log-odds coefficients are unitless; decays are shares kept per day.
//!
//! # Common random numbers
//! Every user-day draws, in this order and whatever the action: the visit uniform,
//! the purchase uniform, the order-value normal, the unsubscribe uniform and the
//! churn uniform, from a stream keyed by `(seed, user id, age)`. Signup draws are
//! keyed by `(seed, user id)` and arrival counts by `(seed, day)`. Two policies run
//! on one seed meet the same users with the same luck, and results do not depend on
//! the number of threads.
//!
//! # Observation
//! See [`ObservationLayout`]: what the platform can see, never the latent traits.

mod arrivals;
mod cohort;
mod dynamics;
mod env;
mod error;
mod metrics;
mod model;
mod observation;
mod random;
mod scenario;
mod user;
mod validate;

pub use arrivals::{MAX_SIGNUPS_PER_DAY, expected_signups, signups};
pub use cohort::{Cohort, Transitions};
pub use dynamics::{DayOutcome, sigmoid, step_user};
pub use env::{Step, UserEnv};
pub use error::{Problem, ScenarioError, StepError};
pub use metrics::{AgeMetrics, AgeTotals, CohortMetrics, Estimate, Moments, Quantity};
pub use model::Model;
pub use observation::ObservationLayout;
pub use scenario::{
    Action, ActionKind, Arrivals, BUILTIN, Channel, Churn, Dynamics, Journey, LogNormal, Normal,
    Objective, Scenario, Segment, Unsubscribe,
};
pub use user::{Profile, Totals, Traits, User, UserState};
