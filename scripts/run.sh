#!/usr/bin/env bash
# The main job: installs what is missing, builds the arbiter binary (optimised) and simulates the
# bundled default scenario, writing its results to out/frontier-lab/. Extra arguments go to
# `arbiter simulate`, e.g.  bash scripts/run.sh --policy cost-greedy
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
./build/release/src/cli/arbiter simulate examples/frontier-lab.yaml --out out/frontier-lab "$@"
