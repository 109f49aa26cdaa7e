//! Cells per second of `onboard sweep` on cheap cells (a `run` of a constant policy
//! on 2,000 `default` users, one replicate each), with one job and with two, each
//! iteration into a fresh folder so that no cell is skipped. The ratio of the two
//! is the sweep's scaling on two cores.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use onboard::sweep::run_sweep;

const CELLS: u64 = 32;

fn sweep_throughput(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("bench.ron");
    std::fs::write(
        &spec,
        format!(
            "Sweep(name: \"bench\", base: Run(scenario: \"default\", policy: \"recs\", users: 2000),
              parameters: [(path: \"scenario.margin\", values: Linear(from: 0.2, to: 0.4, count: {CELLS}))],
              seed: 1, metrics: [Profit, Conversion])"
        ),
    )
    .expect("write the spec");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CELLS));
    for jobs in [1, 2] {
        group.bench_function(format!("cells_jobs_{jobs}"), |b| {
            b.iter_batched(
                || tempfile::tempdir().expect("temp dir"),
                |out| run_sweep(&spec, jobs, Some(out.path()), None, true).expect("the sweep runs"),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, sweep_throughput);
criterion_main!(benches);
