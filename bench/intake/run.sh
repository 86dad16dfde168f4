#!/usr/bin/env bash
# Runs the intake benchmark in a database of its own (gridbench_intake) on the demo PostgreSQL
# cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 55432).
#   bench/intake/run.sh [seconds per figure]        default 15
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$GRID_ROOT"
PG_PORT="${GRID_DEMO_PG_PORT:-55432}"
ensure_packages
ensure_cluster .gridcity/pg-demo "$PG_PORT"
ensure_npm
export GRID_BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
exec dotnet run -c Release --project bench/intake -- "$@"
