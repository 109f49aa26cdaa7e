//! What a policy sees of a user: a fixed-length `f32` vector with named features,
//! all computable by a platform from its own logs. Never the latent traits or state
//! (segment, intent, habit, fatigue, churn, …).

use crate::scenario::{LeverKind, Scenario};
use crate::user::User;

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
/// - `signal=<segment>`, the one-hot segment named by the noisy first-session signal.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationLayout {
    names: Vec<String>,
    weekday: usize,
    channel: usize,
    visits: usize,
    last: usize,
    delivered: usize,
    subscribed: usize,
    message_levers: Vec<usize>,
    signal: usize,
    horizon: f32,
    /// `joint[action]`: the levers chosen by each joint action.
    joint: Vec<[Option<usize>; 3]>,
}

impl ObservationLayout {
    /// The layout for `scenario`'s channels, levers and segments.
    pub fn new(scenario: &Scenario) -> Self {
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
        let space = crate::ActionSpace::new(scenario);
        Self {
            names,
            weekday,
            channel,
            visits,
            last,
            delivered,
            subscribed,
            message_levers,
            signal,
            horizon: scenario.horizon as f32,
            joint: (0..space.len()).map(|a| space.parts(a)).collect(),
        }
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
        let s = &user.state;
        let p = &user.profile;
        out.fill(0.0);
        out[0] = s.age as f32 / self.horizon;
        out[self.weekday + ((p.signup_day + s.age) % 7) as usize] = 1.0;
        out[self.channel + usize::from(p.channel)] = 1.0;
        let v = self.visits;
        out[v] = s.visits as f32;
        out[v + 1] = s.purchases as f32;
        out[v + 2] = s.days_since_visit as f32;
        out[v + 3] = f32::from(u8::from(s.purchases > 0));
        out[v + 4] = s.pending_discount as f32;
        out[v + 5] = (s.message_days & 0x7F).count_ones() as f32;
        out[v + 6] = s.recent_messages as f32;
        out[v + 7] = s.days_since_message.unwrap_or(s.age) as f32;
        out[v + 8] = f32::from(u8::from(s.last_capped));
        if let Some(action) = s.last_action {
            for lever in self.joint[usize::from(action)].into_iter().flatten() {
                out[self.last + lever] = 1.0;
            }
        }
        for (slot, &count) in out[self.delivered..self.subscribed]
            .iter_mut()
            .zip(&s.deliveries)
        {
            *slot = f32::from(count);
        }
        for (i, &lever) in self.message_levers.iter().enumerate() {
            out[self.subscribed + i] = f32::from(u8::from(s.subscriptions & (1 << lever) != 0));
        }
        out[self.signal + usize::from(p.signal)] = 1.0;
    }
}
