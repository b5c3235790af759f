#!/bin/bash
# Lane, IN THE GUEST of scripts/check-lane multihead4 (fakegpu-device with
# the feed:face identity, four heads): that identity's PCI view, and four
# heads with their own EDIDs, modes, flips and hotplug.
. /src/scripts/lane-lib.sh
lane_begin "${LANE:-guest-multihead4}"
check pci-identity-virt scripts/guest-pci-identity.sh virt
check multihead-4 scripts/guest-multihead-checks.sh 4
lane_end
