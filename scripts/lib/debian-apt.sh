# shellcheck shell=bash
# Reading Debian's archive through a private, temporary apt configuration: the system's apt sources,
# lists and caches are never changed, nothing is installed and no root is needed. Sourced by
# scripts/local-control-plane/build.sh and scripts/promtool/fetch.sh, which define log and die.
#
#   debian_apt_mirror              sets MIRROR and KEYRING: $LONGYUN_DEBIAN_MIRROR (with Debian's
#                                  keyring), else the system's first Debian source, else deb.debian.org
#   debian_apt_config DIR LOG 'TYPE SUITE'...
#                                  writes DIR/sources.list ("TYPE [signed-by=KEYRING] MIRROR SUITE main"
#                                  for each TYPE SUITE), makes DIR's lists and cache, sets APT_DIR and
#                                  APT_OPTS; apt_q then logs to LOG
#   apt_q ARGS...                  apt-get -q with APT_OPTS, quiet: the last lines of LOG on failure
#
# Environment:
#   LONGYUN_DEBIAN_MIRROR    Debian mirror URI (default: the one in the system's apt sources)

KEYRING_DEFAULT=/usr/share/keyrings/debian-archive-keyring.gpg

detect_mirror() {
  # Prints "URI KEYRING" of the first configured Debian (non-security) source, deb822 or one-line.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk -v def="$KEYRING_DEFAULT" '
      function flush() { if (uris != "" && types ~ /(^| )deb( |$)/ && suites ~ /(^| )(bookworm|trixie|sid|bullseye)( |$)/ && uris !~ /security/) { split(uris, u, " "); print u[1], (signed != "" ? signed : def); found = 1; exit } uris = ""; suites = ""; types = ""; signed = "" }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:"     { $1 = ""; types = $0 }
      tolower($1) == "uris:"      { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
      tolower($1) == "suites:"    { $1 = ""; suites = $0 }
      tolower($1) == "signed-by:" { signed = $2 }
      END { if (!found) flush() }
    ' "$f"
  done | head -n1 | grep . && return 0
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk -v def="$KEYRING_DEFAULT" '
      $1 == "deb" {
        opts = ""; i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
        uri = $i; suite = $(i + 1)
        if (uri ~ /security/ || suite !~ /^(bookworm|trixie|sid|bullseye)$/) next
        kr = def
        if (match(opts, /signed-by=[^ \]]+/)) kr = substr(opts, RSTART + 10, RLENGTH - 10)
        print uri, kr; exit
      }' "$f"
  done | head -n1 | grep . && return 0
  return 1
}

debian_apt_mirror() {
  if [[ -n "${LONGYUN_DEBIAN_MIRROR:-}" ]]; then
    MIRROR=$LONGYUN_DEBIAN_MIRROR; KEYRING=$KEYRING_DEFAULT
  elif read -r MIRROR KEYRING < <(detect_mirror); then
    :
  else
    MIRROR=http://deb.debian.org/debian; KEYRING=$KEYRING_DEFAULT
    log "no Debian source found in /etc/apt; using $MIRROR"
  fi
  [[ -r "$KEYRING" ]] || die "the Debian archive keyring $KEYRING is missing (install debian-archive-keyring)"
  log "Debian mirror: $MIRROR (keyring $KEYRING)"
}

debian_apt_config() { # DIR LOG 'TYPE SUITE'...
  APT_DIR=$1; APT_LOG=$2; shift 2
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local line type suite
  for line in "$@"; do
    read -r type suite <<<"$line"
    printf '%s [signed-by=%s] %s %s main\n' "$type" "$KEYRING" "$MIRROR" "$suite"
  done >"$APT_DIR/sources.list"
  APT_OPTS=(
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$APT_DIR/lists"
    -o "Dir::Cache=$APT_DIR/cache"
    -o APT::Sandbox::User="$(id -un)"
    -o Debug::NoLocking=1
    -o APT::Get::List-Cleanup=0
    -o Acquire::Languages=none
  )
}

apt_q() { apt-get -q "${APT_OPTS[@]}" "$@" >"$APT_LOG" 2>&1 || { tail -n 20 "$APT_LOG" >&2; return 1; }; }
