//! What a policy sees of a user: a fixed-length `f32` vector with named features.
//! Never the latent traits or state (segment, intent, habit, fatigue, …).

use crate::scenario::Scenario;
use crate::user::User;

/// Names and positions of the observation features of one scenario.
///
/// In order: `age` (age / horizon), `channel=<name>` one-hot, `visits`, `purchases`,
/// `days_since_visit`, `last_action=<name>` one-hot (all 0 on the signup day),
/// `messages_7d` (messages delivered in the last 7 days), `has_purchased`,
/// `subscribed`, `discount_pending` (fraction off the next order),
/// `messages_total`, `incentives_total` and `in_app_total` (deliveries since signup
/// by kind: the platform's own log, which reveals what drives fatigue, coupon
/// dependence and knowledge), and
/// `signal=<segment>`, the one-hot segment named by the noisy first-session signal.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationLayout {
    names: Vec<String>,
    channel: usize,
    visits: usize,
    last_action: usize,
    messages: usize,
    signal: usize,
    horizon: f32,
}

impl ObservationLayout {
    /// The layout for `scenario`'s channels, actions and segments.
    pub fn new(scenario: &Scenario) -> Self {
        let mut names = vec!["age".to_string()];
        let channel = names.len();
        names.extend(
            scenario
                .arrivals
                .channels
                .iter()
                .map(|c| format!("channel={}", c.name)),
        );
        let visits = names.len();
        names.extend(["visits", "purchases", "days_since_visit"].map(String::from));
        let last_action = names.len();
        names.extend(
            scenario
                .actions
                .iter()
                .map(|a| format!("last_action={}", a.name)),
        );
        let messages = names.len();
        names.extend(
            [
                "messages_7d",
                "has_purchased",
                "subscribed",
                "discount_pending",
                "messages_total",
                "incentives_total",
                "in_app_total",
            ]
            .map(String::from),
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
            channel,
            visits,
            last_action,
            messages,
            signal,
            horizon: scenario.horizon as f32,
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
        out[self.channel + usize::from(p.channel)] = 1.0;
        out[self.visits] = s.visits as f32;
        out[self.visits + 1] = s.purchases as f32;
        out[self.visits + 2] = s.days_since_visit as f32;
        if let Some(action) = s.last_action {
            out[self.last_action + usize::from(action)] = 1.0;
        }
        out[self.messages] = (s.message_days & 0x7F).count_ones() as f32;
        out[self.messages + 1] = f32::from(u8::from(s.purchases > 0));
        out[self.messages + 2] = f32::from(u8::from(s.subscribed));
        out[self.messages + 3] = s.pending_discount as f32;
        for (i, &count) in s.deliveries.iter().enumerate() {
            out[self.messages + 4 + i] = f32::from(count);
        }
        out[self.signal + usize::from(p.signal)] = 1.0;
    }
}
