#!/usr/bin/env bash
# make demo — the main job: start fakegpu-device (fake Tesla T4, GRID T4-1B),
# boot a guest with it attached, `modprobe fakegpu`, show what the guest sees
# (lspci, modetest), run modeset-atomic for 120 frames, then hold a still
# frame while the host takes a screenshot with fakegpu-ctl: out/demo.png.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${FAKEGPU_PROFILE:-t4-1b}
make --no-print-directory build
rm -f out/demo.png
mkdir -p out
view=()
if [ -n "${DISPLAY:-}" ]; then
	view=(--view)
	echo "demo: DISPLAY=$DISPLAY: a fakegpu-view window shows the guest's display live while the guest runs"
else
	echo "demo: no DISPLAY: no live window (ssh -X, or scripts/guest-run --view, or device/build/fakegpu-vnc; see docs/viewing.md); the result is a screenshot"
fi
echo "demo: booting a TCG guest with fakegpu-device ($profile) attached (about a minute)"
scripts/guest-run --device "$profile" "${view[@]}" \
	--on-ready "device/build/fakegpu-ctl --socket \$FAKEGPU_CTL screenshot 0 /src/out/demo.png && device/build/fakegpu-ctl --socket \$FAKEGPU_CTL status" -- '
set -e
echo "== guest: lspci"; lspci -nn | grep -Ei "10de|feed" || true
scripts/guest-load-module
echo "== guest: modetest -M fakegpu -c (connectors)"; modetest -M fakegpu -c | head -n 12
echo "== guest: modeset-atomic, 120 frames"
userspace-tests/build/modeset-atomic --frames 120
echo "== guest: holding a still frame for the host screenshot"
userspace-tests/build/modeset-atomic --once --pattern bars --hold-file "$FAKEGPU_SYNC"
test "$(cat "$FAKEGPU_SYNC.status")" = 0'
[ -s out/demo.png ] || { echo "demo: no screenshot was taken (see above)" >&2; exit 1; }
echo "demo: screenshot of the guest's display, taken by the device: $(pwd)/out/demo.png"
