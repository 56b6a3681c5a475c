#!/usr/bin/env bash
# Fuzz the OpenMetrics parser (wnm-survey) with cargo-fuzz / libFuzzer.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); the seeds are the
# captured antnode bodies in wnm-testkit/fixtures/. Crashes land in fuzz/artifacts/openmetrics/.
# Measured here: ~180,000 runs in 60 s, no crash (first build of the fuzz crate: ~2 min).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
mkdir -p fuzz/corpus/openmetrics
cd fuzz
cargo +nightly fuzz run openmetrics corpus/openmetrics \
    ../wnm-testkit/fixtures/antnode-0.4.11 ../wnm-testkit/fixtures/antnode-0.4.7-mainnet \
    -- -max_total_time="$secs" -max_len=65536
