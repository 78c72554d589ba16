#!/usr/bin/env bash
# Checks formatting (clang-format) and lint (clang-tidy, the checks in .clang-tidy) of the C++
# sources. Exit status 1 if either finds something.
#   bash scripts/lint.sh          # every file
#   bash scripts/lint.sh --fix    # reformat in place first, then lint
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --lint
mapfile -t files < <(git ls-files '*.cc' '*.h')
status=0
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "lint.sh: clang-format would change the files above (run: bash scripts/lint.sh --fix)" >&2
  status=1
fi
# clang-tidy needs the compilation database of a configured build.
[ -f build/test/compile_commands.json ] || cmake --preset test >/dev/null
mapfile -t sources < <(git ls-files 'src/*.cc' 'bench/*.cc' 'tests/*.cc')
if ! clang-tidy -p build/test --quiet "${sources[@]}" 2>/dev/null; then
  echo "lint.sh: clang-tidy found problems (above)" >&2
  status=1
fi
[ $status -eq 0 ] && echo "lint.sh: clean"
exit $status
