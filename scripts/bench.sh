#!/usr/bin/env bash
# Survey and idle-cycle benchmark. Builds release (wnm, antnode-emu, wnm-bench), starts
# `antnode-emu --serve-many N --body mainnet --emu-uptime 86400` (the 47 KB bodies captured
# from a mainnet node, a colony that has run a day), seeds a real SQLite colony database of N
# running nodes pointing at those ports (node_cap = N: an idle cycle plans nothing), and
# measures at each N, each run in a fresh child process on a fresh copy of the database:
#   survey      wnm_survey::survey alone, in-process
#   cycle       the idle cycle in-process: store open, then the real Cycle::run (survey and
#               sysinfo window, save, firewall sync, antnode --version, plan, execute, run state)
#   wnm         the real binary: `wnm --dbpath DB -q`, one idle cycle, spawn to exit
#   wnm-survey  `wnm --dbpath DB --force_action survey`
#   wnm-report  `wnm --dbpath DB --force_action survey --report node-status`
#   version     `wnm --version` (median of 21 runs; once)
#   baseline    naive sequential one-connection-per-request survey of 200 nodes, scaled to N
#   parse       parse_metrics on the 47 KB body N times
# Figures: wall time, CPU time (user + system), peak RSS (in-process: VmHWM of the child;
# wnm binary: getrusage(RUSAGE_CHILDREN) of the measuring child), emulator CPU; the median of
# --repeat runs is shown.
#
# Usage: scripts/bench.sh [wnm-bench options]
#   --sizes 1000,5000      node counts
#   --phases survey,cycle,wnm,wnm-survey,wnm-report,baseline,parse,version
#   --concurrency 128      requests in flight (also the colony's survey_concurrency)
#   --metadata             read /metadata too (survey phase)
#   --body mainnet|0.4.11  body served
#   --repeat 3             runs per phase and size
#   --report-dir DIR       keep the node-status report wnm printed (DIR/node-status-N.txt)
# Issue #4's `wnm --force_action survey --report node-status` on 1,000 emulated nodes:
#   scripts/bench.sh --sizes 1000 --phases wnm-report --report-dir /tmp
# Targets (2 cores): idle cycle N=1000 <= 0.5 s and <= 40 MB; N=5000 <= 2.5 s and <= 80 MB;
# `wnm --version` <= 10 ms. Figures measured here: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p wnm-cli --bin wnm -p wnm-testkit --bin antnode-emu --bin wnm-bench
target_dir="${CARGO_TARGET_DIR:-target}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec "$target_dir/release/wnm-bench" --wnm "$target_dir/release/wnm" "$@"
