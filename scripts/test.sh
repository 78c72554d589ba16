#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds every test (warnings are errors) and runs
# them with CTest. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset test >/dev/null
cmake --build --preset test
ctest --preset test
