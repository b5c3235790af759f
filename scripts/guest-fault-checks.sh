#!/bin/bash
# Runs IN THE GUEST of `scripts/guest-run --device t4-1b` (the device lane):
# fakegpu.ko against a device that lies. The faults are set at run time on
# the host (scripts/host-ctl fault SPEC: fakegpu-ctl's fault request,
# docs/device-abi.md section "Fault injection"), once with the driver on the
# shared pages (the default) and once on the registers (fakegpu.shm=0). For
# each, a client must get every flip event with a sane timestamp, the driver
# must say what is wrong once (not a stream of messages), and guest-run fails
# the run on any kernel warning.
# Prints "ok - ..." / "not ok - ..." and "faults: N passed, M failed".
set -u
ut=/src/userspace-tests/build
pass=0 fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi; }
fault() { /src/scripts/host-ctl fault "$@"; }
flips() {	# flips ARGS...: modeset-atomic, every event in time, timestamps sane
	"$ut/modeset-atomic" --frames 60 --event-timeout 2000 --max-ts-age 500 "$@"
}
# dmesg lines matching RE since the mark: exactly one (at_most_once: 0 or
# 1), or fail
since_mark() { dmesg | sed -n "/fault-checks: $mark\$/,\$p" | grep -cE "$1"; }
once() {
	local n
	n=$(since_mark "$1")
	[ "$n" = 1 ] || { echo "  expected one kernel message matching '$1', saw $n"; return 1; }
}
at_most_once() {
	local n
	n=$(since_mark "$1")
	[ "$n" -le 1 ] || { echo "  expected at most one kernel message matching '$1', saw $n"; return 1; }
}
mark=0
new_mark() { mark=$((mark + 1)); echo "fault-checks: $mark" >/dev/kmsg; }
load() {	# load [shm=0]
	modprobe -r fakegpu 2>/dev/null
	modprobe fakegpu "$@" || return 1
	for _ in $(seq 100); do [ -e /dev/dri/card0 ] && return 0; sleep 0.1; done
	return 1
}

for path in shm regs; do
	args=()
	[ $path = regs ] && args=(shm=0)
	load "${args[@]}"; ok $? "$path: fakegpu loads (${args[*]:-shared pages})"
	flips >/dev/null; ok $? "$path: flips before any fault"

	if [ $path = regs ]; then
		# Bit 7 is head 7's vblank: undefined on a one-head device.
		new_mark
		fault irq-bits=0x80 && flips && once 'undefined IRQ_STATUS bits'
		ok $? "$path: undefined IRQ_STATUS bits are acked and ignored, reported once"
		fault clear
	fi

	# A counter 2e9 frames ahead: the timestamp model must not overflow.
	new_mark
	fault frame-jump=0:2000000000 && flips
	ok $? "$path: the frame counter jumps 2e9 frames: every event, timestamps sane"
	fault clear

	# Events then repeat the last sequence number and timestamp: the
	# vblank core counts and stamps by the device's counter.
	new_mark
	if [ $path = shm ]; then
		fault frame-stall=0 && "$ut/modeset-atomic" --frames 30 --event-timeout 2000 &&
			once 'frame counter stays at'
		ok $? "$path: the frame counter stalls: every flip event, reported once"
	else
		fault frame-stall=0 && "$ut/modeset-atomic" --frames 30 --event-timeout 2000
		ok $? "$path: the frame counter stalls: every flip event"
	fi
	fault clear

	# Shared pages: every vblank comes with the device's time, which the
	# driver must refuse. Registers: the timestamp model, anchored before
	# the fault, needs no VBLANK_AGE; an anchor taken during it refuses the
	# age and says so.
	new_mark
	if [ $path = shm ]; then
		fault age-behind=0:5000 && flips && once 'in the past'
		ok $? "$path: vblank times 5 s behind: timestamps from the interrupt, reported once"
	else
		fault age-behind=0:5000 && flips && at_most_once 'more than a second'
		ok $? "$path: VBLANK_AGE 5 s behind: timestamps right, reported at most once"
	fi
	fault clear

	new_mark
	fault no-latch=0 && flips --frames 10 >/dev/null && once 'not latched after'
	ok $? "$path: a commit that never latches: the flip completes anyway, reported"
	fault clear

	# The watchdog needs 3 periods of 100 ms to be sure: the first flip
	# waits that long.
	new_mark
	fault irq-stop && flips --frames 30 --max-ts-age 1500 && once 'device stopped interrupting'
	ok $? "$path: interrupts stop: flips go on from the driver's watchdog, reported once"
	fault clear

	flips >/dev/null; ok $? "$path: flips again once the faults are cleared"
done
modprobe -r fakegpu && modprobe fakegpu; ok $? "fakegpu reloads with its defaults"
echo "faults: $pass passed, $fail failed"
[ "$fail" = 0 ]
