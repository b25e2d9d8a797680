#!/usr/bin/env bash
# Runs the README's test command N times, each in a fresh clone with a clean install, some of the
# runs with one core kept busy by a background CPU burner, and prints the tally: a suite that fails
# at random shows up here, and flakes that only show under load are the ones CI meets.
#
# Usage: scripts/flake-tally.sh [--runs N] [--loaded K] [--rev REV] [--keep]
#
#   --runs N     how many runs in all (default 5)
#   --loaded K   how many of them (the last K) with one core busy (default 2)
#   --rev REV    what to clone and test (default HEAD of this checkout; commit first)
#   --keep       keep each run's clone (default: removed after its run; its log is always kept)
#
# Each run: `git clone` of this repository at REV into a temporary directory, `npm ci`, `npm test`.
# The Kubernetes binaries and promtool come from the shared cache (${LONGYUN_CACHE:-~/.cache/longyun}),
# built or fetched by the first run that needs them. Logs: $TMPDIR/longyun-flake-tally.XXXX/run-N.log.
# Prints one line per run as it ends, then a JSON summary on stdout; exit 0 only when every run passed.
set -euo pipefail

runs=5
loaded=2
rev=HEAD
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --loaded) loaded=${2:?--loaded needs a number}; shift 2 ;;
    --rev) rev=${2:?--rev needs a revision}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "flake-tally: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done
case "$runs$loaded" in *[!0-9]*) echo "flake-tally: --runs and --loaded take whole numbers" >&2; exit 1 ;; esac
if [ "$loaded" -gt "$runs" ]; then echo "flake-tally: --loaded $loaded is more than --runs $runs" >&2; exit 1; fi

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}")
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "flake-tally: note: uncommitted changes in $repo are not tested (it tests $commit)" >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/longyun-flake-tally.XXXX")
burner=
stop_burner() { if [ -n "$burner" ]; then kill "$burner" 2>/dev/null || true; wait "$burner" 2>/dev/null || true; burner=; fi; }
trap stop_burner EXIT

passed=0
failed=0
results=()
for i in $(seq 1 "$runs"); do
  load=0
  if [ "$i" -gt $((runs - loaded)) ]; then load=1; fi
  dir="$work/clone-$i"
  log="$work/run-$i.log"
  if [ "$load" = 1 ]; then
    # One core busy for the whole run; stopped with the run.
    node -e 'for (;;) {}' &
    burner=$!
  fi
  start=$(date +%s)
  status=0
  {
    git clone --quiet "$repo" "$dir" && git -C "$dir" checkout --quiet "$commit" &&
      (cd "$dir" && npm ci --no-audit --no-fund && npm test)
  } >"$log" 2>&1 || status=$?
  seconds=$(( $(date +%s) - start ))
  stop_burner
  summary=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *Tests +[0-9]' | tail -1 | sed -E 's/^ *Tests +//' || true)
  failing=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *(FAIL|×) ' | sort -u | head -5 | tr '\n' ';' || true)
  if [ "$status" = 0 ]; then passed=$((passed + 1)); verdict=passed; else failed=$((failed + 1)); verdict=failed; fi
  echo "run $i of $runs ($([ "$load" = 1 ] && echo 'one core busy' || echo 'idle')): $verdict in ${seconds}s — ${summary:-no test summary} ${failing:+— $failing}" >&2
  results+=("{\"run\":$i,\"loaded\":$([ "$load" = 1 ] && echo true || echo false),\"passed\":$([ "$status" = 0 ] && echo true || echo false),\"seconds\":$seconds,\"tests\":\"${summary//\"/}\",\"log\":\"$log\"}")
  if [ "$keep" = 0 ]; then rm -rf "$dir"; fi
done

joined=$(IFS=,; echo "${results[*]}")
echo "{\"commit\":\"$commit\",\"runs\":$runs,\"loadedRuns\":$loaded,\"passed\":$passed,\"failed\":$failed,\"perRun\":[$joined]}"
[ "$failed" = 0 ]
