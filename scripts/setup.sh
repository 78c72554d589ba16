#!/usr/bin/env bash
# Installs what Arbiter needs from Debian 12's packages. Safe to run again: it installs only what
# is missing, and does nothing when everything is there. Non-interactive (CI has no stdin).
#
#   bash scripts/setup.sh              # build and test dependencies
#   bash scripts/setup.sh --bench      # also Google Benchmark
#   bash scripts/setup.sh --lint       # also clang-format and clang-tidy
#   bash scripts/setup.sh --chromium   # also headless Chromium and a font, to render reports
#   bash scripts/setup.sh --slurm      # also Slurm (controller, node daemon, commands) and munge,
#                                      # for scripts/local-slurm.sh and the Slurm backend's tests
#   bash scripts/setup.sh --fuzz       # also clang-14 and libFuzzer: sanitizer builds, fuzzing
set -euo pipefail

packages=(
  g++ cmake ninja-build
  libabsl-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  googletest libgtest-dev libgmock-dev
  pkg-config coinor-libclp-dev
  libsqlite3-dev libcpp-httplib-dev
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(libbenchmark-dev) ;;
    --lint) packages+=(clang-format clang-tidy) ;;
    --chromium) packages+=(chromium fonts-dejavu-core) ;;
    --slurm) packages+=(slurmctld slurmd slurm-client munge) ;;
    --fuzz) packages+=(clang-14 libfuzzer-14-dev) ;;
    *) echo "setup.sh: unknown option $arg (expected --bench, --lint, --chromium, --slurm or --fuzz)" >&2
       exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
