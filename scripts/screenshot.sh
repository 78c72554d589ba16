#!/usr/bin/env bash
# Renders an HTML report (arbiter simulate ... --report FILE.html) to a PNG screenshot with
# Debian's headless Chromium, so that it can be looked at without a browser.
#
#   bash scripts/screenshot.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
#
# WIDTH defaults to 1280 CSS pixels. HEIGHT defaults to the page height the report estimates for
# itself (<meta name="arbiter-page-height">), so one screenshot holds the whole page; give a
# smaller HEIGHT to capture only the top. Installs chromium if it is missing (scripts/setup.sh).
# No network is used: the report is self-contained, and Chromium's background services are off.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 4 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH] [HEIGHT]" >&2
  exit 2
fi
report=$1
out=$2
width=${3:-1280}
height=${4:-}
if [ ! -f "$report" ]; then
  echo "screenshot.sh: no such report: $report" >&2
  exit 2
fi
if [ -z "$height" ]; then
  height=$(grep -o 'name="arbiter-page-height" content="[0-9]*"' "$report" | grep -o '[0-9]*' \
    | head -n 1 || true)
  height=${height:-4000}
fi
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  bash "$(dirname "$0")/setup.sh" --chromium
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
mkdir -p "$(dirname "$out")"
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$abs_out"
# --disable-background-networking and friends: without them Chromium tries to reach Google's
# services at start-up, which this machine refuses; --hide-scrollbars keeps the image clean.
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-default-apps --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$width,$height" --screenshot="$abs_out" "file://$abs_report" \
  >/dev/null 2>&1 || true
if [ ! -s "$abs_out" ]; then
  echo "screenshot.sh: chromium wrote no screenshot of $report" >&2
  exit 1
fi
echo "$out: ${width}x${height}"
