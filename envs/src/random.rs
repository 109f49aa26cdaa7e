//! Keyed random streams: the source of common random numbers.
//!
//! Every random quantity comes from a short stream whose key is a hash of the
//! scenario seed, a domain (arrivals, signup, user-day) and the indices of the thing
//! drawn. A user-day's draws therefore depend on nothing but `(seed, user id, age)`:
//! not on the policy, the order users are stepped in, or the number of threads.

use rand::SeedableRng;
use rand_xoshiro::SplitMix64;

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

/// The stream for `(seed, domain, a, b)`.
pub(crate) fn stream(seed: u64, domain: Domain, a: u64, b: u64) -> SplitMix64 {
    let domain_key = match domain {
        Domain::Arrivals => 0xA771_7A15,
        Domain::Signup => 0x5167_0B00,
        Domain::UserDay => 0x05E2_DA75,
    };
    let key = mix(mix(mix(seed ^ domain_key) ^ a) ^ b);
    SplitMix64::from_seed(key.to_le_bytes())
}

/// SplitMix64's finaliser: a bijective 64-bit mix with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
