#!/usr/bin/env bash
# Runs the intake benchmark in a database of its own (gridbench_intake) on the demo PostgreSQL
# cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432).
#   bench/intake/run.sh [seconds per figure]        default 15
set -euo pipefail
# shellcheck source=bench/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
run_bench intake "$@"
