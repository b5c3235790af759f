#!/usr/bin/env bash
# The product's test suite: `make test` (also `make check` with fewer tiers).
# Tiers:
#   build   toolbox, device, tools, userspace tests, module (W=1 C=1 clean)
#   host    device model through a real vfio-user client, engine, viewer,
#           30 s of fuzzing per libFuzzer target (seconds)
#   driver  the fakegpu driver lane: one guest, fakegpu.ko end to end
#   guest   the other guest lanes, one boot per setup (scripts/lanes/):
#           bochs baseline, the device alone and through the driver with
#           host-side truth, several heads and the desktops, the demo window
#   igt     the curated igt list on fakegpu against its expectations; the
#           subtests in fakegpu.flakes are run and reported, a failure of
#           theirs is a flake and does not fail the run
#   kernels on each guest kernel beside the default one (7.3): the driver
#           lane and the must-pass igt subset (userspace-tests/igt/must-pass.txt);
#           on every guest kernel (6.12, 7.3): the fakegpu-dkms package
#           installed with apt in a guest (scripts/check-dkms)
# Each step's log is in out/test-logs/ (a lane's checks in a folder of its
# own). The last line is "N passed, N failed", counting cmocka test cases,
# igt subtest verdicts and the other checks.
#   FAKEGPU_TIERS="build host driver guest igt kernels" selects tiers (default:
#   all).
# The anchor runs on other drivers are `make compare`; repeats that hunt rare
# failures are `make soak`.
set -uo pipefail
cd "$(dirname "$0")/.."
tiers=${FAKEGPU_TIERS:-build host driver guest igt kernels}
logs=out/test-logs
mkdir -p "$logs"
passed=0 failed=0 failures=() times=() flakes=()
t_start=$(date +%s)

# step NAME CMD...: run CMD, log it, count it. A step's log may carry finer
# counts (cmocka summaries, "X: N passed, M failed" lines); those are added
# instead of the step's single verdict.
step() {
	local name=$1; shift
	local log="$logs/$name.log" s=$(date +%s) rc p f
	printf '%-44s ' "$name"
	"$@" >"$log" 2>&1
	rc=$?
	read -r p f < <(tally "$log" "$rc")
	passed=$((passed + p)) failed=$((failed + f))
	local secs=$(( $(date +%s) - s ))
	times+=("$(printf '%-44s %5ss' "$name" "$secs")")
	if [ $rc = 0 ] && [ "$f" = 0 ]; then
		printf 'ok   (%ss, %d passed)\n' "$secs" "$p"
	else
		printf 'FAIL (%ss, %d passed, %d failed) — %s\n' "$secs" "$p" "$f" "$log"
		# A lane names its failed checks; otherwise the log's tail.
		if grep -q '^not ok' "$log"; then
			grep -A 26 '^not ok' "$log" | head -n 80 | sed 's/^/    | /'
		else
			tail -n 25 "$log" | sed 's/^/    | /'
		fi
		failures+=("$name")
	fi
	# Listed flakes (scripts/igt-check): reported, never counted as failed.
	local fl
	fl=$(grep -E '^(  flake |flakes: )' "$log" || true)
	if [ -n "$fl" ]; then
		sed 's/^/    /' <<<"$fl"
		flakes+=("$(grep -E '^flakes: ' <<<"$fl" | tail -n 1) ($name)")
	fi
	return $rc
}
. scripts/tally.sh
has() { [[ " $tiers " == *" $1 "* ]]; }
own_vm_blocks() { sed -n 's/^<!-- check-own-vm: \([a-z0-9-]*\) -->$/\1/p' docs/using.md; }
tb() { scripts/toolbox.sh run "$@"; }

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
	[ -f drm-driver/Makefile ] && step build-module tb /src/scripts/build-module --check
fi

if has host; then
	step host-igt-check-selftest scripts/tests/test-igt-check.sh
	# make deb's packages: lintian, contents, the installed programs, the
	# unit (systemd-analyze verify), DKMS builds of the packaged driver.
	step host-deb scripts/tests/test-deb.sh
	# docs/using.md's libvirt domain: libvirt's schema, the -device it passes.
	step host-libvirt-xml tb /src/scripts/tests/test-libvirt-xml.sh
	for t in device/build/tests/test_*; do
		[ -x "$t" ] && step "host-$(basename "$t")" tb "/src/$t"
	done
	# fakegpu-view under Xvfb and fakegpu-vnc against a live device (~10 s).
	step host-viewer-vnc tb /src/scripts/check-viewer
	# Every libFuzzer target device/fuzz/fuzz_NAME.c for 30 s, ASan + UBSan,
	# from a copy of its seed corpus device/fuzz/corpus/NAME/ (its
	# regression inputs replayed first); crashing inputs in out/fuzz/. A
	# file there not named fuzz_*.c fails its step (no fuzz-run rule).
	for f in device/fuzz/*.c; do
		[ -f "$f" ] || continue
		n=$(basename "$f" .c); n=${n#fuzz_}
		step "host-fuzz-$n" tb make -C /src/device --no-print-directory "fuzz-run-$n" \
			FUZZ_SECONDS=30 FUZZ_ARTIFACTS="/src/out/fuzz/$n-"
	done
fi

if has driver && [ -f drm-driver/fakegpu.ko ]; then
	# modprobe, modetest, flips, register cost, bad input, load/unload
	# cycles, unbind under a client (scripts/guest-driver-checks.sh).
	step guest-fakegpu-lane scripts/check-driver
fi

if has guest; then
	# One boot per guest setup; each lists its checks (scripts/lanes/).
	# Baseline: QEMU's stock bochs-display with the guest kernel's bochs
	# driver (modeset-atomic, screenshot, bad-input).
	step guest-bochs scripts/check-lane bochs
	if [ -f drm-driver/fakegpu.ko ]; then
		# t4-1b: PCI identity; bar-probe (no driver) in two formats; the
		# driver's screenshots in four; the host-truth scenes (formats,
		# cursor positions, planes, blending, gamma; host screenshot vs an
		# independent reference, guest CRC vs host).
		step guest-device scripts/check-lane device
		# Identity registers that lie (fakegpu-device --fault): the probe
		# refuses a head count or VRAM size out of range, survives a bad
		# EDID size (three boots, ~1.5 min).
		step guest-lying-device scripts/check-lying-device
		# Several heads, and the desktops on them (docs/guest-desktops.md).
		step guest-desktop scripts/check-lane desktop
		step guest-multihead4 scripts/check-lane multihead4
		# make demo's live window as over ssh -X (TCP display + cookie).
		step guest-fakegpu-demo-view scripts/check-demo-view
		# docs/using.md's QEMU command lines as written (-readconfig files
		# of qemu-config/), each booting a guest that flips and shows a
		# frame the host screenshot matches (~15 s each).
		for n in $(own_vm_blocks); do
			step "guest-own-vm-$n" scripts/check-own-vm "$n"
		done
	fi
fi

if has igt && [ -f drm-driver/fakegpu.ko ]; then
	step igt-fakegpu scripts/igt-run fakegpu
fi

if has kernels && [ -f drm-driver/fakegpu.ko ]; then
	# The module was built and installed for each of them by build-module;
	# the driver lane's load/unload cycles are the default kernel's (20),
	# 5 here.
	first=1
	mapfile -t rels < <(tb /src/scripts/kver --all)
	for rel in "${rels[@]}"; do
		series=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$rel")
		if [ $first = 0 ]; then
			step "kernel-$series-driver-lane" env FAKEGPU_KERNEL="$rel" CYCLES=5 scripts/check-driver
			step "kernel-$series-igt-must-pass" scripts/igt-must-pass "$series"
			step "kernel-$series-own-vm-q35-t4-2b" scripts/check-own-vm q35-t4-2b "$rel"
		fi
		first=0
		# The fakegpu-dkms package (host-deb built it) installed with apt in
		# a guest of that kernel: dkms builds it, it drives the device, it
		# goes away with dpkg -r.
		compgen -G "out/deb/fakegpu-dkms_*_all.deb" >/dev/null && step "kernel-$series-dkms" scripts/check-dkms "$series"
	done
fi

echo
echo "step times:"
printf '  %s\n' "${times[@]}"
echo "tiers: $tiers; $(( $(date +%s) - t_start ))s; logs in $logs"
[ ${#flakes[@]} = 0 ] || printf '%s\n' "${flakes[@]}"
[ ${#failures[@]} = 0 ] || echo "failed steps: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
