#!/bin/bash
# Guest side of the driver smoke test; run through scripts/guest-run, e.g.
#   scripts/guest-run --device t4-1b \
#     --on-ready '/src/device/build/fakegpu-ctl screenshot 0 $RUNDIR/shot.png &&
#                 /src/userspace-tests/build/pattern-check --pattern bars $RUNDIR/shot.png' \
#     -- drm-driver/tests/guest-smoke.sh
# Loads fakegpu.ko, exercises it with modetest and the libdrm clients, unloads
# it. Kernel messages are copied without their timestamps (guest-run drops
# timestamped console lines from the output).
set -u
ko=/src/drm-driver/fakegpu.ko
ut=/src/userspace-tests/build
rc=0
step() { echo "== $*"; }
kmsg() { dmesg | grep -E -i 'fakegpu|nouveau' | sed 's/^\[[^]]*\] /kmsg: /'
	 dmesg | grep -E 'WARNING:|BUG:|Oops' | sed 's/^\[[^]]*\] /KERNEL: /'; }

step "load"
modprobe -a drm_kms_helper drm_ttm_helper drm_vram_helper || rc=1
insmod "$ko" || { echo "insmod failed"; kmsg; exit 1; }
for _ in $(seq 50); do [ -e /dev/dri/card0 ] && break; sleep 0.1; done
lspci -k -d 10de: ; lspci -k -d feed:
kmsg

step "modetest"
modetest -M fakegpu -c -p | head -40 || rc=1

if [ -x "$ut/modeset-atomic" ]; then
	step "modeset-atomic --frames 120"
	"$ut/modeset-atomic" --frames 120 || rc=1
	step "bad-input"
	"$ut/bad-input" || rc=1
	if [ -n "${FAKEGPU_SYNC:-}" ]; then
		step "modeset-atomic --once (host screenshot)"
		"$ut/modeset-atomic" --once --hold-file "$FAKEGPU_SYNC" || rc=1
	fi
fi

step "interrupts"
grep fakegpu /proc/interrupts

step "unload"
rmmod fakegpu || rc=1
[ -e /dev/dri/card0 ] && { echo "card0 still there after rmmod"; rc=1; }
kmsg | tail -n 20
echo "guest-smoke: rc=$rc"
exit $rc
