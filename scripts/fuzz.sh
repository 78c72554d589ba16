#!/usr/bin/env bash
# Fuzzes Arbiter's readers: runs each libFuzzer target (fuzz/, docs/fuzzing.md) for SECONDS
# (default 60) on a corpus seeded from data/ and examples/, under AddressSanitizer and UBSan.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      # every target unless some are named
#
# Builds the targets with the debug preset (clang-14; installed by setup.sh --fuzz). The corpora
# grow in build/fuzz/corpus/<target> from run to run; an input that crashes a target or breaks a
# reader's promise is saved as build/fuzz/artifacts/<target>-crash-* (reproduce it with
# build/debug/fuzz/<target> FILE) and makes the script fail. Prints one line per target: how long
# it ran, how many inputs, the coverage reached and what it found.
#
# FUZZ_SEED=N fixes libFuzzer's random seed (the test command uses 1, so that what CI tries is
# the same from run to run and a failure there reproduces); without it each run tries new inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
all=(fuzz_scenario fuzz_job_csv fuzz_gavel_trace fuzz_gavel_throughputs fuzz_alibaba_pods
     fuzz_alibaba_nodes fuzz_catalog fuzz_spot_trace fuzz_job_spec)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

bash scripts/setup.sh --fuzz
cmake --preset debug >/dev/null
cmake --build build/debug --target "${targets[@]}"

work=build/fuzz
mkdir -p "$work/artifacts" "$work/logs"

# seed TARGET DIR: the target's seed inputs, from the repository's own data, cut to 64 KiB each
# (the targets run with -max_len=65536).
seed() {
  local dir="$2" i=0 f
  rm -rf "$dir" && mkdir -p "$dir"
  add() { head -c 65536 "$1" > "$dir/seed-$i"; i=$((i + 1)); }
  case "$1" in
    fuzz_scenario)
      for f in examples/*.yaml; do add "$f"; done
      # One with overrides after the "#--set" line.
      { head -c 60000 examples/spot-faults.yaml; printf '\n#--set\nfaults.launch.parallel=1\n'
        printf 'contracts[0].discount=0.5\n'; } > "$dir/seed-$i"; i=$((i + 1)) ;;
    fuzz_job_csv) add examples/spot-faults.jobs.csv ;;
    fuzz_gavel_trace)
      for f in data/gavel/traces/physical_cluster/*.trace data/gavel/traces/msr/seed=0/6214e9.trace; do
        add "$f"; done ;;
    fuzz_gavel_throughputs)
      # The bundled file without its co-location pairs (each model's "null" entry only; 46 KB),
      # and a small whole file: its first three models. (Spaces spelt out: mawk has no {n}.)
      local s12='            ' s8='        '
      awk -v s12="^$s12" '$0 ~ s12 "\"null\"" { sub(/,$/, ""); print; next } $0 ~ s12 { next }
                          { print }' data/gavel/simulation_throughputs.json > "$dir/seed-alone"
      awk -v s8="^$s8\"[(]" '$0 ~ s8 { n++ } n == 4 { exit } { print }' "$dir/seed-alone" \
        | sed '$ s/,$//' > "$dir/seed-small"
      printf '    }\n}\n' >> "$dir/seed-small" ;;
    fuzz_alibaba_pods) add data/alibaba-gpu-v2023/openb_pod_list_default.csv ;;
    fuzz_alibaba_nodes)
      for f in data/alibaba-gpu-v2023/openb_node_list_*.csv; do add "$f"; done ;;
    fuzz_catalog)
      for f in data/skypilot-catalog/catalogs/v8/*/*.csv; do add "$f"; done ;;
    fuzz_spot_trace)
      for f in data/spot-traces/*/1-node/*/*.json; do add "$f"; done ;;
    fuzz_job_spec)
      for f in examples/live/*.job.yaml; do add "$f"; done
      # The API's JSON body form of a job.
      printf '{"name": "j", "resources": {"accelerators": "H100:4"}, "run": "echo hi"}' \
        > "$dir/seed-$i"; i=$((i + 1)) ;;
  esac
}

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
failed=()
printf '%-24s %8s %10s %8s %8s  %s\n' target "limit s" inputs cov corpus found
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"
  seeds="$work/seeds/$t"
  mkdir -p "$corpus"
  seed "$t" "$seeds"
  extra=()
  [ -f "fuzz/$t.dict" ] && extra=(-dict="fuzz/$t.dict")
  [ -n "${FUZZ_SEED:-}" ] && extra+=(-seed="$FUZZ_SEED")
  log="$work/logs/$t.log"
  status=0
  "build/debug/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
    "${extra[@]}" "$corpus" "$seeds" > "$log" 2>&1 || status=$?
  inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  found="nothing"
  if [ "$status" -ne 0 ]; then
    found="FAILED (exit $status): $(grep -m1 -E 'ERROR|broken promise|runtime error' "$log" || true)"
    failed+=("$t")
  fi
  printf '%-24s %8s %10s %8s %8s  %s\n' "$t" "$seconds" "${inputs:-?}" "${cov:-?}" \
    "$(ls "$corpus" | wc -l)" "$found"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${failed[*]} failed; logs in $work/logs, inputs in $work/artifacts" >&2
  exit 1
fi
