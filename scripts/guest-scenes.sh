#!/bin/bash
# Runs IN THE GUEST of `scripts/guest-run --device ...`: host-side truth.
# Every scene of `scene --list` (or the SCENEs named) is shown in turn; for
# each, `scene` prints the CRC it read from the driver's debugfs CRC
# interface and, while the scene is still shown, has the host take a
# fakegpu-ctl screenshot (out/scenes/NAME.png) and read the device's CRC of
# the displayed frame (out/scenes/NAME.dev). scene-check then compares the
# screenshot pixel by pixel with its own reference composition and the CRC
# recomputed from it with the guest's; the device's on-demand CRC must agree
# too. Ends with "check-scenes: N passed, M failed"; exit 1 on any failure.
#   guest-scenes.sh [SCENE...]
set -uo pipefail
out=/src/out/scenes
bin=/src/userspace-tests/build
for p in scene scene-check; do
	[ -x "$bin/$p" ] || { echo "check-scenes: $bin/$p is not built: run 'make build'" >&2; exit 1; }
done
if [ $# -gt 0 ]; then
	scenes=("$@")
else
	mapfile -t scenes < <("$bin/scene" --list)
fi
[ ${#scenes[@]} -gt 0 ] || { echo "check-scenes: no scenes to run" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
/src/scripts/guest-load-module >/dev/null || exit 1

passed=0 failed=0
for s in "${scenes[@]}"; do
	"$bin/scene" "$s" --then "/src/scripts/host-ctl screenshot 0 $out/$s.png >/dev/null &&
		/src/scripts/host-ctl crc 0 >$out/$s.dev" >"$out/$s.txt" 2>&1
	line=$(grep -E "^scene $s crc 0x[0-9a-f]{8} frame [0-9]+$" "$out/$s.txt" || true)
	if [ -z "$line" ]; then
		echo "check-scenes: $s: the scene printed no CRC line:"
		sed 's/^/    | /' "$out/$s.txt"
		failed=$((failed + 1))
		continue
	fi
	crc=$(awk '{print $4}' <<<"$line")
	ok=1
	if [ ! -s "$out/$s.png" ]; then
		echo "check-scenes: $s: no screenshot out/scenes/$s.png"
		ok=0
	elif ! "$bin/scene-check" "$s" "$out/$s.png" "$crc"; then
		ok=0
	fi
	# fakegpu-ctl crc: "frame F crc 0x.. screen 0x..", screen = the device's
	# CRC of what it shows now.
	screen=$(awk '{for (i = 1; i < NF; i++) if ($i == "screen") print $(i + 1)}' "$out/$s.dev" 2>/dev/null)
	if [ "$screen" != "$crc" ]; then
		echo "check-scenes: $s: device screen CRC '${screen:-none}' differs from the guest's $crc (out/scenes/$s.dev)"
		ok=0
	fi
	if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "check-scenes: $passed passed, $failed failed"
[ "$failed" = 0 ]
