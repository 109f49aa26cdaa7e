//! A simulated user: who they are (drawn once at signup) and where they stand.

use crate::model::{Model, categorical};
use crate::random::{Domain, Streams};
use rand_distr::{Distribution, StandardNormal};

/// Latent traits drawn at signup; a policy never sees them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// Log-odds added to visit and purchase.
    pub intent: f64,
    /// Purchase log-odds per unit of discount (at least 0).
    pub price_sensitivity: f64,
    /// Fatigue above which unsubscribes become likely (at least 0).
    pub tolerance: f64,
}

/// Who a user is: fixed from signup on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Unique id; keys the user's random streams.
    pub id: u64,
    /// Calendar day of signup.
    pub signup_day: u32,
    /// Acquisition channel index.
    pub channel: u8,
    /// True segment index (latent).
    pub segment: u8,
    /// Segment named by the noisy first-session signal (observed).
    pub signal: u8,
    /// Latent traits.
    pub traits: Traits,
    /// The streams of the user's days, keyed by `(seed, id)`, one per age.
    pub(crate) days: Streams,
}

/// Running totals of a user's outcomes since signup.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    /// Revenue net of discounts.
    pub revenue: f64,
    /// Profit: margin · value − discount − lever costs.
    pub profit: f64,
    /// Lever costs.
    pub cost: f64,
    /// Messages delivered.
    pub messages: f64,
    /// Objective reward, the terminal value included.
    pub reward: f64,
}

/// The most levers a scenario may have: per-lever state is stored in fixed arrays
/// and bit sets.
pub const MAX_LEVERS: usize = 16;

/// Where a user stands at the start of a day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UserState {
    /// Days since signup of the next day to simulate.
    pub age: u32,
    /// Habit `h`.
    pub habit: f64,
    /// Fatigue `f`.
    pub fatigue: f64,
    /// Platform knowledge of the user `k`, in `[0, 1]`.
    pub knowledge: f64,
    /// Coupon dependence `c`.
    pub dependence: f64,
    /// Bit `l` set while the user is subscribed to message lever `l`.
    pub subscriptions: u16,
    /// Bit `l` set once the user has unsubscribed from message lever `l`.
    pub unsubscribed: u16,
    /// Whether the user is dormant: churned and not won back (latent: no policy sees it).
    pub churned: bool,
    /// Age at which the user first churned (latent), if they have.
    pub churn_age: Option<u32>,
    /// Times a message won the user back from dormancy.
    pub win_backs: u32,
    /// Days since the last visit (signup counts as a visit).
    pub days_since_visit: u32,
    /// Visits so far, signup included.
    pub visits: u32,
    /// Purchases so far.
    pub purchases: u32,
    /// Fraction off the next order, 0 if none pending.
    pub pending_discount: f64,
    /// Days the pending discount stays usable.
    pub discount_days_left: u32,
    /// Joint action chosen the previous day, if any.
    pub last_action: Option<u16>,
    /// The previous day's message was held back by the frequency cap.
    pub last_capped: bool,
    /// Bit `i` set when a message was delivered `i + 1` days ago (32 days kept).
    pub message_days: u32,
    /// Days since the last delivered message (none yet: `None`).
    pub days_since_message: Option<u32>,
    /// Messages delivered, exponentially weighted: `m ← 0.7·m + [message today]`.
    pub recent_messages: f64,
    /// Deliveries since signup, per lever.
    pub deliveries: [u16; MAX_LEVERS],
    /// Totals since signup.
    pub totals: Totals,
}

/// A user: profile and state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct User {
    /// Who the user is.
    pub profile: Profile,
    /// Where the user stands.
    pub state: UserState,
}

impl User {
    /// Draws user `id`, signed up on `signup_day`, from the signup stream of `seed`.
    /// The channel is drawn from the scenario's shares unless `channel` fixes it.
    pub fn sign_up(
        model: &Model,
        seed: u64,
        id: u64,
        signup_day: u32,
        channel: Option<u8>,
    ) -> Self {
        // Slots: 0 channel, 1 segment, 2 signal is true, 3 signal pick, 4 traits,
        // 5 + l opt-in to lever l.
        let draws = Streams::new(seed, Domain::Signup, id).stream(0);
        let mut normals = draws.generator(4);
        let z_intent: f64 = StandardNormal.sample(&mut normals);
        let z_price: f64 = StandardNormal.sample(&mut normals);
        let z_tolerance: f64 = StandardNormal.sample(&mut normals);
        let u_channel = draws.uniform(0);
        let u_segment = draws.uniform(1);
        let u_signal_true = draws.uniform(2);
        let u_signal_pick = draws.uniform(3);

        let channel = channel.unwrap_or_else(|| categorical(&model.channel_cdf, u_channel) as u8);
        let n_segments = model.n_segments();
        let mix = &model.segment_cdf[channel as usize * n_segments..][..n_segments];
        let segment = categorical(mix, u_segment);
        let params = &model.scenario().segments[segment];
        let signal = if u_signal_true < model.dynamics().signal_accuracy {
            segment
        } else {
            ((u_signal_pick * n_segments as f64) as usize).min(n_segments - 1)
        };
        let traits = Traits {
            intent: params.intent.mean + params.intent.sd * z_intent,
            price_sensitivity: (params.price_sensitivity.mean
                + params.price_sensitivity.sd * z_price)
                .max(0.0),
            tolerance: (params.tolerance.mean + params.tolerance.sd * z_tolerance).max(0.0),
        };
        let mut subscriptions = 0u16;
        for lever in 0..model.scenario().levers.len() {
            let share = model.opt_in[lever * model.n_channels() + usize::from(channel)];
            if share > 0.0 && draws.uniform(5 + lever as u64) < share {
                subscriptions |= 1 << lever;
            }
        }
        Self {
            profile: Profile {
                id,
                signup_day,
                channel,
                segment: segment as u8,
                signal: signal as u8,
                traits,
                days: Streams::new(seed, Domain::UserDay, id),
            },
            state: UserState {
                age: 0,
                habit: 0.0,
                fatigue: 0.0,
                knowledge: 0.0,
                dependence: 0.0,
                subscriptions,
                unsubscribed: 0,
                churned: false,
                churn_age: None,
                win_backs: 0,
                days_since_visit: 0,
                visits: 0,
                purchases: 0,
                pending_discount: 0.0,
                discount_days_left: 0,
                last_action: None,
                last_capped: false,
                message_days: 0,
                days_since_message: None,
                recent_messages: 0.0,
                deliveries: [0; MAX_LEVERS],
                totals: Totals::default(),
            },
        }
    }

    /// Whether the user is subscribed to message lever `lever`.
    pub fn subscribed(&self, lever: usize) -> bool {
        self.state.subscriptions & (1 << lever) != 0
    }

    /// Calendar day of the user's next step.
    pub fn day(&self) -> u32 {
        self.profile.signup_day + self.state.age
    }
}
