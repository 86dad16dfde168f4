#!/usr/bin/env bash
# Runs every test project against a fresh throwaway PostgreSQL cluster (.gridcity/pg-test, port
# 25433; .gridcity/pg-demo is never touched) and Debian's Chromium. Sets everything up on a fresh
# Debian 12 machine. The last line of output is the summary: "N passed, N failed[, N skipped]".
# Exit status is non-zero when a build or a test failed, a test run aborted, or no test ran.
#
#   scripts/test.sh                              all tests
#   scripts/test.sh "FullyQualifiedName~Routing" only tests matching a dotnet test --filter
#
# Environment: GRID_TEST_PG_PORT (default 25433), GRID_TEST_HANG_TIMEOUT (default 10m: a single
# test running longer than this kills its test run, which is then reported as aborted).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GRID_ROOT"

PG_DIR=.gridcity/pg-test
PG_PORT="${GRID_TEST_PG_PORT:-25433}"
RESULTS=.gridcity/test-results
PROJECTS=(tests/Grid.Domain.Tests tests/Grid.Server.Tests tests/Grid.Web.Components.Tests tests/Grid.Web.Tests)
FILTER="$*"

cleanup() { stop_cluster "$PG_DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages chromium
drop_cluster "$PG_DIR"
PG_FAST=1 ensure_cluster "$PG_DIR" "$PG_PORT"
ensure_npm

export GRID_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
export GRID_CHROMIUM="${GRID_CHROMIUM:-/usr/bin/chromium}"

build_args=()
if [[ -n ${CI:-} ]]; then
  # No build servers left running after the job (they can hold the CI job's output open).
  export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
  build_args+=(-nodeReuse:false -p:UseSharedCompilation=false -p:UseRazorBuildServer=false)
fi

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

notes=()          # lines printed above the summary
build_failed=0
if ! dotnet build GridCity.sln -c Release "${build_args[@]}" </dev/null; then
  build_failed=1
  notes+=("BUILD FAILED: dotnet build GridCity.sln -c Release")
fi

aborted=0
if [[ $build_failed -eq 0 ]]; then
  for proj in "${PROJECTS[@]}"; do
    name="$(basename "$proj")"
    test_args=(--no-build -c Release --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS"
               --blame-hang-timeout "${GRID_TEST_HANG_TIMEOUT:-10m}" --blame-hang-dump-type none)
    [[ -n $FILTER ]] && test_args+=(--filter "$FILTER")
    grid_log "dotnet test $proj"
    rc=0
    dotnet test "$proj" "${test_args[@]}" </dev/null 2>&1 | tee "$RESULTS/$name.log" || rc=$?
    if [[ $rc -ne 0 ]]; then
      # Failing tests give rc 1 too; a crashed/hung/aborted run is told apart by its output.
      if [[ ! -f $RESULTS/$name.trx ]] || grep -q -e 'Test Run Aborted' -e 'test run was aborted' \
           "$RESULTS/$name.log"; then
        aborted=$((aborted + 1))
        culprit="$(sed -n '/The test running when the crash occurred/{n;p;}' "$RESULTS/$name.log" | head -n1)"
        notes+=("ABORTED $name: test run crashed or hung (exit $rc)${culprit:+, running: $culprit}; see $RESULTS/$name.log")
      elif ! grep -q '<UnitTestResult ' "$RESULTS/$name.trx" 2>/dev/null; then
        notes+=("ERROR $name: dotnet test exited $rc without results; see $RESULTS/$name.log")
        aborted=$((aborted + 1))
      fi
    fi
  done
fi

stop_cluster "$PG_DIR"

# --- Summary from the .trx files (grep/sed only: no python needed) ---
counter() { # counter ATTR COUNTERS-ELEMENT
  local v; v="$(printf '%s\n' "$2" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p")"
  echo "${v:-0}"
}
unescape() { sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'; }

passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$RESULTS"/*.trx; do
  c="$(grep -o '<Counters [^>]*>' "$trx" | head -n1 || true)"
  [[ -n $c ]] || continue
  total=$(counter total "$c"); executed=$(counter executed "$c")
  passed=$((passed + $(counter passed "$c")))
  failed=$((failed + $(counter failed "$c") + $(counter error "$c") + $(counter timeout "$c") + $(counter aborted "$c")))
  skipped=$((skipped + total - executed))
  while IFS= read -r t; do
    [[ -n $t ]] && notes+=("FAILED $(basename "$trx" .trx): $t")
  done < <(grep -o '<UnitTestResult [^>]*>' "$trx" \
             | grep -E 'outcome="(Failed|Error|Timeout|Aborted)"' \
             | sed -n 's/.* testName="\([^"]*\)".*/\1/p' | unescape || true)
  # The start of each failure's message, so a CI log that keeps only the tail still says why.
  while IFS= read -r m; do
    [[ -n $m ]] && notes+=("  why: $m")
  done < <(awk '
      /<UnitTestResult / { failing = ($0 ~ /outcome="(Failed|Error|Timeout|Aborted)"/) }
      failing && /<Message>/ { inmsg = 1; msg = "" }
      inmsg { line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line); msg = msg " " line }
      inmsg && /<\/Message>/ { inmsg = 0; failing = 0; gsub(/[ \t]+/, " ", msg); print substr(msg, 1, 400) }
    ' "$trx" | unescape || true)
done
failed=$((failed + aborted))   # an aborted run counts as (at least) one failure

ran=$((passed + failed - aborted))
if [[ $build_failed -eq 0 && $ran -eq 0 && $aborted -eq 0 ]]; then
  notes+=("ERROR: no test ran${FILTER:+ (filter: $FILTER)}")
fi

echo
echo "Test results: $RESULTS/"
for n in "${notes[@]}"; do echo "$n"; done
if [[ $skipped -gt 0 ]]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi

if [[ $build_failed -ne 0 || $failed -ne 0 || $ran -eq 0 ]]; then exit 1; fi
exit 0
