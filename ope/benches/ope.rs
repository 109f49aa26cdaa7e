//! Throughput of the fused per-decision pass and of the bootstrap.
//!
//! `cargo bench -p onboard-ope --bench estimators`. The fused pass runs on one thread
//! (a one-thread rayon pool); the bootstrap on the default pool.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use onboard_ope::{
    BootstrapConfig, Columns, Estimator, LogRow, LogWriter, Predictions, ReadOptions,
    bootstrap_intervals, default_per_decision, evaluate_per_decision, read_log,
};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

/// Rows of the benchmark logs.
const ROWS: usize = 1_000_000;
/// Units of the clustered log: 10,000 of 34 rows and 20,000 of 33.
const UNITS: usize = 30_000;

/// A log of `ROWS` rows in units starting at `starts`, with reward-model predictions.
fn log(starts: Vec<usize>) -> Columns {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut column = |low: f64, high: f64| -> Vec<f64> {
        (0..ROWS).map(|_| rng.random_range(low..high)).collect()
    };
    let propensity = column(0.05, 1.0);
    let target = column(0.0, 1.0);
    let reward = column(0.0, 1.0)
        .iter()
        .map(|u| f64::from(*u < 0.3))
        .collect();
    let logged = column(0.1, 0.5);
    let target_q = column(0.1, 0.5);
    Columns {
        starts,
        propensity,
        target,
        reward,
        reward_model: Some(Predictions {
            logged,
            target: target_q,
            folds: None,
        }),
        value_model: None,
    }
}

/// Unit starts of the clustered log.
fn clustered_starts() -> Vec<usize> {
    let mut starts = vec![0];
    for u in 0..UNITS {
        let len = if u % 3 == 0 { 34 } else { 33 };
        starts.push(starts[u] + len);
    }
    starts
}

fn fused(c: &mut Criterion) {
    let estimators = default_per_decision();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let mut group = c.benchmark_group("per_decision_one_thread");
    group.throughput(Throughput::Elements(ROWS as u64));
    for (name, columns) in [
        ("ten_estimators_1M_rows_30k_units", log(clustered_starts())),
        (
            "ten_estimators_1M_independent_rows",
            log((0..=ROWS).collect()),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                one_thread.install(|| black_box(evaluate_per_decision(&columns, &estimators)))
            })
        });
    }
    group.finish();
}

fn bootstrap(c: &mut Criterion) {
    let columns = log(clustered_starts());
    let estimators = default_per_decision();
    let mut group = c.benchmark_group("bootstrap_default_pool");
    group.sample_size(10);
    group.bench_function("ten_estimators_1000_replicates_1M_rows_30k_units", |b| {
        b.iter(|| {
            let stats: Vec<_> = evaluate_per_decision(&columns, &estimators)
                .expect("valid columns")
                .into_iter()
                .collect::<Result<_, _>>()
                .expect("every estimator available");
            let refs: Vec<&dyn Estimator> = estimators
                .iter()
                .map(|e| e.as_ref() as &dyn Estimator)
                .collect();
            black_box(bootstrap_intervals(
                &refs,
                &stats,
                &BootstrapConfig::default(),
            ))
        })
    });
    group.finish();
}

/// Reading a 1-million-row log in the schema `onboard log` writes (30,000 users of
/// about 33 days, 40 features), end to end: parse, validate, group by user.
fn read(c: &mut Criterion) {
    let features: Vec<String> = (0..40).map(|f| format!("f{f}")).collect();
    let actions: Vec<String> = (0..27).map(|a| format!("a{a}")).collect();
    let path = std::env::temp_dir().join(format!("onboard-ope-bench-{}.csv", std::process::id()));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let file = std::fs::File::create(&path).expect("bench log");
    let mut writer =
        LogWriter::new(std::io::BufWriter::new(file), &features, &actions, false).expect("writer");
    let probabilities = vec![1.0 / 27.0; 27];
    let (users, days) = (30_000u64, 33u32);
    let mut x = vec![0f32; 40];
    for day in 0..days {
        for user in 0..users {
            x.iter_mut().enumerate().for_each(|(f, v)| {
                *v = if f < 20 {
                    f32::from(rng.random::<bool>())
                } else {
                    rng.random::<f32>() * 10.0
                }
            });
            let row = LogRow {
                user,
                signup_day: 0,
                age: day,
                features: &x,
                action: rng.random_range(0..27),
                probabilities: &probabilities,
                reward: rng.random::<f64>(),
                end: day + 1 == days,
            };
            writer.write(&row).expect("row");
        }
    }
    drop(writer.finish().expect("flush"));
    let options = ReadOptions {
        actions: Some(&actions),
        features: Some(&features),
        ..ReadOptions::default()
    };
    let mut group = c.benchmark_group("read_log");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(days) * users));
    group.bench_function("990k_rows_40_features", |b| {
        b.iter(|| black_box(read_log(&path, &options).expect("log")))
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, fused, bootstrap, read);
criterion_main!(benches);
