#!/usr/bin/env bash
# onboard's entry point: sets up libtorch on first use, then runs the tool or its tests.
#
#   ./onboard.sh demo             the main job
#   ./onboard.sh test [ARGS]      every test of the workspace, optimised (cargo test --release ARGS):
#                                 the release build of the demo serves it, so only the tests compile
#   ./onboard.sh bench [ARGS]     the criterion benchmarks (cargo bench ARGS)
#   ./onboard.sh example          re-runs the demo and the example sweep and refreshes the README's
#                                 plots in results/example/
#   ./onboard.sh ARGS...          any onboard command, e.g. ./onboard.sh run coupon-trap --policy nothing
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/libtorch.sh
source scripts/libtorch.sh

case "${1:-}" in
    test)
        shift
        exec cargo test --release --workspace "$@"
        ;;
    bench)
        shift
        exec cargo bench --workspace "$@"
        ;;
    example)
        cargo run --release --quiet --bin onboard -- demo --quiet --out results/demo
        mkdir -p results/example
        for plot in survival active conversion profit learning actions-dqn; do
            cp "results/demo/$plot.svg" results/example/
        done
        cargo run --release --quiet --bin onboard -- sweep experiments/sweep-coupon.ron --quiet --out results/sweep-coupon
        cp results/sweep-coupon/sweep-profit_lift-heatmap.svg results/example/
        echo "results/example/ refreshed from results/demo/ and results/sweep-coupon/"
        ;;
    *)
        exec cargo run --release --quiet --bin onboard -- "$@"
        ;;
esac
