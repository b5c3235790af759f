#!/usr/bin/env bash
# How much of a frame a page flip leaves to its client (figures, not
# pass/fail). One TCG guest with fakegpu-device and fakegpu.ko runs
# userspace-tests/build/vblank-latency once per THINK value: after each flip
# event the client spins THINK us (igt's kms_flip spends several ms of a
# frame in userspace under TCG) and then flips again; a flip that misses the
# next vblank is "late". The rest of the frame goes to the flip ioctl, the
# commit worker, the register writes and the device's latch. Also printed:
# the register writes per flip the device counted for head 0 (fakegpu-ctl
# stats), the baseline to compare a driver change against. Each THINK value
# runs twice in the same boot: the driver on the register path (fakegpu.ko
# shm=0) and on the shared pages (shm=1).
# Usage: bench/flip-margin.sh [FRAMES [THINK_US...]]   (default 900, 0 9000 12000)
# Run from the host as root; figures also in out/bench-flip-margin.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-900}
shift || true
[ $# -gt 0 ] || set -- 0 9000 12000
for t in "$@"; do
	[[ $t =~ ^[0-9]+$ ]] || { echo "flip-margin: THINK_US must be a number of microseconds, not '$t'" >&2; exit 2; }
done
out=out/bench-flip-margin.txt
mkdir -p out
scripts/guest-run --device t4-1b --cpus 1 --timeout 1500 -- "
scripts/guest-load-module >/dev/null || exit 1
w() { scripts/host-ctl stats | sed -nE 's/^head 0 .* reg_writes=([0-9]+).*/\\1/p'; }
for shm in 0 1; do
	rmmod fakegpu && modprobe fakegpu shm=\$shm || exit 1
	sleep 1
	echo \"== fakegpu.ko shm=\$shm (\$([ \$shm = 1 ] && echo shared pages || echo registers)) ==\"
	for t in $*; do
		w0=\$(w)
		userspace-tests/build/vblank-latency --frames $frames --think-us \$t |
			grep -E '^vblank-latency|flip event|page-flip|late flips' || exit 1
		w1=\$(w)
		echo \"register writes of head 0 per flip: \$(( (w1 - w0) / $frames ))\"
	done
done" | tee "$out"
echo "flip-margin: figures in $out"
