#!/usr/bin/env bash
# Fetches (once) and caches Prometheus's promtool, which the alert-rule tests run (`promtool test
# rules` in dashboards/prometheus-rules.test.ts): /usr/bin/promtool from Debian bookworm's
# `prometheus` binary package (whatever version apt picks in bookworm: 2.42.0+ds-5+deb12u1 at the
# time of writing; manifest.json records it). Only promtool is extracted, not the Prometheus server.
#
# Usage: scripts/promtool/fetch.sh [--force]
#
#   --force   fetch again even when promtool is cached
#
# Cache:  ${LONGYUN_CACHE:-$HOME/.cache/longyun}/prometheus/bin/promtool  (+ manifest.json beside bin/)
# Needs:  Debian's archive (read through apt with a private, temporary configuration: the system's
#         apt sources, lists and caches are never changed), bash, apt-get, dpkg-deb, tar; about 30 MB
#         of downloads (bookworm's package list and the 19 MB package), 5–25 s. No root needed:
#         nothing is installed system-wide. With promtool cached it returns at once and touches
#         nothing.
#
# Environment:
#   LONGYUN_CACHE            cache root (default: $HOME/.cache/longyun)
#   LONGYUN_DEBIAN_MIRROR    Debian mirror URI (default: the one in the system's apt sources)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/debian-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/debian-apt.sh"

HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE_ROOT=${LONGYUN_CACHE:-${HOME:?HOME is not set}/.cache/longyun}
DIR="$CACHE_ROOT/prometheus"
BIN="$DIR/bin"
MANIFEST="$DIR/manifest.json"

START=$(date +%s)
log() { printf '[promtool/fetch.sh +%ss] %s\n' "$(($(date +%s) - START))" "$*"; }
die() { printf 'promtool/fetch.sh: error: %s\n' "$*" >&2; exit 1; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (usage: $0 [--force])" ;;
  esac
done

cache_complete() { [[ -f "$MANIFEST" && -x "$BIN/promtool" ]]; }

if [[ $force == 0 ]] && cache_complete; then
  log "cached: $BIN/promtool (use --force to fetch again)"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
for tool in apt-get dpkg-deb tar awk; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done
mkdir -p "$DIR" || die "cannot create the cache directory $DIR"

# One fetch at a time per cache (a second concurrent run waits, then finds promtool cached).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR/.fetch.lock"
  if ! flock -n 9; then
    log "another fetch.sh is running for $DIR; waiting for it"
    flock 9
    if [[ $force == 0 ]] && cache_complete; then log "the other fetch finished: $BIN/promtool"; exit 0; fi
  fi
fi

WORK=$(mktemp -d "$DIR/fetch.XXXXXX")
cleanup() {
  local rc=$?
  rm -rf "$WORK" "$DIR/bin.new.$$"
  [[ $rc == 0 ]] || printf 'promtool/fetch.sh: error: fetching promtool failed (exit %s); see the messages above\n' "$rc" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A private apt configuration (scripts/lib/debian-apt.sh): Debian's bookworm, from the same mirror
# and keyring as the system's own sources. The system's apt state is not touched.
debian_apt_mirror
debian_apt_config "$WORK/apt" "$WORK/apt.log" 'deb bookworm'

log "reading Debian's package list (bookworm) into a private apt state"
apt_q update || die "apt-get update failed for $MIRROR (private sources file $APT_DIR/sources.list)"
# apt-get update exits 0 when it cannot reach the mirror: check that it read a package list.
if ! compgen -G "$APT_DIR/lists/*_Packages*" >/dev/null; then
  tail -n 20 "$APT_LOG" >&2
  die "apt-get update read no package list from $MIRROR (private sources file $APT_DIR/sources.list)"
fi

log "downloading prometheus (bookworm, ~19 MB) for its promtool"
DEBS="$WORK/debs"; mkdir -p "$DEBS"
(cd "$DEBS" && apt_q download prometheus/bookworm) || die "could not download prometheus from Debian"
debs=("$DEBS"/prometheus_*.deb)
deb=${debs[0]}
[[ -f "$deb" ]] || die "apt-get download left no prometheus_*.deb in $DEBS"
package_version=$(dpkg-deb -f "$deb" Version)

ROOTFS="$WORK/root"; mkdir -p "$ROOTFS"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$ROOTFS" ./usr/bin/promtool \
  || die "promtool is not in the prometheus $package_version package (expected ./usr/bin/promtool)"
promtool_version=$("$ROOTFS/usr/bin/promtool" --version 2>&1) || die "the extracted promtool does not run"
promtool_version=${promtool_version%%$'\n'*}

NEW_BIN="$DIR/bin.new.$$"
rm -rf "$NEW_BIN"; mkdir -p "$NEW_BIN"
mv "$ROOTFS/usr/bin/promtool" "$NEW_BIN/promtool"
chmod 0755 "$NEW_BIN/promtool"
rm -f "$MANIFEST"
rm -rf "$BIN"
mv "$NEW_BIN" "$BIN"
cat >"$MANIFEST.tmp" <<EOF
{
  "promtool": "$promtool_version",
  "package": "prometheus",
  "packageVersion": "$package_version",
  "source": "Debian bookworm ($MIRROR)",
  "fetchedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "fetchSeconds": $(($(date +%s) - START))
}
EOF
mv "$MANIFEST.tmp" "$MANIFEST"

log "done: $promtool_version; cached in $BIN/promtool in $(($(date +%s) - START)) s"
