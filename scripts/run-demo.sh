#!/usr/bin/env bash
# Sets up everything the demo needs on a fresh Debian 12 machine (PostgreSQL 15 + PostGIS in a
# loopback cluster under .gridcity/pg-demo, front-end packages) and runs the server. The server
# applies the migrations, seeds the demo city and prints its URL and the demo logins.
#
#   scripts/run-demo.sh           set up + run (Ctrl+C stops the server; the database keeps running)
#   scripts/run-demo.sh stop-db   stop the demo database cluster
#
# Environment: GRID_URLS (default http://127.0.0.1:5080), GRID_DEMO_PG_PORT (default 25432),
# ASPNETCORE_ENVIRONMENT (default Production).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GRID_ROOT"

PG_DIR=.gridcity/pg-demo
PG_PORT="${GRID_DEMO_PG_PORT:-25432}"

if [[ ${1:-} == stop-db ]]; then
  stop_cluster "$PG_DIR"
  grid_log "demo database stopped"
  exit 0
fi

ensure_packages
ensure_cluster "$PG_DIR" "$PG_PORT" gridcity
ensure_npm

export ConnectionStrings__Grid="Host=127.0.0.1;Port=$PG_PORT;Database=gridcity;Username=postgres"
export Grid__SeedDemo=true
export ASPNETCORE_URLS="${GRID_URLS:-http://127.0.0.1:5080}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"

grid_log "database: 127.0.0.1:$PG_PORT/gridcity (data in $GRID_PG_DIR; 'scripts/run-demo.sh stop-db' stops it)"
# --no-launch-profile: Properties/launchSettings.json would otherwise override the URL and
# switch the environment to Development.
exec dotnet run --project src/Grid.Server -c Release --no-launch-profile
