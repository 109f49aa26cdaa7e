//! New users per calendar day.

use crate::model::Model;
use crate::random::{Domain, stream};
use rand_distr::{Distribution, Poisson};

/// Expected signups on calendar `day`: `rate · weekly[day mod 7] · (1 + growth)^day`.
pub fn expected_signups(model: &Model, day: u32) -> f64 {
    let arrivals = &model.scenario().arrivals;
    arrivals.rate * arrivals.weekly[(day % 7) as usize] * (1.0 + arrivals.growth).powf(f64::from(day))
}

/// Signups on calendar `day`, a Poisson draw keyed by `(seed, day)`.
pub fn signups(model: &Model, seed: u64, day: u32) -> u64 {
    let mean = expected_signups(model, day);
    match Poisson::new(mean) {
        Ok(poisson) => poisson.sample(&mut stream(seed, Domain::Arrivals, u64::from(day), 0)) as u64,
        // A zero (or underflowed) rate: nobody signs up.
        Err(_) => 0,
    }
}
