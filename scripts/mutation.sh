#!/usr/bin/env bash
# Mutation testing with Stryker.NET (dotnet-stryker, a local tool in .config/dotnet-tools.json).
# Plants small bugs (mutants) in production code one at a time and runs the tests against each:
# a mutant the tests do not notice "survived". The last line printed is the mutation score.
#
#   scripts/mutation.sh                      src/Grid.Domain with tests/Grid.Domain.Tests (target: >= 85 %)
#   scripts/mutation.sh server Stats         one server feature folder (src/Grid.Server/Stats) with the
#                                            server tests whose name contains the folder name
#   scripts/mutation.sh server Stats "FullyQualifiedName~Indicator"   ... with an explicit test filter
#
# CPU heavy: the domain run takes a few minutes on 2 cores; a server folder runs the real-database
# tests once per mutant and takes far longer (see docs/testing.md). Not part of scripts/test.sh.
# Environment: GRID_MUTATION_CONCURRENCY (default 2), GRID_TEST_PG_PORT for server runs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GRID_ROOT"

dotnet tool restore >/dev/null
OUT="$GRID_ROOT/.gridcity/mutation"
mkdir -p "$OUT"
concurrency="${GRID_MUTATION_CONCURRENCY:-2}"
target="${1:-domain}"

run_stryker() { # run_stryker LOG ARGS...
  local log="$1"; shift
  local rc=0
  dotnet stryker --skip-version-check --concurrency "$concurrency" --reporter Progress --reporter ClearText \
    --reporter Json --reporter Html --output "$OUT/$target${folder:+-$folder}" "$@" </dev/null 2>&1 | tee "$log" || rc=$?
  local score
  score="$(sed -n 's/.*The final mutation score is \([0-9.,]*\) *%.*/\1/p' "$log" | tail -n1)"
  echo
  echo "Reports: $OUT/$target${folder:+-$folder}/reports/"
  if [[ -z $score ]]; then
    echo "Mutation run failed (exit $rc): no score; see $log"
    return 1
  fi
  echo "Mutation score: $score %"
  return "$rc"
}

case "$target" in
  domain)
    folder=""
    cd tests/Grid.Domain.Tests
    # break-at 85: a score below the target makes the script fail, so a drop is noticed.
    run_stryker "$OUT/domain.log" --project Grid.Domain.csproj --configuration Release --break-at 85 \
      --threshold-low 85 --threshold-high 95
    ;;
  server)
    folder="${2:?name a feature folder of src/Grid.Server, e.g. Stats}"
    [[ -d src/Grid.Server/$folder ]] || { echo "src/Grid.Server/$folder does not exist" >&2; exit 2; }
    filter="${3:-FullyQualifiedName~Grid.Server.Tests.$folder}"
    PG_DIR=.gridcity/pg-mutation
    PG_PORT="${GRID_TEST_PG_PORT:-25433}"
    trap 'stop_cluster "$PG_DIR" >/dev/null 2>&1 || true' EXIT
    drop_cluster "$PG_DIR"
    PG_FAST=1 ensure_cluster "$PG_DIR" "$PG_PORT"
    export GRID_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
    cd tests/Grid.Server.Tests
    run_stryker "$OUT/server-$folder.log" --project Grid.Server.csproj --configuration Release \
      --mutate "**/$folder/**/*.cs" --test-case-filter "$filter"
    ;;
  *)
    echo "usage: scripts/mutation.sh [domain | server FOLDER [TEST-FILTER]]" >&2
    exit 2
    ;;
esac
