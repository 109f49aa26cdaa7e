//! Keyed, position-addressable random draws: the source of common random numbers.
//!
//! Every random quantity is a fixed *slot* of a stream whose key is a hash of the
//! scenario seed, a domain (arrivals, signup, user-day) and the indices of the thing
//! drawn. Slot `k` of a stream is `mix(key + (k + 1)·γ)`, SplitMix64's output
//! function, so a draw's value depends only on `(seed, domain, indices, slot)`:
//! not on the policy, the order users are stepped in, the number of threads, nor on
//! whether the draws before it were needed. A user-day therefore only computes the
//! draws it uses (no purchase draw without a visit) while every user-day still
//! "consumes" the same draws whatever the action. Draws that need a variable number
//! of words (normal, Poisson) take a slot's value as the seed of a SplitMix64
//! generator from `rand_xoshiro`.

use rand::SeedableRng;
use rand_xoshiro::SplitMix64;

/// SplitMix64's increment, the golden ratio in 64 bits.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// What a stream is drawn for; keeps the domains apart.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Domain {
    /// The number of signups on a calendar day.
    Arrivals,
    /// A user's channel, segment, traits and first-session signal.
    Signup,
    /// A user's draws on one day of their life.
    UserDay,
}

/// The streams of `(seed, domain, a, ·)`, one per value of the last index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Streams {
    key: u64,
}

impl Streams {
    pub(crate) fn new(seed: u64, domain: Domain, a: u64) -> Self {
        let domain_key = match domain {
            Domain::Arrivals => 0xA771_7A15,
            Domain::Signup => 0x5167_0B00,
            Domain::UserDay => 0x05E2_DA75,
        };
        Self {
            key: mix(mix(seed ^ domain_key) ^ a),
        }
    }

    /// The stream of `(seed, domain, a, b)`.
    pub(crate) fn stream(self, b: u64) -> Stream {
        Stream {
            key: mix(self.key ^ b),
        }
    }
}

/// One stream: a sequence of slots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stream {
    key: u64,
}

impl Stream {
    fn word(self, slot: u64) -> u64 {
        mix(self.key.wrapping_add(slot.wrapping_mul(GAMMA)))
    }

    /// The uniform in `[0, 1)` of `slot`, from the word's top 53 bits.
    pub(crate) fn uniform(self, slot: u64) -> f64 {
        (self.word(slot) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A generator seeded by `slot`, for draws of a variable number of words.
    pub(crate) fn generator(self, slot: u64) -> SplitMix64 {
        SplitMix64::from_seed(self.word(slot).to_le_bytes())
    }
}

/// SplitMix64's output function: a bijective 64-bit mix with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
