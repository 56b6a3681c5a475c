#!/usr/bin/env bash
# Builds the local Docker image `wnm-systemd:<hash>` used by the real-systemd tests of
# wnm-backend-systemd: a Debian bookworm root filesystem made with debootstrap (systemd as PID 1,
# dbus with a user session and pam_systemd for user managers, ufw, iproute2, procps, sudo),
# imported with `docker import` (no registry is needed).
#
# Idempotent and cached: the tag is a hash of this script, so an existing image is reused and a
# change to the script builds a new one. Prints the full image name (`wnm-systemd:<hash>`) as the
# last line of stdout. Needs root (debootstrap) and a running Docker engine.
#
# Environment:
#   WNM_DEBIAN_MIRROR   Debian mirror to bootstrap from (default: the host's apt source, else deb.debian.org)
#   WNM_IMAGE_WORKDIR   where the root filesystem is assembled (default: a temp dir, removed afterwards)
set -euo pipefail

SCRIPT="$(readlink -f "$0")"
HASH="$(sha256sum "$SCRIPT" | cut -c1-12)"
IMAGE="wnm-systemd:${HASH}"
SUITE="bookworm"
PACKAGES="systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,ufw,iptables,iproute2,procps,sudo,passwd"

log() { echo "systemd-image: $*" >&2; }

command -v docker >/dev/null || { log "docker is not installed: the real-systemd tests need a Docker engine"; exit 1; }
docker info >/dev/null 2>&1 || { log "the Docker engine does not answer (docker info failed)"; exit 1; }

# One build at a time (several test binaries may ask at once).
exec 9>"/tmp/wnm-systemd-image.lock"
flock 9

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "cached: $IMAGE"
    echo "$IMAGE"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    log "building $IMAGE needs root (debootstrap); run this script as root once"
    exit 1
fi

if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null
        apt-get install -y -qq debootstrap >/dev/null
    }
fi

mirror_from_host() {
    # deb822 sources first, then one-line sources; the first URI serving the plain suite wins.
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri="$(awk -v suite="$SUITE" '
            /^URIs:/   { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print u; exit } }
        ' "$f")"
        if [ -n "$uri" ]; then echo "$uri"; return; fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        uri="$(awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' "$f")"
        if [ -n "$uri" ]; then echo "$uri"; return; fi
    done
}

MIRROR="${WNM_DEBIAN_MIRROR:-$(mirror_from_host)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

WORK="${WNM_IMAGE_WORKDIR:-$(mktemp -d /tmp/wnm-systemd-image.XXXXXX)}"
ROOTFS="$WORK/rootfs"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

log "debootstrap $SUITE from $MIRROR into $ROOTFS (packages: $PACKAGES)"
start=$(date +%s)
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    exit 1
}

# Make it boot cleanly as a container: no consoles, no hardware units, a transient machine id.
echo "wnm-systemd" >"$ROOTFS/etc/hostname"
: >"$ROOTFS/etc/machine-id"
rm -f "$ROOTFS/var/lib/dbus/machine-id"
for unit in getty@tty1.service console-getty.service serial-getty@.service \
    systemd-firstboot.service systemd-remount-fs.service sys-kernel-config.mount \
    sys-kernel-debug.mount sys-kernel-tracing.mount systemd-udevd.service \
    systemd-udev-trigger.service systemd-modules-load.service apt-daily.timer \
    apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$ROOTFS/etc/systemd/system/$unit"
done
# (docker import cannot set STOPSIGNAL on this engine: run it with --stop-signal SIGRTMIN+3.)
# The test driver and node emulator are copied in at run time; nothing of wnm is baked in.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log

log "importing $IMAGE"
tar -C "$ROOTFS" -c . | docker import \
    --change 'CMD ["/sbin/init"]' \
    --change 'ENV container=docker' \
    - "$IMAGE" >/dev/null
log "built $IMAGE in $(( $(date +%s) - start )) s"
# Older builds of this script are of no further use (ones still used by a container stay).
for old in $(docker images wnm-systemd --format '{{.Tag}}' | grep -vx "$HASH" || true); do
    docker rmi "wnm-systemd:$old" >/dev/null 2>&1 || true
done
echo "$IMAGE"
