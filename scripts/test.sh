#!/usr/bin/env bash
# The whole test suite: installs what is missing (including headless Chromium, for the test that
# renders a report; Slurm, for the tests against real local Slurm clusters; clang-14 with
# libFuzzer), builds every test (warnings are errors) and runs them with CTest; then builds the
# same tests with clang under AddressSanitizer and UBSan (the debug preset: a sanitizer report
# aborts its test, so it fails the run) and runs them (all but the real-Slurm and daemon-process
# tests); then runs each fuzz target of the readers
# for a short time (ARBITER_FUZZ_SECONDS each, default 10, seed 1; a crash fails the run). CI runs exactly
# this (.ci/run). Times on 2 cores: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --chromium --slurm --fuzz
cmake --preset test >/dev/null
cmake --build --preset test
# CTest starts the local Slurm clusters (scripts/local-slurm.sh) before the Slurm tests and stops
# them after, also when tests fail; stopped here as well when ctest itself is interrupted.
trap 'bash scripts/local-slurm.sh down >/dev/null 2>&1 || true' EXIT
ctest --preset test
cmake --preset debug >/dev/null
cmake --build --preset debug
# Under the sanitizers every test but the ones against real Slurm clusters and the daemon's
# process-level runs (real processes, real time: they ran above, and would double the time).
ctest --preset debug -E '^(Slurm|Live)'
# From fresh corpora with a fixed seed: what is tried depends only on the code (and how fast the
# machine is), so a failure here reproduces with the same command.
rm -rf build/fuzz/corpus
FUZZ_SEED=1 bash scripts/fuzz.sh "${ARBITER_FUZZ_SECONDS:-10}"
