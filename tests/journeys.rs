//! The once-per-user decision mode on `coupon-trap`: a bandit choosing journey
//! templates at signup, whose rewards arrive only when each user's month ends,
//! starts knowing nothing and ends choosing the best journey.

use onboard::journeys::{JourneyAgent, JourneyRun, run_journeys};
use onboard::simulate::Population;
use onboard_agents::bandits::{GaussianThompson, GaussianThompsonConfig};
use onboard_agents::baselines::ConstantPolicy;
use onboard_envs::{Estimate, Model, Quantity, Scenario};
use std::sync::Arc;

const EVALUATION_USERS: usize = 20_000;
const LAUNCH_DAYS: u32 = 150;

fn model() -> Arc<Model> {
    let scenario = Scenario::builtin("coupon-trap").expect("a built-in scenario");
    Arc::new(Model::new(scenario).expect("a valid scenario"))
}

fn profit(run: &JourneyRun) -> Estimate {
    run.metrics
        .by_age()
        .last()
        .expect("a horizon of at least one day")
        .to_date(Quantity::Profit)
}

/// Each journey's 30-day profit per user, every user following it.
fn journey_values(model: &Arc<Model>) -> Vec<Estimate> {
    (0..model.n_journeys())
        .map(|j| {
            let mut fixed = ConstantPolicy::new("journey", j, model.n_journeys());
            let population = Population::Cohort {
                users: EVALUATION_USERS,
            };
            let run = run_journeys(
                Arc::clone(model),
                77,
                population,
                JourneyAgent::Acting(&mut fixed),
                true,
            )
            .expect("the journeys run");
            profit(&run)
        })
        .collect()
}

#[test]
fn thompson_learns_the_best_journey_from_rewards_that_arrive_a_month_late() {
    let model = model();
    let values = journey_values(&model);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].mean.total_cmp(&values[a].mean));
    let (best, second) = (order[0], order[1]);
    assert!(
        values[best].low > values[second].high,
        "the test needs a clearly best journey: {values:?}"
    );

    // Profit per user has a standard deviation of about 20 currency units.
    let config = GaussianThompsonConfig {
        noise_variance: 400.0,
        ..GaussianThompsonConfig::default()
    };
    let n = model.n_journeys();
    let mut bandit = GaussianThompson::new(&config, n, 5).expect("a valid config");
    let population = Population::Launch { days: LAUNCH_DAYS };
    let run = run_journeys(
        Arc::clone(&model),
        3,
        population,
        JourneyAgent::Learning(&mut bandit),
        true,
    )
    .expect("the launch runs");
    assert_eq!(
        run.feedback,
        run.metrics.users(),
        "every user's reward arrived"
    );

    // Before any month has ended, the bandit knows nothing: day-0 signups are
    // spread evenly, each journey's count within 4 binomial standard deviations
    // of an n-th of them.
    let first = run.starts_over(0..1);
    let signups: u64 = first.iter().sum();
    let p = 1.0 / n as f64;
    let sd = (signups as f64 * p * (1.0 - p)).sqrt();
    for &count in &first {
        assert!(
            (count as f64 - signups as f64 * p).abs() < 4.0 * sd,
            "day-0 choices {first:?} are not uniform"
        );
    }
    // The last month's signups go to the best journey.
    let last = run.starts_over(LAUNCH_DAYS as usize - 30..LAUNCH_DAYS as usize);
    let share = last[best] as f64 / last.iter().sum::<u64>() as f64;
    for (j, journey) in model.scenario().journeys.iter().enumerate() {
        let v = values[j];
        eprintln!(
            "{:<18} {:>6.2} [{:.2}, {:.2}]  day-0 signups {:>4}  last month {:>6}",
            journey.name, v.mean, v.low, v.high, first[j], last[j]
        );
    }
    assert!(
        share > 0.9,
        "best journey {best} got {share:.3} of the last month's signups: {last:?}"
    );
}
