//! The v2 mechanisms, against their definitions: levers of different kinds combine
//! in log-odds, the frequency cap, latent churn and win-back, opt-in, the coupon
//! rule and the terminal value. Statistical checks use four standard errors
//! (fixed seeds); the others hold exactly for every user-day.

mod common;

use common::{action, four_sigma, model, plain_scenario, trajectories};
use onboard_envs::{
    Cohort, LeverKind, MessageCap, Model, Scenario, TerminalValue, UserEnv, sigmoid,
};
use std::collections::BTreeMap;
use std::sync::Arc;

const USERS: usize = 40_000;

/// The plain `tiny` scenario with only its first segment (`browser`).
fn one_segment() -> Scenario {
    let mut scenario = plain_scenario();
    for channel in &mut scenario.arrivals.channels {
        channel.segments = [("browser".to_string(), 1.0)].into();
    }
    scenario
}

#[test]
fn effects_of_a_message_and_an_incentive_on_one_day_add_in_log_odds() {
    let mut scenario = one_segment();
    let (push, coupon) = (0.6, 0.4);
    for (lever, lift) in [("push", push), ("coupon", coupon)] {
        let l = scenario.lever_index(lever).expect("tiny has it");
        scenario.levers[l].visit.insert("browser".to_string(), lift);
    }
    let base = scenario.segments[0].visit_base;
    let model = model(scenario);
    let day1_rate = |spec: &str| {
        let a = action(&model, spec);
        let (log, _) = trajectories(&model, 5, USERS, |_, _| a);
        let day1: Vec<_> = log
            .iter()
            .filter(|(_, age, o)| *age == 1 && !o.dormant)
            .collect();
        let visits = day1.iter().filter(|(_, _, o)| o.visited).count();
        (visits as f64 / day1.len() as f64, day1.len())
    };
    for (spec, logit) in [
        ("nothing", base),
        ("push", base + push),
        ("coupon", base + coupon),
        ("push+coupon", base + push + coupon),
    ] {
        let (rate, n) = day1_rate(spec);
        let expected = sigmoid(logit);
        assert!(
            (rate - expected).abs() < four_sigma(expected, n),
            "{spec}: {rate} vs {expected}"
        );
    }
}

#[test]
fn capped_messages_are_neither_delivered_nor_charged_and_the_next_observation_says_so() {
    let mut scenario = plain_scenario();
    scenario.message_cap = Some(MessageCap {
        messages: 2,
        days: 4,
    });
    let model = model(scenario);
    let push = action(&model, "push");
    let capped_feature = model.layout().index("message_capped").expect("feature");
    let mut env = UserEnv::new(Arc::clone(&model), 3);
    let mut capped_days = 0;
    for id in 0..500 {
        env.reset(id, 0);
        let mut sent = Vec::new();
        loop {
            let step = env.step(push).expect("valid");
            let o = step.info;
            // Everyone is subscribed and nobody unsubscribes in the plain scenario.
            let window = sent.iter().rev().take(3).filter(|&&m| m).count();
            assert_eq!(o.capped, window >= 2, "user {id}: cap follows the window");
            assert_eq!(o.message, !o.capped);
            assert_eq!(o.delivered[LeverKind::Message.index()], o.message);
            assert_eq!(o.cost > 0.0, o.message, "only a delivered push is paid");
            assert_eq!(step.observation[capped_feature] == 1.0, o.capped);
            capped_days += usize::from(o.capped);
            sent.push(o.message);
            if step.truncated {
                break;
            }
        }
        // In every window of 4 days, at most 2 messages.
        assert!(
            sent.windows(4)
                .all(|w| w.iter().filter(|&&m| m).count() <= 2)
        );
    }
    assert!(capped_days > 500, "the cap binds ({capped_days} days)");
}

#[test]
fn dormant_users_never_visit_unless_won_back_at_the_configured_rate() {
    let mut scenario = one_segment();
    scenario.segments[0].churn_base = 0.0; // half the live users churn each day
    let w = -1.0;
    let lever = scenario.lever_index("push").expect("tiny has a push");
    scenario.levers[lever].win_back = Some(w);
    let model = model(scenario);
    let push = action(&model, "push");
    // Push on even ages only, so that dormant users also spend days without one.
    let (log, _) = trajectories(
        &model,
        12,
        USERS,
        |_, age| {
            if age % 2 == 0 { push } else { 0 }
        },
    );
    let mut reached = 0;
    let mut won = 0;
    for (_, _, o) in &log {
        if !o.dormant {
            assert!(!o.won_back);
            continue;
        }
        assert_eq!(
            o.visited, o.won_back,
            "a dormant user visits only when won back"
        );
        if o.message {
            reached += 1;
            won += usize::from(o.won_back);
            assert!(o.cost > 0.0, "a message to a dormant user is still paid");
        } else {
            assert!(!o.won_back && !o.visited && o.cost == 0.0);
        }
    }
    let rate = won as f64 / reached as f64;
    let expected = sigmoid(w);
    assert!(reached > 20_000, "{reached} messages reached dormant users");
    assert!(
        (rate - expected).abs() < four_sigma(expected, reached),
        "win-back {rate} vs {expected}"
    );
}

#[test]
fn without_win_back_churn_is_absorbing_and_the_metrics_say_so() {
    let mut scenario = one_segment();
    scenario.segments[0].churn_base = -1.0;
    scenario.horizon = 20;
    let model = model(scenario);
    let push = action(&model, "push");
    let (log, cohort) = trajectories(&model, 13, 10_000, |_, _| push);
    let lapse = model.scenario().lapse_days;
    let mut dormant_since: BTreeMap<u64, u32> = BTreeMap::new();
    for (id, age, o) in &log {
        if let Some(&since) = dormant_since.get(id) {
            assert!(
                o.dormant && !o.visited,
                "user {id} at {age}, dormant since {since}"
            );
            // The last visit was at most on the churn day.
            if age - since >= lapse {
                assert!(o.lapsed, "user {id} dormant {} days", age - since);
            }
        }
        if o.churned {
            dormant_since.insert(*id, *age);
        }
    }
    let rows = cohort.metrics().by_age();
    let last = rows.last().expect("ages");
    let dormant = dormant_since.len() as f64 / 10_000.0;
    assert!((last.survival.mean - (1.0 - dormant)).abs() < 1e-12);
    assert!(rows.iter().all(|r| r.won_back.mean == 0.0));
}

#[test]
fn opt_in_shares_match_at_signup_per_channel_and_lever() {
    let scenario = Scenario::builtin("default").expect("valid");
    let model = model(scenario.clone());
    let cohort = Cohort::fixed(Arc::clone(&model), 21, 100_000);
    for (l, lever) in scenario.levers.iter().enumerate() {
        if lever.kind != LeverKind::Message {
            continue;
        }
        for (c, channel) in scenario.arrivals.channels.iter().enumerate() {
            let of_channel: Vec<_> = cohort
                .users()
                .iter()
                .filter(|u| usize::from(u.profile.channel) == c)
                .collect();
            let share = of_channel.iter().filter(|u| u.subscribed(l)).count() as f64
                / of_channel.len() as f64;
            let expected = lever.opt_in[&channel.name];
            assert!(
                (share - expected).abs() < four_sigma(expected, of_channel.len()),
                "{} via {}: {share} vs {expected}",
                lever.name,
                channel.name
            );
        }
    }
    // The two subscriptions are drawn independently.
    let (push, email) = (
        scenario.lever_index("push").expect("lever"),
        scenario.lever_index("email").expect("lever"),
    );
    let users = cohort.users();
    let both = users
        .iter()
        .filter(|u| u.subscribed(push) && u.subscribed(email));
    let p_push = users.iter().filter(|u| u.subscribed(push)).count() as f64 / users.len() as f64;
    let p_email = users.iter().filter(|u| u.subscribed(email)).count() as f64 / users.len() as f64;
    let p_both = both.count() as f64 / users.len() as f64;
    // Within a channel they are independent; across channels only mildly correlated.
    assert!(
        (p_both - p_push * p_email).abs() < 0.02,
        "{p_both} vs {p_push}·{p_email}"
    );
}

#[test]
fn unsubscribing_from_one_message_lever_leaves_the_others() {
    let mut scenario = Scenario::builtin("default").expect("valid");
    scenario.unsubscribe.base = 30.0; // every delivered message unsubscribes
    scenario.message_cap = None;
    let model = model(scenario.clone());
    let email = action(&model, "email");
    let (push_lever, email_lever) = (
        scenario.lever_index("push").expect("lever"),
        scenario.lever_index("email").expect("lever"),
    );
    let mut env = UserEnv::new(Arc::clone(&model), 4);
    let mut checked = 0;
    for id in 0..2_000 {
        env.reset(id, 0);
        let before = *env.user().expect("user");
        let step = env.step(email).expect("valid");
        let after = env.user().expect("user");
        assert_eq!(step.info.unsubscribed, before.subscribed(email_lever));
        assert!(!after.subscribed(email_lever));
        assert_eq!(after.subscribed(push_lever), before.subscribed(push_lever));
        checked += usize::from(before.subscribed(push_lever) && before.subscribed(email_lever));
    }
    assert!(checked > 500, "{checked} users had both subscriptions");
}

#[test]
fn a_smaller_incentive_never_replaces_a_larger_pending_one() {
    let scenario = Scenario::builtin("default").expect("valid");
    let validity = scenario.dynamics.coupon_validity;
    let model = model(scenario);
    let (coupon, shipping) = (action(&model, "coupon"), action(&model, "free_shipping"));
    // The 15 % coupon on day 0, then 5 % free shipping every day.
    let policy = |_: u64, age: u32| if age == 0 { coupon } else { shipping };
    let mut env = UserEnv::new(Arc::clone(&model), 6);
    let mut outranked = 0;
    for id in 0..3_000 {
        env.reset(id, 0);
        let mut coupon_pending = true;
        for age in 0..model.horizon() {
            let step = env.step(policy(id, age)).expect("valid");
            let o = step.info;
            let user = env.user().copied();
            if age > 0 {
                // Free shipping is not given while the larger coupon is pending.
                assert_eq!(o.outranked, coupon_pending, "user {id} age {age}");
                assert_eq!(o.delivered[LeverKind::Incentive.index()], !coupon_pending);
                outranked += usize::from(o.outranked);
            }
            if o.purchased {
                let expected = if coupon_pending { 0.15 } else { 0.05 };
                assert!((o.discount - expected * o.order_value).abs() < 1e-9);
            }
            // The coupon stays pending until used or `validity` days after day 0,
            // whatever free shipping was sent meanwhile.
            coupon_pending &= !o.purchased && age + 1 < validity;
            if let Some(user) = user.filter(|_| coupon_pending) {
                assert_eq!(user.state.pending_discount, 0.15);
                assert_eq!(user.state.discount_days_left, validity - age - 1);
            }
        }
    }
    assert!(outranked > 10_000, "{outranked} outranked days");
}

#[test]
fn the_terminal_value_is_paid_once_on_the_last_day_by_its_formula() {
    let mut scenario = Scenario::builtin("default").expect("valid");
    let value = TerminalValue {
        live: 2.0,
        habit: 1.5,
        fatigue: 0.7,
        dependence: 0.3,
        subscription: [("push".to_string(), 0.4), ("email".to_string(), 0.25)].into(),
    };
    scenario.terminal_value = Some(value.clone());
    let (push, email) = (
        scenario.lever_index("push").expect("lever"),
        scenario.lever_index("email").expect("lever"),
    );
    let model = Arc::new(Model::new(scenario).expect("valid"));
    let n = model.n_actions();
    let mut cohort = Cohort::fixed(Arc::clone(&model), 9, 3_000);
    let (mut live_paid, mut dormant) = (0, 0);
    for age in 0..model.horizon() {
        let actions: Vec<usize> = (0..cohort.users().len())
            .map(|i| (i * 7 + age as usize) % n)
            .collect();
        let transitions = cohort.step(&actions).expect("valid");
        for (user, o) in transitions.users.iter().zip(transitions.outcomes) {
            assert_eq!(o.truncated, age == model.horizon() - 1);
            if !o.truncated {
                assert_eq!(o.terminal_value, 0.0, "paid before the last day");
                continue;
            }
            let s = &user.state;
            let expected = if s.churned {
                dormant += 1;
                0.0
            } else {
                live_paid += 1;
                value.live + value.habit * s.habit
                    - value.fatigue * s.fatigue
                    - value.dependence * s.dependence
                    + 0.4 * f64::from(u8::from(user.subscribed(push)))
                    + 0.25 * f64::from(u8::from(user.subscribed(email)))
            };
            assert!((o.terminal_value - expected).abs() < 1e-12);
            assert!((o.reward - o.profit - expected).abs() < 1e-12);
            // Over the window the reward exceeds the profit by the terminal value only.
            assert!((s.totals.reward - s.totals.profit - expected).abs() < 1e-9);
        }
    }
    assert!(cohort.is_finished());
    assert!(
        live_paid > 100 && dormant > 100,
        "{live_paid} live, {dormant} dormant"
    );
}

#[test]
fn the_weekday_feature_follows_the_calendar() {
    let model = model(Scenario::builtin("default").expect("valid"));
    let layout = model.layout();
    let weekday: Vec<usize> = (0..7)
        .map(|d| layout.index(&format!("weekday={d}")).expect("feature"))
        .collect();
    let mut env = UserEnv::new(Arc::clone(&model), 1);
    let observation = env.reset(0, 3);
    assert_eq!(observation[weekday[3]], 1.0);
    let mut day = 3;
    for _ in 0..10 {
        let step = env.step(0).expect("valid");
        day += 1;
        for (d, &i) in weekday.iter().enumerate() {
            assert_eq!(step.observation[i], f32::from(u8::from(d == day % 7)));
        }
    }
}

#[test]
fn joint_actions_are_named_by_their_parts_and_forbidden_ones_are_left_out() {
    let mut scenario = Scenario::builtin("default").expect("valid");
    let space = onboard_envs::ActionSpace::new(&scenario);
    assert_eq!(space.len(), 27, "(1 + 2 levers) per kind, three kinds");
    assert_eq!(space.names()[0], "none+none+none");
    assert_eq!(space.parts(0), [None, None, None]);
    for (a, name) in space.names().iter().enumerate() {
        assert_eq!(space.index_of(space.parts(a)), Some(a), "{name}");
        let parts: Vec<&str> = name.split('+').collect();
        for (kind, part) in parts.iter().enumerate() {
            let lever = space.parts(a)[kind].map_or("none", |l| scenario.levers[l].name.as_str());
            assert_eq!(*part, lever, "{name}");
        }
    }
    let names = space.names();
    let find = |spec| onboard_envs::find_action(names, spec).map(|a| names[a].as_str());
    assert_eq!(find("recs+push"), Some("push+none+recs"));
    assert_eq!(find("push+none+recs"), Some("push+none+recs"));
    assert_eq!(find("coupon"), Some("none+coupon+none"));
    assert_eq!(find("nothing"), Some("none+none+none"));
    assert_eq!(find("recs+tour"), None, "two in-app levers");
    assert_eq!(find("recz"), None);
    assert_eq!(find(""), None);
    assert_eq!(find("none+none+none+none"), Some("none+none+none"));
    assert_eq!(find("none+bogus"), None);

    scenario.forbid = vec![vec!["coupon".to_string(), "tour".to_string()]];
    let space = onboard_envs::ActionSpace::new(&scenario);
    assert_eq!(space.len(), 24, "coupon with tour, whatever the message");
    assert!(space.names().iter().all(|n| !n.contains("coupon+tour")));
    assert_eq!(scenario.action_index("coupon+tour"), None);
    assert!(scenario.action_index("email+coupon+recs").is_some());
}
