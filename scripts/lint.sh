#!/usr/bin/env bash
# Checks formatting (clang-format) and lint (clang-tidy, the checks in .clang-tidy) of the C++
# sources. Exit status 1 if either finds something.
#   bash scripts/lint.sh          # every file
#   bash scripts/lint.sh --fix    # reformat in place first, then lint
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --lint --bench  # the benchmarks are linted in the bench build
mapfile -t files < <(git ls-files '*.cc' '*.h')
status=0
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "lint.sh: clang-format would change the files above (run: bash scripts/lint.sh --fix)" >&2
  status=1
fi
# clang-tidy needs the compilation database of a configured build.
[ -f build/test/compile_commands.json ] || cmake --preset test >/dev/null
mapfile -t sources < <(git ls-files 'src/*.cc' 'tests/*.cc' 'tools/*.cc')
if ! clang-tidy -p build/test --quiet "${sources[@]}" 2>/dev/null; then
  echo "lint.sh: clang-tidy found problems (above)" >&2
  status=1
fi
# The benchmarks are only in the bench preset's build.
[ -f build/bench/compile_commands.json ] || cmake --preset bench >/dev/null
mapfile -t bench < <(git ls-files 'bench/*.cc')
if ! clang-tidy -p build/bench --quiet "${bench[@]}" 2>/dev/null; then
  echo "lint.sh: clang-tidy found problems in bench/ (above)" >&2
  status=1
fi
[ $status -eq 0 ] && echo "lint.sh: clean"
exit $status
