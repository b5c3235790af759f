#!/usr/bin/env bash
# Flip rate of a client that flips on every flip event, drawing nothing
# (figures, not pass/fail): modeset-atomic --frames FRAMES, RUNS times, with
# the driver on the register path (fakegpu.ko shm=0) and on the shared pages
# (shm=1, the default), in the same boot, for each vCPU count. Per mode:
# the flip rate and missed vblanks of every run, their mean, the BAR0 register
# reads and writes per flip the device counted over the runs (every read is
# a round trip guest -> QEMU -> device -> back), and the time the interrupt
# handler took (ftrace function_graph, fakegpu_irq_handler at depth 1).
# Usage: bench/flip-rate.sh [FRAMES [RUNS [CPUS...]]]   (default 600 5 1 2)
# Run from the host as root; figures also in out/bench-flip-rate.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-600} runs=${2:-5}
shift 2 || shift $#
[ $# -gt 0 ] || set -- 1 2
for v in "$frames" "$runs" "$@"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "flip-rate: '$v' is not a positive number" >&2; exit 2; }
done
out=out/bench-flip-rate.txt
mkdir -p out
: >"$out"
for cpus in "$@"; do
	echo "== $cpus vCPU(s), $runs runs of $frames flips per mode ==" | tee -a "$out"
	scripts/guest-run --device t4-1b --cpus "$cpus" --timeout $((300 + 2 * runs * frames / 30)) -- \
		"bench/flip-rate-guest.sh $frames $runs" | tee -a "$out"
done
echo "flip-rate: figures in $out"
