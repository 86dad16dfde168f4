#!/usr/bin/env bash
# Runs the figures benchmark in a database of its own (gridbench_figures) on the demo PostgreSQL
# cluster (.gridcity/pg-demo, port GRID_DEMO_PG_PORT, default 25432). The seeded database is
# kept: later runs skip the seeding. Stop the cluster with `scripts/run-demo.sh stop-db`.
#   bench/figures/run.sh [cases]        default 1000000
set -euo pipefail
# shellcheck source=bench/common/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
run_bench figures "$@"
