#!/usr/bin/env bash
# Starts the demo server (its own process, so its CPU is measured apart from the loader's) on the
# demo PostgreSQL cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432) at GRID_URLS
# (default http://127.0.0.1:5080), runs the real-time benchmark against it and stops the server.
# Each run adds about rate x seconds cases to the demo city.
#   bench/realtime/run.sh [--clients 100,1000] [--rate 50] [--seconds 20] [--follow all|streets]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$GRID_ROOT"
PG_PORT="${GRID_DEMO_PG_PORT:-25432}"
URL="${GRID_URLS:-http://127.0.0.1:5080}"
ensure_packages
ensure_cluster .gridcity/pg-demo "$PG_PORT" gridcity
ensure_npm
dotnet build src/Grid.Server -c Release -v q -nologo
dotnet build bench/realtime -c Release -v q -nologo

ConnectionStrings__Grid="Host=127.0.0.1;Port=$PG_PORT;Database=gridcity;Username=postgres" Grid__SeedDemo=true \
  ASPNETCORE_URLS="$URL" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  dotnet src/Grid.Server/bin/Release/net10.0/Grid.Server.dll > .gridcity/bench-realtime-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  curl -fs "$URL/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat .gridcity/bench-realtime-server.log; exit 1; }
  sleep 0.5
done
grid_log "server pid $server at $URL; uptime: $(uptime)"
dotnet bench/realtime/bin/Release/net10.0/Realtime.Bench.dll --url "$URL" \
  --db "Host=127.0.0.1;Port=$PG_PORT;Database=gridcity;Username=postgres" "$@"
grid_log "uptime: $(uptime)"
