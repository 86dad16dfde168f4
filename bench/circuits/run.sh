#!/usr/bin/env bash
# Starts the demo server (its own process, so its CPU is measured apart from the loader's) on the
# demo PostgreSQL cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432) at GRID_URLS
# (default http://127.0.0.1:5080), runs the desk-circuit benchmark against it and stops the server.
# Every run starts from the same city: the database GRID_BENCH_DB (default gridcity_circuits, beside the
# demo's own) is dropped, the server seeds the demo city into it, and the benchmark adds a year of closed
# cases (--history, default 100000) before the pages open; the warm-up and the stream then add about
# rate x (warm + seconds) cases. GRID_BENCH_KEEP_CITY=1 keeps the city of the last run instead (it grows).
#   bench/circuits/run.sh [--circuits 50] [--browsers 5] [--rate 50] [--seconds 20] [--warm 30] [--history 100000]
# --browsers of the --circuits are real Chromium pages (commit -> DOM is measured in them); the others are
# browserless circuits (bench/circuits/BlazorCircuitClient.cs). --sample is the old name of --browsers.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$GRID_ROOT"
PG_PORT="${GRID_DEMO_PG_PORT:-25432}"
URL="${GRID_URLS:-http://127.0.0.1:5080}"
ensure_packages chromium
BENCH_DB="${GRID_BENCH_DB:-gridcity_circuits}"
[[ $BENCH_DB =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "GRID_BENCH_DB must be a plain lower-case name" >&2; exit 2; }
ensure_cluster .gridcity/pg-demo "$PG_PORT" gridcity
if [[ ${GRID_BENCH_KEEP_CITY:-0} != 1 ]]; then
  "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "drop database if exists $BENCH_DB with (force)"
fi
"$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc "select 1 from pg_database where datname = '$BENCH_DB'" | grep -q 1 \
  || "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "create database $BENCH_DB"
ensure_npm
dotnet build src/Grid.Server -c Release -v q -nologo
dotnet build bench/circuits -c Release -v q -nologo

ConnectionStrings__Grid="Host=127.0.0.1;Port=$PG_PORT;Database=$BENCH_DB;Username=postgres" Grid__SeedDemo=true \
  ASPNETCORE_URLS="$URL" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  dotnet src/Grid.Server/bin/Release/net10.0/Grid.Server.dll > .gridcity/bench-circuits-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  curl -fs "$URL/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat .gridcity/bench-circuits-server.log; exit 1; }
  sleep 0.5
done
grid_log "server pid $server at $URL; uptime: $(uptime)"
GRID_CHROMIUM="${GRID_CHROMIUM:-/usr/bin/chromium}" dotnet bench/circuits/bin/Release/net10.0/Circuits.Bench.dll --url "$URL" \
  --db "Host=127.0.0.1;Port=$PG_PORT;Database=$BENCH_DB;Username=postgres" "$@"
grid_log "uptime: $(uptime)"
