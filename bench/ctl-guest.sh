#!/usr/bin/env bash
# Do control clients hold up a guest? (figures, not pass/fail)
# One TCG guest per device binary, fakegpu.ko bound. In each of ROUNDS
# rounds the guest runs, twice: modeset-atomic --frames FLIPS (a client that
# flips on every flip event) and, at the same time, bar-probe --read-lat
# READS (BAR0 reads of SCRATCH from guest userspace, one every 2 ms: each is a
# round trip guest -> QEMU -> device -> back). First with no control client
# ("idle"), then while the host runs bench_ctl -L ("loaded": 16 control
# clients that connect and send nothing, reconnecting when dropped, and one
# that asks for a screenshot and reads it one byte a second).
# Usage: bench/ctl-guest.sh [ROUNDS [FLIPS [READS [CPUS]]]]   (default 3 120 1000 2)
#   OLD_DEVICE=/src/PATH/fakegpu-device also runs that build first, in the
#   same way (a path inside the toolbox, i.e. under /src).
# Run from the host as root; figures also in out/bench-ctl-guest.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} flips=${2:-120} reads=${3:-1000} cpus=${4:-2}
for v in "$rounds" "$flips" "$reads" "$cpus"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "ctl-guest: '$v' is not a positive number" >&2; exit 2; }
done
scripts/toolbox.sh run make -s -C /src/bench >/dev/null
out=out/bench-ctl-guest.txt
mkdir -p out
: >"$out"
devices=()
[ -n "${OLD_DEVICE:-}" ] && devices+=("old=$OLD_DEVICE")
devices+=("new=/src/device/build/fakegpu-device")
for d in "${devices[@]}"; do
	echo "== ${d%%=*} device (${d#*=}), $cpus vCPU(s), $rounds rounds ==" | tee -a "$out"
	# iomem=relaxed: bar-probe may map BAR0 while fakegpu.ko holds it
	FAKEGPU_DEVICE_BIN=${d#*=} scripts/guest-run --device t4-1b --cpus "$cpus" --append iomem=relaxed \
		--timeout $((300 + rounds * (flips / 20 + reads / 100))) \
		--on-ready 'bench/build/bench_ctl -L "$FAKEGPU_CTL" -g "$RUNDIR/load"' -- \
		"bench/ctl-guest-guest.sh $rounds $flips $reads" 2>&1 | tee -a "$out" ||
		echo "ctl-guest: the ${d%%=*} device's guest run failed (above)" | tee -a "$out"
done
echo "ctl-guest: figures in $out"
