//! The onboarding environment: new users arrive, visit, buy and churn over their
//! first weeks, while a policy pulls up to one onboarding lever of each kind per
//! user per day.
//!
//! This crate holds the scenario schema and its validation ([`Scenario`]), the
//! joint action space ([`ActionSpace`]), the dynamics ([`step_user`]), a single-user
//! Gymnasium-style environment ([`UserEnv`]), the batched parallel stepper
//! ([`Cohort`]) and the cohort metrics ([`CohortMetrics`]). It knows nothing of
//! learning.
//!
//! # Time
//! One step is one day. A user who signs up on calendar day `d₀` has age
//! `t = d − d₀` on day `d` and is simulated at ages `0..H` (`H` = `horizon`), always
//! to the end: churn is latent (below), so an episode ends only at the horizon.
//! Age 0 is the signup day: the user is on the platform (the visit is certain) and
//! may buy. Day-N retention is the share of the cohort active at age N, so a horizon
//! of 31 measures day-30 retention.
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
//! `dynamics.signal_accuracy`, else a segment drawn uniformly. The user opts in to
//! each message lever `m` independently with probability `levers[m].opt_in[channel]`.
//!
//! Latent state: habit `h`, fatigue `f`, knowledge `k ∈ [0, 1]` (how well the
//! platform knows the user), coupon dependence `c`, all starting at 0; churned
//! (dormant) or not; one subscription per message lever; days since the last visit;
//! visits; purchases; a pending discount with the days it stays valid.
//!
//! # Levers and joint actions
//! Each lever has a kind. A `Message` reaches users subscribed to that lever, before
//! they decide to visit, unless the frequency cap holds it back (`message_cap`: a
//! message is not sent when `messages` were delivered in the `days − 1` days before;
//! a capped message is neither delivered nor charged, and the next observation says
//! so). An `Incentive` reaches every user before the visit. **Coupon rule:** it
//! replaces the pending discount only if its own discount is at least as large (it
//! then restarts the `coupon_validity` days, today included); a smaller one is not
//! given at all (not delivered, not charged, no effect: *outranked*). The pending
//! discount is used by the next purchase. An `InApp` lever is seen only by users who
//! visit that day, so it cannot change the visit probability. *Delivered* below
//! means the lever reached the user; its `cost` is paid only then.
//!
//! Each day a policy chooses one lever per kind, "none" included: the *joint
//! action* `a = (message, incentive, in-app)`, one discrete action for agents, named
//! by its parts (`push+none+recs`, see [`ActionSpace`]). A scenario may `forbid`
//! combinations. The effects of the delivered levers add on the log-odds scale;
//! their costs, fatigue, knowledge and dependence add too. Sums `Σ_ℓ` below run over
//! the levers of `a` delivered that day.
//!
//! # One day of one user under joint action `a` (segment `s`, σ the logistic)
//! 0. a dormant (churned) user reached by message `m` with a `win_back` log-odds `w`
//!    is won back with probability σ(w): they visit today and are live again.
//! 1. visit: never for a dormant user; certain at age 0 and on a win-back; else
//!    Bernoulli(σ(visit_base_s + i + η_h·h − η_f·f + weekday_visit[d mod 7] +
//!    Σ_ℓ visit\[ℓ,s\])) over the message and incentive delivered.
//! 2. if visit: purchase ~ Bernoulli(σ(purchase_base_s + i + π·D +
//!    Σ_ℓ purchase\[ℓ,s\] + η_k·k·[some delivered lever personalised] − δ·c·[D = 0]))
//!    where `D` is the pending discount. The order value is `V ~ LogNormal(ln median_s, sigma_s)`; the
//!    discount given is `V·D`; revenue `V·(1 − D)`.
//! 3. updates: `h ← ρ_h·h + κ·visit + κ'·purchase`; `f ← ρ_f·f + Σ_ℓ fatigue\[ℓ\]`;
//!    `k ← min(1, k + knowledge_per_visit·visit + Σ_ℓ knowledge\[ℓ\])`;
//!    `c ← ρ_c·c + Σ_ℓ dependence\[ℓ\]`. On a day message `m` is delivered (to a live or
//!    dormant user), the user unsubscribes from `m` alone with probability
//!    σ(unsubscribe.base + unsubscribe.slope·(f − τ)).
//! 4. churn, for a user live at the end of the day: Bernoulli(σ(churn_base_s −
//!    ζ_h·h + ζ_f·f + ζ_r·days_since_visit)), with the updated state. **Churn is latent**:
//!    the user stays in the cohort as a dormant row to the horizon (never visits,
//!    still receives and costs messages, may still unsubscribe or be won back). No
//!    policy sees it; the platform sees only inactivity, *lapsed* = no visit in the
//!    last `lapse_days` days (default 7).
//! 5. reward by the objective: `Profit` = margin·V − V·D − Σ_ℓ cost\[ℓ\] (currency
//!    units); `Conversions` = 1 on the first purchase; `Retention` = 1 on an active
//!    day; `Weighted` mixes the three. On the last day (age H − 1) the optional
//!    `terminal_value` of the state is added once: for a user not churned,
//!    `live + habit·h − fatigue·f − dependence·c + Σ_m subscription\[m\]·[subscribed
//!    to m]`, 0 for a dormant one, in the objective's units. It stands for what the
//!    month leaves behind, so that a plan cannot profit from spamming near the
//!    horizon. Profit and revenue metrics do not include it; the reward does.
//!
//! Coefficient names in the scenario file: η_h `habit_visit`, η_f `fatigue_visit`,
//! η_k `knowledge_purchase`, δ `dependence_penalty`, ρ_h `habit_decay`, κ
//! `habit_per_visit`, κ' `habit_per_purchase`, ρ_f `fatigue_decay`, ρ_c
//! `dependence_decay`, ζ_h `churn.habit`, ζ_f `churn.fatigue`, ζ_r `churn.recency`.
//! All log-odds coefficients are unitless; decays are shares kept per day.
//!
//! # Common random numbers
//! Every user-day draws, in this order and whatever the joint action: the visit
//! uniform, the purchase uniform, the order-value normal, the unsubscribe uniform,
//! the churn uniform and the win-back uniform, from a stream keyed by `(seed, user
//! id, age)`. Signup draws are keyed by `(seed, user id)` and arrival counts by
//! `(seed, day)`. Two policies run on one seed meet the same users with the same
//! luck, and results do not depend on the number of threads. A draw that a day does
//! not need is not computed, without changing any other: a dormant user who is sent
//! no message computes none.
//!
//! # Observation
//! See [`ObservationLayout`]: what the platform can see from its own logs (age,
//! weekday, channel, visits, purchases, deliveries per lever, messages, each
//! subscription, the pending discount, the first-session signal), never the latent
//! traits, state or churn.

mod actions;
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
pub mod unique_keys;
mod user;
mod validate;

pub use actions::{
    ActionSpace, NONE, NOTHING, POLICY_FILE_ENDINGS, RANDOM, SEPARATOR, find_action,
};
pub use arrivals::{MAX_SIGNUPS_PER_DAY, expected_signups, signups};
pub use cohort::{Cohort, Transitions};
pub use dynamics::{DayOutcome, RECENT_MESSAGES_DECAY, sigmoid, step_user};
pub use env::{Step, UserEnv};
pub use error::{Problem, ScenarioError, StepError, parse_message, without_byte_order_mark};
pub use metrics::{AgeMetrics, AgeTotals, CohortMetrics, Estimate, Moments, Quantity};
pub use model::Model;
pub use observation::ObservationLayout;
pub use scenario::{
    Arrivals, BUILTIN, Channel, Churn, Dynamics, Journey, Lever, LeverKind, LogNormal, MessageCap,
    Normal, Objective, Scenario, Segment, TerminalValue, Unsubscribe,
};
pub use user::{MAX_LEVERS, Profile, Totals, Traits, User, UserState};
