#!/bin/bash
# Runs IN THE GUEST of `scripts/guest-run --device PROFILE`: what the guest's
# PCI core sees of the device - vendor/device/class, subsystem, BAR sizes and
# the MSI capability (lspci -nn -vv) - against the profile table.
# Prints "ok - ..." per item and "pci-identity-PROFILE: N passed, M failed".
#   guest-pci-identity.sh t4-1b|t4-2b|virt
set -uo pipefail
profile=${1:?usage: guest-pci-identity.sh t4-1b|t4-2b|virt}
case $profile in
t4-1b) id=10de:1eb8 class=0302 subsys=10de:1222 vram=1G ;;
t4-2b) id=10de:1eb8 class=0302 subsys=10de:1223 vram=2G ;;
virt) id=feed:face class=0300 subsys=feed:0001 vram=256M ;;
*) echo "guest-pci-identity: unknown profile $profile (t4-1b, t4-2b or virt)" >&2; exit 2 ;;
esac
out=$(lspci -nn -vv -d "$id")
echo "$out" | head -n 12
pass=0 fail=0
want() {
	if grep -qE "$1" <<<"$out"; then pass=$((pass + 1)); echo "ok - $2"
	else fail=$((fail + 1)); echo "not ok - $2"; fi
}
want "\\[$class\\]: .*\\[$id\\]" "class $class, ID $id"
want "Subsystem: .*\\[$subsys\\]" "subsystem $subsys"
want 'Region 0: Memory at .* \(32-bit, non-prefetchable\) \[size=16K\]' 'BAR0 16K registers'
want "Region 2: Memory at .* \\(64-bit, prefetchable\\) \\[size=$vram\\]" "BAR2 $vram VRAM, 64-bit prefetchable"
want 'Capabilities: \[[0-9a-f]+\] MSI: .*64bit\+' 'MSI capability'
echo "pci-identity-$profile: $pass passed, $fail failed"
[ "$fail" = 0 ]
