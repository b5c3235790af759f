#!/bin/bash
# Lane, IN THE GUEST of scripts/check-lane desktop (fakegpu-device t4-2b, two
# heads): the profile's PCI identity, two heads driven independently, then
# Xorg and weston on them (docs/guest-desktops.md).
. /src/scripts/lane-lib.sh
lane_begin "${LANE:-guest-desktop}"
check pci-identity-t4-2b scripts/guest-pci-identity.sh t4-2b
check multihead-2 scripts/guest-multihead-checks.sh 2
check xorg scripts/guest-xorg-checks.sh
check weston scripts/guest-weston-checks.sh
lane_end
