#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (idempotent). Nothing here is done by hand.
set -euo pipefail
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# wnm-backend-systemd: `systemd-analyze verify` checks generated units; its container tests build
# their image with debootstrap (scripts/systemd-image.sh installs that itself) and need Docker.
command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }
