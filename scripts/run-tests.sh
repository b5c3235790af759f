#!/usr/bin/env bash
# The whole test suite: `make test`. Tiers:
#   build  toolbox, device, tools, userspace tests, module (W=1 C=1 clean)
#   host   device model through a real vfio-user client, engine, fuzz (seconds)
#   guest  QEMU (TCG) with the toolbox kernel: bochs baseline, fakegpu
#   igt    the curated igt list against each driver's expectations
# Each step's log is in out/test-logs/. The last line is "N passed, N failed",
# counting cmocka test cases, igt subtest verdicts and the other steps.
#   FAKEGPU_TIERS="build host guest igt" selects tiers (default: all).
set -uo pipefail
cd "$(dirname "$0")/.."
tiers=${FAKEGPU_TIERS:-build host guest igt}
logs=out/test-logs
mkdir -p "$logs"
passed=0 failed=0 failures=()
t_start=$(date +%s)

# step NAME CMD...: run CMD, log it, count it. A step's log may carry finer
# counts (cmocka summaries, "X: N passed, M failed" lines); those are added
# instead of the step's single verdict.
step() {
	local name=$1; shift
	local log="$logs/$name.log" s=$(date +%s) rc p=0 f=0
	printf '%-44s ' "$name"
	"$@" >"$log" 2>&1
	rc=$?
	# cmocka: "[  PASSED  ] 12 test(s)." / "[  FAILED  ] 1 test(s), listed below:"
	p=$(awk '/^\[  PASSED  \] [0-9]+ test/ {s += $4} END {print s+0}' "$log")
	f=$(awk '/^\[  FAILED  \] [0-9]+ test/ {s += $4} END {print s+0}' "$log")
	# our own tools: "<name>: N passed, M failed"
	read -r p2 f2 < <(awk '/^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed/ {p += $2; f += $4} END {print p+0, f+0}' "$log")
	p=$((p + p2)) f=$((f + f2))
	if [ $((p + f)) = 0 ]; then
		if [ $rc = 0 ]; then p=1; else f=1; fi
	elif [ $rc != 0 ] && [ "$f" = 0 ]; then
		f=1	# the step failed beyond what its counts say
	fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ $rc = 0 ] && [ "$f" = 0 ]; then
		printf 'ok   (%ss, %d passed)\n' "$(( $(date +%s) - s ))" "$p"
	else
		printf 'FAIL (%ss, %d passed, %d failed) — %s\n' "$(( $(date +%s) - s ))" "$p" "$f" "$log"
		tail -n 25 "$log" | sed 's/^/    | /'
		failures+=("$name")
	fi
	return $rc
}
has() { [[ " $tiers " == *" $1 "* ]]; }
tb() { scripts/toolbox.sh run "$@"; }
gr() { scripts/guest-run "$@"; }

if ! scripts/toolbox.sh build; then
	echo "toolbox could not be built (see the message above)"
	echo "0 passed, 1 failed"
	exit 1
fi

if has build; then
	step build-device tb make -C /src/device all tests
	step build-userspace tb make -C /src/userspace-tests
	# check: W=1 and sparse, any warning fails; install: into the toolbox's
	# updates/ with depmod and the modprobe.d snippet, so the guest's modprobe
	# finds the module just checked (the guest tier needs it, also on a tree
	# that `make build` never ran on).
	[ -f drm-driver/Makefile ] && step build-module tb bash -c 'make -C /src/drm-driver check && make -C /src/drm-driver install'
fi

if has host; then
	step host-igt-check-selftest scripts/tests/test-igt-check.sh
	for t in device/build/tests/test_*; do
		[ -x "$t" ] && step "host-$(basename "$t")" tb "/src/$t"
	done
	# fakegpu-view under Xvfb and fakegpu-vnc against a live device (~10 s).
	step host-viewer-vnc tb /src/scripts/check-viewer
	[ -f device/fuzz/fuzz_vfu.c ] &&
		step host-fuzz-vfu tb bash -c 'cd /src/device && make fuzz >/dev/null && build/fuzz/fuzz_vfu -max_total_time=30 -rss_limit_mb=2048 2>&1 | tail -n 5'
fi

if has guest; then
	# Baseline: QEMU's stock bochs-display with the guest kernel's bochs driver.
	step guest-bochs-modeset-atomic gr --qemu-config bochs.args -- \
		'userspace-tests/build/modeset-atomic --frames 120'
	step guest-bochs-screenshot scripts/check-screenshot bochs
	step guest-bochs-bad-input gr --qemu-config bochs.args -- 'userspace-tests/build/bad-input'
	# The device alone: PCI identity per profile; bar-probe programs it
	# through sysfs BARs and the host screenshot must match.
	for p in t4-1b t4-2b virt; do step "guest-pci-identity-$p" scripts/check-pci-identity "$p"; done
	for f in xrgb8888 rgb565; do step "guest-device-bar-probe-$f" scripts/check-screenshot fakegpu-bar "$f"; done
	# The driver.
	if [ -f drm-driver/fakegpu.ko ]; then
		step guest-fakegpu-lane scripts/check-driver
		for f in xrgb8888 argb8888 rgb565 argb1555; do step "guest-fakegpu-screenshot-$f" scripts/check-screenshot fakegpu "$f"; done
		# Host-side truth: known scenes (formats, cursor positions, planes,
		# blending, gamma); host screenshot vs reference, guest CRC vs host.
		step guest-fakegpu-scenes scripts/check-scenes
		# Several heads, and the desktops on them (docs/guest-desktops.md).
		step guest-fakegpu-multihead-2 scripts/check-multihead 2
		step guest-fakegpu-multihead-4 scripts/check-multihead 4
		step guest-fakegpu-xorg scripts/check-xorg
		step guest-fakegpu-weston scripts/check-weston
		# make demo's live window as over ssh -X (TCP display + cookie).
		step guest-fakegpu-demo-view scripts/check-demo-view
	fi
fi

if has igt; then
	step igt-bochs scripts/igt-run bochs
	if [ -f drm-driver/fakegpu.ko ]; then
		step igt-fakegpu scripts/igt-run fakegpu
		# The vblank/timestamp subtests drm-ci lists as flaky on vkms:
		# 10 consecutive passing runs.
		step igt-fakegpu-vkms-flaky-x10 scripts/igt-repeat 10
	fi
fi

echo
echo "tiers: $tiers; $(( $(date +%s) - t_start ))s; logs in $logs"
[ ${#failures[@]} = 0 ] || echo "failed steps: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
