#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (idempotent). Nothing here is done by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# wnm-backend-systemd: `systemd-analyze verify` checks generated units.
command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }
# The real-systemd tests need a Docker engine: fail loudly here rather than skip later.
if ! docker info >/dev/null 2>&1; then
  echo "setup-ci: the Docker engine does not answer (docker info failed); the real-systemd tests need it" >&2
  exit 1
fi
# Their image (Debian + systemd, built with debootstrap, cached by the hash of the script).
bash scripts/systemd-image.sh >/dev/null
