//! What a policy sees of a user: a fixed-length `f32` vector with named features,
//! all computable by a platform from its own logs. Never the latent traits or state
//! (segment, intent, habit, fatigue, churn, …).

use crate::scenario::{LeverKind, Scenario};
use crate::user::User;

/// The count features, from `visits` to `message_capped`.
const COUNTS: usize = 9;

/// The latent traits and state a privileged layout shows, after the true segment.
const LATENT_STATE: [&str; 8] = [
    "intent",
    "price_sensitivity",
    "tolerance",
    "habit",
    "fatigue",
    "knowledge",
    "dependence",
    "churned",
];

/// `MESSAGES_IN_WEEK[bits]`: the set bits of a 7-day message history. A table,
/// because `count_ones` compiles to a dozen instructions on CPUs targeted without
/// `popcnt`, and this runs for every user-day.
const MESSAGES_IN_WEEK: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut bits = 0;
    while bits < 128 {
        table[bits] = (bits as u32).count_ones() as u8;
        bits += 1;
    }
    table
};

/// Names and positions of the observation features of one scenario.
///
/// In order:
/// - `age` (age / horizon) and `weekday=0` … `weekday=6` (calendar day mod 7, one-hot);
/// - `channel=<name>`, one-hot;
/// - `visits`, `purchases`, `days_since_visit`, `has_purchased`, `discount_pending`
///   (fraction off the next order);
/// - `messages_7d` (messages delivered in the last 7 days), `recent_messages`
///   (delivered messages weighted by 0.7 per day of age), `days_since_message`
///   (the age when none has been delivered yet), `message_capped` (yesterday's
///   message was held back by the frequency cap);
/// - per lever: `last=<lever>` (chosen yesterday) and `delivered=<lever>`
///   (deliveries since signup);
/// - per message lever: `subscribed=<lever>`;
/// - `signal=<segment>`, the one-hot segment named by the noisy first-session signal;
/// - only in a layout [`ObservationLayout::with_latent`] made, simulator truth that no
///   platform has: `latent:segment=<segment>` (one-hot), then `latent:intent`,
///   `latent:price_sensitivity`, `latent:tolerance`, `latent:habit`,
///   `latent:fatigue`, `latent:knowledge`, `latent:dependence` and `latent:churned`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationLayout {
    names: Vec<String>,
    weekday: usize,
    channel: usize,
    visits: usize,
    last: usize,
    delivered: usize,
    subscribed: usize,
    signal: usize,
    /// Where the latent features start, in a privileged layout.
    latent: Option<usize>,
    horizon: f32,
    /// `chosen[action]`: the levers chosen by each joint action, one bit per lever.
    chosen: Vec<u16>,
    /// Per lever: its position among the `subscribed=` features (message levers).
    subscription_slot: Vec<Option<usize>>,
}

impl ObservationLayout {
    /// The layout for `scenario`'s channels, levers and segments.
    pub fn new(scenario: &Scenario) -> Self {
        Self::with_actions(scenario, &crate::ActionSpace::new(scenario))
    }

    /// [`ObservationLayout::new`] for `scenario`'s joint actions `space`, already
    /// enumerated by the caller.
    pub(crate) fn with_actions(scenario: &Scenario, space: &crate::ActionSpace) -> Self {
        let mut names = vec!["age".to_string()];
        let weekday = names.len();
        names.extend((0..7).map(|d| format!("weekday={d}")));
        let channel = names.len();
        names.extend(
            scenario
                .arrivals
                .channels
                .iter()
                .map(|c| format!("channel={}", c.name)),
        );
        let visits = names.len();
        names.extend(
            [
                "visits",
                "purchases",
                "days_since_visit",
                "has_purchased",
                "discount_pending",
                "messages_7d",
                "recent_messages",
                "days_since_message",
                "message_capped",
            ]
            .map(String::from),
        );
        let last = names.len();
        names.extend(scenario.levers.iter().map(|l| format!("last={}", l.name)));
        let delivered = names.len();
        names.extend(
            scenario
                .levers
                .iter()
                .map(|l| format!("delivered={}", l.name)),
        );
        let subscribed = names.len();
        let message_levers: Vec<usize> = (0..scenario.levers.len())
            .filter(|&l| scenario.levers[l].kind == LeverKind::Message)
            .collect();
        names.extend(
            message_levers
                .iter()
                .map(|&l| format!("subscribed={}", scenario.levers[l].name)),
        );
        let signal = names.len();
        names.extend(
            scenario
                .segments
                .iter()
                .map(|s| format!("signal={}", s.name)),
        );
        Self {
            names,
            weekday,
            channel,
            visits,
            last,
            delivered,
            subscribed,
            signal,
            latent: None,
            horizon: scenario.horizon as f32,
            subscription_slot: (0..scenario.levers.len())
                .map(|l| message_levers.iter().position(|&m| m == l))
                .collect(),
            chosen: (0..space.len())
                .map(|a| space.parts(a).into_iter().flatten().map(|l| 1 << l).sum())
                .collect(),
        }
    }

    /// This layout with the latent features appended (see the type's doc): what a
    /// privileged learner sees, a reference for how much of the reachable value a
    /// policy on a platform's own features captures.
    pub fn with_latent(mut self, segments: &[String]) -> Self {
        self.latent = Some(self.names.len());
        self.names
            .extend(segments.iter().map(|s| format!("latent:segment={s}")));
        self.names
            .extend(LATENT_STATE.map(|n| format!("latent:{n}")));
        self
    }

    /// Whether the layout holds latent features ([`ObservationLayout::with_latent`]).
    pub fn is_privileged(&self) -> bool {
        self.latent.is_some()
    }

    /// Days simulated per user (the `age` feature is age / horizon).
    pub fn horizon(&self) -> u32 {
        self.horizon as u32
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: there is at least the age feature.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Feature names, in vector order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Position of the feature called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Writes `user`'s observation into `out` (`out.len() == self.len()`).
    pub fn write(&self, user: &User, out: &mut [f32]) {
        out.fill(0.0);
        out[self.channel + usize::from(user.profile.channel)] = 1.0;
        out[self.signal + usize::from(user.profile.signal)] = 1.0;
        let day = user.profile.signup_day + user.state.age;
        self.write_clock(user, (day % 7) as usize, out);
        let mut levers = (1u16 << (self.delivered - self.last)) - 1;
        let chosen = self.chosen_by(user.state.last_action);
        while levers != 0 {
            self.write_lever(user, levers.trailing_zeros() as usize, chosen, out);
            levers &= levers - 1;
        }
        if let Some(latent) = self.latent {
            out[latent + usize::from(user.profile.segment)] = 1.0;
            self.write_latent_state(user, out);
        }
    }

    /// Writes the latent traits and state of `user` (a privileged layout's last
    /// features).
    fn write_latent_state(&self, user: &User, out: &mut [f32]) {
        let (t, s) = (&user.profile.traits, &user.state);
        let values = [
            t.intent,
            t.price_sensitivity,
            t.tolerance,
            s.habit,
            s.fatigue,
            s.knowledge,
            s.dependence,
            f64::from(u8::from(s.churned)),
        ];
        let start = out.len() - LATENT_STATE.len();
        for (slot, value) in out[start..].iter_mut().zip(values) {
            *slot = value as f32;
        }
    }

    /// Writes into `out` the observation of `user` after the day that `yesterday`,
    /// their observation before it, led to; they had chosen `before` the day before,
    /// and `weekday` is their new calendar day mod 7. Only what a day can change is
    /// written, the rest copied: equal to [`ObservationLayout::write`], and cheaper,
    /// for it runs for every user-day of a cohort.
    #[inline]
    pub(crate) fn advance(
        &self,
        user: &User,
        before: Option<u16>,
        weekday: usize,
        yesterday: &[f32],
        out: &mut [f32],
    ) {
        out.copy_from_slice(yesterday);
        out[self.weekday + (weekday + 6) % 7] = 0.0;
        self.write_clock(user, weekday, out);
        // Only the levers chosen yesterday or today change their features.
        let chosen = self.chosen_by(user.state.last_action);
        let mut changed = chosen | self.chosen_by(before);
        while changed != 0 {
            self.write_lever(user, changed.trailing_zeros() as usize, chosen, out);
            changed &= changed - 1;
        }
        if self.latent.is_some() {
            self.write_latent_state(user, out);
        }
    }

    /// Writes the age, the weekday flag and the counts of `user`.
    #[inline]
    fn write_clock(&self, user: &User, weekday: usize, out: &mut [f32]) {
        let s = &user.state;
        out[0] = s.age as f32 / self.horizon;
        out[self.weekday + weekday] = 1.0;
        let counts: &mut [f32; COUNTS] = (&mut out[self.visits..self.last])
            .try_into()
            .expect("the layout has COUNTS count features");
        *counts = [
            s.visits as f32,
            s.purchases as f32,
            s.days_since_visit as f32,
            f32::from(u8::from(s.purchases > 0)),
            s.pending_discount as f32,
            f32::from(MESSAGES_IN_WEEK[(s.message_days & 0x7F) as usize]),
            s.recent_messages as f32,
            s.days_since_message.unwrap_or(s.age) as f32,
            f32::from(u8::from(s.last_capped)),
        ];
    }

    /// Writes the features of `lever`: chosen yesterday (a bit of `chosen`),
    /// deliveries and, for a message lever, the subscription.
    #[inline]
    fn write_lever(&self, user: &User, lever: usize, chosen: u16, out: &mut [f32]) {
        let s = &user.state;
        out[self.last + lever] = f32::from(u8::from(chosen & (1 << lever) != 0));
        out[self.delivered + lever] = f32::from(s.deliveries[lever]);
        if let Some(slot) = self.subscription_slot[lever] {
            out[self.subscribed + slot] = f32::from(u8::from(s.subscriptions & (1 << lever) != 0));
        }
    }

    /// The levers that joint `action` chose, one bit per lever.
    fn chosen_by(&self, action: Option<u16>) -> u16 {
        action.map_or(0, |a| self.chosen[usize::from(a)])
    }
}
