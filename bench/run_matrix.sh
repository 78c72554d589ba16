#!/bin/sh
# Runs the sim_bench matrix recorded in bench/README.md: 10k, 100k and 1M jobs under fifo, sjf and
# cost-greedy, pinned to core 0. Appends one JSON line per configuration to $OUT; the one-line
# summaries go to stderr.
#   bench/run_matrix.sh                       # from the repository root, after building "bench"
#   JOBS="10000 100000" REPEAT=5 OUT=/tmp/r.jsonl bench/run_matrix.sh
set -eu
BIN=${BIN:-build/bench/bench/sim_bench}
OUT=${OUT:-bench-results.jsonl}
REPEAT=${REPEAT:-3}
JOBS=${JOBS:-"10000 100000 1000000"}
POLICIES=${POLICIES:-"fifo sjf cost-greedy"}
for jobs in $JOBS; do
  for policy in $POLICIES; do
    taskset -c 0 "$BIN" --jobs "$jobs" --policy "$policy" --repeat "$REPEAT" >>"$OUT"
  done
done
