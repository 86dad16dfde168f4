#!/usr/bin/env bash
# Runs the escalation benchmark in a database of its own (gridbench_escalation, 1,000,000 cases, kept
# between runs) on the demo PostgreSQL cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432).
# Loads pg_stat_statements on that cluster (once; it restarts it) to count the idle scheduler's statements.
#   bench/escalation/run.sh [cases]        default 1000000 (seeded when missing)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$GRID_ROOT"
PG_PORT="${GRID_DEMO_PG_PORT:-25432}"
ensure_packages
ensure_cluster .gridcity/pg-demo "$PG_PORT"
if [[ $("$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "show shared_preload_libraries") != *pg_stat_statements* ]]; then
  "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "alter system set shared_preload_libraries = 'pg_stat_statements'"
  stop_cluster .gridcity/pg-demo
  ensure_cluster .gridcity/pg-demo "$PG_PORT"
fi
export GRID_BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
exec dotnet run -c Release --project bench/escalation -- "$@"
