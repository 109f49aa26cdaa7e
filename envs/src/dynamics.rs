//! One day in the life of one user: the model's equations, in the only place they
//! are written. The single-user environment and the cohort stepper both call
//! [`step_user`].

use crate::model::Model;
use crate::scenario::{ActionKind, Objective};
use crate::user::User;
use rand_distr::{Distribution, StandardNormal};

/// What happened to a user on one day.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DayOutcome {
    /// The user visited (always on the signup day).
    pub visited: bool,
    /// The user bought during the visit.
    pub purchased: bool,
    /// That purchase was the user's first.
    pub first_purchase: bool,
    /// Gross order value (0 without a purchase).
    pub order_value: f64,
    /// Revenue net of discount.
    pub revenue: f64,
    /// Discount given on the order.
    pub discount: f64,
    /// Cost of the action, paid when it is delivered.
    pub cost: f64,
    /// margin · order value − discount − cost.
    pub profit: f64,
    /// The action reached the user (messages: subscribed; in-app: visited).
    pub delivered: bool,
    /// A message was delivered.
    pub message: bool,
    /// The user unsubscribed from messages today.
    pub unsubscribed: bool,
    /// The user churned at the end of the day (terminal).
    pub churned: bool,
    /// The user reached the horizon without churning (truncated).
    pub truncated: bool,
    /// The objective's reward for the day.
    pub reward: f64,
}

/// The logistic function.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Whether a uniform draw `u` falls below `σ(logit)`: `u < 1 / (1 + e^−logit)`,
/// written without the division.
#[inline]
fn happens(u: f64, logit: f64) -> bool {
    u * (1.0 + (-logit).exp()) < 1.0
}

/// Draw slots of a user-day's stream.
const VISIT: u64 = 0;
const PURCHASE: u64 = 1;
const ORDER_VALUE: u64 = 2;
const UNSUBSCRIBE: u64 = 3;
const CHURN: u64 = 4;

/// Simulates the next day of a live `user` under `action` and advances their state.
///
/// Whatever the action, the day's five draws are the same: slots visit, purchase,
/// order value, unsubscribe and churn of the stream keyed by `(seed, user id, age)`,
/// whose key the user carries from signup. Only the draws needed are computed. The
/// caller guarantees that the user is live and that `action < model.n_actions()`.
pub fn step_user(model: &Model, user: &mut User, action: usize) -> DayOutcome {
    let profile = &user.profile;
    let s = &mut user.state;
    debug_assert!(!s.churned && s.age < model.horizon());
    let draws = profile.days.stream(u64::from(s.age));
    let d = model.dynamics();
    let segment = &model.scenario().segments[usize::from(profile.segment)];
    let act = &model.scenario().actions[action];
    let effect = action * model.n_segments() + usize::from(profile.segment);
    let traits = &profile.traits;
    let day = profile.signup_day + s.age;

    // Delivery before the visit: messages reach subscribers, incentives everyone.
    let reached_before_visit = match act.kind {
        ActionKind::Message => s.subscribed,
        ActionKind::Incentive => true,
        ActionKind::Nothing | ActionKind::InApp => false,
    };
    if act.kind == ActionKind::Incentive && act.discount > 0.0 {
        s.pending_discount = s.pending_discount.max(act.discount);
        s.discount_days_left = d.coupon_validity;
    }

    let visit_logit = segment.visit_base + traits.intent + d.habit_visit * s.habit
        - d.fatigue_visit * s.fatigue
        + d.weekday_visit[(day % 7) as usize]
        + if reached_before_visit {
            model.visit_effect[effect]
        } else {
            0.0
        };
    let visited = s.age == 0 || happens(draws.uniform(VISIT), visit_logit);
    let delivered = reached_before_visit || (act.kind == ActionKind::InApp && visited);

    let mut out = DayOutcome {
        visited,
        delivered,
        message: act.kind == ActionKind::Message && delivered,
        cost: if delivered { act.cost } else { 0.0 },
        ..DayOutcome::default()
    };
    if visited {
        let discount = s.pending_discount;
        let mut purchase_logit =
            segment.purchase_base + traits.intent + traits.price_sensitivity * discount;
        if delivered {
            purchase_logit += model.purchase_effect[effect];
            if act.personalised {
                purchase_logit += d.knowledge_purchase * s.knowledge;
            }
        }
        if discount == 0.0 {
            purchase_logit -= d.dependence_penalty * s.dependence;
        }
        if happens(draws.uniform(PURCHASE), purchase_logit) {
            out.purchased = true;
            out.first_purchase = s.purchases == 0;
            let z_value: f64 = StandardNormal.sample(&mut draws.generator(ORDER_VALUE));
            out.order_value = (model.log_median_value[usize::from(profile.segment)]
                + segment.order_value.sigma * z_value)
                .exp();
            out.discount = out.order_value * discount;
            out.revenue = out.order_value - out.discount;
            s.pending_discount = 0.0;
            s.discount_days_left = 0;
        }
    }
    out.profit = model.margin() * out.order_value - out.discount - out.cost;

    let delivered_f = if delivered { 1.0 } else { 0.0 };
    s.habit = d.habit_decay * s.habit
        + d.habit_per_visit * f64::from(u8::from(visited))
        + d.habit_per_purchase * f64::from(u8::from(out.purchased));
    s.fatigue = d.fatigue_decay * s.fatigue + act.fatigue * delivered_f;
    s.knowledge = (s.knowledge
        + d.knowledge_per_visit * f64::from(u8::from(visited))
        + act.knowledge * delivered_f)
        .min(1.0);
    s.dependence = d.dependence_decay * s.dependence + act.dependence * delivered_f;
    if out.message {
        let unsubscribe = model.unsubscribe();
        let logit = unsubscribe.base + unsubscribe.slope * (s.fatigue - traits.tolerance);
        if happens(draws.uniform(UNSUBSCRIBE), logit) {
            s.subscribed = false;
            out.unsubscribed = true;
        }
    }
    if s.discount_days_left > 0 {
        s.discount_days_left -= 1;
        if s.discount_days_left == 0 {
            s.pending_discount = 0.0;
        }
    }
    s.days_since_visit = if visited { 0 } else { s.days_since_visit + 1 };
    s.visits += u32::from(visited);
    s.purchases += u32::from(out.purchased);
    s.message_days = (s.message_days << 1) | u8::from(out.message);
    let kind = match act.kind {
        ActionKind::Message => Some(0),
        ActionKind::Incentive => Some(1),
        ActionKind::InApp => Some(2),
        ActionKind::Nothing => None,
    };
    if let (Some(kind), true) = (kind, delivered) {
        s.deliveries[kind] = s.deliveries[kind].saturating_add(1);
    }
    s.last_action = Some(action as u8);
    s.age += 1;

    let churn = model.churn();
    let churn_logit = segment.churn_base - churn.habit * s.habit
        + churn.fatigue * s.fatigue
        + churn.recency * f64::from(s.days_since_visit);
    out.churned = happens(draws.uniform(CHURN), churn_logit);
    s.churned = out.churned;
    out.truncated = !out.churned && s.age == model.horizon();

    out.reward = reward(model.objective(), &out);
    let totals = &mut s.totals;
    totals.revenue += out.revenue;
    totals.profit += out.profit;
    totals.cost += out.cost;
    totals.messages += f64::from(u8::from(out.message));
    totals.reward += out.reward;
    out
}

fn reward(objective: Objective, out: &DayOutcome) -> f64 {
    let conversion = f64::from(u8::from(out.first_purchase));
    let active = f64::from(u8::from(out.visited));
    match objective {
        Objective::Profit => out.profit,
        Objective::Conversions => conversion,
        Objective::Retention => active,
        Objective::Weighted {
            profit,
            conversions,
            retention,
        } => profit * out.profit + conversions * conversion + retention * active,
    }
}
