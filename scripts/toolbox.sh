#!/usr/bin/env bash
# Build (or reuse) the fakegpu toolbox: a Debian trixie tree that is the build
# environment, the QEMU host and the guest root filesystem.
#
#   scripts/toolbox.sh path     print the tree's path (build it if missing)
#   scripts/toolbox.sh build    build it if missing
#   scripts/toolbox.sh run CMD  run CMD inside it (repo at /src, private mounts)
#
# FAKEGPU_CACHE (default /var/cache/fakegpu) holds trees keyed by the hash of the
# package plan; FAKEGPU_MIRROR overrides the Debian mirror.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
plan="$here/toolbox-packages.txt"
cache=${FAKEGPU_CACHE:-/var/cache/fakegpu}
need_gb=6

die() { echo "toolbox: $*" >&2; exit 1; }
log() { echo "toolbox: $*" >&2; }

mirror() {
	if [ -n "${FAKEGPU_MIRROR:-}" ]; then echo "$FAKEGPU_MIRROR"; return; fi
	local m
	m=$(grep -hoE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list 2>/dev/null | grep -v security | head -n1 || true)
	echo "${m:-http://deb.debian.org/debian}"
}

# Keyed by the package plan only: editing how the tree is used does not rebuild it.
key() { sha256sum <"$plan" | cut -c1-16; }
tree() { echo "$cache/toolbox-$(key)"; }

# Mount what a chroot needs in the current (private) mount namespace.
mount_inside() {
	local t=$1
	mount -t proc proc "$t/proc"
	mount --rbind /sys "$t/sys"
	mount --rbind /dev "$t/dev"
	mount -t tmpfs tmpfs "$t/tmp"
	mount -t tmpfs tmpfs "$t/run"
	mkdir -p "$t/src"
	mount --bind "$repo" "$t/src"
	# An X display for the viewer (fakegpu-view): local displays through
	# their socket directory, forwarded ones (ssh -X: localhost:N) by TCP;
	# the cookie file is copied in (the chroot's /tmp is private).
	if [ -n "${DISPLAY:-}" ] && [ -d /tmp/.X11-unix ]; then
		mkdir -p "$t/tmp/.X11-unix"
		mount --bind /tmp/.X11-unix "$t/tmp/.X11-unix"
	fi
	if [ -n "${DISPLAY:-}" ] && [ -r "${XAUTHORITY:-}" ]; then
		cp "$XAUTHORITY" "$t/tmp/.Xauthority"
	fi
}

in_tree() {	# in_tree TREE CMD...   (fresh private mount namespace, auto-cleaned)
	local t=$1; shift
	# Under sudo, an X cookie is in the invoking user's home (ssh -X).
	if [ -n "${DISPLAY:-}" ] && [ -z "${XAUTHORITY:-}" ]; then
		local h
		h=$(getent passwd "${SUDO_USER:-root}" | cut -d: -f6)
		[ -r "$h/.Xauthority" ] && export XAUTHORITY=$h/.Xauthority
	fi
	unshare -m --propagation private bash -c '
		set -e
		t=$1; shift
		'"$(declare -f mount_inside)"'
		repo='"$(printf %q "$repo")"' mount_inside "$t"
		x11=()
		[ -z "${DISPLAY:-}" ] || x11+=("DISPLAY=$DISPLAY")
		[ -z "${DISPLAY:-}" ] || [ ! -r "${XAUTHORITY:-}" ] || x11+=(XAUTHORITY=/tmp/.Xauthority)
		exec chroot "$t" /usr/bin/env -i HOME=/root TERM=${TERM:-dumb} "${x11[@]}" \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive CI=${CI:-} "$@"
	' in_tree "$t" "$@"
}

preflight() {
	[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and mounts need it); try: sudo make test"
	mkdir -p "$cache" || die "cannot create cache directory $cache (set FAKEGPU_CACHE)"
	local avail
	avail=$(df -Pk "$cache" | awk 'NR==2 {print int($4/1048576)}')
	[ "$avail" -ge "$need_gb" ] || die "only ${avail} GiB free under $cache, need ${need_gb} GiB (free space or set FAKEGPU_CACHE)"
	command -v debootstrap >/dev/null || {
		log "installing debootstrap on the host"
		apt-get install -y -qq debootstrap >/dev/null || die "cannot install debootstrap: run 'apt-get update' and check the package mirror"
	}
	local m; m=$(mirror)
	if ! curl -fsS --max-time 20 -o /dev/null "$m/dists/trixie/Release" 2>/dev/null &&
	   ! wget -q -T 20 -O /dev/null "$m/dists/trixie/Release" 2>/dev/null; then
		die "package mirror $m does not serve trixie (set FAKEGPU_MIRROR to a Debian mirror)"
	fi
}

build() {
	local t; t=$(tree)
	[ -f "$t/.fakegpu-toolbox-ok" ] && return 0
	mkdir -p "$cache" 2>/dev/null || true
	# One builder at a time; the others wait and then reuse its tree.
	exec 9>"$cache/.lock" || die "cannot write $cache (run as root or set FAKEGPU_CACHE)"
	log "waiting for the toolbox lock" ; flock 9
	[ -f "$t/.fakegpu-toolbox-ok" ] && { exec 9>&-; return 0; }
	preflight
	local m; m=$(mirror)
	local tmp="$t.partial"
	rm -rf "$tmp"
	log "building $t from $m (a few minutes; reused afterwards)"
	debootstrap --variant=minbase trixie "$tmp" "$m" >"$cache/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $cache/debootstrap.log"
	cat >"$tmp/etc/apt/sources.list.d/fakegpu.sources" <<SRC
Types: deb
URIs: $m
Suites: trixie trixie-backports
Components: main

Types: deb
URIs: $m
Suites: sid
Components: main
Check-Valid-Until: no
SRC
	rm -f "$tmp/etc/apt/sources.list"
	cat >"$tmp/etc/apt/apt.conf.d/90fakegpu" <<'CONF'
APT::Default-Release "trixie";
APT::Install-Recommends "false";
Acquire::Check-Valid-Until "false";
Dpkg::Use-Pty "0";
CONF
	# initramfs-tools is pulled in by the kernel: the guest boots without one.
	echo 'do_symlinks = no' >"$tmp/etc/kernel-img.conf"
	in_tree "$tmp" apt-get update -q >"$cache/apt.log" 2>&1 ||
		die "apt-get update in the toolbox failed, see $cache/apt.log"
	local suite pkgs
	while IFS=: read -r suite pkgs; do
		case "$suite" in ''|\#*) continue ;; esac
		log "installing from $suite:$pkgs"
		local t_opt=()
		[ "$suite" = trixie ] || t_opt=(-t "$suite")
		# shellcheck disable=SC2086
		in_tree "$tmp" apt-get install -y -q "${t_opt[@]}" $pkgs >>"$cache/apt.log" 2>&1 ||
			die "installing '$pkgs' from $suite failed (a package missing on the mirror?), see $cache/apt.log"
	done <"$plan"
	in_tree "$tmp" apt-get clean
	ls "$tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "no kernel in the toolbox, see $cache/apt.log"
	chmod a+r "$tmp"/boot/vmlinuz-*
	in_tree "$tmp" dpkg-query -W >"$tmp/.fakegpu-packages"
	touch "$tmp/.fakegpu-toolbox-ok"
	rm -rf "$t"
	mv "$tmp" "$t"
	exec 9>&-
	log "ready: $t"
}

case "${1:-path}" in
path) build; tree ;;
build) build ;;
run) shift; build; in_tree "$(tree)" "$@" ;;
*) die "usage: $0 {path|build|run CMD...}" ;;
esac
