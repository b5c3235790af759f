#!/usr/bin/env bash
# Guest-side device benchmarks (figures, not pass/fail), one TCG guest with
# fakegpu-device attached and no driver (bar-probe maps the BARs via sysfs):
#   - register read round trip guest -> device (BAR0 read, over the socket);
#   - guest write bandwidth into the VRAM BAR as a ratio of guest RAM write
#     bandwidth in the same run (the BAR is a direct memfd mapping);
#   - device CPU use while one head scans out at 60 Hz and nothing else
#     happens (utime+stime of fakegpu-device over 10 s).
# Usage: bench/guest-bench.sh [SECONDS]   (run from the host as root)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
out=out/bench-guest.txt
mkdir -p out
scripts/guest-run --device t4-1b --on-ready "
read -r -a s0 < /proc/\$FAKEGPU_DEVICE_PID/stat; t0=\$(date +%s%N)
sleep $secs
read -r -a s1 < /proc/\$FAKEGPU_DEVICE_PID/stat; t1=\$(date +%s%N)
hz=\$(getconf CLK_TCK)
ticks=\$(( (s1[13] + s1[14]) - (s0[13] + s0[14]) ))
ms=\$(( (t1 - t0) / 1000000 ))
mpct=\$(( ticks * 1000 / hz * 100000 / ms ))
printf 'device_cpu: %d ms of CPU in %d ms = %d.%03d %% of one core (head 0 at 60 Hz)\\n' \$(( ticks * 1000 / hz )) \$ms \$(( mpct / 1000 )) \$(( mpct % 1000 ))
device/build/fakegpu-ctl --socket \$FAKEGPU_CTL stats" -- \
	'{ ! [ -e /sys/module/fakegpu ] || rmmod fakegpu; } && userspace-tests/build/bar-probe --bench && userspace-tests/build/bar-probe --hold-file $FAKEGPU_SYNC >/dev/null' | tee "$out"
echo "guest-bench: figures in $out"
