//! One day in the life of one user under a joint action: the model's equations, in
//! the only place they are written. The single-user environment and the cohort stepper both call
//! [`step_user`].

use crate::model::{Model, NO_LEVER};
use crate::random::Stream;
use crate::scenario::Objective;
use crate::user::{User, UserState};
use rand_distr::{Distribution, StandardNormal};

/// What happened to a user on one day.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DayOutcome {
    /// The user was dormant (churned, latent) at the start of the day.
    pub dormant: bool,
    /// A message won the dormant user back today: they visited and are live again.
    pub won_back: bool,
    /// The user visited (always on the signup day and on a win-back).
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
    /// Costs of the levers delivered.
    pub cost: f64,
    /// margin · order value − discount − cost.
    pub profit: f64,
    /// Per kind (order of [`crate::LeverKind::ALL`]): the chosen lever reached the
    /// user (messages: subscribed and not capped; incentives: not outranked by a
    /// larger pending discount; in-app: the user visited).
    pub delivered: [bool; 3],
    /// A message was delivered.
    pub message: bool,
    /// The chosen message was held back by the frequency cap: not sent, not charged.
    pub capped: bool,
    /// The chosen incentive was not given: a larger discount is pending.
    pub outranked: bool,
    /// The user unsubscribed from the message lever delivered today.
    pub unsubscribed: bool,
    /// The user churned at the end of the day (latent: they turn dormant).
    pub churned: bool,
    /// No visit in the last `lapse_days` days, at the end of the day (what the
    /// platform sees of churn).
    pub lapsed: bool,
    /// The day was the last of the user's window (age horizon − 1): the episode ends.
    pub truncated: bool,
    /// The terminal value paid at the end of the window (0 on other days).
    pub terminal_value: f64,
    /// The objective's reward for the day, the terminal value included.
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
const WIN_BACK: u64 = 5;

/// Weight kept per day by the exponentially weighted message count.
pub const RECENT_MESSAGES_DECAY: f64 = 0.7;

/// Simulates the next day of `user` under joint `action` and advances their state.
///
/// Whatever the action, the day's draws are the same: slots visit, purchase, order
/// value, unsubscribe, churn and win-back of the stream keyed by `(seed, user id,
/// age)`, whose key the user carries from signup. Only the draws needed are
/// computed: a dormant user who is sent no message computes none. The caller
/// guarantees `user.state.age < model.horizon()` and `action < model.n_actions()`.
pub fn step_user(model: &Model, user: &mut User, action: usize) -> DayOutcome {
    let mut out = DayOutcome::default();
    step_user_into(model, user, action, &mut out);
    out
}

/// [`step_user`] writing the day's outcome into `out` (whatever it held): the
/// cohort's stepper writes each outcome in place, for every user-day. Returns
/// `Some(lapsed)` on an idle day (a dormant user whom nothing reached: every daily
/// quantity is 0), so that the caller need not read the outcome back.
#[inline]
pub(crate) fn step_user_into(
    model: &Model,
    user: &mut User,
    action: usize,
    out: &mut DayOutcome,
) -> Option<bool> {
    debug_assert!(user.state.age < model.horizon());
    *out = DayOutcome {
        dormant: user.state.churned,
        ..DayOutcome::default()
    };
    let [message, incentive, in_app] =
        model.joint[action].map(|l| (l != NO_LEVER).then_some(usize::from(l)));
    let message = deliverable_message(model, &user.state, message, out);
    let incentive = deliverable_incentive(model, &user.state, incentive, out);
    if user.state.churned && message.is_none() && incentive.is_none() {
        // A dormant user whom nothing reaches: only time passes, and no draw is made.
        // Nothing is earned or spent, so every objective's reward is 0.
        pass_day(model, &mut user.state, action, Effects::default(), out);
        let lapsed = user.state.days_since_visit >= model.scenario().lapse_days;
        out.lapsed = lapsed;
        out.truncated = user.state.age == model.horizon();
        return Some(lapsed);
    }
    reached_day(model, user, action, [message, incentive, in_app], out);
    None
}

/// The day of a live user, or of a dormant one whom a lever reaches, with the
/// levers that reach them before the visit (`chosen[0]` the message, `chosen[1]`
/// the incentive) and the in-app lever chosen (`chosen[2]`). Kept out of line, so
/// that [`step_user`] stays small for the many dormant days.
#[inline(never)]
fn reached_day(
    model: &Model,
    user: &mut User,
    action: usize,
    chosen: [Option<usize>; 3],
    out: &mut DayOutcome,
) {
    let [message, incentive, in_app] = chosen;
    let profile = &user.profile;
    let s = &mut user.state;
    let draws = profile.days.stream(u64::from(s.age));
    let d = model.dynamics();
    let levers = &model.scenario().levers;
    let segment_index = usize::from(profile.segment);
    let segment = &model.scenario().segments[segment_index];
    let effect = |lever: usize| lever * model.n_segments() + segment_index;
    let traits = &profile.traits;

    if let Some(i) = incentive.filter(|&i| levers[i].discount > 0.0) {
        s.pending_discount = levers[i].discount;
        s.discount_days_left = d.coupon_validity;
    }
    let win_back = message.and_then(|m| levers[m].win_back);
    if let Some(w) = win_back.filter(|_| s.churned)
        && happens(draws.uniform(WIN_BACK), w)
    {
        s.churned = false;
        s.win_backs += 1;
        out.won_back = true;
    }

    let visited = if s.churned {
        false
    } else if s.age == 0 || out.won_back {
        true
    } else {
        let day = profile.signup_day + s.age;
        let mut logit = segment.visit_base + traits.intent + d.habit_visit * s.habit
            - d.fatigue_visit * s.fatigue
            + d.weekday_visit[(day % 7) as usize];
        for lever in [message, incentive].into_iter().flatten() {
            logit += model.visit_effect[effect(lever)];
        }
        happens(draws.uniform(VISIT), logit)
    };
    out.visited = visited;
    let in_app = in_app.filter(|_| visited);
    let delivered = [message, incentive, in_app];
    out.delivered = delivered.map(|l| l.is_some());
    out.message = message.is_some();
    let delivered = delivered.into_iter().flatten();

    if visited {
        let discount = s.pending_discount;
        let mut purchase_logit =
            segment.purchase_base + traits.intent + traits.price_sensitivity * discount;
        for lever in delivered.clone() {
            purchase_logit += model.purchase_effect[effect(lever)];
        }
        if delivered.clone().any(|l| levers[l].personalised) {
            purchase_logit += d.knowledge_purchase * s.knowledge;
        }
        if discount == 0.0 {
            purchase_logit -= d.dependence_penalty * s.dependence;
        }
        if happens(draws.uniform(PURCHASE), purchase_logit) {
            out.purchased = true;
            out.first_purchase = s.purchases == 0;
            let z_value: f64 = StandardNormal.sample(&mut draws.generator(ORDER_VALUE));
            out.order_value =
                (model.log_median_value[segment_index] + segment.order_value.sigma * z_value).exp();
            out.discount = out.order_value * discount;
            out.revenue = out.order_value - out.discount;
            s.pending_discount = 0.0;
            s.discount_days_left = 0;
        }
    }

    let mut effects = Effects::default();
    for lever in delivered {
        let l = &levers[lever];
        out.cost += l.cost;
        effects.fatigue += l.fatigue;
        effects.knowledge += l.knowledge;
        effects.dependence += l.dependence;
        s.deliveries[lever] = s.deliveries[lever].saturating_add(1);
    }
    if let Some(m) = message {
        // Fatigue as it stands after today's deliveries.
        let fatigue = d.fatigue_decay * s.fatigue + effects.fatigue;
        let unsubscribe = model.unsubscribe();
        let logit = unsubscribe.base + unsubscribe.slope * (fatigue - traits.tolerance);
        if happens(draws.uniform(UNSUBSCRIBE), logit) {
            s.subscriptions &= !(1 << m);
            s.unsubscribed |= 1 << m;
            out.unsubscribed = true;
        }
    }
    end_day(model, user, action, effects, draws, out);
}

/// What the levers delivered today add to the state.
#[derive(Debug, Clone, Copy, Default)]
struct Effects {
    fatigue: f64,
    knowledge: f64,
    dependence: f64,
}

/// The message lever that reaches the user today, if any: subscribed and not
/// held back by the frequency cap (which `out.capped` records).
fn deliverable_message(
    model: &Model,
    s: &UserState,
    message: Option<usize>,
    out: &mut DayOutcome,
) -> Option<usize> {
    let message = message.filter(|&m| s.subscriptions & (1 << m) != 0)?;
    match model.scenario().message_cap {
        Some(cap) if (s.message_days & window(cap.days)).count_ones() >= cap.messages => {
            out.capped = true;
            None
        }
        _ => Some(message),
    }
}

/// The incentive given today, if any: not when a larger discount is pending (which
/// `out.outranked` records).
fn deliverable_incentive(
    model: &Model,
    s: &UserState,
    incentive: Option<usize>,
    out: &mut DayOutcome,
) -> Option<usize> {
    let incentive = incentive?;
    out.outranked = model.scenario().levers[incentive].discount < s.pending_discount;
    (!out.outranked).then_some(incentive)
}

/// The end of the day: the state passes the day (see [`pass_day`]); a live user may
/// churn; the day's profit, reward (with the terminal value on the last day) and
/// totals are settled.
fn end_day(
    model: &Model,
    user: &mut User,
    action: usize,
    effects: Effects,
    draws: Stream,
    out: &mut DayOutcome,
) {
    let s = &mut user.state;
    pass_day(model, s, action, effects, out);
    if !s.churned {
        let churn = model.churn();
        let segment = &model.scenario().segments[usize::from(user.profile.segment)];
        let churn_logit = segment.churn_base - churn.habit * s.habit
            + churn.fatigue * s.fatigue
            + churn.recency * f64::from(s.days_since_visit);
        if happens(draws.uniform(CHURN), churn_logit) {
            s.churned = true;
            s.churn_age.get_or_insert(s.age - 1);
            out.churned = true;
        }
    }
    out.profit = model.margin() * out.order_value - out.discount - out.cost;
    out.lapsed = s.days_since_visit >= model.scenario().lapse_days;
    out.truncated = s.age == model.horizon();
    if out.truncated {
        out.terminal_value = terminal_value(model, user);
    }
    out.reward = reward(model.objective(), out) + out.terminal_value;
    let totals = &mut user.state.totals;
    totals.revenue += out.revenue;
    totals.profit += out.profit;
    totals.cost += out.cost;
    totals.messages += f64::from(u8::from(out.message));
    totals.reward += out.reward;
}

/// The state passes one day: it decays and takes today's visit, purchase and
/// `effects`; counters and clocks move on.
#[inline]
fn pass_day(model: &Model, s: &mut UserState, action: usize, effects: Effects, out: &DayOutcome) {
    let d = model.dynamics();
    let (visited, purchased) = (
        f64::from(u8::from(out.visited)),
        f64::from(u8::from(out.purchased)),
    );
    s.habit =
        d.habit_decay * s.habit + d.habit_per_visit * visited + d.habit_per_purchase * purchased;
    s.fatigue = d.fatigue_decay * s.fatigue + effects.fatigue;
    s.knowledge = (s.knowledge + d.knowledge_per_visit * visited + effects.knowledge).min(1.0);
    s.dependence = d.dependence_decay * s.dependence + effects.dependence;
    if s.discount_days_left > 0 {
        s.discount_days_left -= 1;
        if s.discount_days_left == 0 {
            s.pending_discount = 0.0;
        }
    }
    s.days_since_visit = if out.visited {
        0
    } else {
        s.days_since_visit + 1
    };
    s.visits += u32::from(out.visited);
    s.purchases += u32::from(out.purchased);
    s.message_days = (s.message_days << 1) | u32::from(out.message);
    s.days_since_message = if out.message {
        Some(0)
    } else {
        s.days_since_message.map(|days| days + 1)
    };
    s.recent_messages =
        RECENT_MESSAGES_DECAY * s.recent_messages + f64::from(u8::from(out.message));
    s.last_action = Some(action as u16);
    s.last_capped = out.capped;
    s.age += 1;
}

/// The bits of [`crate::UserState::message_days`] inside a rolling window of `days`
/// days that ends today: the `days − 1` days before.
fn window(days: u32) -> u32 {
    (1u32 << (days.clamp(1, 32) - 1)) - 1
}

/// The scenario's terminal value of `user`'s state (0 when it has none).
fn terminal_value(model: &Model, user: &User) -> f64 {
    let (Some(value), s) = (&model.scenario().terminal_value, &user.state) else {
        return 0.0;
    };
    if s.churned {
        return 0.0;
    }
    let subscriptions: f64 = model
        .subscription_value
        .iter()
        .enumerate()
        .filter(|(l, _)| s.subscriptions & (1 << l) != 0)
        .map(|(_, v)| v)
        .sum();
    value.live + value.habit * s.habit - value.fatigue * s.fatigue - value.dependence * s.dependence
        + subscriptions
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
