#!/usr/bin/env bash
# Survey benchmark: builds release, starts `antnode-emu --serve-many N --body mainnet`
# (47 KB bodies captured from a mainnet node), and measures wnm's survey alone at each N
# (wall time, CPU time, peak RSS of the measuring process), next to a naive sequential
# one-connection-per-request baseline over the first 200 nodes, extrapolated to N.
# Each measurement runs in a fresh child process; the median of --repeat runs is shown.
#
# Usage: scripts/bench.sh [wnm-bench options]
#   --sizes 1000,5000      node counts
#   --phases survey,baseline
#   --concurrency 64       requests in flight
#   --metadata             read /metadata too
#   --body mainnet|0.4.11  body served
#   --repeat 3             runs per phase and size
# Targets (2 cores): N=1000 <= 0.5 s and <= 40 MB; N=5000 <= 2.5 s and <= 80 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p wnm-testkit --bin antnode-emu --bin wnm-bench
target_dir="${CARGO_TARGET_DIR:-target}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec "$target_dir/release/wnm-bench" "$@"
