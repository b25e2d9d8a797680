#!/usr/bin/env bash
# Builds (once) and caches the binaries of longyun's local control plane (`longyun dev up`):
# kube-apiserver and kube-controller-manager 1.20.2 built from Debian's bookworm `kubernetes`
# source package, etcd 3.4 from Debian's `etcd-server`, and kubectl (Debian's `kubernetes-client`
# 1.20.2, or the machine's own kubectl).
#
# Usage: scripts/local-control-plane/build.sh [--force]
#
#   --force   rebuild even when the cache is complete
#
# Cache:  ${LONGYUN_CACHE:-$HOME/.cache/longyun}/k8s/1.20.2/bin/  (+ manifest.json beside bin/)
# Needs:  Debian's archive (read through apt with a private, temporary configuration: the system's
#         apt sources, lists and caches are never changed), bash, make, tar, dpkg-deb, patch; about
#         3 GB of free disk while building (the build tree is deleted afterwards) and 8–10 minutes
#         on 2 idle cores. No root needed: nothing is installed system-wide. With the cache complete it
#         returns in well under a second and touches nothing.
#
# Environment:
#   LONGYUN_CACHE            cache root (default: $HOME/.cache/longyun)
#   LONGYUN_DEBIAN_MIRROR    Debian mirror URI (default: the one in the system's apt sources)
#   LONGYUN_KEEP_BUILD=1     keep the build tree (for debugging a failed build)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/debian-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/debian-apt.sh"

K8S_VERSION=1.20.2
K8S_SOURCE_VERSION='1.20.5+really1.20.2-1.1+deb12u1'
GO_SERIES=1.23
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE_ROOT=${LONGYUN_CACHE:-${HOME:?HOME is not set}/.cache/longyun}
VERSION_DIR="$CACHE_ROOT/k8s/$K8S_VERSION"
BIN="$VERSION_DIR/bin"
MANIFEST="$VERSION_DIR/manifest.json"

START=$(date +%s)
log() { printf '[build.sh +%ss] %s\n' "$(($(date +%s) - START))" "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (usage: $0 [--force])" ;;
  esac
done

cache_complete() {
  [[ -f "$MANIFEST" ]] || return 1
  local b
  for b in kube-apiserver kube-controller-manager etcd; do [[ -x "$BIN/$b" ]] || return 1; done
}

if [[ $force == 0 ]] && cache_complete; then
  log "cached: $BIN (kube-apiserver, kube-controller-manager, etcd$([[ -e "$BIN/kubectl" ]] && echo ', kubectl'))"
  log "nothing to do (use --force to rebuild)"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Preconditions
for tool in make tar dpkg-deb apt-get gzip xz awk sed find; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done
mkdir -p "$VERSION_DIR" || die "cannot create the cache directory $VERSION_DIR"

# One build at a time per cache (a second concurrent run waits, then finds the cache complete).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$VERSION_DIR/.build.lock"
  if ! flock -n 9; then
    log "another build.sh is running for $VERSION_DIR; waiting for it"
    flock 9
    if [[ $force == 0 ]] && cache_complete; then log "the other build finished: $BIN"; exit 0; fi
  fi
fi

free_kb=$(df -Pk "$VERSION_DIR" | awk 'NR==2 {print $4}')
if [[ -n "$free_kb" && "$free_kb" -lt 3500000 ]]; then
  die "about 3.5 GB of free disk is needed under $VERSION_DIR while building; $((free_kb / 1024)) MB free"
fi

BUILD=$(mktemp -d "$VERSION_DIR/build.XXXXXX")
remove_build_tree() {
  [[ -d "$BUILD" ]] || return 0
  if [[ "${LONGYUN_KEEP_BUILD:-}" == 1 ]]; then
    log "keeping the build tree $BUILD (LONGYUN_KEEP_BUILD=1)"
    return 0
  fi
  # Go's module and build caches are partly read-only; make them writable so that rm can delete them.
  chmod -R u+w "$BUILD" 2>/dev/null || true
  rm -rf "$BUILD"
}
cleanup() {
  local rc=$?
  remove_build_tree
  if [[ $rc != 0 ]]; then
    printf 'build.sh: error: the build failed (exit %s); see the messages above%s\n' "$rc" \
      "$([[ -f "$VERSION_DIR/build.log" ]] && echo " and $VERSION_DIR/build.log")" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# A private apt configuration (scripts/lib/debian-apt.sh): Debian's bookworm (deb + deb-src) and
# bookworm-backports, from the same mirror and keyring as the system's own sources. The system's apt
# state is not touched.
debian_apt_mirror
debian_apt_config "$BUILD/apt" "$BUILD/apt.log" 'deb bookworm' 'deb-src bookworm' 'deb bookworm-backports'

log "reading Debian's package lists (bookworm, bookworm-backports) into a private apt state"
apt_q update || die "apt-get update failed for $MIRROR (private sources file $APT_DIR/sources.list)"

DEBS="$BUILD/debs"; mkdir -p "$DEBS"
download() { # package[/release]...
  (cd "$DEBS" && apt_q download "$@") || die "could not download $* from Debian"
}
log "downloading etcd-server, golang-$GO_SERIES (bookworm-backports), golang-github-modern-go-reflect2-dev"
download etcd-server/bookworm "golang-$GO_SERIES-go/bookworm-backports" "golang-$GO_SERIES-src/bookworm-backports" \
  golang-github-modern-go-reflect2-dev/bookworm
kubectl_deb=0
if (cd "$DEBS" && apt_q download kubernetes-client/bookworm); then kubectl_deb=1; else
  log "note: Debian's kubernetes-client could not be downloaded; will use the machine's kubectl if any"
fi

SRC="$BUILD/src"; mkdir -p "$SRC"
log "downloading the kubernetes $K8S_SOURCE_VERSION source package (bookworm, ~34 MB)"
(cd "$SRC" && apt_q source --download-only "kubernetes=$K8S_SOURCE_VERSION") \
  || die "could not download the source package kubernetes=$K8S_SOURCE_VERSION from $MIRROR (deb-src bookworm)"

log "unpacking"
ROOTFS="$BUILD/root"; mkdir -p "$ROOTFS"
for deb in "$DEBS"/*.deb; do dpkg-deb -x "$deb" "$ROOTFS"; done
GOROOT="$ROOTFS/usr/lib/go-$GO_SERIES"
[[ -x "$GOROOT/bin/go" ]] || die "the Go toolchain is not where expected ($GOROOT/bin/go)"
[[ -x "$ROOTFS/usr/bin/etcd" ]] || die "etcd is not in the etcd-server package (expected usr/bin/etcd)"

tar -xzf "$SRC"/kubernetes_*.orig.tar.gz -C "$SRC"
TREE="$SRC/kubernetes-$K8S_VERSION"
[[ -d "$TREE/cmd/kube-apiserver" ]] || die "the source tree $TREE has no cmd/kube-apiserver"
# Debian's patches touch kubectl's printing and a CVE fix; apply them when dpkg-source's helpers are
# not needed: plain patch(1) in series order.
tar -xJf "$SRC"/kubernetes_*.debian.tar.xz -C "$TREE"
if [[ -f "$TREE/debian/patches/series" ]] && command -v patch >/dev/null 2>&1; then
  while read -r p _; do
    [[ -z "$p" || "$p" == \#* ]] && continue
    patch -d "$TREE" -p1 -s --forward <"$TREE/debian/patches/$p" >/dev/null || die "Debian patch $p does not apply"
  done <"$TREE/debian/patches/series"
fi

# reflect2 v1.0.1 (vendored) breaks on Go >= 1.18: use Debian's v1.0.2 sources, same API.
R2_SRC="$ROOTFS/usr/share/gocode/src/github.com/modern-go/reflect2"
R2_DST="$TREE/vendor/github.com/modern-go/reflect2"
[[ -d "$R2_SRC" && -d "$R2_DST" ]] || die "cannot find reflect2 sources ($R2_SRC) or the vendored copy ($R2_DST)"
find "$R2_DST" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
find "$R2_SRC" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' -exec cp {} "$R2_DST/" \;

# Kubernetes' build calls `rsync -pc FILE DIR`; a cp shim does the same for single files.
SHIM="$BUILD/shim"; mkdir -p "$SHIM"
if ! command -v rsync >/dev/null 2>&1; then
  cat >"$SHIM/rsync" <<'EOF'
#!/usr/bin/env bash
# rsync shim for Kubernetes' build: `rsync [-opts] SRC... DEST` -> cp -p.
args=(); for a in "$@"; do [[ "$a" == -* ]] || args+=("$a"); done
exec cp -p "${args[@]}"
EOF
  chmod +x "$SHIM/rsync"
fi

# ---------------------------------------------------------------------------------------------
log "building kube-apiserver and kube-controller-manager $K8S_VERSION with Go $("$GOROOT/bin/go" version | awk '{print $3}') (8–10 minutes on 2 idle cores, longer on a busy machine)"
BUILD_LOG="$VERSION_DIR/build.log"
(
  cd "$TREE"
  unset GOPATH GOFLAGS GO111MODULE GOBIN GOENV
  export GOROOT PATH="$SHIM:$GOROOT/bin:$PATH" GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off CGO_ENABLED=0 \
    GOCACHE="$BUILD/gocache" HOME="$BUILD/home" GOTELEMETRY=off
  mkdir -p "$HOME"
  make WHAT='cmd/kube-apiserver cmd/kube-controller-manager'
) >"$BUILD_LOG" 2>&1 &
make_pid=$!
# Progress: Kubernetes' own "+++" lines with the targets listed under them, and a heartbeat.
seen=0; quiet=0
while kill -0 "$make_pid" 2>/dev/null; do
  sleep 2; quiet=$((quiet + 2))
  total=$(wc -l <"$BUILD_LOG")
  if (( total > seen )); then
    while IFS= read -r l; do log "  make: $l"; quiet=0; done < <(sed -n "$((seen + 1)),${total}p" "$BUILD_LOG" |
      awk '/^\+\+\+ / { sub(/^\+\+\+ \[[^]]*\] /, ""); print; next } /^    [^ ]/ { sub(/^ +/, "  "); print }')
    seen=$total
  fi
  if (( quiet >= 30 )); then log "  still building…"; quiet=0; fi
done
if ! wait "$make_pid"; then
  printf '%s\n' '--- last lines of the build log ---' >&2
  tail -n 40 "$BUILD_LOG" >&2
  die "make WHAT='cmd/kube-apiserver cmd/kube-controller-manager' failed; full log: $BUILD_LOG"
fi

OUT="$TREE/_output/bin"
for b in kube-apiserver kube-controller-manager; do
  [[ -x "$OUT/$b" ]] || die "the build finished but $OUT/$b is missing; full log: $BUILD_LOG"
done

# ---------------------------------------------------------------------------------------------
log "caching the binaries in $BIN"
NEW_BIN="$VERSION_DIR/bin.new.$$"
rm -rf "$NEW_BIN"; mkdir -p "$NEW_BIN"
cp "$OUT/kube-apiserver" "$OUT/kube-controller-manager" "$ROOTFS/usr/bin/etcd" "$NEW_BIN/"
[[ -x "$ROOTFS/usr/bin/etcdctl" ]] && cp "$ROOTFS/usr/bin/etcdctl" "$NEW_BIN/"
kubectl_source=none; kubectl_path=
if [[ $kubectl_deb == 1 && -x "$ROOTFS/usr/bin/kubectl" ]]; then
  cp "$ROOTFS/usr/bin/kubectl" "$NEW_BIN/kubectl"
  kubectl_source="debian kubernetes-client $K8S_SOURCE_VERSION"; kubectl_path="$BIN/kubectl"
elif machine_kubectl=$(command -v kubectl 2>/dev/null); then
  ln -s "$machine_kubectl" "$NEW_BIN/kubectl"
  kubectl_source="machine"; kubectl_path="$machine_kubectl"
fi
chmod 0755 "$NEW_BIN"/*

apiserver_version=$("$NEW_BIN/kube-apiserver" --version 2>&1 | head -n1) || die "the built kube-apiserver does not run"
etcd_version=$("$NEW_BIN/etcd" --version 2>&1 | head -n1) || die "etcd does not run"
kubectl_json=null
if [[ -n "$kubectl_path" ]]; then
  kubectl_json="{\"path\": \"$kubectl_path\", \"source\": \"$kubectl_source\"}"
fi

rm -f "$MANIFEST"
rm -rf "$BIN"
mv "$NEW_BIN" "$BIN"
cat >"$MANIFEST.tmp" <<EOF
{
  "kubernetes": "$K8S_VERSION",
  "sourcePackage": "kubernetes $K8S_SOURCE_VERSION (Debian bookworm)",
  "kubeApiserver": "$apiserver_version",
  "etcd": "$etcd_version",
  "kubectl": $kubectl_json,
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "buildSeconds": $(($(date +%s) - START))
}
EOF
mv "$MANIFEST.tmp" "$MANIFEST"

log "removing the build tree"
remove_build_tree

log "done: $apiserver_version, $etcd_version, kubectl: ${kubectl_path:-none} ($kubectl_source)"
log "cached in $BIN ($(du -sh "$BIN" | cut -f1)) in $(($(date +%s) - START)) s"
