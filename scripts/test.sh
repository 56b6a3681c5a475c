#!/usr/bin/env bash
# The test command the README gives: builds the binaries the behaviour tests drive (wnm,
# antnode-emu, the systemd test driver), then runs every test of every crate.
# Needs a Docker engine for the real-systemd tests (scripts/setup-ci.sh checks and builds the image).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --bins --examples --locked
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
# The write-your-own-backend example asserts its contract when run (docs/backend-guide.md).
cargo run --locked -q -p wnm-core --example custom_backend
