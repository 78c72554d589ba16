#!/usr/bin/env bash
# The whole test suite: installs what is missing (including headless Chromium, for the test that
# renders a report, and Slurm, for the tests against real local Slurm clusters), builds every test
# (warnings are errors) and runs them with CTest. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --chromium --slurm
cmake --preset test >/dev/null
cmake --build --preset test
# CTest starts the local Slurm clusters (scripts/local-slurm.sh) before the Slurm tests and stops
# them after, also when tests fail; stopped here as well when ctest itself is interrupted.
trap 'bash scripts/local-slurm.sh down >/dev/null 2>&1 || true' EXIT
ctest --preset test
