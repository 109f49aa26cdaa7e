//! New users per calendar day.

use crate::model::Model;
use crate::random::{Domain, Streams};
use rand_distr::{Distribution, Poisson};

/// The most signups a day can expect, whatever the growth: more is a typo, and
/// would exhaust memory.
pub const MAX_SIGNUPS_PER_DAY: f64 = 1e7;

/// Expected signups on calendar `day`: `rate · weekly[day mod 7] · (1 + growth)^day`,
/// capped at [`MAX_SIGNUPS_PER_DAY`].
pub fn expected_signups(model: &Model, day: u32) -> f64 {
    let arrivals = &model.scenario().arrivals;
    let mean = arrivals.rate
        * arrivals.weekly[(day % 7) as usize]
        * (1.0 + arrivals.growth).powf(f64::from(day));
    mean.min(MAX_SIGNUPS_PER_DAY)
}

/// Signups on calendar `day`, a Poisson draw keyed by `(seed, day)`.
pub fn signups(model: &Model, seed: u64, day: u32) -> u64 {
    let mean = expected_signups(model, day);
    match Poisson::new(mean) {
        Ok(poisson) => poisson.sample(
            &mut Streams::new(seed, Domain::Arrivals, u64::from(day))
                .stream(0)
                .generator(0),
        ) as u64,
        // A zero (or underflowed) rate: nobody signs up.
        Err(_) => 0,
    }
}
