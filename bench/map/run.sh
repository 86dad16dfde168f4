#!/usr/bin/env bash
# Runs the map benchmark in the figures benchmark's database (gridbench_figures, 1,000,000 cases) on the demo PostgreSQL
# cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432).
#   bench/map/run.sh [cases]        default 1000000 (seeded when missing)
set -euo pipefail
# shellcheck source=bench/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
run_bench map "$@"
