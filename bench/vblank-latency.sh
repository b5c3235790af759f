#!/usr/bin/env bash
# Latency of a vblank wait that needs no waiting (figures, not pass/fail):
# one TCG guest with fakegpu-device and fakegpu.ko runs
# userspace-tests/build/vblank-latency, which after each of FRAMES page-flip
# events times a DRM_IOCTL_WAIT_VBLANK for the flip's own (passed) sequence
# and, as the baseline in the same run, a getppid() system call. This is the
# step igt's kms_flip@flip-vs-expired-vblank bounds at 500 us, about 1800
# times in a row; the figures tell how much of a long wait is the ioctl and
# how much is the guest and its host (a null call stretched just as far).
# Usage: bench/vblank-latency.sh [FRAMES [GUEST-RUN OPTIONS...]]
#   e.g. bench/vblank-latency.sh 1800 --cpus 2   (default: 1800, --cpus 1)
# Run from the host as root; figures also in out/bench-vblank-latency.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-1800}
shift || true
[ $# -gt 0 ] || set -- --cpus 1
out=out/bench-vblank-latency.txt
mkdir -p out
scripts/guest-run --device t4-1b "$@" --timeout 900 -- \
	"scripts/guest-load-module >/dev/null && userspace-tests/build/vblank-latency --frames $frames" | tee "$out"
echo "vblank-latency: figures in $out"
