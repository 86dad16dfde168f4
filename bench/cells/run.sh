#!/usr/bin/env bash
# Runs the cell-import preview benchmark in a database of its own (gridbench_cells) on the demo PostgreSQL
# cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432). Today's cells of each size are
# seeded once and kept; a preview writes nothing, so runs can be repeated.
#   bench/cells/run.sh [sizes]        default 5000,20000
set -euo pipefail
# shellcheck source=bench/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
run_bench cells "$@"
