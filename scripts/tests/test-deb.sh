#!/usr/bin/env bash
# The Debian packages (make deb, scripts/make-deb), as built and as
# installed: lintian has no error; each package holds what it must; the
# installed programs run from an unpacked root (out/deb-root/): the device
# serves its sockets (0600), the installed fakegpu-ctl talks to it, SIGTERM
# leaves nothing behind; the device under the unit's limits (no new
# privileges, only CAP_CHOWN, no network) with --socket-group; the unit
# passes systemd-analyze verify; DKMS builds the packaged driver source for
# every kernel with headers and skips one before 6.12 (in private trees: the
# system's DKMS state is not touched); the package's postinst, against a
# recording dkms, gives every kernel with headers the module.
# Builds the packages unless out/deb/ is newer than their sources. Runs in
# the toolbox (from the host, it calls itself there). Prints "ok - ..." /
# "not ok - ..." lines and "deb: N passed, M failed".
set -uo pipefail
if [ ! -f /.fakegpu-toolbox-ok ]; then
	here=$(cd "$(dirname "$0")/../.." && pwd)
	exec "$here/scripts/toolbox.sh" run /src/scripts/tests/test-deb.sh "$@"
fi
cd /src || exit 1
p=0 f=0
ok() { p=$((p + 1)); echo "ok - $1"; }
bad() { f=$((f + 1)); echo "not ok - $1"; [ -z "${2:-}" ] || sed 's/^/    | /' <<<"$2"; }
check() {	# check DESCRIPTION CMD...: CMD's status is the verdict
	local what=$1 out; shift
	if out=$("$@" 2>&1); then ok "$what"; else bad "$what" "$out"; fi
}
tmp=$(mktemp -d)
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
arch=$(dpkg --print-architecture)
deb=out/deb
tools=$deb/fakegpu-tools_${ver}_${arch}.deb
dkms=$deb/fakegpu-dkms_${ver}_all.deb
root=out/deb-root

# --- build (or reuse a build newer than every source it was made from)
newer=""
[ -f "$tools" ] && [ -f "$dkms" ] && [ -f "$deb/lintian.log" ] &&
	newer=$(find debian include scripts/make-deb drm-driver/Kbuild drm-driver/Makefile \
		drm-driver/dkms.conf drm-driver/fakegpu-modprobe.conf drm-driver/*.[ch] \
		device/Makefile device/src device/tools device/client device/viewer device/man \
		-newer "$tools" -print -quit 2>/dev/null)
if [ -f "$tools" ] && [ -f "$dkms" ] && [ -f "$deb/lintian.log" ] && [ -z "$newer" ]; then
	ok "packages in out/deb/ are newer than their sources (reused)"
else
	check "scripts/make-deb builds both packages, lintian passes" scripts/make-deb
fi
if [ ! -f "$tools" ] || [ ! -f "$dkms" ]; then
	bad "no packages to test"
	echo "deb: $p passed, $f failed"
	exit 1
fi

# --- lintian
if grep -q '^E: ' "$deb/lintian.log"; then
	bad "lintian: no error" "$(grep '^E: ' "$deb/lintian.log")"
else
	ok "lintian: no error ($(grep -c '^[WI]: ' "$deb/lintian.log") warnings/infos)"
fi
grep -E '^[WIP]: ' "$deb/lintian.log" | sed 's/^/    lintian /'

# --- contents
has() {	# has DEB PATH...: each PATH is in DEB
	local d=$1 list missing=""; shift
	list=$(dpkg-deb -c "$d" | awk '{print $NF}' | sed 's|^\./|/|')
	for x in "$@"; do grep -qxF "$x" <<<"$list" || missing+="$x "; done
	[ -z "$missing" ] || { echo "missing in $(basename "$d"): $missing"; return 1; }
}
progs=(fakegpu-device fakegpu-ctl fakegpu-view fakegpu-vnc)
check "fakegpu-tools: the four programs in /usr/bin" \
	has "$tools" "${progs[@]/#//usr/bin/}"
mans=()
for prog in "${progs[@]}"; do mans+=("/usr/share/man/man1/$prog.1.gz"); done
check "fakegpu-tools: a man page for each (section 1)" has "$tools" "${mans[@]}"
check "fakegpu-tools: the unit /usr/lib/systemd/system/fakegpu-device@.service" \
	has "$tools" /usr/lib/systemd/system/fakegpu-device@.service
check "fakegpu-tools: the QEMU configurations and the libvirt domain of docs/using.md" \
	has "$tools" /usr/share/fakegpu/qemu-config/{t4-1b,t4-2b,virt,pc}.cfg \
		/usr/share/fakegpu/qemu-config/libvirt-t4-1b.xml /usr/share/doc/fakegpu-tools/using.md.gz
check "fakegpu-tools: /etc/fakegpu/example.conf, a conffile" \
	bash -c "dpkg-deb -I '$tools' conffiles | grep -qx /etc/fakegpu/example.conf"
check "fakegpu-dkms: /usr/src/fakegpu-$ver with dkms.conf, Kbuild, Makefile, include/fakegpu_abi.h" \
	has "$dkms" "/usr/src/fakegpu-$ver/dkms.conf" "/usr/src/fakegpu-$ver/Kbuild" \
		"/usr/src/fakegpu-$ver/Makefile" "/usr/src/fakegpu-$ver/fakegpu_drv.c" \
		"/usr/src/fakegpu-$ver/include/fakegpu_abi.h"
check "fakegpu-dkms: /usr/lib/modprobe.d/fakegpu.conf, nothing in /etc" \
	bash -c "dpkg-deb -c '$dkms' | grep -q ' \./usr/lib/modprobe.d/fakegpu.conf$' &&
		! dpkg-deb -c '$dkms' | grep -q ' \./etc/'"
check "fakegpu-dkms: depends on dkms; postinst runs DKMS's, prerm dkms remove" \
	bash -c "dpkg-deb -f '$dkms' Depends | grep -q '^dkms' &&
		dpkg-deb -I '$dkms' postinst | grep -q /usr/lib/dkms/common.postinst &&
		dpkg-deb -I '$dkms' prerm | grep -q 'dkms remove -m \$DKMS_NAME'"
check "fakegpu-tools: no maintainer script enables or starts the template" \
	bash -c "! dpkg-deb -I '$tools' postinst 2>/dev/null | grep -q fakegpu-device"
dpkg-deb -c "$tools" | awk '{print "    tools " $1 " " $NF}'
dpkg-deb -c "$dkms" | awk '$NF !~ /\/$/ {print "    dkms  " $1 " " $NF}'

# --- the installed programs
rm -rf "$root"
mkdir -p "$root"
dpkg-deb -x "$tools" "$root"
bin=$root/usr/bin
check "installed programs find their libraries" \
	bash -c "! ldd $bin/fakegpu-device $bin/fakegpu-ctl $bin/fakegpu-view $bin/fakegpu-vnc | grep 'not found'"
for prog in "${progs[@]}"; do
	help=$("$bin/$prog" --help 2>&1)
	rc=$?
	if [ $rc = 0 ] && grep -q "^usage: $prog" <<<"$help"; then
		ok "installed $prog --help"
	else
		bad "installed $prog --help (exit $rc)" "$help"
		continue
	fi
	# Every option the program names is in its man page.
	page=$(zcat "$root/usr/share/man/man1/$prog.1.gz" | sed 's/\\-/-/g')
	missing=""
	for o in $(grep -oE -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
		grep -qF -- "$o" <<<"$page" || missing+="$o "
	done
	if [ -z "$missing" ]; then ok "$prog.1 documents every option of --help"
	else bad "$prog.1 documents every option of --help" "missing: $missing"; fi
	warn=$(zcat "$root/usr/share/man/man1/$prog.1.gz" | LC_ALL=C.UTF-8 MANROFFSEQ='' \
		man --warnings -E UTF-8 -l -Tutf8 -Z - 2>&1 >/dev/null)
	if [ -z "$warn" ]; then ok "$prog.1 formats without warnings"
	else bad "$prog.1 formats without warnings" "$warn"; fi
done

wait_gone() {	# wait_gone PID: it exits within 5 s; its status in $gone_rc
	local _
	for _ in $(seq 50); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"; gone_rc=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}

run_device() {	# run_device LABEL WRAPPER... -- OPTIONS...: start, talk, stop
	local label=$1; shift
	local wrap=()
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	local d; d=$(mktemp -d "$tmp/dev.XXXX")
	"${wrap[@]}" "$bin/fakegpu-device" --socket "$d/gpu.sock" --ctl "$d/gpu.ctl.sock" \
		--pidfile "$d/pid" "$@" >"$d/log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	if ! { for _ in $(seq 50); do
			[ -S "$d/gpu.sock" ] && [ -S "$d/gpu.ctl.sock" ] && [ -s "$d/pid" ] && break
			sleep 0.1
		done; [ -S "$d/gpu.ctl.sock" ]; }; then
		bad "$label: the device serves both sockets" "$(cat "$d/log")"
		kill -KILL "$pid" 2>/dev/null
		return 1
	fi
	ok "$label: the device serves both sockets"
	dev_dir=$d dev_pid=$pid
	local st
	st=$("$bin/fakegpu-ctl" --socket "$d/gpu.ctl.sock" status 2>&1)
	if [ $? = 0 ] && grep -q '^fakegpu abi ' <<<"$st" && grep -q '^vfio-user: client none' <<<"$st"; then
		ok "$label: installed fakegpu-ctl status"
	else
		bad "$label: installed fakegpu-ctl status" "$st"
	fi
}
stop_device() {	# stop_device LABEL: SIGTERM, exit 0, no socket, pidfile or process left
	local label=$1 left
	kill -TERM "$dev_pid"
	if ! wait_gone "$dev_pid"; then
		bad "$label: SIGTERM stops the device" "still running after 5 s"
		kill -KILL "$dev_pid"
		return
	fi
	left=$(find "$dev_dir" -mindepth 1 ! -name log -printf '%f ')
	if [ "$gone_rc" = 0 ] && [ -z "$left" ]; then
		ok "$label: SIGTERM: exit 0, sockets and pidfile removed"
	else
		bad "$label: SIGTERM: exit 0, sockets and pidfile removed" \
			"exit $gone_rc; left: $left; log: $(cat "$dev_dir/log")"
	fi
}

if run_device "plain" --; then
	modes=$(stat -c '%a %n' "$dev_dir/gpu.sock" "$dev_dir/gpu.ctl.sock")
	if [ "$(awk '{print $1}' <<<"$modes" | sort -u)" = 600 ]; then
		ok "plain: both sockets 0600 by default"
	else
		bad "plain: both sockets 0600 by default" "$modes"
	fi
	stop_device "plain"
fi

# The unit's limits, as far as a chroot without systemd can apply them: no
# new privileges, CAP_CHOWN the only capability (for --socket-group), a
# network namespace of its own (PrivateNetwork=); the sockets are reached
# from outside it.
grp=nogroup
# shellcheck disable=SC2054 # setpriv's capability lists are comma-separated
sandbox=(unshare --net setpriv --no-new-privs --bounding-set=-all,+chown --inh-caps=-all)
if run_device "sandboxed" "${sandbox[@]}" -- --socket-mode 0660 --socket-group "$grp"; then
	modes=$(stat -c '%a %G' "$dev_dir/gpu.sock" "$dev_dir/gpu.ctl.sock" | sort -u)
	if [ "$modes" = "660 $grp" ]; then
		ok "sandboxed: --socket-mode 0660 --socket-group $grp applied to both sockets"
	else
		bad "sandboxed: --socket-mode 0660 --socket-group $grp applied to both sockets" "$modes"
	fi
	stop_device "sandboxed"
fi
# Without CAP_CHOWN, --socket-group fails, and says why.
out=$(setpriv --no-new-privs --bounding-set=-all --inh-caps=-all "$bin/fakegpu-device" \
	--socket "$tmp/nocap.sock" --socket-group "$grp" --socket-mode 0660 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q "cannot give vfio-user socket .* group" <<<"$out" && [ ! -e "$tmp/nocap.sock" ]; then
	ok "without CAP_CHOWN, --socket-group fails cleanly (why the unit keeps CAP_CHOWN)"
else
	bad "without CAP_CHOWN, --socket-group fails cleanly (why the unit keeps CAP_CHOWN)" "exit $rc: $out"
fi

# --- the systemd unit
unit=$root/usr/lib/systemd/system/fakegpu-device@.service
if command -v systemd-analyze >/dev/null; then
	# The executable as unpacked (verify checks that it exists), the man
	# page of Documentation= from the unpacked root.
	mkdir -p "$tmp/unit"
	sed "s|/usr/bin/fakegpu-device|/src/$bin/fakegpu-device|" "$unit" >"$tmp/unit/fakegpu-device@.service"
	check "systemd-analyze verify fakegpu-device@.service" \
		bash -c "out=\$(MANPATH=/src/$root/usr/share/man systemd-analyze verify \
			'$tmp/unit/fakegpu-device@.service' 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
	sec=$(systemd-analyze security --offline=yes --root="$root" fakegpu-device@gpu0.service 2>&1 |
		grep -o 'Overall exposure level.*')
	echo "    systemd-analyze security: $sec"
else
	echo "    systemd-analyze is not in the toolbox: the unit is not verified"
fi
for want in 'ExecStart=/usr/bin/fakegpu-device --socket /run/fakegpu/%i.sock --ctl /run/fakegpu/%i.ctl.sock $FAKEGPU_ARGS' \
	'EnvironmentFile=-/etc/fakegpu/%i.conf' 'RuntimeDirectory=fakegpu' \
	'RuntimeDirectoryPreserve=yes' 'Restart=on-failure'; do
	check "unit: $want" grep -qxF -- "$want" "$unit"
done

# --- fakegpu-dkms's postinst (dh_dkms's: DKMS's common postinst) against a
# dkms that records its calls, with the package's /usr/src and kernels of our
# own in private /usr/src, /var/lib/dkms, /lib/modules and /boot, under the
# toolbox's DKMS configuration (trixie's dkms sets autoinstall_all_kernels):
# the module is added; the running kernel, an older and the newest one, all
# with headers, get it; one before 6.12 is skipped without failing the
# installation (the stub answers 77 for it, as the real dkms does below); one
# without headers is left alone.
pi=$tmp/postinst
mkdir -p "$pi/bin"
dpkg-deb -I "$dkms" postinst >"$pi/postinst"
cat >"$pi/bin/dkms" <<'STUB'
#!/bin/sh
echo "dkms $*" >>"$STUB/log"
cmd=$1; k=""
while [ $# -gt 0 ]; do [ "$1" = -k ] && k=$2; shift; done
case $cmd in
add)	mkdir -p /var/lib/dkms/fakegpu/1.0
	ln -sfn /usr/src/fakegpu-1.0 /var/lib/dkms/fakegpu/1.0/source ;;
status)	[ -z "$k" ] || grep "^$k " "$STUB/state" 2>/dev/null |
		sed 's|^\([^ ]*\) \(.*\)|fakegpu/1.0, \1, x86_64: \2|' ;;
build|install)
	[ "$k" != 6.1.0-9-amd64 ] || exit 77
	[ "$cmd" = build ] && echo "$k built" >>"$STUB/state"
	[ "$cmd" = install ] && echo "$k installed" >>"$STUB/state" ;;
esac
exit 0
STUB
chmod +x "$pi/bin/dkms"
out=$(STUB=$pi unshare -m --propagation unchanged bash -c '
	set -e
	for m in /usr/src /var/lib/dkms /lib/modules /boot; do mount -t tmpfs tmpfs $m; done
	dpkg-deb -x "$1" "$STUB/pkg"
	cp -R "$STUB/pkg/usr/src/." /usr/src/
	for k in 6.1.0-9-amd64 6.12.1-amd64 "$(uname -r)" 99.0.0-1-amd64; do
		mkdir -p /lib/modules/$k/build/include
		touch /boot/config-$k
	done
	mkdir -p /lib/modules/7.2.0-1-amd64	# no headers
	PATH=$STUB/bin:$PATH sh "$STUB/postinst" configure
' postinst "$dkms" 2>&1)
rc=$?
installed=$(awk '$2 == "installed" {print $1}' "$pi/state" 2>/dev/null | sort -u | xargs)
want=$(printf '%s\n' 6.12.1-amd64 "$(uname -r)" 99.0.0-1-amd64 | sort -u | xargs)
if [ $rc = 0 ] && [ "$installed" = "$want" ] &&
   grep -qx 'dkms add -m fakegpu -v 1.0' "$pi/log" && ! grep -q -- '-k 7.2.0-1-amd64' "$pi/log"; then
	ok "fakegpu-dkms postinst: the module for every kernel with headers ($installed)"
else
	bad "fakegpu-dkms postinst: the module for every kernel with headers" \
		"exit $rc; installed: $installed (want $want); $out; calls: $(cat "$pi/log" 2>/dev/null)"
fi

# --- DKMS builds the packaged source, for every kernel with headers, in
# private trees (a private /var/lib/dkms for the signing key it makes).
dk=$tmp/dkms
mkdir -p "$dk/root" "$dk/tree"
dpkg-deb -x "$dkms" "$dk/root"
kernels=$(for b in /lib/modules/*/build/include; do [ -d "$b" ] && basename "$(dirname "$(dirname "$b")")"; done)
for k in $kernels; do
	out=$(unshare -m --propagation unchanged bash -c '
		set -e
		mount -t tmpfs tmpfs /var/lib/dkms
		t=(--sourcetree "$1/usr/src" --dkmstree "$2")
		dkms status -m fakegpu -v "$3" "${t[@]}" | grep -q . ||
			dkms add -m fakegpu -v "$3" "${t[@]}"
		dkms build -m fakegpu -v "$3" -k "$4" "${t[@]}"
	' dkms "$dk/root" "$dk/tree" "$ver" "$k" 2>&1)
	rc=$?
	ko=$(ls "$dk/tree/fakegpu/$ver/$k"/*/module/fakegpu.ko* 2>/dev/null | head -n 1)
	if [ $rc = 0 ] && [ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$k "; then
		ok "dkms build of the packaged source for $k"
	else
		bad "dkms build of the packaged source for $k (exit $rc)" \
			"$out$(cat "$dk/tree/fakegpu/$ver/build/make.log" 2>/dev/null | tail -n 20)"
	fi
done
[ -n "$kernels" ] || bad "a kernel with headers in the toolbox for the dkms build"
# BUILD_EXCLUSIVE_KERNEL_MIN: an older kernel is skipped (77), not failed.
out=$(unshare -m --propagation unchanged bash -c '
	mount -t tmpfs tmpfs /var/lib/dkms
	dkms build -m fakegpu -v "$3" -k 6.1.0-9-amd64 --sourcetree "$1/usr/src" --dkmstree "$2"
' dkms "$dk/root" "$dk/tree" "$ver" 2>&1)
rc=$?
if [ $rc = 77 ]; then
	ok "dkms skips a kernel before 6.12 (status 77)"
else
	bad "dkms skips a kernel before 6.12 (status 77)" "exit $rc: $out"
fi

echo "deb: $p passed, $f failed"
[ "$f" = 0 ]
