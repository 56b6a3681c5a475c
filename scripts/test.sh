#!/usr/bin/env bash
# The test command the README gives: every test of every crate in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets --locked
