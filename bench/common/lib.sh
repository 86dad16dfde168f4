#!/usr/bin/env bash
# The preamble of every bench/*/run.sh: the demo PostgreSQL cluster (.gridcity/pg-demo, port
# GRID_DEMO_PG_PORT, default 25432) running, packages and npm in place, GRID_BENCH_PG pointing at it,
# and the working directory at the repository root. Then `run_bench NAME ARGS...` runs bench/NAME.
#   source "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$GRID_ROOT"
PG_PORT="${GRID_DEMO_PG_PORT:-25432}"
ensure_packages
ensure_cluster .gridcity/pg-demo "$PG_PORT"
ensure_npm
export GRID_BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"

run_bench() { # run_bench NAME ARGS...: replaces the shell with bench/NAME's program
  local name="$1"; shift
  exec dotnet run -c Release --project "bench/$name" -- "$@"
}
