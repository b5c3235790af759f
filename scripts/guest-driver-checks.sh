#!/bin/bash
# Runs IN THE GUEST (scripts/check-driver boots it): the fakegpu driver lane.
# Prints "ok - ..." / "not ok - ..." per check and "driver: N passed, M failed".
#   guest-driver-checks.sh [CYCLES]   (default 20 modprobe/rmmod cycles)
set -u
cycles=${1:-20}
ut=/src/userspace-tests/build
pass=0 fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi; }
has() { grep -qE "$1" <<<"$2"; }
card_dev() {	# the PCI function fakegpu drives, empty if none
	for c in /sys/class/drm/card[0-9]*; do
		[ -e "$c/device/driver" ] || continue
		[ "$(basename "$(readlink "$c/device/driver")")" = fakegpu ] && { basename "$(readlink "$c/device")"; return; }
	done
}
vram_nodes() {	# allocations in the VRAM manager (drm_vram_helper debugfs)
	local f
	f=$(ls /sys/kernel/debug/dri/*/vram-mm 2>/dev/null | head -n1)
	[ -n "$f" ] && grep -c '^0x' "$f"
}

# 1. Loading: udev loads fakegpu (modalias) at boot; nouveau, which also
#    matches the fake T4, is held back by the softdep and must not own it.
scripts/guest-load-module; ok $? "modprobe fakegpu binds the device"
bdf=$(card_dev)
pcidrv=$(basename "$(readlink /sys/bus/pci/devices/$bdf/driver 2>/dev/null)")
if [ "$(cat /sys/bus/pci/devices/$bdf/vendor 2>/dev/null)" = 0x10de ]; then
	lsmod | grep -q '^nouveau' && loaded="nouveau loaded too" || loaded="nouveau not loaded"
	[ "$pcidrv" = fakegpu ]; ok $? "fakegpu, not nouveau, owns the fake T4 ($loaded)"
fi
mi=$(modinfo fakegpu)
has 'alias: +pci:v000010DEd00001EB8' "$mi" && has 'alias: +pci:v0000FEEDd0000FACE' "$mi" && has 'license: +GPL' "$mi"
ok $? "modinfo: PCI aliases for both identities, GPL"

# 2. What userspace sees.
mt=$(modetest -M fakegpu -c -p 2>&1)
heads=$(grep -c '^[0-9].*connected' <<<"$(modetest -M fakegpu -c 2>&1)")
has '[[:space:]]connected[[:space:]]' "$mt"; ok $? "connector connected"
has '#0 1024x768 60' "$mt" && has '1920x1080' "$mt"; ok $? "modes from the EDID (1024x768 preferred, 1920x1080)"
has 'formats: XR24 AR24 RG16 AR15$' "$mt"; ok $? "primary plane formats XR24 AR24 RG16 AR15"
has 'formats: AR24$' "$mt"; ok $? "cursor plane (AR24)"
echo "driver: $heads connector(s)"

# 3. modeset-atomic: 120 flips, every event, no missed vblank. TCG translates
#    kernel code the first time it runs: the first page flips after boot can
#    take a frame longer for that alone, so a short warm-up run goes first.
"$ut/modeset-atomic" --frames 20 >/dev/null 2>&1
# Zero missed vblanks is the requirement. The host has two cores: the guest
# runs with one vCPU (scripts/check-driver), the other core is left to QEMU's
# I/O thread and the device process, which every register access and every
# interrupt goes through. A host that stalls the vCPU itself for milliseconds
# (2026-11-29: a 1 ms sleeper on the idle host woke up to 19 ms late) still
# makes a flip miss now and then, so up to five runs of 120 flips are made:
# each must deliver every event, and one of them must miss none. Every run's
# count is printed; modeset-atomic says for each miss whether the commit
# returned in time (late=L counts those it did not).
best="" runs=""
for run in 1 2 3 4 5; do
	out=$("$ut/modeset-atomic" --frames 120 2>&1); rc=$?
	grep -E 'missed|frames=' <<<"$out"
	m=$(sed -nE 's/.* missed=([0-9]+) .*/\1/p' <<<"$out" | tail -n1)
	runs="$runs ${m:-?}"
	[ $rc = 0 ] && [ -n "$m" ] || { tail -n 5 <<<"$out"; best=""; break; }
	{ [ -z "$best" ] || [ "$m" -lt "$best" ]; } && best=$m
	[ "$best" = 0 ] && break
done
[ "$best" = 0 ]; ok $? "modeset-atomic 120 frames, every flip event, a run with zero missed vblanks (missed per run:$runs)"
hz=$(sed -nE 's/.* hz=([0-9]+)\..*/\1/p' <<<"$out" | tail -n1)
[ -n "$hz" ] && [ "$hz" -ge 55 ] && [ "$hz" -le 65 ]; ok $? "flip rate ${hz:-?} Hz is the device's 60 Hz"

# 3b. A page flip costs the registers that change, not the whole head: every
#     register access is a round trip to the device process (100-200 us
#     under TCG), and a flip is due within one frame of the event before it.
#     The device counts each head's register writes (fakegpu-ctl stats);
#     each flip changes one buffer offset and writes COMMIT.
reg_writes() { scripts/host-ctl stats | sed -nE "s/^head $1 .* reg_writes=([0-9]+).*/\1/p"; }
w0=$(reg_writes 0)
"$ut/modeset-atomic" --frames 120 >/dev/null 2>&1; rc=$?
w1=$(reg_writes 0)
wpf=""
[ $rc = 0 ] && [ -n "$w0" ] && [ -n "$w1" ] && wpf=$(( (w1 - w0) * 10 / 120 ))
echo "register writes of head 0 for 120 flips (modeset and teardown included): $(( ${w1:-0} - ${w0:-0} ))"
[ -n "$wpf" ] && [ "$wpf" -le 25 ]; ok $? "a page flip writes about 2 registers (buffer offset, COMMIT): $(( ${wpf:-0} / 10 )).$(( ${wpf:-0} % 10 )) per flip"

# 4. Bad input from userspace is refused.
"$ut/bad-input"; ok $? "bad-input"

# 5. modprobe -> modeset-atomic -> rmmod cycles: no warning, no leaked VRAM.
base=$(vram_nodes)
leak=0 cyc_fail=0
for i in $(seq "$cycles"); do
	if ! rmmod fakegpu; then cyc_fail=1; echo "cycle $i: rmmod failed"; break; fi
	[ -z "$(card_dev)" ] || { cyc_fail=1; echo "cycle $i: card still there after rmmod"; break; }
	modprobe fakegpu || { cyc_fail=1; echo "cycle $i: modprobe failed"; break; }
	for _ in $(seq 50); do [ -n "$(card_dev)" ] && break; sleep 0.1; done
	"$ut/modeset-atomic" --frames 10 >/dev/null 2>&1 || { cyc_fail=1; echo "cycle $i: modeset-atomic failed"; break; }
	n=$(vram_nodes)
	[ "$n" = "$base" ] || { leak=1; echo "cycle $i: $n VRAM allocations, expected $base"; }
done
ok $cyc_fail "$cycles cycles of rmmod -> modprobe -> modeset-atomic"
ok $leak "no leaked VRAM after each cycle (${base:-?} allocations: the fbdev console)"
grep -q MSI /proc/interrupts && grep fakegpu /proc/interrupts | grep -q MSI; ok $? "interrupt is MSI after the cycles"

# 6. The device vanishing under a client: unbind while modeset-atomic flips.
#    The client must get an error at once (not hang on an event), the kernel
#    must not warn (guest-run fails on any WARNING), and a rebind must work.
#    (PCI remove + rescan is not tested: the guest kernel cannot re-assign a
#    1 GiB BAR2 on QEMU's root bus after a remove, "can't assign; no space",
#    and the driver then refuses the device with "BAR2 is not a usable VRAM
#    BAR" - a guest PCI limit, see docs/troubleshooting.md.)
bdf=$(card_dev)
"$ut/modeset-atomic" --frames 100000 >/tmp/unbind.log 2>&1 &
cpid=$!
sleep 2
echo "$bdf" >/sys/bus/pci/drivers/fakegpu/unbind
gone=1
for _ in $(seq 50); do kill -0 $cpid 2>/dev/null || { gone=0; break; }; sleep 0.1; done
[ $gone = 0 ] || kill $cpid 2>/dev/null
wait $cpid; crc=$?
tail -n 2 /tmp/unbind.log
[ $gone = 0 ] && [ $crc != 0 ] && grep -q 'No such device' /tmp/unbind.log
ok $? "unbind under a flipping client: the client gets ENODEV within 5 s"
echo "$bdf" >/sys/bus/pci/drivers/fakegpu/bind
for _ in $(seq 50); do [ -n "$(card_dev)" ] && break; sleep 0.1; done
"$ut/modeset-atomic" --frames 30 >/dev/null 2>&1; ok $? "rebind: the card is back and flips"

echo "driver: $pass passed, $fail failed"
[ "$fail" = 0 ]
