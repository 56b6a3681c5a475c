#!/usr/bin/env bash
# Fuzz the OpenMetrics parser (wnm-survey) with cargo-fuzz / libFuzzer on the STABLE toolchain:
# cargo-fuzz needs nightly-only flags (-Zsanitizer=address, sancov passes), which stable rustc
# accepts with RUSTC_BOOTSTRAP=1 (the stable toolchain ships the ASan runtime). No nightly needed.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`, done here if missing). The seeds are the
# captured antnode bodies in wnm-testkit/fixtures/ (read only: new inputs go to
# fuzz/corpus/openmetrics/); crashes land in fuzz/artifacts/openmetrics/ and fail the script.
# Measured here (2 cores, shared, ASan, inputs up to 47 KB): first build ~2.5 min; 60 s =
# 81,851 runs (1,340/s) from the seeds alone, 143,809 runs (2,360/s) on the grown corpus; no
# crash (docs/benchmarks.md). Not in CI: the build alone costs more than a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/openmetrics
cd fuzz
export RUSTC_BOOTSTRAP=1
cargo fuzz run openmetrics corpus/openmetrics \
    ../wnm-testkit/fixtures/antnode-0.4.11 ../wnm-testkit/fixtures/antnode-0.4.7-mainnet \
    -- -max_total_time="$secs" -max_len=65536
