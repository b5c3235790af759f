#!/bin/bash
# Lane, IN THE GUEST of scripts/check-lane device (fakegpu-device t4-1b): the
# device alone (PCI identity; bar-probe programming it through sysfs BARs,
# no driver), then through fakegpu.ko (the pattern in every scanout format,
# the host-truth scenes), then the driver against the device's injected
# faults. Every picture is the device's own screenshot.
. /src/scripts/lane-lib.sh
lane_begin "${LANE:-guest-device}"
check pci-identity-t4-1b scripts/guest-pci-identity.sh t4-1b
for f in xrgb8888 rgb565; do check "bar-probe-$f" scripts/guest-screenshot.sh bar-probe "$f"; done
for f in xrgb8888 argb8888 rgb565 argb1555; do check "screenshot-$f" scripts/guest-screenshot.sh modeset-atomic "$f"; done
check scenes scripts/guest-scenes.sh
check faults scripts/guest-fault-checks.sh
lane_end
