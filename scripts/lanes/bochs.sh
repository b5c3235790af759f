#!/bin/bash
# Lane, IN THE GUEST of scripts/check-lane bochs: QEMU's stock bochs-display
# with the guest kernel's bochs driver, the baseline our userspace checks are
# proven on. The host's QMP screendump is taken by guest-run's --on-ready hook.
. /src/scripts/lane-lib.sh
lane_begin "${LANE:-guest-bochs}"
ut=userspace-tests/build
png=/src/out/screenshot-bochs-xrgb8888.png
check modeset-atomic "$ut/modeset-atomic" --frames 120
check screenshot bash -c "rm -f $png && $ut/modeset-atomic --once --hold-file \$FAKEGPU_SYNC &&
	test \"\$(cat \$FAKEGPU_SYNC.status)\" = 0 && $ut/pattern-check --pattern bars --format xrgb8888 $png"
check bad-input "$ut/bad-input"
lane_end
