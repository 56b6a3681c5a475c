#!/usr/bin/env bash
# Installs antctl 0.14.2 (crates.io `ant-node-manager`, the last antctl release) into a cache
# dir and prints the path of the `antctl` binary as the last line of stdout, for the opt-in
# real-antctl test:
#
#   WNM_REAL_ANTCTL="$(bash scripts/antctl.sh | tail -n 1)" \
#   WNM_REAL_ANTNODE=/tmp/antnode-install/bin/antnode \
#     cargo test -p wnm-backend-antctl --test container -- --nocapture
#
# Idempotent: an antctl of this version already in the cache is reused (a build takes about
# 10 min and ~1 GB of build files on 2 cores). `--locked` keeps the dependency versions antctl
# was released with.
#
# Environment:
#   WNM_ANTCTL_CACHE   install root (default: ${XDG_CACHE_HOME:-~/.cache}/wnm/antctl-0.14.2);
#                      the binary goes to <root>/bin/antctl
set -euo pipefail

VERSION="0.14.2"
ROOT="${WNM_ANTCTL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wnm/antctl-$VERSION}"
BIN="$ROOT/bin/antctl"

log() { echo "antctl.sh: $*" >&2; }

cached() { [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | head -n 1 | grep -qx "Autonomi Node Manager v$VERSION"; }

if cached; then
    log "cached: $BIN"
    echo "$BIN"
    exit 0
fi

command -v cargo >/dev/null || { log "cargo is needed to build antctl (https://rustup.rs)"; exit 1; }
mkdir -p "$ROOT"
# One build at a time (several test runs may ask at once).
exec 9>"$ROOT/.install.lock"
flock 9
if cached; then
    log "cached: $BIN"
    echo "$BIN"
    exit 0
fi
log "building antctl $VERSION into $ROOT (about 10 min)"
start=$(date +%s)
cargo install --locked "ant-node-manager@$VERSION" --bin antctl --root "$ROOT" >&2
cached || { log "$BIN does not report v$VERSION after the install"; exit 1; }
log "built in $(( $(date +%s) - start )) s"
echo "$BIN"
