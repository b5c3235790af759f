#!/bin/bash
# Runs IN THE GUEST of `scripts/guest-run --device ...`: a client draws the
# still "bars" pattern and holds it on screen; the host takes the device's
# screenshot of head 0 (scripts/host-ctl: fakegpu-ctl on the host) and
# pattern-check compares it pixel by pixel with the pattern.
#   guest-screenshot.sh modeset-atomic|bar-probe FORMAT
# modeset-atomic goes through fakegpu.ko (loaded if it is not); bar-probe
# programs the device through its sysfs BARs with no driver (fakegpu.ko is
# unloaded first: udev loads it at boot). Screenshot:
# out/screenshot-{fakegpu,fakegpu-bar}-FORMAT.png.
set -uo pipefail
client=${1:?usage: guest-screenshot.sh modeset-atomic|bar-probe FORMAT} format=${2:?format}
ut=/src/userspace-tests/build
case $client in
modeset-atomic)
	/src/scripts/guest-load-module >/dev/null || exit 1
	name=fakegpu cmd=("$ut/modeset-atomic" --once) ;;
bar-probe)
	if [ -e /sys/module/fakegpu ]; then rmmod fakegpu || exit 1; fi
	name=fakegpu-bar cmd=("$ut/bar-probe") ;;
*) echo "guest-screenshot: unknown client $client (modeset-atomic or bar-probe)" >&2; exit 2 ;;
esac
png=/src/out/screenshot-$name-$format.png
sync=$(mktemp -u /tmp/shot-XXXXXX)
rm -f "$png"
"${cmd[@]}" --format "$format" --hold-file "$sync" &
pid=$!
for _ in $(seq 600); do
	[ -e "$sync.ready" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
shot_rc=1
if [ -e "$sync.ready" ]; then
	/src/scripts/host-ctl screenshot 0 "$png"; shot_rc=$?
else
	echo "guest-screenshot: ${cmd[0]##*/} did not put its frame on screen" >&2
fi
touch "$sync.done"
wait "$pid"; rc=$?
rm -f "$sync".*
[ "$rc" = 0 ] && [ "$shot_rc" = 0 ] || exit 1
"$ut/pattern-check" --pattern bars --format "$format" "$png" || exit 1
echo "screenshot: out/screenshot-$name-$format.png"
