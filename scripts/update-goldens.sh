#!/usr/bin/env bash
# Regenerates the golden outputs in tests/golden/ (the default scenario, and the spot-faults
# example) from the current build.
# Run it only when a change of results is intended, and say why in the commit message.
#   bash scripts/update-goldens.sh [path/to/arbiter]
set -euo pipefail
cd "$(dirname "$0")/.."
arbiter=${1:-build/release/src/cli/arbiter}
[ -x "$arbiter" ] || { cmake --preset release >/dev/null && cmake --build --preset release; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$arbiter" simulate examples/frontier-lab.yaml --out "$out" --quiet
cp "$out/summary.json" tests/golden/frontier-lab.fifo.summary.json
head -n 300 "$out/market.jsonl" > tests/golden/frontier-lab.fifo.market.head.jsonl
python3 - "$out/market.jsonl" > tests/golden/frontier-lab.fifo.market.fingerprint <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
h = 1469598103934665603
for b in data:
    h ^= b
    h = (h * 1099511628211) % (1 << 64)
lines = data.count(b'\n')
print(f"{lines} lines, fnv1a64 {h:016x}")
PY
# Failures, preemption and recovery on real spot traces (tests/faults_test.cc).
"$arbiter" simulate examples/spot-faults.yaml --out "$out/spot-faults" --quiet --no-audit
cp "$out/spot-faults/summary.json" tests/golden/spot-faults.summary.json
echo "goldens updated in tests/golden/"
