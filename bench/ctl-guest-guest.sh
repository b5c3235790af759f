#!/usr/bin/env bash
# Runs IN THE GUEST for bench/ctl-guest.sh: ROUNDS FLIPS READS.
set -euo pipefail
rounds=$1 flips=$2 reads=$3
bin=userspace-tests/build
scripts/guest-load-module >/dev/null
for _ in $(seq 50); do ls /dev/dri/card* >/dev/null 2>&1 && break; sleep 0.1; done
$bin/modeset-atomic --frames 20 >/dev/null 2>&1	# warm-up: TCG translates the path once
touch "$FAKEGPU_SYNC.ready"	# the host starts bench_ctl -L, which waits for $RUNDIR/load
# A phase that fails says how and ends the rounds: with a device that
# stalls, QEMU gives up on it (its vfio-user reply timeout) and the guest
# loses the device.
phase() {
	local lat flip rc=0
	$bin/bar-probe --read-lat "$reads" >"$RUNDIR/lat" 2>&1 &
	flip=$($bin/modeset-atomic --frames "$flips" 2>&1 | grep -v 'vblank(s) missed' | tail -n1) || true
	wait $! || rc=1
	lat=$(cat "$RUNDIR/lat")
	printf '%-7s %s\n        %s\n' "$1" "${flip#modeset-atomic: }" "${lat#read-lat: }"
	[[ $rc = 0 && $flip == *frames=* ]]
}
for k in $(seq "$rounds"); do
	echo "round $k"
	phase idle || { echo "ctl-guest: the idle phase failed; no more rounds"; break; }
	touch "$RUNDIR/load"
	sleep 2	# the clients connect; the slow reader has asked for its screenshot
	ok=1
	phase loaded || ok=0
	rm -f "$RUNDIR/load"
	[ $ok = 1 ] || { echo "ctl-guest: the loaded phase failed; no more rounds"; break; }
	sleep 1
done
touch "$RUNDIR/load.end"
for _ in $(seq 100); do [ -e "$FAKEGPU_SYNC.done" ] && break; sleep 0.1; done
