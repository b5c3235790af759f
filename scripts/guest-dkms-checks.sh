#!/bin/bash
# Runs IN THE GUEST (scripts/check-dkms boots it, /usr on a throw-away
# overlay): the fakegpu-dkms package installed the way a user installs it.
# Prints "ok - ..." / "not ok - ..." per check and "dkms: N passed, M failed".
#   guest-dkms-checks.sh DEB
set -u
deb=$1
rel=$(uname -r)
pass=0 fail=0
ok() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "not ok - $2"; fi; }
finish() { echo "dkms: $pass passed, $fail failed"; exit $((fail > 0)); }

# The module `make build` put into the toolbox (loaded at boot by udev) goes
# first, so that what loads below is the package's. Only this kernel keeps its
# headers: dkms builds for every kernel that has them, under TCG minutes each,
# and the other kernel's build is the same code (its own guest checks it).
modprobe -r fakegpu 2>/dev/null
rm -f "/lib/modules/$rel/updates/fakegpu.ko"*	# .ko.xz: modules_install compresses
for b in /lib/modules/*/build; do
	[ "$b" = "/lib/modules/$rel/build" ] || rm -f "$b"
done
# No depmod here: under TCG it takes minutes (every module of the kernel read
# over 9p); dkms runs it after installing.
! ls "/lib/modules/$rel/updates/fakegpu.ko"* >/dev/null 2>&1; ok $? "no fakegpu module of make build's left"

t0=$(date +%s)
# The guest has no package lists (no network, /var/lib/apt on tmpfs): the
# toolbox's Default-Release names a suite apt cannot see then, so it is unset.
cp "$deb" /tmp/ && apt-get install -y -q -o APT::Default-Release= "/tmp/$(basename "$deb")" >/tmp/apt.log 2>&1
rc=$?
echo "# apt install took $(( $(date +%s) - t0 )) s"
[ $rc = 0 ] || tail -n 30 /tmp/apt.log | sed 's/^/# /'
ok $rc "apt install $(basename "$deb") (dkms builds the module for $rel)"
[ $rc = 0 ] || finish
st=$(dkms status fakegpu 2>&1)
echo "# dkms status: $st"
grep -q "fakegpu/.*$rel.*installed" <<<"$st"; ok $? "dkms status: installed for $rel"
ko=$(modinfo -n fakegpu 2>/dev/null)
echo "# modinfo -n: $ko"
[[ $ko == /lib/modules/$rel/updates/dkms/fakegpu.ko* || $ko == /usr/lib/modules/$rel/updates/dkms/fakegpu.ko* ]]
ok $? "the module modprobe finds is dkms's"
[ -f /usr/lib/modprobe.d/fakegpu.conf ]; ok $? "the modprobe.d snippet is installed"

scripts/guest-load-module --any >/dev/null; ok $? "modprobe fakegpu binds the device"
out=$(userspace-tests/build/modeset-atomic --frames 60 2>&1)
rc=$?
grep -E '^modeset-atomic: frames=' <<<"$out" | sed 's/^/# /'
ok $rc "modeset-atomic: 60 flips on the packaged driver"

modprobe -r fakegpu; ok $? "rmmod fakegpu"
t0=$(date +%s)
dpkg -r fakegpu-dkms >/tmp/dpkg-r.log 2>&1
rc=$?
echo "# dpkg -r took $(( $(date +%s) - t0 )) s"
[ $rc = 0 ] || tail -n 20 /tmp/dpkg-r.log | sed 's/^/# /'
ok $rc "dpkg -r fakegpu-dkms"
! modinfo fakegpu >/dev/null 2>&1 && ! ls "/lib/modules/$rel/updates/dkms/fakegpu.ko"* >/dev/null 2>&1
ok $? "the module is gone after removal"
[ -z "$(dkms status fakegpu 2>/dev/null)" ] && [ ! -e /usr/src/fakegpu-1.0 ] && [ ! -e /usr/lib/modprobe.d/fakegpu.conf ]
ok $? "no dkms tree, sources or modprobe.d snippet left"
finish
