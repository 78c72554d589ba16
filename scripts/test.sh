#!/usr/bin/env bash
# The whole test suite: installs what is missing (including headless Chromium, for the test that
# renders a report), builds every test (warnings are errors) and runs them with CTest. CI runs
# exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --chromium
cmake --preset test >/dev/null
cmake --build --preset test
ctest --preset test
