#!/usr/bin/env bash
# Runs the map benchmark in the figures benchmark's database (gridbench_figures, 1,000,000 cases) on the demo PostgreSQL
# cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 55432).
#   bench/map/run.sh [cases]        default 1000000 (seeded when missing)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$GRID_ROOT"
PG_PORT="${GRID_DEMO_PG_PORT:-55432}"
ensure_packages
ensure_cluster .gridcity/pg-demo "$PG_PORT"
ensure_npm
export GRID_BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
exec dotnet run -c Release --project bench/map -- "$@"
