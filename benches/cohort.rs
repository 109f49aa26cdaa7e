//! Throughput of the batched cohort stepper: the 100,000-user `default` cohort
//! simulated to the horizon under a constant policy, with one thread and with all
//! threads. Every user lives to the horizon (a churned user stays as a dormant row),
//! so a run is 3.1 million user-days, most of them dormant; the set-up prints how
//! many of each, and criterion reports user-days per second (users per second is
//! that divided by the horizon, 31).
//!
//! `step_*` times the stepping of a cohort whose users have signed up (the signup
//! draws are set-up, not timed); `signup_and_step_*` times both. `nothing` sends
//! nothing; `email+recs` sends an e-mail every day (capped at 4 a week), so that
//! dormant users are reached too.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use onboard_envs::{Cohort, Model, Scenario, Transitions, find_action};
use std::hint::black_box;
use std::sync::Arc;

const USERS: usize = 100_000;

/// Runs a cohort to the end under `action`, handing each day's transitions to `see`.
fn run_to_end(mut cohort: Cohort, action: usize, mut see: impl FnMut(&Transitions<'_>)) {
    let mut actions = Vec::with_capacity(USERS);
    while !cohort.is_finished() {
        actions.clear();
        actions.resize(cohort.observations().nrows(), action);
        let transitions = cohort.step(&actions).expect("valid actions");
        see(&transitions);
    }
}

/// The live and the dormant user-days of one run under `action`.
fn user_days(model: &Arc<Model>, action: usize) -> (u64, u64) {
    let (mut live, mut dormant) = (0, 0);
    run_to_end(Cohort::fixed(Arc::clone(model), 1, USERS), action, |t| {
        let asleep = t.outcomes.iter().filter(|o| o.dormant).count() as u64;
        dormant += asleep;
        live += t.outcomes.len() as u64 - asleep;
    });
    (live, dormant)
}

fn cohort_throughput(c: &mut Criterion) {
    let scenario = Scenario::builtin("default").expect("default scenario is valid");
    let model = Arc::new(Model::new(scenario).expect("default scenario compiles"));
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("cohort");
    group.sample_size(20);
    for policy in ["nothing", "email+recs"] {
        let action = find_action(model.actions().names(), policy).expect("a default action");
        let (live, dormant) = user_days(&model, action);
        println!("{policy}: {USERS} users, {live} live and {dormant} dormant user-days per run");
        group.throughput(Throughput::Elements(live + dormant));
        for threads in [1, all] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            group.bench_function(format!("step_{policy}_{threads}_threads"), |b| {
                b.iter_batched(
                    || Cohort::fixed(Arc::clone(&model), 1, USERS),
                    |cohort| {
                        pool.install(|| {
                            run_to_end(cohort, action, |t| {
                                black_box(t);
                            })
                        })
                    },
                    BatchSize::LargeInput,
                )
            });
            group.bench_function(format!("signup_and_step_{policy}_{threads}_threads"), |b| {
                b.iter(|| {
                    pool.install(|| {
                        let cohort = Cohort::fixed(Arc::clone(&model), 1, USERS);
                        run_to_end(cohort, action, |t| {
                            black_box(t);
                        })
                    })
                })
            });
        }
    }
    group.finish();
}

/// Criterion draws its reports with plotters, which here only has the embedded font.
fn criterion() -> Criterion {
    let _ = onboard::plots::register_fonts();
    Criterion::default()
}

criterion_group! {
    name = benches;
    config = criterion();
    targets = cohort_throughput
}
criterion_main!(benches);
