//! Throughput of the batched cohort stepper: user-days simulated per second on the
//! default scenario under a constant policy, with one thread and with all threads.
//! Target (issue 2): at least 20 million user-days per second per core.
//!
//! `step_*` times the stepping of a cohort whose users have signed up (the signup
//! draws are set-up, not timed); `signup_and_step_*` times both.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use onboard_envs::{Cohort, Model, Scenario};
use std::hint::black_box;
use std::sync::Arc;

const USERS: usize = 100_000;

/// Signs up a fixed cohort and runs it to the end under action 0.
fn simulate(model: &Arc<Model>, seed: u64) -> u64 {
    run_to_end(Cohort::fixed(Arc::clone(model), seed, USERS))
}

/// Runs a cohort to the end under action 0; returns the user-days simulated.
fn run_to_end(mut cohort: Cohort) -> u64 {
    let mut actions = Vec::with_capacity(USERS);
    let mut user_days = 0;
    while !cohort.is_finished() {
        let live = cohort.observations().nrows();
        actions.clear();
        actions.resize(live, 0);
        user_days += live as u64;
        black_box(cohort.step(&actions).expect("valid actions"));
    }
    user_days
}

fn cohort_throughput(c: &mut Criterion) {
    let scenario = Scenario::builtin("default").expect("default scenario is valid");
    let model = Arc::new(Model::new(scenario).expect("default scenario compiles"));
    let user_days = simulate(&model, 1);
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("cohort");
    group.throughput(Throughput::Elements(user_days));
    group.sample_size(20);
    for threads in [1, all] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_function(format!("step_{threads}_threads"), |b| {
            b.iter_batched(
                || Cohort::fixed(Arc::clone(&model), 1, USERS),
                |cohort| pool.install(|| run_to_end(cohort)),
                BatchSize::LargeInput,
            )
        });
        group.bench_function(format!("signup_and_step_{threads}_threads"), |b| {
            b.iter(|| pool.install(|| simulate(&model, 1)))
        });
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
